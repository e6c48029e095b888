"""« Attribuer les dossiers », third reviews, progress, reminders and the phase guard, through
the services (no HTTP): what is written, what is refused in French with nothing written."""
from collections import Counter
from datetime import datetime, timedelta

import factories
import pytest
from admin_helpers import committee_world, events, file_made_eligible_later, live, submit

from quota_app.campaigns import services as campaigns
from quota_app.campaigns.models import Offer
from quota_app.committee import access, services
from quota_app.committee.assignment import AssignmentImpossible
from quota_app.committee.models import ReviewAssignment
from quota_app.errors import InvalidTransition, NotAllowed
from quota_app.notifications.models import OutboxMessage


def rows(db):
    return list(db.session.scalars(db.select(ReviewAssignment).order_by(ReviewAssignment.id)))


def loads(world):
    counts = Counter(a.member_id for a in live() if not a.is_third_review)
    return [counts.get(m.id, 0) for m in world.member_rows if m.active]


def test_assignment_gives_each_file_its_reviewers_balanced_with_codes_and_one_audit_event(db):
    world = committee_world(files=7, members=3)
    run = services.assign_files(world.manager, world.campaign)
    db.session.commit()
    assert run.new == 14 and run.committees[0].files == 7
    for application in world.files:
        reviewers = [a.member_id for a in live(application=application)]
        assert len(reviewers) == 2 and len(set(reviewers)) == 2
    assert max(loads(world)) - min(loads(world)) <= 1
    codes = [a.code for a in rows(db)]
    assert len(set(codes)) == 14 and all(len(c) == 8 and set(c) <= set(access.CODE_ALPHABET) for c in codes)
    assert not any(a.application.reference.replace("-", "") in a.code for a in rows(db))
    [event] = events("committee.assignment.run")
    assert event.actor_id == world.manager_id and event.campaign_id == world.campaign_id
    assert event.after["new"] == 14 and event.after["committees"][str(world.committee_id)]["files"] == 7


def test_never_a_member_with_a_conflict(db):
    world = committee_world(files=6, members=3)
    member = world.member_rows[1]
    for application in world.files[:2]:
        services.record_conflict(world.manager, member, application, "Cousin du candidat")
    services.assign_files(world.manager, world.campaign)
    for application in world.files[:2]:
        assert member.id not in [a.member_id for a in live(application=application)]
    assert len(live()) == 12


def test_the_run_is_deterministic_for_the_committee(db):
    first = committee_world(files=5, members=4)
    services.assign_files(first.manager, first.campaign)
    db.session.rollback()
    services.assign_files(first.manager, first.campaign)
    again = sorted((a.application_id, a.member_id) for a in live())
    db.session.rollback()
    services.assign_files(first.manager, first.campaign)
    assert sorted((a.application_id, a.member_id) for a in live()) == again


def test_files_made_eligible_later_are_added_without_moving_the_others(db):
    world = committee_world(files=4, members=3)
    services.assign_files(world.manager, world.campaign)
    db.session.commit()
    before = {(a.id, a.application_id, a.member_id, a.code) for a in live()}
    late = [file_made_eligible_later(world, n) for n in (1, 2)]
    run = services.assign_files(world.manager, world.campaign)
    db.session.commit()
    assert run.new == 4
    assert before <= {(a.id, a.application_id, a.member_id, a.code) for a in live()}
    for application in late:
        assert len(live(application=application)) == 2
    assert max(loads(world)) - min(loads(world)) <= 1
    assert len(events("committee.assignment.run")) == 2


def test_a_second_click_assigns_nothing_and_says_so(db):
    world = committee_world(files=3, members=2)
    services.assign_files(world.manager, world.campaign)
    db.session.commit()
    with pytest.raises(NotAllowed, match="ont déjà leurs 2 évaluateurs"):
        services.assign_files(world.manager, world.campaign)
    assert len(rows(db)) == 6 and len(events("committee.assignment.run")) == 1


def test_members_who_have_not_signed_or_declared_are_listed_before_anything_is_assigned(db):
    world = committee_world(files=3, members=3, ready=False)
    chair, member, third = world.member_rows
    factories.make_ready(chair)
    from quota_app.committee import reviewing
    reviewing.sign_statement(db.session.get(type(world.manager), member.user_id), world.committee_id)
    with pytest.raises(AssignmentImpossible) as caught:
        services.assign_files(world.manager, world.campaign)
    reasons = caught.value.reasons
    assert caught.value.message == "Aucun dossier n'a été attribué :"
    assert reasons == [
        f"Comité « Comité de sélection » : {services.member_name(member)} n'a pas encore déclaré ses conflits "
        "d'intérêts sur la liste des candidats.",
        f"Comité « Comité de sélection » : {services.member_name(third)} n'a pas encore signé la déclaration "
        "d'impartialité et de confidentialité ni déclaré ses conflits d'intérêts sur la liste des candidats.",
    ]
    assert rows(db) == [] and events("committee.assignment.run") == []
    assert services.assignment_preview(world.campaign).blockers == reasons


def test_a_deactivated_member_who_never_signed_does_not_block(db):
    world = committee_world(files=2, members=3)
    latecomer = factories.add_committee_member(world.committee)
    services.deactivate_member(world.manager, latecomer, "Parti en mission")
    assert services.assign_files(world.manager, world.campaign).new == 4


@pytest.mark.parametrize("phase", ["screening", "deliberation"])
def test_files_are_assigned_only_in_the_evaluation_phase(db, phase):
    campaign = factories.make_campaign(phase)
    if phase == "screening":
        factories.make_committee(campaign, members=2)
    count = len(rows(db))
    with pytest.raises(AssignmentImpossible) as caught:
        services.assign_files(factories.make_user("manager"), campaign)
    assert caught.value.reasons[0].startswith("Les dossiers s'attribuent en phase « Évaluation par le comité »")
    assert len(rows(db)) == count


def test_too_few_members_is_said_in_french_and_nothing_is_written(db):
    world = committee_world(files=3, members=2, reviewers_per_file=3)
    with pytest.raises(AssignmentImpossible) as caught:
        services.assign_files(world.manager, world.campaign)
    assert caught.value.reasons == [
        "Le comité n'a que 2 membres actifs ; il en faut au moins 3 pour donner 3 évaluateurs à chaque dossier."]
    assert rows(db) == [] and events("committee.assignment.run") == []


def test_too_many_conflicts_on_a_file_names_the_file(db):
    world = committee_world(files=3, members=2)
    target = world.files[1]
    services.record_conflict(world.manager, world.member_rows[0], target, "Sa sœur")
    with pytest.raises(AssignmentImpossible) as caught:
        services.assign_files(world.manager, world.campaign)
    assert caught.value.reasons == [
        f"Le dossier {target.reference} n'a que 1 évaluateur possible sans conflit d'intérêts ; il en faut 2."]
    assert rows(db) == []


def test_sector_committees_and_files_that_no_committee_is_in_charge_of(db):
    from quota_app.reference.models import Sector

    campaign = factories.make_campaign("screening", files=("eligible", "eligible"))
    sector_of_files = db.session.get(Offer, campaign.offers[0].id).programme.sector_id
    others = db.session.scalars(db.select(Sector).where(Sector.id != sector_of_files).order_by(Sector.id)).all()
    first = factories.make_committee(campaign, members=2, sector=others[0], name="Comité A")
    factories.make_committee(campaign, members=2, sector=others[1], name="Comité B")
    manager = factories.make_user("manager")
    campaigns.transition(campaign, "review", manager, campaign.closes_at)
    with pytest.raises(AssignmentImpossible) as caught:
        services.assign_files(manager, campaign)
    assert caught.value.reasons == ["2 dossier(s) recevable(s) ne relèvent d'aucun comité : créez un comité pour "
                                    "leur secteur ou un comité pour toute la campagne."]
    assert access.files_in_charge(first) == [] and rows(db) == []
    assert "2 dossier(s) recevable(s) ne relèvent d'aucun comité de sélection" in " ".join(
        campaigns.phase_moves(campaign, campaign.closes_at)[0].reasons)


def test_a_sector_committee_gets_the_files_of_its_sector(db):
    campaign = factories.make_campaign("screening", files=("eligible", "eligible", "eligible"))
    sector = factories.first(Offer, campaign_id=campaign.id).programme.sector
    general = factories.make_committee(campaign, members=2, name="Comité général")
    mine = factories.make_committee(campaign, members=2, sector=sector, name="Comité du secteur")
    manager = factories.make_user("manager")
    campaigns.transition(campaign, "review", manager, campaign.closes_at)
    run = services.assign_files(manager, campaign)
    assert {r.committee.id: r.new for r in run.committees} == {mine.id: 6}
    assert {a.member.committee_id for a in live()} == {mine.id}
    assert services.committee_summary(general).files == 0 and services.committee_summary(mine).files == 3


def test_codes_drawn_in_bulk_avoid_the_stored_ones(db, monkeypatch):
    world = committee_world(files=2, members=2)
    services.assign_files(world.manager, world.campaign)
    taken = rows(db)[0].code
    # The first draw gives the stored code twice (token bytes are alphabet positions), the next one two others.
    draws = iter([bytes(access.CODE_ALPHABET.index(c) for c in taken) * 2, bytes(range(16))])
    monkeypatch.setattr(services.secrets, "token_bytes", lambda n: next(draws)[:n] if n <= 16 else bytes(n))
    codes = services.new_codes(2)
    assert taken not in codes and len(codes) == 2 and len(set(codes)) == 2
    assert services._codes_taken({taken, "ZZZZZZZZ"}) == {taken}


# --- third reviews ------------------------------------------------------------------------

def test_third_review_goes_to_a_free_member_without_conflict_and_only_once(db):
    world = committee_world(files=3, members=4)
    services.assign_files(world.manager, world.campaign)
    application = world.files[0]
    on_file = {a.member_id for a in live(application=application)}
    free = [m for m in world.member_rows if m.id not in on_file]
    services.record_conflict(world.manager, free[0], application, "Voisin")
    third = services.assign_third_review(application, world.committee)
    assert third.is_third_review and third.status == "pending" and third.member_id == free[1].id
    assert services.assign_third_review(application, world.committee).id == third.id
    [event] = events("committee.third_review.assign")
    assert event.actor_id is None and event.after["member_id"] == free[1].id


def test_third_review_impossible_is_said_in_french(db):
    world = committee_world(files=2, members=2)
    services.assign_files(world.manager, world.campaign)
    with pytest.raises(AssignmentImpossible, match="troisième évaluation du dossier"):
        services.assign_third_review(world.files[0], world.committee)


# --- progress -----------------------------------------------------------------------------

def test_progress_per_member_and_per_file(db):
    world = committee_world(files=3, members=3, score_gap_threshold=4)
    services.assign_files(world.manager, world.campaign)
    application = world.files[0]
    first, second = live(application=application)
    submit(first, "8")
    submit(second, "15")
    services.assign_third_review(application, world.committee)
    by_member = {p.member.id: p for p in services.member_progress(world.committee)}
    assert sum(p.assigned for p in by_member.values()) == 6
    assert by_member[first.member_id].scored == 1 and by_member[second.member_id].scored == 1
    assert sum(p.third for p in by_member.values()) == 1
    assert sum(p.pending for p in by_member.values()) == 5
    page = services.file_rows(world.committee, world.files)
    assert [r.submitted for r in page] == [2, 0, 0]
    assert page[0].flagged and "troisième évaluation attribuée" in page[0].gap_message
    assert len(page[0].reviews) == 3 and page[0].reviews[-1].third


def test_files_are_searched_by_reference_and_name(db):
    world = committee_world(files=3, members=2)
    target = world.files[1]
    found = db.session.scalars(services.files_statement(world.committee, target.reference)).all()
    assert found == [target]
    by_name = db.session.scalars(services.files_statement(
        world.committee, f"{target.last_name} {target.first_names}")).all()
    assert target in by_name
    assert db.session.scalars(services.files_statement(world.committee, "Inexistant")).all() == []
    assert len(db.session.scalars(services.files_statement(world.committee)).all()) == 3


# --- reminders ----------------------------------------------------------------------------

def reminders(db):
    return db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.subject.startswith("Rappel"))).all()


def test_reminders_go_once_a_day_to_late_members_with_the_deadline(db):
    world = committee_world(files=2, members=3)
    world.committee.scoring_deadline = datetime(2026, 7, 15, 18, 0)
    services.assign_files(world.manager, world.campaign)
    late_member = world.member_rows[0]
    for assignment in live():
        if assignment.member_id != late_member.id:
            submit(assignment)
    now = datetime(2026, 7, 10, 9, 0)
    result = services.send_reminders(world.manager, world.committee, now=now)
    db.session.commit()
    assert result.sent == [services.member_name(late_member)] and result.already == []
    [message] = reminders(db)
    assert message.to_email == late_member.user.email and message.user_id == late_member.user_id
    assert "15/07/2026 à 18:00" in message.body and "dossier(s) à noter" in message.body
    [event] = events("committee.reminder")
    assert event.object_id == str(late_member.id) and event.actor_id == world.manager_id
    with pytest.raises(NotAllowed, match="déjà été envoyé aujourd'hui"):
        services.send_reminders(world.manager, world.committee, now=now + timedelta(hours=5))
    assert len(reminders(db)) == 1
    services.send_reminders(world.manager, world.committee, now=now + timedelta(days=1))
    assert len(reminders(db)) == 2


def test_no_reminder_without_late_members(db):
    world = committee_world(files=1, members=2)
    with pytest.raises(NotAllowed, match="Aucun membre n'a de déclaration ni de dossier en attente"):
        services.send_reminders(world.manager, world.committee)
    assert events("committee.reminder") == []


def test_members_who_have_not_signed_or_declared_are_reminded_before_assignment(db):
    world = committee_world(files=2, members=2, ready=False)
    result = services.send_reminders(world.manager, world.committee)
    db.session.commit()
    assert len(result.sent) == 2
    assert all("déclarez vos conflits d'intérêts" in m.body and "déclaration à faire" in m.subject
               for m in reminders(db))


# --- the phase guard « évaluation → délibération » ------------------------------------------

def reasons_to_deliberate(world):
    return next(m for m in campaigns.phase_moves(world.campaign, world.campaign.closes_at)
                if m.target == "deliberation").reasons


def test_the_guard_lists_what_blocks_the_deliberation(db):
    world = committee_world(files=3, members=3, score_gap_threshold=4)
    assert reasons_to_deliberate(world) == ["Aucun dossier n'a été attribué aux évaluateurs."]
    services.assign_files(world.manager, world.campaign)
    late = file_made_eligible_later(world, 7)
    first, second = live(application=world.files[0])
    submit(first, "6")
    submit(second, "16.5")
    assert reasons_to_deliberate(world) == [
        "1 dossier(s) recevable(s) n'ont pas encore leurs 2 évaluateurs.",
        "4 évaluation(s) attribuée(s) ne sont pas encore notées.",
        "1 dossier(s) signalé(s) pour un écart de notes n'ont pas de troisième évaluation.",
    ]
    services.assign_files(world.manager, world.campaign)
    services.assign_third_review(world.files[0], world.committee)
    for assignment in live():
        if assignment.status == "pending":
            submit(assignment, "12")
    assert reasons_to_deliberate(world) == []
    db.session.commit()
    campaigns.transition(world.campaign, "deliberation", world.manager, world.campaign.closes_at)
    assert world.campaign.phase == "deliberation" and late.status == "eligible"


def test_the_guard_counts_no_withdrawn_review_and_asks_for_a_chair(db):
    world = committee_world(files=2, members=3)
    services.assign_files(world.manager, world.campaign)
    for assignment in live():
        submit(assignment)
    member = next(m for m in world.member_rows if m.role != "chair" and live(member=m))
    services.record_conflict(world.manager, member, live(member=member)[0].application, "Son neveu")
    assert reasons_to_deliberate(world) == ["1 évaluation(s) attribuée(s) ne sont pas encore notées."]
    chair = world.member_rows[0]
    chair.role = "member"
    db.session.flush()
    assert "1 comité(s) n'ont pas de président pour ouvrir la délibération." in reasons_to_deliberate(world)
    with pytest.raises(InvalidTransition):
        campaigns.transition(world.campaign, "deliberation", world.manager, world.campaign.closes_at)


def test_a_committee_with_no_file_to_assign_does_not_hold_the_others_up(db):
    """A sector committee set up before any file of its sector is eligible: its unsigned member
    blocks nothing; the committee that has files gets them."""
    from quota_app.reference.models import Sector

    world = committee_world(files=3, members=3)
    empty = Sector(code="VIDE", name="Secteur sans dossier")
    db.session.add(empty)
    db.session.flush()
    idle = factories.make_committee(world.campaign, members=1, chair=False, sector=empty, ready=False)
    assert services.assign_files(world.manager, world.campaign).new == 6
    assert [r for r in rows(db) if r.member.committee_id == idle.id] == []


def test_a_file_withdrawn_by_its_applicant_leaves_its_reviewers(db):
    """The applicant withdraws before the deliberation: nobody is left asked to score the file."""
    from quota_app.applications import services as applications
    from quota_app.applications.models import Application

    world = committee_world(files=2, members=3)
    services.assign_files(world.manager, world.campaign)
    db.session.commit()
    application = db.session.get(Application, live()[0].application_id)
    applications.withdraw(application.applicant.user, application)
    db.session.commit()
    assert application.status == "withdrawn" and live(application=application) == []
    withdrawn = [e for e in events("committee.assignment.withdraw") if e.after["application_id"] == application.id]
    assert len(withdrawn) == 2 and {e.reason for e in withdrawn} == {services.APPLICANT_WITHDREW}
    assert all(p.pending <= 1 for p in services.member_progress(world.committee))
