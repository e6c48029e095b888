"""Times the applications export against a bare openpyxl write-only dump of the same values.

    .venv/bin/python -m bench.export_bench [--applicants 100000] [--seed 1] [--repeat 3] [--keep DIR]

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
from bench.report import fr, verdict  # noqa: E402

RATIO_MAX = 1.2
PEAK_MAX_MB = 150


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
                    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats("quota_app|sqlalchemy|cell.py", 25)
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
    out = subprocess.run(cmd, capture_output=True, text=True)
    if profile or out.returncode:
        sys.stderr.write(out.stderr)
    out.check_returncode()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the service run (stderr)")
    parser.add_argument("--repeat", type=int, default=1, help="service/bare pairs, interleaved")
    parser.add_argument("--keep", help="keep (or reuse) the seeded database in this folder")
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
        folder = Path(args.keep) if args.keep else Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "bench.db").exists():
            # Seeded in its own process: ru_maxrss survives fork and exec, so the parent stays small.
            subprocess.run([sys.executable, __file__, "--measure", "seed", "--folder", str(folder),
                            "--applicants", str(args.applicants), "--seed", str(args.seed)], check=True)
        pairs = []
        for _ in range(args.repeat):  # interleaved, so that a burst of load hits both sides
            pairs.append((_child(folder, "service", args.profile), _child(folder, "bare", False)))
    rows = f"{pairs[0][0]['rows']:,}".replace(",", " ")
    print(f"\nExport des dossiers, SQLite, {rows} lignes ; mémoire max = ru_maxrss du processus fils")
    print(f"{'Mesure':<44}{'secondes':>9}{'ratio':>8}{'mémoire max':>13}  verdict")
    failures = 0
    for service, bare in pairs:
        ratio = service["seconds"] / bare["seconds"]
        ok_time, ok_mem = ratio <= RATIO_MAX, service["peak_mb"] < PEAK_MAX_MB
        failures += (not ok_time) + (not ok_mem)
        print(f"{'openpyxl brut (listes déjà en mémoire)':<44}{bare['seconds']:>9.1f}{'1,00':>8}"
              f"{bare['peak_mb']:>10.0f} Mo")
        print(f"{'service (requête + write_table + audit)':<44}{service['seconds']:>9.1f}{fr(ratio):>8}"
              f"{service['peak_mb']:>10.0f} Mo  temps {verdict(ok_time)}, mémoire {verdict(ok_mem)}")
    print(f"Cibles : export <= {fr(RATIO_MAX, 1)} × openpyxl brut, mémoire max < {PEAK_MAX_MB} Mo "
          f"(dont {pairs[0][0]['rss_before_mb']:.0f} Mo avant l'export : application chargée).")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
