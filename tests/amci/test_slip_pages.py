"""The slips' pages (/amci/bordereaux) with the test client: the manager prepares a slip after
its confirmation page and records its life; the AMCI officer reads and downloads the slips
sent to the embassy or later; other roles are refused."""
from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

import factories
from slip_helpers import add_nominations, bare_campaign

from quota_app.amci import slip_views

MOMENT = datetime(2026, 7, 6, 10, 0)


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(slip_views, "utcnow", lambda: MOMENT)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def nominated(db):
    """A published campaign with three nominations on no slip, a manager and an AMCI officer."""
    campaign = bare_campaign(db, "PAGES-2026", 2026)
    add_nominations(db, campaign, 3)
    manager, officer = factories.make_user("manager"), factories.make_user("amci")
    db.session.commit()
    return campaign.id, manager, officer


def _slips(db):
    from quota_app.amci.models import Transmittal
    db.session.expire_all()
    return db.session.scalars(db.select(Transmittal).order_by(Transmittal.id)).all()


def _prepare(client, campaign_id):
    return client.post(f"/amci/bordereaux/campagne/{campaign_id}/preparer",
                       data={"confirmed": "1", "notes": "Par valise", "enclosures": "Attestations : 3"})


def test_the_manager_prepares_a_slip_after_its_confirmation_page(client, db, login, nominated):
    from quota_app.amci.models import Nomination

    campaign_id, manager, _officer = nominated
    login(manager)
    index = text(client.get(f"/amci/bordereaux/?campaign={campaign_id}"))
    assert "3 candidats nommés ne sont encore sur aucun bordereau." in index and "Bordereau initial" in index
    confirm = client.get(f"/amci/bordereaux/campagne/{campaign_id}/preparer")
    page = text(confirm)
    assert confirm.status_code == 200 and "Ce que le bordereau contiendra" in page
    assert "BT-2026-001" in page and "Copies de passeport : 0 présente(s) sur 3" in page
    references = [n.application.reference for n in db.session.scalars(
        db.select(Nomination).where(Nomination.campaign_id == campaign_id).order_by(Nomination.position))]
    assert all(r in page for r in references)
    assert 'name="csrf_token"' in page or "csrf_token" in page
    # Without the confirmation, nothing is prepared.
    refused = client.post(f"/amci/bordereaux/campagne/{campaign_id}/preparer", data={"notes": "x"})
    assert refused.status_code == 400 and _slips(db) == []
    done = _prepare(client, campaign_id)
    assert done.status_code == 303
    [slip] = _slips(db)
    assert done.headers["Location"].endswith(f"/amci/bordereaux/{slip.id}")
    shown = text(client.get(done.headers["Location"]))
    assert "Le bordereau BT-2026-001 est préparé et scellé : 3 candidat(s)." in shown
    assert "Attestations : 3" in shown and "Par valise" in shown
    assert "Enregistrer l'envoi à l'ambassade" in shown and "/verifier/" in shown
    assert all(r in shown for r in references)
    # A second preparation finds nothing left to send.
    again = client.post(f"/amci/bordereaux/campagne/{campaign_id}/preparer", data={"confirmed": "1"},
                        follow_redirects=True)
    assert "Aucune nomination à transmettre" in text(again) and len(_slips(db)) == 1


def test_the_manager_records_each_step_once_and_a_stale_page_is_a_409(client, db, login, nominated):
    campaign_id, manager, _officer = nominated
    login(manager)
    _prepare(client, campaign_id)
    [slip] = _slips(db)
    base = f"/amci/bordereaux/{slip.id}"
    future = client.post(f"{base}/envoi", data={"sent_on": "2026-07-09", "version": slip.version})
    assert future.status_code == 400 and "ne peut pas être dans le futur" in text(future)
    sent = client.post(f"{base}/envoi", data={"sent_on": "2026-07-06", "version": slip.version},
                       follow_redirects=True)
    assert "Étape enregistrée : Envoyé à l'ambassade." in text(sent)
    page = words(text(sent))
    assert f"par {manager.full_name}" in page and "le 06/07/2026" in page
    assert "Enregistrer la réception par l'AMCI" in page
    # The same form posted twice (a double click): nothing changes.
    twice = client.post(f"{base}/envoi", data={"sent_on": "2026-07-06", "version": slip.version},
                        follow_redirects=True)
    assert "Cette étape était déjà enregistrée" in text(twice)
    [slip] = _slips(db)
    assert slip.status == "sent" and slip.version == 3   # prepared (1), sealed (2), sent (3)
    stale = client.post(f"{base}/reception", data={"version": slip.version - 1})
    assert stale.status_code == 409 and "modifié entre-temps" in text(stale)
    # Out of order: the answer before the reception.
    early = client.post(f"{base}/reponse", data={"version": slip.version}, follow_redirects=True)
    assert "Étape impossible" in text(early) or "déjà à l'étape" in text(early)
    assert _slips(db)[0].status == "sent"
    client.post(f"{base}/reception", data={"version": slip.version})
    slip = _slips(db)[0]
    client.post(f"{base}/reponse", data={"version": slip.version})
    slip = _slips(db)[0]
    assert slip.status == "answered" and slip.received_by_id == manager.id and slip.answered_by_id == manager.id
    final = words(text(client.get(base)))
    assert "Enregistrer" not in final and "Réponse reçue" in final


def test_the_downloads_of_a_slip(client, db, login, nominated):
    from quota_app.documents.models import SealedDocument

    campaign_id, manager, _officer = nominated
    login(manager)
    _prepare(client, campaign_id)
    [slip] = _slips(db)
    pdf = client.get(f"/amci/bordereaux/{slip.id}/bordereau.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and "no-store" in pdf.headers["Cache-Control"]
    assert pdf.data == db.session.get(SealedDocument, slip.sealed_document_id).pdf
    assert "BT-2026-001.pdf" in pdf.headers["Content-Disposition"]
    sheet = client.get(f"/amci/bordereaux/{slip.id}/liste.xlsx")
    assert sheet.status_code == 200
    ws = load_workbook(io.BytesIO(sheet.data)).active
    assert ws["A1"].value.startswith("Liste nominative AMCI – bordereau BT-2026-001")
    assert len(list(ws.iter_rows(min_row=4, values_only=True))) == 3
    listing = client.get(f"/amci/bordereaux/{slip.id}/liste.pdf")
    assert listing.status_code == 200 and listing.data.startswith(b"%PDF-")
    from quota_app.audit.models import AuditEvent
    files = [e.after["file"] for e in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "amci.slip.download").order_by(AuditEvent.id))]
    assert files == ["bordereau", "liste.xlsx", "liste.pdf"]


def test_the_amci_officer_reads_slips_once_sent_and_moves_none(client, db, login, nominated):
    campaign_id, manager, officer = nominated
    login(manager)
    client.get(_prepare(client, campaign_id).headers["Location"])   # the manager reads the flash
    [slip] = _slips(db)
    login(officer)
    index = text(client.get(f"/amci/bordereaux/?campaign={campaign_id}"))
    assert "BT-2026-001" not in index and "Préparer le bordereau" not in index
    assert client.get(f"/amci/bordereaux/{slip.id}").status_code == 404
    assert client.get(f"/amci/bordereaux/{slip.id}/bordereau.pdf").status_code == 404
    assert client.get(f"/amci/bordereaux/{slip.id}/liste.xlsx").status_code == 404
    assert client.get(f"/amci/bordereaux/campagne/{campaign_id}/preparer").status_code == 403
    login(manager)
    client.post(f"/amci/bordereaux/{slip.id}/envoi", data={"sent_on": "2026-07-06", "version": slip.version},
                follow_redirects=True)
    login(officer)
    index = text(client.get(f"/amci/bordereaux/?campaign={campaign_id}"))
    assert "BT-2026-001" in index and "Envoyé à l'ambassade" in index
    page = text(client.get(f"/amci/bordereaux/{slip.id}"))
    assert "Bordereau de transmission BT-2026-001" in page and "Enregistrer" not in page
    assert client.get(f"/amci/bordereaux/{slip.id}/bordereau.pdf").status_code == 200
    assert client.get(f"/amci/bordereaux/{slip.id}/liste.xlsx").status_code == 200
    for step in ("envoi", "reception", "reponse"):
        assert client.post(f"/amci/bordereaux/{slip.id}/{step}", data={"version": "3"}).status_code == 403
    # The officer's home links the slip.
    assert f"/amci/bordereaux/{slip.id}" in text(client.get("/amci/"))


@pytest.mark.parametrize("role", ["applicant", "committee", "admin"])
def test_other_roles_are_refused(client, db, login, nominated, role):
    campaign_id, manager, _officer = nominated
    login(manager)
    _prepare(client, campaign_id)
    [slip] = _slips(db)
    user = factories.make_user(role)
    db.session.commit()
    login(user)
    for url in ("/amci/bordereaux/", f"/amci/bordereaux/{slip.id}", f"/amci/bordereaux/{slip.id}/bordereau.pdf",
                f"/amci/bordereaux/{slip.id}/liste.xlsx", f"/amci/bordereaux/{slip.id}/liste.pdf",
                f"/amci/bordereaux/campagne/{campaign_id}/preparer",
                f"/amci/bordereaux/campagne/{campaign_id}/liste-nominative.pdf"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/amci/bordereaux/{slip.id}/envoi", data={"sent_on": "2026-07-06"}).status_code == 403
    assert _slips(db)[0].status == "prepared"


def test_an_unknown_slip_is_not_found(client, db, login, nominated):
    _campaign_id, manager, _officer = nominated
    login(manager)
    assert client.get("/amci/bordereaux/999999").status_code == 404
    assert client.post("/amci/bordereaux/999999/envoi", data={"sent_on": "2026-07-06", "version": "1"}).status_code == 404
    assert client.get("/amci/bordereaux/campagne/999999/preparer").status_code == 404
