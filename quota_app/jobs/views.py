"""A background job's page: progress bar, rows done, time left; refreshes without JavaScript."""
from flask import Blueprint, abort, render_template
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
    return render_template("jobs/show.html", next_url=services.next_url(job), **services.view_model(job))
