"""The outbox: every message the application sent or kept, for managers and administrators."""
import re

from flask import Blueprint, abort, current_app, render_template, request

from ..extensions import db
from ..permissions import role_required
from .models import OutboxMessage

bp = Blueprint("notifications", __name__)


@bp.get("/")
@role_required("manager", "admin")
def outbox():
    q = (request.args.get("q") or "").strip()[:254]
    stmt = db.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(db.func.lower(OutboxMessage.to_email).like(f"%{escaped}%", escape="\\"))
    page = db.paginate(stmt, per_page=current_app.config.get("PAGE_SIZE", 50), max_per_page=50,
                       error_out=False)
    return render_template("notifications/outbox.html", page=page, q=q)


@bp.get("/<int:message_id>")
@role_required("manager", "admin")
def detail(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("notifications/detail.html", message=message, body=redact(message.body))


def redact(body: str) -> str:
    """Hide one-time secrets (password reset links): a manager must not be able to use them."""
    from ..auth.services import RESET_PATH

    return re.sub(re.escape(RESET_PATH) + r"\S+", RESET_PATH + "[masqué]", body or "")
