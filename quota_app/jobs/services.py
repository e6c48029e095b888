"""Jobs: creation, progress and access. No request, no flash.

`create_job` adds the row to the caller's session: the caller commits. After that the job
machinery never commits (nor rolls back) the caller's transaction: the job's own state (start,
progress, end, failure) is written through a connection of its own, in a transaction of its own
(`_write`), so that the job's page sees it while the job's work is still uncommitted, and the
caller's work is committed by the caller alone. SQLite allows one writer at a time: there, while
the job's own transaction holds the write lock, progress is kept in memory and written when the
job ends; the caller commits or rolls back its work before `finish` or `fail`.

Kinds of job are registered by the features that queue them (`register_kind`): jobs knows none.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from ..errors import NotAllowed, NotFound
from ..extensions import db
from ..i18n import N_
from ..permissions import can_view_job
from ..timeutil import utcnow
from .models import Job

KIND_LABELS: dict[str, str] = {}
# kind -> job -> the page to go on to once the job is done (or None)
_NEXT_URLS: dict[str, Callable[[Job], str | None]] = {}
STATUS_LABELS = {"queued": N_("En attente"), "running": N_("En cours"), "done": N_("Terminée"), "failed": N_("Échec")}


def register_kind(kind: str, label: str, next_url: Callable[[Job], str | None] | None = None) -> None:
    """A feature names its kind of job (and, if it has one, the page that shows its outcome)."""
    KIND_LABELS[kind] = label
    if next_url is not None:
        _NEXT_URLS[kind] = next_url


def next_url(job: Job) -> str | None:
    found = _NEXT_URLS.get(job.kind)
    return found(job) if found is not None else None


def create_job(actor, kind: str, params: dict, total: int | None = None) -> Job:
    job = Job(kind=kind, params=params, status="queued", total_count=total, done_count=0,
              message="En attente de démarrage…",
              created_by_id=getattr(actor, "id", actor) if actor is not None else None)
    db.session.add(job)
    db.session.flush()
    return job


def get_job_for(user, job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("Tâche introuvable.")
    if not can_view_job(user, job):
        raise NotAllowed("Cette tâche ne vous concerne pas.")
    return job


def _write(job_id: int, **values) -> None:
    """Writes the job row in a transaction of its own (visible at once to other sessions), never
    in the caller's: a job's state must not commit, nor wait for, the work it reports on. The
    caller's copy of the row, if its session holds one, is given the same values (not dirty)."""
    with db.engine.begin() as conn:
        conn.execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(**values))
    local = db.session.identity_map.get(db.session.identity_key(Job, job_id))
    if local is not None:
        for key, value in values.items():
            set_committed_value(local, key, value)


class Progress:
    """Callable progress(n) given to a service; throttled writes to the job row."""

    def __init__(self, job_id: int, total: int | None, every_seconds: float = 0.5):
        self.job_id = job_id
        self.total = total
        self.done = 0
        self.every = every_seconds
        self.last = 0.0
        self.separate_writes = db.engine.dialect.name != "sqlite"

    def set_total(self, total: int) -> None:
        self.total = total
        self.flush(force=True)

    def __call__(self, n: int = 1) -> None:
        self.done += n
        self.flush()

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        values = {"done_count": self.done, "total_count": self.total}
        if self.separate_writes:
            _write(self.job_id, **values)


def start(job: Job) -> None:
    """Marks the job running (its own transaction; the caller's stays as it is)."""
    _write(job.id, status="running", started_at=utcnow(), message="En cours…")


def finish(job_id: int, message: str, result: dict | None, done: int, total: int | None) -> None:
    """Marks the job done (its own transaction): the caller has committed its work first."""
    _write(job_id, status="done", finished_at=utcnow(), message=message, result=result,
           total_count=total if total is not None else done,
           done_count=done if total is None else max(done, total))


def fail(job_id: int, message: str, error: str = "") -> None:
    """Marks the job failed (its own transaction): the caller has rolled its work back first."""
    _write(job_id, status="failed", finished_at=utcnow(), message=message, error=error[:4000])


def view_model(job: Job, now: datetime | None = None) -> dict:
    """Percentage, rows done and the time left, as the page shows them."""
    now = now or utcnow()
    total = job.total_count or 0
    done = min(job.done_count or 0, total) if total else (job.done_count or 0)
    percent = int(done * 100 / total) if total else (100 if job.status == "done" else 0)
    seconds_left = None
    if job.status == "running" and job.started_at and total and 0 < done < total:
        elapsed = (now - job.started_at).total_seconds()
        seconds_left = int(elapsed * (total - done) / done)
    return {
        "job": job, "label": KIND_LABELS.get(job.kind, job.kind),
        "status_label": STATUS_LABELS[job.status], "done": done, "total": total, "percent": percent,
        "time_left": _duration(seconds_left) if seconds_left is not None else None,
        "running": job.status in ("queued", "running"),
    }


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{max(seconds, 1)} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
