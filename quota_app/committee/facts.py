"""What the committee tells the campaign (campaigns/stages.py): committees, scoring, deliberation.

The guard « évaluation → délibération » (campaigns/phases.py) lists what blocks it from these
facts: eligible files that no committee is in charge of, files without their N regular
reviewers, reviews not yet submitted, files flagged for a gap without a third review,
committees without a chair. Each is one aggregate query over the campaign's eligible files;
withdrawn assignments never count. `review_facts` gives the same counts for one committee's
files (its progress page).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import aliased

from ..applications.models import Application
from ..campaigns.models import Campaign
from ..extensions import db
from .models import Committee, CommitteeMember, Deliberation, ReviewAssignment

IN_REVIEW = "eligible"
# Weighted totals have three decimals and thresholds two: a gap above the threshold is at least
# threshold + 0.001. Half of that absorbs the binary rounding of SQLite's NUMERIC.
GAP_EPSILON = Decimal("0.0005")


@dataclass(frozen=True)
class ReviewFacts:
    files: int                      # eligible files
    files_missing_reviews: int      # of them, with fewer than N live regular reviews
    assignments_total: int          # live assignments (regular and third) of eligible files
    assignments_scored: int         # of them, submitted
    flagged_without_third: int      # files whose gap calls a third review that none holds

    @property
    def pending(self) -> int:
        return self.assignments_total - self.assignments_scored


def review_facts(campaign: Campaign, file_condition=None) -> ReviewFacts:
    """The counts over the campaign's eligible files (those matching `file_condition` too)."""
    ra = ReviewAssignment
    files = and_(Application.campaign_id == campaign.id, Application.status == IN_REVIEW,
                 *(() if file_condition is None else (file_condition,)))
    live = ra.status != "withdrawn"
    regular = (select(func.count(ra.id)).where(ra.application_id == Application.id, live, ra.is_third_review.is_(False))
               .correlate(Application).scalar_subquery())
    count, missing = db.session.execute(
        select(func.count(Application.id),
               func.coalesce(func.sum(case((regular < campaign.reviewers_per_file, 1), else_=0)), 0))
        .where(files)).one()
    total, scored = db.session.execute(
        select(func.count(ra.id), func.coalesce(func.sum(case((ra.status == "submitted", 1), else_=0)), 0))
        .join(Application, Application.id == ra.application_id).where(files, live)).one()
    gaps = (select(ra.application_id)
            .join(Application, Application.id == ra.application_id)
            .where(files, ra.status == "submitted", ra.is_third_review.is_(False))
            .group_by(ra.application_id)
            .having(func.count(ra.id) >= 2,
                    func.max(ra.weighted_total) - func.min(ra.weighted_total)
                    > Decimal(campaign.score_gap_threshold) + GAP_EPSILON)
            .subquery())
    third = aliased(ReviewAssignment)
    flagged = db.session.execute(
        select(func.count()).select_from(gaps).where(not_(exists().where(
            third.application_id == gaps.c.application_id, third.is_third_review.is_(True),
            third.status != "withdrawn"))))
    return ReviewFacts(int(count), int(missing), int(total), int(scored), int(flagged.scalar_one()))


def files_without_committee(campaign_id: int) -> int:
    """Eligible files that no committee is in charge of: with several committees and none for
    the whole campaign, those whose first choice's sector has no committee of its own (the
    campaign's only committee takes every file, as access.files_in_charge says)."""
    from .access import first_sector

    sectors = list(db.session.scalars(select(Committee.sector_id).where(Committee.campaign_id == campaign_id)))
    if len(sectors) <= 1 or None in sectors:
        return 0
    sector = first_sector()
    return int(db.session.execute(select(func.count(Application.id)).where(
        Application.campaign_id == campaign_id, Application.status == IN_REVIEW,
        or_(sector.is_(None), sector.not_in(sectors)))).scalar_one())


def phase_facts(campaign_id: int) -> dict:
    committee_count = db.session.execute(
        select(func.count()).select_from(Committee).where(Committee.campaign_id == campaign_id)).scalar_one()
    without_chair = db.session.execute(
        select(func.count(Committee.id)).where(Committee.campaign_id == campaign_id, not_(exists().where(
            CommitteeMember.committee_id == Committee.id, CommitteeMember.role == "chair",
            CommitteeMember.active.is_(True))))).scalar_one()
    deliberations, validated = db.session.execute(
        select(func.count(Deliberation.id),
               func.coalesce(func.sum(case((Deliberation.status == "validated", 1), else_=0)), 0))
        .join(Committee, Committee.id == Deliberation.committee_id)
        .where(Committee.campaign_id == campaign_id)).one()
    campaign = db.session.get(Campaign, campaign_id)
    reviews = review_facts(campaign)
    return {
        "committee_count": int(committee_count), "assignments_total": reviews.assignments_total,
        "assignments_scored": reviews.assignments_scored,
        "reviewers_per_file": campaign.reviewers_per_file,
        "files_without_committee": files_without_committee(campaign_id) if committee_count else 0,
        "files_missing_reviews": reviews.files_missing_reviews,
        "flagged_without_third": reviews.flagged_without_third,
        "committees_without_chair": int(without_chair),
        # Every committee of the campaign must have validated its deliberation.
        "deliberation_validated": int(deliberations) > 0 and int(deliberations) == int(validated),
    }
