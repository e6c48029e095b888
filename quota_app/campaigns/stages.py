"""What the later stages of the year tell the campaign: the facts its phase guards need, and
whether an offer is already in use. campaigns/ sits below applications, committee and
placement, so it never imports them: each registers its answer here (quota_app/features.py).
"""
from __future__ import annotations

from typing import Callable

from ..registry import Registry

# name -> fn(campaign_id) -> {CampaignFacts field: value}; fields nobody fills keep their default.
phase_facts: Registry[Callable[[int], dict]] = Registry("La source de faits de phase")
# name -> fn(offer_id) -> bool: true when that stage holds a reference to the offer.
offer_uses: Registry[Callable[[int], bool]] = Registry("L'usage d'une offre")
# name -> fn(campaign, target, actor, now): what a later stage does when the campaign moves to
# `target`, once the guard has passed and before the phase changes (the placement publishes
# round 1 on « affectation publiée »); it may refuse with InvalidTransition.
phase_actions: Registry[Callable[..., None]] = Registry("L'action d'un passage de phase")


def later_facts(campaign_id: int) -> dict:
    facts: dict = {}
    for source in phase_facts.values():
        facts.update(source(campaign_id))
    return facts


def offer_in_use(offer_id: int) -> bool:
    return any(used(offer_id) for used in offer_uses.values())


def run_phase_actions(campaign, target: str, actor, now) -> None:
    for action in phase_actions.values():
        action(campaign, target, actor, now)


class Todo:
    """One thing a manager has to do now for a campaign: what, how many, where."""

    __slots__ = ("text", "count", "url")

    def __init__(self, text: str, count: int, url: str | None = None):
        self.text, self.count, self.url = text, count, url


# name -> fn(campaign) -> [Todo]: what each later stage asks of the managers now (the home page).
todos: Registry[Callable[..., list]] = Registry("Ce qu'il reste à faire")


def todos_for(campaign) -> list[Todo]:
    found = []
    for provider in todos.values():
        found.extend(t for t in provider(campaign) if t.count)
    return found
