"""Job progress: written in its own transaction (PostgreSQL), the page's figures."""
import datetime as dt

import pytest
from sqlalchemy import select

from quota_app.jobs import services as jobs
from quota_app.jobs.models import Job
from quota_app.timeutil import utcnow


@pytest.mark.postgres_only
def test_progress_is_visible_while_the_work_is_uncommitted(db, manager):
    job = jobs.create_job(manager, "import.applicants", {})
    db.session.commit()
    progress = jobs.Progress(job.id, 100, every_seconds=0)
    from quota_app.audit.services import record

    record(manager, "test.work", object_type="jobs", object_id=job.id)  # uncommitted work
    db.session.flush()
    progress(40)
    with db.engine.connect() as conn:
        assert conn.execute(select(Job.done_count, Job.total_count).where(Job.id == job.id)).one() == (40, 100)
    db.session.rollback()


def test_view_model_percent_and_time_left(db, manager):
    job = Job(kind="import.offers", status="running", total_count=400, done_count=100,
              started_at=utcnow() - dt.timedelta(seconds=60), created_by_id=manager.id)
    view = jobs.view_model(job, now=job.started_at + dt.timedelta(seconds=60))
    assert view["percent"] == 25 and view["time_left"] == "3 min 00 s" and view["running"]
    job.status, job.done_count = "done", 400
    view = jobs.view_model(job)
    assert view["percent"] == 100 and view["time_left"] is None and not view["running"]


def test_only_creator_or_manager(db, make_user):
    from quota_app.errors import NotAllowed

    owner = make_user("amci")
    job = jobs.create_job(owner, "import.applicants", {})
    db.session.commit()
    assert jobs.get_job_for(owner, job.id) is job
    assert jobs.get_job_for(make_user("manager"), job.id) is job
    with pytest.raises(NotAllowed):
        jobs.get_job_for(make_user("amci"), job.id)
