"""What a trainee's follow-up may say, and the alerts it raises. Pure: no Flask, no session.

- `validate(values)`: the follow-up as it will be stored (every field of FIELDS, merged from
  what is known and what changes) → {field: French message}, empty when coherent. The dates
  follow the trainee's road: visa, travel, arrival, enrolment, then completion, abandonment or
  return; a departure is cancelled only before the arrival; a situation 6 or 12 months after
  the training needs its end (completion or return) and its sector when employed.
- `undo_errors(status, values)`: what a follow-up may no longer erase once the file moved
  (an enrolment, an abandonment recorded on the file).
- `alerts(rows, today, settings)`: re-enrolment documents missing after the deadline, visa not
  granted a month before the training starts, arrival not recorded a week after the travel
  date; one Alert per trainee and kind, dated when it became due.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Mapping

from ..msgid import N_
from . import money

VISA_STATUSES = ("not_started", "requested", "granted", "refused")
SITUATIONS = ("employed", "further_study", "seeking", "other")
# Every field of a follow-up that a person (or the import) writes.
FIELDS = (
    "scholarship_granted", "stipend_minor", "stipend_currency", "duration_months", "boarding",
    "amci_file_number", "visa_status", "visa_date", "travel_date", "arrival_date", "enrolled_on",
    "establishment_id", "abandoned_on", "abandonment_reason", "departure_cancelled_on",
    "departure_cancelled_reason", "completed_on", "returned_on", "situation_6m", "situation_6m_sector",
    "situation_12m", "situation_12m_sector",
)
DEFAULTS: dict = {name: None for name in FIELDS} | {
    "stipend_currency": money.DEFAULT_CURRENCY, "visa_status": "not_started", "abandonment_reason": "",
    "departure_cancelled_reason": "", "situation_6m_sector": "", "situation_12m_sector": ""}
TEXT_LIMITS = {"amci_file_number": 40, "abandonment_reason": 2000, "departure_cancelled_reason": 2000,
               "situation_6m_sector": 120, "situation_12m_sector": 120}
MAX_DURATION_MONTHS = 60
ACADEMIC_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def validate(values: Mapping) -> dict[str, str]:
    """{field: French message} for an incoherent follow-up; {} when it may be stored."""
    v = {**DEFAULTS, **values}
    errors: dict[str, str] = {}

    def fail(key: str, message: str) -> None:
        errors.setdefault(key, message)

    for key, limit in TEXT_LIMITS.items():
        if v.get(key) and len(str(v[key])) > limit:
            fail(key, f"{limit} caractères au plus.")
    # The scholarship.
    stipend = v.get("stipend_minor")
    if stipend is not None:
        if isinstance(stipend, bool) or not isinstance(stipend, int):
            fail("stipend_minor", "Montant de l'allocation invalide.")
        elif stipend < 0:
            fail("stipend_minor", "L'allocation ne peut pas être négative.")
        elif stipend > int(money.MAX_AMOUNT) * money.MINOR_PER_UNIT:
            fail("stipend_minor", "Montant trop élevé pour une allocation mensuelle (1 000 000 MAD au plus).")
        elif v.get("scholarship_granted") is False and stipend > 0:
            fail("stipend_minor", "Une allocation est indiquée alors que la bourse n'est pas accordée.")
    currency_error = money.check_currency(v.get("stipend_currency"))
    if currency_error:
        fail("stipend_currency", currency_error)
    months = v.get("duration_months")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int)
                               or not 1 <= months <= MAX_DURATION_MONTHS):
        fail("duration_months", f"Durée en mois entre 1 et {MAX_DURATION_MONTHS}.")
    # The visa and the road.
    visa, visa_date = v.get("visa_status"), v.get("visa_date")
    travel, arrival, enrolled = v.get("travel_date"), v.get("arrival_date"), v.get("enrolled_on")
    if visa not in VISA_STATUSES:
        fail("visa_status", "Statut de visa inconnu.")
    elif visa_date and visa == "not_started":
        fail("visa_date", "Une date de visa suppose un visa demandé, accordé ou refusé : indiquez son statut.")
    if visa == "granted" and visa_date and travel and travel < visa_date:
        fail("travel_date", f"La date de voyage précède la date du visa ({_d(visa_date)}).")
    if visa == "refused" and (arrival or enrolled):
        fail("visa_status", "Le visa est refusé alors qu'une arrivée ou une inscription est enregistrée.")
    if travel and arrival and arrival < travel:
        fail("arrival_date", f"La date d'arrivée précède la date de voyage ({_d(travel)}).")
    if enrolled and arrival and enrolled < arrival:
        fail("enrolled_on", f"La date d'inscription précède la date d'arrivée ({_d(arrival)}).")
    # A departure cancelled: before the arrival, with its reason.
    cancelled, cancel_reason = v.get("departure_cancelled_on"), (v.get("departure_cancelled_reason") or "").strip()
    if cancel_reason and not cancelled:
        fail("departure_cancelled_on", "Un motif d'annulation est donné sans date d'annulation du départ.")
    if cancelled:
        if not cancel_reason:
            fail("departure_cancelled_reason", "Indiquez le motif de l'annulation du départ.")
        if arrival or enrolled:
            fail("departure_cancelled_on", "Un départ ne s'annule qu'avant l'arrivée : le stagiaire est arrivé, "
                                           "enregistrez plutôt un abandon.")
        elif travel and cancelled > travel:
            fail("departure_cancelled_on", f"Le départ est annulé après la date de voyage ({_d(travel)}).")
    # An abandonment: after the enrolment, with its reason.
    abandoned, reason = v.get("abandoned_on"), (v.get("abandonment_reason") or "").strip()
    if reason and not abandoned:
        fail("abandoned_on", "Un motif d'abandon est donné sans date d'abandon.")
    if abandoned:
        if not reason:
            fail("abandonment_reason", "Indiquez le motif de l'abandon.")
        if not enrolled:
            fail("abandoned_on", "Un abandon suit une inscription : renseignez la date d'inscription "
                                 "(avant l'arrivée, enregistrez une annulation du départ).")
        elif abandoned < enrolled:
            fail("abandoned_on", f"La date d'abandon précède la date d'inscription ({_d(enrolled)}).")
    # The end of the training and the return to Mali.
    completed, returned = v.get("completed_on"), v.get("returned_on")
    if completed:
        if abandoned:
            fail("completed_on", "Un stagiaire qui a abandonné ne termine pas la formation.")
        elif not enrolled:
            fail("completed_on", "Une fin de formation suit une inscription : renseignez la date d'inscription.")
        elif completed < enrolled:
            fail("completed_on", f"La fin de formation précède la date d'inscription ({_d(enrolled)}).")
    if returned:
        ended = completed or abandoned
        if ended and returned < ended:
            fail("returned_on", f"Le retour au Mali précède la fin de la formation ou l'abandon ({_d(ended)}).")
        elif arrival and returned < arrival:
            fail("returned_on", f"Le retour au Mali précède l'arrivée au Maroc ({_d(arrival)}).")
    for months_after in ("6m", "12m"):
        key, sector_key = f"situation_{months_after}", f"situation_{months_after}_sector"
        situation = v.get(key)
        when = "6" if months_after == "6m" else "12"
        if situation is None:
            if (v.get(sector_key) or "").strip():
                fail(key, f"Un secteur est donné sans la situation à {when} mois.")
            continue
        if situation not in SITUATIONS:
            fail(key, "Situation inconnue.")
        elif not (completed or returned):
            fail(key, f"La situation à {when} mois suit la fin de la formation ou le retour au Mali : "
                      "renseignez l'une de ces dates.")
        elif situation == "employed" and not (v.get(sector_key) or "").strip():
            fail(sector_key, "Indiquez le secteur de l'emploi.")
    return errors


def undo_errors(status: str | None, values: Mapping) -> dict[str, str]:
    """What the follow-up may not erase once the file moved on (the file's status says so)."""
    errors: dict[str, str] = {}
    if status in ("enrolled", "abandoned") and not values.get("enrolled_on"):
        errors["enrolled_on"] = ("L'inscription est enregistrée au dossier : la date d'inscription ne peut pas "
                                 "être effacée.")
    if status == "abandoned" and not values.get("abandoned_on"):
        errors["abandoned_on"] = "L'abandon est enregistré au dossier : sa date ne peut pas être effacée."
    return errors


def check_academic_year(text: str | None) -> tuple[str | None, str | None]:
    """« 2026-2027 » → ("2026-2027", None); anything else → (None, French message)."""
    value = "".join((text or "").split()).replace("/", "-")
    found = ACADEMIC_YEAR.match(value)
    if not found or int(found.group(2)) != int(found.group(1)) + 1:
        return None, "Année de formation attendue au format 2026-2027."
    return value, None


def academic_year(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def academic_year_of(received: date, first_month: int = 6) -> str:
    """The academic year a re-enrolment's documents received on `received` are for, when the sheet
    does not say: from June on, the year that starts that autumn; before, the one under way."""
    return academic_year(received.year if received.month >= first_month else received.year - 1)


# --- alerts -------------------------------------------------------------------------------------

KINDS = ("reenrolment", "visa", "arrival")
KIND_LABELS = {
    "reenrolment": N_("Documents de réinscription manquants"),
    "visa": N_("Visa non accordé à un mois de la formation"),
    "arrival": N_("Arrivée non enregistrée une semaine après le voyage"),
}


@dataclass(frozen=True)
class AlertSettings:
    visa_notice_days: int = 30        # a visa not granted this many days before the training starts
    arrival_notice_days: int = 7      # no arrival this many days after the travel date
    academic_year_starts: tuple[int, int] = (9, 1)   # (month, day) an academic year starts


@dataclass(frozen=True)
class TraineeRow:
    """What the alerts read of one nominated trainee (with their campaign's settings)."""
    application_id: int
    reference: str | None
    name: str
    campaign_id: int
    campaign: str
    status: str                      # the file's status
    training_starts_on: date | None = None
    deadline_month: int = 9
    deadline_day: int = 30
    visa_status: str = "not_started"
    travel_date: date | None = None
    arrival_date: date | None = None
    enrolled_on: date | None = None
    abandoned_on: date | None = None
    departure_cancelled_on: date | None = None
    completed_on: date | None = None
    returned_on: date | None = None
    duration_months: int | None = None
    reenrolled_years: frozenset = field(default_factory=frozenset)  # academic years with documents received


@dataclass(frozen=True)
class Alert:
    kind: str
    application_id: int
    reference: str | None
    name: str
    campaign_id: int
    campaign: str
    due: date
    text: str                         # the French sentence with %(name)s placeholders (a msgid)
    params: tuple = ()                # its values, as (name, value) pairs

    @property
    def message(self) -> str:
        """The sentence in French; a page shows `_(alert.text, **alert.values)` instead."""
        return self.text % self.values

    @property
    def values(self) -> dict:
        return dict(self.params)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(start: date, months: int) -> date:
    index = start.month - 1 + months
    return _day(start.year + index // 12, index % 12 + 1, start.day)


def last_deadline(today: date, month: int, day: int) -> date:
    """The latest re-enrolment deadline strictly before today (documents are late from the next day)."""
    this_year = _day(today.year, month, day)
    return this_year if this_year < today else _day(today.year - 1, month, day)


def _reenrolment(row: TraineeRow, today: date, settings: AlertSettings) -> Alert | None:
    if row.status != "enrolled" or not row.enrolled_on:
        return None
    if row.abandoned_on or row.completed_on or row.returned_on:
        return None
    deadline = last_deadline(today, row.deadline_month, row.deadline_day)
    start_month, start_day = settings.academic_year_starts
    # The academic year the deadline belongs to: the one that starts in its calendar year when the
    # deadline is after that start, else the one that started the year before.
    first = deadline.year if deadline >= _day(deadline.year, start_month, start_day) else deadline.year - 1
    if row.enrolled_on >= _day(first, start_month, start_day):
        return None   # enrolled this academic year: nothing to re-enrol yet
    if row.duration_months and _add_months(row.enrolled_on, row.duration_months) <= deadline:
        return None   # the training was over by then
    year = academic_year(first)
    if year in row.reenrolled_years:
        return None
    return Alert("reenrolment", row.application_id, row.reference, row.name, row.campaign_id, row.campaign, deadline,
                 N_("Documents de réinscription %(year)s non reçus (date limite : %(deadline)s)."),
                 (("year", year), ("deadline", _d(deadline))))


def _visa(row: TraineeRow, today: date, settings: AlertSettings) -> Alert | None:
    if row.status != "accepted" or row.training_starts_on is None:
        return None
    if row.visa_status in ("granted", "refused") or row.departure_cancelled_on or row.arrival_date:
        return None
    due = row.training_starts_on - timedelta(days=settings.visa_notice_days)
    if today < due:
        return None
    return Alert("visa", row.application_id, row.reference, row.name, row.campaign_id, row.campaign, due,
                 N_("Visa non accordé à un mois de la formation (début le %(start)s)."),
                 (("start", _d(row.training_starts_on)),))


def _arrival(row: TraineeRow, today: date, settings: AlertSettings) -> Alert | None:
    if row.status != "accepted" or not row.travel_date or row.arrival_date or row.departure_cancelled_on:
        return None
    due = row.travel_date + timedelta(days=settings.arrival_notice_days)
    if today < due:
        return None
    return Alert("arrival", row.application_id, row.reference, row.name, row.campaign_id, row.campaign, due,
                 N_("Arrivée non enregistrée une semaine après le voyage du %(travel)s."),
                 (("travel", _d(row.travel_date)),))


def alerts(rows: Iterable[TraineeRow], today: date, settings: AlertSettings | None = None) -> list[Alert]:
    """Every alert due on `today`, the oldest first (then by kind and reference)."""
    settings = settings or AlertSettings()
    found = []
    for row in rows:
        for rule in (_reenrolment, _visa, _arrival):
            alert = rule(row, today, settings)
            if alert is not None:
                found.append(alert)
    return sorted(found, key=lambda a: (a.due, KINDS.index(a.kind), a.reference or "", a.application_id))


def counts(found: Iterable[Alert]) -> dict[str, int]:
    result = {kind: 0 for kind in KINDS}
    for alert in found:
        result[alert.kind] += 1
    return result
