"""The offers and the AMCI follow-up imports read codes the way they are typed too (issue 15):
codes whatever their case, spaces or hyphens, or by name; numbers for counts; the sheet holding
the headers; the near-miss and ignored headers."""
import io

from openpyxl import Workbook
from sqlalchemy import select

from conftest import xlsx_bytes
from quota_app.amci.io import import_followup
from quota_app.amci.models import FollowUp
from quota_app.campaigns.io import import_offers
from quota_app.campaigns.models import Offer
from quota_app.reference.models import Establishment


def test_offers_by_code_variants_or_names_on_another_sheet(db, campaign, manager):
    wb = Workbook()
    wb.active.title = "Notes"
    wb.active.append(["Tableau des places envoyé par l'OFPPT"])
    ws = wb.create_sheet("Places 2026")
    ws.append(["Filière", "Établissement", "Nombre de places", "Dont filles", "Commentaire"])
    ws.append(["ts ia", "ISTA Hay Riad", 12.0, 4.0, "nouvelle offre"])  # the programme by code, the institute by name
    ws.append(["Intelligence Artificielle", "ista_casa", 10, 3, None])
    ws.append(["TS_DD", "ISTA-CASSA", 10, 3, None])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_offers(campaign, buf.getvalue(), "places.xlsx", manager)
    assert result.sheet_name == "Places 2026"
    assert [(i["letter"], i["header"]) for i in result.header.ignored] == [("E", "Commentaire")]
    assert [(e["sheet"], e["row"], e["column"]) for e in result.errors] == [("Places 2026", 4, "Code établissement")]
    message = result.errors[0]["message"]
    assert "Code établissement inconnu : « ISTA-CASSA »" in message and "Vouliez-vous dire « ISTA-CASA » ?" in message
    assert "Codes attendus : " in message
    fixed = xlsx_bytes([["ts ia", "ISTA Hay Riad", 12.0, 4.0], ["Intelligence Artificielle", "ista_casa", 10, 3]],
                       ["Filière", "Établissement", "Nombre de places", "Dont filles"], title="Places")
    done = import_offers(campaign, fixed, "places.xlsx", manager, commit=True)
    db.session.commit()
    assert done.errors == [] and done.counts["new"] == 1 and done.counts["updated"] == 1
    seats = {o.code: (o.seats, o.reserved_seats) for o in db.session.execute(select(Offer)).scalars()}
    assert seats["TS-IA-RABAT"] == (12, 4) and seats["TS-IA-ISTA-CASA"] == (10, 3)  # its code kept


def test_followup_codes_and_visa_words(db, campaign, trainees, manager):
    headers = ["Réf dossier", "Visa", "Etablissement d'accueil", "Date arrivée", "Observations AMCI"]
    rows = [["mli-2026-000001", "Visa obtenu", "ista casa", None, "RAS"],
            ["MLI-2026-000002", "en cours", "ISTA NTIC Sidi Maârouf", None, None],
            ["MLI-2026-000003", "ACCORDÉ", "Ista-Rabat", None, None],
            ["MLI-2026-000004", "peut-être", "ISTA-RABATT", None, None]]
    result = import_followup(campaign, xlsx_bytes(rows, headers, title="Retour AMCI"), "amci.xlsx", manager)
    assert [i["header"] for i in result.header.ignored] == ["Observations AMCI"]
    messages = {e["row"]: e["message"] for e in result.errors}
    assert set(messages) == {5}
    assert "Vouliez-vous dire « ISTA-RABAT » ?" in messages[5] or "Valeur non reconnue : « peut-être »" in messages[5]
    ok = import_followup(campaign, xlsx_bytes(rows[:3], headers), "amci.xlsx", manager, commit=True)
    db.session.commit()
    assert ok.errors == [] and ok.counts["new"] == 3
    est = {e.id: e.code for e in db.session.execute(select(Establishment)).scalars()}
    found = {f.application_id: (f.visa_status, est[f.establishment_id])
             for f in db.session.execute(select(FollowUp)).scalars()}
    assert found[trainees["placed"][0]] == ("granted", "ISTA-CASA")
    assert found[trainees["accepted"][0]] == ("requested", "ISTA-CASA")
    assert found[trainees["enrolled"][0]] == ("granted", "ISTA-RABAT")
