"""The imports as the pages, the CLI and the jobs use them: stored uploads, dispatch, reports.

No request, no flash, no current_user; the caller commits.
"""
from __future__ import annotations

import inspect
import io
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..audit.services import record
from ..errors import Conflict, NotFound
from ..extensions import db
from ..gcpause import gc_paused
from ..i18n import N_
from ..permissions import IMPORT_KINDS_BY_ROLE
from ..registry import lookup
from ..spreadsheets.error_report import build_error_report
from ..uploads_names import display_name
from ..timeutil import utcnow
from .common import ImportResult, outcome, upload_expired, written_count
from .models import ImportRun
from .registry import ImportKind, import_kinds

# Files bigger than this are analysed and imported by the background worker.
DEFAULT_BACKGROUND_BYTES = 1024 * 1024
DEFAULT_NAME = "fichier.xlsx"  # the name of an upload that came without one

ALREADY_CONFIRMED = N_("Cet import a déjà été confirmé (la simulation a déjà été validée) : ses lignes sont "
                       "enregistrées une seule fois ; rien n'a été modifié.")
CONFIRMING = N_("Cet import est déjà en cours de confirmation en arrière-plan : suivez sa tâche ; "
                "rien d'autre n'a été lancé.")
CLASH = N_("Un autre import a modifié la campagne pendant celui-ci ; aucune donnée n'a été "
           "enregistrée. Relancez l'analyse du fichier.")


def _integrity_errors() -> tuple[type[BaseException], ...]:
    """Uniqueness clashes as SQLAlchemy raises them and as the drivers raise them from the
    bulk path (COPY on PostgreSQL, multi-row INSERT on SQLite: straight on the driver)."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    found: list[type[BaseException]] = [IntegrityError, sqlite3.IntegrityError]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - SQLite only
        pass
    else:
        found.append(psycopg.IntegrityError)
    return tuple(found)


INTEGRITY_ERRORS = _integrity_errors()


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
    values a manager chose to apply) goes to the kinds that have conflicts to correct.
    `filename` is the upload's name as sent: every importer sees (and records) its display_name."""
    importer = import_kind(kind).importer
    filename = display_name(filename, DEFAULT_NAME)
    extra = {}
    if corrections is not None and "corrections" in inspect.signature(importer).parameters:
        extra["corrections"] = corrections
    with gc_paused():  # every import is bulk work: see gcpause
        try:
            result = importer(campaign, data, filename, actor, commit=commit, progress=progress,
                              stored_name=stored_name, job_id=job_id, record=record, **extra)
        except INTEGRITY_ERRORS as clash:
            # The same rows written meanwhile (another import, a person): the caller rolls back.
            raise Conflict(CLASH) from clash
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


# The names store_upload gives (and only those are ever deleted from the folder).
_STORED = re.compile(r"^[0-9a-f]{32}\.xlsx$")


@dataclass
class UploadPurge:
    """What purge_old_uploads found: the files to delete (after the commit), the runs whose
    file is gone, the files no run names (an upload whose run was never written)."""

    names: list[str] = field(default_factory=list)
    runs: int = 0
    orphans: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.names) + len(self.orphans)


def purge_old_uploads(now: datetime | None = None, days: int | None = None, dry_run: bool = False) -> UploadPurge:
    """The uploaded import files kept past IMPORT_FILE_RETENTION_DAYS (law 2013-015: the data
    they hold has served): their runs stay, with their counts, and forget the file
    (`stored_name` cleared), then one audit event says how many. Rejected files (a zip bomb, a
    hostile workbook) go the same way. The caller commits, then delete_uploads(result) removes
    the files: a failed commit leaves them in place, and a file left on disk is an orphan the
    next purge deletes. `dry_run`: counts only, nothing written."""
    now = now or utcnow()
    days = current_app.config.get("IMPORT_FILE_RETENTION_DAYS", 30) if days is None else days
    result = UploadPurge()
    last_use = db.session.execute(select(ImportRun.stored_name, func.max(ImportRun.created_at))
                                  .where(ImportRun.stored_name.is_not(None))
                                  .group_by(ImportRun.stored_name)).all()
    known = {name for name, _at in last_use}
    result.names = sorted(name for name, at in last_use if upload_expired(at, now, days))
    folder = _upload_dir()
    cutoff = (now - timedelta(days=days)).timestamp()
    for entry in os.scandir(folder):
        if _STORED.match(entry.name) and entry.name not in known and entry.is_file() \
                and entry.stat().st_mtime <= cutoff:
            result.orphans.append(entry.name)
    result.orphans.sort()
    for start in range(0, len(result.names), 500):
        part = result.names[start:start + 500]
        result.runs += db.session.scalar(select(func.count(ImportRun.id)).where(ImportRun.stored_name.in_(part)))
        if not dry_run:
            db.session.execute(update(ImportRun).where(ImportRun.stored_name.in_(part))
                               .values(stored_name=None).execution_options(synchronize_session=False))
    if not dry_run and result.files:
        record(None, "import.files.purge", object_type="import_runs",
               after={"files": result.files, "runs": result.runs, "days": days},
               reason=f"Fichiers importés conservés {days} jours (loi n°2013-015)")
        db.session.flush()
    return result


def delete_uploads(result: UploadPurge) -> int:
    """After the commit: removes the files purge_old_uploads released; returns how many went."""
    folder = _upload_dir()
    removed = 0
    for name in (*result.names, *result.orphans):
        if not _STORED.match(name):
            continue
        try:
            os.remove(os.path.join(folder, name))
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def get_run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None or run.kind not in import_kinds:
        raise NotFound("Import introuvable.")
    return run


def lock_run(run: ImportRun) -> None:
    """Serialise the confirmations of one dry run, then read it again: its row FOR UPDATE on
    PostgreSQL (a second confirmation waits until the first has committed or rolled back);
    on SQLite the write lock taken now (BEGIN IMMEDIATE) unless this transaction already
    writes. Call it before deciding anything from the run (confirmable, confirmation_job)."""
    db.session.flush()
    if db.engine.dialect.name == "sqlite":
        driver = db.session.connection().connection.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")
    else:
        db.session.execute(select(ImportRun.id).where(ImportRun.id == run.id).with_for_update())
    db.session.refresh(run)


def confirmation_job(run: ImportRun):
    """The background job queued or running to confirm this dry run, if any."""
    from ..jobs.models import Job

    jobs = db.session.scalars(select(Job).where(
        Job.kind == f"import.{run.kind}", Job.status.in_(("queued", "running")))
        .execution_options(populate_existing=True)).all()
    return next((job for job in jobs if (job.params or {}).get("dry_run_id") == run.id
                 and (job.params or {}).get("commit")), None)


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
           "written", "run_outcome", "purge_old_uploads", "delete_uploads"]
