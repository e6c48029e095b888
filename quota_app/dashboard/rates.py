"""The year's journey (« parcours de l'année »), stage by stage, and its rates: pure, no Flask,
no session.

A stage counts the files that reached it (dashboard/funnel.py says how each is read from the
database). The main line runs from the application to the re-enrolment; three stages branch off
it and are measured against the stage they come from rather than the one printed before them:
completed and abandoned against the enrolled trainees, employed against those who completed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from ..i18n import N_

STAGES: tuple[str, ...] = (
    "applied", "eligible", "evaluated", "placed", "accepted", "nominated", "confirmed",
    "departed", "enrolled", "reenrolled", "completed", "abandoned", "employed",
)
STAGE_LABELS: dict[str, str] = {
    "applied": N_("Candidatures soumises"),
    "eligible": N_("Recevables"),
    "evaluated": N_("Évalués"),
    "placed": N_("Affectés (une place proposée)"),
    "accepted": N_("Place acceptée"),
    "nominated": N_("Proposés à l'AMCI"),
    "confirmed": N_("Confirmés par la commission mixte"),
    "departed": N_("Partis au Maroc"),
    "enrolled": N_("Inscrits dans l'établissement"),
    "reenrolled": N_("Réinscrits"),
    "completed": N_("Formation achevée"),
    "abandoned": N_("Abandons"),
    "employed": N_("En emploi (6 ou 12 mois après)"),
}
# The stage each one is measured against ("the previous one"); the first has none.
BASE_STAGE: dict[str, str] = {
    **{stage: previous for previous, stage in zip(STAGES, STAGES[1:])},
    "completed": "enrolled",
    "abandoned": "enrolled",
    "employed": "completed",
}
# The stages that follow the placement obtained: the sector and level breakdowns start here.
FROM_PLACEMENT: tuple[str, ...] = STAGES[STAGES.index("placed"):]


def share(part: int | None, whole: int | None) -> float | None:
    """part / whole, None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return part / whole


@dataclass(frozen=True)
class StageRate:
    stage: str
    label: str
    count: int
    base_stage: str | None      # the stage `of_previous` divides by
    of_previous: float | None   # count / the base stage's count
    of_applied: float | None    # count / applied
    of_quota: float | None      # count / the campaign's announced quota


def stage_rates(counts: Mapping[str, int], quota: int | None = None) -> list[StageRate]:
    """Each stage's count and its three rates, in the order of STAGES (a missing stage is 0).

    A rate whose divisor is 0 (or a quota that is 0 or None) is None: "not applicable", which
    is not the same as 0 %. A rate may exceed 1 where the data are incomplete (a follow-up
    recorded for a file whose departure was not): it is shown as it is, not capped."""
    applied = counts.get("applied", 0)
    result = []
    for stage in STAGES:
        count = counts.get(stage, 0)
        base = BASE_STAGE.get(stage)
        result.append(StageRate(
            stage=stage, label=STAGE_LABELS[stage], count=count, base_stage=base,
            of_previous=share(count, counts.get(base, 0)) if base else None,
            of_applied=share(count, applied), of_quota=share(count, quota)))
    return result


def reserved_rate(women_accepted: int, reserved_seats: int) -> float | None:
    """Women who accepted a seat against the seats reserved for women."""
    return share(women_accepted, reserved_seats)
