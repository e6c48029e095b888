"""Roles, the @role_required decorator, and pure predicates on who may see what."""
from functools import wraps

from flask import abort
from flask_login import current_user

from .auth.models import STAFF_ROLES

HOME_ENDPOINTS = {
    "applicant": "applications.home",
    "manager": "campaigns.home",
    "committee": "committee.home",
    "amci": "amci.home",
    "admin": "auth.admin_users",
}


def role_required(*roles):
    """Anonymous users go to the login page; users of another role get a French 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_staff(user) -> bool:
    return user is not None and getattr(user, "role", None) in STAFF_ROLES


def can_view_application(user, application) -> bool:
    """The owner, managers and AMCI officers; committee members only through their assignments."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == "applicant":
        owner = application.applicant.user_id if application.applicant else None
        return owner == user.id
    return user.role in ("manager", "amci")


def can_edit_application(user, application) -> bool:
    """Applicants edit their own draft only; after submission, changes are staff actions."""
    if user.role == "applicant":
        return can_view_application(user, application) and application.status == "draft"
    return user.role == "manager"
