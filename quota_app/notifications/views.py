"""The outbox: every message the application sent or kept, for managers and administrators."""
from flask import Blueprint, abort, current_app, render_template, request

from ..extensions import db
from ..permissions import role_required
from . import services
from .models import OutboxMessage

bp = Blueprint("notifications", __name__)


@bp.get("/")
@role_required("manager", "admin")
def outbox():
    q = (request.args.get("q") or "").strip()[:254]
    page = db.paginate(services.outbox_statement(q), per_page=current_app.config.get("PAGE_SIZE", 50),
                       max_per_page=50, error_out=False)
    return render_template("notifications/outbox.html", page=page, q=q)


@bp.get("/<int:message_id>")
@role_required("manager", "admin")
def detail(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("notifications/detail.html", message=message,
                           body=services.redact(message.body))

