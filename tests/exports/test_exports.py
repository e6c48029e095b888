"""The campaign exports, read back with openpyxl, and who may download them."""
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook


def download(client, data, kind):
    response = client.get(f"/gestion/exports/{kind}.xlsx?campaign={data['campaign']}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"{kind}-Q2026-" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data)).active


def check_table(ws, columns, rows):
    assert ws["A1"].value.startswith(("Offres", "Liste", "Statistiques"))
    assert ws["A2"].value.startswith("Exporté le") and "heure de Bamako" in ws["A2"].value
    assert tuple(c.value for c in ws[3]) == tuple(columns)
    assert all(cell.font.bold for cell in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref.startswith("A3:") and ws.auto_filter.ref.endswith(str(3 + rows))


def audit(db, action):
    from quota_app.audit.models import AuditEvent

    return db.session.execute(db.select(AuditEvent).filter_by(action=action)).scalar_one()


def test_offers_with_fill(client, db, placed, make_user, login):
    from quota_app.campaigns.io import OFFER_COLUMNS

    manager = make_user("manager")
    login(manager)
    ws = download(client, placed, "offres")
    check_table(ws, OFFER_COLUMNS, 3)
    body = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in body] == ["CONF-CASA", "DD-CASA", "MI-RABAT"]
    mi = body[2]
    assert mi[6:10] == (8, 2, 1, 1) and isinstance(mi[6], int)
    assert mi[10] == pytest.approx(0.25)
    assert body[1][8:11] == (0, 0, 0)  # the simulation's placement is not counted
    event = audit(db, "export.offers")
    assert event.actor_id == manager.id and event.after["rows"] == 3 and event.campaign_id == placed["campaign"]


def nominate(db, data, keys):
    """Nominations (amci/nominations.py writes them from accepted placements) in this order."""
    from quota_app.amci.models import Nomination

    for position, key in enumerate(keys, start=1):
        db.session.add(Nomination(campaign_id=data["campaign"], application_id=data[key], position=position))
    db.session.commit()
    return data


def test_nomination_lists_nominated_candidates_in_the_lists_order(client, db, placed, make_user, login):
    from quota_app.amci.io import NOMINATION_COLUMNS

    nominate(db, placed, ["A1", "A2"])
    login(make_user("amci"))
    ws = download(client, placed, "nomination")
    check_table(ws, NOMINATION_COLUMNS, 2)
    header = [c.value for c in ws[3]]
    body = [dict(zip(header, row)) for row in ws.iter_rows(min_row=4, values_only=True)]
    assert [r["Référence"] for r in body] == ["MLI-2026-000001", "MLI-2026-000002"]
    awa = body[0]
    assert (awa["Nom"], awa["Prénoms"], awa["N° passeport"]) == ("Traoré", "Awa", "AA1000001")
    assert "NINA" not in header and "1F04ABCDEFG001K" not in [v for r in body for v in r.values()]
    assert isinstance(awa["Date de naissance"], datetime) and ws["F4"].number_format == "dd/mm/yyyy"
    assert (awa["Choix 1 — filière"], awa["Choix 1 — établissement"]) == ("Développement Digital",
                                                                          "ISTA NTIC Sidi Maârouf")
    assert (awa["Choix 2 — filière"], awa["Choix 3 — filière"]) == ("Maintenance Industrielle", None)
    assert audit(db, "export.nomination").after["rows"] == 2


def test_nomination_lists_no_one_without_nominations(client, db, results, make_user, login):
    """The list is the nominated candidates, never the evaluated files (issue 13: 38 rows for
    0 placements before)."""
    login(make_user("manager"))
    ws = download(client, results, "nomination")
    assert list(ws.iter_rows(min_row=4, values_only=True)) == []
    nominate(db, results, ["A4"])
    ws = download(client, results, "nomination")
    # A name that starts with "=" comes back as text, never as a formula.
    assert ws["C4"].value == "'=SOMME(A1)" and ws["C4"].data_type == "s"
    assert ws["N4"].data_type == "n"  # the diploma average is a number


def test_statistics_by_sex_and_region(client, db, data, make_user, login):
    from quota_app.dashboard.io import statistics_columns

    login(make_user("manager"))
    ws = download(client, data, "statistiques")
    columns = statistics_columns()
    body = list(ws.iter_rows(min_row=4, values_only=True))
    check_table(ws, columns, len(body))
    by_sex = {r[1]: r for r in body if r[0] == "Par sexe"}
    assert by_sex["Femmes"][-1] == 3 and by_sex["Hommes"][-1] == 2
    submitted = columns.index("Soumis (à examiner)")
    assert by_sex["Femmes"][submitted] == 2 and isinstance(by_sex["Femmes"][submitted], int)
    assert any(r[0] == "Par région" for r in body)
    assert audit(db, "export.statistics").after["rows"] == len(body)


def test_page_lists_the_downloads_per_role(client, data, make_user, login):
    login(make_user("amci"))
    page = client.get(f"/gestion/exports/?campaign={data['campaign']}").get_data(as_text=True)
    assert "offres.xlsx" in page and "nomination.xlsx" in page and "statistiques.xlsx" not in page
    assert "parcours.xlsx" not in page
    login(make_user("manager"))
    page = client.get(f"/gestion/exports/?campaign={data['campaign']}").get_data(as_text=True)
    assert f"/gestion/tableau-de-bord/parcours.xlsx?campaign={data['campaign']}" in page


@pytest.mark.parametrize("role", ["applicant", "committee", "admin"])
@pytest.mark.parametrize("kind", ["", "offres.xlsx", "nomination.xlsx", "statistiques.xlsx"])
def test_other_roles_are_refused(client, data, make_user, login, role, kind):
    login(make_user(role))
    assert client.get(f"/gestion/exports/{kind}?campaign={data['campaign']}").status_code == 403


def test_amci_may_not_download_statistics(client, data, make_user, login):
    login(make_user("amci"))
    assert client.get(f"/gestion/exports/statistiques.xlsx?campaign={data['campaign']}").status_code == 403


@pytest.mark.parametrize("kind", ["", "offres.xlsx", "nomination.xlsx", "statistiques.xlsx"])
def test_anonymous_goes_to_login(client, data, kind):
    response = client.get(f"/gestion/exports/{kind}?campaign={data['campaign']}")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
