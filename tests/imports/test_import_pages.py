"""Import pages: access, upload → preview → confirm, error report, template, background job."""
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from conftest import person, xlsx_bytes
from quota_app.applications.models import Application
from quota_app.jobs.models import Job
from quota_app.imports.models import ImportRun


def upload(client, campaign, data, kind="applicants", name="saisie.xlsx"):
    return client.post("/gestion/imports/", data={
        "campaign_id": str(campaign.id), "kind": kind, "file": (io.BytesIO(data), name),
    }, content_type="multipart/form-data")


def n_applications(db):
    return db.session.scalar(select(func.count()).select_from(Application))


@pytest.mark.parametrize("role", ["applicant", "committee", "admin"])
def test_only_managers_and_amci_officers(client, campaign, make_user, login, role):
    login(make_user(role))
    assert client.get("/gestion/imports/").status_code == 403
    assert upload(client, campaign, xlsx_bytes([person(1)])).status_code == 403
    assert upload(client, campaign, xlsx_bytes([person(1)]), kind="followup").status_code == 403
    assert client.get(f"/gestion/imports/modele/followup/{campaign.id}").status_code == 403


def test_amci_officers_reach_the_follow_up_import_only(client, db, campaign, manager, make_user, login):
    login(manager)
    upload(client, campaign, xlsx_bytes([person(1)]))  # a managers' run the officer must not see
    managers_run = db.session.execute(select(ImportRun.id)).scalar_one()
    login(make_user("amci"))
    page = client.get("/gestion/imports/").get_data(as_text=True)
    assert 'value="followup"' in page and 'value="applicants"' not in page and 'value="offers"' not in page
    assert "saisie.xlsx" not in page  # the recent runs list shows follow-up runs only
    response = upload(client, campaign, xlsx_bytes([person(2)]), kind="applicants")
    assert response.status_code == 200 and "Choisissez la campagne et le type d" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 1
    assert client.get(f"/gestion/imports/modele/followup/{campaign.id}").status_code == 200
    for kind in ("applicants", "offers"):
        assert client.get(f"/gestion/imports/modele/{kind}/{campaign.id}").status_code == 403
    assert client.get(f"/gestion/imports/{managers_run}").status_code == 403
    assert client.get(f"/gestion/imports/{managers_run}/rapport.xlsx").status_code == 403
    assert client.post(f"/gestion/imports/{managers_run}/valider").status_code == 403
    assert n_applications(db) == 0


def test_anonymous_goes_to_login(client, campaign):
    response = client.get("/gestion/imports/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_upload_preview_confirm(client, db, campaign, manager, login):
    login(manager)
    page = client.get("/gestion/imports/")
    assert page.status_code == 200 and "Analyser le fichier" in page.get_data(as_text=True)
    response = upload(client, campaign, xlsx_bytes([person(1), person(2)]))
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert "Valider l'import" in html and "Nouveaux" in html
    assert n_applications(db) == 0
    run_id = db.session.execute(select(ImportRun.id)).scalar_one()
    done = client.post(f"/gestion/imports/{run_id}/valider", follow_redirects=True)
    assert "Import enregistré" in done.get_data(as_text=True)
    assert n_applications(db) == 2
    # the dry run cannot be confirmed twice
    again = client.post(f"/gestion/imports/{run_id}/valider", follow_redirects=True)
    assert "déjà été validée" in again.get_data(as_text=True)
    assert n_applications(db) == 2


def test_errors_table_and_error_report(client, db, campaign, manager, login):
    login(manager)
    response = upload(client, campaign, xlsx_bytes([person(1), person(2, Sexe="?")]))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Valeur non reconnue" in html and "Valider l'import" not in html
    run_id = db.session.execute(select(ImportRun.id)).scalar_one()
    report = client.get(f"/gestion/imports/{run_id}/rapport.xlsx")
    assert report.status_code == 200
    wb = load_workbook(io.BytesIO(report.data))
    listing = wb["Liste des erreurs"]
    assert [c.value for c in listing[2]][:3] == ["Candidats", 3, "Sexe"]


def test_hostile_file_refused_in_french(client, db, campaign, manager, login):
    login(manager)
    response = upload(client, campaign, b"MZ\x90\x00" + b"\x00" * 500, name="candidats.xlsx")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "n&#39;est pas un classeur Excel" in html or "n'est pas un classeur Excel" in html
    assert n_applications(db) == 0


def test_template_download(client, campaign, manager, login):
    login(manager)
    response = client.get(f"/gestion/imports/modele/applicants/{campaign.id}")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[0] == "Candidats"
    response = client.get(f"/gestion/imports/modele/offers/{campaign.id}")
    assert load_workbook(io.BytesIO(response.data)).sheetnames[0] == "Offres"
    response = client.get(f"/gestion/imports/modele/followup/{campaign.id}")
    assert response.headers["Content-Disposition"].endswith("modele-import-suivi-amci-Q2026.xlsx")
    assert load_workbook(io.BytesIO(response.data)).sheetnames[0] == "Suivi AMCI"


def test_big_file_goes_through_a_job(app, client, db, campaign, manager, login, make_user, monkeypatch):
    from quota_app.imports import common

    reads = []
    read_sheet = common.read_sheet
    monkeypatch.setattr(common, "read_sheet", lambda *a, **k: reads.append(1) or read_sheet(*a, **k))
    app.config["IMPORT_BACKGROUND_BYTES"] = 1
    try:
        login(manager)
        response = upload(client, campaign, xlsx_bytes([person(n) for n in range(1, 31)]))
        assert "/taches/" in response.headers["Location"]
        assert len(reads) == 1  # the job's total comes from the import's own reading
        job = db.session.execute(select(Job)).scalar_one()
        assert job.status == "done" and job.total_count == 30 and job.done_count == 30
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "100 %" in page and "30 sur 30" in page and 'http-equiv="refresh"' not in page
        run_id = job.result["run_id"]
        assert "Voir le résultat" in page
        # confirming also runs in the background, with its own job
        response = client.post(f"/gestion/imports/{run_id}/valider")
        assert "/taches/" in response.headers["Location"]
        db.session.expire_all()
        assert n_applications(db) == 30
        jobs = db.session.execute(select(Job).order_by(Job.id)).scalars().all()
        assert jobs[-1].status == "done" and jobs[-1].result["committed"] is True
        # another manager may see it; an applicant may not
        other = make_user("applicant")
        login(other)
        assert client.get(f"/taches/{job.id}").status_code == 403
    finally:
        app.config.pop("IMPORT_BACKGROUND_BYTES")


def test_running_job_page_refreshes(client, db, manager, login):
    from quota_app.jobs.models import Job
    from quota_app.timeutil import utcnow
    import datetime as dt

    job = Job(kind="import.applicants", status="running", total_count=200, done_count=50,
              created_by_id=manager.id, started_at=utcnow() - dt.timedelta(seconds=30), message="En cours…")
    db.session.add(job)
    db.session.commit()
    login(manager)
    html = client.get(f"/taches/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'value="25"' in html and "50 sur 200" in html and "Temps restant estimé" in html
