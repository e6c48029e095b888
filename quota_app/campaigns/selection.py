"""Which campaign a page is about: for a manager ?campaign=ID, else the most recent one; for
the public and applicants the open campaigns, and any campaign but a draft."""
from flask import abort, request
from sqlalchemy import select

from ..errors import NotFound
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


def open_campaigns(by: str = "closes_at") -> list[Campaign]:
    """The campaigns taking applications, soonest closing first (or by "opens_at")."""
    order = {"closes_at": Campaign.closes_at, "opens_at": Campaign.opens_at}[by]
    return list(db.session.scalars(select(Campaign).where(Campaign.phase == "open").order_by(order)))


def published_campaign(campaign_id: int) -> Campaign:
    """A campaign an applicant may see: any but a draft, which looks like a missing one."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.phase == "draft":
        raise NotFound("Campagne introuvable.")
    return campaign
