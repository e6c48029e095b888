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


def later_facts(campaign_id: int) -> dict:
    facts: dict = {}
    for source in phase_facts.values():
        facts.update(source(campaign_id))
    return facts


def offer_in_use(offer_id: int) -> bool:
    return any(used(offer_id) for used in offer_uses.values())
