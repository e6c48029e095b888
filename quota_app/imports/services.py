"""The imports as the pages, the CLI and the jobs use them: stored uploads, dispatch, reports.

No request, no flash, no current_user; the caller commits.
"""
from __future__ import annotations

import inspect
import io
import os
import secrets

from flask import current_app
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..gcpause import gc_paused
from ..permissions import IMPORT_KINDS_BY_ROLE
from ..registry import lookup
from ..spreadsheets.error_report import build_error_report
from .common import ImportResult, outcome, written_count
from .models import ImportRun
from .registry import ImportKind, import_kinds

# Files bigger than this are analysed and imported by the background worker.
DEFAULT_BACKGROUND_BYTES = 1024 * 1024


def kinds_for(role: str | None) -> tuple[str, ...]:
    """The registered import kinds a role may see and run (none for the other roles)."""
    return tuple(kind for kind in IMPORT_KINDS_BY_ROLE.get(role or "", ()) if kind in import_kinds)


def label(kind: str) -> str:
    return import_kind(kind).label


def import_kind(kind: str) -> ImportKind:
    found = import_kinds.get(kind)
    if found is None:
        raise NotFound("Type d'import inconnu.")
    return found


def campaign(campaign_id) -> object:
    found = lookup("campaign")(campaign_id) if campaign_id else None
    if found is None:
        raise NotFound("Campagne introuvable.")
    return found


def campaign_by_code(code: str):
    found = lookup("campaign_by_code")(code)
    if found is None:
        raise NotFound(f"Campagne introuvable : « {code} ».")
    return found


def run_import(kind: str, campaign, data: bytes, filename: str, actor=None, commit: bool = False,
               progress=None, stored_name: str | None = None, job_id: int | None = None,
               record: bool = True, corrections=None) -> ImportResult:
    """Runs an importer. `corrections` ("all" or Excel row numbers: the conflicts whose file
    values a manager chose to apply) goes to the kinds that have conflicts to correct."""
    importer = import_kind(kind).importer
    extra = {}
    if corrections is not None and "corrections" in inspect.signature(importer).parameters:
        extra["corrections"] = corrections
    with gc_paused():  # every import is bulk work: see gcpause
        result = importer(campaign, data, filename, actor, commit=commit, progress=progress,
                          stored_name=stored_name, job_id=job_id, record=record, **extra)
    name_sheet(result)
    return result


def name_sheet(result: ImportResult) -> None:
    """Every error and conflict names the sheet that was read (an importer names its spec's)."""
    if not result.sheet_name:
        return
    for item in (*result.errors, *result.conflicts):
        if item.get("sheet") is not None:
            item["sheet"] = result.sheet_name


def _upload_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_DIR"], "imports")
    os.makedirs(path, exist_ok=True)
    return path


def store_upload(data: bytes) -> str:
    """Keeps the uploaded file under a random name (for the confirmation and the error report)."""
    name = secrets.token_hex(16) + ".xlsx"
    with open(os.path.join(_upload_dir(), name), "wb") as fh:
        fh.write(data)
    return name


def load_upload(stored_name: str | None) -> bytes:
    if not stored_name or os.path.basename(stored_name) != stored_name:
        raise NotFound("Le fichier de cet import n'est plus disponible : déposez-le de nouveau.")
    path = os.path.join(_upload_dir(), stored_name)
    if not os.path.exists(path):
        raise NotFound("Le fichier de cet import n'est plus disponible : déposez-le de nouveau.")
    with open(path, "rb") as fh:
        return fh.read()


def get_run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None or run.kind not in import_kinds:
        raise NotFound("Import introuvable.")
    return run


def already_confirmed(run: ImportRun) -> bool:
    """A committed run of the same file into the same campaign after this dry run."""
    return db.session.execute(select(ImportRun.id).where(
        ImportRun.kind == run.kind, ImportRun.campaign_id == run.campaign_id,
        ImportRun.sha256 == run.sha256, ImportRun.status == "committed", ImportRun.id > run.id,
    ).limit(1)).first() is not None


def analyse_run(run: ImportRun) -> ImportResult:
    """Analyses the run's stored file again (dry, nothing recorded): its errors and conflicts,
    as its author (an import that checks rows against the uploader's own data reads them again)."""
    data = load_upload(run.stored_name)
    author = lookup("user")(run.created_by_id) if run.created_by_id else None
    return run_import(run.kind, campaign(run.campaign_id), data, run.filename, author, commit=False,
                      record=False)


def plan_changed(dry_run: ImportRun, result: ImportResult) -> bool:
    """True when an import fingerprints its planned writes (counts["plan"], with the versions
    it read) and the commit's plan differs from the confirmed dry run's: data changed between."""
    expected = (dry_run.counts or {}).get("plan")
    return bool(expected) and result.committed and result.counts.get("plan") != expected


def is_big(data: bytes) -> bool:
    return len(data) > current_app.config.get("IMPORT_BACKGROUND_BYTES", DEFAULT_BACKGROUND_BYTES)


def template_bytes(kind: str, campaign) -> bytes:
    buf = io.BytesIO()
    import_kind(kind).template(campaign).save(buf)
    return buf.getvalue()


def template_name(kind: str, campaign) -> str:
    return f"{import_kind(kind).template_name}-{campaign.code}.xlsx"


def error_report_bytes(result: ImportResult) -> bytes:
    """The dry run's report: the sheet as read with its errors, the list of the errors, the
    conflicts with their stored and file values, and the columns not read."""
    buf = io.BytesIO()
    header = result.header
    build_error_report(result.rows, result.errors, sheet_name=result.sheet_name or "Données",
                       header_row=header.excel_row if header is not None else None,
                       conflicts=result.conflicts,
                       columns=header.notes() if header is not None else None).save(buf)
    return buf.getvalue()


def written(result: ImportResult) -> int:
    """Rows the import wrote (0 for a dry run or a refused import)."""
    return written_count(result.counts) if result.committed else 0


def status_of(result: ImportResult) -> str:
    if result.committed:
        return "committed"
    return "rejected" if result.errors else "dry_run"


def summary(result: ImportResult) -> str:
    """What the import wrote (or would write), in French: « Import enregistré : 3 lignes
    enregistrées (…) » or « Aucune ligne enregistrée : … »."""
    return f"{label(result.kind)} — {outcome(result.counts, status_of(result))}"


def run_outcome(run: ImportRun) -> str:
    """The same sentence for a recorded run (its counts are kept when its file is gone)."""
    return outcome(run.counts, run.status)


__all__ = ["import_kind", "label", "kinds_for", "run_import", "store_upload", "load_upload",
           "get_run", "analyse_run", "template_bytes", "error_report_bytes", "summary", "campaign_by_code",
           "written", "run_outcome"]
