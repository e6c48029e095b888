"""Reference data management for managers: one generic set of pages driven by each kind's spec.

Thin views: bind the form, call one service, commit once, flash a French message, redirect.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..permissions import role_required
from ..viewhelpers import acting_user, commit_or_error, show_error
from . import services
from .forms import StatusForm, item_form

bp = Blueprint("reference", __name__)


def _spec(kind: str):
    return services.get_kind(kind)


def _item(spec, item_id: int):
    return services.get_item(spec, item_id)


_show_error = show_error
_write = commit_or_error


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
    page = db.paginate(services.list_statement(spec, q, status),
                       per_page=current_app.config.get("PAGE_SIZE", 50), max_per_page=50, error_out=False)
    return render_template("reference/list.html", spec=spec, page=page, q=q, status=status,
                           display=services.display)


@bp.route("/<kind>/nouveau", methods=["GET", "POST"])
@manager_only
def create(kind: str):
    spec = _spec(kind)
    form = item_form(spec, _fk_choices(spec))
    if form.validate_on_submit():
        error = _write(lambda: services.create_item(acting_user(), spec, _form_data(spec, form)))
        if error is None:
            flash(_("L'élément est ajouté et inscrit au journal d'audit."), "success")
            return redirect(url_for("reference.items", kind=kind))
        _show_error(form, error)
    return render_template("reference/form.html", spec=spec, form=form, item=None)


@bp.route("/<kind>/<int:item_id>/modifier", methods=["GET", "POST"])
@manager_only
def edit(kind: str, item_id: int):
    spec = _spec(kind)
    item = _item(spec, item_id)
    form = item_form(spec, _fk_choices(spec), obj=item, fingerprint=services.fingerprint(item))
    if form.validate_on_submit():
        error = _write(lambda: services.update_item(acting_user(), spec, item, _form_data(spec, form),
                                                    form.fingerprint.data or None))
        if error is None:
            flash(_("Les modifications sont enregistrées et inscrites au journal d'audit."), "success")
            return redirect(url_for("reference.items", kind=kind))
        _show_error(form, error)
    return render_template("reference/form.html", spec=spec, form=form, item=item)


def _status(kind: str, item_id: int, active: bool):
    spec = _spec(kind)
    if not spec.has_active:
        abort(404)
    item = _item(spec, item_id)
    form = StatusForm(fingerprint=services.fingerprint(item))
    if form.validate_on_submit():
        error = _write(lambda: services.set_active(acting_user(), spec, item, active, form.fingerprint.data or None))
        if error is None:
            flash(_("L'élément est réactivé.") if active else _("L'élément est désactivé."), "success")
            return redirect(url_for("reference.items", kind=kind))
        _show_error(form, error)
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
