"""The managers' placement pages (/gestion/affectation) with the test client, on a campaign whose
placements are really published (factories.make_campaign("published")) or published here
through HTTP: every page renders, French refusals change nothing, decreases and the publication
are confirmed first, actions are CSRF-protected forms."""
import html
import re
from datetime import datetime, timedelta

import factories
import pytest

from quota_app.applications.models import Application
from quota_app.audit.models import AuditEvent
from quota_app.campaigns.models import Campaign, Offer, OfferSeatChange
from quota_app.notifications.models import OutboxMessage
from quota_app.placement import manage_views
from quota_app.placement.models import AllocationRound, Placement, WaitingListEntry

BASE = "/gestion/affectation"
# The factories' campaigns close on NOW + 30 days and ask for answers by NOW + 60 days: the pages
# act in between (the services get the view's clock).
MOMENT = factories.NOW + timedelta(days=31)


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    monkeypatch.setattr(manage_views, "utcnow", lambda: MOMENT)


@pytest.fixture
def manager(db, login):
    user = factories.make_user("manager")
    db.session.commit()
    login(user)
    return user


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def events(db, action: str) -> list:
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


def only_offer(db, campaign) -> Offer:
    return db.session.scalars(db.select(Offer).filter_by(campaign_id=campaign.id)).one()


def placements(db, campaign, status=None) -> list[Placement]:
    statement = (db.select(Placement).join(AllocationRound, AllocationRound.id == Placement.round_id)
                 .where(AllocationRound.campaign_id == campaign.id).order_by(Placement.id))
    if status is not None:
        statement = statement.where(Placement.status == status)
    return list(db.session.scalars(statement))


def waiting(db, offer, active=True) -> list[WaitingListEntry]:
    return list(db.session.scalars(db.select(WaitingListEntry).filter_by(offer_id=offer.id, active=active)
                                   .order_by(WaitingListEntry.position)))


@pytest.fixture
def published(db, manager):
    """Five files for three seats (two reserved to women): three offered, two waiting."""
    campaign = factories.make_campaign("published", files=("eligible",) * 5, seats=3)
    db.session.commit()
    return campaign


# --- the overview ---------------------------------------------------------------------------

def test_the_overview_of_a_published_campaign(client, db, published):
    offer = only_offer(db, published)
    page = text(client.get(f"{BASE}/?campaign={published.id}"))
    assert "Affectation des candidats" in page and published.title in page
    assert "Candidats affectés (place proposée ou acceptée)" in page and "Candidats en liste d'attente" in page
    totals = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert totals["Candidats affectés (place proposée ou acceptée)"] == "3"
    assert totals["Places proposées en attente de réponse"] == "3"
    assert totals["Candidats en liste d'attente"] == "2" and totals["Places libres"] == "0"
    assert f'href="{BASE}/{published.id}/offres/{offer.id}"' in page
    assert f'href="{BASE}/pv/{published.id}"' in page
    assert "Publier les affectations" not in page
    # The newest campaign is the default one.
    assert published.title in text(client.get(f"{BASE}/"))


def test_the_overview_before_publication_lists_what_blocks_it(client, db, manager):
    campaign = factories.make_campaign("deliberation", files=("eligible",) * 2, seats=2)
    page = text(client.get(f"{BASE}/?campaign={campaign.id}"))
    assert "Ce qu'il reste à faire avant de publier" in page
    assert "La délibération n'a pas été validée par le président du comité." in page
    assert f"/gestion/affectation/simulations/{campaign.id}" in page
    assert f'href="{BASE}/{campaign.id}/publier"' not in page
    assert "Date limite de réponse du tour 1" in page and 'name="answer_hours"' in page
    page = text(client.get(f"{BASE}/{campaign.id}/publier"))
    assert "La publication est bloquée" in page and "Confirmer la publication" not in page
    response = client.post(f"{BASE}/{campaign.id}/publier", data={"version": str(campaign.version)},
                           follow_redirects=True)
    assert "La délibération n'a pas été validée par le président du comité." in text(response)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).phase == "deliberation"
    assert db.session.scalars(db.select(AllocationRound).filter_by(campaign_id=campaign.id)).all() == []


def test_publish_through_http_after_a_confirmation(client, db, manager):
    campaign = factories.make_campaign("deliberation", files=("eligible",) * 3, seats=2)
    factories._before_publication(campaign, None)
    db.session.commit()
    page = text(client.get(f"{BASE}/?campaign={campaign.id}"))
    assert "Tout est prêt : 3 dossier(s) évalué(s) seront affectés" in page
    assert f'href="{BASE}/{campaign.id}/publier"' in page
    page = text(client.get(f"{BASE}/{campaign.id}/publier"))
    assert "Confirmez-vous la publication des affectations" in page and "Confirmer la publication" in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    # A stale page (the campaign changed meanwhile) publishes nothing.
    page = text(client.post(f"{BASE}/{campaign.id}/publier", data={"version": str(int(version) - 1)},
                            follow_redirects=True))
    assert "La campagne a été modifiée entre-temps" in page
    assert db.session.scalars(db.select(AllocationRound).filter_by(campaign_id=campaign.id)).all() == []
    response = client.post(f"{BASE}/{campaign.id}/publier", data={"version": version})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/?campaign={campaign.id}")
    page = text(client.get(response.headers["Location"]))
    assert "Les affectations sont publiées (tour 1)" in page and "Où en est l'affectation" in page
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).phase == "published"
    assert len(placements(db, campaign)) == 2
    assert len(db.session.scalars(db.select(AllocationRound).filter_by(campaign_id=campaign.id)).all()) == 1
    assert events(db, "placement.publish") and events(db, "campaign.phase")[-1].after == {"phase": "published"}
    # The messages of round 1 left from the queue (immediate in tests): one per file.
    files = db.session.scalars(db.select(Application).filter_by(campaign_id=campaign.id)).all()
    told = db.session.scalars(db.select(OutboxMessage)).all()
    assert len(told) >= len(files)
    # Twice changes nothing.
    page = text(client.post(f"{BASE}/{campaign.id}/publier", data={"version": version}, follow_redirects=True))
    assert len(db.session.scalars(db.select(AllocationRound).filter_by(campaign_id=campaign.id)).all()) == 1


def test_answer_settings_with_french_errors(client, db, manager):
    campaign = factories.make_campaign("deliberation", files=("eligible",), seats=2)
    url = f"{BASE}/{campaign.id}/delais"
    before = (campaign.decision_deadline, campaign.waiting_list_answer_hours)
    page = text(client.post(url, data={"decision_deadline": "31/02/2026 25:00", "answer_hours": "48",
                                       "version": str(campaign.version)}))
    assert "Date et heure invalides : utilisez le format jj/mm/aaaa hh:mm" in page
    page = text(client.post(url, data={"decision_deadline": "15/08/2026 18:00", "answer_hours": "douze",
                                       "version": str(campaign.version)}))
    assert "Saisissez un nombre entier." in page
    page = text(client.post(url, data={"decision_deadline": "15/08/2026 18:00", "answer_hours": "48",
                                       "version": str(campaign.version - 1)}))
    assert "La campagne a été modifiée entre-temps" in page
    page = text(client.post(url, data={"decision_deadline": "01/06/2026 18:00", "answer_hours": "48",
                                       "version": str(campaign.version)}))
    assert "La date limite de réponse doit être dans le futur." in page
    db.session.expire_all()
    assert (db.session.get(Campaign, campaign.id).decision_deadline,
            db.session.get(Campaign, campaign.id).waiting_list_answer_hours) == before
    response = client.post(url, data={"decision_deadline": "15/08/2026 18:00", "answer_hours": "48",
                                      "version": str(campaign.version)})
    assert response.status_code == 302
    assert "Les délais de réponse sont enregistrés." in text(client.get(response.headers["Location"]))
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert (campaign.decision_deadline, campaign.waiting_list_answer_hours) == (datetime(2026, 8, 15, 18, 0), 48)


def test_after_publication_only_the_waiting_lists_delay_changes(client, db, published):
    page = text(client.get(f"{BASE}/?campaign={published.id}"))
    assert 'name="answer_hours"' in page and 'name="decision_deadline"' not in page
    deadline = published.decision_deadline
    response = client.post(f"{BASE}/{published.id}/delais", data={"answer_hours": "24",
                                                                   "version": str(published.version)})
    assert response.status_code == 302
    db.session.expire_all()
    campaign = db.session.get(Campaign, published.id)
    assert (campaign.waiting_list_answer_hours, campaign.decision_deadline) == (24, deadline)


# --- one offer ------------------------------------------------------------------------------

def test_the_offer_page_shows_counts_cutoffs_waiting_list_and_room(client, db, published):
    offer = only_offer(db, published)
    page = text(client.get(f"{BASE}/{published.id}/offres/{offer.id}"))
    assert f"Offre {offer.code}" in page
    assert "Places ouvertes" in page and "Places réservées aux candidates" in page
    assert "Derniers admis au tour 1" in page and "12,50" in page
    assert "En attente (2)" in page and "Sortis de la liste (0)" in page
    for entry in waiting(db, offer):
        application = db.session.get(Application, entry.application_id)
        assert application.reference in page
    assert "Femme" in page and "Liste d'attente" in page
    assert "Aucun changement de places depuis la publication." in page
    assert "0 place(s) ouverte(s) et 0 place(s) réservée(s) peuvent être retirées" in page
    assert 'name="reason"' in page and "Modifier les places" in page


def test_the_waiting_list_is_paginated_and_searchable(app, client, db, published, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    offer = only_offer(db, published)
    first, second = waiting(db, offer)
    refs = [db.session.get(Application, e.application_id).reference for e in (first, second)]
    url = f"{BASE}/{published.id}/offres/{offer.id}"
    page = text(client.get(url))
    assert refs[0] in page and refs[1] not in page and "Page 1 sur 2" in page
    page = text(client.get(url, query_string={"page": 2}))
    assert refs[1] in page and refs[0] not in page
    page = text(client.get(url, query_string={"q": refs[1]}))
    assert refs[1] in page and refs[0] not in page
    page = text(client.get(url, query_string={"q": "Inconnu"}))
    assert "Aucun dossier ne correspond." in page


def test_added_seats_go_to_the_waiting_list_and_the_ledger_shows_it(client, db, published, manager):
    offer = only_offer(db, published)
    url = f"{BASE}/{published.id}/offres/{offer.id}/places"
    response = client.post(url, data={"seats": "4", "reserved": "2", "reason": "Courrier OFPPT n° 12",
                                      "version": str(offer.version)})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Les places de l'offre sont modifiées et inscrites au registre." in page
    assert "Courrier OFPPT n° 12" in page and "3 → 4" in page and manager.full_name in page
    assert "En attente (1)" in page and "Sortis de la liste (1)" in page
    left = text(client.get(f"{BASE}/{published.id}/offres/{offer.id}", query_string={"liste": "quittee"}))
    assert "Une place lui a été proposée sur cette offre" in left
    db.session.expire_all()
    assert len(placements(db, published, status="offered")) == 4


def test_seat_changes_refused_in_french_change_nothing(client, db, published):
    offer = only_offer(db, published)
    url = f"{BASE}/{published.id}/offres/{offer.id}/places"
    version = str(offer.version)
    page = text(client.post(url, data={"seats": "4", "reserved": "2", "reason": "", "version": version}))
    assert "Indiquez le motif du changement de places." in page
    page = text(client.post(url, data={"seats": "quatre", "reserved": "2", "reason": "OFPPT", "version": version}))
    assert "Saisissez un nombre entier." in page
    # Below the seats held: refused at once (nothing to confirm), with how many can go.
    page = text(client.post(url, data={"seats": "2", "reserved": "1", "reason": "OFPPT", "version": version}))
    assert "Des places proposées ou acceptées ne peuvent pas être retirées." in page
    assert "0 place(s) ouverte(s) et 0 place(s) réservée(s) peuvent être retirées" in page
    page = text(client.post(url, data={"seats": "4", "reserved": "2", "reason": "OFPPT",
                                       "version": str(offer.version - 1)}))
    assert "Cette offre a été modifiée entre-temps" in page
    page = text(client.post(url, data={"seats": "3", "reserved": "4", "reason": "OFPPT", "version": version}))
    assert "Les places réservées ne peuvent pas dépasser le nombre de places." in page
    db.session.expire_all()
    offer = db.session.get(Offer, offer.id)
    assert (offer.seats, offer.reserved_seats) == (3, 2)
    assert db.session.scalars(db.select(OfferSeatChange)).all() == []
    assert events(db, "offer.seats") == []


def test_a_decrease_is_confirmed_first(client, db, manager):
    # Two files for four seats (two reserved): both placed on open seats, the reserved ones free.
    campaign = factories.make_campaign("published", files=("eligible",) * 2, seats=4)
    offer = only_offer(db, campaign)
    page = text(client.get(f"{BASE}/{campaign.id}/offres/{offer.id}"))
    assert "0 place(s) ouverte(s) et 2 place(s) réservée(s) peuvent être retirées" in page
    url = f"{BASE}/{campaign.id}/offres/{offer.id}/places"
    data = {"seats": "3", "reserved": "1", "reason": "Atelier fermé", "version": str(offer.version)}
    page = text(client.post(url, data=data))
    assert "Confirmez-vous le retrait de ces places ?" in page and "4 → 3" in page
    assert 'name="confirmed" value="1"' in page
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).seats == 4
    response = client.post(url, data={**data, "confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    offer = db.session.get(Offer, offer.id)
    assert (offer.seats, offer.reserved_seats) == (3, 1)
    change = db.session.scalars(db.select(OfferSeatChange)).one()
    assert (change.seats_before, change.seats_after, change.reason) == (4, 3, "Atelier fermé")


def test_the_seats_page_before_publication_says_the_ledger_is_closed(client, db, manager):
    campaign = factories.make_campaign("deliberation", files=("eligible",), seats=2)
    offer = only_offer(db, campaign)
    page = text(client.get(f"{BASE}/{campaign.id}/offres/{offer.id}/places"))
    assert "Le registre des places s'ouvre à la publication des affectations" in page
    page = text(client.post(f"{BASE}/{campaign.id}/offres/{offer.id}/places",
                            data={"seats": "3", "reserved": "1", "reason": "OFPPT", "version": str(offer.version)}))
    assert "Le registre des places s'ouvre à la publication des affectations" in page
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).seats == 2


def test_an_offer_of_another_campaign_is_a_404(client, db, published):
    other = factories.make_campaign("open", seats=2)
    assert client.get(f"{BASE}/{published.id}/offres/{only_offer(db, other).id}").status_code == 404
    assert client.get(f"{BASE}/{published.id}/dossiers/999999").status_code == 404


# --- one file -------------------------------------------------------------------------------

def test_the_file_page_of_a_placed_and_of_a_waiting_candidate(client, db, published):
    offer = only_offer(db, published)
    placed = placements(db, published)[0]
    page = text(client.get(f"{BASE}/{published.id}/dossiers/{placed.application_id}"))
    assert "Places proposées et réponses" in page and "Tour 1" in page and "Publication des affectations" in page
    assert "Proposée, en attente de réponse" in page and offer.code in page
    assert "Prolonger le délai de réponse" in page and 'name="deadline"' in page
    entry = waiting(db, offer)[0]
    page = text(client.get(f"{BASE}/{published.id}/dossiers/{entry.application_id}"))
    assert "en attente, rang 1 (0 candidat(s) devant)" in page
    assert "Dernier admis sur places ouvertes" in page
    assert "Aucune place proposée à ce dossier." in page and 'name="deadline"' not in page


def test_extend_a_deadline_with_a_reason(client, db, published):
    placement = placements(db, published)[0]
    before = placement.deadline
    url = f"{BASE}/{published.id}/dossiers/{placement.application_id}/prolonger/{placement.id}"
    version = str(placement.version)
    page = text(client.post(url, data={"deadline": "32/13/2026 10:00", "reason": "Hospitalisé", "version": version}))
    assert "Date et heure invalides : utilisez le format jj/mm/aaaa hh:mm" in page
    page = text(client.post(url, data={"deadline": "10/08/2026 18:00", "reason": "  ", "version": version}))
    assert "Indiquez le motif de la prolongation." in page
    page = text(client.post(url, data={"deadline": "01/07/2026 18:00", "reason": "Hospitalisé", "version": version}))
    assert "La nouvelle date limite doit être postérieure" in page
    page = text(client.post(url, data={"deadline": "10/08/2026 18:00", "reason": "Hospitalisé",
                                       "version": str(placement.version + 1)}))
    assert "Cette affectation a changé entre-temps" in page
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).deadline == before
    assert events(db, "placement.extend") == []
    response = client.post(url, data={"deadline": "10/08/2026 18:00", "reason": "Hospitalisé", "version": version})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "La date limite est prolongée au 10/08/2026 18:00" in page and "10/08/2026 18:00" in page
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).deadline == datetime(2026, 8, 10, 18, 0)
    [event] = events(db, "placement.extend")
    assert event.reason == "Hospitalisé"


def test_the_files_list_is_searchable(client, db, published):
    files = db.session.scalars(db.select(Application).filter_by(campaign_id=published.id)
                               .order_by(Application.reference)).all()
    page = text(client.get(f"{BASE}/{published.id}/dossiers"))
    assert "5 dossier(s) classé(s)." in page and all(a.reference in page for a in files)
    page = text(client.get(f"{BASE}/{published.id}/dossiers", query_string={"q": files[2].reference}))
    assert files[2].reference in page and files[0].reference not in page
    page = text(client.get(f"{BASE}/{published.id}/dossiers", query_string={"q": f"{files[3].last_name} {files[3].first_names}"}))
    assert files[3].reference in page


def test_the_rounds_list(client, db, published):
    page = text(client.get(f"{BASE}/{published.id}/tours"))
    assert "Publication (tour 1)" in page and "Publication des affectations" in page
    assert re.search(r"<td>Publication des affectations</td>\s*<td>[^<]*</td><td>[^<]*</td><td>3</td>", page)


# --- protections ----------------------------------------------------------------------------

def test_actions_are_csrf_protected(app, client, db, manager, monkeypatch):
    campaign = factories.make_campaign("deliberation", files=("eligible",) * 2, seats=2)
    factories._before_publication(campaign, None)
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = text(client.get(f"{BASE}/{campaign.id}/publier"))
    form = re.search(r'<form method="post" action="/gestion/affectation/\d+/publier"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert form and 'name="csrf_token"' in form.group(1)
    response = client.post(f"{BASE}/{campaign.id}/publier", data={"version": str(campaign.version)})
    assert response.status_code in (302, 400)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).phase == "deliberation"
    assert 'name="csrf_token"' in text(client.get(f"{BASE}/?campaign={campaign.id}"))


def test_other_roles_are_refused(client, db, login, published):
    member = factories.make_user("committee")
    db.session.commit()
    login(member)
    assert client.get(f"{BASE}/?campaign={published.id}").status_code == 403
    assert client.post(f"{BASE}/{published.id}/publier", data={}).status_code == 403
