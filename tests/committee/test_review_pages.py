"""The committee member's pages through HTTP: the statement, the conflicts declaration, the
files to score (drafts, submission, refusals), independence between reviewers, the gap rule,
the validation lock, and committee B's pages answering 404 to a member of committee A."""
from decimal import Decimal

import pytest
from review_helpers import audit_actions, review_world, second_committee, strip_tokens, validate_deliberation

from quota_app.committee.models import ConflictOfInterest, EvaluationResult, ReviewAssignment


def _html(response) -> str:
    return response.get_data(as_text=True)


def _scores(world, dossier="", motivation="", comment="", **extra):
    criteria = world.criteria()
    data = {f"c_{criteria['dossier'].id}": dossier, f"c_{criteria['motivation'].id}": motivation,
            "comment": comment}
    data.update(extra)
    return data


def _post_scores(client, db, world, assignment_id, *, send=False, version=None, **scores):
    assignment = db.session.get(ReviewAssignment, assignment_id)
    db.session.refresh(assignment)
    data = _scores(world, **scores)
    data["version"] = str(version if version is not None else assignment.version)
    data["send" if send else "save"] = "1"
    return client.post(f"/comite/dossiers/{assignment_id}", data=data)


# --- home, statement, conflicts -----------------------------------------------------------

def test_home_says_what_to_do_now(client, login, db):
    world = review_world(n_files=2, n_members=2, signed=False)
    member = world.members[1]
    login(member)
    page = _html(client.get("/comite/"))
    assert "Signer la déclaration d&#39;impartialité" in page or "Signer la déclaration d'impartialité" in page
    assert world.committee.name in page

    assert client.post(f"/comite/{world.committee_id}/declaration", data={}).status_code == 400
    assert db.session.get(type(world.member_rows[1]), world.member_ids[1]).statement_signed_at is None
    response = client.post(f"/comite/{world.committee_id}/declaration", data={"accept": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/comite/{world.committee_id}/conflits")
    again = client.post(f"/comite/{world.committee_id}/declaration", data={"accept": "y"})
    assert again.status_code == 302
    signs = audit_actions("committee.statement.sign")
    assert len(signs) == 1 and signs[0].actor_id == member.id  # a second click changes nothing
    db.session.expire_all()
    assert world.member_rows[1].statement_signed_at is not None

    world.assign(0, 1)
    page = _html(client.get("/comite/"))
    assert "1 dossier(s) à noter" in page
    assert "15/07/2026" in page  # the deadline

    from review_helpers import validate_deliberation
    validate_deliberation(world.committee_id)
    page = _html(client.get("/comite/"))
    assert "Rien à faire pour ce comité." in page  # the deliberation is validated: no stale to-do
    assert "dossier(s) à noter" not in page and "Noter hors ligne" not in page


def test_conflicts_declaration_lists_search_declare_remove_and_finish(client, login, db):
    world = review_world(n_files=3, n_members=2, blind=True, declared=False)
    login(world.members[1])
    url = f"/comite/{world.committee_id}/conflits"
    page = _html(client.get(url))
    for application in world.files:  # name, birth place, region: shown even in blind mode
        assert application.last_name in page and application.birth_place in page
    assert "District de Bamako" in page
    found = _html(client.get(url, query_string={"q": "zoumanigui1"})).lower()
    assert "zoumanigui1" in found and "zoumanigui2" not in found

    target = world.files[1]
    response = client.post(url, data={"application_id": target.id, "reason": "Mon neveu", "action": "declare",
                                      "q": "zou", "page": "1"})
    assert response.status_code == 302 and "q=zou" in response.headers["Location"]
    client.post(url, data={"application_id": target.id, "reason": "", "action": "declare"})
    conflicts = db.session.scalars(db.select(ConflictOfInterest)).all()
    assert [(c.application_id, c.reason, c.source, c.declared_by_id) for c in conflicts] == \
        [(target.id, "Mon neveu", "member", world.members[1].id)]
    assert len(audit_actions("committee.conflict.declare")) == 1

    client.post(url, data={"application_id": target.id, "action": "remove"})
    assert db.session.scalars(db.select(ConflictOfInterest)).all() == []
    client.post(url, data={"application_id": target.id, "reason": "Voisin", "action": "declare"})

    assert client.post(f"{url}/termine", data={}).status_code == 302  # the box must be ticked
    db.session.expire_all()
    assert world.member_rows[1].conflicts_declared_at is None
    assert client.post(f"{url}/termine", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert world.member_rows[1].conflicts_declared_at is not None
    client.post(url, data={"application_id": target.id, "action": "remove"})
    assert len(db.session.scalars(db.select(ConflictOfInterest)).all()) == 1  # refused after the end
    assert "Retirer" not in _html(client.get(url))

    # a file that is not one of the committee's candidates
    other, _assignment = second_committee(world)
    response = client.post(url, data={"application_id": other.file_ids[0], "action": "declare"})
    assert response.status_code == 404


def test_conflict_declared_after_assignment_withdraws_the_file(client, login, db):
    world = review_world(n_files=2, n_members=3)
    mine = world.assign(0, 1)
    world.assign(0, 2)
    login(world.members[1])
    assert client.get(f"/comite/dossiers/{mine.id}").status_code == 200
    client.post(f"/comite/{world.committee_id}/conflits",
                data={"application_id": world.file_ids[0], "reason": "Ma cousine", "action": "declare"})
    db.session.expire_all()
    withdrawn = db.session.get(ReviewAssignment, mine.id)
    assert withdrawn.status == "withdrawn"
    assert client.get(f"/comite/dossiers/{mine.id}").status_code == 404
    assert withdrawn.code not in _html(client.get(f"/comite/{world.committee_id}/dossiers"))


def test_pages_need_the_statement_first(client, login, db):
    world = review_world(n_files=1, n_members=2, signed=False)
    assignment = world.assign(0, 1)
    login(world.members[1])
    for url in (f"/comite/{world.committee_id}/conflits", f"/comite/{world.committee_id}/dossiers",
                f"/comite/{world.committee_id}/feuille-de-notes", f"/comite/{world.committee_id}/feuille-de-notes.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/declaration"), url
    assert client.get(f"/comite/dossiers/{assignment.id}").status_code == 302
    assert world.files[0].last_name not in _html(client.get(f"/comite/{world.committee_id}/declaration"))


# --- who sees which file ------------------------------------------------------------------

def test_a_member_sees_only_their_own_files(client, login, db):
    world = review_world(n_files=3, n_members=3)
    mine = world.assign(0, 1)
    theirs = world.assign(1, 2)
    login(world.members[1])
    listing = _html(client.get(f"/comite/{world.committee_id}/dossiers"))
    assert mine.code in listing and theirs.code not in listing
    assert client.get(f"/comite/dossiers/{mine.id}").status_code == 200
    assert client.get(f"/comite/dossiers/{theirs.id}").status_code == 404  # same committee, not theirs
    assert client.post(f"/comite/dossiers/{theirs.id}", data={"save": "1", "version": "1"}).status_code == 404
    assert client.get(f"/comite/dossiers/{theirs.id}/pieces/DIPLOMA").status_code == 404
    assert client.get("/comite/dossiers/999999").status_code == 404


def test_a_member_of_committee_a_gets_404_on_everything_of_committee_b(client, login, db):
    world = review_world(n_files=1, n_members=2)
    other, assignment = second_committee(world)
    login(world.members[1])
    b = other.committee_id
    for method, url, data in (
            ("GET", f"/comite/{b}/declaration", None), ("POST", f"/comite/{b}/declaration", {"accept": "y"}),
            ("GET", f"/comite/{b}/conflits", None),
            ("POST", f"/comite/{b}/conflits", {"application_id": other.file_ids[0], "action": "declare"}),
            ("POST", f"/comite/{b}/conflits/termine", {"confirm": "y"}),
            ("GET", f"/comite/{b}/dossiers", None),
            ("GET", f"/comite/dossiers/{assignment.id}", None),
            ("POST", f"/comite/dossiers/{assignment.id}", {"save": "1", "version": "1"}),
            ("GET", f"/comite/dossiers/{assignment.id}/pieces/DIPLOMA", None),
            ("GET", f"/comite/{b}/feuille-de-notes", None),
            ("GET", f"/comite/{b}/feuille-de-notes.xlsx", None)):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert other.committee.name not in _html(client.get("/comite/"))
    assert audit_actions("committee.") == []


def test_a_deactivated_member_reaches_nothing(client, login, db):
    world = review_world(n_files=1, n_members=2)
    assignment = world.assign(0, 1)
    row = world.member_rows[1]
    row.active = False
    db.session.commit()
    login(world.members[1])
    assert client.get(f"/comite/dossiers/{assignment.id}").status_code == 404
    assert client.get(f"/comite/{world.committee_id}/dossiers").status_code == 404


# --- scoring ------------------------------------------------------------------------------

def test_draft_then_submit_then_refusal_to_change(client, login, db):
    world = review_world(n_files=1, n_members=2)
    assignment = world.assign(0, 1)
    login(world.members[1])
    page = _html(client.get(f"/comite/dossiers/{assignment.id}"))
    assert 'value="13,5"' in page  # the diploma average prefills « Dossier scolaire » (13.5/20)

    out_of_bounds = _post_scores(client, db, world, assignment.id, dossier="25", motivation="abc")
    assert out_of_bounds.status_code == 400
    text = _html(out_of_bounds)
    assert "la note doit être comprise entre 0 et 20" in text and "la note doit être un nombre" in text
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, assignment.id).scores == []

    draft = _post_scores(client, db, world, assignment.id, dossier="13,5", comment="Bon dossier")
    assert draft.status_code == 302
    db.session.expire_all()
    row = db.session.get(ReviewAssignment, assignment.id)
    assert row.status == "pending" and row.saved_at is not None and row.comment == "Bon dossier"
    assert [s.value for s in row.scores] == [Decimal("13.5")]

    incomplete = _post_scores(client, db, world, assignment.id, send=True, dossier="13,5")
    assert incomplete.status_code == 400 and "Motivation : note manquante." in _html(incomplete)
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, assignment.id).status == "pending"

    submitted = _post_scores(client, db, world, assignment.id, send=True, dossier="13,5", motivation="16",
                             comment="Bon dossier")
    assert submitted.status_code == 302
    db.session.expire_all()
    row = db.session.get(ReviewAssignment, assignment.id)
    # (40·13.5/20 + 60·16/20) / 100 × 20 = 15
    assert row.status == "submitted" and row.weighted_total == Decimal("15.000") and row.submitted_at

    again = _post_scores(client, db, world, assignment.id, send=True, dossier="20", motivation="20")
    assert again.status_code == 302
    changed = _post_scores(client, db, world, assignment.id, dossier="1", motivation="1")
    assert changed.status_code == 302
    db.session.expire_all()
    row = db.session.get(ReviewAssignment, assignment.id)
    assert row.weighted_total == Decimal("15.000") and sorted(s.value for s in row.scores) == [Decimal("13.5"), 16]
    page = _html(client.get(f"/comite/dossiers/{assignment.id}"))
    assert "Vos notes sont verrouillées" in page and 'name="save"' not in page
    assert [e.action for e in audit_actions("committee.review.")] == ["committee.review.save", "committee.review.submit"]
    event = audit_actions("committee.review.submit")[0]
    assert event.before["status"] == "pending" and event.after["weighted_total"] == "15.000"


def test_a_refusal_after_submission_is_said_in_french(client, login, db):
    world = review_world(n_files=1, n_members=2)
    assignment = world.assign(0, 1)
    login(world.members[1])
    _post_scores(client, db, world, assignment.id, send=True, dossier="10", motivation="10")
    response = _post_scores(client, db, world, assignment.id, dossier="12", motivation="12")
    followed = client.get(response.headers["Location"])
    assert "déjà soumises : elles ne peuvent plus être modifiées" in _html(followed)


def test_a_stale_page_is_told_and_a_double_click_changes_nothing(client, login, db):
    world = review_world(n_files=1, n_members=2)
    assignment = world.assign(0, 1)
    login(world.members[1])
    first = _post_scores(client, db, world, assignment.id, version=1, dossier="12", motivation="10")
    assert first.status_code == 302
    double = _post_scores(client, db, world, assignment.id, version=1, dossier="12", motivation="10")
    assert double.status_code == 302  # the same content: nothing to say, nothing written
    assert len(audit_actions("committee.review.save")) == 1
    stale = _post_scores(client, db, world, assignment.id, version=1, dossier="8", motivation="10")
    assert stale.status_code == 409
    assert "enregistrées entre-temps" in _html(stale)
    db.session.expire_all()
    assert sorted(s.value for s in db.session.get(ReviewAssignment, assignment.id).scores) == [10, 12]
    stale_submit = _post_scores(client, db, world, assignment.id, version=1, send=True, dossier="8", motivation="10")
    assert stale_submit.status_code == 409
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, assignment.id).status == "pending"


def test_two_saves_at_once_the_second_is_told(app, db):
    """The version column: a save whose row changed between its read and its write is a
    Conflict (no 500), nothing of it written."""
    from quota_app.committee import reviewing
    from quota_app.viewhelpers import act

    world = review_world(n_files=1, n_members=2)
    assignment = world.assign(0, 1)
    member = world.members[1]
    criteria = world.criteria()
    with app.test_request_context():
        row = db.session.get(ReviewAssignment, assignment.id)
        version = row.version
        with db.engine.begin() as other:  # the other request's save, committed meanwhile
            other.execute(db.update(ReviewAssignment).where(ReviewAssignment.id == assignment.id)
                          .values(version=version + 1, comment="autre onglet"))
        done = act(lambda: reviewing.save_draft(member, assignment.id, version, {criteria["dossier"].id: "12"}),
                   stale=reviewing.STALE)
        assert not done and done.conflict
    db.session.expire_all()
    row = db.session.get(ReviewAssignment, assignment.id)
    assert row.comment == "autre onglet" and row.scores == []


def test_csrf_is_required_on_every_post(app, client, login, monkeypatch, db):
    world = review_world(n_files=1, n_members=2)
    assignment = world.assign(0, 1)
    login(world.members[1])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for url, data in ((f"/comite/{world.committee_id}/declaration", {"accept": "y"}),
                      (f"/comite/{world.committee_id}/conflits",
                       {"application_id": world.file_ids[0], "action": "declare"}),
                      (f"/comite/{world.committee_id}/conflits/termine", {"confirm": "y"}),
                      (f"/comite/dossiers/{assignment.id}", {"save": "1", "version": "1"}),
                      (f"/comite/{world.committee_id}/feuille-de-notes", {})):
        assert client.post(url, data=data).status_code == 400, url
    assert audit_actions("committee.") == []


# --- independence and the gap rule ---------------------------------------------------------

def _pages(client, world, assignment_id):
    return [strip_tokens(_html(client.get(url))) for url in
            ("/comite/", f"/comite/{world.committee_id}/dossiers", f"/comite/dossiers/{assignment_id}")]


def test_a_reviewer_never_sees_another_reviewers_scores_nor_whether_they_submitted(app, client, login, db):
    world = review_world(n_files=1, n_members=3)
    a = world.assign(0, 1)
    b = world.assign(0, 2)
    other = app.test_client()
    login(world.members[2], on=other)
    before = _pages(other, world, b.id)

    login(world.members[1])
    _post_scores(client, db, world, a.id, send=True, dossier="19,75", motivation="17,25",
                 comment="Commentaire confidentiel de A")
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, a.id).status == "submitted"
    after = _pages(other, world, b.id)
    assert after == before  # not a count, not a flag, not a total changes on B's pages
    joined = " ".join(after)
    assert "Commentaire confidentiel de A" not in joined and "19,75" not in joined and "17,25" not in joined


def test_a_gap_flags_the_file_and_calls_a_third_reviewer(app, client, login, db):
    world = review_world(n_files=1, n_members=4)
    a = world.assign(0, 1)
    b = world.assign(0, 2)
    login(world.members[1])
    _post_scores(client, db, world, a.id, send=True, dossier="18", motivation="18")  # 18/20
    assert db.session.scalars(db.select(EvaluationResult)).all() == []
    other = app.test_client()
    login(world.members[2], on=other)
    _post_scores(other, db, world, b.id, send=True, dossier="6", motivation="8")  # 7.2/20: gap 10.8 > 4
    db.session.expire_all()
    result = db.session.scalar(db.select(EvaluationResult).where(EvaluationResult.application_id == world.file_ids[0]))
    assert result is not None and result.gap_flagged
    thirds = db.session.scalars(db.select(ReviewAssignment).where(ReviewAssignment.is_third_review.is_(True))).all()
    assert len(thirds) == 1 and thirds[0].member_id not in (world.member_ids[1], world.member_ids[2])
    assert thirds[0].status == "pending"
    assert len(audit_actions("committee.review.gap_flagged")) == 1
    # nothing of it on the reviewers' pages (the list's own line changed: B's submission)
    assert "Écart" not in " ".join(_pages(client, world, a.id))
    third_member = next(u for u, m in zip(world.members, world.member_ids) if m == thirds[0].member_id)
    third_client = app.test_client()
    login(third_member, on=third_client)
    page = _html(third_client.get(f"/comite/dossiers/{thirds[0].id}"))
    assert "troisième" not in page.lower() and "Écart" not in page and "18" not in page.split("Mon évaluation")[1]


def test_no_gap_no_flag(client, login, db):
    world = review_world(n_files=1, n_members=3)
    a = world.assign(0, 1)
    b = world.assign(0, 2)
    login(world.members[1])
    _post_scores(client, db, world, a.id, send=True, dossier="12", motivation="12")
    login(world.members[2])
    _post_scores(client, db, world, b.id, send=True, dossier="14", motivation="14")  # gap 2 <= 4
    assert db.session.scalars(db.select(EvaluationResult)).all() == []
    assert db.session.scalars(db.select(ReviewAssignment).where(ReviewAssignment.is_third_review.is_(True))).all() == []


# --- the validation lock --------------------------------------------------------------------

def test_the_validated_deliberation_locks_the_pages(client, login, db):
    world = review_world(n_files=2, n_members=2)
    assignment = world.assign(0, 1)
    login(world.members[1])
    _post_scores(client, db, world, assignment.id, dossier="12")
    validate_deliberation(world.committee_id)
    events = len(audit_actions(""))

    response = _post_scores(client, db, world, assignment.id, dossier="15", motivation="15")
    assert response.status_code == 302
    assert "La délibération est validée" in _html(client.get(response.headers["Location"]))
    _post_scores(client, db, world, assignment.id, send=True, dossier="15", motivation="15")
    client.post(f"/comite/{world.committee_id}/conflits",
                data={"application_id": world.file_ids[0], "action": "declare"})
    db.session.expire_all()
    row = db.session.get(ReviewAssignment, assignment.id)
    assert row.status == "pending" and [s.value for s in row.scores] == [12]
    assert db.session.scalars(db.select(ConflictOfInterest)).all() == []
    assert len(audit_actions("")) == events
    page = _html(client.get(f"/comite/dossiers/{assignment.id}"))
    assert "La délibération est validée" in page and 'name="send"' not in page
    assert "La délibération est validée" in _html(client.get("/comite/"))


@pytest.mark.parametrize("path", ["submit", "save"])
def test_the_lock_refuses_the_services_too(app, db, path):
    from quota_app.committee import reviewing
    from quota_app.errors import NotAllowed

    world = review_world(n_files=1, n_members=2)
    assignment = world.assign(0, 1)
    validate_deliberation(world.committee_id)
    criteria = world.criteria()
    values = {criteria["dossier"].id: "10", criteria["motivation"].id: "10"}
    service = reviewing.submit_review if path == "submit" else reviewing.save_draft
    with pytest.raises(NotAllowed, match="La délibération est validée"):
        service(world.members[1], assignment.id, assignment.version, values)


@pytest.mark.postgres_only
def test_two_saves_at_the_same_moment_one_wins_the_other_is_told(app, db, monkeypatch):
    """Two requests read the same version and write at once (PostgreSQL's row lock): one save
    is committed, the other is refused as a Conflict, nothing of it written, no error."""
    import threading

    from quota_app.committee import reviewing
    from quota_app.viewhelpers import act

    world = review_world(n_files=1, n_members=2)
    assignment = world.assign(0, 1)
    member_id, assignment_id, version = world.members[1].id, assignment.id, assignment.version
    criteria = world.criteria()
    dossier = criteria["dossier"].id
    barrier = threading.Barrier(2, timeout=20)
    original = reviewing.write_review

    def both_read_then_write(*args, **kwargs):
        barrier.wait()  # both requests have read the same version
        return original(*args, **kwargs)

    monkeypatch.setattr(reviewing, "write_review", both_read_then_write)
    outcomes = {}

    def save(value):
        from quota_app.auth.models import User
        with app.test_request_context():
            user = db.session.get(User, member_id)
            done = act(lambda: reviewing.save_draft(user, assignment_id, version, {dossier: value}),
                       stale=reviewing.STALE)
            outcomes[value] = "saved" if done else ("conflict" if done.conflict else repr(done.error))

    threads = [threading.Thread(target=save, args=(value,)) for value in ("11", "17")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
    winner = next(v for v, o in outcomes.items() if o == "saved")
    db.session.expire_all()
    row = db.session.get(ReviewAssignment, assignment_id)
    assert [str(s.value) for s in row.scores] == [f"{winner}.00"] and row.version == version + 1
    assert len(audit_actions("committee.review.save")) == 1
