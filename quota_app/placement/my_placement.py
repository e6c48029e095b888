"""What a candidate sees of their placement, after the publication: the seats offered or held,
the waiting lists they are on (with their position and how many are ahead), the lists they
left, and why they did not obtain a better choice."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db
from ..i18n import N_
from .explanations import ChoiceExplanation, explanations_for
from .models import AllocationRound, Placement, WaitingListEntry
from .services import ANSWER_PHASES

LEFT_REASONS = {
    "offered": N_("une place vous a été proposée sur cette formation"),
    "moved_up": N_("vous avez accepté une formation que vous préférez"),
    "gave_up": N_("vous avez renoncé à cette liste d'attente"),
    "expired": N_("vous n'avez pas répondu à temps à une place proposée"),
    "withdrawn": N_("votre dossier est retiré"),
}


@dataclass(frozen=True)
class WaitingLine:
    offer: object
    choice_rank: int
    position: int
    ahead: int          # active entries before this one now
    active: bool
    left_reason: str


@dataclass
class MyPlacement:
    published: bool
    answering: bool                       # the campaign still takes answers
    placements: list = field(default_factory=list)   # every Placement of the file, newest first
    live: list = field(default_factory=list)         # offered or accepted
    waiting: list[WaitingLine] = field(default_factory=list)
    explanations: list[ChoiceExplanation] = field(default_factory=list)

    @property
    def accepted(self):
        return next((p for p in self.live if p.status == "accepted"), None)

    @property
    def offered(self) -> list:
        return [p for p in self.live if p.status == "offered"]

    @property
    def active_waiting(self) -> list[WaitingLine]:
        return [w for w in self.waiting if w.active]


def my_placement(application) -> MyPlacement:
    published = db.session.scalar(select(AllocationRound.id).where(
        AllocationRound.campaign_id == application.campaign_id, AllocationRound.kind == "initial",
        AllocationRound.published_at.is_not(None))) is not None
    view = MyPlacement(published=published, answering=published and application.campaign.phase in ANSWER_PHASES)
    if not published:
        return view
    view.placements = list(db.session.scalars(select(Placement).where(Placement.application_id == application.id)
                                              .order_by(Placement.offered_at.desc(), Placement.id.desc())))
    view.live = sorted((p for p in view.placements if p.status in ("offered", "accepted")),
                       key=lambda p: p.choice_rank)
    ranks = {c.offer_id: c.rank for c in application.choices}
    for entry in db.session.scalars(select(WaitingListEntry).where(
            WaitingListEntry.application_id == application.id)):
        ahead = db.session.scalar(select(func.count()).select_from(WaitingListEntry).where(
            WaitingListEntry.offer_id == entry.offer_id, WaitingListEntry.active.is_(True),
            WaitingListEntry.position < entry.position)) if entry.active else 0
        view.waiting.append(WaitingLine(entry.offer, ranks.get(entry.offer_id, 0), entry.position, int(ahead),
                                        entry.active, LEFT_REASONS.get(entry.left_reason or "", "")))
    view.waiting.sort(key=lambda w: w.choice_rank)
    view.explanations = explanations_for(application)
    return view
