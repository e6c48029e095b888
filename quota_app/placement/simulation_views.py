"""The managers' what-if simulations (blueprint "placement_simulation", /gestion/affectation/simulations):
the kept simulations of a campaign with the form (each offer's current seats and two inputs), and
a kept simulation's page, read from what it stored (nothing is run again).

Thin views: the form's numbers go as typed to placement/simulation.py, which refuses in French;
`act` commits once. No JavaScript needed.
"""
import re

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..campaigns.services import get_campaign
from ..committee.deliberating import Pager
from ..permissions import role_required
from ..timeutil import utcnow
from ..viewhelpers import act, acting_user, page_of
from . import simulation

bp = Blueprint("placement_simulation", __name__)

FIELD = re.compile(r"^(seats|reserved)-(\d{1,12})$")
CAP = 20        # rows of each list on the simulation's page; the full list is paginated
PER_PAGE = 50


def manager_only(view):
    return role_required("manager")(view)


def _requested(form) -> dict[int, tuple[str, str]]:
    """offer id -> (seats, reserved) as typed, from the fields seats-<id> and reserved-<id>."""
    typed: dict[int, dict[str, str]] = {}
    for name, value in form.items():
        match = FIELD.match(name)
        if match:
            typed.setdefault(int(match.group(2)), {})[match.group(1)] = value
    return {offer_id: (values.get("seats"), values.get("reserved")) for offer_id, values in typed.items()}


@bp.route("/<int:campaign_id>", methods=["GET", "POST"])
@manager_only
def index(campaign_id: int):
    campaign = get_campaign(campaign_id)
    offers = simulation.offer_rows(campaign)
    errors: dict[str, str] = {}
    typed = {}
    title = ""
    if request.method == "POST":
        typed = {name: value for name, value in request.form.items() if FIELD.match(name)}
        title = request.form.get("title", "")
        requested = _requested(request.form)
        done = act(lambda: simulation.simulate(acting_user(), campaign, requested, title, utcnow()), errors,
                   success=_("La simulation est enregistrée."))
        if done:
            return redirect(url_for("placement_simulation.show", campaign_id=campaign_id, round_id=done.value.id))
        campaign = get_campaign(campaign_id)
    page = page_of(simulation.simulations_statement(campaign_id), per_page=PER_PAGE)
    rounds = list(page.items)
    return render_template("placement_simulation/index.html", campaign=campaign, offers=offers, errors=errors,
                           typed=typed, title=title, page=page,
                           kept=[simulation.saved(r) for r in rounds],
                           can_simulate=simulation.can_simulate(campaign),
                           seats_field=simulation.seats_field, reserved_field=simulation.reserved_field)


@bp.get("/<int:campaign_id>/<int:round_id>")
@manager_only
def show(campaign_id: int, round_id: int):
    campaign = get_campaign(campaign_id)
    kept = simulation.saved(simulation.get_simulation(campaign_id, round_id))
    which = request.args.get("liste")
    if which in simulation.MOVE_LABELS:
        rows = kept.moves(which)
        pager = Pager.of(request.args.get("page"), len(rows), PER_PAGE)
        return render_template("placement_simulation/list.html", campaign=campaign, kept=kept, which=which,
                               label=simulation.MOVE_LABELS[which], pager=pager,
                               rows=rows[pager.start:pager.start + pager.per_page])
    return render_template("placement_simulation/show.html", campaign=campaign, kept=kept, cap=CAP,
                           labels=simulation.MOVE_LABELS)
