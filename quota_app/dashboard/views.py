"""The managers' dashboard of a campaign: funnel, breakdowns, seat fill, reserved seats, and
the year's journey with its spreadsheet."""
import tempfile

from flask import Blueprint, abort, render_template, request, send_file

from ..campaigns.selection import campaigns_list, current_campaign
from ..extensions import db
from ..permissions import role_required
from ..viewhelpers import acting_user
from . import io
from .figures import campaign_figures_html

bp = Blueprint("dashboard", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@role_required("manager")
def index():
    campaigns = campaigns_list()
    campaign = current_campaign(campaigns)
    if campaign is None:
        return render_template("dashboard/index.html", campaign=None, campaigns=[])
    return render_template("dashboard/index.html", campaign=campaign, campaigns=campaigns,
                           figures_html=campaign_figures_html(campaign))


@bp.get("/parcours.xlsx")
@role_required("manager")
def journey_export():
    """The year's journey of ?campaign=ID (else the latest) and of the campaigns of its kind."""
    campaign = current_campaign()
    if campaign is None:
        abort(404)
    handle = tempfile.TemporaryFile()
    io.export_journey(campaign, handle, acting_user(), ip=request.remote_addr)
    db.session.commit()
    handle.seek(0)
    response = send_file(handle, as_attachment=True, max_age=0, mimetype=XLSX,
                         download_name=io.journey_file_name(campaign))
    response.headers["Cache-Control"] = "private, no-store"
    return response
