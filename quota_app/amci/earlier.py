"""Earlier scholarship holders: a person who already held an AMCI scholarship in an earlier
campaign, flagged on the nominative list (and, for managers, at screening).

`earlier_scholars(application_ids)` -> {application_id: "ancien boursier 2024-2025"} for the
given files whose person held a scholarship in a campaign that opened before the file's own:
the earlier file's follow-up says the scholarship was granted (FollowUp.scholarship_granted),
or its nomination was confirmed or re-oriented by the joint committee. The same person is:

- the same NINA, or the same passport number (spaces and case ignored), or
- the same name (last name and first names, accents, case, punctuation and word order
  ignored: applications.models.search_key) and the same birth date.

The year range is that earlier campaign's year and the next ("2024-2025"); when several
earlier campaigns match, the most recent one is named. A few Core queries per 500 files (no
ORM object per row); anonymised files (retention) are never matched.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select

from ..applications.models import Application, search_key
from ..campaigns.models import Campaign
from ..extensions import db
from .models import FollowUp, Nomination

CHUNK = 500
HELD = ("confirmed", "reoriented")   # a nomination the joint committee kept


@dataclass(frozen=True, slots=True)
class Person:
    application_id: int
    campaign_id: int
    opens_at: datetime
    year: int
    nina: str
    passport: str
    name: str
    birth_date: date | None


def name_key(last_name: str | None, first_names: str | None) -> str:
    """The name as the match sees it: search_key's words in alphabetical order (so that
    « Traoré Awa » and « Awa TRAORE » are one name)."""
    return " ".join(sorted(search_key(last_name, first_names).split()))


def _passport(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def _nina(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def _people(statement) -> list[Person]:
    return [Person(a_id, c_id, opens_at, year, _nina(nina), _passport(passport), name_key(last, first), born)
            for a_id, c_id, opens_at, year, nina, passport, last, first, born in db.session.execute(statement)]


def _columns():
    return (Application.id, Application.campaign_id, Campaign.opens_at, Campaign.year, Application.nina,
            Application.passport_number, Application.last_name, Application.first_names, Application.birth_date)


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def year_range(year: int) -> str:
    return f"{year}-{year + 1}"


def label(year: int) -> str:
    return f"ancien boursier {year_range(year)}"


def _scholars(targets: list[Person]) -> list[Person]:
    """Files of scholarship holders sharing a NINA, a passport or a birth date with `targets`,
    in campaigns that opened before the latest of the targets' campaigns."""
    ninas = sorted({t.nina for t in targets if t.nina})
    passports = sorted({t.passport for t in targets if t.passport})
    births = sorted({t.birth_date for t in targets if t.birth_date and t.name})
    keys = []
    if ninas:
        keys.append(Application.nina.in_(ninas))
    if passports:
        keys.append(Application.passport_number.in_(passports))
    if births:
        keys.append(Application.birth_date.in_(births))
    if not keys:
        return []
    granted = select(FollowUp.application_id).where(FollowUp.scholarship_granted.is_(True))
    kept = select(Nomination.application_id).where(Nomination.status.in_(HELD))
    latest = max(t.opens_at for t in targets)
    return _people(select(*_columns()).join(Campaign, Campaign.id == Application.campaign_id).where(
        Campaign.opens_at < latest, Application.anonymised_at.is_(None), or_(*keys),
        or_(Application.id.in_(granted), Application.id.in_(kept))))


def _same_person(target: Person, other: Person) -> bool:
    if target.nina and target.nina == other.nina:
        return True
    if target.passport and target.passport == other.passport:
        return True
    return bool(target.name and target.birth_date and target.name == other.name
                and target.birth_date == other.birth_date)


def earlier_scholars(application_ids: Iterable[int]) -> dict[int, str]:
    """{application_id: "ancien boursier <year>-<year+1>"} for those of the given files whose
    person held a scholarship in an earlier campaign (see the module's docstring); files with
    none are absent."""
    ids = sorted(set(application_ids))
    flags: dict[int, str] = {}
    for chunk in _chunks(ids):
        targets = _people(select(*_columns()).join(Campaign, Campaign.id == Application.campaign_id)
                          .where(Application.id.in_(chunk), Application.anonymised_at.is_(None)))
        if not targets:
            continue
        scholars = _scholars(targets)
        for target in targets:
            years = [s.year for s in scholars if s.campaign_id != target.campaign_id
                     and s.opens_at < target.opens_at and _same_person(target, s)]
            if years:
                flags[target.application_id] = label(max(years))
    return flags


def earlier_scholar(application_id: int) -> str | None:
    """The flag of one file (the screening page's), or None."""
    return earlier_scholars([application_id]).get(application_id)
