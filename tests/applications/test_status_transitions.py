"""Application.transition_to on the database: a legal move changes the status and leaves one
audit event (who, before, after, why); an illegal one changes nothing and says why in French."""
import pytest

from factories import make_application, make_campaign, make_user, place
from quota_app.applications.models import Application
from quota_app.errors import InvalidTransition


def _events(db, **filters):
    from quota_app.audit.models import AuditEvent
    return db.session.execute(db.select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)).scalars().all()


def test_a_legal_move_is_applied_and_audited(db):
    application = make_application("eligible")
    chair = make_user("committee")
    event = application.transition_to("evaluated", chair, "chair", reason="Délibération du 12 juillet",
                                      after={"rank": 3})
    db.session.commit()
    assert application.status == "evaluated"
    (stored,) = _events(db, action="application.status")
    assert stored.id == event.id and stored.actor_id == chair.id
    assert (stored.object_type, stored.object_id) == ("applications", str(application.id))
    assert stored.campaign_id == application.campaign_id
    assert stored.before == {"status": "eligible"} and stored.after == {"status": "evaluated", "rank": 3}
    assert stored.reason == "Délibération du 12 juillet"


def test_an_illegal_move_changes_nothing_and_says_why(db):
    application = make_application("submitted")
    count = len(_events(db))
    with pytest.raises(InvalidTransition) as caught:
        application.transition_to("eligible", make_user("applicant"), "applicant")
    assert caught.value.message == (
        "Le passage de l'état « Soumis » à l'état « Recevable » ne peut être fait que par un gestionnaire.")
    with pytest.raises(InvalidTransition, match="ne peut pas passer à l'état « Accepté »"):
        application.transition_to("accepted", None, "system")
    assert application.status == "submitted" and len(_events(db)) == count


def test_a_new_file_is_created_only_in_an_initial_state():
    from quota_app.applications.models import Application

    assert Application.new("applicant", campaign_id=1).status == "draft"
    assert Application.new("import", "submitted", campaign_id=1).status == "submitted"
    with pytest.raises(InvalidTransition, match="créé directement à l'état « Recevable »"):
        Application.new("import", "eligible", campaign_id=1)


def test_the_services_leave_their_own_events(db):
    application = make_application("withdrawn")
    (submit,) = _events(db, action="application.submit")
    assert submit.before == {"status": "draft"}
    assert submit.after == {"status": "submitted", "reference": application.reference}
    (withdraw,) = _events(db, action="application.withdraw")
    assert withdraw.before == {"status": "submitted"} and withdraw.after == {"status": "withdrawn"}


def test_a_placement_answer_is_audited_on_the_placement(db):
    from quota_app.placement import services
    from quota_app.placement.models import Placement

    campaign = make_campaign("published", files=("eligible",))
    application = db.session.scalar(db.select(Application).where(Application.campaign_id == campaign.id))
    placement = db.session.scalar(db.select(Placement).where(Placement.application_id == application.id))
    services.answer(application.applicant.user, placement, "decline", now=campaign.closes_at)
    db.session.commit()
    decline, status = _events(db, action="placement.decline")
    assert (decline.object_type, decline.object_id) == ("placements", str(placement.id))
    assert decline.campaign_id == application.campaign_id
    assert decline.before == {"placement": "offered"} and decline.after == {"placement": "declined"}
    assert (status.object_type, status.before, status.after) == (
        "applications", {"status": "placed"}, {"status": "declined"})


def test_an_offered_seat_cannot_be_answered_by_a_file_that_is_not_placed(db):
    """Before the status table, answering set the file's status whatever it was."""
    from quota_app.placement import services

    campaign = make_campaign("published", files=("eligible",))
    application = db.session.scalar(db.select(Application).where(Application.campaign_id == campaign.id))
    placement = services.live_placement(application)
    application.transition_to("declined", None, "system", reason="Test : date limite passée")
    db.session.commit()
    owner = application.applicant.user
    with pytest.raises(InvalidTransition, match="« Désisté » ne peut pas passer à l'état « Accepté »"):
        services.answer(owner, placement, "accept", now=campaign.closes_at)
    assert placement.status == "offered" and application.status == "declined"


def test_a_waiting_file_is_promoted_by_the_system(db):
    application = make_application("waiting_list")
    placement = place(application)
    assert application.status == "placed" and placement.status == "offered"
    (event,) = _events(db, action="placement.allocate", object_id=str(application.id))[-1:]
    assert event.before == {"status": "waiting_list"} and event.actor_id is None
