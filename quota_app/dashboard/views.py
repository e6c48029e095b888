"""The managers' dashboard of a campaign: funnel, breakdowns, seat fill, reserved seats."""
from flask import Blueprint, render_template

from ..campaigns.selection import campaigns_list, current_campaign
from ..permissions import role_required
from .figures import campaign_figures_html

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@role_required("manager")
def index():
    campaigns = campaigns_list()
    campaign = current_campaign(campaigns)
    if campaign is None:
        return render_template("dashboard/index.html", campaign=None, campaigns=[])
    return render_template("dashboard/index.html", campaign=campaign, campaigns=campaigns,
                           figures_html=campaign_figures_html(campaign))
