"""What the committee tells the campaign (campaigns/stages.py): committees, scoring, deliberation."""
from sqlalchemy import case, func, select

from ..applications.models import Application
from ..extensions import db
from .models import Committee, Deliberation, ReviewAssignment


def phase_facts(campaign_id: int) -> dict:
    committee_count = db.session.execute(
        select(func.count()).select_from(Committee).where(Committee.campaign_id == campaign_id)).scalar_one()
    total, scored = db.session.execute(
        select(func.count(ReviewAssignment.id),
               func.coalesce(func.sum(case((ReviewAssignment.status == "submitted", 1), else_=0)), 0))
        .join(Application, Application.id == ReviewAssignment.application_id)
        .where(Application.campaign_id == campaign_id)).one()
    deliberations, validated = db.session.execute(
        select(func.count(Deliberation.id),
               func.coalesce(func.sum(case((Deliberation.status == "validated", 1), else_=0)), 0))
        .join(Committee, Committee.id == Deliberation.committee_id)
        .where(Committee.campaign_id == campaign_id)).one()
    return {
        "committee_count": int(committee_count), "assignments_total": int(total),
        "assignments_scored": int(scored),
        # Every committee of the campaign must have validated its deliberation.
        "deliberation_validated": int(deliberations) > 0 and int(deliberations) == int(validated),
    }
