from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..modelutil import one_of
from ..timeutil import utcnow


class OutboxMessage(db.Model):
    """Every message to a person is kept here; SMTP delivery is recorded on it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (one_of("status", ("pending", "sent", "failed", "outbox_only")),)

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
