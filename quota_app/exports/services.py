"""Export services: the registered kinds, streamed through `write_table`, each one audited.

No request or current_user here: the caller passes the actor and commits once.
"""
from __future__ import annotations

from ..audit.services import record
from ..errors import NotFound
from ..permissions import EXPORT_KINDS_BY_ROLE
from ..spreadsheets.writer import write_table
from ..timeutil import utcnow
from .registry import ExportKind, export_kinds


def kinds_for(role: str | None) -> list[ExportKind]:
    """The registered exports a role may download, in the order of the role table."""
    return [export_kinds.get(kind) for kind in EXPORT_KINDS_BY_ROLE.get(role or "", ()) if kind in export_kinds]


def export_kind(kind: str) -> ExportKind:
    found = export_kinds.get(kind)
    if found is None:
        raise NotFound("Export inconnu.")
    return found


def file_name(kind: str, campaign, when=None) -> str:
    when = when or utcnow()
    return f"{kind}-{campaign.code}-{when:%Y%m%d-%H%M}.xlsx"


def export(kind: str, campaign, target, actor, ip: str | None = None) -> int:
    """Write the campaign's export of this kind to `target` (a binary file) and log it."""
    spec = export_kind(kind)
    count = write_table(target, f"{spec.title} – {campaign.title}", spec.columns(campaign),
                        spec.rows(campaign), sheet_title=spec.sheet_title)
    record(actor, f"export.{spec.audit_name}", object_type="campaigns", object_id=campaign.id,
           campaign_id=campaign.id, after={"rows": count}, ip_address=ip)
    return count
