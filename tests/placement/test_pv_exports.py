"""The placement's PV (a sealed, verifiable PDF of round 1) and its spreadsheets (the main list
« affectation » and the waiting lists « listes-attente »).

The hand-checked world of test_publication.py (offer A: 3 seats, 1 reserved; offer B: 2 seats,
1 reserved; scores 18 down to 11, so the ranks are f0 = 1 ... f7 = 8):

    A main list: f0 (open, choice 1), f1 (open, 1), f3 (reserved, 1); cut-offs 17 and 15
    A waiting:   f2, f4, f5
    B main list: f2 (open, choice 2), f5 (reserved, 2); cut-offs 16 and 13
    B waiting:   f4, f6
    f7: not retained (her diploma opens none of her choices)

No PDF reader is installed (no pypdf, no pdfminer): the PDF is checked as a PDF, its content
through the canonical data its seal hashes and through the HTML it is laid out from.
"""
import io
import re
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

import factories

HAND_SEXES = ["M", "M", "M", "F", "M", "F", "M", "F"]
HAND_CHOICES = [[0, 1], [0], [0, 1], [0, 1], [1, 0], [0, 1], [1], [0]]
HAND_SCORES = [Decimal(s) for s in ("18", "17", "16", "15", "14", "13", "12", "11")]


@pytest.fixture
def world(placement_world):
    return placement_world(offers=((3, 1), (2, 1)), sexes=HAND_SEXES, choices=HAND_CHOICES, scores=HAND_SCORES,
                           unfit=(7,))


def pv():
    from quota_app.placement import pv as module
    return module


def signed_in(app, user_id):
    from quota_app.auth.models import User
    from quota_app.extensions import db

    client = app.test_client()
    with app.app_context():
        token = db.session.get(User, user_id).session_token
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def references(db, world):
    from quota_app.applications.models import Application
    return [db.session.get(Application, i).reference for i in world.file_ids]


def offer_codes(db, world):
    from quota_app.campaigns.models import Offer
    return [db.session.get(Offer, i).code for i in world.offer_ids]


def events(db, action):
    from quota_app.audit.models import AuditEvent
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


def sealed(db):
    from quota_app.documents.models import SealedDocument
    return list(db.session.scalars(db.select(SealedDocument).filter_by(kind="placement_list")))


# --- the PV's content ----------------------------------------------------------------------

def test_minutes_list_round_one_offer_by_offer_in_rank_order(db, world):
    from quota_app.applications.models import Application
    from quota_app.placement.allocation import RULE_TEXT

    campaign = world.campaign(db)
    refs = references(db, world)
    a_code, b_code = offer_codes(db, world)
    minutes = pv().minutes_data(campaign, pv().published_round(campaign.id))
    assert minutes.number == f"PV-AFF-{campaign.code}-{world.published_at.year}"
    assert minutes.rule_text == RULE_TEXT
    offers = {o.code: o for o in minutes.offers}
    a, b = offers[a_code], offers[b_code]
    assert (a.seats, a.reserved, a.open_seats, b.seats, b.reserved) == (3, 1, 2, 2, 1)
    assert [(r.rank, r.reference, r.seat_kind, r.choice_rank) for r in a.main] == [
        (1, refs[0], "open", 1), (2, refs[1], "open", 1), (4, refs[3], "reserved", 1)]
    assert [(r.rank, r.reference, r.seat_kind, r.choice_rank) for r in b.main] == [
        (3, refs[2], "open", 2), (6, refs[5], "reserved", 2)]
    assert [r.score for r in a.main] == [Decimal(18), Decimal(17), Decimal(15)]
    assert a.main[0].name == "TRAORÉ " + db.session.get(Application, world.file_ids[0]).first_names
    assert (a.cutoff, a.reserved_cutoff, b.cutoff, b.reserved_cutoff) == (17, 15, 16, 13)
    assert [(r.position, r.reference) for r in a.waiting] == [(1, refs[2]), (2, refs[4]), (3, refs[5])]
    assert [(r.position, r.rank, r.reference) for r in b.waiting] == [(1, 5, refs[4]), (2, 7, refs[6])]
    t = minutes.totals
    assert (t.offers, t.seats, t.reserved, t.placed, t.placed_open, t.placed_reserved) == (2, 5, 2, 5, 3, 2)
    assert (t.waiting_entries, t.waiting_candidates, t.candidates, t.unplaced) == (5, 4, 8, 3)
    canonical = minutes.canonical()
    assert canonical["document"] == "placement_list" and canonical["rule"] == RULE_TEXT
    assert "TRAORÉ" not in repr(canonical)  # the hash vouches for the lists by reference, no names


def test_the_pdf_is_laid_out_from_the_lists_and_the_rules(app, db, world):
    from flask import render_template

    from quota_app.committee.deliberating import tie_rule_description
    from quota_app.documents.sealing import Seal
    from quota_app.placement.allocation import RULE_TEXT

    campaign = world.campaign(db)
    refs = references(db, world)
    a_code, b_code = offer_codes(db, world)
    minutes = pv().minutes_data(campaign, pv().published_round(campaign.id))
    info = Seal(kind="placement_list", number=minutes.number, title=pv().pv_title(campaign), token="t" * 43,
                url="https://quota.example/verifier/" + "t" * 43, content_sha256="0" * 64,
                sealed_at=datetime(2026, 7, 1, 10, 0), qr_data_uri="data:image/svg+xml;base64,")
    with app.test_request_context():
        html = render_template("documents/placement_pv.html", seal=info, pv=minutes)
    import html as html_module
    text = html_module.unescape(html)
    assert "Procès-verbal d'affectation" in text and minutes.number in text and "Bamako, le 01/07/2026" in text
    assert RULE_TEXT in text and tie_rule_description(campaign) in text
    assert f"Offre {a_code}" in text and f"Offre {b_code}" in text
    assert "Dernier admis sur places ouvertes : 17,000 ; sur places réservées : 15,000" in text
    assert f"Liste principale — {a_code} (3)" in text and f"Liste principale — {b_code} (2)" in text
    assert f"Liste d'attente — {a_code} (3)" in text and f"Liste d'attente — {b_code} (2)" in text
    lines = [line for line in re.findall(r"<td>(.*?)</td>", text, re.DOTALL) for line in line.split("\n")]
    # A's main list: rank, reference, score, seat kind, choice rank, name.
    assert any(re.fullmatch(rf"\s*1  {refs[0]}\s+18,000  ouverte \s+1  TRAORÉ Awa \d+", line) for line in lines)
    assert any(re.fullmatch(rf"\s*4  {refs[3]}\s+15,000  réservée\s+1  TRAORÉ Awa \d+", line) for line in lines)
    # B's waiting list: position, rank, reference, score, name.
    assert any(re.fullmatch(rf"\s*2\s+7  {refs[6]}\s+12,000  TRAORÉ Awa \d+", line) for line in lines)
    # The summary: seats, reserved, placed on open and on reserved seats, cut-offs, waiting.
    assert re.search(rf"{a_code}\s+3\s+1\s+2\s+1\s+17,000\s+15,000\s+3[\n<]", text)
    assert re.search(r"Total\s+5\s+2\s+3\s+2\s+5<", text)
    assert "5 inscription(s) de 4 candidat(s)" in text


def test_sealing_makes_a_verifiable_pdf_once(app, db, world):
    from quota_app.documents.canonical import canonical_bytes, sha256_hex

    campaign = world.campaign(db)
    manager = world.manager(db)
    document, created = pv().seal_pv(manager, campaign.id, now=datetime(2026, 7, 1, 10, 0, 30))
    db.session.commit()
    assert created and document.kind == "placement_list" and document.pdf.startswith(b"%PDF-")
    assert document.number == f"PV-AFF-{campaign.code}-{world.published_at.year}"
    assert document.title == f"Procès-verbal d'affectation — campagne {campaign.code} — tour 1"
    assert document.created_at == datetime(2026, 7, 1, 10, 0, 30)
    minutes = pv().minutes_data(campaign, pv().published_round(campaign.id))
    assert document.content_sha256 == sha256_hex(canonical_bytes(minutes.canonical()))
    again, created_again = pv().seal_pv(manager, campaign.id)
    db.session.commit()
    assert not created_again and again.id == document.id
    assert len(sealed(db)) == 1
    [event] = events(db, "placement.pv.seal")
    assert event.actor_id == manager.id and event.campaign_id == campaign.id and event.after["placed"] == 5
    # The public page finds it by its code, says what it is, and recognises the file.
    client = app.test_client()
    page = client.get(f"/verifier/{document.token}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert document.number in body and "Liste d&#39;affectation" in body and "campagne " + campaign.code in body
    assert "TRAORÉ" not in body
    checked = client.post(f"/verifier/{document.token}", data={"file": (io.BytesIO(document.pdf), "pv.pdf")},
                          content_type="multipart/form-data")
    assert checked.status_code == 200


def test_the_pv_lists_round_one_as_published_whatever_happens_next(db, world):
    from quota_app.applications.models import Application
    from quota_app.placement import services

    campaign = world.campaign(db)
    before = pv().minutes_data(campaign, pv().published_round(campaign.id)).canonical()
    f6 = db.session.get(Application, world.file_ids[6])
    services.leave_waiting_lists(world.owner(db, f6.id), f6)
    db.session.commit()
    db.session.expire_all()
    after = pv().minutes_data(world.campaign(db), pv().published_round(campaign.id)).canonical()
    assert after == before


def test_two_requests_at_once_seal_one_document(app, db, world, monkeypatch):
    module = pv()
    original = module.render_pdf

    def slow(*args, **kwargs):  # the first request holds its lock while the second arrives
        time.sleep(0.8)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "render_pdf", slow)
    campaign_id = world.campaign_id
    db.session.commit()
    db.session.remove()
    clients = [signed_in(app, world.manager_id) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers = []

    def post(client):
        barrier.wait()
        response = client.post(f"/gestion/affectation/pv/{campaign_id}/sceller", follow_redirects=True)
        answers.append((response.status_code, response.mimetype, response.data))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted((code, mimetype) for code, mimetype, _ in answers) == [(200, "application/pdf")] * 2
    assert answers[0][2] == answers[1][2]
    [document] = sealed(db)
    assert document.pdf == answers[0][2]
    assert len(events(db, "placement.pv.seal")) == 1


# --- the manager's page --------------------------------------------------------------------

def test_before_the_publication_the_pv_is_not_available(app, db, placement_world):
    w = placement_world(offers=((2, 1),), sexes=["F", "M"], choices=[[0], [0]], publish=False)
    client = signed_in(app, w.manager_id)
    page = client.get(f"/gestion/affectation/pv/{w.campaign_id}").get_data(as_text=True)
    assert "pas encore disponible" in page and "Sceller et télécharger le PV" not in page
    refused = client.post(f"/gestion/affectation/pv/{w.campaign_id}/sceller", follow_redirects=True)
    assert "n&#39;existe qu&#39;une fois les affectations publiées" in refused.get_data(as_text=True)
    download = client.get(f"/gestion/affectation/pv/{w.campaign_id}/proces-verbal.pdf")
    assert download.status_code == 302 and download.headers["Location"].endswith(f"/gestion/affectation/pv/{w.campaign_id}")
    assert sealed(db) == [] and events(db, "placement.pv.seal") == []


def test_the_page_seals_downloads_and_shows_the_verification(app, db):
    campaign = factories.make_campaign("published", files=("eligible",) * 5, seats=3)
    manager = factories.make_user("manager")
    campaign_id, manager_id = campaign.id, manager.id
    db.session.commit()
    client = signed_in(app, manager_id)
    page = client.get(f"/gestion/affectation/pv/{campaign_id}").get_data(as_text=True)
    assert "Sceller et télécharger le PV" in page and "pas encore scellé" in page
    assert 'method="post"' in page and "/sceller" in page
    posted = client.post(f"/gestion/affectation/pv/{campaign_id}/sceller")
    assert posted.status_code == 303 and posted.headers["Location"].endswith(
        f"/gestion/affectation/pv/{campaign_id}/proces-verbal.pdf")
    pdf = client.get(posted.headers["Location"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert "no-store" in pdf.headers["Cache-Control"]
    [document] = sealed(db)
    assert pdf.data == document.pdf
    assert f"{document.number}.pdf" in pdf.headers["Content-Disposition"]
    assert document.number == f"PV-AFF-{campaign.code}-{campaign.closes_at.year}"
    page = client.get(f"/gestion/affectation/pv/{campaign_id}").get_data(as_text=True)
    assert "Le procès-verbal d&#39;affectation est scellé" in page  # the flash, once sealed
    assert document.number in page and document.token in page and f"/verifier/{document.token}" in page
    assert document.created_at.strftime("%d/%m/%Y") in page
    assert "Sceller et télécharger le PV" not in page and "proces-verbal.pdf" in page
    # Sealing again changes nothing: the same document.
    assert client.post(f"/gestion/affectation/pv/{campaign_id}/sceller").status_code == 303
    assert [d.id for d in sealed(db)] == [document.id]
    assert len(events(db, "placement.pv.download")) == 1
    minutes = pv().minutes_data(db.session.get(type(campaign), campaign_id), pv().published_round(campaign_id))
    assert minutes.totals.placed == 3 and [o.reserved for o in minutes.offers] == [2]


@pytest.mark.parametrize("role", ["applicant", "committee", "amci", "admin"])
def test_other_roles_are_refused(app, db, world, make_user, role):
    user = make_user(role)
    client = signed_in(app, user.id)
    base = f"/gestion/affectation/pv/{world.campaign_id}"
    assert client.get(base).status_code == 403
    assert client.post(f"{base}/sceller").status_code == 403
    assert client.get(f"{base}/proces-verbal.pdf").status_code == 403
    assert sealed(db) == []


def test_anonymous_goes_to_login_and_an_unknown_campaign_is_not_found(app, db, world):
    base = f"/gestion/affectation/pv/{world.campaign_id}"
    response = app.test_client().get(base)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    client = signed_in(app, world.manager_id)
    assert client.get("/gestion/affectation/pv/999999").status_code == 404
    assert client.post("/gestion/affectation/pv/999999/sceller").status_code == 404
    assert client.get("/gestion/affectation/pv/999999/proces-verbal.pdf").status_code == 404


# --- the spreadsheets ----------------------------------------------------------------------

def download(client, campaign_id, kind):
    response = client.get(f"/gestion/exports/{kind}.xlsx?campaign={campaign_id}")
    assert response.status_code == 200, response.status_code
    assert "attachment" in response.headers["Content-Disposition"] and f"{kind}-" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data)).active


def check_table(ws, title, columns, rows):
    assert ws["A1"].value.startswith(title + " – ")
    assert ws["A2"].value.startswith("Exporté le")
    assert tuple(c.value for c in ws[3]) == tuple(columns)
    assert all(cell.font.bold for cell in ws[3]) and ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:{ws.cell(3, len(columns)).column_letter}{3 + rows}"


def test_main_list_export_in_rank_order(app, db, world):
    from quota_app.applications.models import Application
    from quota_app.placement import services
    from quota_app.placement.io import MAIN_COLUMNS
    from quota_app.placement.models import Placement
    from quota_app.reference.models import Region

    refs = references(db, world)
    a_code, b_code = offer_codes(db, world)
    f1 = world.file_ids[1]
    services.answer(world.owner(db, f1), db.session.scalars(db.select(Placement).filter_by(application_id=f1)).one(),
                    "accept", now=factories.NOW + timedelta(days=31))
    db.session.commit()
    first_file = db.session.get(Application, world.file_ids[0])
    region = db.session.get(Region, first_file.region_id).name
    client = signed_in(app, world.manager_id)
    ws = download(client, world.campaign_id, "affectation")
    body = list(ws.iter_rows(min_row=4, values_only=True))
    check_table(ws, "Liste principale d'affectation", MAIN_COLUMNS, 5)
    assert [(r[0], r[1], r[7]) for r in body] == [
        (1, refs[0], a_code), (2, refs[1], a_code), (3, refs[2], b_code), (4, refs[3], a_code), (6, refs[5], b_code)]
    f0, f1_row, f2, f3 = body[:4]
    assert f0[2:6] == (first_file.last_name, first_file.first_names, "Homme", region) and f3[4] == "Femme"
    assert f0[6] == 18 and isinstance(f0[6], (int, float))
    assert f0[10:13] == (1, "Place ouverte", "Proposée, en attente de réponse")
    assert f1_row[12] == "Acceptée"
    assert f2[10:12] == (2, "Place ouverte") and f3[11] == "Place réservée"
    assert isinstance(f0[13], datetime) and f0[14] == 1 and isinstance(f0[15], datetime)
    [event] = events(db, "export.placements")
    assert event.after["rows"] == 5 and event.campaign_id == world.campaign_id
    # Need to know: the AMCI reads the nominative list (amci/), not every placement.
    amci = signed_in(app, factories.make_user("amci").id)
    assert amci.get(f"/gestion/exports/affectation.xlsx?campaign={world.campaign_id}").status_code == 403


def test_waiting_lists_export_with_who_left_and_why(app, db, world):
    from quota_app.applications.models import Application
    from quota_app.placement import services
    from quota_app.placement.io import WAITING_COLUMNS

    refs = references(db, world)
    a_code, b_code = offer_codes(db, world)
    f6 = db.session.get(Application, world.file_ids[6])
    services.leave_waiting_lists(world.owner(db, f6.id), f6)
    db.session.commit()
    client = signed_in(app, world.manager_id)
    ws = download(client, world.campaign_id, "listes-attente")
    check_table(ws, "Listes d'attente", WAITING_COLUMNS, 5)
    body = list(ws.iter_rows(min_row=4, values_only=True))
    expected = sorted([(a_code, 1, refs[2]), (a_code, 2, refs[4]), (a_code, 3, refs[5]),
                       (b_code, 1, refs[4]), (b_code, 2, refs[6])], key=lambda r: (r[0], r[1]))
    assert [(r[0], r[1], r[3]) for r in body] == expected
    by_ref = {(r[0], r[3]): r for r in body}
    assert by_ref[(a_code, refs[2])][2] == 3 and by_ref[(a_code, refs[2])][6:9] == ("Homme", 16, "En attente")
    assert by_ref[(a_code, refs[2])][9:11] == (None, None)
    left = by_ref[(b_code, refs[6])]
    assert left[8:10] == ("Sorti de la liste", "A renoncé à la liste d'attente") and isinstance(left[10], datetime)
    assert events(db, "export.waiting_lists")[0].after["rows"] == 5
    amci = signed_in(app, factories.make_user("amci").id)
    assert amci.get(f"/gestion/exports/listes-attente.xlsx?campaign={world.campaign_id}").status_code == 403
    page = amci.get(f"/gestion/exports/?campaign={world.campaign_id}").get_data(as_text=True)
    assert "nomination.xlsx" in page and "affectation.xlsx" not in page and "listes-attente.xlsx" not in page


def test_exports_before_the_publication_have_only_their_headers(app, db, placement_world):
    from quota_app.placement.io import MAIN_COLUMNS, WAITING_COLUMNS

    w = placement_world(offers=((2, 1),), sexes=["F", "M"], choices=[[0], [0]], publish=False)
    client = signed_in(app, w.manager_id)
    check_table(download(client, w.campaign_id, "affectation"), "Liste principale d'affectation", MAIN_COLUMNS, 0)
    check_table(download(client, w.campaign_id, "listes-attente"), "Listes d'attente", WAITING_COLUMNS, 0)
