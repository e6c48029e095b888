"""Why a candidate did not obtain a better choice, read from the published round 1: for each
choice above the one obtained (every choice for the unplaced), that offer's cut-offs beside the
candidate's score (allocation.explanation_text). The candidate sees it after the publication; a
manager sees it for anyone."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select

from ..applications.models import ApplicationChoice
from ..committee.models import EvaluationResult
from ..extensions import db
from .allocation import Explanation, explanation_text
from .models import AllocationRound, OfferCutoff, Placement


@dataclass(frozen=True)
class ChoiceExplanation:
    rank: int
    offer_id: int
    label: str
    text: str


def _initial_round(campaign_id: int) -> AllocationRound | None:
    return db.session.scalar(select(AllocationRound).where(
        AllocationRound.campaign_id == campaign_id, AllocationRound.kind == "initial"))


def explanations_for(application) -> list[ChoiceExplanation]:
    """[] before the publication, or for a file that obtained its first choice."""
    from ..applications.services import offer_label

    round_ = _initial_round(application.campaign_id)
    if round_ is None or application.status in ("draft", "submitted", "eligible", "ineligible", "evaluated"):
        return []
    score = db.session.scalar(select(EvaluationResult.final_score).where(
        EvaluationResult.application_id == application.id))
    if score is None:
        return []
    obtained = db.session.scalar(select(Placement.choice_rank).where(
        Placement.application_id == application.id, Placement.round_id == round_.id))
    cutoffs = {c.offer_id: c for c in db.session.scalars(
        select(OfferCutoff).where(OfferCutoff.round_id == round_.id))}
    choices = db.session.scalars(select(ApplicationChoice).where(
        ApplicationChoice.application_id == application.id).order_by(ApplicationChoice.rank)).all()
    woman = application.campaign.reserved_sex is not None and application.sex == application.campaign.reserved_sex
    found = []
    for choice in choices:
        if obtained is not None and choice.rank >= obtained:
            break
        cutoff = cutoffs.get(choice.offer_id)
        if cutoff is None:
            continue
        explanation = Explanation(offer_id=choice.offer_id, position=choice.rank, open_score=cutoff.cutoff_score,
                                  reserved_score=cutoff.reserved_cutoff_score, score=Decimal(score))
        label = offer_label(choice.offer)
        found.append(ChoiceExplanation(choice.rank, choice.offer_id, label, gettext(
            "Choix %(rank)s (%(label)s) : %(why)s", rank=choice.rank, label=label,
            why=explanation_text(explanation, woman, gettext))))
    return found
