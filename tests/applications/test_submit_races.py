"""Submitting one draft twice: never a 500, exactly one submission and one reference.

On PostgreSQL, 20 requests of the file's owner released together by a barrier: the file's row
is locked first (services.submit), so one request submits and the others find the file
already submitted (its receipt page, « déjà été soumis »), or a French conflict; the database
holds one submission, one reference, one receipt and one submission event. On SQLite, the
sequential second click gives the same French answer and changes nothing."""
from __future__ import annotations

import threading
import traceback

import pytest
from sqlalchemy import func, select

THREADS = 20
SUBMITTED = "Votre dossier est soumis. Un courriel de confirmation vous a été envoyé."
ALREADY = "Ce dossier a déjà été soumis : rien n'a été modifié."
CONFLICT = "Ce dossier a été modifié entre-temps. Rechargez la page et recommencez."


@pytest.fixture
def open_campaign(app, db, reference):
    """An open campaign whose window is around the real clock (the views use utcnow)."""
    import factories

    return factories.make_open_campaign("Q-RACE", "Quota course", programmes=("TS-DD", "T-MI"),
                                        documents=("PHOTO", "DIPLOMA"))


@pytest.fixture
def draft(app, db, open_campaign):
    """(owner's user id, application id): a complete draft, ready to submit."""
    import factories
    from quota_app.applications.models import Application

    application = factories.make_application("draft", campaign=open_campaign)
    assert application.status == "draft" and application.reference is None
    return application.applicant.user_id, application.id


def _client(app, db, user_id):
    from quota_app.auth.models import User

    user = db.session.get(User, user_id)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    return client


def _state(db, application_id) -> dict:
    from quota_app.applications.models import Application, ReferenceCounter
    from quota_app.audit.models import AuditEvent
    from quota_app.documents.models import SealedDocument
    from quota_app.notifications.models import OutboxMessage

    db.session.expire_all()
    application = db.session.get(Application, application_id)
    return {
        "status": application.status, "reference": application.reference,
        "submitted_at": application.submitted_at, "version": application.version,
        "receipt": application.receipt_document_id,
        "receipts": db.session.scalar(select(func.count()).select_from(SealedDocument)
                                      .where(SealedDocument.kind == "receipt")),
        "events": db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "application.submit")),
        "counter": db.session.scalar(select(ReferenceCounter.last_value)
                                     .where(ReferenceCounter.campaign_id == application.campaign_id)),
        "messages": sorted(db.session.scalars(select(OutboxMessage.channel)
                                              .where(OutboxMessage.subject.like("Dossier % soumis")))),
    }


def _text(response) -> str:
    import html
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.postgres_only
def test_twenty_simultaneous_submissions_give_one(app, db, draft, request):
    user_id, app_id = draft
    request.getfixturevalue("wide_pool")
    clients = [_client(app, db, user_id) for _ in range(THREADS)]
    db.session.remove()
    barrier = threading.Barrier(THREADS, timeout=60)
    outcomes: list[tuple] = []
    lock = threading.Lock()

    def worker(client):
        try:
            barrier.wait()
            response = client.post(f"/candidat/dossier/{app_id}/soumettre")
            follow = client.get(response.headers["Location"]) if response.status_code == 302 else response
            with lock:
                outcomes.append((response.status_code, follow.status_code, _text(follow)))
        except Exception:  # pragma: no cover - shown in the assertion
            with lock:
                outcomes.append(("error", None, traceback.format_exc()))

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads)
    assert len(outcomes) == THREADS
    errors = [o for o in outcomes if o[0] == "error" or o[0] >= 500 or o[1] >= 500]
    assert not errors, errors[0]
    won = [o for o in outcomes if SUBMITTED in o[2]]
    already = [o for o in outcomes if ALREADY in o[2]]
    conflicts = [o for o in outcomes if CONFLICT in o[2]]
    seen = {"won": len(won), "already": len(already), "conflict": len(conflicts),
            "codes": sorted({o[:2] for o in outcomes})}
    assert len(won) == 1, seen
    assert len(won) + len(already) + len(conflicts) == THREADS, seen
    print("submission race:", seen)
    state = _state(db, app_id)
    assert state["status"] == "submitted" and state["reference"] == "MLI-2026-000001"
    assert state["counter"] == 1 and state["receipts"] == 1 and state["events"] == 1
    # one message per channel (e-mail, SMS), as for one submission
    assert state["messages"] and len(state["messages"]) == len(set(state["messages"])), state["messages"]


def test_second_click_on_submit_changes_nothing(app, db, draft):
    user_id, app_id = draft
    client = _client(app, db, user_id)
    first = client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/dossier/{app_id}/recepisse")
    assert "Votre dossier est soumis" in _text(client.get(first.headers["Location"]))
    before = _state(db, app_id)
    assert before["status"] == "submitted" and before["reference"] == "MLI-2026-000001"
    assert before["receipts"] == 1 and before["events"] == 1 and before["counter"] == 1
    second = client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert second.status_code == 302
    page = client.get(second.headers["Location"])
    assert page.status_code == 200
    assert "Ce dossier a déjà été soumis : rien n'a été modifié." in _text(page)
    assert "MLI-2026-000001" in _text(page)
    assert _state(db, app_id) == before


def test_submit_on_a_row_read_before_another_submitted_it(app, db, draft):
    """What the request read before the lock (a draft) is read again once the lock is held:
    a file submitted meanwhile is « already submitted », not submitted twice (no StaleDataError)."""
    from quota_app.applications import services
    from quota_app.applications.models import Application
    from quota_app.auth.models import User

    user_id, app_id = draft
    stale = db.session.get(Application, app_id)
    assert stale.status == "draft"
    with app.app_context():   # another request submits meanwhile
        from quota_app.extensions import db as other

        assert services.submit(other.session.get(User, user_id), other.session.get(Application, app_id)) is True
        other.session.commit()
        other.session.remove()
    assert stale.status == "draft"   # as read before the other submission
    owner = db.session.get(User, user_id)
    assert services.submit(owner, stale) is False
    assert stale.status == "submitted" and stale.reference == "MLI-2026-000001"
    db.session.commit()
    state = _state(db, app_id)
    assert state["reference"] == "MLI-2026-000001" and state["counter"] == 1 and state["events"] == 1


def test_a_concurrent_change_at_the_flush_is_a_french_409(app, db, draft, monkeypatch):
    """Should anything still change the file between the lock and the commit (a version
    clash at the flush), the submission is rolled back and answered in French, in 409."""
    from sqlalchemy.orm.exc import StaleDataError

    from quota_app.applications import tasks

    user_id, app_id = draft
    client = _client(app, db, user_id)
    before = _state(db, app_id)

    def stale(*_args, **_kwargs):
        raise StaleDataError("UPDATE statement on table 'applications' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(tasks, "after_submission", stale)   # the submission's last step
    response = client.post(f"/candidat/dossier/{app_id}/soumettre")
    assert response.status_code == 409
    assert CONFLICT in _text(response)
    assert _state(db, app_id) == before and before["status"] == "draft" and before["reference"] is None
