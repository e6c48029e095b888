"""Which campaign a manager's page is about: ?campaign=ID, else the most recent one."""
from flask import abort, request
from sqlalchemy import select

from ..extensions import db
from .models import Campaign


def campaigns_list() -> list[Campaign]:
    return db.session.execute(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())).scalars().all()


def current_campaign(campaigns: list | None = None) -> Campaign | None:
    """The campaign named by ?campaign=ID, else the most recent one (None if there is none).
    Picked from `campaigns` (campaigns_list()) when the caller has it: one query fewer."""
    raw = request.values.get("campaign", "")
    if campaigns is not None:
        if not raw:
            return campaigns[0] if campaigns else None
        campaign = next((c for c in campaigns if str(c.id) == raw), None)
        if campaign is None:
            abort(404)
        return campaign
    if raw:
        campaign = db.session.get(Campaign, int(raw)) if raw.isdigit() else None
        if campaign is None:
            abort(404)
        return campaign
    return db.session.execute(
        select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1)
    ).scalar_one_or_none()


def campaign_by_id(campaign_id) -> Campaign | None:
    return db.session.get(Campaign, campaign_id) if campaign_id else None


def campaign_by_code(code: str) -> Campaign | None:
    return db.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one_or_none()
