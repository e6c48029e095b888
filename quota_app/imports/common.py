"""What every import shares: reading the file once, the result, the run and its audit event.

Services never commit: the caller (view, CLI, job) commits once, or rolls back.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from ..audit.services import record
from ..errors import ImportRejected
from ..extensions import db
from .models import ImportRun
from ..spreadsheets.reader import read_sheet
from ..timeutil import utcnow

MAX_ERRORS_SHOWN = 500


@dataclass
class ImportResult:
    kind: str
    filename: str
    sha256: str
    committed: bool = False
    counts: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)  # the sheet as read, for the error report
    run: ImportRun | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_upload(data: bytes):
    """Safety checks then the first sheet; raises ImportRejected (French) for a hostile file."""
    if not data:
        raise ImportRejected("Le fichier est vide.")
    max_rows = current_app.config.get("IMPORT_MAX_ROWS", 200_000)
    return read_sheet(data, max_rows=max_rows)


def record_run(result: ImportResult, campaign, actor, status: str, stored_name: str | None = None,
               job_id: int | None = None) -> ImportRun:
    """Adds the ImportRun and its audit event to the session (the caller commits)."""
    run = ImportRun(
        kind=result.kind, campaign_id=campaign.id if campaign is not None else None,
        filename=(result.filename or "fichier.xlsx")[:255], sha256=result.sha256,
        stored_name=stored_name, status=status, counts=dict(result.counts),
        error_count=len(result.errors), job_id=job_id,
        created_by_id=getattr(actor, "id", actor) if actor is not None else None,
        committed_at=utcnow() if status == "committed" else None,
    )
    db.session.add(run)
    db.session.flush()
    record(
        actor, f"import.{result.kind}.{status}", object_type="import_runs", object_id=run.id,
        campaign_id=run.campaign_id,
        after={"filename": run.filename, "sha256": run.sha256, "counts": run.counts,
               "errors": run.error_count},
    )
    result.run = run
    return run


def record_if(enabled: bool, result: ImportResult, campaign, actor, status: str,
              stored_name: str | None, job_id: int | None) -> None:
    """`enabled=False` re-analyses a stored file (preview page, error report) without a new run."""
    if enabled:
        record_run(result, campaign, actor, status, stored_name, job_id)


def open_upload(kind: str, campaign, data: bytes, filename: str, actor, record: bool,
                stored_name: str | None, job_id: int | None, progress=None):
    """(sheet, fresh result), or (None, the rejected result, its run recorded) for a file
    refused by the safety checks. A `progress` reporter that takes a total (a job's Progress,
    the command's bar) is told the number of data rows as soon as the sheet is read: nobody
    has to read the file a first time just to size the bar."""
    try:
        sheet = read_upload(data)
    except ImportRejected as error:
        result = rejected_result(kind, filename, data, error)
        record_if(record, result, campaign, actor, "rejected", stored_name, job_id)
        return None, result
    set_total = getattr(progress, "set_total", None)
    if set_total is not None:
        set_total(data_rows(sheet.rows))
    return sheet, ImportResult(kind=kind, filename=filename, sha256=file_digest(data), rows=sheet.rows)


def data_rows(rows) -> int:
    """The rows holding data, the header row excluded."""
    return max(sum(1 for row in rows if row) - 1, 0)


def rejected_result(kind: str, filename: str, data: bytes, error: ImportRejected) -> ImportResult:
    result = ImportResult(kind=kind, filename=filename, sha256=file_digest(data or b""))
    result.errors = [{"sheet": None, "row": None, "column": None, "value": None,
                      "message": error.message, "column_index": None, "key": None}]
    result.counts = {"errors": 1}
    return result


def settle_analysis(result: ImportResult, records, errors: list[dict], counts: dict, *, planned: int,
                    commit: bool, progress, record: bool, campaign, actor, stored_name: str | None,
                    job_id: int | None) -> bool:
    """The end of an import's analysis: the errors in sheet order, `counts` completed (errors,
    rows read) and set on the result, the progress told, and, when nothing is to be written (a
    dry run, or a file with errors), the run recorded ("dry_run" or "rejected"). True when the
    caller goes on to write its `planned` rows (then it reports their progress itself)."""
    sort_errors(errors)
    result.errors = errors
    counts["errors"] = len(errors)
    counts["rows"] = len({r["_row"] for r in records} | {e["row"] for e in errors if e.get("row")})
    result.counts = counts
    writing = commit and not errors
    if progress is not None:
        progress(counts["rows"] - planned if writing else counts["rows"])
    if not writing:
        record_if(record, result, campaign, actor, "rejected" if commit else "dry_run", stored_name, job_id)
    return writing


def column_positions(rows, spec) -> dict:
    """Column index of each spec key in the sheet's header row (empty when none is found)."""
    from ..spreadsheets.headers import find_header_row, match_columns

    index = find_header_row(rows, spec, spec.header_search_rows)
    if index is None:
        return {}
    return match_columns(rows[index], spec)[0]


def row_error(spec, row: int, key: str, value, message: str, mapping: dict | None = None) -> dict:
    """An error found after parsing, in the same shape as spreadsheets.spec.validate_rows gives."""
    return {"sheet": spec.name, "row": row, "column": spec.column(key).header, "value": value,
            "message": message, "column_index": (mapping or {}).get(key), "key": key}


def sort_errors(errors: list[dict]) -> None:
    """Sheet order: by row, then by column."""
    errors.sort(key=lambda e: (e.get("row") or 0,
                               e.get("column_index") if e.get("column_index") is not None else -1))
