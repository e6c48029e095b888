"""Background imports: the huey task and how to queue it.

`queue_import(...)` creates the Job (committed, so that its page exists at once) and enqueues
`import_job(job_id)`; the worker analyses (and, when asked, commits) the stored file, writing
the progress to the Job as rows are done, then its counts, run and summary as its result.
"""
from __future__ import annotations

import traceback

from flask import current_app

from ..campaigns.models import Campaign
from ..extensions import db
from ..jobs import services as jobs
from ..jobs.models import Job
from ..jobs.queue import app_context, huey, sync_mode
from ..spreadsheets.models import ImportRun
from . import services


def queue_import(actor, kind: str, campaign: Campaign, stored_name: str, filename: str, commit: bool,
                 dry_run_id: int | None = None) -> Job:
    job = jobs.create_job(actor, f"import.{kind}", {
        "kind": kind, "campaign_id": campaign.id, "stored_name": stored_name, "filename": filename,
        "commit": bool(commit), "actor_id": getattr(actor, "id", None), "dry_run_id": dry_run_id,
    })
    db.session.commit()
    sync_mode(current_app)
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
        campaign = db.session.get(Campaign, params["campaign_id"])
        from ..auth.models import User

        actor = db.session.get(User, params["actor_id"]) if params.get("actor_id") else None
        commit = params.get("commit", False)
        progress = jobs.Progress(job_id, None)  # the import sets the total once it has read the sheet
        result = services.run_import(params["kind"], campaign, data, params["filename"], actor,
                                     commit=commit, progress=progress, stored_name=params["stored_name"],
                                     job_id=job_id)
        dry_run = db.session.get(ImportRun, params["dry_run_id"]) if params.get("dry_run_id") else None
        if dry_run is not None and services.plan_changed(dry_run, result):
            # What the user confirmed is not what would be written now: write nothing.
            jobs.fail(job_id, "Les données ont été modifiées depuis l'analyse ; rien n'a été "
                              "enregistré. Relancez l'analyse du fichier puis validez de nouveau.", "")
            return
        db.session.commit()
        jobs.finish(job_id, services.summary(result),
                    {"run_id": result.run.id if result.run else None, "counts": result.counts,
                     "committed": result.committed},
                    done=progress.done, total=progress.total)
    except Exception as exc:  # the job's page must say it failed, whatever happened
        jobs.fail(job_id, "L'import a échoué ; aucune donnée n'a été modifiée.",
                  f"{exc.__class__.__name__}: {exc}\n{traceback.format_exc()}")


@huey.task()
def import_job(job_id: int) -> None:
    with app_context():
        run_job(job_id)
