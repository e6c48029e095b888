"""« Attribuer les dossiers », progress per file and reminders, with the test client: the
confirmation page, the blocking reasons in French before anything is assigned, a second click
that changes nothing."""
import factories
import pytest
from admin_helpers import committee_world, events, live, submit, text

from quota_app.committee import services
from quota_app.committee.models import ReviewAssignment


@pytest.fixture
def manager(login, db):
    def log_in(world):
        login(world.manager)
        return world.manager
    return log_in


def count(db):
    return len(db.session.scalars(db.select(ReviewAssignment)).all())


def test_assigning_asks_for_confirmation_then_assigns_then_a_second_click_changes_nothing(client, db, manager):
    world = committee_world(files=4, members=3)
    manager(world)
    url = f"/gestion/comites/campagnes/{world.campaign_id}/attribuer"
    page = text(client.get(url))
    assert "Confirmez-vous l'attribution de 4 dossier(s) ?" in page and "Confirmer l'attribution" in page
    assert count(db) == 0  # the confirmation page writes nothing
    page = text(client.post(url, data={}, follow_redirects=True))
    assert "8 attribution(s) enregistrée(s)." in page
    assert count(db) == 8
    page = text(client.get(url))
    assert "Tous les dossiers recevables ont déjà leurs évaluateurs." in page and "Confirmer l'attribution" not in page
    page = text(client.post(url, data={}, follow_redirects=True))
    assert "Tous les dossiers recevables ont déjà leurs 2 évaluateurs : aucun dossier n'a été attribué." in page
    assert count(db) == 8 and len(events("committee.assignment.run")) == 1


def test_blocking_members_are_listed_before_anything_is_assigned(client, db, manager):
    world = committee_world(files=2, members=2, ready=False)
    manager(world)
    url = f"/gestion/comites/campagnes/{world.campaign_id}/attribuer"
    page = text(client.get(url))
    assert "L'attribution est bloquée" in page and "Confirmer l'attribution" not in page
    for member in world.member_rows:
        assert (f"{services.member_name(member)} n'a pas encore signé la déclaration d'impartialité et de "
                "confidentialité") in page
    page = text(client.post(url, data={}, follow_redirects=True))
    assert "Aucun dossier n'a été attribué :" in page and "n'a pas encore signé la déclaration" in page
    assert count(db) == 0


def test_impossible_numbers_are_said_and_nothing_is_written(client, db, manager):
    world = committee_world(files=2, members=2, reviewers_per_file=3)
    manager(world)
    page = text(client.post(f"/gestion/comites/campagnes/{world.campaign_id}/attribuer", data={},
                            follow_redirects=True))
    assert "Le comité n'a que 2 membres actifs ; il en faut au moins 3 pour donner 3 évaluateurs à chaque dossier." in page
    assert count(db) == 0


def test_assigning_outside_the_evaluation_phase_is_refused(client, db, manager, login):
    campaign = factories.make_campaign("screening", files=("eligible",))
    factories.make_committee(campaign, members=2)
    login(factories.make_user("manager"))
    url = f"/gestion/comites/campagnes/{campaign.id}/attribuer"
    assert "Les dossiers s'attribuent en phase « Évaluation par le comité »" in text(client.get(url))
    page = text(client.post(url, data={}, follow_redirects=True))
    assert "Aucun dossier n'a été attribué :" in page and count(db) == 0


def test_progress_per_file_is_paginated_and_searchable(client, db, manager, app, monkeypatch):
    world = committee_world(files=3, members=2)
    manager(world)
    services.assign_files(world.manager, world.campaign)
    submit(live(application=world.files[0])[0])
    db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    url = f"/gestion/comites/{world.committee_id}/dossiers"
    page = text(client.get(url))
    assert world.files[0].reference in page and world.files[2].reference not in page
    assert "Page 1 sur 2" in page and "1 / 2" in page and "soumise" in page and "en attente" in page
    assert world.files[2].reference in text(client.get(url, query_string={"page": 2}))
    found = text(client.get(url, query_string={"q": world.files[2].reference}))
    assert world.files[2].reference in found and world.files[0].reference not in found
    assert "Aucun dossier ne correspond." in text(client.get(url, query_string={"q": "Personne"}))


def test_the_committee_page_shows_each_members_progress(client, db, manager):
    world = committee_world(files=3, members=3)
    manager(world)
    services.assign_files(world.manager, world.campaign)
    submit(live(member=world.member_rows[0])[0])
    db.session.commit()
    page = text(client.get(f"/gestion/comites/{world.committee_id}"))
    assert "1 soumise(s) sur 6" in page and "Sans leurs évaluateurs" in page


def test_a_reminder_once_a_day(client, db, manager):
    world = committee_world(files=2, members=2)
    manager(world)
    services.assign_files(world.manager, world.campaign)
    db.session.commit()
    url = f"/gestion/comites/{world.committee_id}/rappel"
    page = text(client.post(url, data={}, follow_redirects=True))
    assert "Rappel envoyé à 2 membre(s)" in page
    page = text(client.post(url, data={}, follow_redirects=True))
    assert "Le rappel a déjà été envoyé aujourd'hui aux 2 membre(s) en retard : rien n'a été renvoyé." in page
    assert len(events("committee.reminder")) == 2


def test_the_campaign_page_of_the_phase_lists_what_blocks_the_deliberation(client, db, manager):
    world = committee_world(files=2, members=2)
    manager(world)
    services.assign_files(world.manager, world.campaign)
    db.session.commit()
    page = text(client.get(f"/gestion/campagnes/{world.campaign_id}"))
    assert "4 évaluation(s) attribuée(s) ne sont pas encore notées." in page
