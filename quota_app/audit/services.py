"""The audit trail: every write in the application calls record() in the same transaction."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import inspect

from ..extensions import db
from .masking import mask_payload
from .models import AuditEvent


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj, fields=None) -> dict:
    """The column values of a model object (or the named ones), ready for JSON."""
    mapper = inspect(obj).mapper
    names = fields or [c.key for c in mapper.column_attrs]
    return {name: _jsonable(getattr(obj, name)) for name in names}


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep only the keys whose value changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(actor, action: str, obj=None, *, object_type: str | None = None, object_id=None,
           before: dict | None = None, after: dict | None = None, reason: str = "",
           campaign_id: int | None = None, ip_address: str | None = None) -> AuditEvent:
    """Add an audit event to the current session (the caller commits once).

    `actor` is a User or None (the system, a CLI command run without --actor). Identity
    numbers and contact details in `before`/`after` are stored masked (audit/masking.py).
    """
    if obj is not None:
        object_type = object_type or obj.__tablename__
        if object_id is None:
            object_id = getattr(obj, "id", None)
        if campaign_id is None:
            campaign_id = getattr(obj, "campaign_id", None)
    event = AuditEvent(
        actor_id=getattr(actor, "id", actor) if actor is not None else None,
        action=action,
        object_type=object_type or "system",
        object_id=None if object_id is None else str(object_id),
        campaign_id=campaign_id,
        before=mask_payload(_jsonable(before)) if before is not None else None,
        after=mask_payload(_jsonable(after)) if after is not None else None,
        reason=reason or "",
        ip_address=ip_address,
    )
    db.session.add(event)
    return event
