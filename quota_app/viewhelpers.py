"""What the views share: the acting user, showing a domain refusal on its form, committing once."""
from flask import flash
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .errors import Conflict, DomainError
from .extensions import db

UNIQUE_CLASH = "Cette modification entre en conflit avec une autre donnée enregistrée entre-temps."


def acting_user():
    """The logged-in user as a plain object, for services (never the request-bound proxy)."""
    return current_user._get_current_object()


def show_error(form, error: DomainError) -> None:
    """A refusal next to the field it concerns, else at the top of the page."""
    placed = False
    for name, message in (getattr(error, "errors", None) or {}).items():
        target = getattr(form, name, None) if form is not None else None
        if target is not None and isinstance(getattr(target, "errors", None), (list, tuple)):
            target.errors = list(target.errors) + [message]
        else:
            flash(message, "error")
        placed = True
    if not placed:
        flash(error.message, "error")


def commit_or_error(action):
    """Run a service call and commit; on refusal roll back and return the error (None when done)."""
    try:
        action()
        db.session.commit()
    except StaleDataError:  # someone saved the same row meanwhile (version column)
        db.session.rollback()
        return Conflict()
    except IntegrityError:
        db.session.rollback()
        return Conflict(UNIQUE_CLASH)
    except DomainError as error:
        db.session.rollback()
        return error
    return None
