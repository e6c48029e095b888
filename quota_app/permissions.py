"""Who may do what, in one place: the roles, @role_required for routes, the role tables of the
features, and pure predicates on objects.

The predicates are duck-typed on attributes (`user.role`, `user.id`, `application.applicant.user_id`,
`job.created_by_id`...): this module imports no feature package, so every package may ask it.
tests/foundation/test_access_matrix.py walks every endpoint for every kind of actor against a
table written in the test.
"""
from functools import wraps

from flask import abort
from flask_login import current_user

# Account roles. The committee chair is a member whose committee membership says "chair".
ROLES = ("applicant", "manager", "committee", "amci", "admin")
STAFF_ROLES = ("manager", "committee", "amci", "admin")
ROLE_LABELS = {
    "applicant": "Candidat",
    "manager": "Gestionnaire",
    "committee": "Membre du comité",
    "amci": "Agent AMCI",
    "admin": "Administrateur",
}

HOME_ENDPOINTS = {
    "applicant": "applications.home",
    "manager": "campaigns.home",
    "committee": "committee.home",
    "amci": "amci.home",
    "admin": "auth.admin_users",
}

# Which spreadsheets a role may import and export (the kinds of the import and export
# registries). AMCI officers bring back what the AMCI and the OFPPT return and read the final
# lists (DOMAIN.md); everything else is the managers' work.
# Committee members bring back their own score sheet (committee/io.py).
IMPORT_KINDS_BY_ROLE = {"manager": ("applicants", "offers", "followup"), "amci": ("followup",),
                        "committee": ("score_sheet",)}
# Roles who see only the import runs they started themselves (a member's score sheet is theirs).
IMPORT_RUNS_OWN_ONLY = ("committee",)
EXPORT_KINDS_BY_ROLE = {"manager": ("offres", "nomination", "suivi", "statistiques", "classement"),
                        "amci": ("offres", "nomination", "suivi")}
# The placement's lists (placement/io.py) are the managers': the AMCI reads the nominative list
# only (need to know: nominated candidates, nobody else's placement).
EXPORT_KINDS_BY_ROLE["manager"] += ("affectation", "listes-attente")

# Staff who read every application and its documents (the committee will read its assignments).
APPLICATION_READERS = ("manager", "amci")
# Staff who follow every background job, whoever started it.
JOB_READERS = ("manager",)


def role_required(*roles):
    """Anonymous users go to the login page; users of another role get a French 403.

    The roles stay on the view (`allowed_roles`): the navigation shows a link only to the roles
    that may follow it."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def owns_application(user, application) -> bool:
    """The application belongs to this applicant's account (an imported file has no account)."""
    applicant = getattr(application, "applicant", None)
    owner = getattr(applicant, "user_id", None)
    return _signed_in(user) and owner is not None and owner == user.id


def can_view_application(user, application) -> bool:
    """The owner, managers, and AMCI officers for nominated files only."""
    if not _signed_in(user):
        return False
    if user.role == "applicant":
        return owns_application(user, application)
    if user.role == "amci":
        from .registry import lookup
        return application is not None and lookup("is_nominated")(application.id)
    return user.role in APPLICATION_READERS


def can_view_document(user, document) -> bool:
    """A document is seen by whoever may see its application."""
    return can_view_application(user, getattr(document, "application", None))


def can_view_job(user, job) -> bool:
    """The person who started the job, and managers."""
    if not _signed_in(user):
        return False
    return job.created_by_id == user.id or user.role in JOB_READERS


def may_see_import_run(user, run) -> bool:
    """False when the user's role sees only its own runs (IMPORT_RUNS_OWN_ONLY) and someone
    else started this one; the role table (IMPORT_KINDS_BY_ROLE) still decides the kinds."""
    if not _signed_in(user):
        return False
    return user.role not in IMPORT_RUNS_OWN_ONLY or run.created_by_id == user.id


def is_own_assignment(user, assignment) -> bool:
    """A committee member's own live review assignment: given to their membership, active,
    not withdrawn. Another member's file, even of the same committee, is not theirs."""
    member = getattr(assignment, "member", None)
    return (_signed_in(user) and getattr(user, "role", None) == "committee" and member is not None
            and member.user_id == user.id and bool(member.active) and assignment.status != "withdrawn")
