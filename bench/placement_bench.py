"""Times the placement's database work at 100,000 candidates: publishing round 1, and one decline
with its cascade.

    .venv/bin/python -m bench.placement_bench [--candidates 100000] [--offers 300] [--seed 1]
        [--declines 1000] [--databases sqlite,postgresql] [--profile]

Data (fixed seed): the instance of bench/allocation_bench.generate (offers of 20 to 900 seats,
about a third with 15 % to 50 % reserved; candidates about 40 % women, 3 choices drawn by
popularity, final scores gauss(11, 3)), written with Core inserts (not timed) into the
application's own schema: a SQLite file, and a PostgreSQL schema of its own when the server
answers (TEST_DATABASE_URL). Reference data, establishments added so that every offer is its
own programme × establishment pair, one campaign in « délibération » (answer deadline set),
its offers, each candidate an evaluated file (applicant; application with sex, birth date,
BAC série TSE, diploma average, submission time, e-mail; 3 choices), the committee, its
validated deliberation and every file's final score.

(a) Publication: campaigns.services.transition(campaign, "published") and the commit, timed:
    the phase guard, then placement/publication.publish (the standing, the eligibility of each
    choice, the allocation, the placements, waiting lists and cut-offs, every file's status
    moved with its audit event; the round's messages are queued, not sent). Against it, in the
    same run: the placement and waiting-list rows it wrote, read back, both tables emptied, then
    one Core executemany of those same rows (chunks of 5,000) and the commit. Target: at most
    3 × the bare insert. (The bare insert then leaves the tables as the publication did.)
(b) Declines: `--declines` offered placements drawn with the seed among the offers whose
    waiting list is not empty (each decline cascades), each declined by
    placement.services.answer and committed, one after the other, each timed: target p95
    under 50 ms. The number of seats that went to a waiting candidate is checked (every one).

Times are wall-clock (time.perf_counter): the database's own work counts. `--profile` prints
the cProfile of each timed service run on stderr.
"""
import argparse
import cProfile
from contextlib import contextmanager
import gc
import os
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import fr, verdict  # noqa: E402

RATIO_MAX = 3.0
P95_MAX_MS = 50.0
CHUNK = 5000
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
PUBLISHED_AT = datetime(2026, 7, 1, 9, 0)


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


def _app(folder: Path, database: str, schema: str | None):
    from config import TestingConfig
    from quota_app import create_app

    config = TestingConfig()
    if database == "postgresql":
        config.SQLALCHEMY_DATABASE_URI = _sqlalchemy_url(PG_URL)
        config.SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"options": f"-csearch_path={schema}"}}
    else:
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'placement.db'}"
        config.SQLALCHEMY_ENGINE_OPTIONS = {}
    # As in production: the round's messages are queued after the commit, sent by the worker.
    config.HUEY_IMMEDIATE = False
    config.HUEY_URL = f"sqlite:///{folder / f'huey-{database}.db'}"
    config.UPLOAD_DIR = str(folder / "uploads")
    return create_app(config)


def _pg_schema(action: str, name: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, connect_timeout=3, autocommit=True) as conn:
        if action == "create":
            conn.execute(f'CREATE SCHEMA "{name}"')
        else:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


# --- the data ----------------------------------------------------------------------------------

def build(app, candidates: int, offers: int, seed: int) -> int:
    """The campaign in « délibération » with its evaluated files (Core inserts); its id."""
    from sqlalchemy import insert, select

    from bench.allocation_bench import generate
    from quota_app.applications.models import Applicant, Application, ApplicationChoice
    from quota_app.campaigns.models import Campaign, Offer
    from quota_app.committee.models import Committee, Deliberation, EvaluationResult
    from quota_app.extensions import db
    from quota_app.reference.models import Diploma, Establishment, Programme, Series
    from quota_app.seed.reference import seed_reference

    seat_list, people = generate(candidates, offers, seed)
    now = datetime(2026, 6, 1, 8, 0)
    with app.app_context():
        db.create_all()
        seed_reference()
        db.session.commit()
        programmes = list(db.session.scalars(select(Programme.id).order_by(Programme.id)))
        establishments = list(db.session.scalars(select(Establishment.id).order_by(Establishment.id)))
        missing = -(-offers // len(programmes)) - len(establishments)
        if missing > 0:
            db.session.execute(insert(Establishment), [
                {"code": f"BENCH{k:03d}", "name": f"Établissement d'essai {k}", "city": "Casablanca"}
                for k in range(missing)])
            establishments = list(db.session.scalars(select(Establishment.id).order_by(Establishment.id)))
        pairs = [(p, e) for e in establishments for p in programmes][:offers]
        bac = db.session.scalar(select(Diploma.id).where(Diploma.code == "BAC"))
        tse = db.session.scalar(select(Series.id).where(Series.code == "TSE"))
        campaign = Campaign(code="BENCH-2026", title="Banc d'essai 2026", year=2026, phase="deliberation",
                            reference_date=date(2026, 9, 1), opens_at=datetime(2026, 1, 5),
                            closes_at=datetime(2026, 2, 5), decision_deadline=PUBLISHED_AT + timedelta(days=15),
                            announced_quota=sum(o.seats for o in seat_list))
        db.session.add(campaign)
        db.session.flush()
        offer_id = {}
        rows = []
        for j, (o, (programme_id, establishment_id)) in enumerate(zip(seat_list, pairs), 1):
            offer_id[o.id] = j
            rows.append({"id": j, "campaign_id": campaign.id, "programme_id": programme_id,
                         "establishment_id": establishment_id, "code": f"OFF-{j:03d}", "seats": o.seats,
                         "reserved_seats": o.reserved})
        db.session.execute(insert(Offer), rows)
        committee = Committee(campaign_id=campaign.id, name="Comité de sélection", created_at=now)
        db.session.add(committee)
        db.session.flush()
        db.session.add(Deliberation(committee_id=committee.id, status="validated", validated_at=now, held_on=now,
                                    tie_break_rule=campaign.tie_break_rule))
        rng = random.Random(seed)
        ordered = sorted(people, key=lambda c: c.priority)
        rank = {c.id: position for position, c in enumerate(ordered, 1)}
        for start in range(0, len(people), CHUNK):
            part = people[start:start + CHUNK]
            ids = [c.id - 100_000 + 1 for c in part]
            db.session.execute(insert(Applicant), [{"id": i, "source": "import"} for i in ids])
            db.session.execute(insert(Application), [
                {"id": i, "campaign_id": campaign.id, "applicant_id": i, "status": "evaluated",
                 "reference": f"MLI-2026-{i:06d}", "search_name": f"candidat {i}", "last_name": "Candidat",
                 "first_names": f"N° {i}", "sex": "F" if c.woman else "M", "birth_date": date(2005, 3, 14),
                 "diploma_id": bac, "series_id": tse, "diploma_average": Decimal(rng.randint(1000, 1800)) / 100,
                 "submitted_at": datetime(2026, 1, 6) + timedelta(seconds=i), "email": f"candidat{i}@exemple.ml",
                 "created_at": now, "updated_at": now} for i, c in zip(ids, part)])
            db.session.execute(insert(ApplicationChoice), [
                {"application_id": i, "offer_id": offer_id[o], "rank": r}
                for i, c in zip(ids, part) for r, o in enumerate(c.choices, 1)])
            db.session.execute(insert(EvaluationResult), [
                {"application_id": i, "campaign_id": campaign.id, "committee_id": committee.id,
                 "mean_score": c.score, "final_score": c.score, "rank": rank[c.id], "computed_at": now}
                for i, c in zip(ids, part)])
        db.session.commit()
        campaign_id = campaign.id
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()
    return campaign_id


def _profiled(profile: bool, fn):
    if not profile:
        return fn()
    profiler = cProfile.Profile()
    result = profiler.runcall(fn)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    return result


# --- (a) the publication -----------------------------------------------------------------------

def measure_publication(app, campaign_id: int, profile: bool) -> dict:
    from sqlalchemy import func, insert, select

    from quota_app.applications.models import Application
    from quota_app.campaigns import services as campaign_services
    from quota_app.campaigns.models import Campaign
    from quota_app.extensions import db
    from quota_app.placement.models import Placement, WaitingListEntry

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        gc.collect()

        def publish():
            start = time.perf_counter()
            campaign_services.transition(campaign, "published", None, PUBLISHED_AT)
            db.session.commit()
            return time.perf_counter() - start

        with _parts() as parts:
            seconds = _profiled(profile, publish)
        counts = dict(db.session.execute(select(Application.status, func.count()).where(
            Application.campaign_id == campaign_id).group_by(Application.status)).all())
        written = {}
        for model in (Placement, WaitingListEntry):
            table = model.__table__
            columns = [c for c in table.c if c.name != "id"]
            written[model] = [dict(r._mapping) for r in db.session.execute(select(*columns).order_by(table.c.id))]
        db.session.remove()
        # The bare insert of the same rows, into the same (emptied) tables.
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.exec_driver_sql("TRUNCATE waiting_list_entries, placements")
            else:
                conn.execute(WaitingListEntry.__table__.delete())
                conn.execute(Placement.__table__.delete())
        gc.collect()
        start = time.perf_counter()
        with db.engine.begin() as conn:
            for model in (Placement, WaitingListEntry):
                rows = written[model]
                for offset in range(0, len(rows), CHUNK):
                    conn.execute(insert(model.__table__), rows[offset:offset + CHUNK])
        bare = time.perf_counter() - start
        db.engine.dispose()
    return {"seconds": seconds, "bare": bare, "placements": len(written[Placement]),
            "entries": len(written[WaitingListEntry]), "statuses": counts, "parts": parts}


PARTS = (("load", "lecture des entrées"), ("standing", "  dont le classement (committee.standing)"),
         ("allocate", "calcul de l'affectation"), ("write", "écriture des places, listes et seuils"),
         ("statuses", "statuts et journal (Application.transition_all)"))


@contextmanager
def _parts():
    """Where the publication's time goes, for the reader (the verdict is on the whole)."""
    from quota_app.applications.models import Application
    from quota_app.placement import inputs, publication

    spent: dict[str, float] = {}

    def timed(label, fn):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
        return run

    saved = [(publication, "load"), (publication, "allocate"), (publication, "_write"),
             (inputs, "campaign_standing")]
    originals = [getattr(module, name) for module, name in saved]
    transition_all = Application.__dict__["transition_all"]
    for (module, name), original, label in zip(saved, originals, ("load", "allocate", "write", "standing")):
        setattr(module, name, timed(label, original))
    Application.transition_all = classmethod(timed("statuses", transition_all.__func__))
    try:
        yield spent
    finally:
        for (module, name), original in zip(saved, originals):
            setattr(module, name, original)
        Application.transition_all = transition_all


# --- (b) the declines --------------------------------------------------------------------------

def measure_declines(app, campaign_id: int, declines: int, seed: int, profile: bool) -> dict:
    from sqlalchemy import func, select

    from quota_app.extensions import db
    from quota_app.placement import services
    from quota_app.placement.models import AllocationRound, Placement, WaitingListEntry

    rng = random.Random(seed)
    with app.app_context():
        with_lists = set(db.session.scalars(select(WaitingListEntry.offer_id).where(
            WaitingListEntry.active.is_(True)).distinct()))
        candidates = list(db.session.scalars(select(Placement.id).where(
            Placement.status == "offered", Placement.offer_id.in_(with_lists)).order_by(Placement.id)))
        chosen = rng.sample(candidates, min(declines, len(candidates)))
        rounds_before = db.session.scalar(select(func.count(AllocationRound.id)))
        db.session.remove()
        times = []
        now = PUBLISHED_AT + timedelta(days=1)

        def run():
            for k, placement_id in enumerate(chosen):
                start = time.perf_counter()
                placement = db.session.get(Placement, placement_id)
                if placement.status == "offered":
                    services.answer(None, placement, "decline", now=now + timedelta(seconds=k))
                db.session.commit()
                times.append(time.perf_counter() - start)
                db.session.remove()

        gc.collect()
        _profiled(profile, run)
        promoted = db.session.scalar(select(func.count(Placement.id)).join(
            AllocationRound, AllocationRound.id == Placement.round_id).where(AllocationRound.kind == "waiting_list"))
        rounds = db.session.scalar(select(func.count(AllocationRound.id))) - rounds_before
        left_free = _free_while_waiting(campaign_id)
        db.session.remove()
        db.engine.dispose()
    times.sort()
    return {"count": len(times), "p95": times[max(0, int(len(times) * 0.95) - 1)] * 1000,
            "median": statistics.median(times) * 1000, "max": times[-1] * 1000, "promoted": promoted,
            "rounds": rounds, "left_free": left_free}


def _free_while_waiting(campaign_id: int) -> int:
    """Offers with a free seat while a file that may still take it waits on their list (0)."""
    from sqlalchemy import func, select

    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Offer
    from quota_app.extensions import db
    from quota_app.placement.models import Placement, WaitingListEntry

    held = dict(db.session.execute(select(Placement.offer_id, func.count()).where(
        Placement.status.in_(("offered", "accepted"))).group_by(Placement.offer_id)).all())
    waiting = set(db.session.scalars(select(WaitingListEntry.offer_id).join(
        Application, Application.id == WaitingListEntry.application_id).where(
        WaitingListEntry.active.is_(True), Application.status.in_(("placed", "accepted", "waiting_list")))))
    seats = dict(db.session.execute(select(Offer.id, Offer.seats).where(Offer.campaign_id == campaign_id)).all())
    return sum(1 for offer_id, count in seats.items() if held.get(offer_id, 0) < count and offer_id in waiting)


def run_database(database: str, args, folder: Path) -> dict:
    schema = f"t_{os.getpid()}_{secrets.token_hex(3)}" if database == "postgresql" else None
    if schema:
        _pg_schema("create", schema)
    try:
        app = _app(folder, database, schema)
        start = time.perf_counter()
        campaign_id = build(app, args.candidates, args.offers, args.seed)
        built = time.perf_counter() - start
        publication = measure_publication(app, campaign_id, args.profile)
        declines = measure_declines(app, campaign_id, args.declines, args.seed, args.profile)
        return {"built": built, "publication": publication, "declines": declines}
    finally:
        if schema:
            _pg_schema("drop", schema)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--offers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--declines", type=int, default=1000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true", help="cProfile each timed service run (stderr)")
    args = parser.parse_args(argv)

    failures = 0
    n = _thousands
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        label = "SQLite" if database == "sqlite" else "PostgreSQL"
        if database == "postgresql" and not _pg_reachable():
            print(f"\nPostgreSQL injoignable ({PG_URL}) : affectation PostgreSQL non mesurée.")
            continue
        with tempfile.TemporaryDirectory(prefix="quota-placement-bench-") as name:
            result = run_database(database, args, Path(name))
        pub, dec = result["publication"], result["declines"]
        ratio = pub["seconds"] / pub["bare"]
        ok_ratio = ratio <= RATIO_MAX
        ok_p95 = dec["p95"] < P95_MAX_MS
        ok_cascade = dec["left_free"] == 0 and dec["rounds"] == dec["promoted"]
        failures += (not ok_ratio) + (not ok_p95) + (not ok_cascade)
        statuses = pub["statuses"]
        print(f"\nAffectation, {label} : {n(args.candidates)} candidats, {n(args.offers)} offres, graine "
              f"{args.seed} (base préparée en {fr(result['built'], 1)} s)")
        print(f"Publication : {n(pub['placements'])} places proposées, {n(pub['entries'])} inscriptions en "
              f"liste d'attente ; dossiers : {n(statuses.get('placed', 0))} affectés, "
              f"{n(statuses.get('waiting_list', 0))} en liste d'attente, {n(statuses.get('not_selected', 0))} "
              f"non retenus")
        print(f"{'Mesure':<52}{'secondes':>9}{'ratio':>8}  verdict")
        print(f"{'insertion Core brute des mêmes lignes':<52}{fr(pub['bare']):>9}{'1,00':>8}")
        print(f"{'publication du tour 1 (garde, lecture, calcul, écriture)':<52}{fr(pub['seconds']):>9}"
              f"{fr(ratio):>8}  {verdict(ok_ratio)} (cible <= {fr(RATIO_MAX, 1)} × insertion brute)")
        for key, label in PARTS:
            spent = pub["parts"].get(key, 0.0)
            print(f"{'  ' + label:<52}{fr(spent):>9}{fr(spent / pub['bare']):>8}")
        print(f"Désistements : {n(dec['count'])} à la suite, chacun suivi de sa cascade ; médiane "
              f"{fr(dec['median'], 1)} ms, p95 {fr(dec['p95'], 1)} ms, max {fr(dec['max'], 1)} ms  "
              f"{verdict(ok_p95)} (cible p95 < {fr(P95_MAX_MS, 0)} ms)")
        print(f"Cascade : {n(dec['promoted'])} places proposées à la liste d'attente, {n(dec['rounds'])} tours "
              f"(un par promotion) ; offres avec une place libre alors qu'un candidat attend : "
              f"{dec['left_free']}  {verdict(ok_cascade)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
