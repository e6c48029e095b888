"""The annual campaign, its rules, criteria and offers of seats."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Table,
    Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import N_
from ..modelutil import Timestamps, one_of
from ..timeutil import utcnow

# The guarded phases, in order.
PHASES = (
    "draft", "open", "screening", "review", "deliberation", "published", "closed",
)
PHASE_LABELS = {
    "draft": N_("Brouillon"),
    "open": N_("Candidatures ouvertes"),
    "screening": N_("Examen de recevabilité"),
    "review": N_("Évaluation par le comité"),
    "deliberation": N_("Délibération"),
    "published": N_("Affectation publiée"),
    "closed": N_("Clôturée"),
}
KINDS = ("quota", "capacity_building")
KIND_LABELS = {"quota": N_("Quota annuel de jeunes"), "capacity_building": N_("Renforcement de capacités")}

campaign_series = Table(
    "campaign_series",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("series_id", ForeignKey("series.id"), primary_key=True),
)


class Campaign(Timestamps, db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        one_of("phase", PHASES),
        one_of("kind", KINDS),
        CheckConstraint("closes_at > opens_at", name="window_ordered"),
        CheckConstraint("reviewers_per_file >= 1", name="reviewers_positive"),
        CheckConstraint("announced_quota >= 0", name="quota_positive"),
        CheckConstraint("reserved_sex IS NULL OR reserved_sex IN ('F', 'M')", name="reserved_sex_valid"),
        CheckConstraint("quorum_percent >= 0 AND quorum_percent < 100", name="quorum_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="quota")
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    phase: Mapped[str] = mapped_column(String(20), nullable=False, default="draft", index=True)
    reference_date: Mapped[date] = mapped_column(Date, nullable=False)
    opens_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    closes_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    announced_quota: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Who the offers' reserved seats are for (the programme reserves them for young women).
    reserved_sex: Mapped[str | None] = mapped_column(String(1), default="F")
    reviewers_per_file: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    # Weighted totals (on 20) further apart than this call for a third review.
    score_gap_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=4)
    normalise_scores: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    blind_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The written tie rule: keys of committee/ranking.py, in order (higher diploma average, then
    # the earlier submission by default); printed on the procès-verbal.
    tie_break_rule: Mapped[str] = mapped_column(String(200), nullable=False, default="diploma_average,submitted_at,reference",
                                                server_default="diploma_average,submitted_at,reference")
    # Quorum of a deliberation: strictly more than this share of the committee's active members.
    quorum_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=50, server_default="50")
    # The answer deadline of the placements published in round 1, and how long a candidate
    # offered a seat from a waiting list has to answer.
    decision_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    waiting_list_answer_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=72, server_default="72")
    # Capacity building: the minimum years of experience of an applicant (None: no minimum).
    min_experience_years: Mapped[int | None] = mapped_column(Integer)
    # The AMCI year: when the training starts (visa and arrival alerts count from it) and the
    # yearly re-enrolment deadline (day and month, 30 September by default).
    training_starts_on: Mapped[date | None] = mapped_column(Date)
    reenrolment_deadline_month: Mapped[int] = mapped_column(Integer, nullable=False, default=9, server_default="9")
    reenrolment_deadline_day: Mapped[int] = mapped_column(Integer, nullable=False, default=30, server_default="30")
    reference_prefix: Mapped[str] = mapped_column(String(10), nullable=False, default="MLI")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    level_rules = relationship("CampaignLevelRule", back_populates="campaign", cascade="all, delete-orphan")
    required_documents = relationship("CampaignDocument", back_populates="campaign", cascade="all, delete-orphan")
    criteria = relationship("Criterion", back_populates="campaign", order_by="Criterion.position", cascade="all, delete-orphan")
    offers = relationship("Offer", back_populates="campaign")
    allowed_series = relationship("Series", secondary=campaign_series)

    __mapper_args__ = {"version_id_col": version}

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase]


class CampaignLevelRule(db.Model):
    """Age bounds for one level in one campaign, at the campaign's reference date."""

    __tablename__ = "campaign_level_rules"
    __table_args__ = (
        UniqueConstraint("campaign_id", "level_id"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="ages_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id"), nullable=False)
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)

    campaign = relationship("Campaign", back_populates="level_rules")
    level = relationship("Level")


class CampaignDocument(db.Model):
    __tablename__ = "campaign_documents"
    __table_args__ = (UniqueConstraint("campaign_id", "document_type_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"), nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    campaign = relationship("Campaign", back_populates="required_documents")
    document_type = relationship("DocumentType")


class Criterion(db.Model):
    """A scoring criterion: weight (share of the total) and maximum mark."""

    __tablename__ = "criteria"
    __table_args__ = (
        UniqueConstraint("campaign_id", "code"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("max_score > 0", name="max_positive"),
        CheckConstraint("prefill_source IS NULL OR prefill_source IN ('diploma_average')", name="prefill_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(30), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 3), nullable=False)
    max_score: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False, default=20)
    prefill_source: Mapped[str | None] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    campaign = relationship("Campaign", back_populates="criteria")


class Offer(Timestamps, db.Model):
    """Seats for one programme at one establishment in one campaign."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("campaign_id", "programme_id", "establishment_id"),
        UniqueConstraint("campaign_id", "code"),
        CheckConstraint("seats >= 0", name="seats_positive"),
        CheckConstraint("reserved_seats >= 0 AND reserved_seats <= seats", name="reserved_within_seats"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), nullable=False, index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    reserved_seats: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    campaign = relationship("Campaign", back_populates="offers")
    programme = relationship("Programme")
    establishment = relationship("Establishment")

    __mapper_args__ = {"version_id_col": version}


class OfferSeatChange(db.Model):
    """The offer's seat ledger: a change of its seats once the placements are published (OFPPT
    adds places, or withdraws some), with who, when, why, before and after."""

    __tablename__ = "offer_seat_changes"
    __table_args__ = (
        CheckConstraint("seats_after >= 0 AND reserved_after >= 0 AND reserved_after <= seats_after",
                        name="seats_after_valid"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False, index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    seats_before: Mapped[int] = mapped_column(Integer, nullable=False)
    seats_after: Mapped[int] = mapped_column(Integer, nullable=False)
    reserved_before: Mapped[int] = mapped_column(Integer, nullable=False)
    reserved_after: Mapped[int] = mapped_column(Integer, nullable=False)

    changed_by = relationship("User")
