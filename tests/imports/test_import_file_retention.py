"""Uploaded import files: their original names kept cleaned, the files themselves deleted once
IMPORT_FILE_RETENTION_DAYS have passed (the nightly task), their runs kept."""
import io
import os
from datetime import timedelta

from sqlalchemy import select

from conftest import person, xlsx_bytes
from quota_app.audit.models import AuditEvent
from quota_app.imports import services
from quota_app.imports.models import ImportRun
from quota_app.timeutil import utcnow


def upload(client, campaign, data, name, kind="applicants"):
    return client.post("/gestion/imports/", data={
        "campaign_id": str(campaign.id), "kind": kind, "file": (io.BytesIO(data), name),
    }, content_type="multipart/form-data")


def runs(db):
    return list(db.session.scalars(select(ImportRun).order_by(ImportRun.id)))


# --- names ------------------------------------------------------------------------------------

def test_the_pages_keep_the_cleaned_name(client, db, campaign, manager, login):
    login(manager)
    assert upload(client, campaign, xlsx_bytes([person(1)]), "../../x.xlsx").status_code == 302
    # (Werkzeug reads a backslash in the multipart header as an escape: C:\evil\a.xlsx comes as
    # C:evila.xlsx; the services' test below gives the name as sent.)
    assert upload(client, campaign, xlsx_bytes([person(2)]), "/tmp/../a\u202e.xlsx", kind="followup").status_code == 302
    assert upload(client, campaign, b"PK\x03\x04 not a workbook", "..\\..\\bombe.xlsx").status_code == 302
    # (The order of the rows is not the point: the ids of two kinds of import may interleave.)
    by_name = {r.filename: r for r in runs(db)}
    assert sorted(by_name) == ["a.xlsx", "bombe.xlsx", "x.xlsx"]
    assert by_name["bombe.xlsx"].status == "rejected"
    page = client.get(f"/gestion/imports/{by_name['x.xlsx'].id}").get_data(as_text=True)
    assert "../../x.xlsx" not in page and "x.xlsx" in page
    events = db.session.scalars(select(AuditEvent.after).where(AuditEvent.object_type == "import_runs")).all()
    assert sorted(e["filename"] for e in events) == ["a.xlsx", "bombe.xlsx", "x.xlsx"]


def test_every_importer_records_the_cleaned_name(db, campaign, manager):
    """run_import is the funnel of every kind (paper files, offers, score sheets, the AMCI's
    follow-up), whichever page, command or job calls it."""
    hostile = ["\x00.xlsx", "\u202eslx.exe.xlsx", "é" * 300 + ".xlsx", "C:\\evil\\a.xlsx", "", None]
    for kind, name in zip(("applicants", "offers", "followup", "applicants", "offers", "followup"), hostile):
        services.run_import(kind, campaign, b"garbage", name, manager, stored_name=services.store_upload(b"garbage"))
    db.session.commit()
    names = [r.filename for r in runs(db)]
    assert names[:2] == ["fichier.xlsx", "slx.exe.xlsx"]
    assert len(names[2]) == 120 and names[2].endswith(".xlsx") and names[2].startswith("ééé")
    assert names[3:] == ["a.xlsx", "fichier.xlsx", "fichier.xlsx"]
    assert {r.status for r in runs(db)} == {"rejected"}


# --- the files' retention ---------------------------------------------------------------------

def _run(db, campaign, manager, age_days, status="dry_run", stored=None, now=None):
    now = now or utcnow()
    stored = stored or services.store_upload(xlsx_bytes([person(age_days)]))
    run = ImportRun(kind="applicants", campaign_id=campaign.id, filename="saisie.xlsx", sha256="0" * 64,
                    stored_name=stored, status=status, counts={"new": 1}, created_by_id=manager.id,
                    created_at=now - timedelta(days=age_days))
    db.session.add(run)
    db.session.flush()
    return run


def _path(name):
    return os.path.join(services._upload_dir(), name)


def _orphan(age_days, now):
    name = services.store_upload(b"orphan")
    moment = (now - timedelta(days=age_days)).timestamp()
    os.utime(_path(name), (moment, moment))
    return name


def test_old_files_are_deleted_recent_ones_kept_and_every_run_stays(app, db, campaign, manager):
    now = utcnow()
    old = _run(db, campaign, manager, 40)
    bomb = _run(db, campaign, manager, 31, status="rejected")
    recent = _run(db, campaign, manager, 5)
    confirmed_late = _run(db, campaign, manager, 45)  # its dry run is old, its confirmation recent
    _run(db, campaign, manager, 3, status="committed", stored=confirmed_late.stored_name)
    old_orphan, new_orphan = _orphan(60, now), _orphan(1, now)
    db.session.commit()
    gone = [old.stored_name, bomb.stored_name, old_orphan]
    kept = [recent.stored_name, confirmed_late.stored_name, new_orphan]

    dry = services.purge_old_uploads(now, dry_run=True)
    assert (dry.files, dry.runs) == (3, 2)
    db.session.rollback()
    assert all(run.stored_name for run in runs(db))

    result = services.purge_old_uploads(now)
    db.session.commit()
    assert services.delete_uploads(result) == 3
    assert (result.files, result.runs) == (dry.files, dry.runs)
    assert [os.path.exists(_path(n)) for n in gone] == [False, False, False]
    assert [os.path.exists(_path(n)) for n in kept] == [True, True, True]
    assert len(runs(db)) == 5  # every run stays, with its counts
    by_id = {r.id: r for r in runs(db)}
    assert by_id[old.id].stored_name is None and by_id[bomb.id].stored_name is None
    assert by_id[old.id].counts == {"new": 1}
    assert by_id[recent.id].stored_name == kept[0] and by_id[confirmed_late.id].stored_name == kept[1]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.files.purge")).one()
    assert event.after == {"files": 3, "runs": 2, "days": 30}

    again = services.purge_old_uploads(now)  # nothing left: no event
    db.session.commit()
    assert again.files == 0
    assert db.session.query(AuditEvent).filter_by(action="import.files.purge").count() == 1


def test_the_period_is_configured(app, db, campaign, manager, monkeypatch):
    now = utcnow()
    stored = _run(db, campaign, manager, 10).stored_name
    db.session.commit()
    assert services.purge_old_uploads(now).files == 0
    db.session.rollback()
    monkeypatch.setitem(app.config, "IMPORT_FILE_RETENTION_DAYS", 7)
    assert services.purge_old_uploads(now).names == [stored]
    db.session.rollback()


def test_the_nightly_task_purges(app, db, campaign, manager):
    from quota_app.imports.tasks import purge_uploads
    from quota_app.jobs.queue import queue_of

    assert "periodic" in purge_uploads.options
    assert purge_uploads.name in queue_of(app).register_declared()
    old = _run(db, campaign, manager, 31)
    stored = old.stored_name
    db.session.commit()
    purge_uploads.run()
    assert not os.path.exists(_path(stored))
    assert db.session.get(ImportRun, old.id).stored_name is None


def test_a_purged_run_says_its_file_is_gone(client, db, campaign, manager, login):
    run = _run(db, campaign, manager, 40)
    db.session.commit()
    services.delete_uploads(services.purge_old_uploads())
    db.session.commit()
    login(manager)
    page = client.get(f"/gestion/imports/{run.id}")
    assert page.status_code == 200
    confirm = client.post(f"/gestion/imports/{run.id}/valider", follow_redirects=True)
    assert "plus disponible" in confirm.get_data(as_text=True)
