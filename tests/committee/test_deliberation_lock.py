"""After the validation, no path changes a score, a review, an assignment, a conflict or an
adjustment: one test per write path of the committee (the chair's, the members', the
managers', the score-sheet import), each refused and leaving the database as it was.

The write paths, from `grep "^def " quota_app/committee/*.py` (reads and pure helpers left out):
  deliberating: open_deliberation, set_normalisation, adjust_score, record_session, validate
  reviewing:    declare_conflict, remove_conflict, save_draft, submit_review (write_review)
  io:           import_score_sheet (the member's upload, its confirmation, `flask import score_sheet`)
  services:     create_committee, update_committee, add_member, set_chair, deactivate_member,
                record_conflict, withdraw_for_conflict, assign_files, assign_third_review, send_reminders
"""
import io
from datetime import timedelta
from decimal import Decimal

import factories
import pytest
from deliberation_helpers import SESSION_AT, deliberating_world, open_and_hold, signed_in, user, validate

from quota_app.committee.access import LOCKED
from quota_app.errors import DomainError

D = Decimal


def _fingerprint(db):
    """Everything the committee writes, as plain values: nothing may change after validation."""
    from quota_app.applications.models import Application
    from quota_app.committee.models import (
        Committee, CommitteeMember, ConflictOfInterest, Deliberation, EvaluationResult, ReviewAssignment,
        Score, ScoreAdjustment,
    )
    from quota_app.notifications.models import OutboxMessage

    db.session.expire_all()

    def rows(model, *columns):
        return sorted(tuple(str(getattr(r, c)) for c in columns) for r in db.session.scalars(db.select(model)))

    return {
        "committees": rows(Committee, "id", "name", "sector_id", "scoring_deadline"),
        "members": rows(CommitteeMember, "id", "role", "active"),
        "conflicts": rows(ConflictOfInterest, "id", "member_id", "application_id"),
        "assignments": rows(ReviewAssignment, "id", "member_id", "status", "weighted_total", "comment", "version"),
        "scores": rows(Score, "id", "assignment_id", "criterion_id", "value"),
        "results": rows(EvaluationResult, "id", "application_id", "final_score", "rank", "adjusted"),
        "adjustments": rows(ScoreAdjustment, "id", "application_id", "score_after"),
        "deliberations": rows(Deliberation, "id", "status", "version", "normalised", "held_on", "place"),
        "files": rows(Application, "id", "status"),
        "outbox": rows(OutboxMessage, "id"),
    }


@pytest.fixture
def locked(db):
    """A validated deliberation whose members signed their statement; one of them declared a
    conflict (not finished), the chair adjusted a score; every review submitted with scores."""
    from quota_app.committee import reviewing
    from quota_app.committee.models import CommitteeMember, ReviewAssignment, Score

    world = deliberating_world(3, 3, {0: ("11", "12.5"), 1: ("16", "15"), 2: ("9", "12")},
                               normalise_scores=True)
    campaign = world.campaign
    criteria = {c.code: c for c in campaign.criteria}
    for member in db.session.scalars(db.select(CommitteeMember).where(CommitteeMember.committee_id == world.committee_id)):
        member.statement_signed_at = campaign.closes_at
    for assignment in db.session.scalars(db.select(ReviewAssignment)):
        assignment.scores.append(Score(criterion_id=criteria["dossier"].id, value=D("12")))
        assignment.scores.append(Score(criterion_id=criteria["motivation"].id, value=D("12")))
    db.session.commit()
    open_and_hold(world)
    from quota_app.committee import deliberating
    deliberating.adjust_score(world.chair, world.committee_id, world.file_ids[0], "13", "Vu en séance.")
    db.session.commit()
    # A conflict the member declared before the validation (their declaration not finished).
    member = world.members[2]
    conflict_file = _unassigned_file(db, world, member)
    if conflict_file is not None:
        reviewing.declare_conflict(member, world.committee_id, conflict_file)
        db.session.commit()
    validate(world)
    return {"world": world, "conflict_file": conflict_file, "before": _fingerprint(db)}


def _unassigned_file(db, world, user_):
    from quota_app.committee.models import CommitteeMember, ReviewAssignment

    member = db.session.scalar(db.select(CommitteeMember).where(
        CommitteeMember.committee_id == world.committee_id, CommitteeMember.user_id == user_.id))
    taken = set(db.session.scalars(db.select(ReviewAssignment.application_id).where(
        ReviewAssignment.member_id == member.id)))
    return next((f for f in world.file_ids if f not in taken), None)


def _member(db, world, user_):
    from quota_app.committee.models import CommitteeMember
    return db.session.scalar(db.select(CommitteeMember).where(
        CommitteeMember.committee_id == world.committee_id, CommitteeMember.user_id == user_.id))


def _assignment_of(db, world, user_):
    from quota_app.committee.models import ReviewAssignment
    member = _member(db, world, user_)
    return db.session.scalars(db.select(ReviewAssignment).where(ReviewAssignment.member_id == member.id)
                              .order_by(ReviewAssignment.id)).first()


def _refused(db, locked, call, message=LOCKED):
    with pytest.raises(DomainError) as caught:
        call()
        db.session.flush()
    db.session.rollback()
    if message is not None:
        assert message in caught.value.message or message in " ".join(getattr(caught.value, "reasons", []))
    assert _fingerprint(db) == locked["before"]
    return caught.value


# --- the chair's paths ----------------------------------------------------------------------

def test_the_chair_cannot_adjust_after_validation(db, locked):
    from quota_app.committee import deliberating
    world = locked["world"]
    _refused(db, locked, lambda: deliberating.adjust_score(world.chair, world.committee_id, world.file_ids[1],
                                                           "20", "Après coup."))


def test_the_chair_cannot_change_the_normalisation_after_validation(db, locked):
    from quota_app.committee import deliberating
    world = locked["world"]
    _refused(db, locked, lambda: deliberating.set_normalisation(world.chair, world.committee_id, True))


def test_the_chair_cannot_change_the_session_after_validation(db, locked):
    from quota_app.committee import deliberating
    world = locked["world"]
    _refused(db, locked, lambda: deliberating.record_session(world.chair, world.committee_id, SESSION_AT, "Ailleurs",
                                                             world.member_ids, now=SESSION_AT))


def test_the_chair_cannot_validate_or_open_again(db, locked):
    from quota_app.committee import deliberating
    world = locked["world"]
    _refused(db, locked, lambda: deliberating.validate(world.chair, world.committee_id))
    _refused(db, locked, lambda: deliberating.open_deliberation(world.chair, world.committee_id))


def test_the_chairs_pages_refuse_after_validation(app, db, locked):
    world = locked["world"]
    client = signed_in(app, world.chair_id)
    base = f"/comite/deliberation/{world.committee_id}"
    for url, data in ((f"{base}/dossiers/{world.file_ids[1]}", {"value": "20", "justification": "x"}),
                      (f"{base}/normalisation", {"adopt": "1"}),
                      (f"{base}/seance", {"held_on": "2026-07-06T09:30", "place": "Ailleurs",
                                          "members_present": [str(i) for i in world.member_ids]}),
                      (f"{base}/valider", {"confirm": "y"}), (f"{base}/ouvrir", {})):
        response = client.post(url, data=data)
        assert response.status_code in (200, 302), url
    assert _fingerprint(db) == locked["before"]


# --- the members' paths ---------------------------------------------------------------------

def test_a_member_cannot_save_a_draft_after_validation(db, locked):
    from quota_app.committee import reviewing
    world = locked["world"]
    member = world.members[0]
    assignment = _assignment_of(db, world, member)
    criteria = {c.code: c.id for c in world.campaign.criteria}
    _refused(db, locked, lambda: reviewing.save_draft(member, assignment.id, assignment.version,
                                                      {criteria["dossier"]: "20"}, "Changé."))


def test_a_member_cannot_submit_after_validation(db, locked):
    from quota_app.committee import reviewing
    world = locked["world"]
    member = world.members[0]
    assignment = _assignment_of(db, world, member)
    criteria = {c.code: c.id for c in world.campaign.criteria}
    _refused(db, locked, lambda: reviewing.submit_review(member, assignment.id, assignment.version,
                                                         {criteria["dossier"]: "20", criteria["motivation"]: "20"}))


def test_a_member_cannot_declare_a_conflict_after_validation(db, locked):
    from quota_app.committee import reviewing
    world = locked["world"]
    member = world.members[0]
    _refused(db, locked, lambda: reviewing.declare_conflict(member, world.committee_id, world.file_ids[0], "Voisin"))


def test_a_member_cannot_remove_a_conflict_after_validation(db, locked):
    from quota_app.committee import reviewing
    world = locked["world"]
    if locked["conflict_file"] is None:
        pytest.skip("every file went to that member")
    _refused(db, locked, lambda: reviewing.remove_conflict(world.members[2], world.committee_id,
                                                           locked["conflict_file"]))


def test_the_score_sheet_import_refuses_every_row_after_validation(app, db, locked):
    from quota_app.committee import io as sheets

    world = locked["world"]
    member = world.members[0]
    workbook, _name = sheets.member_sheet(member, world.committee_id)
    db.session.commit()
    before = _fingerprint(db)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    result = sheets.import_score_sheet(world.campaign, data, "feuille.xlsx", member, commit=True)
    db.session.commit()
    assert not result.committed and result.errors
    assert all(LOCKED in str(error.get("message", error)) for error in result.errors)
    after = _fingerprint(db)
    assert after == before


def test_the_score_sheet_page_refuses_after_validation(app, db, locked):
    """Through HTTP: the member uploads their sheet; the dry run refuses each row, nothing changes."""
    from quota_app.committee import io as sheets

    world = locked["world"]
    member = world.members[0]
    workbook, _name = sheets.member_sheet(member, world.committee_id)
    db.session.commit()
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = _fingerprint(db)
    client = signed_in(app, member.id)
    from flask import url_for
    with app.test_request_context():
        url = url_for("committee.score_sheet", committee_id=world.committee_id)
    response = client.post(url, data={"file": (io.BytesIO(buffer.getvalue()), "feuille.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and "/gestion/imports/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True).replace("&#39;", "'")
    assert LOCKED.replace("'", "'") in page.replace("&#34;", '"') or "verrouill" in page
    confirmed = client.post(response.headers["Location"] + "/valider", data={})
    assert confirmed.status_code in (200, 302, 400, 409, 422)
    assert _fingerprint(db) == before


def test_the_import_command_refuses_the_score_sheet_after_validation(app, db, locked, tmp_path):
    """`flask import score_sheet --campaign CODE FILE --commit --actor e-mail`: every row refused."""
    from quota_app.committee import io as sheets

    world = locked["world"]
    member = world.members[0]
    workbook, _name = sheets.member_sheet(member, world.committee_id)
    db.session.commit()
    path = tmp_path / "feuille.xlsx"
    workbook.save(path)
    before = _fingerprint(db)
    result = app.test_cli_runner().invoke(args=["import", "score_sheet", "--campaign", world.campaign.code,
                                                "--commit", "--actor", member.email, str(path)])
    assert result.exit_code == 1, result.output
    assert LOCKED in result.output and "Aucune donnée modifiée" in result.output
    assert _fingerprint(db) == before


# --- the managers' paths --------------------------------------------------------------------

@pytest.fixture
def manager(db):
    return factories.make_user("manager")


def test_a_manager_cannot_rename_the_committee_after_validation(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    _refused(db, locked, lambda: services.update_committee(manager, world.committee, "Nouveau nom"))


def test_a_manager_cannot_add_a_member_after_validation(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    newcomer = factories.make_user("committee")
    before = _fingerprint(db)
    locked = {**locked, "before": before}
    _refused(db, locked, lambda: services.add_member(manager, world.committee, newcomer))


def test_a_manager_cannot_change_the_chair_after_validation(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    _refused(db, locked, lambda: services.set_chair(manager, world.committee, _member(db, world, world.members[0])))


def test_a_manager_cannot_deactivate_a_member_after_validation(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    _refused(db, locked, lambda: services.deactivate_member(manager, _member(db, world, world.members[0]), "Départ"))


def test_a_manager_cannot_record_a_conflict_after_validation(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    _refused(db, locked, lambda: services.record_conflict(manager, _member(db, world, world.members[0]),
                                                          world.files[0], "Parent"))


def test_a_withdrawal_for_conflict_is_refused_after_validation(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    member = world.members[0]
    assignment = _assignment_of(db, world, member)
    _refused(db, locked, lambda: services.withdraw_for_conflict(manager, _member(db, world, member),
                                                                assignment.application, "Parent"))


def test_the_assignment_run_is_refused_after_validation(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    error = _refused(db, locked, lambda: services.assign_files(manager, world.campaign), message=None)
    assert error.message  # French: the phase, and the committee's lock


def test_a_third_review_cannot_be_assigned_after_validation(db, locked):
    from quota_app.committee import services
    world = locked["world"]
    _refused(db, locked, lambda: services.assign_third_review(world.files[1], world.committee))


def test_reminders_are_not_sent_after_validation(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    _refused(db, locked, lambda: services.send_reminders(manager, world.committee))


def test_no_new_committee_once_the_deliberation_began(db, locked, manager):
    from quota_app.committee import services
    world = locked["world"]
    _refused(db, locked, lambda: services.create_committee(manager, world.campaign, "Comité bis"), message=None)


def test_the_validated_scores_stay_what_the_minutes_sealed(db, locked):
    """The proof of the lock as the PV sees it: the stored ranking still hashes to the seal."""
    from quota_app.committee import deliberating
    from quota_app.committee.access import deliberation_of
    from quota_app.documents.canonical import sha256_hex

    world = locked["world"]
    deliberation = deliberation_of(world.committee_id)
    context = deliberating.ranking_context(world.campaign, world.committee, deliberation.minutes_number)
    assert sha256_hex(deliberating.canonical_of_results(world.committee_id, context)) == deliberation.ranking_sha256
    assert SESSION_AT + timedelta(hours=3) == deliberation.validated_at
    assert user(world.chair_id).id == deliberation.validated_by_id
