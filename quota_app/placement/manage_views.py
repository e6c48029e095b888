"""The managers' placement pages (blueprint "placement_admin", /gestion/affectation): what to do
now for the campaign (before the publication: what blocks it, the answer settings, the
simulations, « Publier les affectations » confirmed; after it: the totals and every offer's
fill), one offer (counts, cut-offs, waiting list, seat ledger and its change, confirmed before a
decrease), one file (its offers and answers, waiting lists, explanations, a deadline extended
with a reason), the files and the rounds.

Thin views: bind the form, call one service through `act` (one commit, the refusal in French),
redirect. What a page reads comes from placement/queries.py. Nobody places a candidate by hand:
there is no such form.
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from ..campaigns import services as campaign_services
from ..campaigns.services import get_campaign
from ..errors import Conflict, ValidationFailed
from ..i18n import N_
from ..notifications.services import messages_for_application
from ..permissions import role_required
from ..registry import lookup
from ..timeutil import utcnow
from ..viewhelpers import act, acting_user, page_of
from . import queries, seat_ledger, tasks
from .explanations import explanations_for
from .manage_forms import FRENCH_DATETIME, AnswerSettingsForm, ExtendForm, PublishForm, SeatsForm
from .publication import published_round
from .services import ANSWER_PHASES, extend_deadline

bp = Blueprint("placement_admin", __name__)

LISTS = {"attente": True, "quittee": False}   # ?liste= on the offer page: active entries, or those who left


def manager_only(view):
    return role_required("manager")(view)


def _version(form) -> int | None:
    value = form.version.data
    return int(value) if value and str(value).isdigit() else None


def _link(endpoint: str, fallback: str, **values) -> str:
    """A page of another blueprint, or its known address while that blueprint is being built."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def _links(campaign) -> dict:
    return {
        "simulations": _link("placement_simulation.index", f"/gestion/affectation/simulations/{campaign.id}",
                             campaign_id=campaign.id),
        "pv": _link("placement_pv.show", f"/gestion/affectation/pv/{campaign.id}", campaign_id=campaign.id),
    }


def _q() -> str:
    return (request.args.get("q") or "").strip()[:100]


# --- the campaign ---------------------------------------------------------------------------

def _settings_form(campaign, formdata=None) -> AnswerSettingsForm:
    if formdata is not None:
        return AnswerSettingsForm(formdata=formdata)
    return AnswerSettingsForm(formdata=None, decision_deadline=campaign.decision_deadline,
                              answer_hours=campaign.waiting_list_answer_hours, version=campaign.version)


def _overview_page(campaign, campaigns, settings_form=None, status: int = 200):
    view = queries.overview(campaign) if campaign is not None else None
    publish_move = None
    if campaign is not None and view.round is None:
        publish_move = next((m for m in campaign_services.phase_moves(campaign, utcnow()) if m.target == "published"),
                            None)
    return render_template(
        "placement_admin/index.html", campaign=campaign, campaigns=campaigns, view=view, publish_move=publish_move,
        settings_form=settings_form or (_settings_form(campaign) if campaign is not None else None),
        settings_open=campaign is not None and campaign.phase in campaign_services.ANSWER_DELAY_PHASES,
        deadline_open=campaign is not None and campaign.phase in campaign_services.DEADLINE_PHASES,
        evaluated=queries.evaluated_count(campaign) if campaign is not None and view.round is None else 0,
        links=_links(campaign) if campaign is not None else {}), status


@bp.get("/")
@manager_only
def index():
    campaigns = lookup("campaigns")()
    campaign = lookup("current_campaign")(campaigns)
    return _overview_page(campaign, campaigns)


CAMPAIGN_CHANGED = N_("La campagne a été modifiée entre-temps. Relisez la page et recommencez.")


def _same_version(obj, version, message: str) -> None:
    """The object as the manager read it (the version in the form), else a French Conflict."""
    if version is not None and version != obj.version:
        raise Conflict(message)


def _settings(actor, campaign, version, deadline, answer_hours):
    _same_version(campaign, version, CAMPAIGN_CHANGED)
    campaign_services.set_answer_settings(actor, campaign, deadline, answer_hours, utcnow())


@bp.post("/<int:campaign_id>/delais")
@manager_only
def answer_settings(campaign_id: int):
    campaign = get_campaign(campaign_id)
    form = _settings_form(campaign, request.form)
    if form.validate_on_submit():
        deadline = form.decision_deadline.data
        current = campaign.decision_deadline
        if campaign.phase not in campaign_services.DEADLINE_PHASES:
            deadline = current  # published: only the waiting lists' delay is on the form
        elif deadline is not None and current is not None and current.replace(second=0, microsecond=0) == deadline:
            deadline = current  # shown to the minute: the same deadline, not a change
        if act(lambda: _settings(acting_user(), campaign, _version(form), deadline, form.answer_hours.data),
               form, success=_("Les délais de réponse sont enregistrés.")):
            return redirect(url_for("placement_admin.index", campaign=campaign_id))
        campaign = get_campaign(campaign_id)
    return _overview_page(campaign, lookup("campaigns")(), form)


@bp.route("/<int:campaign_id>/publier", methods=["GET", "POST"])
@manager_only
def publish(campaign_id: int):
    campaign = get_campaign(campaign_id)
    form = PublishForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("La demande a expiré : rechargez la page et recommencez."), "error")
        else:
            done = act(lambda: _publish(acting_user(), campaign, _version(form)), stale=_(CAMPAIGN_CHANGED))
            if done:
                _notify(campaign_id)
                return redirect(url_for("placement_admin.index", campaign=campaign_id))
            campaign = get_campaign(campaign_id)
    if published_round(campaign.id) is not None:
        flash(_("Les affectations de cette campagne sont déjà publiées."), "info")
        return redirect(url_for("placement_admin.index", campaign=campaign_id))
    move = next((m for m in campaign_services.phase_moves(campaign, utcnow()) if m.target == "published"), None)
    if request.method == "GET":
        form.version.data = campaign.version
    else:
        form = PublishForm(formdata=None, version=campaign.version)
    summary = campaign_services.seat_summary(campaign)
    return render_template("placement_admin/publish.html", campaign=campaign, move=move, form=form,
                           summary=summary, evaluated=queries.evaluated_count(campaign), links=_links(campaign))


def _publish(actor, campaign, version):
    """The campaign's move to « Affectation publiée », whose phase action writes round 1."""
    _same_version(campaign, version, CAMPAIGN_CHANGED)
    campaign_services.transition(campaign, "published", actor, utcnow())


def _notify(campaign_id: int) -> None:
    """After the publication's commit: the messages of round 1 leave from the queue."""
    round_ = published_round(campaign_id)
    try:
        tasks.notify_round(round_.id)
    except Exception:  # the publication stands; the messages can be sent again from the queue
        current_app.logger.exception("notify_round(%s) could not be queued", round_.id)
        flash(_("Les affectations sont publiées, mais l'envoi des messages n'a pas pu être lancé : "
                "prévenez l'administrateur."), "warning")
        return
    flash(_("Les affectations sont publiées (tour 1). Les messages aux candidats partent de la file d'envoi."),
          "success")


# --- one offer ------------------------------------------------------------------------------

def _seats_form(offer, formdata=None) -> SeatsForm:
    if formdata is not None:
        return SeatsForm(formdata=formdata)
    return SeatsForm(formdata=None, seats=offer.seats, reserved=offer.reserved_seats, version=offer.version)


@bp.get("/<int:campaign_id>/offres/<int:offer_id>")
@manager_only
def offer(campaign_id: int, offer_id: int):
    campaign = get_campaign(campaign_id)
    offer = queries.get_offer(campaign, offer_id)
    which = request.args.get("liste", "attente")
    active = LISTS.get(which, True)
    q = _q()
    page = page_of(queries.waiting_statement(campaign, offer, active, q))
    return render_template(
        "placement_admin/offer.html", campaign=campaign, offer=offer, detail=queries.offer_detail(campaign, offer),
        room=seat_ledger.room(offer), ledger=seat_ledger.ledger(offer.id), page=page,
        rows=queries.waiting_rows(list(page.items)), active=active, liste="attente" if active else "quittee", q=q,
        form=_seats_form(offer), ledger_open=campaign.phase in seat_ledger.LEDGER_PHASES)


def _decrease(offer, seats: int, reserved: int) -> bool:
    return seats < offer.seats or reserved < offer.reserved_seats or seats - reserved < offer.seats - offer.reserved_seats


def _fits(room, seats: int, reserved: int) -> bool:
    return seats - reserved >= room.held_open and reserved >= room.held_reserved


@bp.route("/<int:campaign_id>/offres/<int:offer_id>/places", methods=["GET", "POST"])
@manager_only
def seats(campaign_id: int, offer_id: int):
    campaign = get_campaign(campaign_id)
    offer = queries.get_offer(campaign, offer_id)
    form = _seats_form(offer, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        seats_, reserved = form.seats.data, form.reserved.data
        room = seat_ledger.room(offer)
        # Only a decrease that can be made is confirmed first; the service refuses the others at once.
        if (campaign.phase in seat_ledger.LEDGER_PHASES and _decrease(offer, seats_, reserved)
                and _fits(room, seats_, reserved) and reserved <= seats_ and form.confirmed.data != "1"
                and _version(form) in (None, offer.version)):
            return render_template("placement_admin/seats_confirm.html", campaign=campaign, offer=offer, form=form,
                                   room=room, seats=seats_, reserved=reserved)
        done = act(lambda: seat_ledger.change_seats(acting_user(), offer, seats_, reserved, form.reason.data, utcnow(),
                                                    expected_version=_version(form)),
                   form, success=_("Les places de l'offre sont modifiées et inscrites au registre."),
                   stale=_("Cette offre a été modifiée entre-temps. Rechargez la page et recommencez."))
        if done:
            return redirect(url_for("placement_admin.offer", campaign_id=campaign_id, offer_id=offer_id))
        offer = queries.get_offer(get_campaign(campaign_id), offer_id)
    return render_template("placement_admin/seats.html", campaign=campaign, offer=offer, form=form,
                           room=seat_ledger.room(offer), ledger_open=campaign.phase in seat_ledger.LEDGER_PHASES)


# --- the files ------------------------------------------------------------------------------

@bp.get("/<int:campaign_id>/dossiers")
@manager_only
def files(campaign_id: int):
    campaign = get_campaign(campaign_id)
    q = _q()
    page = page_of(queries.files_statement(campaign, q))
    return render_template("placement_admin/files.html", campaign=campaign, page=page, q=q,
                           rows=queries.file_rows(list(page.items)))


def _extend_form(placement, formdata=None) -> ExtendForm:
    if formdata is not None:
        return ExtendForm(formdata=formdata)
    return ExtendForm(formdata=None, version=placement.version)


@bp.get("/<int:campaign_id>/dossiers/<int:application_id>")
@manager_only
def application(campaign_id: int, application_id: int):
    campaign = get_campaign(campaign_id)
    application = queries.get_file(campaign, application_id)
    history = queries.file_history(application)
    return render_template("placement_admin/application.html", campaign=campaign, application=application,
                           history=history, explanations=explanations_for(application),
                           forms={p.id: _extend_form(p) for p in history.offered},
                           answering=campaign.phase in ANSWER_PHASES, labels=queries.STATUS_LABELS,
                           messages=messages_for_application(application.id))


def _extend(actor, placement, version, deadline, reason):
    _same_version(placement, version, "Cette affectation a changé entre-temps (réponse, expiration, autre "
                                      "prolongation). Relisez le dossier et recommencez.")
    try:
        extend_deadline(actor, placement, deadline, reason, utcnow())
    except ValidationFailed as refusal:
        # The service's field messages are lists ("Date trop proche.") where show_error expects
        # one sentence: the field shows the refusal's own sentence.
        raise ValidationFailed(refusal.message, errors={name: refusal.message for name in refusal.errors}) from None


@bp.route("/<int:campaign_id>/dossiers/<int:application_id>/prolonger/<int:placement_id>", methods=["GET", "POST"])
@manager_only
def extend(campaign_id: int, application_id: int, placement_id: int):
    campaign = get_campaign(campaign_id)
    application = queries.get_file(campaign, application_id)
    placement = queries.get_placement(application, placement_id)
    form = _extend_form(placement, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        if act(lambda: _extend(acting_user(), placement, _version(form), form.deadline.data, form.reason.data), form,
               success=_("La date limite est prolongée au %(d)s ; le candidat en est informé.",
                         d=form.deadline.data.strftime(FRENCH_DATETIME))):
            return redirect(url_for("placement_admin.application", campaign_id=campaign_id,
                                    application_id=application_id))
        placement = queries.get_placement(queries.get_file(get_campaign(campaign_id), application_id), placement_id)
    return render_template("placement_admin/extend.html", campaign=campaign, application=placement.application,
                           placement=placement, form=form, labels=queries.STATUS_LABELS)


# --- the rounds -----------------------------------------------------------------------------

@bp.get("/<int:campaign_id>/tours")
@manager_only
def rounds(campaign_id: int):
    campaign = get_campaign(campaign_id)
    return render_template("placement_admin/rounds.html", campaign=campaign, rows=queries.rounds(campaign),
                           kinds=queries.ROUND_KIND_LABELS)
