"""What every import shares: reading the file once, the result, the run and its audit event.

Services never commit: the caller (view, CLI, job) commits once, or rolls back.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from ..audit.services import record
from ..errors import ImportRejected
from ..extensions import db
from .models import ImportRun
from ..spreadsheets.headers import HeaderMatch, resolve_header
from ..spreadsheets.reader import read_sheet, sheet_names
from ..spreadsheets.safety import inspect_xlsx
from ..timeutil import utcnow
from ..uploads_names import display_name

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
    sheet_name: str | None = None  # the sheet that was read
    sheet_names: list[str] = field(default_factory=list)  # every sheet of the workbook
    header: HeaderMatch | None = None  # its header row: columns guessed, questions, ignored
    corrections: list[dict] = field(default_factory=list)  # conflicts whose file values were applied

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> int:
        return written_count(self.counts) if self.committed else 0

    @property
    def sheet_position(self) -> int | None:
        """1-based position of the sheet read among the workbook's sheets."""
        if self.sheet_name in self.sheet_names:
            return self.sheet_names.index(self.sheet_name) + 1
        return None


# The counts that say rows were written; "unchanged", "conflicts", "errors" never are.
WRITTEN_KEYS = ("new", "updated", "corrected")


def written_count(counts: dict | None) -> int:
    return sum(int((counts or {}).get(key) or 0) for key in WRITTEN_KEYS)


def _n(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count in (0, 1) else plural}"


def outcome(counts: dict | None, status: str) -> str:
    """What an import wrote, or would write, in one French sentence."""
    counts = counts or {}
    parts = []
    if counts.get("new"):
        parts.append(_n(counts["new"], "nouvelle", "nouvelles"))
    if counts.get("updated"):
        parts.append(_n(counts["updated"], "mise à jour", "mises à jour"))
    if counts.get("corrected"):
        parts.append(_n(counts["corrected"], "conflit corrigé", "conflits corrigés"))
    rest = []
    if counts.get("unchanged"):
        rest.append(_n(counts["unchanged"], "ligne inchangée", "lignes inchangées"))
    left = (counts.get("conflicts") or 0) - (counts.get("corrected") or 0)
    if left > 0:
        rest.append(_n(left, "conflit non importé", "conflits non importés"))
    total = written_count(counts)
    detail = f" ({', '.join(parts)})" if parts else ""
    tail = f" ; {', '.join(rest)}" if rest else ""
    if status == "committed":
        if total:
            return f"Import enregistré : {_n(total, 'ligne enregistrée', 'lignes enregistrées')}{detail}{tail}."
        return f"Aucune ligne enregistrée : le fichier ne contient rien de nouveau{tail}."
    if status == "rejected":
        errors = counts.get("errors") or 0
        return (f"Import refusé : {_n(errors, 'erreur', 'erreurs')} ; aucune ligne enregistrée."
                if errors else "Import refusé : aucune ligne enregistrée.")
    if total:
        return f"Simulation : {_n(total, 'ligne à enregistrer', 'lignes à enregistrer')}{detail}{tail}."
    return f"Simulation : rien à enregistrer{tail}."


def upload_expired(last_used_at: datetime | None, now: datetime, days: int) -> bool:
    """An import's stored file is deleted `days` days after the last run that used it (its
    upload, or its confirmation, which reads the same file). Pure."""
    return last_used_at is not None and last_used_at <= now - timedelta(days=max(int(days), 0))


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fit(header: HeaderMatch | None, visible: bool = True) -> tuple:
    """How well a sheet's header row fits the spec: found, complete, columns matched."""
    if header is None or header.index is None:
        return (0, 0, 0, visible)
    return (1, int(not header.missing), len(header.mapping), visible)


def read_upload(data: bytes, spec=None):
    """Safety checks then the sheet to import; raises ImportRejected (French) for a hostile file.

    Without `spec`, the first sheet. With it, the first sheet if it holds the spec's header row
    with every required column (the usual file: read once); else the sheet whose header row
    fits the spec best (a data sheet behind a cover or instructions sheet), visible sheets
    first. Returns the SheetData (pick_sheet also gives its header row and the sheet names)."""
    return pick_sheet(data, spec)[0]


def pick_sheet(data: bytes, spec=None):
    """(SheetData, HeaderMatch or None, [sheet names]) — see read_upload."""
    if not data:
        raise ImportRejected("Le fichier est vide.")
    max_rows = current_app.config.get("IMPORT_MAX_ROWS", 200_000)
    info = inspect_xlsx(data)
    first_error = None
    try:
        first = read_sheet(data, max_rows=max_rows, info=info)
    except ImportRejected as error:
        if spec is None:
            raise
        first, first_error = None, error
    header = resolve_header(first.rows, spec) if spec is not None and first is not None else None
    names = sheet_names(data)
    if spec is None or (first is not None and _fit(header)[:2] == (1, 1)) or len(names) < 2:
        if first is None:
            raise first_error
        return first, header, [n for n, _ in names]
    best = (_fit(header), first, header) if first is not None else None
    for name, visible in names[1:]:
        try:
            other = read_sheet(data, sheet=name, max_rows=max_rows, info=info)
        except ImportRejected:
            continue  # a sheet that cannot be read is not the data sheet
        found = resolve_header(other.rows, spec)
        if best is None or _fit(found, visible) > best[0]:
            best = (_fit(found, visible), other, found)
    if best is None:
        raise first_error
    if first is not None and best[0][0] == 0:
        best = (None, first, header)  # no sheet holds the headers: report on the first one
    return best[1], best[2], [n for n, _ in names]


def record_run(result: ImportResult, campaign, actor, status: str, stored_name: str | None = None,
               job_id: int | None = None) -> ImportRun:
    """Adds the ImportRun and its audit event to the session (the caller commits)."""
    counts = dict(result.counts)
    if result.sheet_name:
        counts["sheet"] = result.sheet_name
    if result.header is not None:
        counts.update(questions=len(result.header.questions), ignored=len(result.header.ignored),
                      guessed=len(result.header.guessed))
    if result.committed and result.corrections:
        counts["corrected_rows"] = [c["row"] for c in result.corrections][:1000]
    run = ImportRun(
        kind=result.kind, campaign_id=campaign.id if campaign is not None else None,
        filename=display_name(result.filename, "fichier.xlsx"), sha256=result.sha256,
        stored_name=stored_name, status=status, counts=counts,
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
                stored_name: str | None, job_id: int | None, progress=None, spec=None):
    """(sheet, fresh result), or (None, the rejected result, its run recorded) for a file
    refused by the safety checks. A `progress` reporter that takes a total (a job's Progress,
    the command's bar) is told the number of data rows as soon as the sheet is read: nobody
    has to read the file a first time just to size the bar.

    With the import's `spec`, the sheet holding its headers is read (pick_sheet), and the
    result knows its name (`sheet_name`) and its header row (`header`: guessed, questioned and
    ignored columns)."""
    try:
        sheet, header, names = pick_sheet(data, spec)
    except ImportRejected as error:
        result = rejected_result(kind, filename, data, error)
        record_if(record, result, campaign, actor, "rejected", stored_name, job_id)
        return None, result
    set_total = getattr(progress, "set_total", None)
    if set_total is not None:
        set_total(data_rows(sheet.rows))
    result = ImportResult(kind=kind, filename=filename, sha256=file_digest(data), rows=sheet.rows,
                          sheet_name=sheet.name, sheet_names=names, header=header)
    return sheet, result


def sheet_spec(spec, result: ImportResult):
    """The spec named after the sheet that was read, so that every error names that sheet."""
    import dataclasses

    if result.sheet_name and result.sheet_name != spec.name:
        return dataclasses.replace(spec, name=result.sheet_name)
    return spec


def header_notes(result: ImportResult) -> dict:
    """The header row's notes for the run's counts (JSON): kept once the file is gone."""
    return result.header.notes() if result.header is not None else {}


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
    return resolve_header(rows, spec, spec.header_search_rows).mapping


def row_error(spec, row: int, key: str, value, message: str, mapping: dict | None = None) -> dict:
    """An error found after parsing, in the same shape as spreadsheets.spec.validate_rows gives."""
    return {"sheet": spec.name, "row": row, "column": spec.column(key).header, "value": value,
            "message": message, "column_index": (mapping or {}).get(key), "key": key}


def sort_errors(errors: list[dict]) -> None:
    """Sheet order: by row, then by column."""
    errors.sort(key=lambda e: (e.get("row") or 0,
                               e.get("column_index") if e.get("column_index") is not None else -1))
