"""The reminder 24 hours before an answer deadline: a seat offered and still unanswered gets one
message (SMS and/or e-mail), once — the audit trail records it, and a second run finds it there.
An offer made less than 24 hours before its deadline gets none: its own message said the date."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select

from ..applications.models import Application
from ..audit.models import AuditEvent
from ..audit.services import record
from ..campaigns.models import Campaign
from ..extensions import db
from ..timeutil import utcnow
from .messages import notify_reminder
from .models import Placement

AHEAD = timedelta(hours=24)
ACTION = "placement.reminder"


def remind_due(now: datetime | None = None) -> int:
    """Remind every candidate whose offer expires within 24 hours; returns how many."""
    now = now or utcnow()
    reminded = exists().where(and_(AuditEvent.action == ACTION, AuditEvent.object_type == "placements",
                                   AuditEvent.object_id == db.cast(Placement.id, db.String)))
    candidates = db.session.scalars(
        select(Placement).join(Application, Application.id == Placement.application_id)
        .join(Campaign, Campaign.id == Application.campaign_id)
        .where(Campaign.phase == "published", Placement.status == "offered", Placement.deadline > now,
               Placement.deadline <= now + AHEAD, ~reminded)
        .order_by(Placement.deadline, Placement.id))
    # Offered more than 24 hours before its deadline (portable date arithmetic: in Python, on
    # the few offers due within the day).
    due = [p for p in candidates if p.offered_at < p.deadline - AHEAD]
    for placement in due:
        sent = notify_reminder(placement.application, placement)
        record(None, ACTION, placement, campaign_id=placement.application.campaign_id,
               after={"deadline": placement.deadline, "channels": list(sent.channels)})
    return len(due)
