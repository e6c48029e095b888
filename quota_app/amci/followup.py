"""The trainee's scholarship and follow-up, as AMCI officers and managers record it.

- `update_follow_up(actor, application_id, values, now, version)`: the trainee's follow-up
  (created on the first write) for a nominated trainee still on the list (a live nomination:
  proposed, confirmed or re-oriented); every value checked by followup_rules; the version read
  guards against a change made meanwhile (Conflict); audited as « amci.followup » with what
  changed before and after. What it says moves the file (`file_effects`): a visa refused or a
  departure cancelled before the training starts frees the seat for the waiting list
  (effects.free_seat) and the file goes to « départ annulé »; an enrolment moves it to
  « inscrit », an abandonment to « abandon ».
- `file_effects(...)`: those moves alone, shared with the follow-up import (amci/io.py).
- `record_reenrolment(...)`: the documents of a year's re-enrolment and its result.
- `visible(actor, application_id)`: need to know — an AMCI officer reads nominated trainees
  only (a nomination not withdrawn); any other file looks like a missing one (NotFound).

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..applications.models import Application
from ..audit.services import record
from ..errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from ..extensions import db
from ..placement import cascade
from ..reference.models import Establishment
from ..timeutil import utcnow
from . import effects, followup_rules as rules
from .models import FollowUp, Nomination, ReenrolmentRecord
from .nominations import LIVE

EDITORS = ("manager", "amci")
STALE = ("Le suivi de ce stagiaire a été modifié entre-temps par quelqu'un d'autre : rechargez la page, "
         "vérifiez les valeurs et recommencez.")
NOT_LIVE = ("Ce stagiaire n'est plus sur la liste nominative (candidature refusée, départ annulé ou retirée) : "
            "son suivi ne se modifie plus.")
INVALID = "Le suivi n'est pas enregistré : corrigez les valeurs signalées."
VISA_REASON = "Visa refusé (suivi AMCI)."


def actor_kind(actor) -> str:
    return "amci" if getattr(actor, "role", None) == "amci" else "manager"


def _check_editor(actor) -> None:
    if getattr(actor, "role", None) not in EDITORS:
        raise NotAllowed("Seuls les gestionnaires et les agents de l'AMCI tiennent le suivi des stagiaires.")


def nomination_for(application_id: int) -> Nomination | None:
    return db.session.scalars(select(Nomination).where(Nomination.application_id == application_id)
                              .order_by(Nomination.id.desc())).first()


def follow_up_of(application_id: int) -> FollowUp | None:
    return db.session.scalars(select(FollowUp).where(FollowUp.application_id == application_id)).first()


def visible(actor, application_id: int) -> tuple[Application, Nomination | None]:
    """The file and its nomination, when the actor may read its follow-up; else NotFound.

    AMCI officers and managers: a nominated trainee (a nomination not withdrawn); managers also
    a file that has a follow-up without a nomination (an older import)."""
    role = getattr(actor, "role", None)
    application = db.session.get(Application, application_id)
    if application is None or role not in EDITORS:
        raise NotFound("Stagiaire introuvable.")
    nomination = nomination_for(application_id)
    if nomination is not None and nomination.status != "withdrawn":
        return application, nomination
    if role == "manager" and follow_up_of(application_id) is not None:
        return application, nomination
    raise NotFound("Stagiaire introuvable.")


def snapshot(row: FollowUp | None) -> dict:
    if row is None:
        return dict(rules.DEFAULTS)
    return {key: getattr(row, key) for key in rules.FIELDS}


def _reference_errors(application_id: int, values: dict) -> dict[str, str]:
    errors = {}
    number = values.get("amci_file_number")
    if number:
        holder = db.session.scalar(select(Application.reference).join(FollowUp, FollowUp.application_id == Application.id)
                                   .where(FollowUp.amci_file_number == number, FollowUp.application_id != application_id))
        if holder is not None:
            errors["amci_file_number"] = f"Ce N° dossier AMCI est déjà celui d'un autre stagiaire (dossier {holder})."
    establishment = values.get("establishment_id")
    if establishment is not None and db.session.get(Establishment, establishment) is None:
        errors["establishment_id"] = "Établissement inconnu."
    return errors


def _training_started(application: Application, today: date) -> bool:
    start = application.campaign.training_starts_on
    return start is not None and today >= start


def file_effects(actor, application: Application, nomination: Nomination | None, before: dict, after: dict,
                 now: datetime, reason: str = "", kind: str | None = None) -> list[str]:
    """Move the file as the follow-up now says: the seat freed (visa refused, departure cancelled
    before the training starts), the enrolment, the abandonment. Returns what was done."""
    kind = kind or actor_kind(actor)
    done = []
    for freeing, changed in (("visa_refused", after.get("visa_status") == "refused" and before.get("visa_status") != "refused"),
                             ("departure_cancelled", bool(after.get("departure_cancelled_on"))
                              and not before.get("departure_cancelled_on"))):
        if not changed or application.status != "accepted":
            continue
        why = (after.get("departure_cancelled_reason") or "").strip() if freeing == "departure_cancelled" else ""
        why = why or (reason or "").strip() or VISA_REASON
        action = effects.SEAT_FREEING[freeing][1]
        if nomination is not None and nomination.status in effects.DECIDABLE and not _training_started(
                application, now.date()):
            effects.free_seat(actor, nomination, freeing, why, kind, now)
        else:
            # The training has started (or no nomination to free): the file leaves, no one is called.
            application.transition_to("not_departed", actor, kind, action=action, reason=why,
                                      after={"seat": "non libérée (formation commencée)"})
        done.append(freeing)
    if after.get("enrolled_on") and application.status == "accepted":
        application.transition_to("enrolled", actor, kind, action="amci.enrolment",
                                  reason=(reason or "").strip() or "Inscription dans l'établissement (suivi AMCI)")
        done.append("enrolled")
    if after.get("abandoned_on") and application.status == "enrolled":
        application.transition_to("abandoned", actor, kind, action="amci.abandon",
                                  reason=(after.get("abandonment_reason") or "").strip() or reason)
        done.append("abandoned")
    return done


def update_follow_up(actor, application_id: int, values: dict, now: datetime | None = None,
                     version: int | None = None, *, reason: str = "", move_file: bool = True) -> FollowUp:
    """Write the trainee's follow-up (created if missing) and move the file as it says.

    `values`: some or all of followup_rules.FIELDS (what is not given keeps its stored value);
    `version`: the follow-up's version the form was read at (None: no check; 0: none existed);
    `reason`: a comment kept in the journal (and the reason given for a visa refused);
    `move_file`: False when the caller moves the file itself (the demo's year)."""
    now = now or utcnow()
    _check_editor(actor)
    application, nomination = visible(actor, application_id)
    unknown = sorted(set(values) - set(rules.FIELDS))
    if unknown:
        raise ValidationFailed(f"Champ(s) de suivi inconnu(s) : {', '.join(unknown)}.")
    if nomination is None or nomination.status not in LIVE:
        raise InvalidTransition(NOT_LIVE)
    cascade.lock(application.campaign_id)
    db.session.refresh(application)
    row = follow_up_of(application_id)
    if row is not None:
        db.session.refresh(row)
    current = row.version if row is not None else 0
    if version is not None and int(version) != current:
        raise Conflict(STALE)
    before = snapshot(row)
    merged = {**before, **values}
    for key in ("abandonment_reason", "departure_cancelled_reason", "situation_6m_sector", "situation_12m_sector"):
        merged[key] = (merged.get(key) or "").strip()
    merged["stipend_currency"] = (merged.get("stipend_currency") or "MAD").strip().upper()
    errors = {**rules.validate(merged), **rules.undo_errors(application.status, merged),
              **_reference_errors(application_id, merged)}
    if errors:
        raise ValidationFailed(INVALID if len(errors) > 1 else next(iter(errors.values())), errors=errors)
    changed = {key: value for key, value in merged.items() if before.get(key) != value}
    if row is not None and not changed:
        return row
    if row is None:
        row = FollowUp(application_id=application_id)
        db.session.add(row)
    for key, value in merged.items():
        setattr(row, key, value)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(STALE) from exc
    record(actor, "amci.followup", row, campaign_id=application.campaign_id,
           before={key: before.get(key) for key in changed}, after=changed, reason=(reason or "").strip())
    if move_file:
        file_effects(actor, application, nomination, before, merged, now, reason)
    db.session.flush()
    return row


def record_reenrolment(actor, application_id: int, academic_year: str, documents_received_on: date | None,
                       result: str = "", note: str = "", now: datetime | None = None) -> ReenrolmentRecord:
    """The documents of one year's re-enrolment (received on, or None while awaited) and its result."""
    _check_editor(actor)
    application, nomination = visible(actor, application_id)
    if nomination is None or nomination.status not in LIVE:
        raise InvalidTransition(NOT_LIVE)
    year, error = rules.check_academic_year(academic_year)
    errors = {"academic_year": error} if error else {}
    result, note = (result or "").strip(), (note or "").strip()
    if len(result) > 120:
        errors["result"] = "120 caractères au plus."
    row = follow_up_of(application_id)
    if row is None or not row.enrolled_on:
        errors.setdefault("academic_year", "Une réinscription suit une inscription : enregistrez d'abord "
                                           "l'inscription dans l'établissement.")
    elif year and int(year[:4]) < row.enrolled_on.year:
        errors["academic_year"] = f"Cette année précède l'inscription du {row.enrolled_on:%d/%m/%Y}."
    if documents_received_on and row is not None and row.enrolled_on and documents_received_on < row.enrolled_on:
        errors["documents_received_on"] = "Les documents sont datés avant l'inscription."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    record_row = db.session.scalars(select(ReenrolmentRecord).where(
        ReenrolmentRecord.follow_up_id == row.id, ReenrolmentRecord.academic_year == year)).first()
    before = None
    if record_row is None:
        record_row = ReenrolmentRecord(follow_up_id=row.id, academic_year=year)
        db.session.add(record_row)
    else:
        before = {"documents_received_on": record_row.documents_received_on, "result": record_row.result,
                  "note": record_row.note}
    after = {"documents_received_on": documents_received_on, "result": result, "note": note}
    if before == after:
        return record_row
    record_row.documents_received_on, record_row.result, record_row.note = documents_received_on, result, note
    db.session.flush()
    record(actor, "amci.reenrolment", row, campaign_id=application.campaign_id,
           before=None if before is None else {"academic_year": year, **before},
           after={"academic_year": year, **after})
    return record_row


def reenrolments(follow_up_id: int | None) -> list[ReenrolmentRecord]:
    if follow_up_id is None:
        return []
    return list(db.session.scalars(select(ReenrolmentRecord).where(ReenrolmentRecord.follow_up_id == follow_up_id)
                                   .order_by(ReenrolmentRecord.academic_year)))
