"""A background job's page: progress bar, rows done, time left; refreshes without JavaScript."""
from flask import Blueprint, abort, render_template, url_for
from flask_login import login_required

from ..errors import NotAllowed, NotFound
from ..viewhelpers import acting_user
from . import services

bp = Blueprint("jobs", __name__)


@bp.get("/<int:job_id>")
@login_required
def show(job_id: int):
    try:
        job = services.get_job_for(acting_user(), job_id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    view = services.view_model(job)
    run_id = (job.result or {}).get("run_id")
    next_url = url_for("imports.run", run_id=run_id) if run_id and job.kind.startswith("import.") else None
    return render_template("jobs/show.html", next_url=next_url, **view)
