from flask import Blueprint, render_template

from ..permissions import role_required

bp = Blueprint("applications", __name__)


@bp.get("/")
@role_required("applicant")
def home():
    return render_template("applications/home.html")


@bp.get("/campagne/<int:campaign_id>")
def campaign(campaign_id):
    from ..campaigns.models import Campaign
    from ..extensions import db

    item = db.get_or_404(Campaign, campaign_id)
    if item.phase == "draft":
        from flask import abort
        abort(404)
    return render_template("applications/campaign.html", campaign=item)
