"""Times the applications export against a bare openpyxl write-only dump of the same values.

    .venv/bin/python bench/export_bench.py [--applicants 100000] [--seed 1]

A temporary SQLite database is seeded as bench/seed_bench.py does; then each measure runs in
its own subprocess (so that its peak resident memory, ru_maxrss, is its own):
  - service: `screening.services.export` writing the whole campaign to a temporary file
    (query, row building, write_table, audit record);
  - bare: the same rows are first read into plain lists (not timed), then only the dump of
    those lists through openpyxl's write-only workbook is timed.
Targets: ratio service / bare <= 1.2, peak memory < 150 MB.
"""
import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestingConfig  # noqa: E402


def _app(folder: Path):
    from quota_app import create_app

    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.db'}"
    config.SQLALCHEMY_ENGINE_OPTIONS = {}
    config.HUEY_URL = f"sqlite:///{folder / 'huey.db'}"
    config.UPLOAD_DIR = str(folder / "uploads")
    return create_app(config)


def seed(folder: Path, applicants: int, seed_value: int) -> None:
    from quota_app.extensions import db
    from quota_app.seed.applicants import seed_applicants
    from quota_app.seed.demo import seed_demo

    app = _app(folder)
    with app.app_context():
        db.create_all()
        campaign = seed_demo().campaign
        db.session.commit()
        seed_applicants(campaign, applicants, seed_value)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _rss_mb() -> float:
    """Current resident memory (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(folder: Path, mode: str, profile: bool = False) -> dict:
    from openpyxl import Workbook
    from sqlalchemy import select

    from quota_app.campaigns.models import Campaign
    from quota_app.extensions import db
    from quota_app.screening import services

    app = _app(folder)
    with app.app_context():
        campaign = db.session.execute(select(Campaign).order_by(Campaign.id.desc()).limit(1)).scalar_one()
        before = _rss_mb()
        with tempfile.TemporaryFile() as target:
            if mode == "service":
                if profile:
                    import cProfile
                    import pstats

                    profiler = cProfile.Profile()
                    profiler.enable()
                start = time.perf_counter()
                rows = services.export(campaign, {}, target, None)
                seconds = time.perf_counter() - start
                if profile:
                    profiler.disable()
                    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
                db.session.rollback()
            else:
                values = [list(r) for r in services.export_rows(campaign, {})]
                before = _rss_mb()
                start = time.perf_counter()
                wb = Workbook(write_only=True)
                ws = wb.create_sheet("Dossiers")
                ws.append(list(services.EXPORT_COLUMNS))
                for row in values:
                    ws.append(row)
                wb.save(target)
                seconds = time.perf_counter() - start
                rows = len(values)
            size = target.tell()
    return {"mode": mode, "seconds": seconds, "rows": rows, "rss_before_mb": before,
            "peak_mb": _maxrss_mb(), "bytes": size}


def _child(folder: Path, mode: str, profile: bool) -> dict:
    cmd = [sys.executable, __file__, "--measure", mode, "--folder", str(folder)] + (["--profile"] if profile else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    if profile:
        sys.stderr.write(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the service run (stderr)")
    parser.add_argument("--measure", choices=("seed", "service", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure == "seed":
        seed(Path(args.folder), args.applicants, args.seed)
        return 0
    if args.measure:
        print(json.dumps(measure(Path(args.folder), args.measure, args.profile)))
        return 0

    with tempfile.TemporaryDirectory(prefix="quota-export-bench-") as name:
        folder = Path(name)
        # Seeded in its own process: ru_maxrss survives fork and exec, so the parent stays small.
        subprocess.run([sys.executable, __file__, "--measure", "seed", "--folder", name,
                        "--applicants", str(args.applicants), "--seed", str(args.seed)], check=True)
        service = _child(folder, "service", args.profile)
        bare = _child(folder, "bare", False)
    ratio = service["seconds"] / bare["seconds"]
    print("Export des dossiers, SQLite, " + f"{service['rows']:,}".replace(",", " ") + " lignes")
    print(f"  service (requête + write_table + audit) : {service['seconds']:.1f} s, "
          f"mémoire max {service['peak_mb']:.0f} Mo (dont {service['rss_before_mb']:.0f} Mo avant l'export)")
    print(f"  openpyxl brut (listes déjà en mémoire)  : {bare['seconds']:.1f} s, "
          f"mémoire max {bare['peak_mb']:.0f} Mo (dont {bare['rss_before_mb']:.0f} Mo de listes chargées)")
    print(f"  Ratio service / brut : {ratio:.2f} (cible <= 1,2) ; "
          f"mémoire du service {'<' if service['peak_mb'] < 150 else '>='} 150 Mo")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
