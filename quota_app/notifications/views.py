"""The outbox: every message the application sent or kept, for managers and administrators;
and the SMS gateway's delivery reports (authenticated by SMS_CALLBACK_SECRET, no session)."""
import hmac

from flask import Blueprint, abort, current_app, render_template, request

from ..extensions import csrf, db
from ..permissions import role_required
from ..viewhelpers import acting_user, page_number
from . import gateway, services
from .models import OutboxMessage

bp = Blueprint("notifications", __name__)


@bp.get("/")
@role_required("manager", "admin")
def outbox():
    q = (request.args.get("q") or "").strip()[:254]
    staff_only = acting_user().role == "admin"  # administrators see no applicant's messages
    page = db.paginate(services.outbox_statement(q, staff_only), page=page_number(request.args.get("page")),
                       per_page=current_app.config.get("PAGE_SIZE", 50), max_per_page=50, error_out=False)
    return render_template("notifications/outbox.html", page=page, q=q)


@bp.get("/<int:message_id>")
@role_required("manager", "admin")
def detail(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None or (acting_user().role == "admin" and not services.staff_message(message)):
        abort(404)
    return render_template("notifications/detail.html", message=message,
                           body=services.redact(message.body))


def _callback_authorised() -> bool:
    expected = current_app.config.get("SMS_CALLBACK_SECRET") or ""
    if not expected:
        return False  # no secret configured: nobody may report
    given = request.headers.get("Authorization", "")
    given = given[7:] if given.startswith("Bearer ") else request.headers.get("X-Quota-Secret") \
        or request.args.get("cle", "")
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@bp.post("/sms/statut")
@csrf.exempt
def sms_status():
    """A delivery report from the SMS gateway (JSON or form): 204 once recorded, 404 for a
    message we do not know, 403 without the secret."""
    if not _callback_authorised():
        abort(403)
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        abort(400)
    message = services.record_delivery_report(gateway.parse_report(data))
    if message is None:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return "", 204
