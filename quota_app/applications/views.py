"""The applicant's space (/candidat): campaign page, draft steps, documents, submission,
receipt, withdrawal, personal data (the placement answer is placement/views.py; its offer
shows here through the "live_placement" lookup that placement registers).

Thin views: read the form, call one service through `act` (one commit; a refusal rolled back
and shown in French), redirect. Another person's ids give 404, exactly like missing ones.
"""
import json
from functools import partial

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from .. import viewhelpers
from ..campaigns.kinds import kind_of
from ..campaigns.selection import open_campaigns, published_campaign
from ..permissions import role_required
from ..registry import lookup
from ..timeutil import utcnow
from ..viewhelpers import acting_user, private_file
from . import display, eligibility, queries, services, storage
from .filetypes import format_megabytes, format_size
from .models import SEX_LABELS

bp = Blueprint("applications", __name__)

# To an applicant, a uniqueness clash and a concurrent change read the same: reload, start again.
act = partial(viewhelpers.act, clash=services.CONCURRENT_CHANGE, stale=services.CONCURRENT_CHANGE)


def _own(application_id):
    return services.own_application(acting_user(), application_id)


def _to_summary(application_id):
    return redirect(url_for(".summary", application_id=application_id))


@bp.get("/")
@role_required("applicant")
def home():
    applications = services.user_applications(acting_user())
    now = utcnow()
    return render_template("applications/home.html", applications=applications,
                           campaigns=open_campaigns(by="opens_at"),
                           placements={a.id: lookup("live_placement")(a) for a in applications},
                           closed={a.id: services.closed_message(a.campaign, now) for a in applications
                                   if a.status == "draft"},
                           what_next=lambda a: services.what_next(a, now),
                           timeline=services.timeline, can_withdraw=services.can_withdraw)


@bp.get("/campagne/<int:campaign_id>")
def campaign(campaign_id):
    item = published_campaign(campaign_id)
    return render_template("applications/campaign.html", campaign=item,
                           documents=services.campaign_document_types(item),
                           is_open=services.window_open(item, utcnow()),
                           levels=display.levels_of(item.offers), label=services.offer_label,
                           condition_note=eligibility.document_condition_note)


@bp.post("/campagne/<int:campaign_id>/postuler")
@role_required("applicant")
def apply(campaign_id):
    item = published_campaign(campaign_id)
    done = act(lambda: services.start_application(acting_user(), item))
    if not done:
        return redirect(url_for(".campaign", campaign_id=campaign_id))
    application, created = done.value
    if created:
        flash("Votre dossier est créé. Remplissez les étapes dans l'ordre.", "success")
    if application.status != "draft":
        return _to_summary(application.id)
    return redirect(url_for(".step", application_id=application.id, step="identite"))


# --- the draft's steps: one service and one set of menus each ----------------------------

def _step_names(application) -> list[str]:
    return [name for name, _label in services.steps_for(application.campaign)]


def _fields(save):
    return lambda user, application, form, now: save(user, application, form.to_dict(), now=now)


# The service of each step that has a form, given the posted form (the choices are a ranked list).
STEP_SAVERS = {
    "identite": _fields(services.save_identity),
    "contact": _fields(services.save_contact),
    "parcours": _fields(services.save_schooling),
    "emploi": _fields(services.save_employment),
    "choix": lambda user, application, form, now: services.save_choices(user, application, form.getlist("choice"),
                                                                        now=now),
    "motivation": _fields(services.save_motivation),
}


def _documents_context(application):
    return {"needs": services.document_needs(application),
            "uploaded": {d.document_type_id: d for d in application.documents},
            "max_size": format_megabytes(current_app.config["MAX_UPLOAD_BYTES"]), "size": format_size}


# What each step's page shows besides the file itself.
STEP_CONTEXT = {
    "contact": lambda application: {"regions": queries.active_regions()},
    "emploi": lambda application: {"employers": queries.active_employers()},
    "parcours": lambda application: {"diplomas": queries.active_diplomas(), "series": queries.active_series()},
    "choix": lambda application: {"offers": services.allowed_offers(application), "label": services.offer_label,
                                  "needs_diploma": kind_of(application.campaign).has_rule("diploma"),
                                  "max_choices": services.MAX_CHOICES, "levels": display.levels_of(
                                      services.allowed_offers(application))},
    "identite": lambda application: {"warnings": services.warnings_of(application)},
    "motivation": lambda application: {"min_len": services.MOTIVATION_MIN, "max_len": services.MOTIVATION_MAX},
    "pieces": _documents_context,
}


# The element each step's error message is linked to in the error summary (by default the
# field of the same name).
ERROR_TARGETS = {"sex": "sex-M", "choices": "choice-1"}


def _render_step(application, step, errors=None, values=None, status=200):
    extra = STEP_CONTEXT[step](application) if step in STEP_CONTEXT else {}
    return render_template("applications/step.html", application=application, step=step,
                           steps=services.steps_for(application.campaign),
                           sexes=SEX_LABELS, errors=errors or {}, values=values, targets=ERROR_TARGETS,
                           **extra), status


def _after(application_id, step):
    """The next step, or the summary after the last one."""
    names = _step_names(_own(application_id))
    index = names.index(step) + 1
    if index < len(names):
        return redirect(url_for(".step", application_id=application_id, step=names[index]))
    return _to_summary(application_id)


def _save_step(application, step):
    application_id, errors = application.id, {}
    clash = services.DUPLICATE_IDENTITY if step == "identite" else services.CONCURRENT_CHANGE
    done = act(lambda: STEP_SAVERS[step](acting_user(), application, request.form, utcnow()), errors,
               clash=clash, success="Étape enregistrée.")
    if done:
        return _after(application_id, step)
    if errors:  # the page again: the error summary at the top, each message by its field
        return _render_step(_own(application_id), step, errors=errors, values=request.form, status=422)
    if done.conflict:
        return redirect(url_for(".step", application_id=application_id, step=step))
    return _to_summary(application_id)


@bp.route("/dossier/<int:application_id>/etape/<step>", methods=["GET", "POST"])
@role_required("applicant")
def step(application_id, step):
    application = _own(application_id)
    if step not in _step_names(application):
        abort(404)
    if application.status != "draft":
        flash(services.NOT_EDITABLE, "info")
        return _to_summary(application.id)
    if services.closed_message(application.campaign, utcnow()):  # the summary says the call is closed
        return _to_summary(application.id)
    if request.method == "POST" and step in STEP_SAVERS:
        return _save_step(application, step)
    return _render_step(application, step)


# --- documents ----------------------------------------------------------------------------

def _pieces(application_id, code=302):
    return redirect(url_for(".step", application_id=application_id, step="pieces"), code)


def _remove_orphan(upload_dir, done) -> None:
    """After an upload the database names one file: remove the other one, the replaced file
    when the commit is done, the new one when it failed."""
    if done.value is not None:
        new_name, replaced = done.value
        orphan = replaced if done else new_name
        if orphan:
            storage.delete(upload_dir, orphan)


def _stream_size(file) -> int | None:
    """The uploaded file's whole size, read from its spooled stream without loading it."""
    try:
        position = file.stream.tell()
        file.stream.seek(0, 2)
        size = file.stream.tell()
        file.stream.seek(position)
        return size
    except (AttributeError, OSError, ValueError):  # pragma: no cover - werkzeug streams seek
        return None


@bp.post("/dossier/<int:application_id>/pieces")
@role_required("applicant")
def upload(application_id):
    application = _own(application_id)
    limit, upload_dir = current_app.config["MAX_UPLOAD_BYTES"], current_app.config["UPLOAD_DIR"]
    try:
        file = request.files.get("file")
    except RequestEntityTooLarge:  # over the whole request's cap: the file's size is about the body's
        flash(f"Le fichier est trop lourd (environ {format_size(request.content_length or 0)}) : la taille "
              f"maximale est {format_megabytes(limit)}. Réduisez la photo ou le scan, puis réessayez.", "error")
        return _pieces(application_id, 303)
    content = file.read(limit + 1) if file else b""
    size = _stream_size(file) if file and len(content) > limit else None

    def store():
        document, replaced = services.upload_document(
            acting_user(), application, request.form.get("document_type_id"), content,
            file.filename if file else None, upload_dir, limit, size=size, now=utcnow())
        return document.stored_name, replaced

    _remove_orphan(upload_dir, act(store, success="Pièce enregistrée."))
    return _pieces(application_id, 303)


@bp.route("/dossier/<int:application_id>/pieces/<int:document_id>/supprimer", methods=["GET", "POST"])
@role_required("applicant")
def remove_document(application_id, document_id):
    """GET: the confirmation page (no JavaScript needed); POST: the document is removed."""
    application = _own(application_id)
    document = services.own_document(acting_user(), application, document_id)
    if request.method == "GET":
        if application.status != "draft" or services.closed_message(application.campaign, utcnow()):
            return _to_summary(application_id)
        return render_template("applications/remove_document.html", application=application, document=document,
                               size=format_size)
    done = act(lambda: services.remove_document(acting_user(), application, document, now=utcnow()),
               success="Pièce retirée.")
    if done:
        storage.delete(current_app.config["UPLOAD_DIR"], done.value)
    elif not done.conflict:
        return _to_summary(application_id)
    return _pieces(application_id, 303)


@bp.get("/pieces/<int:document_id>")
@role_required("applicant")
def document(document_id):
    """The file itself, for its owner only: the staff open it through the screening desk's
    route, which records every look in the audit trail."""
    item = queries.viewable_document(acting_user(), document_id)
    path = storage.existing(current_app.config["UPLOAD_DIR"], item.stored_name)
    if path is None:
        abort(404)
    return private_file(path, item)


# --- submission and after -----------------------------------------------------------------

@bp.get("/dossier/<int:application_id>")
@role_required("applicant")
def summary(application_id):
    application = _own(application_id)
    now = utcnow()
    checks = services.failed_first(services.checks_for(application, now=now))
    closed = services.closed_message(application.campaign, now) if application.status == "draft" else None
    return render_template("applications/summary.html", application=application, checks=checks,
                           failed=[c for c in checks if not c.ok], check_step=services.check_step,
                           warnings=services.warnings_of(application, now.date()), closed=closed,
                           missing=services.missing_steps(application),
                           steps=services.steps_for(application.campaign),
                           step_names=dict(services.steps_for(application.campaign)), country=display.country_name,
                           kind=kind_of(application.campaign),
                           decimal=display.decimal_fr, label=services.offer_label,
                           can_withdraw=services.can_withdraw(application),
                           placement=lookup("live_placement")(application))


@bp.post("/dossier/<int:application_id>/soumettre")
@role_required("applicant")
def submit(application_id):
    application = _own(application_id)

    # The receipt is sealed after the commit (applications/tasks.py), not in this request.
    done = act(lambda: services.submit(acting_user(), application))
    if done.conflict:
        # Changed by another request meanwhile (rolled back): the file as it is now, in 409.
        return summary(application_id), 409
    if not done:
        return _to_summary(application_id)
    if done.value:
        flash("Votre dossier est soumis. Un courriel de confirmation vous a été envoyé.", "success")
    else:
        flash("Ce dossier a déjà été soumis : rien n'a été modifié.", "info")
    return redirect(url_for(".receipt", application_id=application_id))


@bp.get("/dossier/<int:application_id>/recepisse")
@role_required("applicant")
def receipt(application_id):
    """The receipt's page; ?format=pdf its sealed PDF (one address, the same access: its owner,
    once the file is submitted)."""
    application = _own(application_id)
    if application.submitted_at is None:
        abort(404)
    if request.args.get("format") == "pdf":
        return _receipt_pdf(application)
    return render_template("applications/receipt.html", application=application, label=services.offer_label,
                           receipt=services.receipt_data(application), document=services.receipt_of(application),
                           timeline=services.timeline, next=services.what_next(application),
                           country=display.country_name)


def _receipt_pdf(application):
    """The sealed PDF récépissé; sealed now for a file submitted before receipts were sealed."""
    application_id = application.id
    document = services.receipt_of(application)
    if document is None:
        done = act(lambda: services.issue_receipt(acting_user(), application, now=application.submitted_at))
        if not done:
            return redirect(url_for(".receipt", application_id=application_id))
        document = done.value
    filename = f"recepisse-{application.reference}.pdf"
    return Response(document.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@bp.route("/dossier/<int:application_id>/retirer", methods=["GET", "POST"])
@role_required("applicant")
def withdraw(application_id):
    application = _own(application_id)
    if request.method == "POST":
        act(lambda: services.withdraw(acting_user(), application), success="Votre dossier est retiré.")
        return redirect(url_for(".home"))
    if not services.can_withdraw(application):
        flash("Il n'est plus possible de retirer ce dossier.", "error")
        return redirect(url_for(".home"))
    return render_template("applications/withdraw.html", application=application)


# --- personal data ------------------------------------------------------------------------

@bp.route("/mes-donnees", methods=["GET", "POST"])
@role_required("applicant")
def my_data():
    errors = {}
    if request.method == "POST":
        application = _own(request.form.get("application_id", type=int))
        if act(lambda: services.request_correction(acting_user(), application, request.form.get("text", "")), errors,
               success="Votre demande de correction est enregistrée : la DNFP vous répondra.") or not errors:
            return redirect(url_for(".my_data"))
    return render_template("applications/my_data.html", applications=services.user_applications(acting_user()),
                           errors=errors), (422 if errors else 200)


@bp.get("/mes-donnees.json")
@role_required("applicant")
def my_data_json():
    body = json.dumps(services.personal_data(acting_user()), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="mes-donnees.json"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
