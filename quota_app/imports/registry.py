"""The kinds of import the run machinery knows: each feature registers its own from its io.py.

An importer is `importer(campaign, data, filename, actor, commit=..., progress=..., stored_name=...,
job_id=..., record=...) -> ImportResult` (imports/common.py gives what they share); the
template is `template(campaign) -> openpyxl Workbook`. Who may run a kind is the role table
in permissions.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..registry import Registry


@dataclass(frozen=True)
class ImportKind:
    kind: str
    label: str
    importer: Callable[..., Any]
    template: Callable[[Any], Any]
    template_name: str  # the template's download name, before "-CAMPAIGN.xlsx"
    help: str  # the command's help (flask import KIND)


import_kinds: Registry[ImportKind] = Registry("Le type d'import")


def register_import(kind: ImportKind) -> ImportKind:
    return import_kinds.register(kind.kind, kind)
