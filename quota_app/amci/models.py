"""Nomination to the AMCI, transmittals, and the scholarship and follow-up of each trainee."""
from datetime import date, datetime
from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import N_
from ..modelutil import Timestamps, one_of
from ..timeutil import utcnow

NOMINATION_STATUSES = ("proposed", "confirmed", "reoriented", "refused", "withdrawn")
NOMINATION_STATUS_LABELS = {
    "proposed": N_("Proposé (en attente de la commission mixte)"),
    "confirmed": N_("Confirmé"),
    "reoriented": N_("Réorienté"),
    "refused": N_("Refusé"),
    "withdrawn": N_("Retiré de la liste"),
}
VISA_STATUSES = ("not_started", "requested", "granted", "refused")
# The visa's states in words: the follow-up sheets (export and import) and its history.
VISA_LABELS = {"not_started": N_("Non demandé"), "requested": N_("Demandé"), "granted": N_("Accordé"),
               "refused": N_("Refusé")}
TRANSMITTAL_KINDS = ("initial", "supplementary")
TRANSMITTAL_STATUSES = ("prepared", "sent", "received", "answered")
TRANSMITTAL_STATUS_LABELS = {
    "prepared": N_("Préparé"),
    "sent": N_("Envoyé à l'ambassade"),
    "received": N_("Reçu par l'AMCI"),
    "answered": N_("Réponse reçue"),
}
SITUATIONS = ("employed", "further_study", "seeking", "other")
SITUATION_LABELS = {
    "employed": N_("En emploi"), "further_study": N_("Poursuite d'études"), "seeking": N_("En recherche d'emploi"),
    "other": N_("Autre situation"),
}
RECONCILIATION_STATUSES = ("dry_run", "applied", "discarded")


class Transmittal(db.Model):
    """A bordereau de transmission: the nominative list sent to AMCI through the embassy.

    Numbered per year (BT-<year>-<nnn>, `year` and `sequence` unique together); its life is
    prepared → sent to the embassy → received by the AMCI → answer received, each step with
    who and when. A supplementary slip carries replacements from the waiting lists."""

    __tablename__ = "transmittals"
    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        one_of("kind", TRANSMITTAL_KINDS),
        one_of("status", TRANSMITTAL_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(15), nullable=False, default="initial")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="prepared")
    sent_on: Mapped[date | None] = mapped_column(Date)
    sender: Mapped[str] = mapped_column(String(200), nullable=False)
    recipient: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    via_embassy: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # What the envelope holds besides the list: [{"label": ..., "count": ...}, ...]
    enclosures: Mapped[list | None] = mapped_column(JSON)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    sealed_document_id: Mapped[int | None] = mapped_column(ForeignKey("sealed_documents.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    campaign = relationship("Campaign")
    sealed_document = relationship("SealedDocument")
    nominations = relationship("Nomination", back_populates="transmittal", order_by="Nomination.position")

    __mapper_args__ = {"version_id_col": version}


class Nomination(db.Model):
    """A candidate on the AMCI list, and what the joint committee decided.

    Made from an accepted placement (`placement_id`, `offer_id` the placement obtained);
    `position` is the candidate's place in the campaign's standing; `final_offer_id` is set
    when the joint committee re-orients the candidate."""

    __tablename__ = "nominations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "application_id"),
        one_of("status", NOMINATION_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    transmittal_id: Mapped[int | None] = mapped_column(ForeignKey("transmittals.id"), index=True)
    position: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="proposed")
    # Set when the joint committee re-orients the candidate to another programme.
    final_offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    application = relationship("Application")
    placement = relationship("Placement")
    transmittal = relationship("Transmittal", back_populates="nominations")
    offer = relationship("Offer", foreign_keys=[offer_id])
    final_offer = relationship("Offer", foreign_keys=[final_offer_id])

    __mapper_args__ = {"version_id_col": version}


class Reconciliation(db.Model):
    """One list returned by the AMCI or the OFPPT: its dry run (the plan, row by row, with the
    probable matches to confirm), then its all-or-nothing application."""

    __tablename__ = "reconciliations"
    __table_args__ = (one_of("status", RECONCILIATION_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    transmittal_id: Mapped[int | None] = mapped_column(ForeignKey("transmittals.id"))
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="dry_run")
    plan: Mapped[dict | None] = mapped_column(JSON)
    counts: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class FollowUp(Timestamps, db.Model):
    """Scholarship, visa, travel, arrival, enrolment and abandonment of one trainee."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        one_of("visa_status", VISA_STATUSES),
        CheckConstraint("stipend_minor IS NULL OR stipend_minor >= 0", name="stipend_minor_positive"),
        CheckConstraint("duration_months IS NULL OR duration_months > 0", name="duration_positive"),
        CheckConstraint("situation_6m IS NULL OR situation_6m IN ('employed', 'further_study', 'seeking', 'other')",
                        name="situation_6m_known"),
        CheckConstraint("situation_12m IS NULL OR situation_12m IN ('employed', 'further_study', 'seeking', 'other')",
                        name="situation_12m_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True, nullable=False)
    scholarship_granted: Mapped[bool | None] = mapped_column(Boolean)
    # Money as integer minor units with its currency (centimes of dirham by default).
    stipend_minor: Mapped[int | None] = mapped_column(Integer)
    stipend_currency: Mapped[str] = mapped_column(String(3), nullable=False, default="MAD", server_default="MAD")
    duration_months: Mapped[int | None] = mapped_column(Integer)
    boarding: Mapped[bool | None] = mapped_column(Boolean)
    amci_file_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    visa_status: Mapped[str] = mapped_column(String(12), nullable=False, default="not_started")
    visa_date: Mapped[date | None] = mapped_column(Date)
    travel_date: Mapped[date | None] = mapped_column(Date)
    arrival_date: Mapped[date | None] = mapped_column(Date)
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"))
    abandoned_on: Mapped[date | None] = mapped_column(Date)
    abandonment_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # A departure cancelled before the training starts frees the seat like a refusal.
    departure_cancelled_on: Mapped[date | None] = mapped_column(Date)
    departure_cancelled_reason: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    completed_on: Mapped[date | None] = mapped_column(Date)
    returned_on: Mapped[date | None] = mapped_column(Date)
    situation_6m: Mapped[str | None] = mapped_column(String(15))
    situation_6m_sector: Mapped[str] = mapped_column(String(120), nullable=False, default="", server_default="")
    situation_12m: Mapped[str | None] = mapped_column(String(15))
    situation_12m_sector: Mapped[str] = mapped_column(String(120), nullable=False, default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    application = relationship("Application")
    establishment = relationship("Establishment")
    reenrolments = relationship("ReenrolmentRecord", back_populates="follow_up")

    __mapper_args__ = {"version_id_col": version}


class ReenrolmentRecord(db.Model):
    """Yearly re-enrolment documents received for a trainee."""

    __tablename__ = "reenrolment_records"
    __table_args__ = (UniqueConstraint("follow_up_id", "academic_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id"), nullable=False)
    academic_year: Mapped[str] = mapped_column(String(9), nullable=False)
    documents_received_on: Mapped[date | None] = mapped_column(Date)
    # The year's results as the establishment gives them (admis, redoublement, exclusion...).
    result: Mapped[str] = mapped_column(String(120), nullable=False, default="", server_default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    follow_up = relationship("FollowUp", back_populates="reenrolments")
