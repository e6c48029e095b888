"""The managers' search over a campaign's applications, built from a plain dict of filters.

`build_search(campaign, filters)` returns a SQLAlchemy select of Application, eager-loading what
the list shows (no query per row). Unknown or malformed filter values are ignored, never an error.
"""
from __future__ import annotations

import re
from datetime import date
from functools import cache

from sqlalchemy import Integer, String, and_, bindparam, false, func, literal, select, union, union_all
from sqlalchemy.orm import joinedload

from ..identity import normalise_nina, normalise_phone
from ..applications.models import STATUSES, Application, ApplicationChoice, search_key
from ..campaigns.models import Offer
from ..extensions import db
from ..i18n import N_
from ..reference.models import Diploma, Establishment, Level, Programme, Region, Sector, Series
from ..viewhelpers import page_number

PER_PAGE = 50

SORTS = {
    "name": N_("Nom"),
    "reference": N_("Référence"),
    "submitted": N_("Date de dépôt (récentes d'abord)"),
    "average": N_("Moyenne au diplôme (meilleures d'abord)"),
    "age": N_("Âge (plus jeunes d'abord)"),
}

# Age bands at the campaign's reference date: code -> (min_age, max_age), either may be None.
AGE_BANDS = {
    "-18": (None, 17),
    "18-20": (18, 20),
    "21-23": (21, 23),
    "24-25": (24, 25),
    "26-30": (26, 30),
    "31+": (31, None),
}
AGE_BAND_LABELS = {
    "-18": N_("Moins de 18 ans"), "18-20": N_("18 à 20 ans"), "21-23": N_("21 à 23 ans"),
    "24-25": N_("24 à 25 ans"), "26-30": N_("26 à 30 ans"), "31+": N_("31 ans et plus"),
}

FILTER_KEYS = ("q", "status", "sector", "level", "offer", "region", "sex", "age", "diploma", "sort")


def _int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def clean_filters(raw) -> dict:
    """Keep the known keys with non-empty values (works on request.args or a dict)."""
    cleaned = {}
    for key in FILTER_KEYS:
        value = raw.get(key) if raw is not None else None
        if value is None:
            continue
        value = str(value).strip()[:100]
        if value:
            cleaned[key] = value
    return cleaned


# --- the text search ("q") -------------------------------------------------------------------
# Every branch is an equality or a prefix range on an indexed column, on SQLite as on PostgreSQL:
# no LIKE '%...%', no function of a column. The French help under the field says the same.
MAX_NAME_WORDS = 4
_REFERENCE_FULL = re.compile(r"^([A-Z]{1,10})(\d{4})(\d{1,6})$")   # MLI2026000123, mli-2026-123
_REFERENCE_YEAR = re.compile(r"^(\d{4})(\d{6})$")                   # 2026-000123
_REFERENCE_NUMBER = re.compile(r"^\d{1,6}$")                         # 123, 000123
_PASSPORT = re.compile(r"^[A-Z0-9]{6,12}$")                          # identity.normalise_passport's shape


def starts_with(column, prefix: str):
    """column starts with prefix, as an index range: [prefix, prefix with its last character + 1).

    Exact because search_name is compared in code-point order (binary on SQLite, COLLATE "C" on
    PostgreSQL)."""
    return and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def name_prefixes(q: str) -> list[str]:
    """The search_name prefixes a name query stands for: its words in the typed order, and turned
    round so that "awa traore" finds "Traoré Awa" (search_name is the last name first)."""
    words = search_key(q).split()[:MAX_NAME_WORDS]
    prefixes = []
    for start in range(len(words)):
        prefix = " ".join(words[start:] + words[:start])
        if prefix not in prefixes:
            prefixes.append(prefix)
    return prefixes


def references_for(q: str, campaign) -> set[str]:
    """The file references a query may mean: the whole reference in any case and with any
    separators, or only its number (123 -> MLI-2026-000123 in this campaign)."""
    compact = normalise_nina(q)
    found = set()
    match = _REFERENCE_FULL.match(compact)
    if match:
        found.add(f"{match[1]}-{match[2]}-{int(match[3]):06d}")
    match = _REFERENCE_YEAR.match(compact)
    if match:
        found.add(f"{campaign.reference_prefix}-{match[1]}-{match[2]}")
    if _REFERENCE_NUMBER.match(compact):
        found.add(f"{campaign.reference_prefix}-{campaign.year}-{int(compact):06d}")
    return found


def identifier_conditions(q: str, campaign) -> list:
    """Exact matches on the identifiers, normalised as they are stored (identity.py). Only for a
    query holding a digit: every reference, NINA, phone and real passport number has one."""
    if not any(c.isdigit() for c in q):
        return []
    compact = normalise_nina(q)  # no spaces, dashes, dots or slashes; upper case
    # NINA and passport through the campaign's uniques (campaign_id, nina / passport_number);
    # phone and reference through their own indexes (a campaign condition there would let
    # SQLite, without statistics, pick a campaign index and scan it).
    in_campaign = Application.campaign_id == campaign.id
    conditions = [and_(in_campaign, Application.nina == compact)]
    if _PASSPORT.match(compact):
        conditions.append(and_(in_campaign, Application.passport_number == compact))
    phone, _error = normalise_phone(q)
    if phone:
        conditions.append(Application.phone == phone)
    conditions += [Application.reference == ref for ref in sorted(references_for(q, campaign))]
    return conditions


def text_search(q: str, campaign):
    """(condition, hits): what the query adds to the list's statement.

    One name prefix ("traore") is a condition: the list then walks the name index in order and
    stops at its page. Several branches (identifiers, "awa traore" both ways) become `hits`, a
    UNION of one indexed SELECT per branch that the statement starts from; an OR in the WHERE
    clause would leave the choice of index to the planner, and SQLite without statistics then
    scans the whole campaign in name order (a NINA took 250 ms at 100,000 files)."""
    prefixes = name_prefixes(q)
    if any(c.isdigit() for c in q):  # an identifier, most likely: the name only as typed
        prefixes = prefixes[:1]
    names = [and_(Application.campaign_id == campaign.id, starts_with(Application.search_name, p))
             for p in prefixes]
    branches = names + identifier_conditions(q, campaign)
    if not branches:  # only punctuation: nothing can match
        return false(), None
    if len(names) == 1 and len(branches) == 1:
        return names[0], None
    hits = union(*(select(Application.id.label("id")).where(b) for b in branches)).subquery("hits")
    return None, hits


def _restrict(stmt, campaign, filters: dict):
    """stmt (a select over applications) limited to the campaign, the search and the filters."""
    f = clean_filters(filters)
    if "q" in f:
        condition, hits = text_search(f["q"], campaign)
        if hits is not None:
            # The hits first: a few ids, each fetched by primary key.
            stmt = stmt.select_from(hits).join(Application, Application.id == hits.c.id)
        else:
            stmt = stmt.where(condition)
    return stmt.where(*conditions_for(campaign, f))


def _has_choice(*conditions):
    # An uncorrelated IN: the choices are read once, not three joins per application.
    return Application.id.in_(
        select(ApplicationChoice.application_id)
        .join(Offer, Offer.id == ApplicationChoice.offer_id)
        .join(Programme, Programme.id == Offer.programme_id)
        .where(*conditions)
    )


def age_condition(band: str, reference_date: date):
    """Birth-date bounds for an age band (ages counted at the reference date)."""
    if band not in AGE_BANDS:
        return None
    low, high = AGE_BANDS[band]
    parts = [Application.birth_date.is_not(None)]
    if low is not None:  # age >= low  <=>  born on or before ref - low years
        parts.append(Application.birth_date <= years_before(reference_date, low))
    if high is not None:  # age <= high  <=>  born after ref - (high + 1) years
        parts.append(Application.birth_date > years_before(reference_date, high + 1))
    return and_(*parts)


def conditions_for(campaign, filters: dict) -> list:
    """The filters' conditions (the text search is _restrict's, it may add a FROM)."""
    f = clean_filters(filters)
    # Never a draft (need to know: the applicant has not submitted it). No move of the status
    # table leads back to « draft », so this is « never submitted », and it stays in the
    # filters index (campaign_id, status, ...): the count is still read from the index alone.
    where = [Application.campaign_id == campaign.id, Application.status != "draft"]
    if f.get("status") in STATUSES:
        where.append(Application.status == f["status"])
    if f.get("sex") in ("M", "F"):
        where.append(Application.sex == f["sex"])
    for key, column in (("region", Application.region_id), ("diploma", Application.diploma_id)):
        value = _int(f.get(key))
        if value is not None:
            where.append(column == value)
    sector = _int(f.get("sector"))
    if sector is not None:
        where.append(_has_choice(Programme.sector_id == sector))
    level = _int(f.get("level"))
    if level is not None:
        where.append(_has_choice(Programme.level_id == level))
    offer = _int(f.get("offer"))
    if offer is not None:
        where.append(_has_choice(ApplicationChoice.offer_id == offer))
    if "age" in f:
        condition = age_condition(f["age"], campaign.reference_date)
        if condition is not None:
            where.append(condition)
    return where


def _order(sort: str | None):
    if sort == "reference":
        return [Application.reference.asc(), Application.id]
    if sort == "submitted":
        return [Application.submitted_at.desc().nulls_last(), Application.id.desc()]
    if sort == "average":
        return [Application.diploma_average.desc().nulls_last(), Application.id]
    if sort == "age":
        return [Application.birth_date.desc().nulls_last(), Application.id]
    # Accents and case ignored (search_key); the order of both list indexes, so no sort.
    return [Application.search_name, Application.id]


def build_search(campaign, filters: dict | None = None):
    """select(Application) for this campaign and filters, sorted, with the list's relations."""
    filters = filters or {}
    stmt = _restrict(select(Application), campaign, filters)
    stmt = stmt.order_by(*_order(clean_filters(filters).get("sort")))
    return stmt.options(
        joinedload(Application.region),
        joinedload(Application.diploma),
        joinedload(Application.series),
    )


def count_search(campaign, filters: dict | None = None):
    # count(*), not count(id): the count can then be answered from an index alone.
    return _restrict(select(func.count()).select_from(Application), campaign, filters or {})


# --- the list page --------------------------------------------------------------------------
# Plain rows of the shown columns, not ORM objects: 50 Application objects with their region,
# diploma and series cost more than the SQL itself at 100,000 files.
LIST_COLUMNS = (
    Application.id, Application.reference, Application.last_name, Application.first_names,
    Application.sex, Application.birth_date, Application.nina, Application.passport_number,
    Application.phone, Application.status, Region.code.label("region_code"),
    Region.name.label("region_name"), Diploma.code.label("diploma_code"), Series.code.label("series_code"),
)


def list_rows(campaign, filters: dict | None = None):
    filters = filters or {}
    stmt = _restrict(select(*LIST_COLUMNS), campaign, filters)
    return (
        stmt.outerjoin(Region, Region.id == Application.region_id)
        .outerjoin(Diploma, Diploma.id == Application.diploma_id)
        .outerjoin(Series, Series.id == Application.series_id)
        .order_by(*_order(clean_filters(filters).get("sort")))
    )


class ResultPage:
    """One page of the list, with what templates/_macros.html's pager reads. Two queries at most:
    the rows, then the count only when the page is full or not the first one."""

    def __init__(self, campaign, filters: dict, page, per_page: int = PER_PAGE):
        self.page = page_number(page)
        self.per_page = per_page
        stmt = list_rows(campaign, filters).limit(per_page).offset((self.page - 1) * per_page)
        self.items = db.session.execute(stmt).all()
        if self.page == 1 and len(self.items) < per_page:
            self.total = len(self.items)
        else:
            self.total = db.session.execute(count_search(campaign, filters)).scalar_one()

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return min(self.page - 1, self.pages)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


@cache
def _options_statement():
    """Built once per process: only the campaign id changes (a bound parameter)."""
    def part(kind, id_col, label, text_key, int_key):
        return select(literal(kind, String).label("kind"), id_col.label("id"), label.label("label"),
                      text_key.label("text_key"), int_key.label("int_key"))

    empty, zero = literal("", String), literal(0, Integer)
    offer_label = Offer.code.concat(" – ").concat(Programme.title).concat(" (").concat(Establishment.city).concat(")")
    return union_all(
        part("region", Region.id, Region.code.concat(" – ").concat(Region.name), Region.code, zero),
        part("sector", Sector.id, Sector.name, Sector.name, zero),
        part("level", Level.id, Level.code.concat(" – ").concat(Level.name), empty, Level.position),
        part("diploma", Diploma.id, Diploma.code, empty, Diploma.rank),
        part("offer", Offer.id, offer_label, Offer.code, zero)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.campaign_id == bindparam("campaign_id")),
    )


def filter_options(campaign) -> dict:
    """The filter menus' choices as (value, label) pairs, read in ONE query (a UNION ALL of the
    small reference tables): always current, nothing to invalidate, one round trip."""
    options = {kind: [] for kind in ("region", "sector", "level", "diploma", "offer")}
    rows = db.session.execute(_options_statement(), {"campaign_id": campaign.id}).all()
    for row in sorted(rows, key=lambda r: (r.int_key, r.text_key, r.id)):
        options[row.kind].append((str(row.id), row.label))
    return {kind: tuple(items) for kind, items in options.items()}
