"""The managers' dashboard of a campaign: funnel, breakdowns, seat fill, reserved seats."""
from flask import Blueprint, render_template

from ..permissions import role_required
from ..screening.views import campaigns_list, current_campaign
from . import charts, stats

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@role_required("manager")
def index():
    campaign = current_campaign()
    if campaign is None:
        return render_template("dashboard/index.html", campaign=None, campaigns=[])
    data = stats.campaign_stats(campaign)
    funnel_chart = charts.bar_chart(
        "Dossiers par statut", [(stats.status_label(s), n) for s, n in data["funnel"].items()])
    breakdown_charts = [
        charts.bar_chart(b.title, [(label, b.total(key)) for key, label in b.rows]) for b in data["breakdowns"]
    ]
    fill_chart = charts.bar_chart(
        "Places occupées par offre", [(f.offer_code, f.filled) for f in data["seat_fill"]],
        maximum=max([f.seats for f in data["seat_fill"]] + [1]))
    reserved = data["reserved"]
    reserved_chart = charts.progress_bar("Places réservées pourvues", reserved.placed, reserved.target)
    return render_template(
        "dashboard/index.html", campaign=campaign, campaigns=campaigns_list(), data=data,
        funnel_chart=funnel_chart, breakdowns=list(zip(data["breakdowns"], breakdown_charts)),
        fill_chart=fill_chart, reserved_chart=reserved_chart, status_label=stats.status_label,
        total=sum(data["funnel"].values()),
    )
