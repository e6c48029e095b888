"""The campaign's one ranking once every committee has validated: each evaluated file's final
score, in the order the placement uses (higher score first, then the campaign's written tie
rule, as each committee ranked its own files). Across committees, files of equal score are
ordered by the same rule, so the order never depends on which committee a file went to.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from ..applications.models import Application
from ..extensions import db
from .access import deliberation_of
from .deliberating import _criterion_means, _tie_rule
from .models import EvaluationResult
from .normalisation import to_milli
from .ranking import CRITERION_PREFIX, Candidate, order


@dataclass(frozen=True, slots=True)
class Standing:
    application_id: int
    final_score: Decimal


def campaign_standing(campaign, statuses=("evaluated",)) -> list[Standing]:
    """The files in `statuses` with a final score, best first."""
    rows = db.session.execute(
        select(Application.id, Application.reference, Application.diploma_average, Application.submitted_at,
               Application.birth_date, EvaluationResult.final_score, EvaluationResult.committee_id)
        .join(EvaluationResult, EvaluationResult.application_id == Application.id)
        .where(Application.campaign_id == campaign.id, Application.status.in_(statuses),
               EvaluationResult.final_score.is_not(None))
        .order_by(Application.id)).all()
    committee_ids = {row.committee_id for row in rows if row.committee_id is not None}
    # The rule as validated (every committee validated the campaign's rule of the moment).
    deliberation = deliberation_of(min(committee_ids)) if committee_ids else None
    rule = _tie_rule(campaign, deliberation)
    means: dict[int, dict] = {}
    if any(key.startswith(CRITERION_PREFIX) for key in rule.keys):
        ids = {row.id for row in rows}
        for committee_id in committee_ids:
            means.update(_criterion_means(committee_id, ids))
    candidates = [Candidate(file_id=row.id, reference=row.reference or f"#{row.id}",
                            diploma_average=row.diploma_average, submitted_at=row.submitted_at,
                            birth_date=row.birth_date, criterion_scores=means.get(row.id)) for row in rows]
    finals = [to_milli(row.final_score) for row in rows]
    return [Standing(rows[i].id, rows[i].final_score) for i in order(finals, candidates, rule)]
