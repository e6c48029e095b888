"""flask seed-demo --applicants N --seed S: fast, deterministic, well-formed fake applicants."""
import re
from collections import Counter

from sqlalchemy import func, select

from quota_app.applications.models import (
    Applicant, Application, ApplicationChoice, ReferenceCounter, ScreeningDecision,
)
from quota_app.audit.models import AuditEvent
from quota_app.campaigns.models import Campaign, Offer
from quota_app.extensions import db
from quota_app.reference.models import Diploma, Level, Programme
from quota_app.timeutil import age_on

NINA = re.compile(r"\d{14}[A-Z]")
PHONE = re.compile(r"\+223\d{8}")
REFERENCE = re.compile(r"MLI-\d{4}-\d{6}")


def run(app, *args):
    # The open campaign alone: the whole year (tests/seed/test_seed_year.py) is not these tests' subject.
    result = app.test_cli_runner().invoke(args=["seed-demo", "--sans-annee", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def campaign():
    return db.session.execute(select(Campaign).where(Campaign.code.like("DEMO-%"))).scalar_one()


def snapshot():
    """Everything generated, without database ids (PostgreSQL sequences do not restart)."""
    offer_codes = dict(db.session.execute(select(Offer.id, Offer.code)).all())
    choices = {}
    for app_id, offer_id, rank in db.session.execute(
            select(ApplicationChoice.application_id, ApplicationChoice.offer_id, ApplicationChoice.rank)):
        choices.setdefault(app_id, []).append((rank, offer_codes[offer_id]))
    rows = []
    for a in db.session.execute(select(Application).order_by(Application.reference, Application.nina)).scalars():
        rows.append((
            a.nina, a.reference, a.status, a.last_name, a.first_names, a.sex, a.birth_date,
            a.phone, a.email, a.passport_number, a.diploma.code, a.series.code if a.series else None,
            a.diploma_year, a.diploma_average, a.region.code, a.submitted_at,
            tuple(sorted(choices.get(a.id, []))),
        ))
    return rows


def wipe():
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def test_same_seed_on_a_fresh_database_gives_the_same_applicants(app):
    run(app, "--applicants", "300", "--seed", "7")
    with app.app_context():
        first = snapshot()
        wipe()
    run(app, "--applicants", "300", "--seed", "7")
    with app.app_context():
        second = snapshot()
    assert len(first) == 300
    assert first == second


def test_another_seed_gives_other_applicants(app):
    run(app, "--applicants", "50", "--seed", "7")
    with app.app_context():
        first = {row[0] for row in snapshot()}
    run(app, "--applicants", "50", "--seed", "8")
    with app.app_context():
        both = {row[0] for row in snapshot()}
        assert db.session.scalar(select(func.count()).select_from(Application)) == 100
    assert len(both) == 100 and first < both


def test_rerunning_the_same_seed_adds_nothing_and_a_larger_n_adds_the_rest(app):
    run(app, "--applicants", "300", "--seed", "7")
    with app.app_context():
        counts = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                  for m in (Applicant, Application, ApplicationChoice, ScreeningDecision, AuditEvent)}
        references = db.session.scalar(select(ReferenceCounter.last_value))
    again = run(app, "--applicants", "300", "--seed", "7")
    assert "0 créés, 300 déjà présents" in again.output
    with app.app_context():
        assert {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                for m in (Applicant, Application, ApplicationChoice, ScreeningDecision, AuditEvent)} == counts
        assert db.session.scalar(select(ReferenceCounter.last_value)) == references
        first = snapshot()
    more = run(app, "--applicants", "350", "--seed", "7")
    assert "50 créés, 300 déjà présents" in more.output
    with app.app_context():
        after = snapshot()
        assert db.session.scalar(select(func.count()).select_from(Application)) == 350
    assert set(first) < set(after)


def test_applicants_are_well_formed(app):
    result = run(app, "--applicants", "300", "--seed", "7")
    assert "300 créés" in result.output
    with app.app_context():
        camp = campaign()
        apps = db.session.execute(select(Application)).scalars().all()
        assert len(apps) == 300
        # One Applicant row each, plus the demo candidate's own (web) one.
        sources = Counter(db.session.execute(select(Applicant.source)).scalars())
        assert sources == {"import": 300, "web": 1}
        assert len({a.applicant_id for a in apps}) == 300

        ninas = [a.nina for a in apps]
        assert len(set(ninas)) == 300
        for a in apps:
            assert a.campaign_id == camp.id and a.nationality == "MLI"
            assert NINA.fullmatch(a.nina), a.nina
            assert a.nina[2:4] == f"{a.birth_date.year % 100:02d}"
            assert PHONE.fullmatch(a.phone), a.phone
            assert 16 <= age_on(a.birth_date, camp.reference_date) <= 27
            assert a.last_name and a.first_names and a.sex in ("M", "F")
            assert a.region_id is not None and a.diploma_id is not None
            assert 0 <= a.diploma_average <= 20
            assert a.diploma_year <= camp.reference_date.year
            assert (a.series_id is not None) == a.diploma.has_series
            if a.status == "draft":
                assert a.reference is None and a.submitted_at is None
            else:
                assert REFERENCE.fullmatch(a.reference) and a.submitted_at is not None
                assert camp.opens_at <= a.submitted_at <= camp.closes_at
        passports = [a.passport_number for a in apps if a.passport_number]
        assert len(set(passports)) == len(passports) > 0

        women = sum(a.sex == "F" for a in apps)
        assert 0.2 < women / 300 < 0.47
        statuses = Counter(a.status for a in apps)
        assert {"draft", "submitted", "eligible", "ineligible", "evaluated"} <= set(statuses)
        diplomas = Counter(a.diploma.code for a in apps)
        assert diplomas.most_common(1)[0][0] == "BAC"
        assert {"BT", "CAP", "DEF"} <= set(diplomas)
        assert len({a.last_name for a in apps}) > 20

        references = sorted(int(a.reference[-6:]) for a in apps if a.reference)
        assert references == list(range(1, len(references) + 1))
        counter = db.session.get(ReferenceCounter, camp.id)
        assert counter.last_value == references[-1]


def test_choices_are_consistent_with_the_diploma(app):
    run(app, "--applicants", "300", "--seed", "7")
    with app.app_context():
        camp = campaign()
        min_rank = {
            offer_id: rank for offer_id, rank in db.session.execute(
                select(Offer.id, Diploma.rank)
                .join(Programme, Offer.programme_id == Programme.id)
                .join(Level, Programme.level_id == Level.id)
                .join(Diploma, Level.min_diploma_id == Diploma.id)
                .where(Offer.campaign_id == camp.id))
        }
        for a in db.session.execute(select(Application)).scalars():
            ranks = [c.rank for c in a.choices]
            assert ranks == list(range(1, len(ranks) + 1)) and 1 <= len(ranks) <= 3
            assert len({c.offer_id for c in a.choices}) == len(ranks)
            for choice in a.choices:
                assert choice.offer_id in min_rank
                assert a.diploma.rank >= min_rank[choice.offer_id]


def test_screened_files_have_a_decision(app):
    run(app, "--applicants", "300", "--seed", "7")
    with app.app_context():
        apps = db.session.execute(select(Application)).scalars().all()
        for a in apps:
            decisions = [s.decision for s in a.screenings]
            if a.status in ("eligible", "evaluated"):
                assert decisions == ["eligible"]
            elif a.status == "ineligible":
                assert decisions == ["ineligible"] and a.screenings[0].reason is not None
            else:
                assert decisions == []
        reasons = Counter()
        for a in apps:
            if a.status != "ineligible":
                continue
            reason = a.screenings[0].reason.code
            reasons[reason] += 1
            if reason == "AGE":
                assert not 16 <= age_on(a.birth_date, a.campaign.reference_date) <= 25
            elif reason == "SERIES":
                assert a.series.code not in {"TSE", "TSEXP", "STI", "STG"}
        assert reasons["AGE"] and reasons["SERIES"]
        event = db.session.execute(
            select(AuditEvent).filter_by(action="seed_demo.applicants")).scalar_one()
        assert event.after["created"] == 300 and event.after["seed"] == 7


def test_ids_keep_working_after_the_bulk_insert(app):
    """Ids were assigned by the seeder: the ORM (and PostgreSQL's sequences) must go on after them."""
    run(app, "--applicants", "120", "--seed", "3")
    with app.app_context():
        camp = campaign()
        applicant = Applicant(source="import")
        db.session.add(applicant)
        db.session.flush()
        application = Application(campaign_id=camp.id, applicant_id=applicant.id, status="draft")
        db.session.add(application)
        db.session.flush()
        offer = db.session.execute(select(Offer).limit(1)).scalar_one()
        db.session.add(ApplicationChoice(application_id=application.id, offer_id=offer.id, rank=1))
        db.session.commit()
        assert application.id > 120


def test_chunk_size_does_not_change_the_data(app):
    from quota_app.seed.applicants import seed_applicants

    snapshots = []
    for chunk_size in (7, 5000):
        run(app)
        with app.app_context():
            report = seed_applicants(campaign(), 40, seed=11, chunk_size=chunk_size)
            db.session.commit()
            assert report.created == 40
            snapshots.append(snapshot())
            wipe()
    assert snapshots[0] == snapshots[1]
