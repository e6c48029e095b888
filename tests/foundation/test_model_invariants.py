"""The schema itself refuses what the domain forbids, whatever the code above it does."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from quota_app.applications.models import Applicant, Application, ApplicationChoice
from quota_app.campaigns.models import Campaign, Offer


@pytest.fixture
def setup(db, reference):
    from quota_app.reference.models import Establishment, Programme

    campaign = Campaign(
        code="T-2026", title="Campagne de test", year=2026, reference_date=date(2026, 9, 1),
        opens_at=datetime(2026, 1, 1), closes_at=datetime(2026, 12, 31),
    )
    db.session.add(campaign)
    db.session.flush()
    programmes = db.session.execute(db.select(Programme).order_by(Programme.id)).scalars().all()
    establishment = db.session.execute(db.select(Establishment)).scalars().first()
    offers = [
        Offer(campaign_id=campaign.id, programme_id=p.id, establishment_id=establishment.id,
              code=f"O{i}", seats=3, reserved_seats=1)
        for i, p in enumerate(programmes[:4])
    ]
    db.session.add_all(offers)
    db.session.commit()
    return campaign, offers


def make_application(db, campaign, **fields):
    applicant = Applicant(source="import")
    db.session.add(applicant)
    db.session.flush()
    application = Application(campaign_id=campaign.id, applicant_id=applicant.id, **fields)
    db.session.add(application)
    db.session.flush()
    return application


def test_duplicate_nina_in_one_campaign_is_refused(db, setup):
    campaign, _ = setup
    make_application(db, campaign, nina="11990123456789A")
    with pytest.raises(IntegrityError):
        make_application(db, campaign, nina="11990123456789A")


def test_duplicate_passport_in_one_campaign_is_refused(db, setup):
    campaign, _ = setup
    make_application(db, campaign, passport_number="AA123456")
    with pytest.raises(IntegrityError):
        make_application(db, campaign, passport_number="AA123456")


def test_same_nina_in_another_campaign_is_allowed(db, setup):
    campaign, _ = setup
    other = Campaign(code="T-2027", title="Autre", year=2027, reference_date=date(2027, 9, 1),
                     opens_at=datetime(2027, 1, 1), closes_at=datetime(2027, 12, 31))
    db.session.add(other)
    db.session.flush()
    make_application(db, campaign, nina="11990123456789A")
    make_application(db, other, nina="11990123456789A")
    db.session.commit()


def test_one_application_per_applicant_per_campaign(db, setup):
    campaign, _ = setup
    first = make_application(db, campaign)
    db.session.add(Application(campaign_id=campaign.id, applicant_id=first.applicant_id))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_a_fourth_choice_is_refused(db, setup):
    campaign, offers = setup
    application = make_application(db, campaign)
    for rank, offer in enumerate(offers[:3], start=1):
        db.session.add(ApplicationChoice(application_id=application.id, offer_id=offer.id, rank=rank))
    db.session.flush()
    db.session.add(ApplicationChoice(application_id=application.id, offer_id=offers[3].id, rank=4))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_the_same_offer_twice_is_refused(db, setup):
    campaign, offers = setup
    application = make_application(db, campaign)
    db.session.add(ApplicationChoice(application_id=application.id, offer_id=offers[0].id, rank=1))
    db.session.add(ApplicationChoice(application_id=application.id, offer_id=offers[0].id, rank=2))
    with pytest.raises(IntegrityError):
        db.session.flush()


@pytest.mark.parametrize("seats, reserved", [(-1, 0), (2, 3), (2, -1)])
def test_seats_cannot_go_negative_nor_reserved_exceed_seats(db, setup, seats, reserved):
    campaign, offers = setup
    offers[0].seats = seats
    offers[0].reserved_seats = reserved
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_average_is_on_twenty(db, setup):
    campaign, _ = setup
    with pytest.raises(IntegrityError):
        make_application(db, campaign, diploma_average=25)


def test_unknown_status_and_phase_are_refused(db, setup):
    campaign, _ = setup
    application = make_application(db, campaign)
    application.status = "approved"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    campaign = db.session.get(Campaign, campaign.id)
    campaign.phase = "finished"
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_campaign_window_must_be_ordered(db, reference):
    db.session.add(Campaign(code="BAD", title="Mauvaise", year=2026, reference_date=date(2026, 9, 1),
                            opens_at=datetime(2026, 5, 1), closes_at=datetime(2026, 5, 1) - timedelta(days=1)))
    with pytest.raises(IntegrityError):
        db.session.flush()


def _round(db, campaign):
    from quota_app.placement.models import AllocationRound

    round_ = AllocationRound(campaign_id=campaign.id, number=1)
    db.session.add(round_)
    db.session.flush()
    return round_


def test_a_file_never_holds_two_seats_of_one_offer_nor_two_accepted_seats(db, setup, make_user):
    from quota_app.placement.models import Placement

    campaign, offers = setup
    application = make_application(db, campaign)
    round_ = _round(db, campaign)
    db.session.add(Placement(application_id=application.id, offer_id=offers[0].id, round_id=round_.id, choice_rank=2,
                             status="accepted"))
    db.session.flush()
    # A better seat offered while the accepted one is held: allowed (the candidate moves up).
    better = Placement(application_id=application.id, offer_id=offers[1].id, round_id=round_.id, choice_rank=1)
    db.session.add(better)
    db.session.flush()
    better.status = "accepted"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_second_live_placement_at_the_same_offer_is_refused(db, setup, make_user):
    from quota_app.placement.models import Placement

    campaign, offers = setup
    application = make_application(db, campaign)
    round_ = _round(db, campaign)
    db.session.add(Placement(application_id=application.id, offer_id=offers[0].id, round_id=round_.id, choice_rank=1))
    db.session.flush()
    db.session.add(Placement(application_id=application.id, offer_id=offers[0].id, round_id=round_.id, choice_rank=1,
                             seat_number=2))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_seat_is_never_held_by_two_people(db, setup, make_user):
    from quota_app.placement.models import Placement

    campaign, offers = setup
    first, second = make_application(db, campaign), make_application(db, campaign)
    round_ = _round(db, campaign)
    held = Placement(application_id=first.id, offer_id=offers[0].id, round_id=round_.id, choice_rank=1,
                     seat_kind="reserved", seat_number=1)
    db.session.add(held)
    db.session.flush()
    # The same numbered seat is free again once its holder declined.
    held.status = "declined"
    db.session.flush()
    db.session.add(Placement(application_id=second.id, offer_id=offers[0].id, round_id=round_.id, choice_rank=1,
                             seat_kind="reserved", seat_number=1))
    db.session.flush()
    db.session.add(Placement(application_id=first.id, offer_id=offers[0].id, round_id=round_.id, choice_rank=1,
                             seat_kind="reserved", seat_number=1, status="offered"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_chair_per_committee(db, setup, make_user):
    from quota_app.committee.models import Committee, CommitteeMember

    campaign, _ = setup
    a, b = make_user("committee"), make_user("committee")
    committee = Committee(campaign_id=campaign.id, name="Comité")
    db.session.add(committee)
    db.session.flush()
    db.session.add(CommitteeMember(committee_id=committee.id, user_id=a.id, role="chair"))
    db.session.flush()
    db.session.add(CommitteeMember(committee_id=committee.id, user_id=b.id, role="chair"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_optimistic_locking_refuses_a_stale_write(app, setup):
    """Two sessions load the same offer; the second write fails instead of overwriting."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from quota_app.extensions import db as database

    _, offers = setup
    offer_id = offers[0].id
    with Session(database.engine) as first, Session(database.engine) as second:
        a = first.get(Offer, offer_id)
        b = second.get(Offer, offer_id)
        a.seats = 5
        first.commit()
        b.seats = 7
        with pytest.raises(StaleDataError):
            second.commit()
    database.session.expire_all()
    assert database.session.get(Offer, offer_id).seats == 5
