"""The managers' campaign console: settings, rules, criteria, offers of seats and phases.

Thin views: bind the form, call one service through `act` (one commit; a refusal shown in
French), redirect.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from ..permissions import role_required
from ..timeutil import utcnow
from ..viewhelpers import act, acting_user
from . import services, stages
from .forms import (CampaignForm, CriteriaForm, DeleteForm, DocumentsForm, OfferForm, TransitionForm,
                    level_rules_form)
from .models import KIND_LABELS, PHASE_LABELS, PHASES

bp = Blueprint("campaigns", __name__)


def _campaign(campaign_id: int):
    return services.get_campaign(campaign_id)


def _version(form):
    value = form.version.data
    return int(value) if value and str(value).isdigit() else None


def manager_only(view):
    return role_required("manager")(view)


@bp.get("/")
@manager_only
def home():
    campaigns = services.list_campaigns()
    todos = [(c, stages.todos_for(c)) for c in campaigns if c.phase != "closed"]
    return render_template("campaigns/home.html", campaigns=campaigns, phases=PHASES, phase_labels=PHASE_LABELS,
                           todos=[(c, items) for c, items in todos if items])


def _campaign_data(form: CampaignForm) -> dict:
    return {name: getattr(form, name).data for name in services.CAMPAIGN_FIELDS}


@bp.route("/campagnes/nouvelle", methods=["GET", "POST"])
@manager_only
def create():
    form = CampaignForm()
    if form.validate_on_submit():
        done = act(lambda: services.create_campaign(acting_user(), _campaign_data(form)), form,
                   success=_("La campagne est créée (brouillon)."))
        if done:
            return redirect(url_for("campaigns.show", campaign_id=done.value.id))
    return render_template("campaigns/form.html", form=form, campaign=None)


@bp.get("/campagnes/<int:campaign_id>")
@manager_only
def show(campaign_id: int):
    campaign = _campaign(campaign_id)
    return render_template(
        "campaigns/show.html", campaign=campaign, summary=services.seat_summary(campaign),
        offers=services.campaign_offers(campaign), moves=services.phase_moves(campaign, utcnow()),
        phases=PHASES, phase_labels=PHASE_LABELS,
        kind_labels=KIND_LABELS,
    )


def _drafts_notice(campaign, closes_before) -> None:
    """A window shortened while files are still drafts: the manager is told how many."""
    if closes_before is None or campaign.closes_at is None or campaign.closes_at >= closes_before:
        return
    drafts = stages.later_facts(campaign.id).get("status_counts", {}).get("draft", 0)
    if drafts:
        flash(ngettext("La clôture est avancée au %(date)s : %(num)d dossier est en cours (brouillon non "
                       "soumis) ; son candidat devra le soumettre avant cette date.",
                       "La clôture est avancée au %(date)s : %(num)d dossiers sont en cours (brouillons non "
                       "soumis) ; leurs candidats devront les soumettre avant cette date.",
                       drafts, date=campaign.closes_at.strftime("%d/%m/%Y %H:%M")), "warning")


@bp.route("/campagnes/<int:campaign_id>/modifier", methods=["GET", "POST"])
@manager_only
def edit(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = CampaignForm(obj=campaign)
    closes_before = campaign.closes_at
    if form.validate_on_submit() and act(
            lambda: services.update_campaign(acting_user(), campaign, _campaign_data(form), _version(form)), form,
            success=_("La campagne est enregistrée.")):
        _drafts_notice(campaign, closes_before)
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    return render_template("campaigns/form.html", form=form, campaign=campaign)


@bp.route("/campagnes/<int:campaign_id>/ages", methods=["GET", "POST"])
@manager_only
def level_rules(campaign_id: int):
    campaign = _campaign(campaign_id)
    levels = services.levels()
    rules = {r.level_id: r for r in campaign.level_rules}
    form = level_rules_form(levels, rules, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.version.data = campaign.version
    if form.validate_on_submit():
        values = {lv.id: (form[f"min_{lv.id}"].data, form[f"max_{lv.id}"].data) for lv in levels}
        if act(lambda: services.set_level_rules(acting_user(), campaign, values, _version(form)), form,
               success=_("Les limites d'âge sont enregistrées.")):
            return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    return render_template("campaigns/level_rules.html", form=form, campaign=campaign, levels=levels)


@bp.route("/campagnes/<int:campaign_id>/pieces", methods=["GET", "POST"])
@manager_only
def documents(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = DocumentsForm()
    form.documents.choices = [SelectChoice(d.id, d.name) for d in services.document_types()]
    if not form.is_submitted():
        form.documents.data = [d.document_type_id for d in campaign.required_documents if d.required]
    if form.validate_on_submit() and act(
            lambda: services.set_required_documents(acting_user(), campaign, form.documents.data or []), form,
            success=_("La liste des pièces justificatives est enregistrée.")):
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    return render_template("campaigns/documents.html", form=form, campaign=campaign)


@bp.route("/campagnes/<int:campaign_id>/criteres", methods=["GET", "POST"])
@manager_only
def criteria(campaign_id: int):
    campaign = _campaign(campaign_id)
    if request.method == "POST":
        form = CriteriaForm()
    else:
        form = CriteriaForm(data={"criteria": [
            {"code": c.code, "name": c.name, "weight": c.weight, "max_score": c.max_score,
             "prefill_source": c.prefill_source or ""} for c in campaign.criteria]})
        form.criteria.append_entry({"max_score": 20, "prefill_source": ""})
    if form.validate_on_submit():
        rows = [services.CriterionInput(r.code.data, r.name.data, r.weight.data, r.max_score.data,
                                        r.prefill_source.data or None)
                for r in (entry.form for entry in form.criteria) if not r.is_blank]
        if act(lambda: services.set_criteria(acting_user(), campaign, rows),
               success=_("Les critères de notation sont enregistrés.")):
            return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    return render_template("campaigns/criteria.html", form=form, campaign=campaign)


def _offer_form(**kwargs) -> OfferForm:
    form = OfferForm(**kwargs)
    form.programme_id.choices = [SelectChoice(0, _("— Choisir une filière —"))] + [
        SelectChoice(p.id, f"{p.level.code} · {p.title}") for p in services.programmes()]
    form.establishment_id.choices = [SelectChoice(0, _("— Choisir un établissement —"))] + [
        SelectChoice(e.id, f"{e.name} ({e.city})") for e in services.establishments()]
    return form


def _offer_data(form: OfferForm) -> dict:
    return {name: getattr(form, name).data for name in services.OFFER_FIELDS}


@bp.route("/campagnes/<int:campaign_id>/offres/nouvelle", methods=["GET", "POST"])
@manager_only
def offer_create(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = _offer_form()
    if form.validate_on_submit() and act(
            lambda: services.add_offer(acting_user(), campaign, _offer_data(form)), form,
            success=_("L'offre de places est ajoutée.")):
        return redirect(url_for("campaigns.show", campaign_id=campaign_id) + "#offres")
    return render_template("campaigns/offer_form.html", form=form, campaign=campaign, offer=None)


def _offer(campaign, offer_id: int):
    return services.get_offer(campaign, offer_id)


@bp.route("/campagnes/<int:campaign_id>/offres/<int:offer_id>/modifier", methods=["GET", "POST"])
@manager_only
def offer_edit(campaign_id: int, offer_id: int):
    campaign = _campaign(campaign_id)
    offer = _offer(campaign, offer_id)
    form = _offer_form(obj=offer)
    if form.validate_on_submit() and act(
            lambda: services.update_offer(acting_user(), campaign, offer, _offer_data(form), _version(form)), form,
            success=_("L'offre de places est enregistrée.")):
        return redirect(url_for("campaigns.show", campaign_id=campaign_id) + "#offres")
    return render_template("campaigns/offer_form.html", form=form, campaign=campaign, offer=offer)


@bp.route("/campagnes/<int:campaign_id>/offres/<int:offer_id>/supprimer", methods=["GET", "POST"])
@manager_only
def offer_delete(campaign_id: int, offer_id: int):
    campaign = _campaign(campaign_id)
    offer = _offer(campaign, offer_id)
    form = DeleteForm(version=offer.version)
    if form.validate_on_submit() and act(
            lambda: services.remove_offer(acting_user(), campaign, offer, _version(form)), form,
            success=_("L'offre de places est supprimée.")):
        return redirect(url_for("campaigns.show", campaign_id=campaign_id) + "#offres")
    return render_template("campaigns/offer_delete.html", form=form, campaign=campaign, offer=offer)


@bp.post("/campagnes/<int:campaign_id>/phase")
@manager_only
def move_phase(campaign_id: int):
    campaign = _campaign(campaign_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("Demande de changement de phase invalide."), "error")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    if act(lambda: services.transition(campaign, form.target.data, acting_user(), utcnow(),
                                       form.reason.data or "", _version(form))):
        flash(_("La campagne est passée à la phase « %(phase)s ».", phase=_(campaign.phase_label)), "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))
