"""The audit trail viewer for managers and administrators: filters, newest first, 50 a page."""
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ..permissions import role_required
from ..viewhelpers import page_of
from . import queries
from .forms import AuditFilterForm

bp = Blueprint("audit", __name__)

PER_PAGE = 50


def _filters(form: AuditFilterForm) -> queries.AuditFilters:
    return queries.AuditFilters(
        email=form.email.data or "", action=form.action.data or "", object_type=form.object_type.data or "",
        object_id=form.object_id.data or "", campaign_id=int(form.campaign.data) if form.campaign.data else None,
        date_from=form.date_from.data, date_to=form.date_to.data)


@bp.get("/")
@role_required("manager", "admin")
def index():
    form = AuditFilterForm(request.args)
    campaigns = queries.campaigns()
    form.campaign.choices = [SelectChoice("", _("Toutes"))] + [
        SelectChoice(str(c.id), f"{c.code} · {c.title}") for c in campaigns]
    page = page_of(queries.events_statement(_filters(form)), PER_PAGE) if form.validate() else None
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, page=page, args=args, changed_rows=queries.changed_rows,
                           campaign_codes={c.id: c.code for c in campaigns},
                           actions=queries.known_actions(), object_types=queries.known_object_types())
