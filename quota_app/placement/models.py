"""Allocation rounds, placements with the applicant's decision, waiting lists, cut-offs."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String,
    UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import N_
from ..modelutil import one_of
from ..timeutil import utcnow

PLACEMENT_STATUSES = ("offered", "accepted", "declined", "expired", "superseded", "withdrawn", "refused",
                      "reoriented")
_LIVE = "status IN ('offered', 'accepted')"
PLACEMENT_STATUS_LABELS = {
    "offered": N_("Proposée, en attente de votre réponse"),
    "accepted": N_("Acceptée"),
    "declined": N_("Refusée (désistement)"),
    "expired": N_("Expirée (pas de réponse avant la date limite)"),
    "superseded": N_("Remplacée par une meilleure affectation"),
    "withdrawn": N_("Libérée (dossier retiré)"),
    "refused": N_("Libérée (refus de la commission mixte, visa refusé ou départ annulé)"),
    "reoriented": N_("Remplacée par une réorientation de la commission mixte"),
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
    # What set this round off (a decline, an expiry, added seats...), for the history.
    cause: Mapped[str] = mapped_column(String(300), nullable=False, default="", server_default="")


class Placement(db.Model):
    """A seat offered to a candidate in a round, and what the candidate answered."""

    __tablename__ = "placements"
    __table_args__ = (
        one_of("status", PLACEMENT_STATUSES),
        one_of("seat_kind", ("reserved", "open")),
        CheckConstraint("choice_rank >= 1 AND choice_rank <= 3", name="choice_rank_range"),
        # A candidate who moves up holds their seat while the better one is offered: several
        # live placements (offered or accepted) per file, but never two at the same offer, and
        # never two accepted.
        Index("uq_placements_live_offer", "application_id", "offer_id", unique=True,
              sqlite_where=text(_LIVE), postgresql_where=text(_LIVE)),
        Index("uq_placements_one_accepted", "application_id", unique=True,
              sqlite_where=text("status = 'accepted'"), postgresql_where=text("status = 'accepted'")),
        # A seat is never held by two people: each live placement holds one numbered seat of
        # its offer (open seats 1..c − r, reserved seats 1..r).
        Index("uq_placements_live_seat", "offer_id", "seat_kind", "seat_number", unique=True,
              sqlite_where=text(_LIVE), postgresql_where=text(_LIVE)),
        CheckConstraint("seat_number >= 1", name="seat_number_positive"),
        Index("ix_placements_offer_status", "offer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False)
    round_id: Mapped[int] = mapped_column(ForeignKey("allocation_rounds.id"), nullable=False, index=True)
    choice_rank: Mapped[int] = mapped_column(Integer, nullable=False)
    seat_kind: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    seat_number: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="offered")
    deadline: Mapped[datetime | None] = mapped_column(DateTime)
    offered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    # On accepting, whether the candidate stays on the waiting lists of their better choices.
    keeps_waiting: Mapped[bool | None] = mapped_column(Boolean)
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
        Index("ix_waiting_list_offer_active", "offer_id", "active", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("allocation_rounds.id"), nullable=False)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False, index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Why the candidate left the list: offered a seat on it, declined, moved up, gave up.
    left_at: Mapped[datetime | None] = mapped_column(DateTime)
    left_reason: Mapped[str | None] = mapped_column(String(20))

    offer = relationship("Offer")
    application = relationship("Application")


class OfferCutoff(db.Model):
    """The lowest scores admitted to an offer in a round (on its open seats, on its reserved
    seats): the explanation given to applicants."""

    __tablename__ = "offer_cutoffs"
    __table_args__ = (UniqueConstraint("round_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("allocation_rounds.id"), nullable=False)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False)
    cutoff_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    seats_filled: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reserved_cutoff_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    reserved_filled: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
