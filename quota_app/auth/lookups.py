"""Accounts as the shared machinery looks them up (an import's actor, a job's author)."""
from sqlalchemy import func, or_, select

from ..extensions import db
from .models import User


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def user_by_email(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == (email or "").strip().lower())).scalar_one_or_none()


def user_ids_matching(pattern: str):
    """A select of the ids of the accounts whose address or phone number matches a LIKE pattern
    (lower case, escaped with a backslash): the audit trail's "person" filter."""
    return select(User.id).where(or_(func.lower(User.email).like(pattern, escape="\\"),
                                     User.phone.like(pattern, escape="\\")))


def staff_user_ids(user_id: int | None = None):
    """A select of the ids of the staff accounts (what an administrator may read of the outbox),
    or of that one account if it is staff."""
    statement = select(User.id).where(User.role != "applicant")
    return statement if user_id is None else statement.where(User.id == user_id)
