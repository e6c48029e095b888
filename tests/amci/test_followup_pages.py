"""The follow-up pages (/amci/suivi) with the test client: the list (search, filters, counts,
alerts), a trainee's page and its form (saved, refused in French with a 400 and nothing
changed, a stale version 409, the CSRF token), the re-enrolment form, need to know, and the
alerts on the AMCI officer's and the manager's home pages."""
from __future__ import annotations

import html
import re
from datetime import date, datetime

import pytest

import factories
from followup_helpers import confirmed_year

from quota_app.amci import followup_views, views as amci_views

MOMENT = datetime(2026, 9, 5, 10, 0)     # less than a month before the training (1 October)
URL = "/amci/suivi/"


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(followup_views, "utcnow", lambda: MOMENT)
    monkeypatch.setattr(amci_views, "utcnow", lambda: MOMENT)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _form(**values):
    data = {"scholarship_granted": "yes", "stipend": "750,00", "duration_months": "24", "boarding": "yes",
            "amci_file_number": "", "visa_status": "requested", "visa_date": "", "travel_date": "",
            "arrival_date": "", "enrolled_on": "", "establishment_id": "", "departure_cancelled_on": "",
            "departure_cancelled_reason": "", "abandoned_on": "", "abandonment_reason": "", "completed_on": "",
            "returned_on": "", "situation_6m": "", "situation_6m_sector": "", "situation_12m": "",
            "situation_12m_sector": "", "comment": "", "version": "0"}
    data.update(values)
    return data


def _row(db, application_id):
    from quota_app.amci.models import FollowUp
    db.session.expire_all()
    return db.session.scalars(db.select(FollowUp).where(FollowUp.application_id == application_id)).first()


def _status(db, application_id):
    from quota_app.applications.models import Application
    db.session.expire_all()
    return db.session.get(Application, application_id).status


@pytest.fixture
def year(db, amci_world):
    return confirmed_year(db, amci_world)


def test_the_list_with_counts_search_filters_and_alerts(client, db, login, year):
    from quota_app.amci.followup import update_follow_up

    first, second = year.trainees[:2]
    update_follow_up(year.amci, second, {"visa_status": "granted", "visa_date": date(2026, 8, 1)}, MOMENT)
    db.session.commit()
    login(year.amci)
    page = text(client.get(f"{URL}?campaign={year.campaign_id}"))
    assert "Suivi des stagiaires" in page and "Visa non accordé à un mois de la formation" in page
    all_rows = page.count('href="/amci/suivi/stagiaire/')
    from quota_app.applications.models import Application
    reference = db.session.get(Application, first).reference
    found = text(client.get(f"{URL}?campaign={year.campaign_id}&q={reference}"))
    assert reference in found and "1 stagiaire" in words(found)
    granted = text(client.get(f"{URL}?campaign={year.campaign_id}&visa=granted"))
    assert "1 stagiaire" in words(granted)
    alerted = text(client.get(f"{URL}?campaign={year.campaign_id}&alertes=1"))
    assert f"{len(year.trainees) - 1} stagiaires" in words(alerted)
    assert all_rows > 0
    # Filters outside their choices are ignored, not an error.
    assert client.get(f"{URL}?campaign={year.campaign_id}&visa=xx&arrived=zz&page=abc").status_code == 200


def test_save_the_follow_up_through_the_page(client, db, login, year):
    from quota_app.audit.models import AuditEvent

    trainee = year.trainees[0]
    login(year.amci)
    page = client.get(f"{URL}stagiaire/{trainee}")
    assert page.status_code == 200 and "Bourse et suivi" in text(page)
    response = client.post(f"{URL}stagiaire/{trainee}/suivi", data=_form(amci_file_number="amci-26-001",
                                                                       comment="Dossier reçu de l'AMCI"))
    assert response.status_code == 303
    row = _row(db, trainee)
    assert (row.stipend_minor, row.amci_file_number, row.visa_status, row.duration_months, row.boarding) == (
        75_000, "AMCI-26-001", "requested", 24, True)
    shown = text(client.get(f"{URL}stagiaire/{trainee}"))
    assert "750,00 MAD" in shown and "Dossier reçu de l'AMCI" in shown
    assert "Suivi du stagiaire mis à jour" in shown   # the history, from the journal
    # Each change in words: the field's name, the amount in dirhams, the visa's state, « Oui ».
    assert "Allocation mensuelle (MAD) : — → 750,00 MAD" in shown
    assert "Visa : Non demandé → Demandé" in shown and "Bourse accordée : — → Oui" in shown
    assert "N° dossier AMCI : — → AMCI-26-001" in shown and "Stipend minor" not in shown
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "amci.followup")) == 1


def test_bad_input_is_a_400_in_french_and_changes_nothing(client, db, login, year):
    trainee = year.trainees[0]
    login(year.manager)
    bad = client.post(f"{URL}stagiaire/{trainee}/suivi", data=_form(
        travel_date="2026-09-20", arrival_date="2026-09-19", visa_status="granted", visa_date="2026-09-01"))
    assert bad.status_code == 400
    assert "La date d'arrivée précède la date de voyage (20/09/2026)." in text(bad)
    for data, message in ((_form(stipend="-3"), "Le montant ne peut pas être négatif."),
                          (_form(stipend="douze"), "Montant attendu en dirhams"),
                          (_form(visa_date="31/02/2026"), "Date invalide"),
                          (_form(abandoned_on="2026-09-01"), "Indiquez le motif de l'abandon."),
                          (_form(situation_6m="employed"), "suit la fin de la formation"),
                          (_form(visa_status="maybe"), "N'est pas un choix valide."),
                          (_form(version=""), "Relisez la page du stagiaire")):
        response = client.post(f"{URL}stagiaire/{trainee}/suivi", data=data)
        assert response.status_code == 400, message
        assert message in text(response), re.findall(r"class=\"error\">([^<]*)", text(response))
    assert _row(db, trainee) is None and _status(db, trainee) == "accepted"


def test_a_stale_version_is_a_409(client, db, login, year):
    trainee = year.trainees[0]
    login(year.amci)
    assert client.post(f"{URL}stagiaire/{trainee}/suivi", data=_form()).status_code == 303
    stale = client.post(f"{URL}stagiaire/{trainee}/suivi", data=_form(visa_status="granted", visa_date="2026-09-01",
                                                                    version="0"))
    assert stale.status_code == 409 and "modifié entre-temps" in text(stale)
    assert _row(db, trainee).visa_status == "requested"


def test_a_visa_refused_on_the_page_frees_the_seat(client, db, login, year):
    trainee = year.trainees[0]
    login(year.amci)
    response = client.post(f"{URL}stagiaire/{trainee}/suivi", data=_form(
        visa_status="refused", visa_date="2026-09-04", comment="Refus du consulat"))
    assert response.status_code == 303
    assert _status(db, trainee) == "not_departed"
    page = text(client.get(f"{URL}stagiaire/{trainee}"))
    assert "ne se modifie plus" in page and "Visa refusé (place libérée)" in page


def test_reenrolment_form(client, db, login, year):
    trainee = year.trainees[0]
    login(year.amci)
    client.post(f"{URL}stagiaire/{trainee}/suivi", data=_form(
        visa_status="granted", visa_date="2026-09-01", arrival_date="2026-09-03", enrolled_on="2026-09-04"))
    assert _status(db, trainee) == "enrolled"
    bad = client.post(f"{URL}stagiaire/{trainee}/reinscription", data={"academic_year": "2027"})
    assert bad.status_code == 400 and "Année de formation attendue au format 2026-2027." in text(bad)
    ok = client.post(f"{URL}stagiaire/{trainee}/reinscription", data={
        "academic_year": "2027-2028", "documents_received_on": "2027-09-15", "result": "Admis en 2e année"})
    assert ok.status_code == 303
    assert "Admis en 2e année" in text(client.get(f"{URL}stagiaire/{trainee}"))


def test_the_forms_need_their_csrf_token(app, client, db, login, year):
    trainee = year.trainees[0]
    login(year.amci)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"{URL}stagiaire/{trainee}/suivi", data=_form()).status_code == 400
        assert client.post(f"{URL}stagiaire/{trainee}/reinscription",
                           data={"academic_year": "2027-2028"}).status_code == 400
        assert 'name="csrf_token"' in text(client.get(f"{URL}stagiaire/{trainee}"))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _row(db, trainee) is None


def test_need_to_know(client, db, login, year):
    outsider = year.w.waiting[0]
    login(year.amci)
    assert client.get(f"{URL}stagiaire/{outsider}").status_code == 404
    assert client.post(f"{URL}stagiaire/{outsider}/suivi", data=_form()).status_code == 404
    assert client.get(f"{URL}stagiaire/999999").status_code == 404
    login(factories.make_user("committee", email="membre@dnfp.ml"))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}stagiaire/{year.trainees[0]}").status_code == 403
    assert _row(db, outsider) is None


def test_alerts_on_the_home_pages(client, db, login, year):
    login(year.amci)
    amci_home = text(client.get("/amci/"))
    assert "Alertes du suivi des stagiaires" in amci_home and "Visa non accordé" in amci_home
    login(year.manager)
    page = text(client.get("/gestion/"))
    assert page.count("Alertes du suivi des stagiaires") == 1 and "Visa non accordé" in page


def test_the_history_shows_dates_and_establishments_as_people_write_them(app):
    from quota_app.amci.followup_queries import _shown

    with app.test_request_context():
        assert _shown("visa_date", "2026-09-01", {}) == "01/09/2026"
        assert _shown("establishment_id", 9, {9: "ISTA-RABAT"}) == "ISTA-RABAT"
        assert _shown("status", "enrolled", {}) == "Inscrit"
        assert _shown("situation_6m", "employed", {}) == "En emploi"
        assert _shown("abandonment_reason", "", {}) == "—"


def test_the_alerts_in_english_on_a_trainee_page(client, db, login, year):
    login(year.amci)
    client.post("/langue", data={"lang": "en", "next": "/"})
    page = words(text(client.get(f"{URL}stagiaire/{year.trainees[0]}")))
    assert "Visa not granted one month before the training (starts on 01/10/2026)." in page
    assert "Visa non accordé" not in page
