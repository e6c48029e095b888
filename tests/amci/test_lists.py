"""The nominative list in the AMCI's model (amci/lists.py): nominated candidates only, in the
list's order, with the passport and earlier-scholarship flags; as xlsx (the export kind
"nomination") and as PDF (A4 landscape)."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

import factories
from slip_helpers import add_nominations, bare_campaign, earlier_scholar

ANSWERED = factories.NOW + timedelta(days=31)


def _references(db, ids):
    from quota_app.applications.models import Application
    return [db.session.get(Application, i).reference for i in ids]


def _rows(db, campaign_id, transmittal_id=None):
    from quota_app.amci.lists import list_rows
    from quota_app.campaigns.models import Campaign
    return list(list_rows(db.session.get(Campaign, campaign_id), transmittal_id))


def _download(client, campaign_id):
    response = client.get(f"/gestion/exports/nomination.xlsx?campaign={campaign_id}")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data)).active


# --- only nominated candidates ---------------------------------------------------------------

def test_with_no_nomination_the_list_is_empty(db, client, login, amci_world):
    from quota_app.amci.lists import COLUMNS

    w = amci_world()            # published, every placed candidate accepted, nobody nominated yet
    assert w.accepted and _rows(db, w.campaign_id) == []
    login(w.world.manager(db))
    ws = _download(client, w.campaign_id)
    assert tuple(c.value for c in ws[3]) == COLUMNS
    assert list(ws.iter_rows(min_row=4, values_only=True)) == []


def test_only_nominated_candidates_in_the_lists_order_withdrawn_and_waiting_absent(db, client, login, amci_world):
    from quota_app.amci.nominations import nominate
    from quota_app.placement import services
    from quota_app.placement.models import Placement

    w = amci_world()
    manager = w.world.manager(db)
    nominate(manager, w.campaign_id, now=ANSWERED)
    db.session.commit()
    rows = _rows(db, w.campaign_id)
    assert [r.application_id for r in rows] == w.accepted
    assert [r.number for r in rows] == list(range(1, len(w.accepted) + 1))
    assert w.waiting and not set(w.waiting) & {r.application_id for r in rows}
    # A candidate who gives the seat up is withdrawn: off the list.
    leaver = w.accepted[1]
    placement = db.session.scalars(db.select(Placement).where(
        Placement.application_id == leaver, Placement.status == "accepted")).one()
    services.give_up(w.world.owner(db, leaver), placement, now=ANSWERED)
    db.session.commit()
    nominate(manager, w.campaign_id, now=ANSWERED)
    db.session.commit()
    rows = _rows(db, w.campaign_id)
    assert leaver not in {r.application_id for r in rows}
    assert [r.application_id for r in rows] == [a for a in w.accepted if a != leaver]
    # The export lists the same candidates, no one else (no NINA on it).
    login(manager)
    ws = _download(client, w.campaign_id)
    body = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in body] == [r.reference for r in rows]
    every = " ".join(str(v) for row in body for v in row if v is not None)
    from quota_app.applications.models import Application
    for application_id in [leaver, *w.waiting]:
        assert db.session.get(Application, application_id).reference not in every
    assert all(db.session.get(Application, r.application_id).nina not in every for r in rows)


def test_each_row_carries_the_amci_models_columns(db, client, login, amci_world):
    from quota_app.amci.lists import COLUMNS
    from quota_app.amci.nominations import nominate
    from quota_app.applications.models import Application, ApplicationChoice
    from quota_app.campaigns.models import Offer

    w = amci_world()
    nominate(w.world.manager(db), w.campaign_id, now=ANSWERED)
    db.session.commit()
    first = db.session.get(Application, w.accepted[0])
    first.passport_number, first.passport_expiry = "AB1234567", date(2031, 1, 31)
    first.email = "awa@exemple.ml"
    db.session.commit()
    login(w.world.manager(db))
    ws = _download(client, w.campaign_id)
    header = [c.value for c in ws[3]]
    assert tuple(header) == COLUMNS
    row = dict(zip(header, next(ws.iter_rows(min_row=4, values_only=True))))
    assert row["N°"] == 1 and row["Référence"] == first.reference
    assert (row["Nom"], row["Prénoms"], row["Sexe"]) == (first.last_name, first.first_names, "Femme" if first.sex == "F" else "Homme")
    assert row["Date de naissance"].date() == first.birth_date and row["Lieu de naissance"] == "Bamako"
    assert row["Nationalité"] == "Malienne"
    assert row["N° passeport"] == "AB1234567" and row["Expiration du passeport"].date() == date(2031, 1, 31)
    assert row["Diplôme"] and row["Série"] == "TSE" and row["Année du diplôme"] == 2024
    assert row["Moyenne /20"] == pytest.approx(13.5)
    assert row["E-mail"] == "awa@exemple.ml" and row["Téléphone"]
    choices = db.session.scalars(db.select(ApplicationChoice).where(ApplicationChoice.application_id == first.id)
                                 .order_by(ApplicationChoice.rank)).all()
    offer = db.session.get(Offer, choices[0].offer_id)
    assert row["Choix 1 — filière"] == offer.programme.title
    assert row["Choix 1 — niveau"] == offer.programme.level.name
    assert row["Choix 1 — établissement"] == offer.establishment.name
    assert row["Choix 1 — ville"] == offer.establishment.city
    if len(choices) < 3:
        assert row["Choix 3 — filière"] is None
    from quota_app.amci.models import Nomination
    nomination = db.session.scalars(db.select(Nomination).where(Nomination.application_id == first.id)).one()
    nomination_offer = db.session.get(Offer, nomination.offer_id)
    assert row["Affectation — filière"] == nomination_offer.programme.title
    assert row["À vérifier"] is None   # a valid passport, no earlier scholarship


def test_a_reoriented_candidate_shows_the_offer_of_the_reorientation(db, amci_world):
    from quota_app.amci import effects
    from quota_app.amci.models import Nomination
    from quota_app.amci.nominations import nominate
    from quota_app.campaigns.models import Offer

    w = amci_world()
    manager = w.world.manager(db)
    nominate(manager, w.campaign_id, now=ANSWERED)
    db.session.commit()
    nomination = db.session.scalars(db.select(Nomination).where(Nomination.campaign_id == w.campaign_id)
                                    .order_by(Nomination.position)).first()
    target = db.session.get(Offer, next(o for o in w.world.offer_ids if o != nomination.offer_id))
    effects.reorient(manager, nomination, target, "Filière plus proche du diplôme", now=ANSWERED)
    db.session.commit()
    row = next(r for r in _rows(db, w.campaign_id) if r.nomination_id == nomination.id)
    assert row.placement.code == target.code


def test_a_slips_list_holds_that_slips_nominations_only(db):
    from quota_app.amci.models import Nomination

    campaign = bare_campaign(db, "LST-2026", 2026)
    first = add_nominations(db, campaign, 2)
    later = add_nominations(db, campaign, 1, start=3)
    from quota_app.amci.models import Transmittal
    slip = Transmittal(campaign_id=campaign.id, number="BT-2026-050", year=2026, sequence=50, sender="DNFP")
    db.session.add(slip)
    db.session.flush()
    for nomination_id in first:
        db.session.get(Nomination, nomination_id).transmittal_id = slip.id
    db.session.commit()
    assert [r.nomination_id for r in _rows(db, campaign.id, slip.id)] == first
    assert [r.nomination_id for r in _rows(db, campaign.id)] == first + later


# --- flags -----------------------------------------------------------------------------------

def test_passport_flags_are_pure():
    from quota_app.amci.lists import EXPIRY_MISSING, PASSPORT_EXPIRES, PASSPORT_MISSING, passport_flags

    start = date(2026, 10, 1)
    assert passport_flags(None, None, start) == [PASSPORT_MISSING]
    assert passport_flags("  ", date(2030, 1, 1), start) == [PASSPORT_MISSING]
    assert passport_flags("AB123456", None, start) == [EXPIRY_MISSING]
    assert passport_flags("AB123456", date(2026, 9, 30), start) == [PASSPORT_EXPIRES]
    assert passport_flags("AB123456", date(2026, 10, 1), start) == []
    assert PASSPORT_MISSING == "Passeport manquant" and PASSPORT_EXPIRES == "Passeport expire avant la formation"


def test_the_training_start_is_the_campaigns_or_a_year_after_its_reference_date(db):
    from quota_app.amci.lists import add_year, training_start

    campaign = bare_campaign(db, "TRS-2026", 2026)
    assert campaign.training_starts_on is None
    assert training_start(campaign) == date(2027, 9, 1)
    campaign.training_starts_on = date(2026, 10, 15)
    assert training_start(campaign) == date(2026, 10, 15)
    assert add_year(date(2028, 2, 29)) == date(2029, 2, 28)


def test_missing_and_expiring_passports_are_flagged_on_the_list(db):
    campaign = bare_campaign(db, "PSP-2026", 2026)
    campaign.training_starts_on = date(2026, 10, 15)
    ids = add_nominations(db, campaign, 3)
    from quota_app.amci.models import Nomination
    files = [db.session.get(Nomination, i).application for i in ids]
    files[1].passport_number, files[1].passport_expiry = "AA0000001", date(2026, 10, 14)
    files[2].passport_number, files[2].passport_expiry = "AA0000002", date(2027, 6, 1)
    db.session.commit()
    flags = [r.flags for r in _rows(db, campaign.id)]
    assert flags == [("Passeport manquant",), ("Passeport expire avant la formation",), ()]
    # Without a training start, the reference date + 1 year (01/09/2027) is the day checked.
    campaign.training_starts_on = None
    db.session.commit()
    flags = [r.flags for r in _rows(db, campaign.id)]
    assert flags == [("Passeport manquant",), ("Passeport expire avant la formation",),
                     ("Passeport expire avant la formation",)]


# --- earlier scholarship holders -------------------------------------------------------------

def test_earlier_scholars_by_nina_passport_or_name_and_birth_date(db):
    from quota_app.amci.earlier import earlier_scholars
    from quota_app.amci.models import Nomination

    campaign = bare_campaign(db, "NOW-2026", 2026)
    ids = add_nominations(db, campaign, 6)
    files = [db.session.get(Nomination, i).application for i in ids]
    files[1].passport_number = "BB7654321"
    files[2].last_name, files[2].first_names, files[2].birth_date = "Diakité", "Fatoumata", date(2003, 1, 9)
    files[3].last_name, files[3].first_names, files[3].birth_date = "Coulibaly", "Adama", date(2002, 2, 2)
    files[4].last_name, files[4].first_names, files[4].birth_date = "Sangaré", "Ina", date(2001, 3, 3)
    db.session.flush()
    earlier_scholar(db, 2024, nina=files[0].nina)                                  # same NINA
    earlier_scholar(db, 2023, granted=None, nomination_status="confirmed",          # same passport
                    passport_number="BB7654321")
    earlier_scholar(db, 2024, granted=None, nomination_status="reoriented",         # same name and birth
                    last_name="DIAKITE", first_names="fatoumata", birth_date=date(2003, 1, 9))
    earlier_scholar(db, 2024, last_name="Coulibaly", first_names="Adama",           # another birth date
                    birth_date=date(2002, 2, 3))
    earlier_scholar(db, 2024, granted=False, nomination_status="refused",          # no scholarship held
                    last_name="Sangaré", first_names="Ina", birth_date=date(2001, 3, 3))
    later = bare_campaign(db, "LATER-2027", 2027)                                   # a later campaign
    from slip_helpers import person_file
    from quota_app.amci.models import FollowUp
    future = person_file(db, later, status="enrolled", nina=files[5].nina)
    db.session.add(FollowUp(application_id=future.id, scholarship_granted=True))
    db.session.commit()
    flags = earlier_scholars(f.id for f in files)
    assert flags == {files[0].id: "ancien boursier 2024-2025", files[1].id: "ancien boursier 2023-2024",
                     files[2].id: "ancien boursier 2024-2025"}
    # On the list, after the passport's flag.
    rows = {r.application_id: r for r in _rows(db, campaign.id)}
    assert rows[files[0].id].flags == ("Passeport manquant", "ancien boursier 2024-2025")
    assert rows[files[3].id].flags == ("Passeport manquant",)
    assert earlier_scholars([]) == {}


def test_the_most_recent_earlier_scholarship_is_named_and_word_order_is_ignored(db):
    from quota_app.amci.earlier import earlier_scholars, name_key
    from slip_helpers import person_file

    assert name_key("Traoré", "Awa Bintou") == name_key("awa", "BINTOU TRAORE")
    campaign = bare_campaign(db, "ORD-2026", 2026)
    target = person_file(db, campaign, last_name="Traoré", first_names="Awa Bintou", birth_date=date(2004, 4, 4))
    earlier_scholar(db, 2022, last_name="Awa Bintou", first_names="Traore", birth_date=date(2004, 4, 4))
    earlier_scholar(db, 2024, nina=target.nina)
    db.session.commit()
    assert earlier_scholars([target.id]) == {target.id: "ancien boursier 2024-2025"}


# --- the PDF ---------------------------------------------------------------------------------

def _media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """The pages' sizes, read in the PDF's objects (compressed object streams included)."""
    import re
    import zlib

    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return [(float(w), float(h)) for chunk in chunks
            for w, h in re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", chunk)]


def test_the_list_as_a_landscape_pdf(app, db, client, login):
    from quota_app.amci.lists import list_pdf

    campaign = bare_campaign(db, "PDF-2026", 2026)
    add_nominations(db, campaign, 3)
    db.session.commit()
    with app.test_request_context():
        pdf, rows = list_pdf(campaign)
    assert pdf.startswith(b"%PDF-") and rows == 3
    assert _media_boxes(pdf) and all(w > h for w, h in _media_boxes(pdf))   # A4 landscape: 842 x 595 pt
    manager = factories.make_user("manager")
    db.session.commit()
    login(manager)
    response = client.get(f"/amci/bordereaux/campagne/{campaign.id}/liste-nominative.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "liste-nominative-PDF-2026.pdf" in response.headers["Content-Disposition"]


def test_the_list_template_prints_the_rows_and_flags(app, db):
    from flask import render_template

    from quota_app.amci.lists import list_rows, training_start

    campaign = bare_campaign(db, "TPL-2026", 2026)
    add_nominations(db, campaign, 2)
    db.session.commit()
    rows = list(list_rows(campaign))
    with app.test_request_context():
        html = render_template("amci/list_pdf.html", campaign=campaign, transmittal=None, rows=rows,
                               starts_on=training_start(campaign), number=None, date=None, document_title="x")
    import html as html_module
    text = html_module.unescape(html)
    assert "size: A4 landscape" in text and "Liste nominative des candidats — modèle AMCI" in text
    assert all(r.reference in text and r.full_name in text for r in rows)
    assert "Passeport manquant" in text and "(estimé : date de référence + 1 an)" in text
