"""Times the committee's assignment of reviewers (plan + insert) against a bare Core insert of
the same rows.

    .venv/bin/python -m bench.assignment_bench [--files 100000] [--members 200]
        [--conflict-rate 0.01] [--reviewers 2] [--seed 1] [--repeat 3]

Fixed-seed data (`--seed`): files 1..F, members 1..M, and conflicts of interest drawn as
round(rate × F × M) distinct (member, file) pairs out of all of them (1 % of 100,000 × 200:
200,000 declarations, about two per file).
Each measure gets a fresh temporary SQLite database holding one table shaped like
committee.models.ReviewAssignment (id, application_id, member_id, status, is_third_review,
assigned_at; unique (application_id, member_id); both ids indexed):
  - bare: the rows are built first (not timed), then only their Core executemany insert and
    the commit are timed;
  - assignment: `committee.assignment.plan_assignments` from the ids and the conflicts, then
    the rows built from the plan, inserted and committed the same way, timed together.
The two alternate `--repeat` times (the machines are shared and noisy); the verdict is on the
median ratio. Targets: assignment <= 3 × bare; loads within ±1; no conflicted pair; every file
exactly N reviewers; no two members sharing more files than the plan's bound.

`--mode service` (and `both`, the default) measures what « Attribuer les dossiers » really does:
an application's SQLite database (the app's schema, foreign keys on) holding a campaign in
« Évaluation par le comité » with the F eligible files, one committee of the M members (statement
signed, conflicts declared) and the same conflicts, built with Core inserts and not timed; then
  - service: `committee.services.assign_files` and the commit, timed — it reads the files, the
    members, the conflicts and the assignments, plans, draws the codes in bulk, checks them in
    one query, inserts the rows in chunks and writes the audit event;
  - bare: the rows the service wrote (every column, codes included) inserted by one Core
    executemany into the same table of a copy of the database as it was before, and committed.
"""
import argparse
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (  # noqa: E402
    Boolean, Column, DateTime, Integer, MetaData, String, Table, UniqueConstraint, create_engine, event, func,
    insert, select,
)

from bench.report import fr, verdict  # noqa: E402

RATIO_MAX = 3.0


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def instance(files: int, members: int, rate: float, seed: int):
    """The fixed-seed ids and conflicts."""
    rng = random.Random(seed)
    file_ids = list(range(1, files + 1))
    member_ids = list(range(1, members + 1))
    drawn = rng.sample(range(files * members), round(rate * files * members))
    conflicts = {(k % members + 1, k // members + 1) for k in drawn}
    return file_ids, member_ids, conflicts


def _table(metadata: MetaData) -> Table:
    return Table(
        "review_assignments", metadata,
        Column("id", Integer, primary_key=True),
        Column("application_id", Integer, nullable=False, index=True),
        Column("member_id", Integer, nullable=False, index=True),
        Column("status", String(10), nullable=False),
        Column("is_third_review", Boolean, nullable=False),
        Column("assigned_at", DateTime, nullable=False),
        UniqueConstraint("application_id", "member_id"),
    )


def _database(folder: Path, name: str):
    engine = create_engine(f"sqlite:///{folder / name}")
    metadata = MetaData()
    table = _table(metadata)
    metadata.create_all(engine)
    return engine, table


def _rows(pairs, now):
    return [{"application_id": f, "member_id": m, "status": "pending", "is_third_review": False,
             "assigned_at": now} for f, m in pairs]


def measure_bare(folder: Path, name: str, pairs) -> float:
    engine, table = _database(folder, name)
    rows = _rows(pairs, datetime(2026, 3, 1, 8, 0))
    gc.collect()
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def measure_assignment(folder: Path, name: str, file_ids, member_ids, conflicts, reviewers, seed):
    from quota_app.committee.assignment import plan_assignments

    engine, table = _database(folder, name)
    gc.collect()
    start = time.perf_counter()
    plan = plan_assignments(file_ids, member_ids, conflicts=conflicts, reviewers_per_file=reviewers,
                            seed=seed)
    planned = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(table), _rows(plan.new, datetime(2026, 3, 1, 8, 0)))
    seconds = time.perf_counter() - start
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return seconds, planned - start, plan, stored


def checks(plan, file_ids, member_ids, conflicts, reviewers, stored):
    """(label, ok) for every property, computed again from the rows, not from the plan's word."""
    per_file = Counter(f for f, _ in plan.new)
    loads = Counter(m for _, m in plan.new)
    by_file: dict[int, list[int]] = {}
    for f, m in plan.new:
        by_file.setdefault(f, []).append(m)
    shared = Counter()
    for reviewers_of in by_file.values():
        ordered = sorted(reviewers_of)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                shared[a, b] += 1
    low, high = min(loads[m] for m in member_ids), max(loads[m] for m in member_ids)
    bad = sum(1 for f, m in plan.new if (m, f) in conflicts)
    wrong = sum(1 for f in file_ids if per_file[f] != reviewers or len(set(by_file[f])) != reviewers)
    most = max(shared.values(), default=0)
    n = _thousands
    return [
        (f"Charges : de {n(low)} à {n(high)} dossiers par membre (écart {high - low}, au plus 1)",
         high - low <= 1),
        (f"Conflits d'intérêts : {bad} attribution en conflit (sur {n(len(conflicts))} déclarés)",
         bad == 0),
        (f"Couverture : {n(len(file_ids) - wrong)} dossiers sur {n(len(file_ids))} ont exactement "
         f"{reviewers} évaluateurs distincts ; {n(stored)} lignes écrites",
         wrong == 0 and stored == len(plan.new)),
        (f"Chevauchement : deux membres partagent au plus {most} dossiers (borne {plan.pair_bound})",
         most <= plan.pair_bound),
    ]


# --- the service's write path, on the application's own schema ---------------------------------

SERVICE_COLUMNS = ("application_id", "member_id", "status", "code", "is_third_review", "weighted_total",
                   "comment", "assigned_at", "saved_at", "submitted_at", "withdrawn_at", "withdrawn_reason",
                   "version")


def _service_app(path: Path, folder: Path):
    from config import TestingConfig
    from quota_app import create_app

    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    config.HUEY_URL = f"sqlite:///{folder / 'huey.db'}"
    config.UPLOAD_DIR = str(folder / "uploads")
    return create_app(config)


def build_service_database(app, file_ids, member_ids, conflicts, reviewers) -> int:
    """The campaign, its files, committee, members and conflicts (Core inserts); its id. The
    ids of files and members are those of the instance, so the plan is the same."""
    from quota_app.applications.models import Applicant, Application
    from quota_app.auth.models import User
    from quota_app.campaigns.models import Campaign
    from quota_app.committee.models import Committee, CommitteeMember, ConflictOfInterest
    from quota_app.extensions import db

    now = datetime(2026, 3, 1, 8, 0)
    with app.app_context():
        db.create_all()
        campaign = Campaign(code="BENCH-2026", title="Banc d'essai 2026", year=2026, phase="review",
                            reference_date=datetime(2026, 9, 1).date(), opens_at=datetime(2026, 1, 5),
                            closes_at=datetime(2026, 2, 5), reviewers_per_file=reviewers)
        db.session.add(campaign)
        db.session.flush()
        committee = Committee(campaign_id=campaign.id, name="Comité de sélection", created_at=now)
        db.session.add(committee)
        db.session.flush()
        chunk = 20_000
        for start in range(0, len(file_ids), chunk):
            part = file_ids[start:start + chunk]
            db.session.execute(insert(Applicant), [{"id": i, "source": "import"} for i in part])
            db.session.execute(insert(Application), [
                {"id": i, "campaign_id": campaign.id, "applicant_id": i, "status": "eligible",
                 "reference": f"MLI-2026-{i:06d}", "search_name": f"candidat {i}", "created_at": now,
                 "updated_at": now} for i in part])
        db.session.execute(insert(User), [
            {"id": i, "email": f"membre{i}@dnfp.ml", "password_hash": "-", "full_name": f"Membre {i}",
             "role": "committee", "session_token": f"bench-{i}", "created_at": now, "updated_at": now}
            for i in member_ids])
        db.session.execute(insert(CommitteeMember), [
            {"id": i, "committee_id": committee.id, "user_id": i, "role": "chair" if i == member_ids[0] else "member",
             "active": True, "statement_signed_at": now, "conflicts_declared_at": now} for i in member_ids])
        pairs = sorted(conflicts)
        for start in range(0, len(pairs), chunk):
            db.session.execute(insert(ConflictOfInterest), [
                {"member_id": m, "application_id": f, "reason": "", "source": "member", "declared_at": now}
                for m, f in pairs[start:start + chunk]])
        db.session.commit()
        campaign_id = campaign.id
        db.session.remove()
        db.engine.dispose()
    return campaign_id


def measure_service(app, campaign_id):
    """assign_files + commit, timed; the rows it wrote (for the bare insert) and the run."""
    from quota_app.campaigns.models import Campaign
    from quota_app.committee import services
    from quota_app.committee.models import ReviewAssignment
    from quota_app.extensions import db

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        gc.collect()
        start = time.perf_counter()
        run = services.assign_files(None, campaign)
        db.session.commit()
        seconds = time.perf_counter() - start
        table = ReviewAssignment.__table__
        rows = [dict(r._mapping) for r in db.session.execute(
            select(*(table.c[name] for name in SERVICE_COLUMNS)).order_by(table.c.id))]
        db.session.remove()
        db.engine.dispose()
    return seconds, rows, run


def measure_service_bare(path: Path, rows) -> float:
    from quota_app.committee.models import ReviewAssignment

    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA foreign_keys=ON"))
    gc.collect()
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(ReviewAssignment.__table__), rows)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def service_bench(args, file_ids, member_ids, conflicts) -> int:
    """The service's write path against a bare Core insert of the rows it wrote; failures."""
    results = []
    with tempfile.TemporaryDirectory(prefix="quota-assignment-service-") as name:
        folder = Path(name)
        live, pristine, bare = folder / "quota.db", folder / "pristine.db", folder / "bare.db"
        app = _service_app(live, folder)
        start = time.perf_counter()
        campaign_id = build_service_database(app, file_ids, member_ids, conflicts, args.reviewers)
        built = time.perf_counter() - start
        shutil.copyfile(live, pristine)
        for run_index in range(args.repeat):
            if run_index:
                shutil.copyfile(pristine, live)
            seconds, rows, run = measure_service(app, campaign_id)
            shutil.copyfile(pristine, bare)
            results.append((seconds, measure_service_bare(bare, rows)))
    n = _thousands
    print(f"\n« Attribuer les dossiers » (committee.services.assign_files), base de l'application SQLite "
          f"préparée en {fr(built, 1)} s : {n(args.files)} dossiers recevables, {n(args.members)} membres prêts, "
          f"{n(len(conflicts))} conflits déclarés")
    print(f"{'Mesure':<46}{'secondes':>9}{'ratio':>8}  verdict")
    ratios = []
    for seconds, bare_seconds in results:
        ratio = seconds / bare_seconds
        ratios.append(ratio)
        print(f"{'insertion Core brute des mêmes lignes':<46}{fr(bare_seconds):>9}{'1,00':>8}")
        print(f"{'service : lecture, plan, codes, insertion':<46}{fr(seconds):>9}{fr(ratio):>8}  "
              f"{verdict(ratio <= RATIO_MAX)}")
    median = statistics.median(ratios)
    failures = int(median > RATIO_MAX)
    print(f"Ratio médian sur {len(ratios)} mesure{'s' if len(ratios) > 1 else ''} : {fr(median)} "
          f"(cible <= {fr(RATIO_MAX, 1)} × insertion brute)  {verdict(median <= RATIO_MAX)}")
    pairs = [(r["application_id"], r["member_id"]) for r in rows]
    plan_like = type("Written", (), {"new": pairs, "pair_bound": run.committees[0].pair_bound})
    codes_ok = len({r["code"] for r in rows}) == len(rows)
    for label, ok in checks(plan_like, file_ids, member_ids, conflicts, args.reviewers, len(rows)) + [
            (f"Codes : {n(len(rows))} codes distincts", codes_ok)]:
        failures += not ok
        print(f"{label}  {verdict(ok)}")
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--conflict-rate", type=float, default=0.01)
    parser.add_argument("--reviewers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="assignment/bare pairs, interleaved")
    parser.add_argument("--mode", choices=("plan", "service", "both"), default="both",
                        help="plan: planner + insert into a bare table; service: the service's write path")
    args = parser.parse_args(argv)

    file_ids, member_ids, conflicts = instance(args.files, args.members, args.conflict_rate, args.seed)
    failures = 0
    if args.mode in ("plan", "both"):
        failures += plan_bench(args, file_ids, member_ids, conflicts)
    if args.mode in ("service", "both"):
        failures += service_bench(args, file_ids, member_ids, conflicts)
    return 1 if failures else 0


def plan_bench(args, file_ids, member_ids, conflicts) -> int:
    """The planner and a Core insert into a bare table against the bare insert; failures."""
    results = []
    with tempfile.TemporaryDirectory(prefix="quota-assignment-bench-") as name:
        folder = Path(name)
        for run in range(args.repeat):  # interleaved, so that a burst of load hits both sides
            seconds, planning, plan, stored = measure_assignment(
                folder, f"assignment-{run}.db", file_ids, member_ids, conflicts, args.reviewers, args.seed)
            bare = measure_bare(folder, f"bare-{run}.db", plan.new)
            results.append((seconds, planning, bare))

    n = _thousands
    print(f"\nAttribution des dossiers aux évaluateurs, SQLite : {n(args.files)} dossiers, "
          f"{n(args.members)} membres, {args.reviewers} évaluateurs par dossier, "
          f"{fr(args.conflict_rate * 100, 1)} % de conflits ({n(len(conflicts))} déclarés), "
          f"graine {args.seed}")
    print(f"{'Mesure':<46}{'secondes':>9}{'ratio':>8}  verdict")
    ratios = []
    for seconds, planning, bare in results:
        ratio = seconds / bare
        ratios.append(ratio)
        print(f"{'insertion Core brute (lignes déjà prêtes)':<46}{fr(bare):>9}{'1,00':>8}")
        print(f"{'attribution + insertion':<46}{fr(seconds):>9}{fr(ratio):>8}  {verdict(ratio <= RATIO_MAX)}")
        print(f"{'  dont le calcul de l’attribution':<46}{fr(planning):>9}{fr(planning / bare):>8}")
    median = statistics.median(ratios)
    failures = int(median > RATIO_MAX)
    print(f"Ratio médian sur {len(ratios)} mesure{'s' if len(ratios) > 1 else ''} : {fr(median)} "
          f"(cible <= {fr(RATIO_MAX, 1)} × insertion brute)  {verdict(median <= RATIO_MAX)}")
    for label, ok in checks(plan, file_ids, member_ids, conflicts, args.reviewers, stored):
        failures += not ok
        print(f"{label}  {verdict(ok)}")
    return failures


if __name__ == "__main__":
    raise SystemExit(main())
