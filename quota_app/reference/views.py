"""Reference data management for managers: one generic set of pages driven by each kind's spec.

Thin views: bind the form, call one service through `act` (one commit; a refusal shown in
French), redirect.
"""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..permissions import role_required
from ..viewhelpers import act, acting_user, page_of
from . import services
from .forms import StatusForm, item_form

bp = Blueprint("reference", __name__)


def _spec(kind: str):
    return services.get_kind(kind)


def _item(spec, item_id: int):
    return services.get_item(spec, item_id)


def _form_data(spec, form) -> dict:
    return {name: form[name].data for name in spec.field_names}


def _fk_choices(spec) -> dict:
    return {f.name: services.fk_choices(f.model) for f in spec.fields if f.type == "fk"}


manager_only = role_required("manager")


@bp.get("/")
@manager_only
def index():
    return render_template("reference/index.html", counts=services.counts())


@bp.get("/<kind>/")
@manager_only
def items(kind: str):
    spec = _spec(kind)
    q = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("statut") or ""
    return render_template("reference/list.html", spec=spec, page=page_of(services.list_statement(spec, q, status)),
                           q=q, status=status, display=services.display)


@bp.route("/<kind>/nouveau", methods=["GET", "POST"])
@manager_only
def create(kind: str):
    spec = _spec(kind)
    form = item_form(spec, _fk_choices(spec))
    if form.validate_on_submit() and act(
            lambda: services.create_item(acting_user(), spec, _form_data(spec, form)), form,
            success=_("L'élément est ajouté et inscrit au journal d'audit.")):
        return redirect(url_for("reference.items", kind=kind))
    return render_template("reference/form.html", spec=spec, form=form, item=None)


@bp.route("/<kind>/<int:item_id>/modifier", methods=["GET", "POST"])
@manager_only
def edit(kind: str, item_id: int):
    spec = _spec(kind)
    item = _item(spec, item_id)
    form = item_form(spec, _fk_choices(spec), obj=item, fingerprint=services.fingerprint(item))
    if form.validate_on_submit() and act(
            lambda: services.update_item(acting_user(), spec, item, _form_data(spec, form),
                                         form.fingerprint.data or None), form,
            success=_("Les modifications sont enregistrées et inscrites au journal d'audit.")):
        return redirect(url_for("reference.items", kind=kind))
    return render_template("reference/form.html", spec=spec, form=form, item=item)


def _status(kind: str, item_id: int, active: bool):
    spec = _spec(kind)
    if not spec.has_active:
        abort(404)
    item = _item(spec, item_id)
    form = StatusForm(fingerprint=services.fingerprint(item))
    if form.validate_on_submit() and act(
            lambda: services.set_active(acting_user(), spec, item, active, form.fingerprint.data or None), form,
            success=_("L'élément est réactivé.") if active else _("L'élément est désactivé.")):
        return redirect(url_for("reference.items", kind=kind))
    return render_template("reference/status.html", spec=spec, form=form, item=item, active=active,
                           display=services.display)


@bp.route("/<kind>/<int:item_id>/desactiver", methods=["GET", "POST"])
@manager_only
def deactivate(kind: str, item_id: int):
    return _status(kind, item_id, False)


@bp.route("/<kind>/<int:item_id>/reactiver", methods=["GET", "POST"])
@manager_only
def reactivate(kind: str, item_id: int):
    return _status(kind, item_id, True)
