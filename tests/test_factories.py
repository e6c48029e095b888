"""The test factories themselves: every status and every phase is reachable in one line,
through the services (the audit trail shows the way each took)."""
import pytest

import factories
from factories import make_applicant, make_application, make_campaign, make_user
from quota_app.applications.status import STATUSES
from quota_app.campaigns.phases import PHASES


def _fresh(db, obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def _actions(db, application) -> list[str]:
    from quota_app.audit.models import AuditEvent
    return list(db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.object_type == "applications", AuditEvent.object_id == str(application.id))
        .order_by(AuditEvent.id)))


def test_every_status_has_a_route_from_the_draft():
    assert set(factories.ROUTE) | {"draft"} == set(STATUSES)
    assert set(factories.STEPS) == set(factories.ROUTE)
    assert factories.route("draft") == ["draft"]
    assert factories.route("enrolled") == ["draft", "submitted", "eligible", "evaluated", "placed", "accepted",
                                           "enrolled"]
    with pytest.raises(ValueError):
        factories.route("approved")


@pytest.mark.parametrize("status", STATUSES)
def test_make_application_reaches_every_status(db, status):
    application = make_application(status)
    application = _fresh(db, application)
    assert application.status == status
    assert application.campaign.phase == "open"
    if status != "draft":
        assert application.reference and application.submitted_at is not None
        assert "application.submit" in _actions(db, application)
    screened = {"eligible", "ineligible"} & set(factories.route(status))
    assert [s.decision for s in application.screenings] == sorted(screened)


def test_make_application_walks_the_real_services(db):
    from quota_app.placement.models import Placement

    application = make_application("accepted")
    assert _actions(db, application)[:2] == ["application.create", "application.identity"]
    assert "application.screening.eligible" in _actions(db, application)
    placement = db.session.scalar(db.select(Placement).where(Placement.application_id == application.id))
    assert placement.status == "accepted" and placement.decided_at is not None


def test_an_empty_draft_and_a_draft_ready_to_submit(db):
    from quota_app.applications import eligibility, services

    empty = make_application("draft", filled=False)
    assert empty.last_name is None and not empty.choices and not empty.documents
    ready = make_application("draft")
    assert ready.motivation and ready.choices and ready.documents
    assert not eligibility.failed(services.checks_for(ready, now=factories.applying_moment(ready.campaign)))


def test_several_files_in_one_campaign_each_their_own_identity(db):
    campaign = make_campaign("open")
    first = make_application("submitted", campaign=campaign)
    second = make_application("eligible", campaign=campaign)
    assert first.campaign_id == second.campaign_id and first.nina != second.nina
    assert first.reference != second.reference


def test_staff_may_be_given(db):
    manager = make_user("manager")
    application = make_application("ineligible", manager=manager)
    assert application.screenings[-1].decided_by_id == manager.id


def test_make_applicant_makes_an_account_and_its_applicant(db):
    applicant = make_applicant()
    assert applicant.source == "web" and applicant.user.role == "applicant"


@pytest.mark.parametrize("phase", PHASES)
def test_make_campaign_reaches_every_phase(db, phase):
    campaign = _fresh(db, make_campaign(phase))
    assert campaign.phase == phase
    assert bool(campaign.offers) is (phase != "draft")


def test_make_campaign_accepts_the_committee_alias_and_refuses_unknown_phases(db):
    assert make_campaign("committee").phase == "review"
    with pytest.raises(ValueError, match="Phase inconnue"):
        make_campaign("finished")


def test_the_files_follow_the_campaign_stages(db):
    from quota_app.applications.models import Application

    campaign = make_campaign("published", seats=1, files=("eligible", "eligible", "ineligible", "withdrawn"))
    statuses = sorted(db.session.scalars(db.select(Application.status).where(Application.campaign_id == campaign.id)))
    assert statuses == ["ineligible", "placed", "waiting_list", "withdrawn"]
    assert make_campaign("closed").phase == "closed"


def test_the_phase_guards_still_apply(db):
    from quota_app.errors import InvalidTransition

    with pytest.raises(InvalidTransition) as caught:
        make_campaign("review", files=("submitted",))
    assert any("pas encore été examinés" in r for r in caught.value.reasons)


def test_campaigns_get_distinct_years_and_codes(db):
    first, second = make_campaign(), make_campaign()
    assert (first.code, first.year) == ("QUOTA-2026", 2026)
    assert (second.code, second.year) == ("QUOTA-2027", 2027)
    assert make_campaign(code="AUTRE").code == "AUTRE"
