"""What applications lend the lower packages: to the campaign (campaigns/stages.py) counts per
status and offers chosen; to auth (auth/hooks.py) the Applicant row of a new applicant's account."""
from sqlalchemy import func, select

from ..extensions import db
from .models import Applicant, Application, ApplicationChoice


def phase_facts(campaign_id: int) -> dict:
    return {"status_counts": dict(db.session.execute(
        select(Application.status, func.count()).where(Application.campaign_id == campaign_id)
        .group_by(Application.status)).all())}


def offer_chosen(offer_id: int) -> bool:
    return db.session.execute(
        select(ApplicationChoice.id).where(ApplicationChoice.offer_id == offer_id).limit(1)).first() is not None


def add_applicant(user) -> None:
    """An applicant's account was opened (auth/hooks.py): the person who will apply."""
    db.session.add(Applicant(user_id=user.id, source="web"))
