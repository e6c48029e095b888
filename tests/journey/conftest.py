"""Fixtures for the applicant's journey: an open campaign with offers and required documents,
applicants logged in on their own clients, and helpers that fill every step."""
from datetime import date, timedelta

import pytest

@pytest.fixture
def campaign(app, db, reference):
    """An open campaign (window around now) with four offers and two required documents."""
    import factories

    return factories.make_open_campaign(programmes=("TS-DD", "TS-IA", "T-MI", "Q-CONF"),
                                        documents=("PHOTO", "DIPLOMA")).id


@pytest.fixture
def other_campaign(app, db, reference):
    from quota_app.campaigns.models import Campaign, Offer
    from quota_app.reference.models import Establishment, Programme
    from quota_app.timeutil import utcnow

    now = utcnow()
    item = Campaign(code="Q2027", title="Quota autre", year=2027, phase="open",
                    reference_date=date(now.year, 9, 1), opens_at=now - timedelta(days=5),
                    closes_at=now + timedelta(days=20))
    db.session.add(item)
    db.session.flush()
    programme = db.session.query(Programme).filter_by(code="TS-DD").one()
    rabat = db.session.query(Establishment).filter_by(code="ISTA-RABAT").one()
    offer = Offer(campaign_id=item.id, programme_id=programme.id, establishment_id=rabat.id, code="X", seats=3)
    db.session.add(offer)
    db.session.commit()
    return offer.id


@pytest.fixture
def applicant(app, make_user):
    """make applicant users with their Applicant row; returns (user, client)."""
    import factories

    def factory():
        user = make_user(role="applicant")
        with app.app_context():
            factories.make_applicant(user)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.session_token
            session["_fresh"] = True
        return user, client

    return factory

