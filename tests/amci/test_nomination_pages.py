"""The nominations' pages (/amci/nominations) with the test client: the manager establishes the
list and records a joint committee's answer; the AMCI officer reads, nominated candidates only."""
import html
from datetime import timedelta

import factories
import pytest

from quota_app.amci import views

MOMENT = factories.NOW + timedelta(days=31)


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: MOMENT)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(page: str) -> str:
    """The page's text without its tags, on one line."""
    import re
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _nominations(db, campaign_id):
    from quota_app.amci.models import Nomination
    return db.session.scalars(db.select(Nomination).where(Nomination.campaign_id == campaign_id)
                              .order_by(Nomination.position)).all()


def test_the_manager_establishes_the_list_and_a_second_click_adds_nothing(client, db, login, amci_world):
    w = amci_world()
    login(w.world.manager(db))
    page = text(client.get(f"/amci/nominations/?campaign={w.campaign_id}"))
    assert "Établir la liste nominative" in page
    response = client.post(f"/amci/nominations/{w.campaign_id}/nommer", follow_redirects=True)
    assert response.status_code == 200
    assert f"{len(w.accepted)} candidat(s) ajouté(s)" in text(response)
    again = text(client.post(f"/amci/nominations/{w.campaign_id}/nommer", follow_redirects=True))
    assert "La liste nominative est à jour" in again
    assert len(_nominations(db, w.campaign_id)) == len(w.accepted)
    listing = text(client.get(f"/amci/nominations/?campaign={w.campaign_id}"))
    from quota_app.applications.models import Application
    for application_id in w.accepted:
        assert db.session.get(Application, application_id).reference in listing
    for application_id in w.waiting:
        assert db.session.get(Application, application_id).reference not in listing


def test_a_refusal_recorded_by_hand_needs_a_reason_and_frees_the_seat(client, db, login, amci_world):
    from quota_app.amci.nominations import nominate
    from quota_app.applications.models import Application

    w = amci_world()
    nominate(w.world.manager(db), w.campaign_id, now=MOMENT)
    db.session.commit()
    nomination = _nominations(db, w.campaign_id)[0]
    login(w.world.manager(db))
    url = f"/amci/nominations/fiche/{nomination.id}/decision"
    missing = client.post(url, data={"decision": "refused", "reason": "", "version": nomination.version})
    assert missing.status_code == 400 and "Indiquez le motif" in text(missing)
    assert db.session.get(Application, nomination.application_id).status == "accepted"
    done = client.post(url, data={"decision": "refused", "reason": "Âge hors limite pour l'AMCI",
                                  "version": nomination.version}, follow_redirects=True)
    assert done.status_code == 200 and "La décision est enregistrée" in text(done)
    db.session.expire_all()
    assert db.session.get(Application, nomination.application_id).status == "amci_refused"
    stale = client.post(url, data={"decision": "confirm", "version": "1"})
    assert stale.status_code in (400, 409)


def test_the_amci_officer_reads_nominated_files_only_and_cannot_decide(client, db, login, amci_world):
    from quota_app.amci.nominations import nominate

    w = amci_world()
    nominate(w.world.manager(db), w.campaign_id, now=MOMENT)
    db.session.commit()
    nomination = _nominations(db, w.campaign_id)[0]
    officer = factories.make_user("amci")
    db.session.commit()
    login(officer)
    home = text(client.get("/amci/"))
    assert "Listes nominatives de l'année" in home and w.world.campaign(db).title in home
    page = client.get(f"/amci/nominations/fiche/{nomination.id}")
    assert page.status_code == 200
    assert nomination.application.nina not in text(page)  # no identity number on the page
    assert "Enregistrer la décision" not in text(page)
    assert client.post(f"/amci/nominations/fiche/{nomination.id}/decision",
                       data={"decision": "confirm"}).status_code == 403
    # Not the placement lists: the nominative list only.
    assert client.get(f"/gestion/exports/affectation.xlsx?campaign={w.campaign_id}").status_code == 403


def test_the_managers_home_says_what_to_do_now_with_counts_and_links(client, db, login, amci_world):
    from quota_app.amci.nominations import nominate

    w = amci_world()
    login(w.world.manager(db))
    page = text(client.get("/gestion/"))
    assert "À faire maintenant" in page
    assert f"{len(w.accepted)} acceptation(s) à porter sur la liste nominative AMCI" in words(page)
    nominate(w.world.manager(db), w.campaign_id, now=MOMENT)
    db.session.commit()
    page = text(client.get("/gestion/"))
    assert f"{len(w.accepted)} candidat(s) nommé(s) à transmettre par bordereau" in words(page)
    assert f"/amci/nominations/?campaign={w.campaign_id}" in page
