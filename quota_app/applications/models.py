"""The applicant's file: identity, schooling, ranked choices, documents, screening."""
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
    UniqueConstraint, insert, update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..audit.models import AuditEvent
from ..audit.services import record
from ..extensions import db
from ..i18n import N_
from ..modelutil import Timestamps, one_of
from ..timeutil import utcnow
from . import status as status_machine
# The states and their labels live in status.py, with the legal moves; re-exported here.
from .status import STATUS_LABELS, STATUSES  # noqa: F401

SEXES = ("M", "F")
SEX_LABELS = {"M": N_("Homme"), "F": N_("Femme")}
SOURCES = ("web", "import")
MAX_CHOICES = 3
SEARCH_NAME_LENGTH = 250
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NOT_ALNUM = re.compile(r"[\W_]+")


def search_key(*parts: str | None) -> str:
    """Names as the managers' search and sort see them: accents and case dropped, apostrophes
    removed (N'Diaye = ndiaye), any other punctuation a single space. "Traoré" -> "traore".

    Pure; the migration that added `Application.search_name` holds a frozen copy of it."""
    text = unicodedata.normalize("NFKD", " ".join(p for p in parts if p))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("œ", "oe").replace("æ", "ae")
    text = _NOT_ALNUM.sub(" ", _APOSTROPHES.sub("", text))
    return text.strip()[:SEARCH_NAME_LENGTH].rstrip()


# Byte order on PostgreSQL as on SQLite: the name search is a range [prefix, next prefix) on the
# index, which a linguistic collation (fr_FR, where spaces are ignored) would not keep exact.
SearchName = String(SEARCH_NAME_LENGTH).with_variant(String(SEARCH_NAME_LENGTH, collation="C"), "postgresql")


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
    # Each index is written by every insert (a 100,000-row import pays for all of them), so
    # none repeats another's leading columns: the campaign's NINA and passport uniques serve
    # every lookup by them (always within a campaign), and the filters index starts with
    # (campaign_id, status).
    __table_args__ = (
        UniqueConstraint("campaign_id", "applicant_id"),
        UniqueConstraint("campaign_id", "nina"),
        UniqueConstraint("campaign_id", "passport_number"),
        one_of("status", STATUSES),
        CheckConstraint("sex IS NULL OR sex IN ('M', 'F')", name="sex_valid"),
        CheckConstraint("years_experience IS NULL OR (years_experience >= 0 AND years_experience <= 60)",
                        name="years_experience_range"),
        CheckConstraint(
            "diploma_average IS NULL OR (diploma_average >= 0 AND diploma_average <= 20)",
            name="average_on_20",
        ),
        Index("ix_applications_campaign_region", "campaign_id", "region_id"),
        # The managers' list: sorted by name, name search as a prefix range (screening/search.py).
        Index("ix_applications_campaign_search_name", "campaign_id", "search_name", "id"),
        # Its usual filters, already in name order: no sort, and the count stays in the index.
        Index("ix_applications_campaign_filters_name", "campaign_id", "status", "sex", "region_id",
              "search_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(30), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), nullable=False)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    # Identity
    last_name: Mapped[str | None] = mapped_column(String(100))
    first_names: Mapped[str | None] = mapped_column(String(150))
    # search_key(last_name, first_names), kept by the validator below on every ORM write; Core
    # inserts (seed, imports) fill it themselves.
    search_name: Mapped[str] = mapped_column(SearchName, nullable=False, default="", server_default="")
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_place: Mapped[str | None] = mapped_column(String(100))
    nationality: Mapped[str] = mapped_column(String(3), nullable=False, default="MLI")
    nina: Mapped[str | None] = mapped_column(String(15))
    passport_number: Mapped[str | None] = mapped_column(String(20))
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
    # Capacity building (campaigns/kinds.py): the employer, the position held, the years of
    # experience in training, the subject of the short OFPPT programme asked for.
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("malian_establishments.id"))
    job_position: Mapped[str | None] = mapped_column(String(120))
    years_experience: Mapped[int | None] = mapped_column(Integer)
    training_subject: Mapped[str | None] = mapped_column(String(200))
    motivation: Mapped[str | None] = mapped_column(Text)
    # Life cycle
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    correction_request: Mapped[str | None] = mapped_column(Text)
    # The sealed récépissé (documents/sealing.py), issued at submission.
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("sealed_documents.id"))
    # Shown to the screening manager: typing errors and temporary NINAs exist.
    identity_warnings: Mapped[list | None] = mapped_column(JSON)
    # When its personal data was anonymised (retention/: the period after the campaign closed, or
    # the applicant's erasure request); its statistics (sex, birth year, region, schooling,
    # status, choices) stay.
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    campaign = relationship("Campaign")
    applicant = relationship("Applicant", back_populates="applications")
    region = relationship("Region")
    employer = relationship("MalianEstablishment")
    diploma = relationship("Diploma")
    series = relationship("Series")
    choices = relationship(
        "ApplicationChoice", back_populates="application", order_by="ApplicationChoice.rank",
        cascade="all, delete-orphan",
    )
    documents = relationship("ApplicationDocument", back_populates="application", cascade="all, delete-orphan")
    screenings = relationship("ScreeningDecision", back_populates="application", order_by="ScreeningDecision.decided_at")

    __mapper_args__ = {"version_id_col": version}

    @validates("last_name", "first_names")
    def _keep_search_name(self, key, value):
        names = {"last_name": self.last_name, "first_names": self.first_names, key: value}
        self.search_name = search_key(names["last_name"], names["first_names"])
        return value

    @classmethod
    def new(cls, actor_kind: str, status: str = "draft", **fields) -> "Application":
        """A new file, in a state its creator may create it in (status.check_initial)."""
        status_machine.check_initial(status, actor_kind)
        return cls(status=status, **fields)

    def transition_to(self, target: str, actor, actor_kind: str, *, reason: str = "",
                      action: str = "application.status", subject=None, before: dict | None = None,
                      after: dict | None = None, ip_address: str | None = None):
        """The one way to change the status of an existing file: refuses an illegal move with
        InvalidTransition (French reason, nothing changed) and records the audit event, with
        the status before and after, the reason, and what the caller adds in `before`/`after`.

        `actor` is the User (None for the system); `actor_kind` is what status.ACTOR_KINDS
        calls them. `action` names the event ("application.submit"...); `subject` is the object
        it is about when that is not the file itself (the placement being answered). The
        service around it checks the context (phase, deadline) and flushes."""
        current = self.status
        status_machine.check_move(current, target, actor_kind)
        self.status = target
        return record(actor, action, self if subject is None else subject, campaign_id=self.campaign_id,
                      before={**(before or {}), "status": current}, after={"status": target, **(after or {})},
                      reason=reason or "", ip_address=ip_address)

    @classmethod
    def transition_all(cls, campaign_id: int, source: str, targets: dict[int, str], actor, actor_kind: str, *,
                       action: str, at=None, after: dict[int, dict] | None = None, chunk: int = 5000) -> None:
        """The bulk form of transition_to, for one event that moves many files at once (the
        publication of the placements): every (source, target) move is checked against the
        table first (nothing is written if one is refused), each file moves only if it is
        still at `source` (a file that moved meanwhile is left alone), and each gets its audit
        event, written through Core. `targets`: application id -> target status."""
        status_machine.check_bulk_moves({(source, t) for t in targets.values()}, actor_kind)
        at = at or utcnow()
        actor_id = getattr(actor, "id", actor) if actor is not None else None
        by_target: dict[str, list[int]] = {}
        for app_id, target in targets.items():
            by_target.setdefault(target, []).append(app_id)
        table = cls.__table__
        for target, ids in by_target.items():
            for start in range(0, len(ids), chunk):
                part = ids[start:start + chunk]
                db.session.execute(update(table).where(table.c.id.in_(part), table.c.status == source)
                                   .values(status=target).execution_options(synchronize_session=False))
        extra = after or {}
        rows = [{"at": at, "actor_id": actor_id, "action": action, "object_type": "applications",
                 "object_id": str(app_id), "campaign_id": campaign_id, "before": {"status": source},
                 "after": {"status": target, **extra.get(app_id, {})}, "reason": ""}
                for app_id, target in targets.items()]
        for start in range(0, len(rows), chunk):
            db.session.execute(insert(AuditEvent), rows[start:start + chunk])

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
