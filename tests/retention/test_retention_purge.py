"""The purge of the expired campaigns (retention/services.purge_expired and `flask purge-expired`):
the dry run counts what the real run does and writes nothing; the files the campaign did not
select are anonymised (personal fields, documents on disk, receipt, messages, the journal's
values), their statistics kept; the selected files untouched; a second run does nothing."""
import os
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

import factories
from quota_app.applications.models import Application, ApplicationDocument
from quota_app.audit.models import AuditEvent
from quota_app.documents.models import SealedDocument
from quota_app.notifications.models import OutboxMessage
from quota_app.retention import rules, services

FILES = ("eligible", "eligible", "eligible", "ineligible", "withdrawn", "draft")


def _files(db, campaign):
    return list(db.session.scalars(select(Application).where(Application.campaign_id == campaign.id)
                                   .order_by(Application.id)))


def _stored(db, application_id):
    return list(db.session.scalars(select(ApplicationDocument.stored_name)
                                   .where(ApplicationDocument.application_id == application_id)))


def _on_disk(name):
    return os.path.exists(os.path.join(current_app.config["UPLOAD_DIR"], name))


@pytest.fixture
def world(db):
    """A closed campaign of one seat: one file placed, two on the waiting list, one ineligible
    (with its sealed receipt, a message sent about it, the manager's comment), one withdrawn,
    one draft; the moment its period ends; a campaign closed later, not yet expired."""
    from quota_app.applications import services as applications
    from quota_app.notifications.services import send_email

    campaign = factories.make_campaign("closed", seats=1, files=FILES)
    files = _files(db, campaign)
    by_status = {}
    for application in files:
        by_status.setdefault(application.status, []).append(application)
    assert sorted(by_status) == ["draft", "ineligible", "placed", "waiting_list", "withdrawn"]
    ineligible = by_status["ineligible"][0]
    applications.issue_receipt(factories._owner(ineligible), ineligible)
    send_email("awa@exemple.ml", "Votre dossier", "Bonjour Awa Traoré, votre dossier…", application_id=ineligible.id)
    db.session.commit()
    closed = services.close_moments([campaign])[campaign.id]
    moved = db.session.scalars(select(AuditEvent.at).where(AuditEvent.action == "campaign.phase",
                                                           AuditEvent.object_id == str(campaign.id))
                               .order_by(AuditEvent.at.desc())).first()
    assert closed == moved  # the move to « Clôturée » in the journal, not the window's end
    later = factories.make_campaign("open")
    return {"campaign": campaign, "by_status": by_status, "now": rules.purge_after(closed, 2) + timedelta(minutes=1),
            "closed": closed, "later": later, "placed": by_status["placed"][0], "ineligible": ineligible}


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_dry_run_counts_what_the_real_run_does_and_writes_nothing(db, world):
    events, documents = _count(db, AuditEvent), _count(db, ApplicationDocument)
    dry = services.purge_expired(world["now"], dry_run=True)
    [line] = dry.campaigns
    assert (line.campaign_id, line.applications, line.documents, line.kept) == (world["campaign"].id, 5, 5, 1)
    assert line.closed_at == world["closed"] and line.purge_after == rules.purge_after(world["closed"], 2)
    db.session.commit()
    assert (_count(db, AuditEvent), _count(db, ApplicationDocument)) == (events, documents)
    assert all(a.anonymised_at is None and a.last_name for a in _files(db, world["campaign"]))

    real = services.purge_expired(world["now"])
    db.session.commit()
    assert [(c.campaign_id, c.applications, c.documents, c.kept) for c in real.campaigns] == \
        [(c.campaign_id, c.applications, c.documents, c.kept) for c in dry.campaigns]
    assert len(real.files) == 5


def test_not_selected_files_are_anonymised_and_their_statistics_kept(db, world):
    before = {a.id: (a.sex, a.birth_date.year, a.region_id, a.diploma_id, a.series_id, a.diploma_average,
                     a.diploma_year, a.status, [c.offer_id for c in a.choices])
              for a in _files(db, world["campaign"])}
    files = {a.id: _stored(db, a.id) for a in _files(db, world["campaign"])}
    ineligible_id, placed_id = world["ineligible"].id, world["placed"].id
    receipt_id = world["ineligible"].receipt_document_id
    report = services.purge_expired(world["now"])
    db.session.commit()
    assert services.delete_files(report.files) == 5
    for application in _files(db, world["campaign"]):
        if application.id == placed_id:
            continue
        for name in rules.PERSONAL_FIELDS:
            assert getattr(application, name) is None, name
        assert application.search_name == "" and application.anonymised_at == world["now"]
        assert application.birth_date == date(before[application.id][1], 1, 1)
        assert (application.sex, application.birth_date.year, application.region_id, application.diploma_id,
                application.series_id, application.diploma_average, application.diploma_year, application.status,
                [c.offer_id for c in application.choices]) == before[application.id]
        assert application.documents == [] and not any(_on_disk(n) for n in files[application.id])
    assert db.session.get(SealedDocument, receipt_id).pdf == b""
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == ineligible_id)).all()
    assert len(messages) >= 2  # the file's own messages and ours
    assert all(m.to_email is None and m.to_phone is None and "Traoré" not in m.body for m in messages)
    journal = db.session.execute(select(AuditEvent.before, AuditEvent.after).where(
        AuditEvent.object_type == "applications", AuditEvent.object_id == str(ineligible_id))).all()
    assert journal and "Traoré" not in repr(journal) and "Bamako" not in repr(journal)
    from quota_app.applications.models import ScreeningDecision

    assert db.session.scalars(select(ScreeningDecision.comment)
                              .where(ScreeningDecision.application_id == ineligible_id)).all() == [""]


def test_selected_files_are_untouched(db, world):
    placed = world["placed"]
    kept = (placed.last_name, placed.first_names, placed.nina, placed.phone, placed.birth_date, placed.version)
    stored = _stored(db, placed.id)
    services.delete_files(services.purge_expired(world["now"]).files)
    db.session.commit()
    placed = db.session.get(Application, placed.id)
    assert (placed.last_name, placed.first_names, placed.nina, placed.phone, placed.birth_date, placed.version) == kept
    assert placed.anonymised_at is None and _stored(db, placed.id) == stored and all(_on_disk(n) for n in stored)


def test_one_audit_row_per_campaign_and_a_second_run_does_nothing(db, world):
    services.purge_expired(world["now"])
    db.session.commit()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.purge")).all()
    assert event.object_type == "campaigns" and event.object_id == str(world["campaign"].id)
    assert event.after["anonymised"] == 5 and event.after["documents"] == 5 and event.after["kept"] == 1
    assert event.after["years"] == 2
    events = _count(db, AuditEvent)
    versions = {a.id: a.version for a in _files(db, world["campaign"])}
    again = services.purge_expired(world["now"] + timedelta(days=30))
    db.session.commit()
    assert [(c.applications, c.documents) for c in again.campaigns] == [(0, 0)] and again.files == []
    assert _count(db, AuditEvent) == events
    assert {a.id: a.version for a in _files(db, world["campaign"])} == versions


def test_nothing_before_the_period_ends_nor_in_a_campaign_not_closed(db, world, app, monkeypatch):
    assert services.purge_expired(world["now"] - timedelta(minutes=2)).campaigns == []
    assert services.purge_expired(world["now"] + timedelta(days=3650), dry_run=True).campaigns[0].campaign_id \
        == world["campaign"].id  # the open campaign never appears
    monkeypatch.setitem(app.config, "RETENTION_YEARS_AFTER_CLOSE", 5)
    assert services.purge_expired(world["now"], dry_run=True).campaigns == []
    assert len(services.purge_expired(world["now"], years=2, dry_run=True).campaigns) == 1


def test_without_the_move_in_the_journal_the_window_end_counts(db, world):
    campaign = world["campaign"]
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.phase",
                                                             AuditEvent.object_id == str(campaign.id))):
        db.session.delete(event)
    db.session.commit()
    assert services.close_moments([campaign])[campaign.id] == campaign.closes_at
    report = services.purge_expired(rules.purge_after(campaign.closes_at, 2), dry_run=True)
    assert [c.applications for c in report.campaigns] == [5]


def test_the_command(app, db, world):
    runner = app.test_cli_runner()
    at = world["now"].strftime("%Y-%m-%d %H:%M")
    code = world["campaign"].code
    dry = runner.invoke(args=["purge-expired", "--dry-run", "--at", at])
    assert dry.exit_code == 0, dry.output
    assert "Simulation : rien n'est modifié." in dry.output
    assert f"Campagne {code}" in dry.output and "5 dossier(s) à anonymiser, 5 pièce(s) à supprimer" in dry.output
    db.session.expire_all()
    assert all(a.anonymised_at is None for a in _files(db, world["campaign"]))
    real = runner.invoke(args=["purge-expired", "--at", at])
    assert real.exit_code == 0, real.output
    assert "5 dossier(s) anonymisé(s), 5 pièce(s) supprimée(s) ; 1 dossier(s) retenu(s) conservé(s)" in real.output
    db.session.expire_all()
    assert sum(a.anonymised_at is not None for a in _files(db, world["campaign"])) == 5
    again = runner.invoke(args=["purge-expired", "--at", at])
    assert "0 dossier(s) anonymisé(s)" in again.output
    wrong = runner.invoke(args=["purge-expired", "--at", "demain"])
    assert wrong.exit_code != 0 and "AAAA-MM-JJ HH:MM" in wrong.output
