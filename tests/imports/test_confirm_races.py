"""Confirming one dry run twice: never a 500, exactly one import.

On PostgreSQL, four confirmations of one dry run released together by a barrier: the run's row
is locked first (services.lock_run), so one confirmation imports and the others find it
confirmed (409, « Cet import a déjà été confirmé »); the same through the background job. Two
dry runs of the same file confirmed together (two locks, so both reach the bulk insert): the
driver's uniqueness clash from COPY is a French 409, never a 500. On SQLite, the sequential
second click answers the same 409 and changes nothing."""
from __future__ import annotations

import html
import threading
import traceback

import pytest
from sqlalchemy import func, select

from conftest import person, xlsx_bytes
from quota_app.applications.models import Application
from quota_app.audit.models import AuditEvent
from quota_app.imports import services
from quota_app.imports.models import ImportRun
from quota_app.jobs.models import Job

THREADS = 4
ROWS = 30
DONE = "Import enregistré : 30 lignes enregistrées"


def _upload(client, campaign, data):
    import io

    response = client.post("/gestion/imports/", data={
        "campaign_id": str(campaign.id), "kind": "applicants", "file": (io.BytesIO(data), "saisie.xlsx"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    return response


def _dry_run(db, client, campaign, data) -> int:
    _upload(client, campaign, data)
    return db.session.scalars(select(ImportRun.id).where(ImportRun.status == "dry_run")
                              .order_by(ImportRun.id.desc())).first()


def _state(db) -> dict:
    db.session.expire_all()
    return {
        "applications": db.session.scalar(select(func.count()).select_from(Application)),
        "committed": db.session.scalar(select(func.count()).select_from(ImportRun)
                                       .where(ImportRun.status == "committed")),
        "committed_counts": [(r.counts or {}).get("new") for r in db.session.scalars(
            select(ImportRun).where(ImportRun.status == "committed"))],
        "events": db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "import.applicants.committed")),
    }


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _race(app, clients, url, follow=False):
    """Each client posts `url` at the same moment; (status, page text) for each."""
    barrier = threading.Barrier(len(clients), timeout=60)
    outcomes: list[tuple] = []
    lock = threading.Lock()

    def worker(client, target):
        try:
            barrier.wait()
            response = client.post(target)
            page = response
            if follow and response.status_code == 302:
                page = client.get(response.headers["Location"])
            with lock:
                outcomes.append((response.status_code, page.status_code, _text(page)))
        except Exception:  # pragma: no cover - shown in the assertion
            with lock:
                outcomes.append(("error", None, traceback.format_exc()))

    targets = url if isinstance(url, list) else [url] * len(clients)
    threads = [threading.Thread(target=worker, args=(c, t)) for c, t in zip(clients, targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not any(t.is_alive() for t in threads)
    assert len(outcomes) == len(clients)
    errors = [o for o in outcomes if o[0] == "error" or o[0] >= 500 or o[1] >= 500]
    assert not errors, errors[0][2][-3000:]
    return outcomes


def _manager_clients(app, manager, login, n):
    return [login(manager, on=app.test_client()) for _ in range(n)]


@pytest.mark.postgres_only
def test_four_simultaneous_confirmations_give_one_import(app, client, db, campaign, manager, login):
    login(manager)
    run_id = _dry_run(db, client, campaign, xlsx_bytes([person(n) for n in range(1, ROWS + 1)]))
    clients = _manager_clients(app, manager, login, THREADS)
    db.session.remove()
    outcomes = _race(app, clients, f"/gestion/imports/{run_id}/valider", follow=True)
    won = [o for o in outcomes if o[0] == 302 and DONE in o[2]]
    refused = [o for o in outcomes if o[0] == 409 and services.ALREADY_CONFIRMED in o[2]]
    seen = {"won": len(won), "refused": len(refused), "codes": sorted(o[:2] for o in outcomes)}
    print("confirmation race:", seen)
    assert len(won) == 1 and len(refused) == THREADS - 1, seen
    assert _state(db) == {"applications": ROWS, "committed": 1, "committed_counts": [ROWS], "events": 1}


@pytest.mark.postgres_only
def test_four_simultaneous_background_confirmations_give_one_import(app, client, db, campaign, manager, login):
    app.config["IMPORT_BACKGROUND_BYTES"] = 1
    try:
        login(manager)
        _upload(client, campaign, xlsx_bytes([person(n) for n in range(1, ROWS + 1)]))
        run_id = db.session.scalar(select(Job)).result["run_id"]
        clients = _manager_clients(app, manager, login, THREADS)
        db.session.remove()
        outcomes = _race(app, clients, f"/gestion/imports/{run_id}/valider")
    finally:
        app.config.pop("IMPORT_BACKGROUND_BYTES")
    queued = [o for o in outcomes if o[0] == 302]
    refused = [o for o in outcomes if o[0] == 409 and (services.ALREADY_CONFIRMED in o[2] or services.CONFIRMING in o[2])]
    seen = {"queued": len(queued), "refused": len(refused), "codes": sorted(o[:2] for o in outcomes)}
    print("background confirmation race:", seen)
    assert len(queued) + len(refused) == THREADS and queued, seen
    db.session.expire_all()
    commits = db.session.scalars(select(Job).where(Job.id != db.session.scalar(select(func.min(Job.id))))).all()
    assert all(j.status in ("done", "failed") for j in commits)
    assert [j.status for j in commits].count("done") == 1, [(j.status, j.message) for j in commits]
    assert all(j.message == services.ALREADY_CONFIRMED for j in commits if j.status == "failed")
    assert _state(db) == {"applications": ROWS, "committed": 1, "committed_counts": [ROWS], "events": 1}


@pytest.mark.postgres_only
def test_two_dry_runs_of_one_file_confirmed_together_give_one_import(app, client, db, campaign, manager, login):
    """Two locks, so both confirmations reach the bulk insert: the second's COPY meets the
    first's rows (the driver's UniqueViolation), or its plan sees them (a new analysis); either
    way a French answer and one import, never a 500."""
    login(manager)
    data = xlsx_bytes([person(n) for n in range(1, ROWS + 1)])
    first = _dry_run(db, client, campaign, data)
    second = _dry_run(db, client, campaign, data)
    assert first != second
    clients = _manager_clients(app, manager, login, 2)
    db.session.remove()
    outcomes = _race(app, clients, [f"/gestion/imports/{first}/valider", f"/gestion/imports/{second}/valider"],
                     follow=True)
    won = [o for o in outcomes if o[0] == 302 and DONE in o[2]]
    other = [o for o in outcomes if (o[0] == 409 and services.CLASH in o[2])
             or (o[0] == 302 and "Les données ont été modifiées depuis l'analyse" in o[2])]
    seen = {"won": len(won), "other": len(other), "codes": sorted(o[:2] for o in outcomes)}
    print("two dry runs race:", seen)
    assert len(won) == 1 and len(other) == 1, seen
    assert _state(db) == {"applications": ROWS, "committed": 1, "committed_counts": [ROWS], "events": 1}


def test_second_click_on_confirm_is_a_french_409_and_changes_nothing(client, db, campaign, manager, login):
    login(manager)
    run_id = _dry_run(db, client, campaign, xlsx_bytes([person(1), person(2)]))
    done = client.post(f"/gestion/imports/{run_id}/valider", follow_redirects=True)
    assert "Import enregistré : 2 lignes enregistrées" in _text(done)
    before = _state(db)
    assert before == {"applications": 2, "committed": 1, "committed_counts": [2], "events": 1}
    again = client.post(f"/gestion/imports/{run_id}/valider")
    assert again.status_code == 409
    page = _text(again)
    assert services.ALREADY_CONFIRMED in page and "Valider l'import" not in page
    assert _state(db) == before


def test_a_uniqueness_clash_from_the_bulk_path_is_a_french_409(client, db, campaign, manager, login, monkeypatch):
    """The driver's own IntegrityError (sqlite3's here, psycopg's on PostgreSQL: raised by the
    bulk INSERT/COPY, not by SQLAlchemy) is rolled back and answered in French."""
    import sqlite3

    import psycopg

    from quota_app.applications import io as applicants_io

    login(manager)
    run_id = _dry_run(db, client, campaign, xlsx_bytes([person(1), person(2)]))
    real = applicants_io._Writer.write
    for error in (sqlite3.IntegrityError("UNIQUE constraint failed: applications.campaign_id, applications.nina"),
                  psycopg.errors.UniqueViolation("duplicate key value violates unique constraint")):
        def clash(self, chunk, error=error):
            real(self, chunk)
            raise error

        monkeypatch.setattr(applicants_io._Writer, "write", clash)
        response = client.post(f"/gestion/imports/{run_id}/valider")
        assert response.status_code == 409
        assert services.CLASH in _text(response)
        assert _state(db) == {"applications": 0, "committed": 0, "committed_counts": [], "events": 0}
