from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..modelutil import one_of
from ..timeutil import utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """A background job's progress, read by its page (which refreshes without JavaScript)."""

    __tablename__ = "jobs"
    __table_args__ = (
        one_of("status", JOB_STATUSES),
        CheckConstraint("done_count >= 0", name="done_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="queued")
    params: Mapped[dict | None] = mapped_column(JSON)
    total_count: Mapped[int | None] = mapped_column(Integer)
    done_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
