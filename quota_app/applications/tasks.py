"""The applicant's work on the queue: the sealed receipt, rendered once the submission commits.

Rendering the PDF takes 0.5 to 1 s of CPU (WeasyPrint). Inside the request, a deadline rush
queued every submission behind it (bench/rush_bench.py: p95 88 s on two workers, past a
proxy's 60 s). The submission now answers at once; the worker seals the receipt; a download
before the worker has run seals it there (views._receipt_pdf), and whichever comes second finds
it sealed.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Conflict, InvalidTransition
from ..extensions import db
from ..jobs.aftercommit import after_commit
from ..jobs.queue import task


def after_submission(application_id: int, user_id: int | None) -> None:
    """Called by services.submit: the receipt is sealed after the commit."""
    after_commit(seal_receipt, application_id, user_id)


@task()
def seal_receipt(application_id: int, user_id: int | None) -> None:
    from ..auth.models import User
    from . import services
    from .models import Application

    with current_app.app_context():
        application = db.session.get(Application, application_id)
        if application is None or application.submitted_at is None or application.receipt_document_id:
            return
        actor = db.session.get(User, user_id) if user_id else None
        try:
            services.issue_receipt(actor, application, now=application.submitted_at)
            db.session.commit()
        except (Conflict, InvalidTransition, StaleDataError, IntegrityError):
            db.session.rollback()   # sealed meanwhile by a download, or the file changed: nothing to do
