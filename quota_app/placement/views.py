"""The placed candidate's page: the placement offered and the answer (accept or decline)."""
from flask import Blueprint, redirect, render_template, request, url_for

from functools import partial

from .. import viewhelpers
from ..applications.services import CONCURRENT_CHANGE, offer_label
from ..permissions import role_required
from ..viewhelpers import acting_user
from . import services

bp = Blueprint("placement", __name__)
# As on the applicant's other pages, a clash and a concurrent change read the same.
act = partial(viewhelpers.act, clash=CONCURRENT_CHANGE, stale=CONCURRENT_CHANGE)


@bp.route("/affectation/<int:placement_id>", methods=["GET", "POST"])
@role_required("applicant")
def answer(placement_id):
    item = services.own_placement(acting_user(), placement_id)
    if request.method == "POST":
        done = act(lambda: services.answer(acting_user(), item, request.form.get("answer")),
                   success="Votre réponse est enregistrée.")
        if done or done.conflict:
            return redirect(url_for("applications.home"))
        return redirect(url_for(".answer", placement_id=placement_id))
    return render_template("placement/answer.html", placement=item, label=offer_label)
