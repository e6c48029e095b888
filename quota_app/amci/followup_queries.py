"""What the follow-up pages read: a campaign's nominated trainees with their follow-up
(searchable, filtered, paginated), the counts, one trainee's history from the audit trail."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager

from ..applications.models import STATUS_LABELS, Application
from ..audit.labels import action_label, field_label
from ..audit.models import AuditEvent
from ..auth.models import User
from ..extensions import db
from ..reference.models import Establishment
from ..screening.search import name_prefixes, starts_with
from . import money
from .models import SITUATION_LABELS, VISA_LABELS, VISA_STATUSES, FollowUp, Nomination

FILTERS = {
    "arrived": {"yes": "Arrivés", "no": "Pas encore arrivés"},
    "enrolled": {"yes": "Inscrits", "no": "Pas encore inscrits"},
    "abandoned": {"yes": "Abandons", "no": "Sans abandon"},
}


@dataclass(frozen=True)
class Filters:
    q: str = ""
    visa: str = ""
    arrived: str = ""
    enrolled: str = ""
    abandoned: str = ""
    alerts: bool = False

    @classmethod
    def of(cls, args) -> "Filters":
        def pick(name):
            value = (args.get(name) or "").strip()
            return value if value in FILTERS[name] else ""
        visa = (args.get("visa") or "").strip()
        return cls(q=(args.get("q") or "").strip()[:100], visa=visa if visa in VISA_STATUSES else "",
                   arrived=pick("arrived"), enrolled=pick("enrolled"), abandoned=pick("abandoned"),
                   alerts=args.get("alertes") == "1")

    def query_args(self) -> dict:
        return {k: v for k, v in {"q": self.q, "visa": self.visa, "arrived": self.arrived, "enrolled": self.enrolled,
                                  "abandoned": self.abandoned, "alertes": "1" if self.alerts else ""}.items() if v}


def _yes_no(column, value):
    return column.is_not(None) if value == "yes" else column.is_(None)


def trainees_statement(campaign_id: int, filters: Filters, alerted_ids: list[int] | None = None):
    """The campaign's nominations still on the list (their file loaded), filtered by their follow-up."""
    statement = (select(Nomination).join(Application, Application.id == Nomination.application_id)
                 .options(contains_eager(Nomination.application))
                 .outerjoin(FollowUp, FollowUp.application_id == Application.id)
                 .where(Nomination.campaign_id == campaign_id, Nomination.status != "withdrawn"))
    if filters.q:
        names = [starts_with(Application.search_name, prefix) for prefix in name_prefixes(filters.q)]
        statement = statement.where(or_(Application.reference == "".join(filters.q.split()).upper(), *names))
    if filters.visa == "not_started":
        statement = statement.where(or_(FollowUp.id.is_(None), FollowUp.visa_status == "not_started"))
    elif filters.visa:
        statement = statement.where(FollowUp.visa_status == filters.visa)
    for name, column in (("arrived", FollowUp.arrival_date), ("enrolled", FollowUp.enrolled_on),
                         ("abandoned", FollowUp.abandoned_on)):
        value = getattr(filters, name)
        if value:
            statement = statement.where(_yes_no(column, value))
    if filters.alerts:
        statement = statement.where(Application.id.in_(alerted_ids or [-1]))
    return statement.order_by(Nomination.position.asc().nulls_last(), Nomination.id)


def follow_ups_for(application_ids: list[int]) -> dict[int, FollowUp]:
    """A page's follow-ups by file (one query)."""
    if not application_ids:
        return {}
    return {f.application_id: f for f in db.session.scalars(
        select(FollowUp).where(FollowUp.application_id.in_(application_ids)))}


def counts(campaign_id: int) -> dict[str, int]:
    """The campaign's trainees by stage (one query)."""
    row = db.session.execute(
        select(func.count(Nomination.id),
               func.sum(case((FollowUp.visa_status == "granted", 1), else_=0)),
               func.sum(case((FollowUp.visa_status == "refused", 1), else_=0)),
               func.sum(case((FollowUp.arrival_date.is_not(None), 1), else_=0)),
               func.sum(case((FollowUp.enrolled_on.is_not(None), 1), else_=0)),
               func.sum(case((FollowUp.departure_cancelled_on.is_not(None), 1), else_=0)),
               func.sum(case((FollowUp.abandoned_on.is_not(None), 1), else_=0)),
               func.sum(case((FollowUp.completed_on.is_not(None), 1), else_=0)))
        .select_from(Nomination).outerjoin(FollowUp, FollowUp.application_id == Nomination.application_id)
        .where(Nomination.campaign_id == campaign_id, Nomination.status != "withdrawn")).one()
    keys = ("trainees", "visa_granted", "visa_refused", "arrived", "enrolled", "cancelled", "abandoned", "completed")
    return {key: int(value or 0) for key, value in zip(keys, row)}


def establishments() -> list[Establishment]:
    return list(db.session.scalars(select(Establishment).where(Establishment.active.is_(True))
                                   .order_by(Establishment.code)))


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    actor: str
    label: str
    reason: str
    changes: list   # [(field label, before, after)]


def _date_text(value) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def _shown(key: str, value, establishments: dict[int, str]) -> str:
    """A value of the journal as the follow-up page shows it: dates, money, labels, codes."""
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return gettext("Oui") if value else gettext("Non")
    if key == "stipend_minor" and isinstance(value, int):
        return money.format_money(value)
    if key == "visa_status":
        return gettext(VISA_LABELS.get(value, value))
    if key == "status":
        return gettext(STATUS_LABELS.get(value, value))
    if key in ("situation_6m", "situation_12m"):
        return gettext(SITUATION_LABELS.get(value, value))
    if key == "establishment_id":
        return establishments.get(value, str(value))
    if key.endswith(("_date", "_on")):
        return _date_text(value)
    return str(value)


def history(application_id: int, follow_up_id: int | None, limit: int = 100) -> list[HistoryItem]:
    """The follow-up's journal: its own events and the file's AMCI moves, newest first."""
    conditions = [and_(AuditEvent.object_type == "applications", AuditEvent.object_id == str(application_id),
                       AuditEvent.action.like("amci.%"))]
    if follow_up_id is not None:
        conditions.append(and_(AuditEvent.object_type == "follow_ups", AuditEvent.object_id == str(follow_up_id)))
    rows = db.session.execute(
        select(AuditEvent, User.full_name, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(or_(*conditions)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    named = {v for event, *_ in rows for side in (event.before or {}, event.after or {})
             for k, v in side.items() if k == "establishment_id" and isinstance(v, int)}
    establishments = dict(db.session.execute(select(Establishment.id, Establishment.code)
                                             .where(Establishment.id.in_(named))).all()) if named else {}
    items = []
    for event, full_name, email in rows:
        before, after = event.before or {}, event.after or {}
        changes = [(field_label(key), _shown(key, before.get(key), establishments),
                    _shown(key, after.get(key), establishments))
                   for key in after if before.get(key) != after.get(key)]
        items.append(HistoryItem(event.at, full_name or email or "Système", action_label(event.action) or event.action,
                                 event.reason or "", changes))
    return items
