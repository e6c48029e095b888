"""What a placed candidate does: see their placement and accept or decline it before the deadline.

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..applications.services import own_application
from ..errors import InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..timeutil import utcnow
from .models import Placement
from .seats import SEAT_HOLDING

ANSWERS = {"accept": "accepted", "decline": "declined"}


def own_placement(user, placement_id) -> Placement:
    """The user's own placement, or NotFound (another's id looks exactly like a missing one)."""
    placement = db.session.get(Placement, placement_id) if isinstance(placement_id, int) else None
    if placement is None:
        raise NotFound("Affectation introuvable.")
    own_application(user, placement.application_id)
    return placement


def live_placement(application) -> Placement | None:
    """The placement that holds a seat for this file (offered or accepted), if any."""
    return db.session.scalar(select(Placement).where(
        Placement.application_id == application.id, Placement.status.in_(SEAT_HOLDING)))


def answer(user, placement: Placement, choice: str | None, now: datetime | None = None) -> None:
    """Accept or decline an offered placement; the same answer twice changes nothing."""
    new_status = ANSWERS.get(choice or "")
    if new_status is None:
        raise ValidationFailed("Choisissez d'accepter ou de refuser la place.")
    now = now or utcnow()
    if placement.status == new_status:
        return
    if placement.status != "offered":
        raise InvalidTransition("Cette affectation n'attend plus de réponse.")
    if placement.deadline is not None and now > placement.deadline:
        raise InvalidTransition("La date limite de réponse est dépassée.")
    # The file's move first: refused, nothing has changed.
    placement.application.transition_to(
        new_status, user, "applicant", action=f"placement.{choice}", subject=placement,
        before={"placement": placement.status}, after={"placement": new_status})
    placement.status = new_status
    placement.decided_at = now
