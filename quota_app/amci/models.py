"""Nomination to the AMCI, transmittals, and the scholarship and follow-up of each trainee."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, Numeric, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..modelutil import Timestamps, one_of
from ..timeutil import utcnow

NOMINATION_STATUSES = ("proposed", "confirmed", "reoriented", "refused")
VISA_STATUSES = ("not_started", "requested", "granted", "refused")


class Transmittal(db.Model):
    """A bordereau de transmission: the nominative list sent to AMCI through the embassy."""

    __tablename__ = "transmittals"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    sent_on: Mapped[date] = mapped_column(Date, nullable=False)
    sender: Mapped[str] = mapped_column(String(200), nullable=False)
    via_embassy: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Nomination(db.Model):
    """A candidate on the AMCI list, and what the joint committee decided."""

    __tablename__ = "nominations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "application_id"),
        one_of("status", NOMINATION_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    transmittal_id: Mapped[int | None] = mapped_column(ForeignKey("transmittals.id"), index=True)
    position: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="proposed")
    # Set when the joint committee re-orients the candidate to another programme.
    final_offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    application = relationship("Application")
    transmittal = relationship("Transmittal")
    final_offer = relationship("Offer")


class FollowUp(Timestamps, db.Model):
    """Scholarship, visa, travel, arrival, enrolment and abandonment of one trainee."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        one_of("visa_status", VISA_STATUSES),
        CheckConstraint("monthly_stipend_mad IS NULL OR monthly_stipend_mad >= 0", name="stipend_positive"),
        CheckConstraint("duration_months IS NULL OR duration_months > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True, nullable=False)
    scholarship_granted: Mapped[bool | None] = mapped_column(Boolean)
    monthly_stipend_mad: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
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
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    follow_up = relationship("FollowUp", back_populates="reenrolments")
