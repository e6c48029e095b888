"""The managers' search over a campaign's applications, built from a plain dict of filters.

`build_search(campaign, filters)` returns a SQLAlchemy select of Application, eager-loading what
the list shows (no query per row). Unknown or malformed filter values are ignored, never an error.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from ..applications.models import STATUSES, Application, ApplicationChoice
from ..campaigns.models import Offer
from ..reference.models import Programme

PER_PAGE = 50

SORTS = {
    "name": "Nom",
    "reference": "Référence",
    "submitted": "Date de dépôt (récentes d'abord)",
    "average": "Moyenne au diplôme (meilleures d'abord)",
    "age": "Âge (plus jeunes d'abord)",
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
    "-18": "Moins de 18 ans", "18-20": "18 à 20 ans", "21-23": "21 à 23 ans",
    "24-25": "24 à 25 ans", "26-30": "26 à 30 ans", "31+": "31 ans et plus",
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


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_condition(q: str):
    pattern = _like(q)
    compact = _like("".join(q.split()))
    columns = (Application.last_name, Application.first_names, Application.reference,
               Application.email)
    conditions = [func.lower(col).like(pattern, escape="\\") for col in columns]
    # Identity numbers and phones are stored normalised (no spaces, upper case).
    for col in (Application.nina, Application.passport_number, Application.phone):
        conditions.append(func.lower(col).like(compact, escape="\\"))
    # "Traoré Awa" finds first names + last name in either order.
    words = q.split()
    if len(words) > 1:
        conditions.append(and_(*[
            or_(func.lower(Application.last_name).like(_like(w), escape="\\"),
                func.lower(Application.first_names).like(_like(w), escape="\\"))
            for w in words
        ]))
    return or_(*conditions)


def _choice_exists(*conditions):
    return exists(
        select(ApplicationChoice.id)
        .join(Offer, Offer.id == ApplicationChoice.offer_id)
        .join(Programme, Programme.id == Offer.programme_id)
        .where(ApplicationChoice.application_id == Application.id, *conditions)
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
    f = clean_filters(filters)
    where = [Application.campaign_id == campaign.id]
    if "q" in f:
        where.append(_text_condition(f["q"]))
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
        where.append(_choice_exists(Programme.sector_id == sector))
    level = _int(f.get("level"))
    if level is not None:
        where.append(_choice_exists(Programme.level_id == level))
    offer = _int(f.get("offer"))
    if offer is not None:
        where.append(_choice_exists(ApplicationChoice.offer_id == offer))
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
    return [func.lower(Application.last_name), func.lower(Application.first_names), Application.id]


def build_search(campaign, filters: dict | None = None):
    """select(Application) for this campaign and filters, sorted, with the list's relations."""
    filters = filters or {}
    stmt = select(Application).where(*conditions_for(campaign, filters))
    stmt = stmt.order_by(*_order(clean_filters(filters).get("sort")))
    return stmt.options(
        joinedload(Application.region),
        joinedload(Application.diploma),
        joinedload(Application.series),
    )


def count_search(campaign, filters: dict | None = None):
    return select(func.count(Application.id)).where(*conditions_for(campaign, filters or {}))
