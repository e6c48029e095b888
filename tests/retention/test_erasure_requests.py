"""The applicant's erasure request and the manager's decision: the services, then the pages with
CSRF protection on (the forms carry their token; a post without it is refused)."""
import re

import pytest
from sqlalchemy import select

import factories
from quota_app.applications.models import Application
from quota_app.audit.models import AuditEvent
from quota_app.auth.models import User
from quota_app.errors import InvalidTransition, NotAllowed, ValidationFailed
from quota_app.notifications.models import OutboxMessage
from quota_app.retention import services
from quota_app.retention.models import ErasureRequest

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def page(response) -> str:
    import html

    return html.unescape(response.get_data(as_text=True))


def token(response) -> str:
    found = TOKEN.search(response.get_data(as_text=True))
    assert found, "the form carries no CSRF token"
    return found.group(1)


def _requests(db):
    return list(db.session.scalars(select(ErasureRequest).order_by(ErasureRequest.id)))


# --- services ---------------------------------------------------------------------------------

def test_a_request_is_confirmed_and_one_at_a_time(db):
    user = factories.make_user("applicant")
    with pytest.raises(ValidationFailed) as unconfirmed:
        services.request_erasure(user, False)
    assert "Cochez la case" in unconfirmed.value.errors["confirm"]
    made = services.request_erasure(user, True, "  Je ne souhaite plus candidater.  ")
    db.session.commit()
    assert (made.status, made.note) == ("pending", "Je ne souhaite plus candidater.")
    with pytest.raises(InvalidTransition, match="déjà une demande"):
        services.request_erasure(user, True)
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "erasure_requests")).all() \
        == ["retention.erasure.request"]


def test_only_an_applicant_asks(db):
    with pytest.raises(NotAllowed):
        services.request_erasure(factories.make_user("manager"), True)


def test_the_schema_keeps_one_pending_request_per_account(db):
    from sqlalchemy.exc import IntegrityError

    user = factories.make_user("applicant")
    db.session.add_all([ErasureRequest(user_id=user.id), ErasureRequest(user_id=user.id)])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add_all([ErasureRequest(user_id=user.id, status="refused"), ErasureRequest(user_id=user.id)])
    db.session.flush()


def test_accepting_anonymises_the_files_and_closes_the_account(db):
    application = factories.make_application("withdrawn")
    draft = factories.make_application("draft", applicant=application.applicant)
    user = factories._owner(application)
    stored = [d.stored_name for d in application.documents + draft.documents]
    from quota_app.audit.services import record

    old_email = user.email
    record(user, "user.phone", user, after={"phone": "+22376000001", "email": old_email}, ip_address="10.0.0.1")
    erasure = services.request_erasure(user, True, "Merci", ip_address="10.0.0.2")
    db.session.commit()
    manager = factories.make_user("manager")
    decision = services.decide(manager, erasure, "accept")
    db.session.commit()
    assert services.delete_files(decision.anonymised.files) == len(stored)
    assert erasure.status == "accepted" and erasure.note == "" and erasure.decided_by_id == manager.id
    assert erasure.counts == {"applications": 2, "documents": len(stored)}
    for file in (db.session.get(Application, application.id), db.session.get(Application, draft.id)):
        assert file.anonymised_at is not None and file.last_name is None and file.nina is None
        assert file.documents == [] and file.status in ("withdrawn", "draft")
    account = db.session.get(User, user.id)
    assert account.email == f"compte-efface-{user.id}@anonyme.invalid" and account.phone is None
    assert account.full_name == "Compte effacé" and not account.is_active_account
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "erasure_requests",
                                                              AuditEvent.object_id == str(erasure.id))
                              .order_by(AuditEvent.id)).all() == ["retention.erasure.request", "retention.erasure.accept"]
    # the account's own events keep no address, no number; the applicant's events no IP address
    kept = repr(db.session.execute(select(AuditEvent.before, AuditEvent.after).where(
        AuditEvent.object_type == "users", AuditEvent.object_id == str(user.id))).all())
    assert old_email not in kept and "+22376000001" not in kept
    assert db.session.scalars(select(AuditEvent.ip_address).where(AuditEvent.actor_id == user.id,
                                                                  AuditEvent.ip_address.is_not(None))).all() == []
    with pytest.raises(InvalidTransition, match="déjà été traitée"):
        services.decide(manager, erasure, "refuse", "Trop tard")


@pytest.mark.parametrize("status", ["placed", "accepted", "submitted", "eligible"])
def test_a_seat_or_a_file_in_selection_refuses_the_acceptance(db, status):
    application = factories.make_application(status)
    user = factories._owner(application)
    erasure = services.request_erasure(user, True)
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        services.decide(factories.make_user("manager"), erasure, "accept")
    assert refused.value.reasons and ("une place" in refused.value.reasons[0]
                                      or "en cours de sélection" in refused.value.reasons[0])
    db.session.rollback()
    assert db.session.get(ErasureRequest, erasure.id).status == "pending"
    assert db.session.get(Application, application.id).last_name is not None


def test_a_scholarship_refuses_the_acceptance(db):
    from quota_app.amci.models import FollowUp

    application = factories.make_application("draft")
    db.session.add(FollowUp(application_id=application.id, scholarship_granted=True))
    erasure = services.request_erasure(factories._owner(application), True)
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        services.decide(factories.make_user("manager"), erasure, "accept")
    assert "une bourse" in refused.value.reasons[0]


def test_a_refusal_needs_a_reason_and_tells_the_applicant(db):
    user = factories.make_user("applicant")
    erasure = services.request_erasure(user, True)
    db.session.commit()
    manager = factories.make_user("manager")
    with pytest.raises(ValidationFailed) as no_reason:
        services.decide(manager, erasure, "refuse", "   ")
    assert "motif" in no_reason.value.errors["reason"]
    with pytest.raises(ValidationFailed):
        services.decide(manager, erasure, "maybe", "x")
    services.decide(manager, erasure, "refuse", "Dossier en litige.")
    db.session.commit()
    assert (erasure.status, erasure.decision_reason) == ("refused", "Dossier en litige.")
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)).one()
    assert "Dossier en litige." in message.body and message.to_email == user.email
    assert db.session.get(User, user.id).is_active_account


# --- pages, CSRF on ---------------------------------------------------------------------------

@pytest.fixture
def csrf(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_the_applicant_asks_from_their_data_page(app, client, db, login, csrf):
    application = factories.make_application("withdrawn")
    user = factories._owner(application)
    login(user)
    mine = client.get("/candidat/mes-donnees")
    assert "Demander l'effacement de mes données" in page(mine) and "/candidat/effacement" in page(mine)
    form = client.get("/candidat/effacement")
    assert form.status_code == 200 and "ans après la clôture" in page(form)
    assert client.post("/candidat/effacement", data={"confirm": "y"}).status_code == 400  # no token
    assert _requests(db) == []
    unconfirmed = client.post("/candidat/effacement", data={"csrf_token": token(form)})
    assert unconfirmed.status_code == 422 and "Cochez la case" in page(unconfirmed)
    done = client.post("/candidat/effacement", data={"csrf_token": token(form), "confirm": "y", "note": "Merci"},
                       follow_redirects=True)
    assert done.status_code == 200 and "Votre demande d'effacement est enregistrée" in page(done)
    assert "En attente" in page(done) and 'name="confirm"' not in page(done)  # one pending request
    [made] = _requests(db)
    assert (made.user_id, made.status, made.note) == (user.id, "pending", "Merci")


def test_the_manager_refuses_with_a_reason_the_applicant_reads(app, client, db, login, csrf):
    user = factories.make_user("applicant")
    erasure = services.request_erasure(user, True)
    db.session.commit()
    manager = factories.make_user("manager")
    login(manager)
    listing = client.get("/gestion/effacements/")
    assert listing.status_code == 200 and user.full_name in page(listing)
    detail = client.get(f"/gestion/effacements/{erasure.id}")
    assert "Accepter" in page(detail) and "Refuser avec ce motif" in page(detail)
    url = f"/gestion/effacements/{erasure.id}/decision"
    assert client.post(url, data={"decision": "refuse", "reason": "Non."}).status_code == 400  # no token
    empty = client.post(url, data={"csrf_token": token(detail), "decision": "refuse", "reason": ""},
                        follow_redirects=True)
    assert "Donnez le motif du refus" in page(empty)
    done = client.post(url, data={"csrf_token": token(detail), "decision": "refuse",
                                  "reason": "Un contrôle est en cours sur votre dossier."}, follow_redirects=True)
    assert "Demande refusée" in page(done)
    db.session.expire_all()
    assert db.session.get(ErasureRequest, erasure.id).status == "refused"
    login(db.session.get(User, user.id))
    assert "Un contrôle est en cours sur votre dossier." in page(client.get("/candidat/effacement"))


def test_the_manager_accepts_and_the_account_is_closed(app, client, db, login, csrf):
    application = factories.make_application("draft")
    user = factories._owner(application)
    erasure = services.request_erasure(user, True)
    db.session.commit()
    login(factories.make_user("manager"))
    detail = client.get(f"/gestion/effacements/{erasure.id}")
    done = client.post(f"/gestion/effacements/{erasure.id}/decision",
                       data={"csrf_token": token(detail), "decision": "accept"}, follow_redirects=True)
    assert "Demande acceptée" in page(done)
    db.session.expire_all()
    assert db.session.get(Application, application.id).anonymised_at is not None
    account = db.session.get(User, user.id)
    assert not account.is_active_account
    applicant = app.test_client()
    login(account, on=applicant)
    assert applicant.get("/candidat/effacement").status_code in (302, 401, 403)


def test_a_held_seat_shows_why_and_offers_no_acceptance(app, client, db, login, csrf):
    application = factories.make_application("placed")
    erasure = services.request_erasure(factories._owner(application), True)
    db.session.commit()
    login(factories.make_user("manager"))
    detail = client.get(f"/gestion/effacements/{erasure.id}")
    assert "ne peut pas être accordé" in page(detail) and 'value="accept"' not in page(detail)
    assert "une place" in page(detail)  # the reason, prefilled for the refusal
    forced = client.post(f"/gestion/effacements/{erasure.id}/decision",
                         data={"csrf_token": token(detail), "decision": "accept"}, follow_redirects=True)
    assert "une place" in page(forced)
    db.session.expire_all()
    assert db.session.get(ErasureRequest, erasure.id).status == "pending"


def test_the_privacy_page_states_the_periods(client, app, monkeypatch):
    text = page(client.get("/protection-des-donnees"))
    assert "anonymisées 2 ans après la clôture de la campagne" in text
    assert "supprimés 30 jours après leur dépôt" in text
    monkeypatch.setitem(app.config, "RETENTION_YEARS_AFTER_CLOSE", 3)
    assert "anonymisées 3 ans après" in page(client.get("/protection-des-donnees"))
