"""Background imports: the queue's task and how to queue it.

`queue_import(...)` creates the Job (committed, so that its page exists at once) and enqueues
`import_job(job_id)`; the worker analyses (and, when asked, commits) the stored file, writing
the progress to the Job as rows are done, then its counts, run and summary as its result.
The import's own work is committed (or rolled back) here, by `run_job`; the job machinery writes
the job's state in transactions of its own. The task and the kinds of job are declared to the
job machinery when this module is imported by create_app (through the imports blueprint), with
the nightly purge of the uploaded files past their retention (purge_uploads).
"""
from __future__ import annotations

import traceback

from flask import url_for
from huey import crontab

from ..errors import Conflict
from ..extensions import db
from ..i18n import N_
from ..jobs import services as jobs
from ..jobs.models import Job
from ..jobs.queue import task
from ..registry import lookup
from .models import ImportRun
from . import services


def queue_import(actor, kind: str, campaign, stored_name: str, filename: str, commit: bool,
                 dry_run_id: int | None = None, corrections=None) -> Job:
    job = jobs.create_job(actor, f"import.{kind}", {
        "kind": kind, "campaign_id": campaign.id, "stored_name": stored_name, "filename": filename,
        "commit": bool(commit), "actor_id": getattr(actor, "id", None), "dry_run_id": dry_run_id,
        "corrections": corrections if corrections is None or isinstance(corrections, str) else list(corrections),
    })
    db.session.commit()
    import_job(job.id)
    return job


def run_job(job_id: int) -> None:
    """The task's body (also callable directly)."""
    job = db.session.get(Job, job_id)
    if job is None or job.status not in ("queued",):
        return
    params = dict(job.params or {})
    jobs.start(job)
    progress = None
    try:
        data = services.load_upload(params["stored_name"])
        campaign = services.campaign(params["campaign_id"])
        actor = lookup("user")(params["actor_id"]) if params.get("actor_id") else None
        commit = params.get("commit", False)
        progress = jobs.Progress(job_id, None)  # the import sets the total once it has read the sheet
        dry_run = db.session.get(ImportRun, params["dry_run_id"]) if params.get("dry_run_id") else None
        if commit and dry_run is not None:
            # The confirmation of a dry run: one import, however many jobs were queued for it.
            services.lock_run(dry_run)
            if services.already_confirmed(dry_run):
                db.session.rollback()
                jobs.fail(job_id, services.ALREADY_CONFIRMED, "")
                return
        result = services.run_import(params["kind"], campaign, data, params["filename"], actor,
                                     commit=commit, progress=progress, stored_name=params["stored_name"],
                                     job_id=job_id, corrections=params.get("corrections"))
        if dry_run is not None and services.plan_changed(dry_run, result):
            # What the user confirmed is not what would be written now: write nothing.
            db.session.rollback()
            jobs.fail(job_id, "Les données ont été modifiées depuis l'analyse ; rien n'a été "
                              "enregistré. Relancez l'analyse du fichier puis validez de nouveau.", "")
            return
        db.session.commit()
        jobs.finish(job_id, services.summary(result),
                    {"run_id": result.run.id if result.run else None, "counts": result.counts,
                     "committed": result.committed},
                    done=progress.done, total=progress.total)
    except Conflict as clash:  # the same rows written meanwhile: the French reason, rolled back
        db.session.rollback()
        jobs.fail(job_id, clash.message, f"{clash.__class__.__name__}: {clash}\n{traceback.format_exc()}")
    except Exception as exc:  # the job's page must say it failed, whatever happened
        db.session.rollback()
        jobs.fail(job_id, "L'import a échoué ; aucune donnée n'a été modifiée.",
                  f"{exc.__class__.__name__}: {exc}\n{traceback.format_exc()}")


@task()
def import_job(job_id: int) -> None:
    run_job(job_id)


@task(periodic=crontab(hour="2", minute="40"))
def purge_uploads() -> None:
    """Every night: the uploaded import files past IMPORT_FILE_RETENTION_DAYS are deleted (their
    runs stay), after the commit that makes the runs forget them."""
    result = services.purge_old_uploads()
    db.session.commit()
    services.delete_uploads(result)


def _run_page(job: Job) -> str | None:
    run_id = (job.result or {}).get("run_id")
    return url_for("imports.run", run_id=run_id) if run_id else None


jobs.register_kind("import.applicants", N_("Import des candidats"), next_url=_run_page)
jobs.register_kind("import.offers", N_("Import des offres de places"), next_url=_run_page)
jobs.register_kind("import.followup", N_("Import du suivi AMCI / OFPPT"), next_url=_run_page)
