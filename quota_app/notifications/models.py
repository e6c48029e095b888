from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..modelutil import one_of
from ..timeutil import utcnow


MESSAGE_STATUSES = ("pending", "sent", "failed", "outbox_only")
CHANNELS = ("email", "sms")
# What an SMS gateway reported after accepting the message (its delivery report).
DELIVERY_STATES = ("delivered", "undelivered")
# In a stored body, where the message's one-time secret goes (a reset link's token, a code):
# the secret itself is kept in `secret` only until the message has left, then dropped.
# The placeholder of a secret, not one (bandit B105).
SECRET_MARK = "{{secret}}"  # nosec B105


class OutboxMessage(db.Model):
    """Every message to a person is kept here, written in the transaction that has it sent.

    channel      "email" (to_email, subject, body) or "sms" (to_phone, body; subject is a
                 label for the outbox)
    pending      waiting for its delivery (after the commit) or for its next attempt
    sent         handed to the SMTP server or accepted by the SMS gateway (sent_at)
    failed       every attempt failed, or the gateway refused it for good; `error` says why
    outbox_only  no SMTP server / SMS gateway configured: kept here, readable by managers
    Each delivery attempt counts in `attempts` and `last_attempt_at`; `error` keeps the last one's.
    An SMS gateway's delivery report sets `delivery` ("delivered", "undelivered"), `delivered_at`
    and, when undelivered, `error`; `gateway_id` is the gateway's id of the message.
    `secret` holds the one-time secret that SECRET_MARK stands for in the body, until the message
    leaves (sent, failed, or — kept in the outbox — its `secret_expires_at`).
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        one_of("status", MESSAGE_STATUSES),
        one_of("channel", CHANNELS),
        CheckConstraint("delivery IS NULL OR delivery IN ('delivered', 'undelivered')", name="delivery_valid"),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(5), nullable=False, default="email", server_default="email")
    to_email: Mapped[str | None] = mapped_column(String(254), index=True)
    to_phone: Mapped[str | None] = mapped_column(String(20), index=True)
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
    secret: Mapped[str | None] = mapped_column(String(200))
    secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    gateway_id: Mapped[str | None] = mapped_column(String(100), index=True)
    delivery: Mapped[str | None] = mapped_column(String(12))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def recipient(self) -> str:
        return (self.to_phone if self.channel == "sms" else self.to_email) or ""
