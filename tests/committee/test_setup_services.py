"""Setting a committee up, through the services (no HTTP): committees, members, the chair,
deactivation, conflicts recorded by a manager; each write audited, each refusal in French."""
from datetime import datetime

import factories
import pytest
from admin_helpers import committee_world, events, live, submit

from quota_app.committee import services
from quota_app.committee.models import Committee, CommitteeMember, ConflictOfInterest, Deliberation, Score
from quota_app.errors import NotAllowed, ValidationFailed


def any_sector():
    from quota_app.reference.models import Sector
    return factories.first(Sector)


def errors_of(caught) -> dict:
    return caught.value.errors


# --- committees ---------------------------------------------------------------------------

def test_a_committee_for_the_campaign_then_one_per_sector(db):
    from quota_app.reference.models import Sector

    campaign = factories.make_campaign("screening")
    manager = factories.make_user("manager")
    deadline = datetime(2026, 7, 20, 18, 0)
    general = services.create_committee(manager, campaign, "  Comité national  ", None, deadline)
    sector = db.session.scalars(db.select(Sector).order_by(Sector.id)).first()
    digital = services.create_committee(manager, campaign, "Comité du secteur", sector.id)
    assert (general.name, general.sector_id, general.scoring_deadline) == ("Comité national", None, deadline)
    assert digital.sector_id == sector.id
    [created, _second] = events("committee.create")
    assert created.actor_id == manager.id and created.campaign_id == campaign.id
    assert created.after == {"name": "Comité national", "sector_id": None, "scoring_deadline": deadline.isoformat()}


@pytest.mark.parametrize("name, sector, field, message", [
    ("", None, "name", "Indiquez le nom du comité."),
    ("comité NATIONAL", None, "name", "Un autre comité de cette campagne porte déjà ce nom."),
    ("Autre", None, "sector_id", "Un comité est déjà chargé de toute la campagne."),
    ("Autre", 999_999, "sector_id", "Secteur inconnu."),
])
def test_committee_fields_refused_in_french(db, name, sector, field, message):
    campaign = factories.make_campaign("screening")
    services.create_committee(None, campaign, "Comité national")
    with pytest.raises(ValidationFailed) as caught:
        services.create_committee(None, campaign, name, sector)
    assert errors_of(caught)[field] == message
    assert len(services.campaign_committees(campaign.id)) == 1


def test_a_deadline_before_the_closing_date_is_refused(db):
    campaign = factories.make_campaign("screening")
    with pytest.raises(ValidationFailed) as caught:
        services.create_committee(None, campaign, "Comité", None, campaign.closes_at)
    assert errors_of(caught)["scoring_deadline"] == "La date limite de notation doit suivre la clôture des candidatures."


def test_no_new_committee_once_files_are_assigned_nor_after_the_evaluation(db):
    world = committee_world(files=2, members=2)
    services.assign_files(world.manager, world.campaign)
    with pytest.raises(NotAllowed, match="Des dossiers sont déjà attribués"):
        services.create_committee(world.manager, world.campaign, "Comité bis", any_sector().id)
    published = factories.make_campaign("published")
    with pytest.raises(NotAllowed, match="ses comités ne se constituent plus"):
        services.create_committee(None, published, "Comité tardif")


def test_update_committee_records_only_what_changed(db):
    world = committee_world(files=1, members=2)
    committee = world.committee
    deadline = datetime(2026, 8, 1, 12, 0)
    services.update_committee(world.manager, committee, "Comité renommé", None, deadline)
    services.update_committee(world.manager, committee, "Comité renommé", None, deadline)
    [event] = events("committee.update")
    assert event.before["name"] == "Comité de sélection" and event.after["name"] == "Comité renommé"
    assert committee.scoring_deadline == deadline


# --- members and the chair ----------------------------------------------------------------

def test_members_are_active_committee_accounts_once_each(db):
    campaign = factories.make_campaign("screening")
    committee = factories.make_committee(campaign, members=0, chair=False)
    someone = factories.make_user("committee")
    member = services.add_member(None, committee, someone, chair=True)
    assert member.role == "chair" and member.active
    for user, message in ((factories.make_user("manager"), "Choisissez un compte actif de membre du comité."),
                          (factories.make_user("committee", active=False), "Choisissez un compte actif de membre du comité."),
                          (someone, "Ce compte est déjà membre de ce comité.")):
        with pytest.raises(ValidationFailed) as caught:
            services.add_member(None, committee, user)
        assert errors_of(caught)["user_id"] == message
    with pytest.raises(ValidationFailed) as caught:
        services.add_member(None, committee, factories.make_user("committee"), chair=True)
    assert "déjà un président" in errors_of(caught)["chair"]
    assert [u.id for u in services.candidate_users(committee)] == [
        u.id for u in db.session.scalars(db.select(services.User).where(
            services.User.role == "committee", services.User.is_active_account.is_(True),
            services.User.id != someone.id).order_by(services.User.full_name))]
    assert len(events("committee.member.add")) == 1


def test_changing_the_chair_is_one_audited_action(db):
    world = committee_world(files=1, members=3)
    chair, member, _other = world.member_rows
    services.set_chair(world.manager, world.committee, member)
    db.session.commit()
    assert (chair.role, member.role) == ("member", "chair")
    [event] = events("committee.chair.change")
    assert event.before == {"chair_member_id": chair.id, "chair_user_id": chair.user_id}
    assert event.after == {"chair_member_id": member.id, "chair_user_id": member.user_id}
    with pytest.raises(ValidationFailed) as caught:
        services.set_chair(world.manager, world.committee, member)
    assert errors_of(caught)["member_id"] == "Ce membre est déjà le président du comité."
    assert len(events("committee.chair.change")) == 1


# --- deactivation -------------------------------------------------------------------------

def test_deactivation_moves_pending_files_and_keeps_submitted_reviews(db):
    world = committee_world(files=6, members=4)
    services.assign_files(world.manager, world.campaign)
    leaving = world.member_rows[1]
    held = live(member=leaving)
    submitted, pending = held[0], held[1:]
    submit(submitted, "14")
    db.session.commit()
    moved = services.deactivate_member(world.manager, leaving, "Parti en mission à l'étranger")
    db.session.commit()
    assert not leaving.active and leaving.deactivated_at is not None
    assert [a.id for a in live(member=leaving)] == [submitted.id] and submitted.status == "submitted"
    assert len(moved.moved) == len(pending) and moved.unplaced == []
    for assignment in pending:
        assert assignment.status == "withdrawn" and assignment.withdrawn_reason.startswith("Membre désactivé")
        reviewers = [a.member_id for a in live(application=assignment.application)]
        assert len(reviewers) == 2 and leaving.id not in reviewers[1:] or leaving.id not in reviewers
    for application in world.files:
        assert len([a for a in live(application=application) if not a.is_third_review]) == 2
    [event] = events("committee.member.deactivate")
    assert event.reason == "Parti en mission à l'étranger" and event.after["moved"] == len(pending)
    assert len(events("committee.assignment.withdraw")) == len(pending)
    assert db.session.get(CommitteeMember, leaving.id) is not None  # never deleted


def test_deactivation_refusals_change_nothing(db):
    world = committee_world(files=2, members=3)
    chair, member, _other = world.member_rows
    with pytest.raises(NotAllowed, match="désignez d'abord un autre président"):
        services.deactivate_member(world.manager, chair, "Motif")
    with pytest.raises(ValidationFailed):
        services.deactivate_member(world.manager, member, "  ")
    services.deactivate_member(world.manager, member, "Démission")
    db.session.commit()
    with pytest.raises(NotAllowed, match="est déjà désactivé : rien n'a changé"):
        services.deactivate_member(world.manager, member, "Démission")
    assert len(events("committee.member.deactivate")) == 1


def test_a_deactivated_members_third_review_goes_to_another(db):
    world = committee_world(files=2, members=4)
    services.assign_files(world.manager, world.campaign)
    third = services.assign_third_review(world.files[0], world.committee)
    leaving = db.session.get(CommitteeMember, third.member_id)
    if leaving.role == "chair":
        services.set_chair(world.manager, world.committee,
                           next(m for m in world.member_rows if m.id != leaving.id))
    moved = services.deactivate_member(world.manager, leaving, "Malade")
    assert third.status == "withdrawn"
    [(file_id, taker)] = moved.third_reviews
    assert file_id == world.files[0].id and taker != leaving.id
    thirds = [a for a in live(application=world.files[0]) if a.is_third_review]
    assert [a.member_id for a in thirds] == [taker]


# --- conflicts recorded by a manager ------------------------------------------------------

def test_a_conflict_before_assignment_is_only_recorded(db):
    world = committee_world(files=2, members=3)
    member, application = world.member_rows[1], world.files[0]
    recorded = services.record_conflict(world.manager, member, application, "Son oncle")
    conflict = recorded.conflict
    assert recorded.withdrawn is None
    assert (conflict.source, conflict.declared_by_id, conflict.reason) == ("manager", world.manager_id, "Son oncle")
    [event] = events("committee.conflict.record")
    assert event.after == {"member_id": member.id, "application_id": application.id, "source": "manager"}
    with pytest.raises(ValidationFailed) as caught:
        services.record_conflict(world.manager, member, application, "Encore")
    assert "déjà enregistré" in errors_of(caught)["reference"]
    with pytest.raises(ValidationFailed) as caught:
        services.record_conflict(world.manager, member, world.files[1], "")
    assert errors_of(caught)["reason"] == "Indiquez le motif du conflit d'intérêts."


def test_a_conflict_after_assignment_withdraws_deletes_the_scores_and_reassigns(db):
    world = committee_world(files=4, members=3)
    services.assign_files(world.manager, world.campaign)
    member = world.member_rows[2]
    assignment = live(member=member)[0]
    application = assignment.application
    submit(assignment, "11")  # even a submitted review of a conflicted member must not count
    db.session.commit()
    assert db.session.scalars(db.select(Score).filter_by(assignment_id=assignment.id)).all()
    recorded = services.record_conflict(world.manager, member, application, "Même village, même famille")
    db.session.commit()
    assert assignment.status == "withdrawn" and assignment.withdrawn_at is not None
    assert assignment.weighted_total is None and "Même village" in assignment.withdrawn_reason
    assert db.session.scalars(db.select(Score).filter_by(assignment_id=assignment.id)).all() == []
    reviewers = [a.member_id for a in live(application=application)]
    assert len(reviewers) == 2 and member.id not in reviewers
    assert recorded.withdrawn.replacement_member_id in reviewers
    [event] = events("committee.assignment.withdraw")
    assert event.before["status"] == "submitted" and event.after["status"] == "withdrawn"
    assert event.after["scores_deleted"] == 1 and event.actor_id == world.manager_id
    assert events("committee.assignment.reassign")[0].after["moved"] == [[application.id, reviewers[-1]]]


def test_withdraw_for_conflict_is_what_the_members_side_calls(db):
    world = committee_world(files=2, members=2)
    services.assign_files(world.manager, world.campaign)
    member = world.member_rows[1]
    application = live(member=member)[0].application
    db.session.add(ConflictOfInterest(member_id=member.id, application_id=application.id, source="member",
                                      reason="Ma cousine", declared_by_id=member.user_id))
    db.session.flush()
    withdrawn = services.withdraw_for_conflict(member.user, member, application, "Ma cousine")
    # Two members only: nobody else may take the file; the withdrawal stands and says so.
    assert withdrawn.assignment.status == "withdrawn" and withdrawn.replacement_member_id is None
    assert withdrawn.unplaced and "il reste à attribuer" in withdrawn.unplaced[0]
    assert services.withdraw_for_conflict(member.user, member, application, "Ma cousine") is None
    assert services.committee_summary(world.committee).files_missing_reviews == 1


def test_a_conflict_on_a_third_review_calls_another_third_reviewer(db):
    world = committee_world(files=2, members=4)
    services.assign_files(world.manager, world.campaign)
    application = world.files[0]
    third = services.assign_third_review(application, world.committee)
    member = db.session.get(CommitteeMember, third.member_id)
    recorded = services.record_conflict(world.manager, member, application, "Voisin")
    assert third.status == "withdrawn"
    thirds = [a for a in live(application=application) if a.is_third_review]
    assert [a.member_id for a in thirds] == [recorded.withdrawn.replacement_member_id] != [member.id]


# --- the validation lock ------------------------------------------------------------------

def test_a_validated_deliberation_locks_every_write_of_the_set_up(db):
    world = committee_world(files=2, members=3)
    services.assign_files(world.manager, world.campaign)
    db.session.add(Deliberation(committee_id=world.committee_id, status="validated"))
    db.session.flush()
    committee = db.session.get(Committee, world.committee_id)
    chair, member, other = world.member_rows
    calls = [
        lambda: services.update_committee(world.manager, committee, "Autre nom"),
        lambda: services.add_member(world.manager, committee, factories.make_user("committee")),
        lambda: services.set_chair(world.manager, committee, member),
        lambda: services.deactivate_member(world.manager, other, "Motif"),
        lambda: services.record_conflict(world.manager, member, world.files[0], "Motif"),
        lambda: services.withdraw_for_conflict(world.manager, member, world.files[0], "Motif"),
        lambda: services.assign_third_review(world.files[0], committee),
        lambda: services.send_reminders(world.manager, committee),
    ]
    for call in calls:
        with pytest.raises(NotAllowed, match="La délibération est validée"):
            call()
    with pytest.raises(services.AssignmentImpossible) as caught:
        services.assign_files(world.manager, world.campaign)
    assert any("La délibération est validée" in r for r in caught.value.reasons)
