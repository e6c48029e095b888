"""Import pages: upload → dry-run preview → confirm; templates; error reports.

Managers run every import; AMCI officers only the follow-up (services.KINDS_BY_ROLE). A role
that uploads from its own pages (committee members: their score sheet) reaches a run's
preview, confirmation and report here, and only its own runs (permissions.IMPORT_RUNS_OWN_ONLY).
Thin views: read the form, call imports.services, commit once, flash a French message.
"""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, NotFound
from ..extensions import db
from ..permissions import HOME_ENDPOINTS, may_see_import_run, role_required
from ..registry import lookup
from ..uploads_names import display_name
from ..viewhelpers import acting_user
from . import services, tasks
from .common import MAX_ERRORS_SHOWN, written_count
from .models import ImportRun

bp = Blueprint("imports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


def _campaigns():
    return lookup("campaigns")()


def _kinds() -> tuple[str, ...]:
    return services.kinds_for(current_user.role)


def _run_or_404(run_id: int) -> ImportRun:
    run = services.get_run(run_id)
    if run.kind not in _kinds():
        abort(403)
    if not may_see_import_run(current_user, run):
        abort(404)  # another person's run looks like a missing one
    return run


def _home_url() -> str:
    """The imports page for the roles that use it, else the role's own home (where it uploads)."""
    if current_user.role in getattr(home, "allowed_roles", ()):
        return url_for("imports.home")
    return url_for(HOME_ENDPOINTS.get(current_user.role, "main.index"))


def _home_label() -> str:
    return _("Imports Excel") if current_user.role in getattr(home, "allowed_roles", ()) else _("Retour")


RUN_ROLES = ("manager", "amci", "committee")


@bp.route("/", methods=["GET", "POST"])
@role_required("manager", "amci")
def home():
    campaigns = _campaigns()
    kinds = _kinds()
    if request.method == "POST":
        kind = request.form.get("kind", "")
        campaign = lookup("campaign")(request.form.get("campaign_id", type=int) or 0)
        upload = request.files.get("file")
        if kind not in kinds or campaign is None:
            flash(_("Choisissez la campagne et le type d'import."), "error")
        elif upload is None or not upload.filename:
            flash(_("Choisissez un fichier Excel (.xlsx) à importer."), "error")
        else:
            data = upload.read()
            filename = display_name(upload.filename, services.DEFAULT_NAME)
            stored = services.store_upload(data)
            actor = acting_user()
            if services.is_big(data):
                job = tasks.queue_import(actor, kind, campaign, stored, filename, commit=False)
                flash(_("Le fichier est volumineux : l'analyse se poursuit en arrière-plan."), "info")
                return redirect(url_for("jobs.show", job_id=job.id))
            result = services.run_import(kind, campaign, data, filename, actor, commit=False,
                                         stored_name=stored)
            db.session.commit()
            return redirect(url_for("imports.run", run_id=result.run.id))
    runs = db.session.execute(select(ImportRun).where(ImportRun.kind.in_(kinds))
                              .order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
                              .limit(20)).scalars().all()
    return render_template("imports/home.html", campaigns=campaigns, runs=runs,
                           kinds={k: services.label(k) for k in kinds},
                           campaigns_by_id={c.id: c for c in campaigns})


@bp.get("/<int:run_id>")
@role_required(*RUN_ROLES)
def run(run_id: int):
    return _render_run(_run_or_404(run_id))


def _render_run(run: ImportRun, status: int = 200):
    """The run's page (a refused confirmation shows it again, in 409, with its message)."""
    campaign = services.campaign(run.campaign_id)
    result = None
    if run.status in ("dry_run", "rejected") and run.stored_name:
        try:
            result = services.analyse_run(run)
        except NotFound as error:
            flash(error.message, "error")
    confirmed = run.status == "dry_run" and services.already_confirmed(run)
    return render_template("imports/run.html", run=run, campaign=campaign, result=result, confirmed=confirmed,
                           kind_label=services.label(run.kind), max_errors=MAX_ERRORS_SHOWN,
                           outcome=services.run_outcome(run), written=written_count(run.counts),
                           home_url=_home_url(), home_label=_home_label()), status


def _corrections():
    """The conflicts whose file values the manager chose to apply: "all", row numbers, or None."""
    if request.form.get("apply_all"):
        return "all"
    rows = [value for value in request.form.getlist("apply") if value.isdigit()]
    return rows or None


@bp.post("/<int:run_id>/valider")
@role_required(*RUN_ROLES)
def confirm(run_id: int):
    run = _run_or_404(run_id)
    # Two clicks, two tabs, two managers: the run's row is locked, then everything is decided
    # from what the database holds once the other confirmation has committed (one import).
    services.lock_run(run)
    if run.status != "dry_run":
        flash(_("Cette simulation a déjà été validée ou refusée : déposez le fichier de nouveau."), "error")
        return redirect(url_for("imports.run", run_id=run.id))
    refusal = (services.ALREADY_CONFIRMED if services.already_confirmed(run)
               else services.CONFIRMING if services.confirmation_job(run) is not None else None)
    if refusal:
        db.session.rollback()  # releases the lock; nothing was written
        flash(_(refusal), "error")
        return _render_run(run, 409)
    campaign = services.campaign(run.campaign_id)
    try:
        data = services.load_upload(run.stored_name)
    except NotFound as error:
        flash(error.message, "error")
        return redirect(_home_url())
    actor = acting_user()
    corrections = _corrections()
    questions = (run.counts or {}).get("questions") or 0
    if questions and not request.form.get("columns_checked"):
        flash(_("Des colonnes du fichier n'ont pas été reconnues : cochez « J'ai vérifié les colonnes » "
                "pour importer sans elles, ou renommez leurs en-têtes et déposez le fichier de nouveau."),
              "error")
        return redirect(url_for("imports.run", run_id=run.id))
    if services.is_big(data):
        job = tasks.queue_import(actor, run.kind, campaign, run.stored_name, run.filename, commit=True,
                                 dry_run_id=run.id, corrections=corrections)
        flash(_("L'import se poursuit en arrière-plan."), "info")
        return redirect(url_for("jobs.show", job_id=job.id))
    try:
        result = services.run_import(run.kind, campaign, data, run.filename, actor, commit=True,
                                     stored_name=run.stored_name, corrections=corrections)
        if services.plan_changed(run, result):
            # What the user confirmed is not what would be written now: analyse again instead.
            db.session.rollback()
            fresh = services.run_import(run.kind, campaign, data, run.filename, actor, commit=False,
                                        stored_name=run.stored_name)
            db.session.commit()
            flash(_("Les données ont été modifiées depuis l'analyse ; rien n'a été enregistré. "
                    "Vérifiez cette nouvelle analyse puis validez de nouveau."), "error")
            return redirect(url_for("imports.run", run_id=fresh.run.id))
        db.session.commit()
    except (IntegrityError, Conflict) as clash:
        db.session.rollback()  # the same rows written meanwhile by another import or a person
        flash(_(clash.message if isinstance(clash, Conflict) else services.CLASH), "error")
        return _render_run(run, 409)
    if result.committed and services.written(result):
        flash(services.summary(result), "success")
    elif result.committed:
        flash(services.summary(result), "info")
    else:
        flash(_("Import refusé : le fichier contient des erreurs ; aucune donnée n'a été modifiée."), "error")
    return redirect(url_for("imports.run", run_id=result.run.id))


@bp.get("/<int:run_id>/rapport.xlsx")
@role_required(*RUN_ROLES)
def error_report(run_id: int):
    run = _run_or_404(run_id)
    result = services.analyse_run(run)
    return _xlsx(services.error_report_bytes(result), f"erreurs-import-{run.id}.xlsx")


@bp.get("/modele/<kind>/<int:campaign_id>")
@role_required("manager", "amci")
def template(kind: str, campaign_id: int):
    campaign = services.campaign(campaign_id)
    services.import_kind(kind)  # an unknown kind: 404
    if kind not in _kinds():
        abort(403)
    return _xlsx(services.template_bytes(kind, campaign), services.template_name(kind, campaign))
