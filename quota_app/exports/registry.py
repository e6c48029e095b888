"""The kinds of export the exports page offers: each feature registers its own from its io.py.

`rows(campaign)` streams plain tuples in the order of `columns(campaign)`; the engine
(spreadsheets/writer.py) writes them as a real spreadsheet. Who may download a kind is the
role table in permissions.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from ..registry import Registry


@dataclass(frozen=True)
class ExportKind:
    kind: str  # the address: /gestion/exports/<kind>.xlsx
    label: str
    title: str  # the sheet's title line, before " – <campaign title>"
    sheet_title: str
    columns: Callable[[Any], Sequence[str]]
    rows: Callable[[Any], Iterable[tuple]]
    audit_name: str  # the audit event is "export.<audit_name>"


export_kinds: Registry[ExportKind] = Registry("Le type d'export")


def register_export(kind: ExportKind) -> ExportKind:
    return export_kinds.register(kind.kind, kind)
