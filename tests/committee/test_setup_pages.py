"""The managers' committee pages, set-up side, with the test client: French messages, nothing
saved on refusal, confirmation before deactivating, a second click that changes nothing."""
import re

import factories
import pytest
from admin_helpers import committee_world, events, live, text

from quota_app.committee.models import Committee, CommitteeMember, ConflictOfInterest


@pytest.fixture
def world(db):
    return committee_world(files=3, members=3)


@pytest.fixture
def manager(world, login):
    login(world.manager)
    return world.manager


def test_the_menu_leads_managers_to_the_committees(client, manager, world):
    page = text(client.get("/gestion/comites/"))
    assert "Comités de sélection" in page and "Comité de sélection" in page and "3 membre(s) actif(s)" in page
    assert 'href="/gestion/comites/"' in text(client.get("/gestion/"))
    page = text(client.get(f"/gestion/comites/campagnes/{world.campaign_id}"))
    assert "Attribuer les dossiers" in page and "Constituer un comité" in page


def test_create_a_committee_with_french_errors_then_success(client, manager, db):
    campaign = factories.make_campaign("screening")
    url = f"/gestion/comites/campagnes/{campaign.id}/nouveau"
    page = text(client.post(url, data={"name": "", "sector_id": "0"}))
    assert "Ce champ est obligatoire." in page and "Le formulaire contient des erreurs" in page
    assert db.session.scalars(db.select(Committee).filter_by(campaign_id=campaign.id)).all() == []
    response = client.post(url, data={"name": "Comité national", "sector_id": "0", "scoring_deadline": ""})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Le comité est constitué : ajoutez-lui ses membres." in page and "Aucun membre" in page
    page = text(client.post(url, data={"name": "comité national", "sector_id": "0"}))
    assert "Un autre comité de cette campagne porte déjà ce nom." in page
    assert len([e for e in events("committee.create") if e.campaign_id == campaign.id]) == 1


def test_the_committee_page_shows_members_progress_and_actions(client, manager, world):
    page = text(client.get(f"/gestion/comites/{world.committee_id}"))
    chair, member, _third = world.member_rows
    assert chair.user.full_name in page and "Président" in page and "Prêt" in page
    assert f"/gestion/comites/{world.committee_id}/membres/{member.id}/desactiver" in page
    assert f"/gestion/comites/{world.committee_id}/membres/{chair.id}/desactiver" not in page
    assert "Envoyer un rappel aux membres en retard" in page and "Changer de président" in page


def test_add_a_member_from_the_select_of_committee_accounts(client, manager, world, db):
    newcomer = factories.make_user("committee", full_name="Aminata Coulibaly")
    factories.make_user("amci", full_name="Agent Hors Comité")
    url = f"/gestion/comites/{world.committee_id}/membres/ajouter"
    page = text(client.get(url))
    assert "Aminata Coulibaly" in page and "Agent Hors Comité" not in page
    assert client.post(url, data={"user_id": str(newcomer.id)}).status_code == 302
    assert factories.first(CommitteeMember, committee_id=world.committee_id, user_id=newcomer.id).role == "member"
    page = text(client.post(url, data={"user_id": "0"}))
    assert "Ce champ est obligatoire." in page


def test_change_the_chair_with_one_click(client, manager, world, db):
    chair, member, _third = world.member_rows
    url = f"/gestion/comites/{world.committee_id}/president"
    page = text(client.post(url, data={"member_id": str(member.id)}, follow_redirects=True))
    assert "Le président du comité est changé." in page
    db.session.expire_all()
    assert (db.session.get(CommitteeMember, chair.id).role, db.session.get(CommitteeMember, member.id).role) == \
        ("member", "chair")
    page = text(client.post(url, data={}, follow_redirects=True))
    assert "Choisissez le membre qui présidera le comité." in page
    assert len(events("committee.chair.change")) == 1


def test_deactivation_asks_for_confirmation_then_a_second_click_changes_nothing(client, manager, world, db):
    from quota_app.committee import services

    services.assign_files(world.manager, world.campaign)
    db.session.commit()
    member = world.member_rows[1]
    pending = len(live(member=member))
    url = f"/gestion/comites/{world.committee_id}/membres/{member.id}/desactiver"
    page = text(client.get(url))
    assert "Confirmer la désactivation" in page and f"{pending} évaluation(s) en attente seront confiées" in page
    assert db.session.get(CommitteeMember, member.id).active  # the page itself changes nothing
    page = text(client.post(url, data={"reason": ""}))
    assert "Indiquez le motif de la désactivation." in page
    page = text(client.post(url, data={"reason": "Mutation"}, follow_redirects=True))
    assert f"est désactivé : {pending} dossier(s) en attente confiés à d'autres membres." in page
    page = text(client.post(url, data={"reason": "Mutation"}, follow_redirects=True))
    assert "est déjà désactivé : rien n'a changé." in page
    assert len(events("committee.member.deactivate")) == 1
    db.session.expire_all()
    assert live(member=db.session.get(CommitteeMember, member.id)) == []


def test_deactivating_the_chair_is_refused_in_french(client, manager, world):
    chair = world.member_rows[0]
    page = text(client.post(f"/gestion/comites/{world.committee_id}/membres/{chair.id}/desactiver",
                            data={"reason": "Départ"}, follow_redirects=True))
    assert "Le président ne peut pas être désactivé : désignez d'abord un autre président." in page
    assert events("committee.member.deactivate") == []


def test_a_manager_records_a_conflict_by_reference(client, manager, world, db):
    member, application = world.member_rows[2], world.files[0]
    url = f"/gestion/comites/{world.committee_id}/conflits"
    page = text(client.post(url, data={"member_id": str(member.id), "reference": "MLI-0000-999999",
                                       "reason": "Parent"}))
    assert "Aucun dossier de cette campagne ne porte cette référence." in page
    page = text(client.post(url, data={"member_id": str(member.id), "reference": application.reference.lower(),
                                       "reason": "Son frère"}, follow_redirects=True))
    assert "Le conflit d'intérêts est enregistré." in page and "Son frère" in page and "un gestionnaire" in page
    conflict = factories.first(ConflictOfInterest, member_id=member.id)
    assert (conflict.application_id, conflict.source) == (application.id, "manager")


def test_the_committee_of_another_campaign_or_an_unknown_member_is_a_404(client, manager, world):
    assert client.get("/gestion/comites/999999").status_code == 404
    assert client.get(f"/gestion/comites/{world.committee_id}/membres/999999/desactiver").status_code == 404


def test_action_buttons_are_csrf_protected_forms(app, client, manager, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get(f"/gestion/comites/{world.committee_id}").get_data(as_text=True)
    remind = re.search(r'<form method="post" action="/gestion/comites/\d+/rappel"[^>]*>(.*?)</form>', page, re.S)
    assert remind and 'name="csrf_token"' in remind.group(1)
    assert [n for n in re.findall(r'name="([a-z_]+)"', remind.group(1))] == ["csrf_token"]
    response = client.post(f"/gestion/comites/{world.committee_id}/rappel", data={})
    assert response.status_code in (302, 400)
    assert events("committee.reminder") == []
    assert client.post(f"/gestion/comites/campagnes/{world.campaign_id}/attribuer", data={}).status_code in (200, 400)
    assert events("committee.assignment.run") == []


def test_edit_the_committee_keeps_its_values_and_says_what_is_wrong(client, manager, world, db):
    url = f"/gestion/comites/{world.committee_id}/modifier"
    page = text(client.get(url))
    assert 'value="Comité de sélection"' in page and "Toute la campagne (aucun secteur)" in page
    page = text(client.post(url, data={"name": "Comité", "sector_id": "0", "scoring_deadline": "2020-01-01T10:00"}))
    assert "La date limite de notation doit suivre la clôture des candidatures." in page
    response = client.post(url, data={"name": "Comité national", "sector_id": "0", "scoring_deadline": "2026-08-01T18:00"})
    assert response.status_code == 302
    db.session.expire_all()
    committee = db.session.get(Committee, world.committee_id)
    assert committee.name == "Comité national" and committee.scoring_deadline.hour == 18
    assert "01/08/2026 18:00" in text(client.get(f"/gestion/comites/{world.committee_id}"))
