"""What the audit trail viewer reads: the events matching its filters, newest first, and the
values its menus offer. Accounts and campaigns are the features': they lend them through the
registry (quota_app/features.py)."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import distinct, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..i18n import N_
from ..modelutil import escape_like
from ..registry import lookup
from . import labels, masking
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
    stmt = (select(AuditEvent).options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
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


@dataclass
class EventView:
    """One event as the page shows it: in French, with references and names instead of ids."""

    event: AuditEvent
    action: str  # the French label (the code when the journal does not know it)
    known_action: bool
    object: str  # « Dossier MLI-2026-000005 – TRAORÉ Awa », « Région n° 12 »
    rows: list  # (field label, before, after), values in French, identity numbers masked
    actor_name: str | None = None  # None: the system
    actor_email: str | None = None
    reason: str = ""
    withheld: str | None = None  # why the details are not shown (French), when they are not
    reveal_url: str | None = None  # the file's audited action showing its numbers in full


# What the page says in place of details it does not show.
WITHHELD_ADMIN = N_("Détail réservé aux gestionnaires : données personnelles d'un candidat.")
WITHHELD_DRAFT = N_("Détail non consultable : dossier en brouillon, jamais soumis.")
HIDDEN_VALUE = "(masqué)"


def _scalars(value) -> list:
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, (str, int))]
    return [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else []


def _display(value, names: dict | None):
    """A value in French: through the lent names of its field, then format_value."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        shown = [_display(v, names) for v in value]
        return ", ".join(str(v) for v in shown if v is not None) or None
    if isinstance(value, dict):
        return " ; ".join(f"{labels.field_label(str(k))} : {_display(v, None)}" for k, v in value.items())
    if names and not isinstance(value, bool):
        named = names.get(value, names.get(str(value)))
        if named is not None:
            return named
    return labels.format_value(value)


def _shown_value(key: str, value, personal_data: bool):
    """A row's value as the viewer may see it: identity numbers and contact masked for everyone
    (rows written before masking included); a candidate's personal values hidden from those who
    may not see them."""
    if value is None:
        return None
    if not personal_data and key in labels.PERSONAL_KEYS:
        return HIDDEN_VALUE
    if not personal_data and isinstance(value, dict):
        value = {k: (HIDDEN_VALUE if k in labels.PERSONAL_KEYS else v) for k, v in value.items()}
    return masking.mask_value(key, value)


def _actor(event: AuditEvent, personal_data: bool) -> tuple[str | None, str | None]:
    """(name, address) of who acted; a candidate's address masked, and for a viewer who may
    not read candidates' data, their account's number only."""
    actor = event.actor
    if actor is None:
        return None, None
    if getattr(actor, "role", None) != "applicant":
        return actor.full_name or actor.email or _("Compte n° %(id)s", id=actor.id), actor.email if actor.full_name else None
    if not personal_data:
        return _("Candidat (compte n° %(id)s)", id=actor.id), None
    contact = masking.mask_text(actor.email or actor.phone) or None
    return (actor.full_name, contact) if actor.full_name else (contact or _("Compte n° %(id)s", id=actor.id), None)


def event_views(events: list[AuditEvent], *, personal_data: bool = True) -> list[EventView]:
    """The page's events in French. The ids and values to name are gathered first, then each
    lender is asked once for the whole page: no query per row.

    `personal_data`: the viewer may read candidates' files (a manager). Otherwise (an
    administrator) an event about a candidate shows its action, time, actor and the object's
    number or reference only; no name, number, contact or document. Identity numbers and
    contact details are masked for everyone: a manager's link to the file's audited « show in
    full » action stands in for them."""
    changes = [changed_rows(e) for e in events]
    ids, access_ids, values = defaultdict(set), defaultdict(set), defaultdict(set)
    for event, rows in zip(events, changes):
        if event.object_id and event.object_type in labels.object_access:
            access_ids[event.object_type].add(event.object_id)
        if event.object_id and event.object_type in labels.object_describers:
            ids[event.object_type].add(event.object_id)
        for key, old, new in rows:
            if key in labels.value_describers:
                values[key].update(_scalars(old) + _scalars(new))
    access = {kind: labels.object_access.get(kind)(sorted(found)) for kind, found in access_ids.items()}
    if personal_data:
        objects = {kind: labels.object_describers.get(kind)(sorted(found)) for kind, found in ids.items()}
    else:  # only the non-personal objects are named; a candidate's keep their reference
        objects = {kind: labels.object_describers.get(kind)(sorted(found)) for kind, found in ids.items()
                   if kind not in labels.APPLICANT_OBJECT_TYPES}
    names = {key: labels.value_describers.get(key)(found) for key, found in values.items() if found}
    views = []
    for event, rows in zip(events, changes):
        kind = _(labels.object_type_label(event.object_type))
        known = access.get(event.object_type, {}).get(event.object_id) if event.object_id else None
        about_applicant = (event.object_type in labels.APPLICANT_OBJECT_TYPES
                           or event.action.partition(".")[0] in labels.APPLICANT_FAMILIES
                           or getattr(event.actor, "role", None) == "applicant"
                           or (known is not None and known.about_applicant))
        withheld = None
        if not personal_data and about_applicant:
            withheld = WITHHELD_ADMIN
        elif known is not None and known.hidden:
            withheld = WITHHELD_DRAFT
        if withheld:  # never the name of a file the viewer may not read: its reference at most
            described = known.reference if known is not None else None
        else:
            described = objects.get(event.object_type, {}).get(event.object_id) if event.object_id else None
        if described:
            shown = f"{kind} {described}"
        elif event.object_id:
            shown = _("%(kind)s n° %(id)s", kind=kind, id=event.object_id)
        else:
            shown = kind
        action = labels.action_label(event.action)
        actor_name, actor_email = _actor(event, personal_data and not withheld)
        shown_rows = [] if withheld else [
            (labels.field_label(key), _display(_shown_value(key, old, personal_data), names.get(key)),
             _display(_shown_value(key, new, personal_data), names.get(key)))
            for key, old, new in rows]
        masked = any(masking.is_identity_number(key) for key, _old, _new in rows)
        views.append(EventView(
            event=event, action=action or event.action, known_action=action is not None, object=shown,
            rows=shown_rows, actor_name=actor_name, actor_email=actor_email,
            reason="" if withheld else event.reason, withheld=withheld,
            reveal_url=known.reveal_url if (personal_data and masked and not withheld and known is not None)
            else None))
    return views


def campaigns() -> list:
    """The campaign menu's entries, newest first."""
    return lookup("campaigns")()


def known_actions() -> list[str]:
    return list(db.session.scalars(select(distinct(AuditEvent.action)).order_by(AuditEvent.action)))


def known_object_types() -> list[str]:
    return list(db.session.scalars(select(distinct(AuditEvent.object_type)).order_by(AuditEvent.object_type)))
