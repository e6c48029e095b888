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


class Committee(db.Model):
    """A committee for a campaign, or for one sector of it."""

    __tablename__ = "committees"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id"))
    name: Mapped[str] = mapped_column(String(150), nullable=False)
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

    committee = relationship("Committee", back_populates="members")
    user = relationship("User")


class ConflictOfInterest(db.Model):
    __tablename__ = "conflicts_of_interest"
    __table_args__ = (UniqueConstraint("member_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_members.id"), nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    declared_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class ReviewAssignment(db.Model):
    """One file given to one reviewer; scores stay hidden from others until submitted."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint("application_id", "member_id"),
        one_of("status", ("pending", "submitted")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_members.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    is_third_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    weighted_total: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    assigned_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)

    member = relationship("CommitteeMember")
    application = relationship("Application")
    scores = relationship("Score", back_populates="assignment", cascade="all, delete-orphan")


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
    mean_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    normalised_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    rank: Mapped[int | None] = mapped_column(Integer)
    gap_flagged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    application = relationship("Application")


class ScoreAdjustment(db.Model):
    """The chair's change of a final score; never without a written justification."""

    __tablename__ = "score_adjustments"
    __table_args__ = (CheckConstraint("length(justification) > 0", name="justified"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
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
    held_on: Mapped[datetime | None] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    tie_break_rule: Mapped[str] = mapped_column(Text, nullable=False, default="")
    minutes_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    minutes_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    validated_at: Mapped[datetime | None] = mapped_column(DateTime)

    committee = relationship("Committee")
    members_present = relationship("CommitteeMember", secondary=deliberation_attendance)
