"""Campaign statistics for the managers' dashboard: every number comes from a GROUP BY query.

Each function returns plain data (dicts and lists of tuples), ready for a table or a chart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from ..applications.models import STATUS_LABELS, STATUSES, Application, ApplicationChoice
from ..campaigns.models import Offer
from ..extensions import db
from ..placement.models import AllocationRound, Placement
from ..reference.models import Establishment, Level, Programme, Region, Sector, Series

# Placements that hold a seat: offered (waiting for an answer) or accepted; simulations never count.
SEAT_HOLDING = ("offered", "accepted")
# The funnel, in the order of the life cycle.
FUNNEL = tuple(STATUSES)
FUNNEL_LABELS = {
    "draft": "Brouillons", "submitted": "Soumis (à examiner)", "eligible": "Recevables",
    "ineligible": "Non recevables", "evaluated": "Évalués", "placed": "Affectés",
    "waiting_list": "Liste d'attente", "not_selected": "Non retenus", "accepted": "Acceptés",
    "declined": "Désistés", "enrolled": "Inscrits", "withdrawn": "Retirés",
}
UNKNOWN = "Non renseigné"


@dataclass
class Breakdown:
    """Counts per (row key, status), with the rows' labels in display order."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # (key, label)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(self, key: str, status: str) -> int:
        return self.counts.get((key, status), 0)

    def total(self, key: str) -> int:
        return sum(v for (k, _s), v in self.counts.items() if k == key)

    def column_total(self, status: str) -> int:
        return sum(v for (_k, s), v in self.counts.items() if s == status)

    def statuses(self) -> list[str]:
        """The statuses that occur, in funnel order (empty columns are left out)."""
        present = {s for (_k, s) in self.counts}
        return [s for s in FUNNEL if s in present]


def funnel(campaign_id: int) -> dict[str, int]:
    """Number of applications per status (every status present, zero when none)."""
    rows = db.session.execute(
        select(Application.status, func.count(Application.id))
        .where(Application.campaign_id == campaign_id).group_by(Application.status)
    ).all()
    counts = {status: 0 for status in FUNNEL}
    counts.update({status: n for status, n in rows})
    return counts


def _breakdown(title: str, rows, labels: dict[str, str], order: list[str]) -> Breakdown:
    result = Breakdown(title=title)
    for key, status, n in rows:
        key = UNKNOWN if key is None else str(key)
        result.counts[(key, status)] = result.counts.get((key, status), 0) + n
    keys = [k for k in order if any(ck == k for (ck, _s) in result.counts)]
    keys += sorted({ck for (ck, _s) in result.counts} - set(keys))
    result.rows = [(k, labels.get(k, k)) for k in keys]
    return result


def by_sex(campaign_id: int) -> Breakdown:
    rows = db.session.execute(
        select(Application.sex, Application.status, func.count(Application.id))
        .where(Application.campaign_id == campaign_id).group_by(Application.sex, Application.status)
    ).all()
    return _breakdown("Par sexe", rows, {"F": "Femmes", "M": "Hommes"}, ["F", "M"])


def by_region(campaign_id: int) -> Breakdown:
    rows = db.session.execute(
        select(Region.code, Application.status, func.count(Application.id))
        .select_from(Application).outerjoin(Region, Region.id == Application.region_id)
        .where(Application.campaign_id == campaign_id).group_by(Region.code, Application.status)
    ).all()
    regions = db.session.execute(select(Region.code, Region.name).order_by(Region.code)).all()
    return _breakdown("Par région", rows, {code: f"{code} – {name}" for code, name in regions},
                      [code for code, _n in regions])


def by_series(campaign_id: int) -> Breakdown:
    rows = db.session.execute(
        select(Series.code, Application.status, func.count(Application.id))
        .select_from(Application).join(Series, Series.id == Application.series_id)
        .where(Application.campaign_id == campaign_id).group_by(Series.code, Application.status)
    ).all()
    series = db.session.execute(select(Series.code, Series.name).order_by(Series.code)).all()
    return _breakdown("Par série du baccalauréat", rows, {c: f"{c} – {n}" for c, n in series},
                      [c for c, _n in series])


def _by_choice(campaign_id: int, key_column, title: str, labels: dict, order: list) -> Breakdown:
    """Applications counted once per value among their choices (any rank)."""
    rows = db.session.execute(
        select(key_column, Application.status, func.count(distinct(Application.id)))
        .select_from(Application)
        .join(ApplicationChoice, ApplicationChoice.application_id == Application.id)
        .join(Offer, Offer.id == ApplicationChoice.offer_id)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Sector, Sector.id == Programme.sector_id)
        .join(Level, Level.id == Programme.level_id)
        .where(Application.campaign_id == campaign_id)
        .group_by(key_column, Application.status)
    ).all()
    return _breakdown(title, rows, labels, order)


def by_sector(campaign_id: int) -> Breakdown:
    sectors = db.session.execute(select(Sector.code, Sector.name).order_by(Sector.name)).all()
    return _by_choice(campaign_id, Sector.code, "Par secteur (tous choix confondus)",
                      dict(sectors), [c for c, _n in sectors])


def by_level(campaign_id: int) -> Breakdown:
    levels = db.session.execute(select(Level.code, Level.name).order_by(Level.position)).all()
    return _by_choice(campaign_id, Level.code, "Par niveau (tous choix confondus)",
                      {c: f"{c} – {n}" for c, n in levels}, [c for c, _n in levels])


def by_offer(campaign_id: int) -> Breakdown:
    offers = db.session.execute(
        select(Offer.code, Programme.title, Establishment.city).join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.campaign_id == campaign_id).order_by(Offer.code)
    ).all()
    return _by_choice(campaign_id, Offer.code, "Par offre (tous choix confondus)",
                      {c: f"{c} – {t} ({city})" for c, t, city in offers}, [c for c, _t, _c in offers])


@dataclass
class SeatFill:
    offer_code: str
    label: str
    seats: int
    reserved_seats: int
    filled: int
    filled_reserved_sex: int

    @property
    def rate(self) -> float:
        return self.filled / self.seats if self.seats else 0.0


def seat_fill(campaign) -> list[SeatFill]:
    """Per offer: seats, reserved seats, seats held (offered or accepted) and those held by the
    campaign's reserved sex (the programme reserves seats for young women)."""
    offers = db.session.execute(
        select(Offer.id, Offer.code, Programme.title, Establishment.city, Offer.seats, Offer.reserved_seats)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.campaign_id == campaign.id).order_by(Offer.code)
    ).all()
    held = db.session.execute(
        select(Placement.offer_id, Application.sex, func.count(Placement.id))
        .join(AllocationRound, AllocationRound.id == Placement.round_id)
        .join(Application, Application.id == Placement.application_id)
        .where(AllocationRound.campaign_id == campaign.id, AllocationRound.kind != "simulation",
               Placement.status.in_(SEAT_HOLDING))
        .group_by(Placement.offer_id, Application.sex)
    ).all()
    filled: dict[int, int] = {}
    filled_sex: dict[int, int] = {}
    for offer_id, sex, n in held:
        filled[offer_id] = filled.get(offer_id, 0) + n
        if campaign.reserved_sex and sex == campaign.reserved_sex:
            filled_sex[offer_id] = filled_sex.get(offer_id, 0) + n
    return [
        SeatFill(code, f"{code} – {title} ({city})", seats, reserved, filled.get(oid, 0), filled_sex.get(oid, 0))
        for oid, code, title, city, seats, reserved in offers
    ]


@dataclass
class ReservedProgress:
    sex: str | None
    target: int          # reserved seats (sum over offers)
    seats: int           # all seats
    placed: int          # seats held by the reserved sex
    eligible_pool: int   # applications of that sex declared eligible or further on

    @property
    def rate(self) -> float:
        return self.placed / self.target if self.target else 0.0


BEYOND_ELIGIBLE = ("eligible", "evaluated", "placed", "waiting_list", "not_selected", "accepted", "declined", "enrolled")


def reserved_progress(campaign, fills: list[SeatFill] | None = None) -> ReservedProgress:
    fills = seat_fill(campaign) if fills is None else fills
    pool = 0
    if campaign.reserved_sex:
        pool = db.session.execute(
            select(func.count(Application.id)).where(
                Application.campaign_id == campaign.id, Application.sex == campaign.reserved_sex,
                Application.status.in_(BEYOND_ELIGIBLE))
        ).scalar_one()
    return ReservedProgress(
        sex=campaign.reserved_sex, target=sum(f.reserved_seats for f in fills),
        seats=sum(f.seats for f in fills), placed=sum(f.filled_reserved_sex for f in fills), eligible_pool=pool,
    )


def campaign_stats(campaign) -> dict:
    fills = seat_fill(campaign)
    return {
        "funnel": funnel(campaign.id),
        "breakdowns": [by_sex(campaign.id), by_region(campaign.id), by_sector(campaign.id),
                       by_level(campaign.id), by_series(campaign.id), by_offer(campaign.id)],
        "seat_fill": fills,
        "reserved": reserved_progress(campaign, fills),
    }


def status_label(status: str) -> str:
    return FUNNEL_LABELS.get(status, STATUS_LABELS.get(status, status))
