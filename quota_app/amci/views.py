"""The AMCI's space (blueprint "amci", /amci): the AMCI officer's home page (the year's lists,
the slips received, what needs doing), and the nominations — the managers establish the list
from the accepted placements and record a joint committee's answer that came by letter; AMCI
officers read them (nominated candidates only).

Thin views: bind the form, call one service through `act` (one commit, the refusal in French),
redirect.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from ..campaigns.models import Offer
from ..campaigns.selection import campaigns_list, current_campaign
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..permissions import role_required
from ..timeutil import utcnow
from ..viewhelpers import act, acting_user, page_of
from . import effects, queries
from .earlier import earlier_scholars
from .forms import DecisionForm, NominateForm
from .models import NOMINATION_STATUS_LABELS, TRANSMITTAL_STATUS_LABELS
from .nominations import nominate

bp = Blueprint("amci", __name__)
READERS = ("manager", "amci")


def link(endpoint: str, fallback: str | None = None, **values) -> str | None:
    """A page of another AMCI blueprint, or its fallback while it does not exist."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def _alerts(campaign_ids):
    try:
        from .alerts import alerts_for
    except ImportError:
        return []
    return alerts_for(campaign_ids, utcnow().date())


@bp.get("/")
@role_required("amci")
def home():
    campaigns = queries.campaigns_with_nominations()
    summaries = [queries.summary(c) for c in campaigns]
    return render_template("amci/home.html", summaries=summaries, slips=queries.slips_for_amci(),
                           alerts=_alerts([c.id for c in campaigns]), link=link,
                           slip_labels=TRANSMITTAL_STATUS_LABELS)


def _q() -> str:
    return (request.args.get("q") or "").strip()[:100]


@bp.get("/nominations/")
@role_required(*READERS)
def nominations():
    campaigns = campaigns_list()
    campaign = current_campaign(campaigns)
    if campaign is None:
        return render_template("amci/nominations.html", campaign=None, campaigns=campaigns)
    status = request.args.get("statut", "")
    q = _q()
    page = page_of(queries.nominations_statement(campaign.id, q, status))
    return render_template("amci/nominations.html", campaign=campaign, campaigns=campaigns, page=page,
                           rows=list(page.items), summary=queries.summary(campaign), q=q, statut=status,
                           labels=NOMINATION_STATUS_LABELS, form=NominateForm(), link=link,
                           earlier=earlier_scholars([row.application_id for row in page.items]),
                           is_manager=acting_user().role == "manager")


@bp.post("/nominations/<int:campaign_id>/nommer")
@role_required("manager")
def nominate_all(campaign_id: int):
    form = NominateForm()
    if not form.validate_on_submit():
        abort(400)
    done = act(lambda: nominate(acting_user(), campaign_id, utcnow()))
    if done:
        run = done.value
        if run.added or run.withdrawn:
            message = _("%(a)s candidat(s) ajouté(s) à la liste nominative, %(w)s retiré(s) ; %(t)s sur la liste.",
                        a=run.added, w=run.withdrawn, t=run.total)
        else:
            message = _("La liste nominative est à jour : aucune acceptation nouvelle (%(t)s sur la liste).",
                        t=run.total)
        flash(message, "success")
    return redirect(url_for("amci.nominations", campaign=campaign_id))


def _decision_form(nomination, formdata=None) -> DecisionForm:
    form = DecisionForm(formdata=formdata) if formdata is not None else DecisionForm(
        formdata=None, version=nomination.version)
    form.offer_id.choices = [("", _("— Choisir l'offre —"))] + [
        (str(o.id), f"{o.code} — {o.programme.title} ({o.establishment.name})")
        for o in queries.reorientation_offers(nomination.campaign_id) if o.id != nomination.offer_id]
    return form


def _nomination_page(nomination, form=None, status: int = 200):
    is_manager = acting_user().role == "manager"
    return render_template(
        "amci/nomination.html", nomination=nomination, application=nomination.application,
        result=queries.final_result(nomination.application_id), labels=NOMINATION_STATUS_LABELS,
        form=form or (_decision_form(nomination) if is_manager else None), is_manager=is_manager,
        decidable=nomination.status in effects.DECIDABLE and nomination.application.status == "accepted",
        link=link), status


@bp.get("/nominations/fiche/<int:nomination_id>")
@role_required(*READERS)
def nomination(nomination_id: int):
    return _nomination_page(queries.get_nomination(nomination_id))


def _decide(actor, nomination, form):
    version = form.version.data
    if version and str(version) != str(nomination.version):
        raise Conflict("Cette nomination a été modifiée entre-temps. Relisez la page et recommencez.")
    decision, reason = form.decision.data, form.reason.data or ""
    if decision == "confirm":
        return effects.confirm(actor, nomination, "manager", utcnow(), note=reason)
    if decision == "refused":
        return effects.free_seat(actor, nomination, "refused", reason, "manager", utcnow())
    offer = db.session.get(Offer, int(form.offer_id.data)) if (form.offer_id.data or "").isdigit() else None
    if offer is None or offer.campaign_id != nomination.campaign_id:
        raise ValidationFailed("Choisissez l'offre vers laquelle la commission réoriente le candidat.",
                               errors={"offer_id": "Choisissez l'offre vers laquelle la commission réoriente le candidat."})
    return effects.reorient(actor, nomination, offer, reason, "manager", utcnow())


@bp.post("/nominations/fiche/<int:nomination_id>/decision")
@role_required("manager")
def decide(nomination_id: int):
    nomination = queries.get_nomination(nomination_id)
    form = _decision_form(nomination, request.form)
    if not form.validate_on_submit():
        return _nomination_page(nomination, form, 400)
    done = act(lambda: _decide(acting_user(), nomination, form), form)
    if done:
        flash(_("La décision est enregistrée.") if done.value else _("Cette décision était déjà enregistrée."),
              "success" if done.value else "info")
        return redirect(url_for("amci.nomination", nomination_id=nomination_id))
    status = 400 if isinstance(done.error, ValidationFailed) else 409
    return _nomination_page(queries.get_nomination(nomination_id), form, status)
