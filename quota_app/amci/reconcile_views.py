"""The lists the AMCI or the OFPPT send back (blueprint "amci_reconcile", /amci/retours).

Upload (the campaign, the slip it answers, the file) → the dry run's diff (counts, every
difference before → after, the probable matches to confirm, the errors with their row
numbers) → « Appliquer » (managers only: they confirm the probable matches), and the list of
past reconciliations. AMCI officers upload and read the diff.

Thin views: bind the form, call one service through `act` (one commit, the refusal in French),
redirect.
"""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..campaigns.models import Campaign
from ..campaigns.selection import campaigns_list, current_campaign
from ..extensions import db
from ..i18n import N_
from ..permissions import role_required
from ..timeutil import utcnow
from ..viewhelpers import act, acting_user, page_of
from . import reconcile, reconcile_service as service
from .models import TRANSMITTAL_STATUS_LABELS, Transmittal
from .reconcile_forms import ApplyForm, UploadForm

bp = Blueprint("amci_reconcile", __name__)
READERS = ("manager", "amci")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_LABELS = {"dry_run": N_("Analysée, pas encore appliquée"), "applied": N_("Appliquée"), "discarded": N_("Abandonnée")}


def _upload_form(campaigns, campaign) -> UploadForm:
    form = UploadForm() if request.method == "POST" else UploadForm(campaign_id=campaign.id if campaign else None)
    form.campaign_id.choices = [(c.id, f"{c.code} — {c.title}") for c in campaigns]
    chosen = form.campaign_id.data if request.method == "POST" else (campaign.id if campaign else None)
    form.transmittal_id.choices = [("", _("— Aucun —"))] + [
        (str(s.id), f"{s.number} ({_(TRANSMITTAL_STATUS_LABELS.get(s.status, s.status))})")
        for s in (service.slips_of(chosen) if chosen else [])]
    return form


def _slip_id(form: UploadForm):
    value = (form.transmittal_id.data or "").strip()
    return int(value) if value.isdigit() else None


@bp.route("/", methods=["GET", "POST"])
@role_required(*READERS)
def index():
    campaigns = campaigns_list()
    campaign = current_campaign(campaigns)
    form = _upload_form(campaigns, campaign)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            done = act(lambda: service.dry_run(acting_user(), form.campaign_id.data, upload.read(), upload.filename,
                                               _slip_id(form), utcnow()), form)
            if done:
                counts = done.value.counts
                flash(_("Fichier analysé : %(c)s différence(s) à appliquer, %(e)s erreur(s). Rien n'est encore "
                        "enregistré : vérifiez les différences ci-dessous.", c=counts.get("changes", 0),
                        e=counts.get("errors", 0)), "info")
                return redirect(url_for(".show", reconciliation_id=done.value.id))
        status = 400
    page = page_of(service.history(campaign.id if campaign else None))
    return render_template("amci/reconcile/index.html", form=form, campaigns=campaigns, campaign=campaign,
                           page=page, rows=list(page.items), labels=STATUS_LABELS,
                           campaigns_by_id={c.id: c for c in campaigns},
                           slips_by_id=_slips([r.transmittal_id for r in page.items])), status


def _slips(ids) -> dict:
    ids = [i for i in set(ids) if i]
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(db.select(Transmittal).where(Transmittal.id.in_(ids)))}


@bp.get("/modele/<int:campaign_id>")
@role_required(*READERS)
def template(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    buf = io.BytesIO()
    service.template_workbook(campaign).save(buf)
    buf.seek(0)
    return send_file(buf, mimetype=XLSX, as_attachment=True, download_name=service.template_name(campaign))


def _show(reconciliation, form: ApplyForm | None = None, status: int = 200):
    is_manager = acting_user().role == "manager"
    plan = reconciliation.plan or {}
    rows = plan.get("rows") or []
    counts = reconcile.count(rows) if rows else dict(reconciliation.counts or {})
    if form is None and is_manager:
        form = ApplyForm(formdata=None, version=reconciliation.version)
    confirmed = set(form.probable.data or []) if form is not None and form.probable.data else set()
    groups = [(category, reconcile.CATEGORY_LABELS[category], [r for r in rows if r["category"] == category])
              for category in ("probable", "refused", "reoriented", "confirmed", "error", "unknown", "unchanged")]
    return render_template(
        "amci/reconcile/show.html", reconciliation=reconciliation, campaign=db.session.get(Campaign, reconciliation.campaign_id),
        slip=db.session.get(Transmittal, reconciliation.transmittal_id) if reconciliation.transmittal_id else None,
        plan=plan, counts=counts, groups=groups, form=form, is_manager=is_manager, confirmed=confirmed,
        applicable=reconciliation.status == "dry_run" and not counts.get("errors"),
        labels=STATUS_LABELS, category_labels=reconcile.CATEGORY_LABELS,
        decision_labels=reconcile.DECISION_LABELS), status


@bp.get("/<int:reconciliation_id>")
@role_required(*READERS)
def show(reconciliation_id: int):
    return _show(service.get(reconciliation_id))


@bp.post("/<int:reconciliation_id>/appliquer")
@role_required("manager")
def apply(reconciliation_id: int):
    reconciliation = service.get(reconciliation_id)
    form = ApplyForm()
    if not form.validate_on_submit():
        return _show(reconciliation, form, 400)
    done = act(lambda: service.apply(acting_user(), reconciliation_id, set(form.probable.data or []),
                                     form.version.data, utcnow()), form)
    if done:
        applied = done.value.applied
        flash(_("La liste est appliquée : %(c)s confirmé(s), %(r)s réorienté(s), %(f)s refusé(s) (places proposées à la "
                "liste d'attente) ; %(u)s ligne(s) inconnue(s) ignorée(s).", c=applied["confirmed"],
                r=applied["reoriented"], f=applied["refused"], u=done.value.ignored_unknown), "success")
        if done.value.offers_created:
            flash(_("Offre(s) créée(s) pour les réorientations : %(o)s.", o=", ".join(done.value.offers_created)),
                  "info")
        return redirect(url_for(".show", reconciliation_id=reconciliation_id))
    return _show(service.get(reconciliation_id), form, 409 if done.conflict else 400)
