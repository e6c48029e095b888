"""What the views share: the acting user, and `act`, the one way a view makes a change.

A view reads its form, hands `act` one service call, and answers from the outcome:

    if act(lambda: services.create_item(acting_user(), spec, data), form, success=_("Ajouté.")):
        return redirect(...)
    return render_template(..., form=form)

`act` commits once when the call succeeds; when it is refused (a DomainError), or the commit
finds that someone changed the same row meanwhile (StaleDataError, a version column) or a
uniqueness clash (IntegrityError), it rolls back and shows the French message next to the
field it concerns or at the top of the page. A NotFound is rolled back and raised again: the
application's handler answers with the 404 page, so another person's id looks like a missing one.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, request, send_file
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .errors import Conflict, DomainError, NotFound, ValidationFailed
from .extensions import db

UNIQUE_CLASH = "Cette modification entre en conflit avec une autre donnée enregistrée entre-temps."


def acting_user():
    """The logged-in user as a plain object, for services (never the request-bound proxy)."""
    return current_user._get_current_object()


# No list has a million pages; a bigger number (?page=999999999999999999999) would overflow
# the database's integers in the OFFSET.
MAX_PAGE = 1_000_000


def page_number(value) -> int:
    """?page=N as a page number: 1 for anything that is not a positive integer, at most MAX_PAGE."""
    try:
        number = int(str(value).strip()) if value is not None else 1
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def page_of(statement, per_page: int | None = None):
    """One page of a query's rows: ?page=N, the first page for anything else; `per_page`
    defaults to the PAGE_SIZE setting, 50 at the most."""
    size = per_page or min(current_app.config.get("PAGE_SIZE", 50), 50)
    return db.paginate(statement, page=page_number(request.args.get("page")), per_page=size,
                       max_per_page=size, error_out=False)


def private_file(path, document, *, inline: bool = False):
    """A stored document as the answer (shown in the browser, or downloaded): its declared
    type only (never sniffed), kept in no cache on the way."""
    response = send_file(path, mimetype=document.content_type, as_attachment=not inline,
                         download_name=document.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if inline and not response.headers.get("Content-Disposition", "").startswith("inline"):
        response.headers["Content-Disposition"] = "inline"
    return response


def show_error(form, error: DomainError) -> None:
    """A refusal next to the field it concerns, else at the top of the page (with its reasons).

    `form` is a WTForms form, None, or the errors dict of a hand-written form (field ->
    message, "_" for the form as a whole), which receives what a ValidationFailed says."""
    if isinstance(form, dict) and isinstance(error, ValidationFailed):
        form.update(error.errors or {"_": error.message})
        return
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
    for reason in getattr(error, "reasons", None) or ():
        if reason != error.message:
            flash(reason, "error")


@dataclass
class Outcome:
    """What `act` did. True when committed. `value` is what the service returned, kept even
    when the commit failed afterwards (a caller may have a file to remove); `error` is the
    refusal that was shown, None when committed."""

    value: Any = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None

    @property
    def conflict(self) -> bool:
        """Refused because the data changed meanwhile (stale version or uniqueness clash)."""
        return isinstance(self.error, Conflict)


def act(action: Callable[[], Any], form=None, *, success: str | None = None, clash: str = UNIQUE_CLASH,
        stale: str | None = None, commit_refusals: bool = False) -> Outcome:
    """Run one service call and commit once.

    form: where field messages go (a WTForms form, a hand-written form's errors dict; see
        show_error), None for flash messages only.
    success: flashed ("success") once the commit is done.
    clash / stale: the messages of a uniqueness clash and of a concurrent change (Conflict's own
        message when `stale` is None); both come back as a Conflict.
    commit_refusals: commit what the service wrote before refusing (attempt counters, the
        audit of a failed login, a message to an account's owner) instead of rolling it back.
    """
    value = None
    try:
        value = action()
        db.session.commit()
    except NotFound:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        error = Conflict(stale)
    except IntegrityError:
        db.session.rollback()
        error = Conflict(clash)
    except DomainError as refusal:
        if commit_refusals:
            db.session.commit()
        else:
            db.session.rollback()
        error = refusal
    else:
        if success:
            flash(success, "success")
        return Outcome(value)
    show_error(form, error)
    return Outcome(value, error)
