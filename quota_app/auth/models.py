from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..modelutil import Timestamps, one_of
# The roles live in permissions.py (who may do what, in one place); importable from here too.
from ..permissions import ROLE_LABELS, ROLES, STAFF_ROLES  # noqa: F401
from ..timeutil import utcnow


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
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


class RateLimitCounter(db.Model):
    """Fixed-window counters kept in the database so that every worker shares them."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (UniqueConstraint("key", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    window_start: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
