"""Transmittal slips (amci/slips.py): what a slip carries, its number per calendar year across
campaigns, initial then supplementary, its sealed PDF verified on the public page, its life with
who and when, and two preparations at once on PostgreSQL."""
from __future__ import annotations

import io
import itertools
import threading
import time
import traceback
from datetime import date, datetime, timedelta

import pytest

import factories
from slip_helpers import add_nominations, bare_campaign

ANSWERED = factories.NOW + timedelta(days=31)
PREPARED = datetime(2026, 7, 6, 9, 30)


def _events(db, action):
    from quota_app.audit.models import AuditEvent
    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _carried(db, slip):
    from quota_app.amci.models import Nomination
    return db.session.scalars(db.select(Nomination.id).where(Nomination.transmittal_id == slip.id)
                              .order_by(Nomination.position)).all()


def _manager(db):
    manager = factories.make_user("manager")
    db.session.commit()
    return manager


# --- pure --------------------------------------------------------------------------------------

def test_the_steps_of_a_slip_are_one_table():
    from quota_app.amci.slips import check_step, slip_number
    from quota_app.errors import InvalidTransition

    assert slip_number(2026, 3) == "BT-2026-003" and slip_number(2027, 1234) == "BT-2027-1234"
    assert check_step("prepared", "sent") is True and check_step("sent", "received") is True
    assert check_step("received", "answered") is True
    assert check_step("sent", "sent") is False            # a second click
    with pytest.raises(InvalidTransition, match="l'étape suivante est « Envoyé à l'ambassade »"):
        check_step("prepared", "received")
    with pytest.raises(InvalidTransition, match="ne peut pas revenir"):
        check_step("received", "sent")
    with pytest.raises(InvalidTransition):
        check_step("answered", "received")


def test_other_enclosures_are_read_one_per_line():
    from quota_app.amci.slips import parse_enclosures

    assert parse_enclosures("Attestations de réussite : 12\n\n  Lettre de l'ambassade  \nNote : urgente") == [
        {"label": "Attestations de réussite", "count": 12, "detail": "12"},
        {"label": "Lettre de l'ambassade", "count": None, "detail": ""},
        {"label": "Note : urgente", "count": None, "detail": ""},
    ]


# --- preparing ---------------------------------------------------------------------------------

def test_the_first_slip_is_initial_and_carries_every_nomination_with_its_counts(db, amci_world):
    from quota_app.amci.models import Nomination
    from quota_app.amci.nominations import nominate
    from quota_app.amci.slips import RECIPIENT, SENDER, prepare_slip
    from quota_app.applications.models import ApplicationDocument
    from quota_app.reference.models import DocumentType

    w = amci_world()
    manager = w.world.manager(db)
    nominate(manager, w.campaign_id, now=ANSWERED)
    db.session.commit()
    passport = db.session.scalars(db.select(DocumentType).where(DocumentType.code == "PASSPORT")).one()
    db.session.add(ApplicationDocument(application_id=w.accepted[0], document_type_id=passport.id,
                                       original_name="passeport.pdf", stored_name="p-test-1.pdf",
                                       content_type="application/pdf", size_bytes=10, sha256="0" * 64))
    db.session.commit()
    slip = prepare_slip(manager, w.campaign_id, PREPARED, notes="Envoi par valise diplomatique",
                        enclosures=["Attestations de réussite : 4"])
    db.session.commit()
    n = len(w.accepted)
    assert (slip.number, slip.year, slip.sequence, slip.kind, slip.status) == ("BT-2026-001", 2026, 1, "initial",
                                                                               "prepared")
    assert slip.sender == SENDER == "Direction Nationale de la Formation Professionnelle (DNFP), Bamako"
    assert slip.recipient == RECIPIENT and "par l'Ambassade du Royaume du Maroc à Bamako" in slip.recipient
    assert slip.created_by_id == manager.id and slip.created_at == PREPARED and slip.notes.startswith("Envoi")
    assert slip.enclosures == [
        {"label": "Liste nominative des candidats (modèle AMCI)", "count": n, "detail": f"{n} candidat(s)"},
        {"label": "Dossiers de candidature des candidats", "count": n, "detail": f"{n} dossier(s)"},
        {"label": "Copies de passeport", "count": 1, "detail": f"1 présente(s) sur {n}"},
        {"label": "Attestations de réussite", "count": 4, "detail": "4"},
    ]
    nominations = db.session.scalars(db.select(Nomination).where(Nomination.campaign_id == w.campaign_id)
                                     .order_by(Nomination.position)).all()
    assert [x.application_id for x in nominations if x.transmittal_id == slip.id] == w.accepted
    [event] = _events(db, "amci.slip.prepare")
    assert event.actor_id == manager.id and event.after["nominations"] == n and event.after["number"] == slip.number


def test_nothing_to_send_is_refused_in_french(db, amci_world):
    from quota_app.amci.nominations import nominate
    from quota_app.amci.slips import prepare_slip
    from quota_app.errors import NotAllowed

    w = amci_world()
    manager = w.world.manager(db)
    with pytest.raises(NotAllowed, match="Aucune nomination à transmettre"):
        prepare_slip(manager, w.campaign_id, PREPARED)   # nobody nominated yet
    db.session.rollback()
    nominate(manager, w.campaign_id, now=ANSWERED)
    prepare_slip(manager, w.campaign_id, PREPARED)
    db.session.commit()
    with pytest.raises(NotAllowed, match="figurent déjà sur un bordereau"):
        prepare_slip(manager, w.campaign_id, PREPARED + timedelta(hours=1))
    db.session.rollback()
    from quota_app.amci.models import Transmittal
    assert db.session.scalar(db.select(db.func.count(Transmittal.id))) == 1


def test_a_supplementary_slip_carries_the_replacements_from_the_waiting_list(db, amci_world):
    from quota_app.amci import effects
    from quota_app.amci.models import Nomination
    from quota_app.amci.nominations import nominate
    from quota_app.amci.slips import mark_sent, prepare_slip
    from quota_app.placement import services
    from quota_app.placement.models import Placement

    w = amci_world()
    manager = w.world.manager(db)
    nominate(manager, w.campaign_id, now=ANSWERED)
    first = prepare_slip(manager, w.campaign_id, PREPARED)
    db.session.commit()
    mark_sent(manager, first, date(2026, 7, 6), PREPARED + timedelta(hours=2))
    db.session.commit()
    refused = db.session.scalars(db.select(Nomination).where(Nomination.transmittal_id == first.id)
                                 .order_by(Nomination.position)).first()
    effects.free_seat(manager, refused, "refused", "Dossier incomplet", now=ANSWERED)
    db.session.commit()
    taker = db.session.scalars(db.select(Placement).where(Placement.status == "offered",
                                                          Placement.application_id.in_(w.waiting))).first()
    services.answer(w.world.owner(db, taker.application_id), taker, "accept", now=ANSWERED)
    db.session.commit()
    assert nominate(manager, w.campaign_id, now=ANSWERED).added == 1
    db.session.commit()
    second = prepare_slip(manager, w.campaign_id, PREPARED + timedelta(days=10))
    db.session.commit()
    assert (second.number, second.kind) == ("BT-2026-002", "supplementary")
    carried = db.session.scalars(db.select(Nomination.application_id).where(
        Nomination.transmittal_id == second.id)).all()
    assert carried == [taker.application_id]
    assert second.enclosures[0]["count"] == 1


def test_numbers_run_per_calendar_year_across_campaigns(db):
    from quota_app.amci.slips import prepare_slip

    manager = _manager(db)
    a = bare_campaign(db, "NUM-A", 2026)
    b = bare_campaign(db, "NUM-B", 2026)
    add_nominations(db, a, 2)
    add_nominations(db, b, 1)
    db.session.commit()
    first = prepare_slip(manager, a.id, datetime(2026, 7, 1, 9, 0))
    second = prepare_slip(manager, b.id, datetime(2026, 7, 2, 9, 0))
    db.session.commit()
    add_nominations(db, a, 1, start=3)
    add_nominations(db, b, 2, start=2)
    db.session.commit()
    third = prepare_slip(manager, a.id, datetime(2027, 1, 10, 9, 0))
    fourth = prepare_slip(manager, b.id, datetime(2027, 2, 1, 9, 0))
    db.session.commit()
    assert [(s.number, s.kind) for s in (first, second, third, fourth)] == [
        ("BT-2026-001", "initial"), ("BT-2026-002", "initial"),
        ("BT-2027-001", "supplementary"), ("BT-2027-002", "supplementary")]
    assert [len(_carried(db, s)) for s in (first, second, third, fourth)] == [2, 1, 1, 2]


def test_a_number_taken_meanwhile_is_a_french_conflict(db, monkeypatch):
    from quota_app.amci import slips
    from quota_app.amci.models import Transmittal
    from quota_app.errors import Conflict

    manager = _manager(db)
    a = bare_campaign(db, "CLASH-A", 2026)
    add_nominations(db, a, 1)
    db.session.add(Transmittal(campaign_id=a.id, number="BT-2026-001", year=2026, sequence=1, sender="DNFP"))
    db.session.commit()
    monkeypatch.setattr(slips, "_next_sequence", lambda year: 1)   # as if read before the other one committed
    with pytest.raises(Conflict, match="même numéro"):
        slips.prepare_slip(manager, a.id, datetime(2026, 7, 1, 9, 0))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Transmittal.id))) == 1


# --- sealing -----------------------------------------------------------------------------------

def test_the_slip_is_sealed_and_verifiable(app, db, amci_world):
    from flask import render_template

    from quota_app.amci.nominations import nominate
    from quota_app.amci.slips import SlipDocument, pending_lines, prepare_slip
    from quota_app.applications.models import Application
    from quota_app.documents.canonical import canonical_bytes, sha256_hex
    from quota_app.documents.models import SealedDocument

    w = amci_world()
    manager = w.world.manager(db)
    nominate(manager, w.campaign_id, now=ANSWERED)
    db.session.commit()
    lines = pending_lines(w.campaign_id)
    slip = prepare_slip(manager, w.campaign_id, PREPARED)
    db.session.commit()
    document = db.session.get(SealedDocument, slip.sealed_document_id)
    assert document.kind == "transmittal" and document.number == slip.number == "BT-2026-001"
    assert document.title == f"Bordereau de transmission BT-2026-001 — campagne {w.world.campaign(db).code}"
    assert document.pdf.startswith(b"%PDF-") and slip.file_sha256 == document.pdf_sha256
    assert document.created_at == PREPARED and document.created_by_id == manager.id
    canonical = SlipDocument(slip, w.world.campaign(db), lines, manager.full_name).canonical()
    assert document.content_sha256 == sha256_hex(canonical_bytes(canonical))
    references = [db.session.get(Application, a).reference for a in w.accepted]
    assert [row[1] for row in canonical["nominations"]] == references
    name = db.session.get(Application, w.accepted[0]).last_name
    assert name not in repr(canonical)   # the hash vouches for references, no names
    # What the PDF prints: the header, the enclosures, the nominations.
    from quota_app.documents.sealing import Seal
    info = Seal(kind="transmittal", number=slip.number, title=document.title, token="t" * 43,
                url="https://quota.example/verifier/" + "t" * 43, content_sha256="0" * 64, sealed_at=PREPARED,
                qr_data_uri="data:image/svg+xml;base64,")
    import html as html_module
    with app.test_request_context():
        text = html_module.unescape(render_template("documents/transmittal_pdf.html", seal=info,
                                                    doc=SlipDocument(slip, w.world.campaign(db), lines, "M. Gestion")))
    assert "Bordereau de transmission n° BT-2026-001" in text and "Bamako, le 06/07/2026" in text
    assert "Direction Nationale de la Formation Professionnelle (DNFP), Bamako" in text
    assert "Agence Marocaine de Coopération Internationale (AMCI), Rabat" in text
    assert "Copies de passeport" in text and f"0 présente(s) sur {len(w.accepted)}" in text
    assert all(ref in text for ref in references) and name.upper() in text
    assert f"Arrêté le présent bordereau à {len(w.accepted)} candidat(s)." in text
    # The public page: intact, and the file recognised; a changed file is not.
    client = app.test_client()
    page = client.get(f"/verifier/{document.token}")
    body = html_module.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "Document authentique" in body and "Bordereau de transmission" in body
    assert slip.number in body and name not in body
    same = client.post(f"/verifier/{document.token}", data={"file": (io.BytesIO(document.pdf), "bt.pdf")},
                       content_type="multipart/form-data")
    assert "Ce fichier est identique à l'original." in html_module.unescape(same.get_data(as_text=True))
    changed = document.pdf[:-200] + bytes([document.pdf[-200] ^ 1]) + document.pdf[-199:]   # one bit
    assert changed != document.pdf
    other = client.post(f"/verifier/{document.token}", data={"file": (io.BytesIO(changed), "bt.pdf")},
                        content_type="multipart/form-data")
    assert "ne correspond pas au document scellé" in html_module.unescape(other.get_data(as_text=True))


# --- the life of a slip ------------------------------------------------------------------------

_life = itertools.count(1)


def _prepared(db):
    from quota_app.amci.slips import prepare_slip

    manager = _manager(db)
    campaign = bare_campaign(db, f"LIFE-{next(_life)}", 2026)
    add_nominations(db, campaign, 2)
    db.session.commit()
    slip = prepare_slip(manager, campaign.id, PREPARED)
    db.session.commit()
    return manager, slip


def test_each_step_records_who_and_when_and_a_second_click_changes_nothing(db):
    from quota_app.amci.slips import mark_answered, mark_received, mark_sent

    manager, slip = _prepared(db)
    other = _manager(db)
    sent_at = PREPARED + timedelta(days=1)
    assert mark_sent(manager, slip, date(2026, 7, 6), sent_at, version=slip.version) is True
    db.session.commit()
    assert (slip.status, slip.sent_on, slip.sent_at, slip.sent_by_id) == ("sent", date(2026, 7, 6), sent_at, manager.id)
    version = slip.version
    assert mark_sent(manager, slip, date(2026, 7, 7), sent_at + timedelta(hours=1), version=version - 1) is False
    db.session.commit()
    assert slip.sent_on == date(2026, 7, 6) and slip.version == version     # nothing changed
    received_at = PREPARED + timedelta(days=12)
    assert mark_received(other, slip, received_at, version=slip.version) is True
    db.session.commit()
    assert (slip.status, slip.received_at, slip.received_by_id) == ("received", received_at, other.id)
    assert mark_received(other, slip, received_at + timedelta(days=1)) is False
    answered_at = PREPARED + timedelta(days=40)
    assert mark_answered(manager, slip, answered_at) is True
    db.session.commit()
    assert (slip.status, slip.answered_at, slip.answered_by_id) == ("answered", answered_at, manager.id)
    assert mark_answered(manager, slip, answered_at + timedelta(days=1)) is False
    db.session.commit()
    for action, actor in (("amci.slip.send", manager), ("amci.slip.receive", other), ("amci.slip.answer", manager)):
        [event] = _events(db, action)
        assert event.actor_id == actor.id and event.object_id == str(slip.id)
    assert _events(db, "amci.slip.send")[0].after["sent_on"] == "2026-07-06"


def test_an_illegal_step_is_refused_in_french(db):
    from quota_app.amci.slips import mark_answered, mark_received, mark_sent
    from quota_app.errors import InvalidTransition

    manager, slip = _prepared(db)
    with pytest.raises(InvalidTransition, match="Étape impossible"):
        mark_received(manager, slip, PREPARED)
    with pytest.raises(InvalidTransition):
        mark_answered(manager, slip, PREPARED)
    mark_sent(manager, slip, date(2026, 7, 6), PREPARED)
    mark_received(manager, slip, PREPARED)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="ne peut pas revenir"):
        mark_sent(manager, slip, date(2026, 7, 6), PREPARED)
    assert slip.status == "received"


def test_the_date_sent_is_checked(db):
    from quota_app.amci.slips import mark_sent
    from quota_app.errors import ValidationFailed

    manager, slip = _prepared(db)
    with pytest.raises(ValidationFailed, match="Indiquez la date"):
        mark_sent(manager, slip, None, PREPARED)
    with pytest.raises(ValidationFailed, match="futur"):
        mark_sent(manager, slip, date(2026, 7, 7), PREPARED)
    with pytest.raises(ValidationFailed, match="précède la préparation"):
        mark_sent(manager, slip, date(2026, 7, 5), PREPARED)
    assert slip.status == "prepared"


def test_a_stale_version_is_a_conflict(db):
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    from quota_app.amci.models import Transmittal
    from quota_app.amci.slips import mark_sent
    from quota_app.errors import Conflict

    manager, slip = _prepared(db)
    with pytest.raises(Conflict, match="modifié entre-temps"):
        mark_sent(manager, slip, date(2026, 7, 6), PREPARED, version=slip.version + 1)
    db.session.rollback()
    assert slip.status == "prepared"
    # Someone else moved it after this session read it: the version column refuses the UPDATE
    # (the page's act() turns it into a French Conflict, 409).
    db.session.execute(update(Transmittal).where(Transmittal.id == slip.id)
                       .values(version=Transmittal.version + 1).execution_options(synchronize_session=False))
    with pytest.raises(StaleDataError):
        mark_sent(manager, slip, date(2026, 7, 6), PREPARED)
    db.session.rollback()


# --- two managers at once (PostgreSQL) ----------------------------------------------------------

def _prepare_at_once(app, campaign_ids, manager_id, monkeypatch):
    from quota_app.amci import slips
    from quota_app.auth.models import User
    from quota_app.errors import DomainError
    from quota_app.extensions import db as database

    original = slips.render_pdf

    def slow(*args, **kwargs):   # the first one holds its locks while the other arrives
        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(slips, "render_pdf", slow)
    barrier = threading.Barrier(len(campaign_ids), timeout=30)
    outcomes = []
    lock = threading.Lock()

    def worker(campaign_id):
        with app.test_request_context():
            try:
                user = database.session.get(User, manager_id)
                barrier.wait()
                try:
                    slip = slips.prepare_slip(user, campaign_id, datetime(2026, 7, 1, 9, 0))
                    database.session.commit()
                    with lock:
                        outcomes.append(("ok", slip.number))
                except DomainError as refusal:
                    database.session.rollback()
                    with lock:
                        outcomes.append(("refused", refusal.message))
            except Exception:  # pragma: no cover - shown in the assertion
                database.session.rollback()
                with lock:
                    outcomes.append(("error", traceback.format_exc()))
            finally:
                database.session.remove()

    threads = [threading.Thread(target=worker, args=(cid,)) for cid in campaign_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    assert not [o for o in outcomes if o[0] == "error"], outcomes
    return outcomes


@pytest.mark.postgres_only
def test_two_managers_preparing_the_same_campaigns_slip_make_one(app, db, monkeypatch):
    from quota_app.amci.models import Nomination, Transmittal

    manager = _manager(db)
    campaign = bare_campaign(db, "RACE-1", 2026)
    add_nominations(db, campaign, 3)
    db.session.commit()
    campaign_id, manager_id = campaign.id, manager.id
    db.session.remove()
    outcomes = _prepare_at_once(app, [campaign_id, campaign_id], manager_id, monkeypatch)
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert any("Aucune nomination à transmettre" in o[1] for o in outcomes if o[0] == "refused")
    [slip] = db.session.scalars(db.select(Transmittal)).all()
    assert slip.number == "BT-2026-001"
    assert db.session.scalar(db.select(db.func.count(Nomination.id)).where(Nomination.transmittal_id == slip.id)) == 3


@pytest.mark.postgres_only
def test_two_campaigns_slips_prepared_at_once_get_distinct_numbers(app, db, monkeypatch):
    from quota_app.amci.models import Transmittal

    manager = _manager(db)
    a, b = bare_campaign(db, "RACE-A", 2026), bare_campaign(db, "RACE-B", 2026)
    add_nominations(db, a, 2)
    add_nominations(db, b, 2)
    db.session.commit()
    ids, manager_id = [a.id, b.id], manager.id
    db.session.remove()
    outcomes = _prepare_at_once(app, ids, manager_id, monkeypatch)
    # Distinct numbers (the year's advisory lock), or a French refusal: never a 500.
    assert all(o[0] in ("ok", "refused") for o in outcomes), outcomes
    numbers = sorted(o[1] for o in outcomes if o[0] == "ok")
    assert numbers == sorted(set(numbers)) and numbers
    stored = sorted(db.session.scalars(db.select(Transmittal.number)).all())
    assert stored == numbers
    assert stored == ["BT-2026-001", "BT-2026-002"]
