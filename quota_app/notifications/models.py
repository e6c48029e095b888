from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..modelutil import one_of
from ..timeutil import utcnow


MESSAGE_STATUSES = ("pending", "sent", "failed", "outbox_only")


class OutboxMessage(db.Model):
    """Every message to a person is kept here, written in the transaction that has it sent.

    pending      waiting for its delivery (after the commit) or for its next attempt
    sent         delivered to the SMTP server (sent_at)
    failed       every attempt failed; `error` says why
    outbox_only  no SMTP server configured: kept here, readable by managers
    Each delivery attempt counts in `attempts` and `last_attempt_at`; `error` keeps the last one's.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        one_of("status", MESSAGE_STATUSES),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    subject: Mapped[str] = mapped_column(String(250), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
