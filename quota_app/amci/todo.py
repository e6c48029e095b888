"""What the AMCI side asks of the managers now (campaigns/stages.py todos): acceptances to
nominate, nominations to send, slips awaiting the AMCI's answer."""
from flask import url_for
from sqlalchemy import func, select

from ..campaigns.stages import Todo
from ..extensions import db
from ..i18n import N_
from .models import Nomination, Transmittal
from .nominations import pending_acceptances


def todos(campaign) -> list[Todo]:
    if campaign.phase not in ("published", "closed"):
        return []
    nominations = url_for("amci.nominations", campaign=campaign.id)
    unsent = db.session.scalar(select(func.count(Nomination.id)).where(
        Nomination.campaign_id == campaign.id, Nomination.transmittal_id.is_(None),
        Nomination.status == "proposed")) or 0
    waiting = db.session.scalar(select(func.count(Transmittal.id)).where(
        Transmittal.campaign_id == campaign.id, Transmittal.status.in_(("sent", "received")))) or 0
    return [
        Todo(N_("acceptation(s) à porter sur la liste nominative AMCI"), pending_acceptances(campaign.id), nominations),
        Todo(N_("candidat(s) nommé(s) à transmettre par bordereau"), unsent, nominations),
        Todo(N_("bordereau(x) attendent la réponse de l'AMCI"), waiting, nominations),
    ]
