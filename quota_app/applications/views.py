"""The applicant's space (/candidat): campaign page, draft steps, documents, submission,
receipt, withdrawal, placement answer, personal data.

Thin views: read the form, call a service, commit once, flash a French message. Another
person's ids give 404, exactly like missing ones.
"""
import json

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..campaigns.models import Campaign
from ..errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..permissions import can_view_application, role_required
from ..reference.models import Diploma, Region, Series
from ..timeutil import utcnow
from . import services, storage
from .models import SEX_LABELS, ApplicationDocument

bp = Blueprint("applications", __name__)

STEP_ENDPOINTS = dict(services.STEPS)


def _user():
    return current_user._get_current_object()


def _own(application_id):
    return services.own_application(_user(), application_id)


def _commit_or_conflict(duplicate_message: str = services.CONCURRENT_CHANGE) -> bool:
    """Commit; a uniqueness clash or a concurrent change is rolled back with a French message."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        flash(duplicate_message, "error")
    except StaleDataError:
        db.session.rollback()
        flash(services.CONCURRENT_CHANGE, "error")
    return False


@bp.get("/")
@role_required("applicant")
def home():
    applications = services.user_applications(_user())
    campaigns = db.session.scalars(select(Campaign).where(Campaign.phase == "open").order_by(Campaign.opens_at)).all()
    placements = {a.id: services.live_placement(a) for a in applications}
    return render_template("applications/home.html", applications=applications, campaigns=campaigns,
                           placements=placements, timeline=services.timeline,
                           can_withdraw=services.can_withdraw)


@bp.get("/campagne/<int:campaign_id>")
def campaign(campaign_id):
    item = db.get_or_404(Campaign, campaign_id)
    if item.phase == "draft":
        abort(404)
    return render_template("applications/campaign.html", campaign=item,
                           documents=services.campaign_document_types(item),
                           is_open=services.window_open(item, utcnow()),
                           label=services.offer_label)


@bp.post("/campagne/<int:campaign_id>/postuler")
@role_required("applicant")
def apply(campaign_id):
    item = db.get_or_404(Campaign, campaign_id)
    if item.phase == "draft":
        abort(404)
    try:
        application, created = services.start_application(_user(), item)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".campaign", campaign_id=item.id))
    if not _commit_or_conflict():
        return redirect(url_for(".campaign", campaign_id=item.id))
    if created:
        flash("Votre dossier est créé. Remplissez les étapes dans l'ordre.", "success")
    if application.status != "draft":
        return redirect(url_for(".summary", application_id=application.id))
    return redirect(url_for(".step", application_id=application.id, step="identite"))


def _step_context(application, step):
    ctx = {"application": application, "step": step, "steps": services.STEPS, "sexes": SEX_LABELS}
    if step == "contact":
        ctx["regions"] = db.session.scalars(select(Region).where(Region.active.is_(True)).order_by(Region.code)).all()
    elif step == "parcours":
        ctx["diplomas"] = db.session.scalars(select(Diploma).where(Diploma.active.is_(True)).order_by(Diploma.rank)).all()
        ctx["series"] = db.session.scalars(select(Series).where(Series.active.is_(True)).order_by(Series.code)).all()
    elif step == "choix":
        ctx["offers"] = services.allowed_offers(application)
        ctx["label"] = services.offer_label
        ctx["max_choices"] = services.MAX_CHOICES
    elif step == "motivation":
        ctx["min_len"], ctx["max_len"] = services.MOTIVATION_MIN, services.MOTIVATION_MAX
    elif step == "pieces":
        ctx["documents"] = services.campaign_document_types(application.campaign)
        ctx["uploaded"] = {d.document_type_id: d for d in application.documents}
        ctx["max_mb"] = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
    return ctx


@bp.route("/dossier/<int:application_id>/etape/<step>", methods=["GET", "POST"])
@role_required("applicant")
def step(application_id, step):
    application = _own(application_id)
    if step not in STEP_ENDPOINTS:
        abort(404)
    if application.status != "draft":
        flash(services.NOT_EDITABLE, "info")
        return redirect(url_for(".summary", application_id=application.id))
    errors, values = {}, request.form
    if request.method == "POST" and step != "pieces":
        user = _user()
        try:
            if step == "identite":
                services.save_identity(user, application, request.form.to_dict())
            elif step == "contact":
                services.save_contact(user, application, request.form.to_dict())
            elif step == "parcours":
                services.save_schooling(user, application, request.form.to_dict())
            elif step == "choix":
                services.save_choices(user, application, request.form.getlist("choice"))
            elif step == "motivation":
                services.save_motivation(user, application, request.form.to_dict())
        except ValidationFailed as error:
            db.session.rollback()
            errors = error.errors or {"_": error.message}
            flash("Le formulaire contient des erreurs : corrigez les champs signalés.", "error")
            application = _own(application_id)
            return render_template("applications/step.html", errors=errors, values=values,
                                   **_step_context(application, step)), 422
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".summary", application_id=application_id))
        if _commit_or_conflict(services.DUPLICATE_IDENTITY if step == "identite" else services.CONCURRENT_CHANGE):
            flash("Étape enregistrée.", "success")
            names = [s for s, _label in services.STEPS]
            index = names.index(step)
            if index + 1 < len(names):
                return redirect(url_for(".step", application_id=application_id, step=names[index + 1]))
            return redirect(url_for(".summary", application_id=application_id))
        return redirect(url_for(".step", application_id=application_id, step=step))
    return render_template("applications/step.html", errors=errors, values=None,
                           **_step_context(application, step))


@bp.post("/dossier/<int:application_id>/pieces")
@role_required("applicant")
def upload(application_id):
    application = _own(application_id)
    file = request.files.get("file")
    content = file.read(current_app.config["MAX_UPLOAD_BYTES"] + 1) if file else b""
    upload_dir = current_app.config["UPLOAD_DIR"]
    try:
        document, replaced = services.upload_document(
            _user(), application, request.form.get("document_type_id"), content,
            file.filename if file else None, upload_dir, current_app.config["MAX_UPLOAD_BYTES"])
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".step", application_id=application_id, step="pieces")), 303
    new_name = document.stored_name
    if _commit_or_conflict():
        if replaced:
            storage.delete(upload_dir, replaced)
        flash("Pièce enregistrée.", "success")
    else:
        storage.delete(upload_dir, new_name)
    return redirect(url_for(".step", application_id=application_id, step="pieces")), 303


@bp.post("/dossier/<int:application_id>/pieces/<int:document_id>/supprimer")
@role_required("applicant")
def remove_document(application_id, document_id):
    application = _own(application_id)
    try:
        document = services.own_document(_user(), application, document_id)
        stored = services.remove_document(_user(), application, document)
    except NotFound:
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".summary", application_id=application_id))
    if _commit_or_conflict():
        storage.delete(current_app.config["UPLOAD_DIR"], stored)
        flash("Pièce retirée.", "success")
    return redirect(url_for(".step", application_id=application_id, step="pieces"))


@bp.get("/pieces/<int:document_id>")
@role_required("applicant", "manager", "amci")
def document(document_id):
    """The file itself, for its owner, managers and AMCI officers only."""
    item = db.session.get(ApplicationDocument, document_id)
    if item is None or not can_view_application(_user(), item.application):
        abort(404)
    try:
        path = storage.path_of(current_app.config["UPLOAD_DIR"], item.stored_name)
    except ValueError:
        abort(404)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=item.content_type, as_attachment=True,
                         download_name=item.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/dossier/<int:application_id>")
@role_required("applicant")
def summary(application_id):
    application = _own(application_id)
    checks = services.checks_for(application, now=utcnow())
    return render_template("applications/summary.html", application=application, checks=checks,
                           missing=services.missing_steps(application), steps=services.STEPS,
                           label=services.offer_label, can_withdraw=services.can_withdraw(application),
                           placement=services.live_placement(application))


@bp.post("/dossier/<int:application_id>/soumettre")
@role_required("applicant")
def submit(application_id):
    application = _own(application_id)
    try:
        submitted = services.submit(_user(), application)
    except InvalidTransition as error:
        db.session.rollback()
        flash(error.message, "error")
        for reason in error.reasons:
            flash(reason, "error")
        return redirect(url_for(".summary", application_id=application_id))
    if not _commit_or_conflict():
        return redirect(url_for(".summary", application_id=application_id))
    if submitted:
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
        try:
            services.withdraw(_user(), application)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".home"))
        if _commit_or_conflict():
            flash("Votre dossier est retiré.", "success")
        return redirect(url_for(".home"))
    if not services.can_withdraw(application):
        flash("Il n'est plus possible de retirer ce dossier.", "error")
        return redirect(url_for(".home"))
    return render_template("applications/withdraw.html", application=application)


@bp.route("/affectation/<int:placement_id>", methods=["GET", "POST"])
@role_required("applicant")
def placement(placement_id):
    item = services.own_placement(_user(), placement_id)
    if request.method == "POST":
        answer = request.form.get("answer")
        try:
            if answer == "accept":
                services.accept_placement(_user(), item)
            elif answer == "decline":
                services.decline_placement(_user(), item)
            else:
                raise ValidationFailed("Choisissez d'accepter ou de refuser la place.")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for(".placement", placement_id=placement_id))
        if _commit_or_conflict():
            flash("Votre réponse est enregistrée.", "success")
        return redirect(url_for(".home"))
    return render_template("applications/placement.html", placement=item, label=services.offer_label)


@bp.route("/mes-donnees", methods=["GET", "POST"])
@role_required("applicant")
def my_data():
    applications = services.user_applications(_user())
    errors = {}
    if request.method == "POST":
        try:
            application = services.own_application(_user(), request.form.get("application_id", type=int))
            services.request_correction(_user(), application, request.form.get("text", ""))
        except NotFound:
            abort(404)
        except ValidationFailed as error:
            db.session.rollback()
            errors = error.errors
        else:
            if _commit_or_conflict():
                flash("Votre demande de correction est enregistrée : la DNFP vous répondra.", "success")
            return redirect(url_for(".my_data"))
    return render_template("applications/my_data.html", applications=applications, errors=errors), (422 if errors else 200)


@bp.get("/mes-donnees.json")
@role_required("applicant")
def my_data_json():
    data = services.personal_data(_user())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="mes-donnees.json"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
