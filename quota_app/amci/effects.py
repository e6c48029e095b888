"""What the joint Morocco–Mali committee and the AMCI decide, and what it does to seats.

- confirm: the nomination is confirmed; nothing moves.
- refuse (the joint committee), visa refused, departure cancelled before the training starts:
  the candidate's seat is freed and goes to the waiting list at once (placement/cascade.py),
  the file moves to « refusé par la commission mixte » or « départ annulé ».
- reorient: the candidate is moved to another offer of the campaign, where they take a free
  seat or, when none is free, a seat added to that offer for them (an entry of the offer's seat
  ledger); the seat they leave goes to the waiting list.

Each decision is audited and the candidate is told (e-mail and/or SMS, after commit). Every
operation takes the campaign's lock first, as the placement's do.
Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..applications.models import Application
from ..audit.services import record
from ..campaigns.models import Offer, OfferSeatChange
from ..errors import InvalidTransition, ValidationFailed
from ..extensions import db
from ..placement import cascade
from ..placement.messages import offer_text, send_to_applicant
from ..placement.models import Placement
from ..timeutil import utcnow
from .models import Nomination

DECIDABLE = ("proposed", "confirmed", "reoriented")
SEAT_FREEING = {"refused": ("amci_refused", "amci.refuse"),
                "visa_refused": ("not_departed", "amci.visa_refused"),
                "departure_cancelled": ("not_departed", "amci.departure_cancelled")}
REASON_NEEDED = "Indiquez le motif (il figure au dossier et dans le message au candidat)."


def _fresh(nomination: Nomination) -> Nomination:
    cascade.lock(nomination.campaign_id)
    db.session.refresh(nomination)
    return nomination


def _accepted_placement(application_id: int) -> Placement | None:
    return db.session.scalars(select(Placement).where(
        Placement.application_id == application_id, Placement.status == "accepted")
        .execution_options(**cascade.FRESH)).first()


def confirm(actor, nomination: Nomination, actor_kind: str = "manager", now: datetime | None = None,
            note: str = "") -> bool:
    """True when confirmed now, False when it already was (a second click changes nothing)."""
    now = now or utcnow()
    nomination = _fresh(nomination)
    if nomination.status == "confirmed":
        return False
    if nomination.status not in ("proposed",):
        raise InvalidTransition(f"Cette nomination est déjà décidée ({nomination.status}).")
    nomination.status, nomination.decided_at = "confirmed", now
    nomination.decided_by_id, nomination.decision_note = getattr(actor, "id", None), note.strip()
    record(actor, "amci.confirm", nomination, campaign_id=nomination.campaign_id,
           after={"application_id": nomination.application_id, "status": "confirmed"})
    application = db.session.get(Application, nomination.application_id)
    send_to_applicant(application, f"Dossier {application.reference} : votre candidature est confirmée par l'AMCI", [
        "La commission mixte maroco-malienne a confirmé votre candidature pour la formation "
        f"{offer_text(None, nomination.final_offer_id or nomination.offer_id)}.",
        "L'AMCI vous contactera pour la bourse, le visa et le voyage. Tenez votre passeport à jour.",
    ], "Quota DNFP : l'AMCI a confirmé votre candidature. Préparez votre passeport et votre visa.")
    return True


def free_seat(actor, nomination: Nomination, kind: str, reason: str, actor_kind: str = "manager",
              now: datetime | None = None) -> bool:
    """A refusal, a visa refused or a departure cancelled: the seat goes to the waiting list.
    True when done now, False when the nomination already had this outcome."""
    now = now or utcnow()
    target, action = SEAT_FREEING[kind]
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(REASON_NEEDED, errors={"reason": REASON_NEEDED})
    nomination = _fresh(nomination)
    application = db.session.get(Application, nomination.application_id, populate_existing=True)
    if application.status == target and nomination.status in ("refused",):
        return False
    if nomination.status not in DECIDABLE:
        raise InvalidTransition("Cette nomination n'est plus sur la liste : rien à refuser.")
    if application.status not in ("accepted",):
        raise InvalidTransition(
            "Seul un candidat qui a accepté sa place et n'est pas encore inscrit peut être refusé ou voir son "
            "départ annulé ; après l'inscription, enregistrez un abandon.")
    event = cascade.Event(application.campaign, actor, f"{reason[:120]} ({application.reference})", now)
    placement = _accepted_placement(application.id)
    if placement is not None:
        cascade.release(placement, "refused", event)
    cascade.leave_lists(application.id, action.split(".")[1], now)
    before = nomination.status
    nomination.status, nomination.decided_at = "refused", now
    nomination.decided_by_id, nomination.decision_note = getattr(actor, "id", None), reason
    application.transition_to(target, actor, actor_kind, action=action, reason=reason,
                              before={"nomination": before}, after={"nomination": "refused"})
    offer = offer_text(None, placement.offer_id) if placement is not None else ""
    if kind == "refused":
        lines = [f"La commission mixte maroco-malienne n'a pas retenu votre candidature pour {offer}.",
                 f"Motif : {reason}", "Votre place est proposée au candidat suivant de la liste d'attente."]
        sms = "Quota DNFP : la commission mixte n'a pas retenu votre candidature. Détails par e-mail ou à la DNFP."
    else:
        lines = [f"Votre départ pour {offer} est annulé.", f"Motif : {reason}",
                 "Votre place est proposée au candidat suivant de la liste d'attente."]
        sms = "Quota DNFP : votre départ est annulé et votre place proposée au suivant. Contactez la DNFP."
    send_to_applicant(application, f"Dossier {application.reference} : décision de l'AMCI", lines, sms)
    return True


def _seat_for(offer: Offer, sex: str | None, actor, reason: str, now: datetime) -> tuple[str, int]:
    """A free seat of the offer for a re-oriented candidate, or one added for them."""
    free = cascade.free_seat_numbers(offer)
    fits = [s for s in free if s[0] == "open" or (offer.campaign.reserved_sex and sex == offer.campaign.reserved_sex)]
    if fits:
        return sorted(fits, key=lambda s: (s[0] == "reserved", s[1]))[0]
    db.session.add(OfferSeatChange(
        offer_id=offer.id, campaign_id=offer.campaign_id, changed_by_id=getattr(actor, "id", None), changed_at=now,
        reason=f"Réorientation par la commission mixte : {reason}"[:2000], seats_before=offer.seats,
        seats_after=offer.seats + 1, reserved_before=offer.reserved_seats, reserved_after=offer.reserved_seats))
    record(actor, "offer.seats", offer, campaign_id=offer.campaign_id,
           before={"seats": offer.seats}, after={"seats": offer.seats + 1}, reason="Réorientation (commission mixte)")
    offer.seats += 1
    db.session.flush()
    return "open", offer.seats - offer.reserved_seats


def reorient(actor, nomination: Nomination, offer: Offer, reason: str, actor_kind: str = "manager",
             now: datetime | None = None) -> bool:
    """Move the nominated candidate to `offer` (of the same campaign). False when already there."""
    now = now or utcnow()
    reason = (reason or "").strip() or "Réorientation décidée par la commission mixte"
    nomination = _fresh(nomination)
    if offer.campaign_id != nomination.campaign_id:
        raise ValidationFailed("La nouvelle formation doit être une offre de la même campagne.")
    if nomination.status not in DECIDABLE:
        raise InvalidTransition("Cette nomination n'est plus sur la liste : elle ne peut pas être réorientée.")
    application = db.session.get(Application, nomination.application_id, populate_existing=True)
    placement = _accepted_placement(application.id)
    if placement is None or application.status != "accepted":
        raise InvalidTransition("Seul un candidat qui a accepté sa place, pas encore inscrit, peut être réorienté.")
    if placement.offer_id == offer.id:
        return False
    db.session.refresh(offer)
    event = cascade.Event(application.campaign, actor, f"Réorientation de {application.reference}", now)
    old_offer_id = placement.offer_id
    # The old seat is freed first (uq_placements_one_accepted: one accepted seat per file).
    cascade.release(placement, "reoriented", event)
    kind, number = _seat_for(offer, application.sex, actor, reason, now)
    moved = Placement(application_id=application.id, offer_id=offer.id, round_id=placement.round_id,
                      choice_rank=placement.choice_rank, seat_kind=kind, seat_number=number, status="accepted",
                      offered_at=now, decided_at=now)
    db.session.add(moved)
    db.session.flush()
    before = nomination.status
    nomination.status, nomination.final_offer_id, nomination.placement_id = "reoriented", offer.id, moved.id
    nomination.decided_at, nomination.decided_by_id, nomination.decision_note = now, getattr(actor, "id", None), reason
    record(actor, "amci.reorient", nomination, campaign_id=nomination.campaign_id, reason=reason,
           before={"offer_id": old_offer_id, "status": before},
           after={"offer_id": offer.id, "status": "reoriented", "seat_kind": kind, "seat_number": number})
    send_to_applicant(application, f"Dossier {application.reference} : réorientation par la commission mixte", [
        "La commission mixte maroco-malienne a confirmé votre candidature en vous réorientant vers "
        f"{offer_text(offer)}.",
        f"Motif : {reason}",
        "L'AMCI vous contactera pour la bourse, le visa et le voyage.",
    ], "Quota DNFP : la commission mixte vous réoriente vers une autre formation. Détails dans votre espace.")
    return True
