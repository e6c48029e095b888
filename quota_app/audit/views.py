"""The audit trail viewer for managers and administrators: filters, newest first, 50 a page."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import distinct, select
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..permissions import role_required
from ..registry import lookup
from .forms import AuditFilterForm
from .models import AuditEvent

bp = Blueprint("audit", __name__)

PER_PAGE = 50


@dataclass
class AuditFilters:
    email: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    campaign_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _escape_like(value: str) -> str:
    return value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def events_statement(filters: AuditFilters):
    """The events matching the filters, newest first. `action` matches a prefix ("reference.")
    as well as a full name; `email` a part of the person's address; dates are whole days."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters.email:
        pattern = f"%{_escape_like(filters.email)}%"
        # The accounts are auth's: it lends the ids of those whose address matches.
        stmt = stmt.where(AuditEvent.actor_id.in_(lookup("user_ids_matching")(pattern)))
    if filters.action:
        action = filters.action.lower()
        stmt = stmt.where((AuditEvent.action == action)
                          | AuditEvent.action.like(_escape_like(action.rstrip(".")) + ".%", escape="\\"))
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type.lower())
    if filters.object_id:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.campaign_id is not None:
        stmt = stmt.where(AuditEvent.campaign_id == filters.campaign_id)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.at < datetime.combine(filters.date_to + timedelta(days=1), time.min))
    return stmt


def changed_rows(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(key, before, after) for each key that differs between the two snapshots."""
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("valeur", event.before, event.after)]
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def _known(column) -> list[str]:
    return list(db.session.execute(select(distinct(column)).order_by(column)).scalars())


@bp.get("/")
@role_required("manager", "admin")
def index():
    form = AuditFilterForm(request.args)
    campaigns = lookup("campaigns")()
    form.campaign.choices = [SelectChoice("", _("Toutes"))] + [
        SelectChoice(str(c.id), f"{c.code} · {c.title}") for c in campaigns]
    page = None
    if form.validate():
        filters = AuditFilters(
            email=form.email.data or "", action=form.action.data or "", object_type=form.object_type.data or "",
            object_id=form.object_id.data or "",
            campaign_id=int(form.campaign.data) if form.campaign.data else None,
            date_from=form.date_from.data, date_to=form.date_to.data)
        page = db.paginate(events_statement(filters), per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, page=page, args=args, changed_rows=changed_rows,
                           campaign_codes={c.id: c.code for c in campaigns},
                           actions=_known(AuditEvent.action), object_types=_known(AuditEvent.object_type))
