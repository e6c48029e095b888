"""Times the applications export against a bare openpyxl write-only dump of the same values.

    .venv/bin/python -m bench.export_bench [--applicants 100000] [--seed 1] [--repeat 3] [--keep DIR]

A temporary SQLite database is seeded as bench/seed_bench.py does; then each measure runs in
its own subprocess, whose peak resident memory (VmHWM, bench/memory.py) is its own:
  - service: the applications export (bench/targets.py) writing the whole campaign to a
    temporary file (query, row building, write_table, audit record);
  - bare: the same rows are first read into plain lists (not timed), then only the dump of
    those lists through openpyxl's write-only workbook is timed.
Targets: ratio service / bare <= 1.2, peak memory of the export's process < 150 MB. The table
also shows what the process held before the export (the app loaded) and the export's own rise.
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
from bench import targets  # noqa: E402
from bench.memory import as_deployed, peak_mb, rss_mb  # noqa: E402
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


def measure(folder: Path, mode: str, profile: bool = False) -> dict:
    as_deployed()  # both sides without the numpy that pandas brings into the bench's venv
    from openpyxl import Workbook
    from sqlalchemy import select

    from quota_app.campaigns.models import Campaign
    from quota_app.extensions import db

    app = _app(folder)
    with app.app_context():
        campaign = db.session.execute(select(Campaign).order_by(Campaign.id.desc()).limit(1)).scalar_one()
        before = rss_mb()
        with tempfile.TemporaryFile() as target:
            if mode == "service":
                if profile:
                    import cProfile
                    import pstats

                    profiler = cProfile.Profile()
                    profiler.enable()
                start = time.perf_counter()
                rows = targets.export_applications(campaign, target)
                seconds = time.perf_counter() - start
                if profile:
                    profiler.disable()
                    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
                    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats("quota_app|sqlalchemy|cell.py", 25)
                db.session.rollback()
            else:
                columns, rows = targets.application_rows(campaign)
                values = [list(r) for r in rows]
                before = rss_mb()
                start = time.perf_counter()
                wb = Workbook(write_only=True)
                ws = wb.create_sheet("Dossiers")
                ws.append(list(columns))
                for row in values:
                    ws.append(row)
                wb.save(target)
                seconds = time.perf_counter() - start
                rows = len(values)
            size = target.tell()
    return {"mode": mode, "seconds": seconds, "rows": rows, "rss_before_mb": before,
            "peak_mb": peak_mb(), "bytes": size,
            # what the old figure read: it carries the parent's peak (bench/memory.py)
            "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


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
            # Seeded in its own process: the seed's memory is not this process's to carry.
            subprocess.run([sys.executable, __file__, "--measure", "seed", "--folder", str(folder),
                            "--applicants", str(args.applicants), "--seed", str(args.seed)], check=True)
        pairs = []
        for _ in range(args.repeat):  # interleaved, so that a burst of load hits both sides
            pairs.append((_child(folder, "service", args.profile), _child(folder, "bare", False)))
    rows = f"{pairs[0][0]['rows']:,}".replace(",", " ")
    print(f"\nExport des dossiers, SQLite, {rows} lignes ; mémoire max = VmHWM du processus fils "
          f"(le sien, depuis son lancement)")
    print(f"{'Mesure':<44}{'secondes':>9}{'ratio':>8}{'mémoire max':>13}{'avant':>8}{'hausse':>8}  verdict")
    failures = 0
    for service, bare in pairs:
        ratio = service["seconds"] / bare["seconds"]
        ok_time, ok_mem = ratio <= RATIO_MAX, service["peak_mb"] < PEAK_MAX_MB
        failures += (not ok_time) + (not ok_mem)
        for label, r, tail in (
                ("openpyxl brut (listes déjà en mémoire)", bare, ""),
                ("service (requête + write_table + audit)", service,
                 f"  temps {verdict(ok_time)}, mémoire {verdict(ok_mem)}")):
            print(f"{label:<44}{r['seconds']:>9.1f}{fr(r['seconds'] / bare['seconds']):>8}"
                  f"{r['peak_mb']:>10.0f} Mo{r['rss_before_mb']:>5.0f} Mo"
                  f"{r['peak_mb'] - r['rss_before_mb']:>5.0f} Mo{tail}")
    print(f"Cibles : export <= {fr(RATIO_MAX, 1)} × openpyxl brut, mémoire max < {PEAK_MAX_MB} Mo "
          f"(« avant » : le processus avant le vidage, application chargée ; brut : listes comprises).")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
