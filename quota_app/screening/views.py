"""Managers' screens on applications: search list, export, file view, documents, screening.

Thin views: read the query or the form, call one service through `act` (one commit; a refusal
shown in French), flash, redirect.
"""
import tempfile
from functools import lru_cache

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _
from markupsafe import Markup

from ..applications import storage
from ..applications.models import SEX_LABELS, STATUS_LABELS, STATUSES, Application
from ..campaigns.selection import campaigns_list, current_campaign
from ..errors import ValidationFailed
from ..permissions import role_required
from ..timeutil import age_on, utcnow
from ..viewhelpers import act, acting_user, page_of, private_file
from . import queries, search, services
from .forms import ActionForm, DecisionForm, selected_versions

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
    campaign_id, code = campaign.id, campaign.code
    handle = tempfile.TemporaryFile()
    if not act(lambda: services.export(campaign, request.args, handle, acting_user(), ip=_ip())):
        handle.close()
        return redirect(url_for("screening.index", campaign=campaign_id))
    handle.seek(0)
    return send_file(
        handle, as_attachment=True, max_age=0,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        download_name=f"dossiers-{code}-{utcnow():%Y%m%d-%H%M}.xlsx",
    )


def _load(application_id: int) -> Application:
    return services.load_application(application_id)


def _render_file(application: Application, *, show_identity: bool = False, form: DecisionForm | None = None,
                 status: int = 200):
    checks, clean = queries.checks_of(application)
    if form is None:
        form = DecisionForm(version=str(application.version))
    form.set_reasons(services.active_reasons())
    return render_template(
        "screening/file.html", application=application, checks=checks, clean=clean,
        show_identity=show_identity, form=form, action_form=ActionForm(), sex_labels=SEX_LABELS,
        age=age_on(application.birth_date, application.campaign.reference_date) if application.birth_date else None,
    ), status


def _to_file(application_id: int):
    return redirect(url_for("screening.file", application_id=application_id))


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
    if not act(lambda: services.record_identity_view(application, acting_user(), ip=_ip())):
        return _to_file(application_id)  # shown only once the display is in the journal
    return _render_file(application, show_identity=True)


@bp.get("/<int:application_id>/pieces/<int:document_id>")
@role_required("manager", "amci")
def document(application_id: int, document_id: int):
    doc = services.document_for(application_id, document_id)
    path = storage.existing(current_app.config["UPLOAD_DIR"], doc.stored_name)
    if path is None:
        abort(404)
    if not act(lambda: services.record_document_view(doc, acting_user(), ip=_ip())):
        return _to_file(application_id)
    return private_file(path, doc, inline=True)


@bp.post("/<int:application_id>/decision")
@role_required("manager")
def decide(application_id: int):
    application = _load(application_id)
    form = DecisionForm()
    form.set_reasons(services.active_reasons())
    if not form.validate_on_submit():
        return _render_file(application, form=form, status=400)
    done = act(lambda: services.decide(application.id, form.version.data, form.decision.data, acting_user(),
                                       reason_id=form.reason.data, comment=form.comment.data, ip=_ip()), form)
    if done:
        label = services.DECISIONS[form.decision.data]
        flash(_("Décision enregistrée : %(label)s. Le candidat est prévenu par e-mail.", label=_(label)), "success")
        return redirect(url_for("screening.queue", campaign=application.campaign_id))
    if isinstance(done.error, ValidationFailed):
        return _render_file(_load(application_id), form=form, status=400)
    if done.conflict:
        return _render_file(_load(application_id), status=409)
    return _to_file(application_id)


@bp.get("/recevabilite")
@role_required("manager")
def queue():
    campaign = current_campaign()
    if campaign is None:
        return render_template("screening/queue.html", campaign=None, campaigns=[])
    page = page_of(services.queue_statement(campaign), search.PER_PAGE)
    return render_template("screening/queue.html", campaign=campaign, campaigns=campaigns_list(), page=page,
                           rows=queries.checked(campaign, page.items), action_form=ActionForm())


@bp.post("/recevabilite/lot")
@role_required("manager")
def bulk():
    campaign = current_campaign()
    if campaign is None or not ActionForm().validate_on_submit():
        abort(400)
    campaign_id = campaign.id
    done = act(lambda: services.bulk_eligible(campaign, selected_versions(request.form.getlist("selected")),
                                              acting_user(), ip=_ip()))
    if done:
        decided, skipped = done.value
        flash(_("%(n)s dossier(s) déclaré(s) recevable(s).", n=len(decided)), "success")
        if skipped:
            flash(_("%(n)s dossier(s) non traité(s) : contrôles automatiques non satisfaits ou dossier déjà examiné (%(refs)s).",
                    n=len(skipped), refs=", ".join(a.reference or str(a.id) for a in skipped)), "warning")
    return redirect(url_for("screening.queue", campaign=campaign_id))
