"""The record of each spreadsheet import: dry run, then commit or rejection."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..modelutil import one_of
from ..timeutil import utcnow


class ImportRun(db.Model):
    """One import of a spreadsheet: dry run, then commit or rejection, with its counts."""

    __tablename__ = "import_runs"
    __table_args__ = (one_of("status", ("dry_run", "committed", "rejected", "failed")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    stored_name: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="dry_run")
    counts: Mapped[dict | None] = mapped_column(JSON)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime)
