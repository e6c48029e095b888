"""What-if simulations (« et si l'OFPPT ajoutait 10 places à cette offre ? »): a manager changes the
seats or the reserved seats of some offers and sees, beside the allocation with the current
seats, who gets in, who drops out, who changes offer, each offer's cut-offs before and after and
the fill by sex, sector and region.

When it makes sense:
- « Délibération »: the files the deliberation evaluated, before anything is published;
- « Affectations publiées »: the files still in the running after the publication (placed,
  accepted, waiting, not retained, enrolled; a file declined or withdrawn has left). The rule is
  run again on them from scratch: it shows where the rule would put everyone with those seats,
  not what the waiting lists will do (nobody who accepted ever loses a seat, whatever a
  simulation says).

A simulation is kept as an AllocationRound of kind "simulation" (the campaign's next number, the
manager's title as its cause); its `parameters` hold the overrides and the whole comparison
(`summary`, JSON), so that the saved page shows it again without running anything. Nothing an
applicant sees is written: no placement, waiting-list entry, cut-off, status, offer or message.

The comparison is pure (`compare`, `summarise`: Allocations and plain facts in, plain data out);
`simulate` reads the database, runs the allocation twice and writes the round. Explicit
arguments, no request; the caller commits once.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..applications.models import Application
from ..audit.services import record
from ..auth.models import User
from ..campaigns.models import Offer
from ..errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import N_
from ..reference.models import Establishment, Programme, Region, Sector
from . import cascade
from .allocation import Allocation, Candidate, OfferSeats, allocate
from .inputs import load, offer_seats
from .models import AllocationRound

SIMULATION_PHASES = ("deliberation", "published")
# The files the allocation is run on, by phase.
CANDIDATE_STATUSES = {
    "deliberation": ("evaluated",),
    "published": ("placed", "accepted", "waiting_list", "not_selected", "enrolled"),
}
MAX_SEATS = 100_000
TITLE_MAX = 300

IN, OUT, MOVED = "in", "out", "moved"
MOVE_LABELS = {IN: N_("Entrent"), OUT: N_("Sortent"), MOVED: N_("Changent d'offre")}  # shown through _()
SEX_LABELS = {"F": "Femmes", "M": "Hommes"}
NO_SEX = "Non renseigné"
NO_REGION = "Région non renseignée"
NO_SECTOR = "Secteur non renseigné"


# --- the comparison, pure -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Move:
    """One candidate whose offer differs between two allocations."""

    candidate_id: int
    before: tuple[int, str] | None   # (offer id, seat kind), None: not placed
    after: tuple[int, str] | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return IN
        if self.after is None:
            return OUT
        return MOVED


def compare(before: Allocation, after: Allocation, order: Iterable[int]) -> list[Move]:
    """Every candidate of `order` (their ids, in rank order) who is placed in one allocation and
    not the other, or placed at another offer. A change of seat kind alone (open or reserved, at
    the same offer) is not a move."""
    got_before, got_after = before.placed.get, after.placed.get
    moves = []
    for candidate_id in order:
        b, a = got_before(candidate_id), got_after(candidate_id)
        if (b[0] if b else None) != (a[0] if a else None):
            moves.append(Move(candidate_id, b, a))
    return moves


@dataclass(frozen=True, slots=True)
class Person:
    reference: str
    name: str
    sex: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class OfferFacts:
    code: str
    label: str
    sector: str | None


def _score(value) -> str | None:
    return None if value is None else str(value)


def _pair(before, after) -> list:
    return [before, after]


def _fill_rows(before: Counter, after: Counter, labels: Iterable, seats: Mapping | None = None) -> list[dict]:
    rows = []
    for label in labels:
        row = {"label": label, "before": before.get(label, 0), "after": after.get(label, 0)}
        if seats is not None:
            row["seats"] = list(seats.get(label, (0, 0)))
        rows.append(row)
    return rows


def _last(missing: str):
    """Sort key: by label, the « non renseigné » row last."""
    return lambda label: (label == missing, label)


def summarise(candidates: list[Candidate], offers_before: list[OfferSeats], offers_after: list[OfferSeats],
              before: Allocation, after: Allocation, people: Mapping[int, Person],
              offer_facts: Mapping[int, OfferFacts]) -> dict:
    """The whole comparison as JSON-ready data (what the saved page shows): totals, the moves in
    rank order with the people's reference and name, every offer's seats, cut-offs and fill
    before and after, the fill by sex, sector and region."""
    ranked = sorted(candidates, key=lambda c: c.priority)
    rank = {c.id: position for position, c in enumerate(ranked, 1)}
    score = {c.id: c.score for c in ranked}
    moves = compare(before, after, [c.id for c in ranked])
    unknown = Person("", "", None, None)

    def seat(got):
        return None if got is None else [got[0], got[1]]

    move_rows = []
    for move in moves:
        person = people.get(move.candidate_id, unknown)
        move_rows.append({"id": move.candidate_id, "rank": rank[move.candidate_id], "kind": move.kind,
                          "reference": person.reference, "name": person.name,
                          "score": _score(score[move.candidate_id]),
                          "before": seat(move.before), "after": seat(move.after)})
    counts = Counter(move.kind for move in moves)

    seats_after = {o.id: o for o in offers_after}
    offer_rows = []
    for o in offers_before:
        n = seats_after.get(o.id, o)
        cb = before.cutoffs.get(o.id)
        ca = after.cutoffs.get(o.id)
        facts = offer_facts.get(o.id, OfferFacts(str(o.id), str(o.id), None))
        row = {
            "id": o.id, "code": facts.code, "label": facts.label, "sector": facts.sector or NO_SECTOR,
            "seats": _pair(o.seats, n.seats), "reserved": _pair(o.reserved, n.reserved),
            "open_cutoff": _pair(_score(cb and cb.open_score), _score(ca and ca.open_score)),
            "reserved_cutoff": _pair(_score(cb and cb.reserved_score), _score(ca and ca.reserved_score)),
            "open_filled": _pair(cb.open_filled if cb else 0, ca.open_filled if ca else 0),
            "reserved_filled": _pair(cb.reserved_filled if cb else 0, ca.reserved_filled if ca else 0),
        }
        row["changed"] = row["seats"][0] != row["seats"][1] or row["reserved"][0] != row["reserved"][1]
        row["affected"] = row["changed"] or any(
            row[key][0] != row[key][1] for key in ("open_cutoff", "reserved_cutoff", "open_filled", "reserved_filled"))
        offer_rows.append(row)

    def by_person(allocation, attribute, missing):
        return Counter((getattr(people.get(cid, unknown), attribute) or missing) for cid in allocation.placed)

    sex_before, sex_after = by_person(before, "sex", None), by_person(after, "sex", None)
    seen = set(sex_before) | set(sex_after)
    sex_keys = ["F", "M"] + sorted(k for k in seen if k not in ("F", "M", None))
    if None in seen:
        sex_keys.append(None)
    sex_rows = [{"key": key, "label": SEX_LABELS.get(key, key or NO_SEX),
                 "before": sex_before.get(key, 0), "after": sex_after.get(key, 0)} for key in sex_keys]

    region_before, region_after = by_person(before, "region", NO_REGION), by_person(after, "region", NO_REGION)
    regions = sorted(set(region_before) | set(region_after), key=_last(NO_REGION))

    sector_of = {row["id"]: row["sector"] for row in offer_rows}
    sector_before = Counter(sector_of.get(offer_id, NO_SECTOR) for offer_id, _kind in before.placed.values())
    sector_after = Counter(sector_of.get(offer_id, NO_SECTOR) for offer_id, _kind in after.placed.values())
    sector_seats: dict[str, tuple[int, int]] = {}
    for row in offer_rows:
        b, a = sector_seats.get(row["sector"], (0, 0))
        sector_seats[row["sector"]] = (b + row["seats"][0], a + row["seats"][1])
    sectors = sorted(set(sector_seats) | set(sector_before) | set(sector_after), key=_last(NO_SECTOR))

    return {
        "candidates": len(ranked),
        "placed": _pair(len(before.placed), len(after.placed)),
        "unplaced": _pair(len(before.unplaced), len(after.unplaced)),
        "seats": _pair(sum(o.seats for o in offers_before), sum(o.seats for o in offers_after)),
        "reserved": _pair(sum(o.reserved for o in offers_before), sum(o.reserved for o in offers_after)),
        "counts": {IN: counts.get(IN, 0), OUT: counts.get(OUT, 0), MOVED: counts.get(MOVED, 0)},
        "moves": move_rows,
        "offers": offer_rows,
        "fill": {
            "sex": sex_rows,
            "sector": _fill_rows(sector_before, sector_after, sectors, sector_seats),
            "region": _fill_rows(region_before, region_after, regions),
        },
    }


# --- reading what the manager typed ---------------------------------------------------------

def _integer(value) -> int | None | str:
    """An integer ≥ 0, None when left blank, or the French reason it is not one."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Saisissez un nombre entier de places, positif ou nul."
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if text == "":
            return None
        if not (text.isascii() and text.isdigit()):
            if text.startswith("-") and text[1:].isdigit():
                return "Le nombre de places ne peut pas être négatif."
            return "Saisissez un nombre entier de places, positif ou nul."
        number = int(text)
    if number < 0:
        return "Le nombre de places ne peut pas être négatif."
    if number > MAX_SEATS:
        return f"Au plus {MAX_SEATS:,} places.".replace(",", "\u202f")
    return number


def seats_field(offer_id: int) -> str:
    return f"seats-{offer_id}"


def reserved_field(offer_id: int) -> str:
    return f"reserved-{offer_id}"


def read_overrides(requested: Mapping[int, tuple[Any, Any]],
                   current: Mapping[int, tuple[int, int]]) -> tuple[dict[int, tuple[int, int]], dict[str, str]]:
    """(offer id -> (seats, reserved) that differ from `current`, errors by field). `requested`:
    offer id -> (seats, reserved) as typed, blank (None or "") for « unchanged »."""
    overrides: dict[int, tuple[int, int]] = {}
    errors: dict[str, str] = {}
    for offer_id, (raw_seats, raw_reserved) in requested.items():
        if offer_id not in current:
            errors["_"] = "Une des offres saisies n'appartient pas à cette campagne : rechargez la page."
            continue
        now_seats, now_reserved = current[offer_id]
        seats, reserved = _integer(raw_seats), _integer(raw_reserved)
        if isinstance(seats, str):
            errors[seats_field(offer_id)] = seats
        if isinstance(reserved, str):
            errors[reserved_field(offer_id)] = reserved
        if isinstance(seats, str) or isinstance(reserved, str):
            continue
        seats = now_seats if seats is None else seats
        reserved = now_reserved if reserved is None else reserved
        if reserved > seats:
            errors[reserved_field(offer_id)] = (f"Les places réservées ({reserved}) ne peuvent pas dépasser "
                                                f"le nombre de places ({seats}).")
            continue
        if (seats, reserved) != (now_seats, now_reserved):
            overrides[offer_id] = (seats, reserved)
    return overrides, errors


# --- the operation --------------------------------------------------------------------------

def _offer_facts(campaign_id: int) -> dict[int, OfferFacts]:
    rows = db.session.execute(
        select(Offer.id, Offer.code, Programme.title, Establishment.name, Establishment.city, Sector.name)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .outerjoin(Sector, Sector.id == Programme.sector_id)
        .where(Offer.campaign_id == campaign_id))
    return {offer_id: OfferFacts(code=code or str(offer_id),
                                 label=f"{title} — {name} ({city})" if city else f"{title} — {name}",
                                 sector=sector)
            for offer_id, code, title, name, city, sector in rows}


def _people(campaign_id: int, statuses) -> dict[int, Person]:
    rows = db.session.execute(
        select(Application.id, Application.reference, Application.last_name, Application.first_names,
               Application.sex, Region.name)
        .outerjoin(Region, Region.id == Application.region_id)
        .where(Application.campaign_id == campaign_id, Application.status.in_(statuses)))
    return {app_id: Person(reference=reference or f"#{app_id}",
                           name=" ".join(part for part in (last_name, first_names) if part),
                           sex=sex, region=region)
            for app_id, reference, last_name, first_names, sex, region in rows}


def _default_title(overrides: Mapping[int, tuple[int, int]], current, facts: Mapping[int, OfferFacts]) -> str:
    parts = []
    for offer_id, (seats, reserved) in sorted(overrides.items()):
        code = facts[offer_id].code if offer_id in facts else str(offer_id)
        now_seats, now_reserved = current[offer_id]
        parts.append(f"{code} : {now_seats} → {seats} places, {now_reserved} → {reserved} réservées")
    return ("Simulation — " + " ; ".join(parts))[:TITLE_MAX]


def _check_phase(campaign) -> None:
    if campaign.phase not in SIMULATION_PHASES:
        raise InvalidTransition("Les simulations se font pendant la délibération (avant la publication des "
                                "affectations) ou après la publication.")


def simulate(actor, campaign, requested: Mapping[int, tuple[Any, Any]], title: str | None,
             now: datetime) -> AllocationRound:
    """Run the allocation with the current seats and with the seats `requested` (offer id ->
    (seats, reserved) as typed, blank for unchanged), keep the comparison as a round of kind
    "simulation". Refused (ValidationFailed, errors by field "seats-<id>", "reserved-<id>",
    "title", "_") when a number is not an integer ≥ 0, reserved exceed seats, an offer is not
    the campaign's or nothing changes; refused (InvalidTransition) outside the phases where a
    simulation makes sense or when no file is ranked. Nothing is written when refused."""
    _check_phase(campaign)
    current = {offer_id: (seats, reserved) for offer_id, seats, reserved in db.session.execute(
        select(Offer.id, Offer.seats, Offer.reserved_seats).where(Offer.campaign_id == campaign.id))}
    overrides, errors = read_overrides(requested, current)
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        errors["title"] = f"Le titre fait au plus {TITLE_MAX} caractères."
    if errors:
        errors.setdefault("_", "La simulation n'a pas été lancée : corrigez les valeurs signalées.")
        raise ValidationFailed(errors["_"], errors=errors)
    if not overrides:
        message = "Changez les places ou les places réservées d'au moins une offre."
        raise ValidationFailed(message, errors={"_": message})

    statuses = CANDIDATE_STATUSES[campaign.phase]
    inputs = load(campaign, statuses=statuses)
    if not inputs.candidates:
        raise InvalidTransition("Aucun dossier classé à affecter : la simulation attend la validation de la "
                                "délibération.")
    before = allocate(inputs.offers, inputs.candidates)
    offers_after = offer_seats(campaign.id, overrides)
    after = allocate(offers_after, inputs.candidates)
    facts = _offer_facts(campaign.id)
    summary = summarise(inputs.candidates, inputs.offers, offers_after, before, after,
                        _people(campaign.id, statuses), facts)
    phase = campaign.phase
    summary.update({"phase": phase, "statuses": list(statuses)})

    # The round's number is the campaign's next one: taken under the lock every seat-moving
    # operation takes (publication, waiting-list rounds), so that two at once never clash. The
    # computation above only read, outside the lock.
    cascade.lock(campaign.id)
    db.session.refresh(campaign)
    if campaign.phase != phase:
        raise Conflict("La campagne a changé de phase pendant la simulation : recommencez.")
    number = db.session.scalar(select(func.coalesce(func.max(AllocationRound.number), 0))
                               .where(AllocationRound.campaign_id == campaign.id)) + 1
    round_ = AllocationRound(
        campaign_id=campaign.id, number=number, kind="simulation",
        cause=title or _default_title(overrides, current, facts), tie_break_rule=campaign.tie_break_rule,
        created_by_id=getattr(actor, "id", None), created_at=now, published_at=None,
        parameters={"overrides": {str(offer_id): [seats, reserved]
                                  for offer_id, (seats, reserved) in sorted(overrides.items())},
                    "summary": summary})
    db.session.add(round_)
    db.session.flush()
    record(actor, "placement.simulate", round_, campaign_id=campaign.id,
           after={"round": number, "overrides": round_.parameters["overrides"], "counts": summary["counts"]})
    return round_


# --- what the pages read --------------------------------------------------------------------

@dataclass(frozen=True)
class OfferRow:
    id: int
    code: str
    label: str
    sector: str
    seats: int
    reserved: int


def offer_rows(campaign) -> list[OfferRow]:
    """The campaign's offers with their current seats, for the form."""
    facts = _offer_facts(campaign.id)
    return [OfferRow(o.id, facts[o.id].code, facts[o.id].label, facts[o.id].sector or NO_SECTOR, o.seats, o.reserved)
            for o in offer_seats(campaign.id) if o.id in facts]


def can_simulate(campaign) -> bool:
    return campaign.phase in SIMULATION_PHASES


def simulations_statement(campaign_id: int):
    return (select(AllocationRound)
            .where(AllocationRound.campaign_id == campaign_id, AllocationRound.kind == "simulation")
            .order_by(AllocationRound.number.desc()))


def creator_names(rounds: Iterable[AllocationRound]) -> dict[int, str]:
    ids = {r.created_by_id for r in rounds if r.created_by_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def get_simulation(campaign_id: int, round_id: int) -> AllocationRound:
    round_ = db.session.get(AllocationRound, round_id)
    if round_ is None or round_.campaign_id != campaign_id or round_.kind != "simulation":
        raise NotFound("Simulation introuvable.")
    return round_


@dataclass
class Saved:
    """A kept simulation as its page reads it (what is missing from the stored data, empty)."""

    round: AllocationRound
    created_by: str | None
    overrides: dict[int, tuple[int, int]]
    summary: dict
    offers: dict[int, dict] = field(default_factory=dict)

    def moves(self, kind: str) -> list[dict]:
        return [m for m in self.summary.get("moves", ()) if m.get("kind") == kind]

    def count(self, kind: str) -> int:
        return int(self.summary.get("counts", {}).get(kind, 0))

    def pair(self, key: str) -> list:
        return self.summary.get(key) or [0, 0]

    @property
    def affected_offers(self) -> list[dict]:
        return [row for row in self.summary.get("offers", ()) if row.get("affected")]

    @property
    def unaffected(self) -> int:
        return len(self.summary.get("offers", ())) - len(self.affected_offers)

    def fill(self, key: str) -> list[dict]:
        return self.summary.get("fill", {}).get(key, [])

    def offer_label(self, seat) -> str:
        if not seat:
            return ""
        row = self.offers.get(seat[0])
        return f"{row['code']}" if row else f"Offre {seat[0]}"


def saved(round_: AllocationRound) -> Saved:
    parameters = round_.parameters or {}
    summary = parameters.get("summary") or {}
    overrides = {int(k): (v[0], v[1]) for k, v in (parameters.get("overrides") or {}).items()}
    names = creator_names([round_])
    return Saved(round=round_, created_by=names.get(round_.created_by_id), overrides=overrides, summary=summary,
                 offers={row["id"]: row for row in summary.get("offers", ())})
