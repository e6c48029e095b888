"""What the placement asks of the managers now (campaigns/stages.py todos)."""
from flask import url_for
from sqlalchemy import func, select

from ..applications.models import Application
from ..campaigns.stages import Todo
from ..extensions import db
from ..i18n import N_
from .models import Placement


def todos(campaign) -> list[Todo]:
    if campaign.phase != "published":
        return []
    offered = db.session.scalar(select(func.count(Placement.id)).join(
        Application, Application.id == Placement.application_id).where(
        Application.campaign_id == campaign.id, Placement.status == "offered")) or 0
    return [Todo(N_("place(s) proposée(s) attendent la réponse du candidat"), offered,
                 url_for("placement_admin.index", campaign=campaign.id))]
