"""Eligibility screening: the file view, decisions, notification, bulk decisions, conflicts."""
import html
import threading

import pytest


def text(response):
    return html.unescape(response.get_data(as_text=True))


def get_app(db, app_id):
    from quota_app.applications.models import Application

    db.session.expire_all()
    return db.session.get(Application, app_id)


def reason_id(db, code):
    from quota_app.reference.models import IneligibilityReason

    return db.session.execute(db.select(IneligibilityReason.id).filter_by(code=code)).scalar_one()


def count(db, model, **kw):
    return db.session.execute(db.select(db.func.count()).select_from(model).filter_by(**kw)).scalar()


def test_queue_shows_submitted_files_with_checks(client, db, data, make_user, login):
    login(make_user("manager"))
    page = text(client.get(f"/gestion/dossiers/recevabilite?campaign={data['campaign']}"))
    assert "3 dossiers soumis" in page
    assert "MLI-2026-000001" in page and "MLI-2026-000002" in page and "MLI-2026-000005" in page
    assert "MLI-2026-000004" not in page  # already eligible
    # A1 and A2 are clean and can be selected; A5's diploma is too low for a TS programme.
    assert f'value="{data["A1"]}:1"' in page and f'value="{data["A5"]}:1"' not in page
    assert "1 contrôle non conforme" in page or "2 contrôles non conformes" in page


def test_file_view_masks_identity_until_shown_and_audits(client, db, data, make_user, login):
    from quota_app.audit.models import AuditEvent

    manager = make_user("manager")
    login(manager)
    page = text(client.get(f"/gestion/dossiers/{data['A1']}"))
    assert "Traoré" in page and "1F04ABCDEFG001K" not in page and "AA1000001" not in page
    assert "Contrôles automatiques" in page and "Conforme" in page
    assert count(db, AuditEvent, action="application.identity_view") == 0
    response = client.post(f"/gestion/dossiers/{data['A1']}/identite")
    assert response.status_code == 200
    page = text(response)
    assert "1F04ABCDEFG001K" in page and "AA1000001" in page
    event = db.session.execute(db.select(AuditEvent).filter_by(action="application.identity_view")).scalar_one()
    assert event.actor_id == manager.id and event.object_id == str(data["A1"])
    assert event.campaign_id == data["campaign"]


def test_documents_served_inline_with_nosniff(app, client, db, data, make_user, login):
    from quota_app.applications import storage
    from quota_app.applications.models import ApplicationDocument
    from quota_app.audit.models import AuditEvent
    from quota_app.reference.models import DocumentType

    content = b"%PDF-1.4\n% test\n"
    name = storage.save(app.config["UPLOAD_DIR"], content)
    doc_type = db.session.execute(db.select(DocumentType).filter_by(code="BIRTH")).scalar_one()
    doc = ApplicationDocument(application_id=data["A1"], document_type=doc_type, original_name="acte.pdf",
                              stored_name=name, content_type="application/pdf", size_bytes=len(content),
                              sha256="0" * 64)
    db.session.add(doc)
    db.session.commit()
    url = f"/gestion/dossiers/{data['A1']}/pieces/{doc.id}"
    login(make_user("manager"))
    assert url in text(client.get(f"/gestion/dossiers/{data['A1']}"))
    response = client.get(url)
    assert response.status_code == 200 and response.data == content
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.mimetype == "application/pdf"
    assert count(db, AuditEvent, action="application.document_view") == 1
    assert client.get(f"/gestion/dossiers/{data['A2']}/pieces/{doc.id}").status_code == 404
    # The AMCI reads the documents of nominated candidates only.
    login(make_user("amci"))
    assert client.get(url).status_code == 404
    from quota_app.amci.models import Nomination
    db.session.add(Nomination(campaign_id=db.session.get(ApplicationDocument, doc.id).application.campaign_id,
                              application_id=data["A1"]))
    db.session.commit()
    assert client.get(url).status_code == 200
    for role in ("applicant", "committee", "admin"):
        login(make_user(role))
        assert client.get(url).status_code == 403


def test_decide_eligible_records_everything_and_notifies(client, db, data, make_user, login):
    from quota_app.applications.models import ScreeningDecision
    from quota_app.audit.models import AuditEvent
    from quota_app.notifications.models import OutboxMessage

    manager = make_user("manager")
    login(manager)
    response = client.post(f"/gestion/dossiers/{data['A1']}/decision", data={"decision": "eligible", "version": "1"})
    assert response.status_code == 302
    # « Dossier suivant »: the next file waiting in the queue's order (A2, submitted after A1).
    assert response.headers["Location"].endswith(f"/gestion/dossiers/{data['A2']}")
    application = get_app(db, data["A1"])
    assert application.status == "eligible" and application.version == 2
    decision = db.session.execute(db.select(ScreeningDecision)).scalar_one()
    assert decision.decision == "eligible" and decision.decided_by_id == manager.id
    assert decision.automatic_checks and all(c["ok"] for c in decision.automatic_checks)
    event = db.session.execute(db.select(AuditEvent).filter_by(action="application.screening.eligible")).scalar_one()
    assert event.before == {"status": "submitted"} and event.after["status"] == "eligible"
    message = db.session.execute(db.select(OutboxMessage).filter_by(channel="email")).scalar_one()
    assert message.to_email == "awa@exemple.ml" and message.application_id == data["A1"]
    assert "recevable" in message.subject and "MLI-2026-000001" in message.body
    page = text(client.get(f"/gestion/dossiers/recevabilite?campaign={data['campaign']}"))
    assert ("Décision enregistrée pour MLI-2026-000001 : Recevable. Le candidat est prévenu par SMS et par "
            "e-mail (+22376000001, awa@exemple.ml).") in page
    # Deciding again is refused: the file is no longer waiting.
    response = client.post(f"/gestion/dossiers/{data['A1']}/decision",
                           data={"decision": "ineligible", "version": "2", "reason": str(reason_id(db, "AGE")),
                                 "comment": "x"}, follow_redirects=True)
    assert "n'est plus en attente d'examen (statut : Recevable)" in text(response)
    assert count(db, ScreeningDecision) == 1


def test_ineligible_needs_reason_and_comment(client, db, data, make_user, login):
    from quota_app.applications.models import ScreeningDecision
    from quota_app.notifications.models import OutboxMessage

    login(make_user("manager"))
    url = f"/gestion/dossiers/{data['A5']}/decision"
    response = client.post(url, data={"decision": "ineligible", "version": "1"})
    assert response.status_code == 400
    page = text(response)
    assert "Choisissez le motif de non-recevabilité." in page
    assert "Expliquez le motif au candidat dans le commentaire." in page
    assert get_app(db, data["A5"]).status == "submitted" and count(db, ScreeningDecision) == 0
    response = client.post(url, data={"decision": "ineligible", "version": "1",
                                      "reason": str(reason_id(db, "DIPLOMA")), "comment": "Le DEF ne suffit pas pour un TS."})
    assert response.status_code == 302
    application = get_app(db, data["A5"])
    assert application.status == "ineligible"
    decision = db.session.execute(db.select(ScreeningDecision)).scalar_one()
    assert decision.reason.code == "DIPLOMA" and decision.comment == "Le DEF ne suffit pas pour un TS."
    assert any(not c["ok"] for c in decision.automatic_checks)
    message = db.session.execute(db.select(OutboxMessage).filter_by(channel="email")).scalar_one()
    assert message.to_email == "mariam@exemple.ml" and "n'est pas recevable" in message.subject
    assert "Diplôme insuffisant" in message.body and "Le DEF ne suffit pas" in message.body


def test_stale_version_is_a_conflict_and_writes_nothing(client, db, data, make_user, login):
    from quota_app.applications.models import ScreeningDecision
    from quota_app.audit.models import AuditEvent
    from quota_app.errors import Conflict
    from quota_app.notifications.models import OutboxMessage

    login(make_user("manager"))
    url = f"/gestion/dossiers/{data['A2']}/decision"
    assert client.post(url, data={"decision": "eligible", "version": "1"}).status_code == 302
    # A second manager who opened the file at version 1 submits afterwards.
    login(make_user("manager"))
    response = client.post(url, data={"decision": "ineligible", "version": "1",
                                      "reason": str(reason_id(db, "AGE")), "comment": "Trop âgé."})
    assert response.status_code == 409
    assert Conflict.message in text(response)
    assert get_app(db, data["A2"]).status == "eligible"
    assert count(db, ScreeningDecision) == 1 and count(db, OutboxMessage, channel="email") == 1
    assert count(db, AuditEvent, action="application.screening.ineligible") == 0


def test_service_refuses_stale_version(app, db, data, make_user):
    from quota_app.errors import Conflict
    from quota_app.screening import services

    manager = make_user("manager")
    services.decide(data["A1"], 1, "eligible", manager)
    db.session.commit()
    with pytest.raises(Conflict):
        services.decide(data["A1"], 1, "eligible", manager)
    db.session.rollback()
    assert get_app(db, data["A1"]).version == 2


def test_bulk_only_decides_clean_files(client, db, data, make_user, login):
    from quota_app.applications.models import ScreeningDecision
    from quota_app.notifications.models import OutboxMessage

    login(make_user("manager"))
    response = client.post(f"/gestion/dossiers/recevabilite/lot?campaign={data['campaign']}",
                           data={"selected": [f"{data['A1']}:1", f"{data['A2']}:1", f"{data['A5']}:1"]},
                           follow_redirects=True)
    page = text(response)
    assert "2 dossiers déclarés recevables." in page and "2 candidats prévenus (SMS ou e-mail)." in page
    assert "1 dossier non traité" in page and "MLI-2026-000005" in page
    assert get_app(db, data["A1"]).status == "eligible" and get_app(db, data["A2"]).status == "eligible"
    assert get_app(db, data["A5"]).status == "submitted"
    assert count(db, ScreeningDecision) == 2 and count(db, OutboxMessage, channel="email") == 2


def test_bulk_with_a_stale_file_changes_nothing(client, db, data, make_user, login):
    from quota_app.applications.models import ScreeningDecision
    from quota_app.errors import Conflict

    login(make_user("manager"))
    client.post(f"/gestion/dossiers/{data['A2']}/decision", data={"decision": "eligible", "version": "1"})
    response = client.post(f"/gestion/dossiers/recevabilite/lot?campaign={data['campaign']}",
                           data={"selected": [f"{data['A1']}:1", f"{data['A2']}:1"]}, follow_redirects=True)
    assert Conflict.message in text(response)
    assert get_app(db, data["A1"]).status == "submitted"
    assert count(db, ScreeningDecision) == 1
    response = client.post(f"/gestion/dossiers/recevabilite/lot?campaign={data['campaign']}", data={},
                           follow_redirects=True)
    assert "Sélectionnez au moins un dossier." in text(response)


@pytest.mark.postgres_only
def test_two_managers_deciding_at_once_one_wins(app, db, data, make_user):
    """Both threads read version 1, then race; the version column lets exactly one through."""
    from quota_app.applications.models import ScreeningDecision
    from quota_app.audit.models import AuditEvent
    from quota_app.errors import Conflict
    from quota_app.extensions import db as database
    from quota_app.notifications.models import OutboxMessage
    from quota_app.screening import services

    managers = [make_user("manager"), make_user("manager")]
    barrier = threading.Barrier(2, timeout=20)
    results = [None, None]
    reason = reason_id(db, "OTHER")

    def worker(index):
        with app.app_context():
            try:
                application = services.load_application(data["A1"])
                version = application.version
                barrier.wait()
                if index == 0:
                    services.decide(data["A1"], version, "eligible", managers[index])
                else:
                    services.decide(data["A1"], version, "ineligible", managers[index],
                                    reason_id=reason, comment="Pièce illisible.")
                database.session.commit()
                results[index] = "ok"
            except Conflict:
                database.session.rollback()
                results[index] = "conflict"
            except Exception as exc:  # pragma: no cover - shown in the assertion
                database.session.rollback()
                results[index] = repr(exc)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["conflict", "ok"], results
    winner = "eligible" if results[0] == "ok" else "ineligible"
    application = get_app(db, data["A1"])
    assert application.status == winner and application.version == 2
    assert count(db, ScreeningDecision) == 1
    assert db.session.execute(db.select(ScreeningDecision.decision)).scalar_one() == winner
    assert count(db, OutboxMessage, channel="email") == 1
    assert count(db, AuditEvent, action=f"application.screening.{winner}") == 1
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action.like("application.screening.%"))).scalar() == 1


def test_change_between_read_and_write_is_caught_by_the_version_column(app, db, data, make_user):
    """The file is read at version 1, someone else writes version 2 before our UPDATE: the ORM's
    conditional UPDATE matches no row and the service answers Conflict, writing nothing."""
    from sqlalchemy import update

    from quota_app.applications.models import Application, ScreeningDecision
    from quota_app.errors import Conflict
    from quota_app.screening import services

    manager = make_user("manager")
    services.load_application(data["A2"])  # now in the session's identity map, version 1
    with db.engine.begin() as conn:
        conn.execute(update(Application).where(Application.id == data["A2"]).values(version=2))
    with pytest.raises(Conflict):
        services.decide(data["A2"], 1, "eligible", manager)
    db.session.rollback()
    assert get_app(db, data["A2"]).status == "submitted"
    assert count(db, ScreeningDecision) == 0
