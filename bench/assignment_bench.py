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
"""
import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (  # noqa: E402
    Boolean, Column, DateTime, Integer, MetaData, String, Table, UniqueConstraint, create_engine, func,
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--conflict-rate", type=float, default=0.01)
    parser.add_argument("--reviewers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="assignment/bare pairs, interleaved")
    args = parser.parse_args(argv)

    file_ids, member_ids, conflicts = instance(args.files, args.members, args.conflict_rate, args.seed)
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
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
