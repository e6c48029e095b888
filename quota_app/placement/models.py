"""Allocation rounds, placements with the applicant's decision, waiting lists, cut-offs."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String,
    UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..modelutil import one_of
from ..timeutil import utcnow

PLACEMENT_STATUSES = ("offered", "accepted", "declined", "expired", "superseded")
PLACEMENT_STATUS_LABELS = {
    "offered": "Proposée, en attente de votre réponse",
    "accepted": "Acceptée",
    "declined": "Refusée (désistement)",
    "expired": "Expirée (pas de réponse avant la date limite)",
    "superseded": "Remplacée par une meilleure affectation",
}


class AllocationRound(db.Model):
    """One run of the allocation: the initial one, then each waiting-list round."""

    __tablename__ = "allocation_rounds"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number"),
        one_of("kind", ("initial", "waiting_list", "simulation")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="initial")
    parameters: Mapped[dict | None] = mapped_column(JSON)
    tie_break_rule: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)


class Placement(db.Model):
    """A seat offered to a candidate in a round, and what the candidate answered."""

    __tablename__ = "placements"
    __table_args__ = (
        one_of("status", PLACEMENT_STATUSES),
        one_of("seat_kind", ("reserved", "open")),
        CheckConstraint("choice_rank >= 1 AND choice_rank <= 3", name="choice_rank_range"),
        # At most one live placement (offered or accepted) per application.
        Index(
            "uq_placements_one_live", "application_id", unique=True,
            sqlite_where=text("status IN ('offered', 'accepted')"),
            postgresql_where=text("status IN ('offered', 'accepted')"),
        ),
        Index("ix_placements_offer_status", "offer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False)
    round_id: Mapped[int] = mapped_column(ForeignKey("allocation_rounds.id"), nullable=False, index=True)
    choice_rank: Mapped[int] = mapped_column(Integer, nullable=False)
    seat_kind: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="offered")
    deadline: Mapped[datetime | None] = mapped_column(DateTime)
    offered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    application = relationship("Application")
    offer = relationship("Offer")
    round = relationship("AllocationRound")

    __mapper_args__ = {"version_id_col": version}


class WaitingListEntry(db.Model):
    __tablename__ = "waiting_list_entries"
    __table_args__ = (
        UniqueConstraint("round_id", "offer_id", "application_id"),
        UniqueConstraint("round_id", "offer_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("allocation_rounds.id"), nullable=False)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False, index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class OfferCutoff(db.Model):
    """The lowest score admitted to an offer in a round: the explanation given to applicants."""

    __tablename__ = "offer_cutoffs"
    __table_args__ = (UniqueConstraint("round_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("allocation_rounds.id"), nullable=False)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False)
    cutoff_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    seats_filled: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
