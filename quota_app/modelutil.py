"""Small helpers shared by every models.py and the modules that query them."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.orm import Mapped, mapped_column

from .timeutil import utcnow


def one_of(column: str, values, name: str | None = None) -> CheckConstraint:
    """A CHECK that keeps a string column within a closed list of codes."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def escape_like(value: str) -> str:
    """`value` in lower case with LIKE's wildcards escaped (use with escape="\\")."""
    return value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
