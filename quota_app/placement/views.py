"""The candidate's placement pages: the file's placement (offers, waiting lists, explanations),
the answer to one offered seat (accept, staying or not on the better waiting lists, or decline),
giving up an accepted seat, leaving the waiting lists. Each act is confirmed on its page."""
from functools import partial

from flask import Blueprint, redirect, render_template, request, url_for

from .. import viewhelpers
from ..applications.services import CONCURRENT_CHANGE, offer_label, own_application
from ..permissions import role_required
from ..viewhelpers import acting_user
from . import services
from .models import PLACEMENT_STATUS_LABELS
from .my_placement import my_placement

bp = Blueprint("placement", __name__)
# As on the applicant's other pages, a clash and a concurrent change read the same.
act = partial(viewhelpers.act, clash=CONCURRENT_CHANGE, stale=CONCURRENT_CHANGE)


def _render(template, application, **context):
    return render_template(template, application=application, view=my_placement(application), label=offer_label,
                           status_labels=PLACEMENT_STATUS_LABELS, **context)


@bp.route("/dossier/<int:application_id>/affectation")
@role_required("applicant")
def overview(application_id):
    application = own_application(acting_user(), application_id)
    return _render("placement/overview.html", application)


@bp.route("/affectation/<int:placement_id>", methods=["GET", "POST"])
@role_required("applicant")
def answer(placement_id):
    item = services.own_placement(acting_user(), placement_id)
    if request.method == "POST":
        done = act(lambda: services.answer(acting_user(), item, request.form.get("answer"),
                                           keep_waiting=request.form.get("keep_waiting") == "1"),
                   success="Votre réponse est enregistrée.")
        if done or done.conflict:
            return redirect(url_for(".overview", application_id=item.application_id))
        return redirect(url_for(".answer", placement_id=placement_id))
    return _render("placement/answer.html", item.application, placement=item)


@bp.route("/affectation/<int:placement_id>/desistement", methods=["GET", "POST"])
@role_required("applicant")
def give_up(placement_id):
    item = services.own_placement(acting_user(), placement_id)
    if request.method == "POST":
        done = act(lambda: services.give_up(acting_user(), item),
                   success="Votre désistement est enregistré : la place est proposée au candidat suivant.")
        return redirect(url_for(".overview", application_id=item.application_id) if done or done.conflict
                        else url_for(".give_up", placement_id=placement_id))
    return _render("placement/give_up.html", item.application, placement=item)


@bp.route("/dossier/<int:application_id>/listes-attente", methods=["GET", "POST"])
@role_required("applicant")
def leave_lists(application_id):
    application = own_application(acting_user(), application_id)
    if request.method == "POST":
        act(lambda: services.leave_waiting_lists(acting_user(), application),
            success="Vous ne figurez plus sur les listes d'attente.")
        return redirect(url_for(".overview", application_id=application_id))
    return _render("placement/leave_lists.html", application)
