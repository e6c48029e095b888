"""The applicant's space (/candidat): campaign page, draft steps, documents, submission,
receipt, withdrawal, personal data (the placement answer is placement/views.py; its offer
shows here through the "live_placement" lookup that placement registers).

Thin views: read the form, call one service through `act` (one commit; a refusal rolled back
and shown in French), redirect. Another person's ids give 404, exactly like missing ones.
"""
import json
from functools import partial

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for

from .. import viewhelpers
from ..campaigns.selection import open_campaigns, published_campaign
from ..permissions import role_required
from ..registry import lookup
from ..timeutil import utcnow
from ..viewhelpers import acting_user, private_file
from . import queries, services, storage
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
    return render_template("applications/home.html", applications=applications,
                           campaigns=open_campaigns(by="opens_at"),
                           placements={a.id: lookup("live_placement")(a) for a in applications},
                           timeline=services.timeline, can_withdraw=services.can_withdraw)


@bp.get("/campagne/<int:campaign_id>")
def campaign(campaign_id):
    item = published_campaign(campaign_id)
    return render_template("applications/campaign.html", campaign=item,
                           documents=services.campaign_document_types(item),
                           is_open=services.window_open(item, utcnow()),
                           label=services.offer_label)


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

STEP_NAMES = [name for name, _label in services.STEPS]


def _fields(save):
    return lambda user, application, form: save(user, application, form.to_dict())


# The service of each step that has a form, given the posted form (the choices are a ranked list).
STEP_SAVERS = {
    "identite": _fields(services.save_identity),
    "contact": _fields(services.save_contact),
    "parcours": _fields(services.save_schooling),
    "choix": lambda user, application, form: services.save_choices(user, application, form.getlist("choice")),
    "motivation": _fields(services.save_motivation),
}


def _documents_context(application):
    return {"documents": services.campaign_document_types(application.campaign),
            "uploaded": {d.document_type_id: d for d in application.documents},
            "max_mb": current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)}


# What each step's page shows besides the file itself.
STEP_CONTEXT = {
    "contact": lambda application: {"regions": queries.active_regions()},
    "parcours": lambda application: {"diplomas": queries.active_diplomas(), "series": queries.active_series()},
    "choix": lambda application: {"offers": services.allowed_offers(application), "label": services.offer_label,
                                  "max_choices": services.MAX_CHOICES},
    "motivation": lambda application: {"min_len": services.MOTIVATION_MIN, "max_len": services.MOTIVATION_MAX},
    "pieces": _documents_context,
}


def _render_step(application, step, errors=None, values=None, status=200):
    extra = STEP_CONTEXT[step](application) if step in STEP_CONTEXT else {}
    return render_template("applications/step.html", application=application, step=step, steps=services.STEPS,
                           sexes=SEX_LABELS, errors=errors or {}, values=values, **extra), status


def _after(application_id, step):
    """The next step, or the summary after the last one."""
    index = STEP_NAMES.index(step) + 1
    if index < len(STEP_NAMES):
        return redirect(url_for(".step", application_id=application_id, step=STEP_NAMES[index]))
    return _to_summary(application_id)


def _save_step(application, step):
    application_id, errors = application.id, {}
    clash = services.DUPLICATE_IDENTITY if step == "identite" else services.CONCURRENT_CHANGE
    done = act(lambda: STEP_SAVERS[step](acting_user(), application, request.form), errors, clash=clash,
               success="Étape enregistrée.")
    if done:
        return _after(application_id, step)
    if errors:  # the page again, each message by its field
        flash("Le formulaire contient des erreurs : corrigez les champs signalés.", "error")
        return _render_step(_own(application_id), step, errors=errors, values=request.form, status=422)
    if done.conflict:
        return redirect(url_for(".step", application_id=application_id, step=step))
    return _to_summary(application_id)


@bp.route("/dossier/<int:application_id>/etape/<step>", methods=["GET", "POST"])
@role_required("applicant")
def step(application_id, step):
    application = _own(application_id)
    if step not in STEP_NAMES:
        abort(404)
    if application.status != "draft":
        flash(services.NOT_EDITABLE, "info")
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


@bp.post("/dossier/<int:application_id>/pieces")
@role_required("applicant")
def upload(application_id):
    application = _own(application_id)
    file = request.files.get("file")
    limit, upload_dir = current_app.config["MAX_UPLOAD_BYTES"], current_app.config["UPLOAD_DIR"]
    content = file.read(limit + 1) if file else b""

    def store():
        document, replaced = services.upload_document(
            acting_user(), application, request.form.get("document_type_id"), content,
            file.filename if file else None, upload_dir, limit)
        return document.stored_name, replaced

    _remove_orphan(upload_dir, act(store, success="Pièce enregistrée."))
    return _pieces(application_id, 303)


@bp.post("/dossier/<int:application_id>/pieces/<int:document_id>/supprimer")
@role_required("applicant")
def remove_document(application_id, document_id):
    application = _own(application_id)
    document = services.own_document(acting_user(), application, document_id)
    done = act(lambda: services.remove_document(acting_user(), application, document), success="Pièce retirée.")
    if done:
        storage.delete(current_app.config["UPLOAD_DIR"], done.value)
    elif not done.conflict:
        return _to_summary(application_id)
    return _pieces(application_id)


@bp.get("/pieces/<int:document_id>")
@role_required("applicant", "manager", "amci")
def document(document_id):
    """The file itself, for its owner, managers and AMCI officers only."""
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
    checks = services.checks_for(application, now=utcnow())
    return render_template("applications/summary.html", application=application, checks=checks,
                           missing=services.missing_steps(application), steps=services.STEPS,
                           label=services.offer_label, can_withdraw=services.can_withdraw(application),
                           placement=lookup("live_placement")(application))


@bp.post("/dossier/<int:application_id>/soumettre")
@role_required("applicant")
def submit(application_id):
    application = _own(application_id)
    done = act(lambda: services.submit(acting_user(), application))
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
    application = _own(application_id)
    if application.submitted_at is None:
        abort(404)
    return render_template("applications/receipt.html", application=application, label=services.offer_label)


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
