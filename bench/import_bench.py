"""Times the applicants import against pandas merely reading the same workbook.

    .venv/bin/python -m bench.import_bench [--applicants 100000] [--seed 1] [--databases sqlite,postgresql]

1. A fixed-seed workbook in the import template's columns: the people of
   `quota_app.seed.applicants` (same stream as `flask seed-demo --applicants`), typed the way
   paper forms are (names in capitals, dates as text, phones as "+223 76 12 34 56" or
   "0022376123456", decimal commas, lowercase NINA...), every row valid so that the commit runs.
2. Each measure runs in its own subprocess, whose peak resident memory (VmHWM, read by the
   child at its end, bench/memory.py) is its own:
     - pandas: `pandas.read_excel(path, engine="openpyxl")`, nothing else;
     - import: a fresh database (SQLite temp file, or a PostgreSQL schema of its own created and
       dropped here) with the demo campaign, then `run_import("applicants", ..., commit=True)` (what the page, the command and the job call) and the
       commit, timed together (read, safety checks, parse and validate every cell, insert).
Targets: import <= 0.3 x pandas on SQLite (issue 5), <= 0.6 x pandas on PostgreSQL (issue 10:
the server's own foreign-key checks and index upkeep alone were measured above 0.3); peak
memory of the import < 300 MB.
"""
import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import targets  # noqa: E402
from bench.memory import as_deployed, peak_mb, rss_mb  # noqa: E402
from bench.report import fr, verdict  # noqa: E402

RATIO_MAX = {"sqlite": 0.3, "postgresql": 0.6}
PEAK_MAX_MB = 300
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


def _app(folder: Path, database: str, schema: str | None = None):
    from config import TestingConfig
    from quota_app import create_app

    config = TestingConfig()
    if database == "postgresql":
        config.SQLALCHEMY_DATABASE_URI = _sqlalchemy_url(PG_URL)
        config.SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"options": f"-csearch_path={schema}"}}
    else:
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / f'import-{secrets.token_hex(3)}.db'}"
        config.SQLALCHEMY_ENGINE_OPTIONS = {}
    config.HUEY_URL = f"sqlite:///{folder / 'huey.db'}"
    config.UPLOAD_DIR = str(folder / "uploads")
    return create_app(config)


def _fresh_campaign():
    """Schema and demo data (reference, offers, the campaign) in the app's empty database."""
    from quota_app.extensions import db
    from quota_app.seed.demo import seed_demo

    db.create_all()
    campaign = seed_demo().campaign
    db.session.commit()
    return campaign


# --- the workbook ------------------------------------------------------------------------------

def _typed(rng: random.Random, person: dict, nina: str, passport, codes: dict) -> list:
    """One template row, written as a regional office would type it (all valid)."""
    from datetime import datetime

    last = person["last_name"].upper() if rng.random() < 0.3 else person["last_name"]
    sex = person["sex"] if rng.random() < 0.8 else {"M": "Homme", "F": "Femme"}[person["sex"]]
    born = person["birth_date"]
    birth = born.strftime("%d/%m/%Y") if rng.random() < 0.2 else datetime(born.year, born.month, born.day)
    if rng.random() < 0.1:
        nina = f"{nina[:4]} {nina[4:11]} {nina[11:]}".lower()
    digits = person["phone"][4:]
    phone = rng.choice((person["phone"], f"+223 {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}",
                        digits, f"00223{digits}"))
    region = person["region_code"] if rng.random() < 0.7 else codes["region_names"][person["region_code"]]
    average = person["diploma_average"]
    average = f"{average}".replace(".", ",") if rng.random() < 0.25 else float(average)
    choices = [codes["offers"][offer_id] for offer_id, _level in person["choices"]] + [None, None, None]
    email = None  # the template's E-mail column: paper forms seldom give one
    return [last, person["first_names"], sex, birth, person["birth_place"], nina, passport, phone, email,
            region, codes["diplomas"][person["diploma_id"]], codes["series"].get(person["series_id"]),
            person["diploma_year"], average, *choices[:3]]


def generate(path: Path, rows: int, seed: int, folder: Path) -> None:
    """Writes `rows` applicants of stream `seed` in the template's columns (write-only openpyxl)."""
    from openpyxl import Workbook
    from sqlalchemy import select

    from quota_app.campaigns.models import Offer
    from quota_app.extensions import db
    from quota_app.reference.models import Diploma, Region, Series
    from quota_app.seed import applicants as people

    app = _app(folder, "sqlite")
    with app.app_context():
        campaign = _fresh_campaign()
        ctx = people._Context(campaign, campaign.reference_date)
        spec = targets.applicants_spec(campaign)
        codes = {
            "offers": dict(db.session.execute(select(Offer.id, Offer.code).where(Offer.campaign_id == campaign.id)).all()),
            "diplomas": dict(db.session.execute(select(Diploma.id, Diploma.code)).all()),
            "series": dict(db.session.execute(select(Series.id, Series.code)).all()),
            "region_names": dict(db.session.execute(select(Region.code, Region.name)).all()),
        }
        rng = random.Random(f"quota-demo-applicants:{seed}")  # the seed-demo stream of people
        typing = random.Random(f"quota-import-bench:{seed}")
        nina_offset = random.Random(f"quota-demo-nina:{seed}").randrange(people._NINA_SPACE)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(spec.name)
        ws.append([c.header + (" *" if c.required else "") for c in spec.columns])
        written = index = 0
        while written < rows:
            person = people._person(rng, ctx, index, nina_offset)
            index += 1
            if not person["choices"]:
                continue  # "Choix 1" is required: such a paper form would be sent back
            slot = person["slot"]
            passport = people._passport(slot) if person["has_passport"] else None
            ws.append(_typed(typing, person, people._nina(person, slot), passport, codes))
            written += 1
        wb.save(path)
        db.session.remove()
        db.engine.dispose()


# --- the measures (each in a child process) ----------------------------------------------------

def measure_pandas(path: Path) -> dict:
    import pandas

    before = rss_mb()
    start = time.perf_counter()
    frame = pandas.read_excel(path, engine="openpyxl")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(frame), "rss_before_mb": before, "peak_mb": peak_mb()}


def measure_import(path: Path, folder: Path, database: str, schema: str | None, profile: bool) -> dict:
    as_deployed()  # Quota as requirements.txt installs it: no numpy (pandas' reference child has it)
    from quota_app.extensions import db

    app = _app(folder, database, schema)
    with app.app_context():
        campaign = _fresh_campaign()
        data = path.read_bytes()
        before = rss_mb()
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        start = time.perf_counter()
        result = targets.run_import("applicants", campaign, data, path.name, None, commit=True)
        db.session.commit()
        seconds = time.perf_counter() - start
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        if not result.committed:
            raise SystemExit(f"import refusé : {result.errors[:3]}")
        db.session.remove()
        db.engine.dispose()
    return {"seconds": seconds, "rows": result.counts["new"], "rss_before_mb": before,
            "peak_mb": peak_mb()}


def _child(*args: str, profile: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    if profile:
        sys.stderr.write(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workbook", help="reuse (or create) this workbook instead of a temporary one")
    parser.add_argument("--profile", action="store_true", help="cProfile each import run (stderr)")
    parser.add_argument("--measure", choices=("generate", "pandas", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure == "generate":
        generate(Path(args.workbook), args.applicants, args.seed, Path(args.folder))
        return 0
    if args.measure == "pandas":
        print(json.dumps(measure_pandas(Path(args.workbook))))
        return 0
    if args.measure == "import":
        print(json.dumps(measure_import(Path(args.workbook), Path(args.folder), args.database,
                                        args.schema, args.profile)))
        return 0

    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    with tempfile.TemporaryDirectory(prefix="quota-import-bench-") as name:
        folder = Path(name)
        path = Path(args.workbook) if args.workbook else folder / "candidats.xlsx"
        if not path.exists():
            start = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--measure", "generate", "--workbook", str(path),
                            "--folder", name, "--applicants", str(args.applicants),
                            "--seed", str(args.seed)], check=True)
            count = f"{args.applicants:,}".replace(",", " ")
            print(f"Classeur de {count} candidats (graine {args.seed}) écrit en "
                  f"{time.perf_counter() - start:.0f} s ({path.stat().st_size / 1e6:.1f} Mo)".replace(".", ","))
        common = ["--workbook", str(path), "--folder", name]
        reference = _child("--measure", "pandas", *common)
        results = {}
        for database in databases:
            if database == "postgresql" and not _pg_reachable():
                print(f"PostgreSQL injoignable ({PG_URL}) : import PostgreSQL non mesuré.")
                results[database] = None
                continue
            # Same name shape as the tests' schemas: a run killed midway is dropped by the next
            # test session (tests/conftest.py drop_orphan_schemas) once this process is gone.
            schema = f"t_{os.getpid()}_{secrets.token_hex(3)}" if database == "postgresql" else None
            if schema:
                _pg_schema("create", schema)
            try:
                extra = ["--schema", schema] if schema else []
                results[database] = _child("--measure", "import", "--database", database, *common, *extra,
                                           *(["--profile"] if args.profile else []), profile=args.profile)
            finally:
                if schema:
                    _pg_schema("drop", schema)

    rows = f"{reference['rows']:,}".replace(",", " ")
    print(f"\nImport des candidats, {rows} lignes ; mémoire max = VmHWM du processus fils "
          f"(le sien, depuis son lancement)")
    print(f"{'Mesure':<34}{'secondes':>9}{'ratio/pandas':>14}{'mémoire max':>13}  verdict")
    print(f"{'pandas.read_excel (openpyxl)':<34}{reference['seconds']:>9.1f}{'1,00':>14}"
          f"{reference['peak_mb']:>10.0f} Mo")
    failures = 0
    for database, result in results.items():
        label = f"import Quota, {'SQLite' if database == 'sqlite' else 'PostgreSQL'}"
        if result is None:
            print(f"{label:<34}{'—':>9}{'—':>14}{'—':>13}  ÉCHEC (base injoignable)")
            failures += 1
            continue
        ratio = result["seconds"] / reference["seconds"]
        ok_time, ok_mem = ratio <= RATIO_MAX[database], result["peak_mb"] < PEAK_MAX_MB
        failures += (not ok_time) + (not ok_mem)
        print(f"{label:<34}{result['seconds']:>9.1f}{fr(ratio):>14}{result['peak_mb']:>10.0f} Mo"
              f"  temps {verdict(ok_time)} (≤ {fr(RATIO_MAX[database], 1)}), mémoire {verdict(ok_mem)}")
    print(f"Cibles : import <= {fr(RATIO_MAX['sqlite'], 1)} × pandas sur SQLite, "
          f"<= {fr(RATIO_MAX['postgresql'], 1)} × pandas sur PostgreSQL (ses contrôles référentiels "
          f"seuls dépassent 0,3), mémoire max < {PEAK_MAX_MB} Mo.")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
