from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..modelutil import Timestamps, one_of
# The roles live in permissions.py (who may do what, in one place); importable from here too.
from ..permissions import ROLE_LABELS, ROLES, STAFF_ROLES  # noqa: F401
from ..timeutil import utcnow


# How a person wants to be told: an e-mail, an SMS, or both (notifications.services.notify falls
# back on the channel the person has when the preferred one is missing).
CONTACT_PREFERENCES = ("both", "sms", "email")


class User(UserMixin, Timestamps, db.Model):
    """An account. Staff accounts have an e-mail; an applicant's has an e-mail, a Malian phone
    number proven by an SMS code ("+223XXXXXXXX", phone_verified_at), or both."""

    __tablename__ = "users"
    __table_args__ = (
        one_of("role", ROLES),
        one_of("contact_preference", CONTACT_PREFERENCES),
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    phone_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    contact_preference: Mapped[str] = mapped_column(String(10), nullable=False, default="both",
                                                    server_default="both")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    is_active_account: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Rotated on logout, password change and deactivation: every copy of an old cookie dies.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    locale: Mapped[str] = mapped_column(String(5), nullable=False, default="fr")

    consents = relationship("Consent", back_populates="user", order_by="Consent.given_at")

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def get_id(self) -> str:
        return self.session_token

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def login_name(self) -> str:
        """What the person types to log in: the e-mail address, else the phone number."""
        return self.email or self.phone or ""


class Consent(db.Model):
    """Consent to the processing of personal data (Mali law 2013-015), one row per text version."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("user_id", "text_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    text_version: Mapped[str] = mapped_column(String(20), nullable=False)
    given_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    user = relationship("User", back_populates="consents")


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    # Only a SHA-256 of the token is stored: a database leak gives no usable link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class OneTimeCode(db.Model):
    """A 6-digit code sent by SMS or e-mail to prove a phone number or an address (codes.py).

    purpose      "register" (payload: the account to open), "reset" (user_id), "claim"
                 (payload: the paper file's applicant), "verify" (user_id: a phone added)
    channel      "sms" or "email"; destination: "+223XXXXXXXX" or the address
    The code is stored as an HMAC keyed by SECRET_KEY (a 6-digit code's plain hash falls to a
    million guesses), and the browser holds `token` (only its SHA-256 is here). A code row is
    written whether the destination is known or not; when nothing may be sent (an address that
    already has an account, a file that does not match), `deliverable` is False and no code
    ever matches: the person at the screen sees the same pages either way."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    purpose: Mapped[str] = mapped_column(String(10), nullable=False)
    channel: Mapped[str] = mapped_column(String(5), nullable=False)
    destination: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    deliverable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    payload: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class RateLimitCounter(db.Model):
    """Fixed-window counters kept in the database so that every worker shares them; `last_at`
    (epoch seconds) is the last attempt counted, from which a slowed-down key waits."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (UniqueConstraint("key", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    window_start: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_at: Mapped[int | None] = mapped_column(Integer)
