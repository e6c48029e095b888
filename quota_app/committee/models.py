"""Selection committees: members, conflicts of interest, assignments, scores, deliberation."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, Numeric, String, Table,
    Text, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..modelutil import one_of
from ..timeutil import utcnow

MEMBER_ROLES = ("member", "chair")
ASSIGNMENT_STATUSES = ("pending", "submitted", "withdrawn")
CONFLICT_SOURCES = ("member", "manager")


class Committee(db.Model):
    """A committee for a campaign, or for one sector of it."""

    __tablename__ = "committees"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id"))
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    # The date members are asked to have scored their files by (shown on their home page).
    scoring_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    campaign = relationship("Campaign")
    sector = relationship("Sector")
    members = relationship("CommitteeMember", back_populates="committee")


class CommitteeMember(db.Model):
    __tablename__ = "committee_members"
    __table_args__ = (
        UniqueConstraint("committee_id", "user_id"),
        one_of("role", MEMBER_ROLES),
        # One chair per committee.
        Index(
            "uq_committee_members_one_chair", "committee_id", unique=True,
            sqlite_where=text("role = 'chair'"), postgresql_where=text("role = 'chair'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(10), nullable=False, default="member")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The impartiality and confidentiality statement, signed before any file is assigned.
    statement_signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The member has gone through the list of eligible candidates and declared their conflicts.
    conflicts_declared_at: Mapped[datetime | None] = mapped_column(DateTime)

    committee = relationship("Committee", back_populates="members")
    user = relationship("User")


class ConflictOfInterest(db.Model):
    __tablename__ = "conflicts_of_interest"
    __table_args__ = (UniqueConstraint("member_id", "application_id"), one_of("source", CONFLICT_SOURCES))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_members.id"), nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Declared by the member themself, or recorded by a manager.
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="member", server_default="member")
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    member = relationship("CommitteeMember")


class ReviewAssignment(db.Model):
    """One file given to one reviewer; scores stay hidden from others until submitted."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint("application_id", "member_id"),
        one_of("status", ASSIGNMENT_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_members.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    # The file's name in blind mode and on the member's score sheet: random, never the reference.
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    is_third_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    weighted_total: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    assigned_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    saved_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A conflict declared after assignment or a deactivated member: the file went to another.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_reason: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    member = relationship("CommitteeMember")
    application = relationship("Application")
    scores = relationship("Score", back_populates="assignment", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("assignment_id", "criterion_id"),
        CheckConstraint("value >= 0", name="value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"), nullable=False)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), nullable=False)
    value: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")

    assignment = relationship("ReviewAssignment", back_populates="scores")
    criterion = relationship("Criterion")


class EvaluationResult(db.Model):
    """An eligible file's final score and rank, computed from its reviews."""

    __tablename__ = "evaluation_results"
    __table_args__ = (Index("ix_evaluation_results_campaign_rank", "campaign_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True, nullable=False)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), index=True)
    mean_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    normalised_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    rank: Mapped[int | None] = mapped_column(Integer)
    gap_flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    adjusted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    computed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    application = relationship("Application")


class ScoreAdjustment(db.Model):
    """The chair's change of a final score; never without a written justification."""

    __tablename__ = "score_adjustments"
    __table_args__ = (CheckConstraint("length(justification) > 0", name="justified"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    deliberation_id: Mapped[int | None] = mapped_column(ForeignKey("deliberations.id"), index=True)
    adjusted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    score_before: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    score_after: Mapped[Decimal] = mapped_column(Numeric(7, 3), nullable=False)
    justification: Mapped[str] = mapped_column(Text, nullable=False)
    adjusted_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


deliberation_attendance = Table(
    "deliberation_attendance",
    db.metadata,
    Column("deliberation_id", ForeignKey("deliberations.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("committee_members.id"), primary_key=True),
)


class Deliberation(db.Model):
    """The committee's deliberation: once validated, scores are locked and the PV exists."""

    __tablename__ = "deliberations"
    __table_args__ = (one_of("status", ("open", "validated")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    held_on: Mapped[datetime | None] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    tie_break_rule: Mapped[str] = mapped_column(Text, nullable=False, default="")
    minutes_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    minutes_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    validated_at: Mapped[datetime | None] = mapped_column(DateTime)
    normalised: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    # The sealed procès-verbal (documents/), and the ranking's own hash as sealed.
    minutes_document_id: Mapped[int | None] = mapped_column(ForeignKey("sealed_documents.id"))
    ranking_sha256: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    committee = relationship("Committee")
    members_present = relationship("CommitteeMember", secondary=deliberation_attendance)

    __mapper_args__ = {"version_id_col": version}
