"""The audit trail viewer for managers and administrators: filters, newest first, 50 a page."""
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from ..permissions import role_required
from ..viewhelpers import acting_user, page_of
from . import labels, queries
from .forms import AuditFilterForm

bp = Blueprint("audit", __name__)

PER_PAGE = 50
FILTERS = ("email", "action", "object_type", "object_id", "campaign", "date_from", "date_to")


def _filters(form: AuditFilterForm) -> queries.AuditFilters:
    return queries.AuditFilters(
        email=form.email.data or "", action=form.action.data or "", object_type=form.object_type.data or "",
        object_id=form.object_id.data or "", campaign_id=int(form.campaign.data) if form.campaign.data else None,
        date_from=form.date_from.data, date_to=form.date_to.data)


def _menus(form: AuditFilterForm, campaigns) -> None:
    """The menus' choices; a value typed in the address that is not in a menu stays chosen."""
    form.campaign.choices = [SelectChoice("", _("Toutes"))] + [
        SelectChoice(str(c.id), f"{c.code} · {c.title}") for c in campaigns]
    actions = labels.action_choices(queries.known_actions(), _)
    form.action.choices = [SelectChoice("", _("Toutes"))] + [SelectChoice(v, t) for v, t in actions]
    types = sorted(((t, labels.object_type_label(t)) for t in queries.known_object_types()), key=lambda i: i[1])
    form.object_type.choices = [SelectChoice("", _("Tous"))] + [SelectChoice(v, _(t)) for v, t in types]
    for field in (form.action, form.object_type):
        value = request.args.get(field.name, "").strip()
        if value and value not in {c.value for c in field.choices}:
            field.choices.append(SelectChoice(value, value))


@bp.get("/")
@role_required("manager", "admin")
def index():
    form = AuditFilterForm(request.args)
    campaigns = queries.campaigns()
    _menus(form, campaigns)
    page = page_of(queries.events_statement(_filters(form)), PER_PAGE) if form.validate() else None
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    # Managers read candidates' files; administrators see no candidate's personal data.
    personal_data = acting_user().role == "manager"
    return render_template("audit/index.html", form=form, page=page, args=args, reveal_form=FlaskForm(),
                           views=queries.event_views(page.items, personal_data=personal_data)
                           if page is not None else [],
                           active=sum(1 for name in FILTERS if request.args.get(name, "").strip()),
                           campaign_codes={c.id: c.code for c in campaigns})
