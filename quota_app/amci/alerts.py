"""The follow-up's alerts for the AMCI officer's and the manager's home pages and the follow-up
list: the nominated trainees still on the list read in two Core queries (their follow-up, their
campaign's training start and re-enrolment deadline; the years whose re-enrolment documents
came), then the pure rule (followup_rules.alerts)."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import select

from ..applications.models import Application
from ..campaigns.models import Campaign
from ..extensions import db
from . import followup_rules as rules
from .models import FollowUp, Nomination, ReenrolmentRecord
from .nominations import LIVE

ALERTABLE = ("accepted", "enrolled")
CHUNK = 500


def trainee_rows(campaign_ids: Iterable[int], application_ids: Iterable[int] | None = None) -> list[rules.TraineeRow]:
    ids = sorted(set(campaign_ids))
    if not ids:
        return []
    f, a, c = FollowUp.__table__.c, Application.__table__.c, Campaign.__table__.c
    statement = (
        select(a.id, a.reference, a.last_name, a.first_names, a.status, c.id.label("campaign_id"), c.code, c.title,
               c.training_starts_on, c.reenrolment_deadline_month, c.reenrolment_deadline_day, f.id.label("follow_up_id"),
               f.visa_status, f.travel_date, f.arrival_date, f.enrolled_on, f.abandoned_on, f.departure_cancelled_on,
               f.completed_on, f.returned_on, f.duration_months)
        .select_from(Nomination.__table__)
        .join(Application.__table__, a.id == Nomination.__table__.c.application_id)
        .join(Campaign.__table__, c.id == Nomination.__table__.c.campaign_id)
        .outerjoin(FollowUp.__table__, f.application_id == a.id)
        .where(Nomination.__table__.c.campaign_id.in_(ids), Nomination.__table__.c.status.in_(LIVE),
               a.status.in_(ALERTABLE)))
    if application_ids is not None:
        statement = statement.where(a.id.in_(sorted(set(application_ids))))
    found = db.session.execute(statement).all()
    years: dict[int, set] = {}
    follow_ids = [r.follow_up_id for r in found if r.follow_up_id is not None and r.status == "enrolled"]
    r_ = ReenrolmentRecord.__table__.c
    for start in range(0, len(follow_ids), CHUNK):
        for follow_up_id, year in db.session.execute(select(r_.follow_up_id, r_.academic_year).where(
                r_.follow_up_id.in_(follow_ids[start:start + CHUNK]), r_.documents_received_on.is_not(None))):
            years.setdefault(follow_up_id, set()).add(year)
    return [rules.TraineeRow(
        application_id=r.id, reference=r.reference, name=" ".join(p for p in (r.last_name, r.first_names) if p),
        campaign_id=r.campaign_id, campaign=r.title, status=r.status, training_starts_on=r.training_starts_on,
        deadline_month=r.reenrolment_deadline_month, deadline_day=r.reenrolment_deadline_day,
        visa_status=r.visa_status or "not_started", travel_date=r.travel_date, arrival_date=r.arrival_date,
        enrolled_on=r.enrolled_on, abandoned_on=r.abandoned_on, departure_cancelled_on=r.departure_cancelled_on,
        completed_on=r.completed_on, returned_on=r.returned_on, duration_months=r.duration_months,
        reenrolled_years=frozenset(years.get(r.follow_up_id, ()))) for r in found]


def alerts_for(campaign_ids: Iterable[int], today: date, settings: rules.AlertSettings | None = None,
               application_ids: Iterable[int] | None = None) -> list[rules.Alert]:
    """The alerts due on `today` for the nominated trainees of these campaigns."""
    return rules.alerts(trainee_rows(campaign_ids, application_ids), today, settings)


def all_campaign_ids() -> list[int]:
    """The campaigns that have nominations (the home pages' alerts look at all of them)."""
    return list(db.session.scalars(select(Nomination.campaign_id).distinct()))
