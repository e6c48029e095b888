"""Managers' screens on applications: search list, export, file view, documents, screening.

Thin views: read the query or the form, call a service, commit once, flash a French message.
"""
import tempfile
from functools import lru_cache

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _
from markupsafe import Markup
from sqlalchemy import select

from ..applications import storage
from ..applications.eligibility import is_eligible
from ..applications.models import SEX_LABELS, STATUS_LABELS, STATUSES, Application
from ..campaigns.models import Campaign
from ..campaigns.selection import campaigns_list, current_campaign
from ..errors import Conflict, DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..permissions import role_required
from ..viewhelpers import acting_user
from ..timeutil import age_on, utcnow
from . import search, services
from .forms import ActionForm, DecisionForm

bp = Blueprint("screening", __name__)


def _ip():
    return request.remote_addr


@lru_cache(maxsize=8)
def _labels(locale: str) -> dict:
    """The fixed labels of the list page, translated once per process and locale: a gettext
    call per row and per option was most of the page's time at 100,000 files."""
    return {
        "status": {s: _(STATUS_LABELS[s]) for s in STATUSES},
        "statuses": tuple((s, _(STATUS_LABELS[s])) for s in STATUSES),
        "sexes": tuple((k, _(v)) for k, v in SEX_LABELS.items()),
        "age_bands": tuple((k, _(v)) for k, v in search.AGE_BAND_LABELS.items()),
        "sorts": tuple((k, _(v)) for k, v in search.SORTS.items()),
    }


@lru_cache(maxsize=512)
def _option_tags(items: tuple, chosen: str) -> Markup:
    """The <option> tags of one filter menu. Their rendering cost more than the list's SQL; the
    cache key holds the current choices, read from the database on every request, so a renamed
    region or a new offer shows at once: nothing to invalidate."""
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(value, Markup(" selected") if value == chosen else "", text)
        for value, text in items)


def _menus(filters: dict, options: dict, labels: dict) -> dict:
    items = {"status": labels["statuses"], "sex": labels["sexes"], "age": labels["age_bands"],
             "sort": labels["sorts"], **options}
    default = {"sort": "name"}
    return {name: _option_tags(choices, filters.get(name, default.get(name, "")))
            for name, choices in items.items()}


@bp.get("/")
@role_required("manager")
def index():
    campaigns = campaigns_list()
    campaign = current_campaign(campaigns)
    if campaign is None:
        return render_template("screening/list.html", campaign=None, campaigns=[])
    filters = search.clean_filters(request.args)
    labels = _labels(str(get_locale()))
    return render_template(
        "screening/list.html", campaign=campaign, campaigns=campaigns, filters=filters,
        page=search.ResultPage(campaign, filters, request.args.get("page")), labels=labels,
        menus=_menus(filters, search.filter_options(campaign), labels), age_on=age_on,
        file_url=url_for("screening.file", application_id=0).rsplit("/", 1)[0],
    )


@bp.get("/export.xlsx")
@role_required("manager")
def export():
    campaign = current_campaign()
    if campaign is None:
        abort(404)
    handle = tempfile.TemporaryFile()
    services.export(campaign, request.args, handle, acting_user(), ip=_ip())
    db.session.commit()
    handle.seek(0)
    return send_file(
        handle, as_attachment=True, max_age=0,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        download_name=f"dossiers-{campaign.code}-{utcnow():%Y%m%d-%H%M}.xlsx",
    )


def _load(application_id: int) -> Application:
    return services.load_application(application_id)


def _render_file(application: Application, *, show_identity: bool = False, form: DecisionForm | None = None,
                 status: int = 200):
    context = services.check_context(application.campaign)
    checks = services.automatic_checks(application, context)
    if form is None:
        form = DecisionForm(version=str(application.version))
    form.set_reasons(services.active_reasons())
    return render_template(
        "screening/file.html", application=application, checks=checks, clean=is_eligible(checks),
        show_identity=show_identity, form=form, action_form=ActionForm(), sex_labels=SEX_LABELS,
        age=age_on(application.birth_date, application.campaign.reference_date) if application.birth_date else None,
    ), status


@bp.get("/<int:application_id>")
@role_required("manager")
def file(application_id: int):
    return _render_file(_load(application_id))


@bp.post("/<int:application_id>/identite")
@role_required("manager")
def show_identity(application_id: int):
    application = _load(application_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.record_identity_view(application, acting_user(), ip=_ip())
    db.session.commit()
    return _render_file(application, show_identity=True)


@bp.get("/<int:application_id>/pieces/<int:document_id>")
@role_required("manager", "amci")
def document(application_id: int, document_id: int):
    try:
        doc = services.document_for(application_id, document_id)
        path = storage.path_of(current_app.config["UPLOAD_DIR"], doc.stored_name)
    except (NotFound, ValueError):
        abort(404)
    if not path.is_file():
        abort(404)
    services.record_document_view(doc, acting_user(), ip=_ip())
    db.session.commit()
    response = send_file(path, mimetype=doc.content_type, as_attachment=False,
                         download_name=doc.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not response.headers.get("Content-Disposition", "").startswith("inline"):
        response.headers["Content-Disposition"] = "inline"
    return response


@bp.post("/<int:application_id>/decision")
@role_required("manager")
def decide(application_id: int):
    application = _load(application_id)
    form = DecisionForm()
    form.set_reasons(services.active_reasons())
    if not form.validate_on_submit():
        return _render_file(application, form=form, status=400)
    try:
        services.decide(application.id, form.version.data, form.decision.data, acting_user(),
                        reason_id=form.reason.data, comment=form.comment.data, ip=_ip())
    except ValidationFailed as error:
        db.session.rollback()
        for name, message in error.errors.items():
            getattr(form, name).errors = list(getattr(form, name).errors) + [message]
        if not error.errors:
            flash(error.message, "error")
        return _render_file(_load(application_id), form=form, status=400)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_file(_load(application_id), status=409)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("screening.file", application_id=application_id))
    db.session.commit()
    label = services.DECISIONS[form.decision.data]
    flash(_("Décision enregistrée : %(label)s. Le candidat est prévenu par e-mail.", label=_(label)), "success")
    return redirect(url_for("screening.queue", campaign=application.campaign_id))


@bp.get("/recevabilite")
@role_required("manager")
def queue():
    campaign = current_campaign()
    if campaign is None:
        return render_template("screening/queue.html", campaign=None, campaigns=[])
    page = db.paginate(services.queue_statement(campaign), per_page=search.PER_PAGE,
                       max_per_page=search.PER_PAGE, error_out=False)
    context = services.check_context(campaign)
    rows = []
    for application in page.items:
        checks = services.automatic_checks(application, context)
        rows.append((application, checks, is_eligible(checks)))
    return render_template("screening/queue.html", campaign=campaign, campaigns=campaigns_list(), page=page,
                           rows=rows, action_form=ActionForm())


@bp.post("/recevabilite/lot")
@role_required("manager")
def bulk():
    campaign = current_campaign()
    if campaign is None or not ActionForm().validate_on_submit():
        abort(400)
    versions = {}
    for item in request.form.getlist("selected"):
        app_id, _sep, version = item.partition(":")
        if app_id.isdigit() and version.isdigit():
            versions[int(app_id)] = int(version)
    try:
        done, skipped = services.bulk_eligible(campaign, versions, acting_user(), ip=_ip())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("screening.queue", campaign=campaign.id))
    db.session.commit()
    flash(_("%(n)s dossier(s) déclaré(s) recevable(s).", n=len(done)), "success")
    if skipped:
        flash(_("%(n)s dossier(s) non traité(s) : contrôles automatiques non satisfaits ou dossier déjà examiné (%(refs)s).",
                n=len(skipped), refs=", ".join(a.reference or str(a.id) for a in skipped)), "warning")
    return redirect(url_for("screening.queue", campaign=campaign.id))
