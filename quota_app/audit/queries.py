"""What the audit trail viewer reads: the events matching its filters, newest first, and the
values its menus offer. Accounts and campaigns are the features': they lend them through the
registry (quota_app/features.py)."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import distinct, select

from ..extensions import db
from ..modelutil import escape_like
from ..registry import lookup
from .models import AuditEvent


@dataclass
class AuditFilters:
    email: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    campaign_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def events_statement(filters: AuditFilters):
    """The events matching the filters, newest first. `action` matches a prefix ("reference.")
    as well as a full name; `email` a part of the person's address; dates are whole days."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters.email:
        pattern = f"%{escape_like(filters.email)}%"
        # The accounts are auth's: it lends the ids of those whose address matches.
        stmt = stmt.where(AuditEvent.actor_id.in_(lookup("user_ids_matching")(pattern)))
    if filters.action:
        action = filters.action.lower()
        stmt = stmt.where((AuditEvent.action == action)
                          | AuditEvent.action.like(escape_like(action.rstrip(".")) + ".%", escape="\\"))
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type.lower())
    if filters.object_id:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.campaign_id is not None:
        stmt = stmt.where(AuditEvent.campaign_id == filters.campaign_id)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.at < datetime.combine(filters.date_to + timedelta(days=1), time.min))
    return stmt


def changed_rows(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(key, before, after) for each key that differs between the two snapshots."""
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("valeur", event.before, event.after)]
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def campaigns() -> list:
    """The campaign menu's entries, newest first."""
    return lookup("campaigns")()


def known_actions() -> list[str]:
    return list(db.session.scalars(select(distinct(AuditEvent.action)).order_by(AuditEvent.action)))


def known_object_types() -> list[str]:
    return list(db.session.scalars(select(distinct(AuditEvent.object_type)).order_by(AuditEvent.object_type)))
