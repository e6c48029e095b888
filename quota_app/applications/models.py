"""The applicant's file: identity, schooling, ranked choices, documents, screening."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..modelutil import Timestamps, one_of
from ..timeutil import utcnow

STATUSES = (
    "draft", "submitted", "eligible", "ineligible", "evaluated",
    "placed", "waiting_list", "not_selected", "accepted", "declined", "enrolled", "withdrawn",
)
STATUS_LABELS = {
    "draft": "Brouillon",
    "submitted": "Soumis",
    "eligible": "Recevable",
    "ineligible": "Non recevable",
    "evaluated": "Évalué",
    "placed": "Liste principale : affecté",
    "waiting_list": "Liste d'attente",
    "not_selected": "Non retenu",
    "accepted": "Accepté",
    "declined": "Désisté",
    "enrolled": "Inscrit",
    "withdrawn": "Retiré par le candidat",
}
SEXES = ("M", "F")
SEX_LABELS = {"M": "Homme", "F": "Femme"}
SOURCES = ("web", "import")
MAX_CHOICES = 3


class Applicant(Timestamps, db.Model):
    """A person who applies; has an account when they applied online, none when typed from paper."""

    __tablename__ = "applicants"
    __table_args__ = (one_of("source", SOURCES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="web")

    user = relationship("User")
    applications = relationship("Application", back_populates="applicant")


class Application(Timestamps, db.Model):
    """One applicant's file in one campaign. Identity is held here, as the campaign saw it."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("campaign_id", "applicant_id"),
        UniqueConstraint("campaign_id", "nina"),
        UniqueConstraint("campaign_id", "passport_number"),
        one_of("status", STATUSES),
        CheckConstraint("sex IS NULL OR sex IN ('M', 'F')", name="sex_valid"),
        CheckConstraint(
            "diploma_average IS NULL OR (diploma_average >= 0 AND diploma_average <= 20)",
            name="average_on_20",
        ),
        Index("ix_applications_campaign_status", "campaign_id", "status"),
        Index("ix_applications_campaign_last_name", "campaign_id", "last_name"),
        Index("ix_applications_campaign_region", "campaign_id", "region_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(30), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    # Identity
    last_name: Mapped[str | None] = mapped_column(String(100))
    first_names: Mapped[str | None] = mapped_column(String(150))
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_place: Mapped[str | None] = mapped_column(String(100))
    nationality: Mapped[str] = mapped_column(String(3), nullable=False, default="MLI")
    nina: Mapped[str | None] = mapped_column(String(15), index=True)
    passport_number: Mapped[str | None] = mapped_column(String(20), index=True)
    passport_expiry: Mapped[date | None] = mapped_column(Date)
    # Contact
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(250))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    # Schooling
    diploma_id: Mapped[int | None] = mapped_column(ForeignKey("diplomas.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    diploma_year: Mapped[int | None] = mapped_column(Integer)
    diploma_average: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    school: Mapped[str | None] = mapped_column(String(200))
    motivation: Mapped[str | None] = mapped_column(Text)
    # Life cycle
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    correction_request: Mapped[str | None] = mapped_column(Text)
    # Shown to the screening manager: typing errors and temporary NINAs exist.
    identity_warnings: Mapped[list | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    campaign = relationship("Campaign")
    applicant = relationship("Applicant", back_populates="applications")
    region = relationship("Region")
    diploma = relationship("Diploma")
    series = relationship("Series")
    choices = relationship(
        "ApplicationChoice", back_populates="application", order_by="ApplicationChoice.rank",
        cascade="all, delete-orphan",
    )
    documents = relationship("ApplicationDocument", back_populates="application", cascade="all, delete-orphan")
    screenings = relationship("ScreeningDecision", back_populates="application", order_by="ScreeningDecision.decided_at")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_names, self.last_name) if p)


class ApplicationChoice(db.Model):
    __tablename__ = "application_choices"
    __table_args__ = (
        UniqueConstraint("application_id", "rank"),
        UniqueConstraint("application_id", "offer_id"),
        CheckConstraint(f"rank >= 1 AND rank <= {MAX_CHOICES}", name="rank_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False, index=True)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)

    application = relationship("Application", back_populates="choices")
    offer = relationship("Offer")


class ApplicationDocument(db.Model):
    """An uploaded pièce justificative, stored outside the static folder under a random name."""

    __tablename__ = "application_documents"
    __table_args__ = (
        UniqueConstraint("application_id", "document_type_id"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"), nullable=False)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(String(60), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    application = relationship("Application", back_populates="documents")
    document_type = relationship("DocumentType")


class ScreeningDecision(db.Model):
    """A manager's eligibility decision, with the automatic checks as they stood."""

    __tablename__ = "screening_decisions"
    __table_args__ = (
        one_of("decision", ("eligible", "ineligible")),
        CheckConstraint("decision = 'eligible' OR reason_id IS NOT NULL", name="ineligible_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), nullable=False, index=True)
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("ineligibility_reasons.id"))
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    automatic_checks: Mapped[list | None] = mapped_column(JSON)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    application = relationship("Application", back_populates="screenings")
    reason = relationship("IneligibilityReason")
    decided_by = relationship("User")


class ReferenceCounter(db.Model):
    """Per-campaign sequence for human references (MLI-2026-004211), safe under concurrency."""

    __tablename__ = "reference_counters"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
