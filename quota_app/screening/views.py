"""Managers' screens on applications: search list, export, file view, documents, screening.

Thin views: read the query or the form, call one service through `act` (one commit; a refusal
shown in French), flash, redirect.
"""
import tempfile
from functools import lru_cache

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _, ngettext
from markupsafe import Markup

from ..applications import storage
from ..applications.models import SEX_LABELS, STATUS_LABELS, STATUSES, Application
from ..campaigns.selection import campaigns_list, current_campaign
from ..errors import ValidationFailed
from ..notifications.services import messages_for_application
from ..permissions import role_required
from ..registry import lookup
from ..security import frameable
from ..timeutil import age_on, utcnow
from ..viewhelpers import act, acting_user, page_of, private_file
from . import queries, search, services
from .forms import ActionForm, DecisionForm, PaperDocumentForm, selected_versions

bp = Blueprint("screening", __name__)


def _ip():
    return request.remote_addr


@lru_cache(maxsize=8)
def _labels(locale: str) -> dict:
    """The fixed labels of the list page, translated once per process and locale: a gettext
    call per row and per option was most of the page's time at 100,000 files."""
    return {
        "status": {s: _(STATUS_LABELS[s]) for s in STATUSES},
        # Never « draft »: a draft never submitted is not the managers' (search.conditions_for).
        "statuses": tuple((s, _(STATUS_LABELS[s])) for s in STATUSES if s != "draft"),
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
                 paper_form: PaperDocumentForm | None = None, status: int = 200):
    assessment, checks = queries.assessment_of(application)
    if form is None:
        form = DecisionForm(version=str(application.version))
    form.set_reasons(services.active_reasons())
    slots = services.document_slots(application)
    if paper_form is None:
        paper_form = PaperDocumentForm(formdata=None)
    paper_form.set_types(slots)
    uploaded = [slot.uploaded for slot in slots if slot.uploaded is not None]
    chosen = request.args.get("piece", type=int)
    shown = next((d for d in uploaded if d.id == chosen), uploaded[0] if uploaded else None)
    return render_template(
        "screening/file.html", application=application, assessment=assessment, checks=checks,
        show_identity=show_identity, form=form, paper_form=paper_form, action_form=ActionForm(),
        sex_labels=SEX_LABELS, slots=slots, shown=shown, notes=queries.decision_notes(application),
        recipient=services.recipient(application), channels=services.reachable_by(application),
        messages=messages_for_application(application.id),
        next_id=services.next_in_queue(application) if application.status == "submitted" else None,
        age=age_on(application.birth_date, application.campaign.reference_date) if application.birth_date else None,
        earlier=lookup("earlier_scholar")(application.id),
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
    # From the journal (audit/index.html), the event whose masked numbers led here is kept.
    from_event = request.form.get("evenement", type=int)
    if not act(lambda: services.record_identity_view(application, acting_user(), ip=_ip(), from_event=from_event)):
        return _to_file(application_id)  # shown only once the display is in the journal
    return _render_file(application, show_identity=True)


@bp.get("/<int:application_id>/pieces/<int:document_id>")
@role_required("manager", "amci")
def document(application_id: int, document_id: int):
    if acting_user().role == "amci" and not lookup("is_nominated")(application_id):
        abort(404)  # the AMCI reads the files of nominated candidates only
    doc = services.document_for(application_id, document_id)
    path = storage.existing(current_app.config["UPLOAD_DIR"], doc.stored_name)
    if path is None:
        abort(404)
    if not act(lambda: services.record_document_view(doc, acting_user(), ip=_ip())):
        return _to_file(application_id)
    return frameable(private_file(path, doc, inline=True))  # shown in the screening page's viewer


@bp.post("/<int:application_id>/decision")
@role_required("manager")
def decide(application_id: int):
    application = _load(application_id)
    form = DecisionForm()
    form.set_reasons(services.active_reasons())
    if not form.validate_on_submit():
        return _render_file(application, form=form, status=400)
    done = act(lambda: services.decide(application.id, form.version.data, form.decision.data, acting_user(),
                                       reason_id=form.reason.data, comment=form.comment.data,
                                       override_reason=form.override_reason.data, ip=_ip()), form)
    if done:
        flash(_decided_message(done.value), "success")
        next_id = services.next_in_queue(done.value.application)
        if next_id is not None:
            return redirect(url_for("screening.file", application_id=next_id))
        flash(_("Plus aucun dossier n'attend d'examen dans cette campagne."), "info")
        return redirect(url_for("screening.queue", campaign=application.campaign_id))
    if isinstance(done.error, ValidationFailed):
        return _render_file(_load(application_id), form=form, status=400)
    if done.conflict:
        return _render_file(_load(application_id), status=409)
    return _to_file(application_id)


def _decided_message(decided) -> str:
    """What the decision did, told honestly: a message was written for the candidate, or
    nothing was sent and the manager is given the phone number to call."""
    label = _(services.DECISIONS[decided.decision.decision])
    reference = decided.application.reference
    if decided.message:
        to = ", ".join(m.to_phone if m is decided.message.sms else m.to_email for m in decided.message.messages)
        return _("Décision enregistrée pour %(ref)s : %(label)s. Le candidat est %(said)s (%(to)s).",
                 ref=reference, label=label, said=decided.message.said, to=to)
    if decided.phone:
        return _("Décision enregistrée pour %(ref)s : %(label)s. Aucun message n'a été envoyé : le candidat n'a "
                 "ni adresse e-mail ni numéro de mobile valide. Prévenez-le par téléphone au %(phone)s.",
                 ref=reference, label=label, phone=decided.phone)
    return _("Décision enregistrée pour %(ref)s : %(label)s. Aucun message n'a été envoyé : le dossier n'a ni "
             "adresse e-mail ni téléphone. Prévenez le candidat par courrier ou par sa direction régionale.",
             ref=reference, label=label)


@bp.post("/<int:application_id>/pieces-papier")
@role_required("manager")
def record_paper(application_id: int):
    application = _load(application_id)
    form = PaperDocumentForm()
    form.set_types(services.document_slots(application))
    if form.validate_on_submit() and act(
            lambda: services.record_paper_document(application.id, form.document_type.data, acting_user(),
                                                   note=form.note.data, ip=_ip()),
            form, success=_("Pièce enregistrée comme reçue sur papier.")):
        return redirect(url_for("screening.file", application_id=application_id) + "#h-docs")
    return _render_file(_load(application_id), paper_form=form, status=400)


@bp.post("/<int:application_id>/pieces-papier/<int:paper_id>/annuler")
@role_required("manager")
def cancel_paper(application_id: int, paper_id: int):
    _load(application_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    act(lambda: services.cancel_paper_document(application_id, paper_id, acting_user(), ip=_ip()),
        success=_("L'enregistrement de la pièce reçue sur papier est annulé."))
    return redirect(url_for("screening.file", application_id=application_id) + "#h-docs")


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
        result = done.value
        flash(ngettext("%(num)d dossier déclaré recevable.", "%(num)d dossiers déclarés recevables.",
                       len(result.done)), "success")
        if result.notified:
            flash(ngettext("%(num)d candidat prévenu (SMS ou e-mail).", "%(num)d candidats prévenus (SMS ou e-mail).",
                           len(result.notified)), "success")
        if result.not_notified:
            flash(ngettext("Aucun message envoyé à %(num)d candidat sans e-mail ni mobile valide : prévenez-le par "
                           "téléphone (%(who)s).",
                           "Aucun message envoyé à %(num)d candidats sans e-mail ni mobile valide : prévenez-les par "
                           "téléphone (%(who)s).",
                           len(result.not_notified),
                           who=", ".join(f"{a.reference} : {a.phone or _('pas de téléphone')}" for a in result.not_notified)),
                  "warning")
        if result.skipped:
            flash(ngettext("%(num)d dossier non traité : contrôles automatiques non satisfaits, avertissement à "
                           "vérifier ou dossier déjà examiné (%(refs)s).",
                           "%(num)d dossiers non traités : contrôles automatiques non satisfaits, avertissement à "
                           "vérifier ou dossier déjà examiné (%(refs)s).",
                           len(result.skipped), refs=", ".join(a.reference or str(a.id) for a in result.skipped)),
                  "warning")
    return redirect(url_for("screening.queue", campaign=campaign_id))
