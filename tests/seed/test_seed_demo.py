"""flask seed-demo: reference data, one account per role, the open demonstration campaign.
(The rest of the year it seeds: test_seed_year.py. The demo is seeded once: conftest.py.)"""
from datetime import timedelta

from sqlalchemy import func, select

from quota_app.applications.models import Applicant
from quota_app.audit.models import AuditEvent
from quota_app.auth.models import Consent, User
from quota_app.auth.passwords import verify_password
from quota_app.campaigns.models import (
    Campaign, CampaignDocument, CampaignLevelRule, Criterion, Offer,
)
from quota_app.committee.models import Committee, CommitteeMember
from quota_app.extensions import db
from quota_app.reference.models import DocumentType, Level
from quota_app.seed.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_campaign_code
from quota_app.seed.year import REVIEWERS

from seed_helpers import run_seed as run, table_counts, today_utc


def the_campaign():
    return db.session.execute(
        select(Campaign).filter_by(code=demo_campaign_code(today_utc().year))).scalar_one()


def test_seeding_twice_creates_nothing_the_second_time(app, demo):
    first, second = demo["first"], demo["second"]
    assert "créé" in first.output
    after_first, after_second = demo["counts"]
    assert "créé " not in second.output
    assert "conservé campagne" in second.output
    assert after_second == after_first
    with app.app_context():
        assert table_counts() == after_first
        staff = db.session.scalar(select(func.count()).select_from(User).where(User.role != "applicant"))
        assert staff == len(DEMO_ACCOUNTS) - 1 + len(REVIEWERS)
        assert db.session.scalar(select(func.count()).select_from(Offer).where(
            Offer.campaign_id == the_campaign().id)) == 17


def test_demo_campaign_is_open_today_with_50_seats_17_reserved(app, demo):
    with app.app_context():
        campaign = the_campaign()
        now = today_utc()
        assert campaign.phase == "open" and campaign.kind == "quota"
        assert campaign.opens_at <= now <= campaign.closes_at
        assert campaign.closes_at - now > timedelta(days=59)
        assert campaign.reference_date.month == 9 and campaign.reference_date.day == 1
        assert campaign.year == now.year
        assert campaign.announced_quota == 50 and campaign.reserved_sex == "F"
        assert campaign.decision_deadline > campaign.closes_at

        offers = db.session.execute(select(Offer).filter_by(campaign_id=campaign.id)).scalars().all()
        assert len(offers) == 17
        assert sum(o.seats for o in offers) == 50
        assert sum(o.reserved_seats for o in offers) == 17
        assert all(0 <= o.reserved_seats <= o.seats for o in offers)

        rules = db.session.execute(select(CampaignLevelRule).filter_by(campaign_id=campaign.id)).scalars().all()
        assert len(rules) == db.session.scalar(select(func.count()).select_from(Level))
        assert {(r.min_age, r.max_age) for r in rules} == {(16, 25)}

        documents = db.session.execute(select(CampaignDocument).filter_by(campaign_id=campaign.id)).scalars().all()
        assert len(documents) == db.session.scalar(select(func.count()).select_from(DocumentType))
        assert all(d.required for d in documents)

        assert {s.code for s in campaign.allowed_series} == {"TSE", "TSEXP", "STI", "STG"}

        criteria = db.session.execute(
            select(Criterion).filter_by(campaign_id=campaign.id).order_by(Criterion.position)).scalars().all()
        assert [(c.code, int(c.weight), int(c.max_score)) for c in criteria] == [
            ("DOSSIER", 40, 20), ("MOTIVATION", 20, 20), ("ENTRETIEN", 40, 20)]
        assert criteria[0].prefill_source == "diploma_average"


def test_every_role_has_an_account_whose_password_works(app, demo):
    result = demo["first"]
    assert "Comptes de démonstration" in result.output
    assert DEMO_PASSWORD in result.output
    with app.app_context():
        for email, role, _, _ in DEMO_ACCOUNTS:
            user = db.session.execute(select(User).filter_by(email=email)).scalar_one()
            assert user.role == role
            assert user.is_active_account and user.session_token
            assert verify_password(user.password_hash, DEMO_PASSWORD)
            assert email in result.output

        candidate = db.session.execute(select(User).filter_by(email="candidat@demo.ml")).scalar_one()
        applicant = db.session.execute(select(Applicant).filter_by(user_id=candidate.id)).scalar_one()
        assert applicant.source == "web"
        consent = db.session.execute(select(Consent).filter_by(user_id=candidate.id)).scalar_one()
        assert consent.text_version == app.config["CONSENT_VERSION"]
        tokens = db.session.execute(select(User.session_token)).scalars().all()
        assert len(set(tokens)) == len(tokens)


def test_the_committee_has_a_member_and_a_chair(app, demo):
    with app.app_context():
        campaign = the_campaign()
        committee = db.session.execute(select(Committee).filter_by(campaign_id=campaign.id)).scalar_one()
        members = {
            m.user.email: m.role
            for m in db.session.execute(select(CommitteeMember).filter_by(committee_id=committee.id)).scalars()
        }
        assert members == {"membre@demo.ml": "member", "president@demo.ml": "chair"}


def test_seeding_is_audited_once(app, demo):
    with app.app_context():
        events = db.session.execute(select(AuditEvent).filter_by(action="seed_demo")).scalars().all()
        assert len(events) == 1
        assert events[0].actor_id is None
        assert events[0].campaign_id == the_campaign().id
        assert any("DEMO-" in item for item in events[0].after["created"])


def test_an_account_whose_password_was_changed_is_kept_and_not_shown(app, demo):
    from quota_app.auth.passwords import hash_password

    with app.app_context():
        user = db.session.execute(select(User).filter_by(email="admin@demo.ml")).scalar_one()
        user.password_hash = hash_password("Un-autre-mot-de-passe-2026")
        db.session.commit()
    result = run(app)
    line = next(row for row in result.output.splitlines() if "admin@demo.ml" in row and "|" in row)
    assert DEMO_PASSWORD not in line and "modifié" in line
    with app.app_context():
        user = db.session.execute(select(User).filter_by(email="admin@demo.ml")).scalar_one()
        assert verify_password(user.password_hash, "Un-autre-mot-de-passe-2026")
