"""`make bench`: every benchmark, each reported as a ratio against a baseline run in the same
command (the machines are shared and noisy, so absolute seconds mean little).

Each benchmark prints its own French table with PASS/ÉCHEC per target; the command exits 1
when any target is missed, after running them all.

Seeding: `seed_applicants` (generation, validation of choices, Core executemany in chunks)
against the floor of the same engine: a bare executemany of as many constant rows of the same
width into one plain SQLite table.
"""
import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def baseline_inserts(rows: int, width: int = 12) -> float:
    """Seconds to insert `rows` constant rows of `width` columns with sqlite3 executemany."""
    with tempfile.TemporaryDirectory(prefix="quota-bench-") as folder:
        conn = sqlite3.connect(Path(folder) / "baseline.db")
        columns = ", ".join(f"c{i} TEXT" for i in range(width))
        conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
        row = tuple(f"valeur{i}" for i in range(width))
        marks = ", ".join("?" * width)
        start = time.perf_counter()
        for offset in range(0, rows, 5000):
            conn.executemany(f"INSERT INTO t ({', '.join(f'c{i}' for i in range(width))}) VALUES ({marks})",
                             [row] * min(5000, rows - offset))
        conn.commit()
        seconds = time.perf_counter() - start
        conn.close()
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Quota benchmarks")
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from bench import seed_bench

    seeded = seed_bench.measure(args.applicants, args.seed)
    # About 4.8 rows per applicant (applicant, application, choices, screening decision).
    floor = baseline_inserts(int(args.applicants * 4.8))
    print(f"Référence : insertion brute de {int(args.applicants * 4.8):,} lignes en {floor:.1f} s".replace(",", " "))
    print(f"Ratio seed-demo / insertion brute : {seeded / floor:.1f}")

    # The applications export against a bare openpyxl dump of the same values.
    from bench import export_bench

    failed = export_bench.main(["--applicants", str(args.applicants), "--seed", str(args.seed)])

    # The applicants import (SQLite and PostgreSQL) against pandas merely reading the workbook.
    from bench import import_bench

    failed |= import_bench.main(["--applicants", str(args.applicants), "--seed", str(args.seed)])

    # HTTP under load (wrk against gunicorn), as ratios to a bare 50-row Flask page.
    from bench import http_bench

    failed |= http_bench.main(["--applicants", str(args.applicants), "--seed", str(args.seed)])

    # The committee: assignment (plan and write) against a bare Core insert of the same rows,
    # and the ranking with normalisation of 200,000 reviews in pure code.
    from bench import assignment_bench, ranking_bench

    failed |= assignment_bench.main(["--seed", str(args.seed)])
    failed |= ranking_bench.main(["--seed", str(args.seed)])

    # The placement: deferred acceptance with reserved seats, cut-offs, waiting lists and every
    # explanation for 100,000 candidates in pure code; against the matching library without
    # reserved seats.
    from bench import allocation_bench

    failed |= allocation_bench.main(["--seed", str(args.seed)])

    # The placement in the database (SQLite, PostgreSQL if reachable): publishing round 1 against
    # a bare Core insert of its placement and waiting-list rows; 1,000 declines and their cascades.
    from bench import placement_bench

    failed |= placement_bench.main(["--candidates", str(args.applicants), "--seed", str(args.seed)])

    # The deadline rush under gunicorn on PostgreSQL: 200 applicants submit at once, then waves of
    # second clicks and home pages for 30 s; no 5xx, nothing lost, every reference distinct; the
    # submission's p95 against a bare page of the same server under the same load. Alone:
    # `.venv/bin/python -m bench.rush_bench`.
    from bench import rush_bench

    failed |= rush_bench.main(["--seed", str(args.seed)])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
