"""Erasure pages: the applicant's request (/candidat/effacement) and the managers' list and
decision (/gestion/effacements). Thin views: one service call through `act`, one commit."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..permissions import role_required
from ..timeutil import utcnow
from ..viewhelpers import act, acting_user, page_of
from . import services
from .forms import DecisionForm, ErasureRequestForm
from .models import ERASURE_STATUS_LABELS

bp = Blueprint("retention", __name__)
FILTERS = ("pending", "accepted", "refused")


@bp.route("/candidat/effacement", methods=["GET", "POST"])
@role_required("applicant")
def erasure():
    user = acting_user()
    form = ErasureRequestForm()
    status = 200
    if request.method == "POST":
        done = act(lambda: services.request_erasure(user, bool(form.confirm.data), form.note.data or "",
                                                    ip_address=request.remote_addr, now=utcnow()), form,
                   success=_("Votre demande d'effacement est enregistrée : un gestionnaire de la DNFP "
                             "l'examinera et vous répondra."))
        if done:
            return redirect(url_for(".erasure"))
        status = 422
    return render_template("retention/erasure.html", form=form, requests=services.my_requests(user),
                           pending=services.pending_request(user), years=services.retention_years()), status


@bp.get("/gestion/effacements/")
@role_required("manager")
def requests():
    shown = request.args.get("statut", "pending")
    status = shown if shown in FILTERS else None
    return render_template("retention/requests.html", page=page_of(services.requests_statement(status)),
                           shown=status or "all", labels=ERASURE_STATUS_LABELS, filters=FILTERS,
                           expired=services.purge_expired(dry_run=True), years=services.retention_years())


@bp.get("/gestion/effacements/<int:request_id>")
@role_required("manager")
def request_detail(request_id: int):
    erasure = services.get_request(request_id)
    reasons = services.blockers(erasure) if erasure.status == "pending" else []
    form = DecisionForm()
    if reasons and not form.reason.data:
        form.reason.data = "\n".join(reasons)
    return render_template("retention/request.html", erasure=erasure, form=form, reasons=reasons,
                           files=services.applications_of(erasure.user_id))


@bp.post("/gestion/effacements/<int:request_id>/decision")
@role_required("manager")
def decide(request_id: int):
    erasure = services.get_request(request_id)
    form = DecisionForm()
    done = act(lambda: services.decide(acting_user(), erasure, request.form.get("decision", ""),
                                       form.reason.data or "", now=utcnow()))
    if done and done.value.anonymised is not None:
        services.delete_files(done.value.anonymised.files)
        flash(_("Demande acceptée : les données du candidat sont effacées (%(a)s dossier(s), %(d)s pièce(s) "
                "supprimée(s)).", a=done.value.anonymised.applications, d=done.value.anonymised.documents),
              "success")
    elif done:
        flash(_("Demande refusée : le candidat est prévenu du motif."), "success")
    return redirect(url_for(".request_detail", request_id=request_id))
