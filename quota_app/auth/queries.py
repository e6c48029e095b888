"""What the account pages read: one account, and the administrators' list of accounts."""
from sqlalchemy import func, or_, select

from ..errors import NotFound
from ..extensions import db
from ..modelutil import escape_like
from .models import ROLES, User


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Compte introuvable.")
    return user


def users_statement(q: str = "", role: str = ""):
    """The accounts whose address or name contains `q` (any case), of `role` if it is one, by address."""
    stmt = select(User).order_by(User.email)
    if q:
        pattern = f"%{escape_like(q)}%"
        stmt = stmt.where(or_(func.lower(User.email).like(pattern, escape="\\"),
                              func.lower(User.full_name).like(pattern, escape="\\")))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    return stmt
