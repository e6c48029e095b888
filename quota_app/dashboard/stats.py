"""Campaign statistics for the managers' dashboard: every number comes from a GROUP BY query.

Each function returns plain data (dicts and lists of tuples), ready for a table or a chart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..applications.models import MAX_CHOICES, STATUS_LABELS, STATUSES, Application, ApplicationChoice
from ..campaigns.models import Offer
from ..extensions import db
from ..i18n import N_
from ..placement.models import AllocationRound, Placement
from ..placement.seats import SEAT_HOLDING
from ..reference.models import Establishment, Level, Programme, Region, Sector, Series

# Placements that hold a seat: offered (waiting for an answer) or accepted; simulations never count.
# The funnel, in the order of the life cycle.
FUNNEL = tuple(STATUSES)
FUNNEL_LABELS = {
    "draft": N_("Brouillons"), "submitted": N_("Soumis (à examiner)"), "eligible": N_("Recevables"),
    "ineligible": N_("Non recevables"), "evaluated": N_("Évalués"), "placed": N_("Affectés"),
    "waiting_list": N_("Liste d'attente"), "not_selected": N_("Non retenus"), "accepted": N_("Acceptés"),
    "declined": N_("Désistés"), "enrolled": N_("Inscrits"), "withdrawn": N_("Retirés"),
}
UNKNOWN = N_("Non renseigné")
# Sector, level and offer come from the ranked choices: an application counts once under each
# value among its choices, whatever the rank, as the list's sector/level/offer filters find it.
CHOICE_TITLES = {
    "sector": N_("Par secteur (tous choix confondus)"),
    "level": N_("Par niveau (tous choix confondus)"),
    "offer": N_("Par offre (tous choix confondus)"),
}


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


def application_counts(campaign_id: int) -> list[tuple[str, str | None, int | None, int]]:
    """(status, sex, region_id, n) for the campaign: the funnel, the sex and region breakdowns
    and the pool of eligible women all come from this one GROUP BY. Every column is in
    ix_applications_campaign_filters_name, so it is read from the index alone."""
    return [tuple(row) for row in db.session.execute(
        select(Application.status, Application.sex, Application.region_id, func.count())
        .where(Application.campaign_id == campaign_id)
        .group_by(Application.status, Application.sex, Application.region_id)
    )]


def funnel(campaign_id: int, counts=None) -> dict[str, int]:
    """Number of applications per status (every status present, zero when none)."""
    result = {status: 0 for status in FUNNEL}
    for status, _sex, _region, n in application_counts(campaign_id) if counts is None else counts:
        result[status] = result.get(status, 0) + n
    return result


def _breakdown(title: str, rows, labels: dict[str, str], order: list[str]) -> Breakdown:
    result = Breakdown(title=title)
    for key, status, n in rows:
        key = UNKNOWN if key is None else str(key)
        result.counts[(key, status)] = result.counts.get((key, status), 0) + n
    keys = [k for k in order if any(ck == k for (ck, _s) in result.counts)]
    keys += sorted({ck for (ck, _s) in result.counts} - set(keys))
    result.rows = [(k, labels.get(k, k)) for k in keys]
    return result


def by_sex(campaign_id: int, counts=None) -> Breakdown:
    counts = application_counts(campaign_id) if counts is None else counts
    return _breakdown(N_("Par sexe"), [(sex, status, n) for status, sex, _r, n in counts],
                      {"F": N_("Femmes"), "M": N_("Hommes")}, ["F", "M"])


def by_region(campaign_id: int, counts=None) -> Breakdown:
    counts = application_counts(campaign_id) if counts is None else counts
    regions = db.session.execute(select(Region.id, Region.code, Region.name).order_by(Region.code)).all()
    codes = {rid: code for rid, code, _n in regions}
    return _breakdown(N_("Par région"), [(codes.get(rid), status, n) for status, _s, rid, n in counts],
                      {code: f"{code} – {name}" for _i, code, name in regions}, [c for _i, c, _n in regions])


def by_series(campaign_id: int) -> Breakdown:
    """Applications without a series (other diplomas) are left out, as in the inner join before."""
    rows = db.session.execute(
        select(Application.series_id, Application.status, func.count())
        .where(Application.campaign_id == campaign_id, Application.series_id.is_not(None))
        .group_by(Application.series_id, Application.status)
    ).all()
    series = db.session.execute(select(Series.id, Series.code, Series.name).order_by(Series.code)).all()
    codes = {sid: code for sid, code, _n in series}
    return _breakdown(N_("Par série du baccalauréat"), [(codes[sid], status, n) for sid, status, n in rows],
                      {c: f"{c} – {n}" for _i, c, n in series}, [c for _i, c, _n in series])


def choice_sets(campaign_id: int) -> list[tuple[str, frozenset[int], int]]:
    """(status, set of offer ids chosen, number of applications): one pass over the choices.

    An application holds at most MAX_CHOICES = 3 distinct offers (CHECK on rank, UNIQUE on
    (application, offer)), so min, max, sum and count name the set exactly: the middle one of
    three is sum - min - max. Counting a set once gives each application once per sector, level
    or offer without count(DISTINCT), which cost ~0.3 s per breakdown at 100,000 applications."""
    per_application = (
        select(Application.status.label("status"), func.min(ApplicationChoice.offer_id).label("low"),
               func.max(ApplicationChoice.offer_id).label("high"),
               func.sum(ApplicationChoice.offer_id).label("total"), func.count().label("n"))
        .join(ApplicationChoice, ApplicationChoice.application_id == Application.id)
        .where(Application.campaign_id == campaign_id)
        .group_by(Application.status, Application.id)  # the order of (campaign_id, status) index
        .subquery()
    )
    c = per_application.c
    rows = db.session.execute(
        select(c.status, c.low, c.high, c.total, c.n, func.count())
        .group_by(c.status, c.low, c.high, c.total, c.n)
    ).all()
    result = []
    for status, low, high, total, n, count in rows:
        if n > 3:
            raise ValueError(f"{n} choix pour un dossier : au plus 3 attendus (MAX_CHOICES = {MAX_CHOICES})")
        offers = {low, high} | ({int(total) - low - high} if n == 3 else set())
        result.append((status, frozenset(offers), count))
    return result


def _by_choice(title: str, sets, key_of: dict, labels: dict, order: list) -> Breakdown:
    """Applications counted once per value among their choices (any rank)."""
    counts: dict[tuple, int] = {}
    for status, offers, n in sets:
        for key in {key_of[offer] for offer in offers}:
            counts[(key, status)] = counts.get((key, status), 0) + n
    return _breakdown(title, [(key, status, n) for (key, status), n in counts.items()], labels, order)


def _offer_keys(sets) -> dict[int, tuple[str, str, str]]:
    """offer id -> (offer code, sector code, level code) for every offer chosen."""
    ids = {offer for _s, offers, _n in sets for offer in offers}
    if not ids:
        return {}
    return {oid: (code, sector, level) for oid, code, sector, level in db.session.execute(
        select(Offer.id, Offer.code, Sector.code, Level.code)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Sector, Sector.id == Programme.sector_id).join(Level, Level.id == Programme.level_id)
        .where(Offer.id.in_(ids)))}


def by_sector(campaign_id: int, sets=None) -> Breakdown:
    sets = choice_sets(campaign_id) if sets is None else sets
    keys = _offer_keys(sets)
    sectors = db.session.execute(select(Sector.code, Sector.name).order_by(Sector.name)).all()
    return _by_choice(CHOICE_TITLES["sector"], sets, {o: k[1] for o, k in keys.items()},
                      dict(sectors), [c for c, _n in sectors])


def by_level(campaign_id: int, sets=None) -> Breakdown:
    sets = choice_sets(campaign_id) if sets is None else sets
    keys = _offer_keys(sets)
    levels = db.session.execute(select(Level.code, Level.name).order_by(Level.position)).all()
    return _by_choice(CHOICE_TITLES["level"], sets, {o: k[2] for o, k in keys.items()},
                      {c: f"{c} – {n}" for c, n in levels}, [c for c, _n in levels])


def by_offer(campaign_id: int, sets=None) -> Breakdown:
    sets = choice_sets(campaign_id) if sets is None else sets
    keys = _offer_keys(sets)
    offers = db.session.execute(
        select(Offer.code, Programme.title, Establishment.city).join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.campaign_id == campaign_id).order_by(Offer.code)
    ).all()
    return _by_choice(CHOICE_TITLES["offer"], sets, {o: k[0] for o, k in keys.items()},
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


def reserved_progress(campaign, fills: list[SeatFill] | None = None, counts=None) -> ReservedProgress:
    """`counts` (application_counts) spares the count query when the caller already has them."""
    fills = seat_fill(campaign) if fills is None else fills
    pool = 0
    if campaign.reserved_sex and counts is not None:
        pool = sum(n for status, sex, _r, n in counts if sex == campaign.reserved_sex and status in BEYOND_ELIGIBLE)
    elif campaign.reserved_sex:
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
    """Everything the dashboard shows, in three passes over the applications and their choices
    (one index-only GROUP BY, one for the series, one over the choices) plus small tables."""
    counts = application_counts(campaign.id)
    sets = choice_sets(campaign.id)
    fills = seat_fill(campaign)
    return {
        "funnel": funnel(campaign.id, counts),
        "breakdowns": [by_sex(campaign.id, counts), by_region(campaign.id, counts), by_sector(campaign.id, sets),
                       by_level(campaign.id, sets), by_series(campaign.id), by_offer(campaign.id, sets)],
        "seat_fill": fills,
        "reserved": reserved_progress(campaign, fills, counts),
    }


def status_label(status: str) -> str:
    return FUNNEL_LABELS.get(status, STATUS_LABELS.get(status, status))
