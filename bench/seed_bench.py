"""Times `seed_applicants` on a temporary SQLite database and prints rows per second.

    .venv/bin/python bench/seed_bench.py [--applicants 100000] [--seed 1]

Each run starts from an empty database file in a temporary folder (deleted afterwards): the
schema by db.create_all(), then seed_demo() (reference data, accounts, campaign), then the
applicants, committed once, as `flask seed-demo --applicants N` does.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from config import TestingConfig  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    measure(args.applicants, args.seed)
    return 0


def measure(applicants: int, seed: int) -> float:
    """Seed `applicants` fake files into a fresh SQLite database; returns the seconds it took."""
    args = argparse.Namespace(applicants=applicants, seed=seed)

    from quota_app import create_app
    from quota_app.applications.models import (
        Applicant, Application, ApplicationChoice, ScreeningDecision,
    )
    from quota_app.extensions import db
    from quota_app.seed.applicants import seed_applicants
    from quota_app.seed.demo import seed_demo

    with tempfile.TemporaryDirectory(prefix="quota-seed-bench-") as folder:
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(folder) / 'bench.db'}"
        config.SQLALCHEMY_ENGINE_OPTIONS = {}
        config.HUEY_URL = f"sqlite:///{Path(folder) / 'huey.db'}"
        config.UPLOAD_DIR = str(Path(folder) / "uploads")
        app = create_app(config)
        with app.app_context():
            db.create_all()
            campaign = seed_demo().campaign
            db.session.commit()

            start = time.perf_counter()
            report = seed_applicants(campaign, args.applicants, args.seed)
            generated = time.perf_counter()
            db.session.commit()
            end = time.perf_counter()

            rows = {
                model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Applicant, Application, ApplicationChoice, ScreeningDecision)
            }
            size_mb = (Path(folder) / "bench.db").stat().st_size / 1e6
            db.session.remove()
            db.engine.dispose()

    seconds = end - start
    total_rows = sum(rows.values()) - 1  # the demo candidate's own Applicant row was there before
    print(f"SQLite, {report.created} candidats fictifs (graine {args.seed}) "
          f"en {seconds:.1f} s (dont commit {end - generated:.1f} s)")
    print(f"  {report.created / seconds:,.0f} dossiers/s ; "
          f"{total_rows / seconds:,.0f} lignes/s sur {total_rows:,} lignes".replace(",", " "))
    print("  " + ", ".join(f"{name} {count:,}".replace(",", " ") for name, count in rows.items())
          + f" ; base {size_mb:.0f} Mo")
    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
