"""What the screening asks of the managers now (campaigns/stages.py todos): files to decide."""
from flask import url_for
from sqlalchemy import func, select

from ..applications.models import Application
from ..campaigns.stages import Todo
from ..extensions import db
from ..i18n import N_


def todos(campaign) -> list[Todo]:
    if campaign.phase not in ("open", "screening"):
        return []
    pending = db.session.scalar(select(func.count(Application.id)).where(
        Application.campaign_id == campaign.id, Application.status == "submitted")) or 0
    return [Todo(N_("dossier(s) soumis attendent la décision de recevabilité"), pending,
                 url_for("screening.queue", campaign=campaign.id))]
