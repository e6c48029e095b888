"""What the allocation is given, read from the database in a few Core queries: the offers and
their seats, each evaluated candidate's place in the campaign's one standing, score, sex and
the choices they are eligible for (applications/eligibility.py: level, diploma, series, age).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from ..applications import eligibility
from ..applications.models import Application, ApplicationChoice
from ..campaigns.models import Offer
from ..committee.standing import campaign_standing
from ..extensions import db
from ..reference.models import Diploma, Level, Programme, Series
from ..screening.services import check_context
from .allocation import Candidate, OfferSeats


@dataclass
class Inputs:
    offers: list[OfferSeats]
    candidates: list[Candidate]
    # application id -> offer id -> the rank the applicant gave that choice (1..3)
    choice_ranks: dict[int, dict[int, int]] = field(default_factory=dict)
    # application id -> every offer chosen, eligible or not, in the applicant's order
    all_choices: dict[int, list[int]] = field(default_factory=dict)

    def by_id(self) -> dict[int, Candidate]:
        return {c.id: c for c in self.candidates}


def offer_seats(campaign_id: int, overrides: dict[int, tuple[int, int]] | None = None) -> list[OfferSeats]:
    """The campaign's offers with their seats (or the simulated seats of `overrides`)."""
    overrides = overrides or {}
    rows = db.session.execute(select(Offer.id, Offer.seats, Offer.reserved_seats)
                              .where(Offer.campaign_id == campaign_id).order_by(Offer.id))
    return [OfferSeats(id=i, seats=overrides.get(i, (s, r))[0], reserved=overrides.get(i, (s, r))[1])
            for i, s, r in rows]


def load(campaign, overrides: dict[int, tuple[int, int]] | None = None, statuses=("evaluated",)) -> Inputs:
    """Everything the allocation needs, in the standing's order. Read through the connection
    (plain rows, no ORM row processing) and with the eligibility asked once per distinct
    (diploma, series, birth date, level): at 100,000 files this is a few hundred distinct
    questions, not 300,000."""
    standing = campaign_standing(campaign, statuses)
    context = check_context(campaign)
    conn = db.session.connection()
    level_by_offer = dict(conn.execute(
        select(Offer.id, Level.code).join(Programme, Programme.id == Offer.programme_id)
        .join(Level, Level.id == Programme.level_id).where(Offer.campaign_id == campaign.id)).all())
    facts = {row[0]: row[1:] for row in conn.execute(
        select(Application.id, Application.sex, Application.birth_date, Diploma.rank, Diploma.has_series,
               Series.code)
        .outerjoin(Diploma, Diploma.id == Application.diploma_id)
        .outerjoin(Series, Series.id == Application.series_id)
        .where(Application.campaign_id == campaign.id, Application.status.in_(statuses))).all()}
    # application id -> offer id -> rank, each file's offers in rank order (dicts keep it)
    choice_ranks: dict[int, dict[int, int]] = {}
    for app_id, offer_id, rank in conn.execute(
            select(ApplicationChoice.application_id, ApplicationChoice.offer_id, ApplicationChoice.rank)
            .join(Application, Application.id == ApplicationChoice.application_id)
            .where(Application.campaign_id == campaign.id, Application.status.in_(statuses))
            .order_by(ApplicationChoice.application_id, ApplicationChoice.rank)).all():
        ranked = choice_ranks.get(app_id)
        if ranked is None:
            choice_ranks[app_id] = {offer_id: rank}
        else:
            ranked[offer_id] = rank
    reserved_sex = campaign.reserved_sex
    levels = context.levels
    # (birth date, diploma rank, has series, series code, level code) -> eligible
    answers: dict[tuple, bool] = {}

    def eligible(key: tuple) -> bool:
        birth_date, diploma_rank, has_series, series_code, level_code = key
        level = levels.get(level_code)
        if level is None:
            ok = False
        else:
            applicant = eligibility.ApplicantFacts(birth_date=birth_date, diploma_rank=diploma_rank,
                                                   diploma_has_series=bool(has_series), series_code=series_code)
            ok = eligibility.eligible_for_level(applicant, level, context.campaign)
        answers[key] = ok
        return ok

    candidates, all_choices = [], {}
    no_choice: dict[int, int] = {}
    for position, item in enumerate(standing):
        app_id = item.application_id
        fact = facts.get(app_id)
        if fact is None:
            continue
        sex, birth_date, diploma_rank, has_series, series_code = fact
        chosen = choice_ranks.get(app_id, no_choice)
        kept = []
        for offer_id in chosen:
            key = (birth_date, diploma_rank, has_series, series_code, level_by_offer.get(offer_id))
            ok = answers.get(key)
            if ok is None:
                ok = eligible(key)
            if ok:
                kept.append(offer_id)
        all_choices[app_id] = list(chosen)
        candidates.append(Candidate(id=app_id, priority=position, score=Decimal(item.final_score),
                                    woman=reserved_sex is not None and sex == reserved_sex,
                                    choices=tuple(kept)))
    return Inputs(offers=offer_seats(campaign.id, overrides), candidates=candidates,
                  choice_ranks=choice_ranks, all_choices=all_choices)
