"""What the account pages read: one account, and the administrators' list of accounts."""
from sqlalchemy import func, or_, select

from ..errors import NotFound
from ..extensions import db
from ..modelutil import escape_like
from .models import ROLES, User


def get_user(user_id: int) -> User:
    """A staff account, for the administrators' pages. Applicants' accounts are not theirs to see
    (need to know: an administrator sees no applicant's personal data)."""
    user = db.session.get(User, user_id)
    if user is None or user.role == "applicant":
        raise NotFound("Compte introuvable.")
    return user


def users_statement(q: str = "", role: str = ""):
    """The staff accounts whose address or name contains `q` (any case), of `role` if it is one,
    by address (never an applicant's: see get_user)."""
    stmt = select(User).where(User.role != "applicant").order_by(User.email)
    if q:
        pattern = f"%{escape_like(q)}%"
        stmt = stmt.where(or_(func.lower(User.email).like(pattern, escape="\\"),
                              func.lower(User.full_name).like(pattern, escape="\\")))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    return stmt
