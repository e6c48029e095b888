"""References stay unique when several applicants submit at the same moment (row lock)."""
import threading

import pytest

from journey_helpers import IDENTITY, fill_all


@pytest.mark.postgres_only
def test_concurrent_submissions_get_distinct_references(app, campaign, applicant, db):
    from quota_app.applications import services
    from quota_app.applications.models import Application
    from quota_app.auth.models import User
    from quota_app.extensions import db as database

    ids = []
    for n in range(4):
        user, client = applicant()
        identity = {**IDENTITY, "nina": f"12051234567{n:03d}C", "passport_number": f"CC00000{n}"}
        ids.append((user.id, fill_all(client, db, campaign, identity=identity)))
    barrier = threading.Barrier(len(ids))
    errors = []

    def run(user_id, app_id):
        with app.app_context():
            try:
                user = database.session.get(User, user_id)
                application = database.session.get(Application, app_id)
                barrier.wait(10)
                services.submit(user, application)
                database.session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    db.session.expire_all()
    refs = sorted(db.session.get(Application, app_id).reference for _u, app_id in ids)
    assert refs == [f"MLI-2026-{n:06d}" for n in range(1, 5)]
