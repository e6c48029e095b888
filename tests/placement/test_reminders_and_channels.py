"""The placement's messages on the candidate's channels, and the reminder 24 hours before the
deadline, sent once."""
from datetime import timedelta

from factories import make_campaign


def _placed(db, campaign):
    from quota_app.applications.models import Application
    from quota_app.placement.cascade import live_placements

    application = db.session.scalar(db.select(Application).where(
        Application.campaign_id == campaign.id, Application.status == "placed").order_by(Application.id))
    return application, live_placements(application.id)[0]


def test_the_offer_goes_by_sms_and_by_e_mail_with_the_deadline(db):
    from quota_app.notifications.models import OutboxMessage

    campaign = make_campaign("published", files=("eligible",), seats=1)
    application, placement = _placed(db, campaign)
    messages = db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.application_id == application.id, OutboxMessage.subject.contains("une place vous est proposée"))).all()
    channels = {m.channel: m for m in messages}
    assert set(channels) == {"sms", "email"}
    sms = channels["sms"].body
    assert "Répondez avant le " + placement.deadline.strftime("%d/%m %H:%M") in sms
    assert application.reference in sms and len(sms) <= 320


def test_the_reminder_goes_once_within_the_last_24_hours(db):
    from quota_app.audit.models import AuditEvent
    from quota_app.notifications.models import OutboxMessage
    from quota_app.placement.reminders import remind_due

    campaign = make_campaign("published", files=("eligible",), seats=1)
    application, placement = _placed(db, campaign)
    assert remind_due(placement.deadline - timedelta(hours=30)) == 0  # not yet
    assert remind_due(placement.deadline - timedelta(hours=20)) == 1
    db.session.commit()
    assert remind_due(placement.deadline - timedelta(hours=10)) == 0  # once only
    assert remind_due(placement.deadline + timedelta(minutes=1)) == 0  # past: the expiry's business
    reminders = db.session.scalars(db.select(OutboxMessage).where(
        OutboxMessage.application_id == application.id, OutboxMessage.subject.contains("répondez avant"))).all()
    assert {m.channel for m in reminders} == {"sms", "email"}
    assert db.session.query(AuditEvent).filter_by(action="placement.reminder").count() == 1


def test_an_offer_made_within_a_day_of_its_deadline_gets_no_reminder(db):
    from quota_app.placement.reminders import remind_due

    campaign = make_campaign("published", files=("eligible",), seats=1)
    _application, placement = _placed(db, campaign)
    placement.offered_at = placement.deadline - timedelta(hours=12)
    db.session.commit()
    assert remind_due(placement.deadline - timedelta(hours=6)) == 0
