"""HTTP load benchmark with wrk: the managers' list and dashboard under gunicorn, on SQLite.

    .venv/bin/python -m bench.http_bench [--applicants 100000] [--seed 1] [--duration 10]
                                         [--only list,search,dashboard,names,identifier]

1. A temporary SQLite file: create_all, seed_demo, then N fake applicants (fixed seed), committed.
2. gunicorn (-w 2 --threads 1) serves Quota with QUOTA_ENV=production (ProductionConfig), and the
   bare baseline app (bench/baseline_app.py) on the same database, same settings.
3. wrk -t2 -c8 --latency on: the baseline, a filtered list, a text search, the dashboard
   (--only picks some of them, the baseline always runs; `names` ("awa traore", both orders)
   and `identifier` (a phone number as typed) are extra searches, run only when named).
   A small Lua script prints p50/p90/p95/p99 and counts non-200 answers (a redirect to the login
   page would otherwise pass as a 3xx). Each page first gets a 2 s warm-up under the same load
   (not measured); then --duration is split into --rounds, each round running every page in
   turn so that a burst of load hits the reference and the pages alike; figures are averaged.
Prints a French table (req/s, p50, p95, ratios to the baseline) and checks the thresholds:
p95 < 150 ms for list and dashboard; the list's throughput at least 0.6 x the reference page's,
measured in the same run (issue 10: a ratio, since these shared machines cannot hold an absolute
req/s). gunicorn and temp files always go.
"""
import argparse
import http.client
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import fr, verdict  # noqa: E402
from bench.servers import free_port, start_gunicorn, stop  # noqa: E402

P95_MAX_MS = 150.0
# Issue 4 asked 300 req/s where the bare page reached about 500; issue 10 keeps that demand as
# the ratio to the reference page measured in the same run.
LIST_MIN_RATIO = 0.6
MANAGER_EMAIL = "gestionnaire@demo.ml"
REFERENCE_LABEL = "Référence (3 requêtes, 50 lignes)"
CASES = {
    "list": "Liste filtrée",
    "search": "Recherche « traore »",
    "dashboard": "Tableau de bord",
    "names": "Recherche « awa traore »",
    "identifier": "Recherche d'un téléphone",
}
DEFAULT_CASES = ("list", "search", "dashboard")

LUA = r"""
local counters = {}
local bad = 0
function setup(thread) table.insert(counters, thread) end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total_bad = 0
  for _, t in ipairs(counters) do total_bad = total_bad + (t:get("bad") or 0) end
  io.write(string.format("QUOTA p50=%d p90=%d p95=%d p99=%d bad=%d\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    total_bad))
end
"""




def seed_database(path: Path, folder: Path, applicants: int, seed: int) -> dict:
    """Fills the database; returns the campaign id, a region id and the manager's session cookie."""
    os.environ.update(QUOTA_ENV="production", SECRET_KEY=secrets.token_hex(32),
                      DATABASE_URL=f"sqlite:///{path}", HUEY_URL=f"sqlite:///{folder / 'huey.db'}",
                      UPLOAD_DIR=str(folder / "uploads"))
    from sqlalchemy import func, select

    from quota_app import create_app
    from quota_app.applications.models import Application
    from quota_app.auth.models import User
    from quota_app.extensions import db, login_manager
    from quota_app.seed.applicants import seed_applicants
    from quota_app.seed.demo import seed_demo

    app = create_app()
    with app.app_context():
        db.create_all()
        campaign = seed_demo().campaign
        db.session.commit()
        start = time.perf_counter()
        seed_applicants(campaign, applicants, seed)
        db.session.commit()
        print(f"Base : {applicants:,} candidats fictifs en {time.perf_counter() - start:.0f} s".replace(",", " "))
        region_id = db.session.execute(
            select(Application.region_id).where(Application.campaign_id == campaign.id,
                                                Application.region_id.is_not(None))
            .group_by(Application.region_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        phone = db.session.execute(
            select(Application.phone).where(Application.campaign_id == campaign.id,
                                            Application.phone.is_not(None)).order_by(Application.id).limit(1)
        ).scalar_one()
        user = db.session.execute(select(User).filter_by(email=MANAGER_EMAIL)).scalar_one()
        token, campaign_id = user.session_token, campaign.id
        db.session.remove()
        db.engine.dispose()
    # The session as Flask-Login leaves it after a login from wrk's address (no User-Agent).
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        ident = login_manager._session_identifier_generator()
    payload = {"_user_id": token, "_fresh": True, "_id": ident}
    cookie = app.session_interface.get_signing_serializer(app).dumps(payload)
    return {"campaign": campaign_id, "region": region_id, "cookie": cookie, "phone": phone}






def check_200(port: int, path: str, cookie: str | None) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": f"session={cookie}"} if cookie else {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} : HTTP {response.status} {response.getheader('Location') or ''} "
                           f"{body[:300]!r}")


def run_wrk(port: int, path: str, cookie: str | None, duration: int, lua: Path) -> dict:
    # A generous timeout: wrk drops slower answers from its latency figures (counted as errors).
    command = ["wrk", "-t2", "-c8", f"-d{duration}s", "--timeout", "10s", "--latency", "-s", str(lua)]
    if cookie:
        command += ["-H", f"Cookie: session={cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk {path} : réponses en erreur\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    mine = re.search(r"QUOTA p50=(\d+) p90=(\d+) p95=(\d+) p99=(\d+) bad=(\d+)", out)
    if not rps or not mine:
        raise RuntimeError(f"sortie de wrk illisible :\n{out}")
    p50, p90, p95, p99, bad = (int(x) for x in mine.groups())
    if bad:
        raise RuntimeError(f"wrk {path} : {bad} réponse(s) autre(s) que 200\n{out}")
    requests = re.search(r"(\d+) requests in", out)
    return {"rps": float(rps.group(1)), "p50": p50 / 1000, "p90": p90 / 1000, "p95": p95 / 1000,
            "p99": p99 / 1000, "requests": int(requests.group(1)) if requests else 0}


def _mean(runs: list[dict]) -> dict:
    """One page's figures over its rounds (rounds of equal length): mean req/s, mean of each
    percentile."""
    return {key: sum(r[key] for r in runs) / len(runs) for key in runs[0]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Quota : banc de charge HTTP (wrk)")
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="secondes de charge par URL")
    parser.add_argument("--warmup", type=int, default=2, help="secondes de chauffe par URL (non mesurées)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="tours : --duration est partagé entre eux, chaque tour passe toutes les pages")
    parser.add_argument("--only", default=",".join(DEFAULT_CASES),
                        help=f"pages à mesurer parmi {','.join(CASES)} (la référence est toujours mesurée)")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in only if name not in CASES]
    if unknown or not only:
        parser.error(f"--only : {', '.join(unknown) or 'vide'} ; choisir parmi {', '.join(CASES)}")
    if shutil.which("wrk") is None:
        print("wrk introuvable : apt-get install -y wrk (make bench l'installe en root).")
        return 1

    folder = Path(tempfile.mkdtemp(prefix="quota-http-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        info = seed_database(folder / "bench.db", folder, args.applicants, args.seed)
        lua = folder / "percentiles.lua"
        lua.write_text(LUA)
        campaign, region, cookie = info["campaign"], info["region"], info["cookie"]

        base_port, app_port = free_port(), free_port()
        processes.append(start_gunicorn("bench.baseline_app:create_app()", base_port, folder / "baseline.log"))
        processes.append(start_gunicorn("quota_app:create_app()", app_port, folder / "quota.log"))

        phone = " ".join(info["phone"][i:i + 2] for i in range(4, 12, 2))  # +22376123456 -> 76 12 34 56
        paths = {
            "list": f"/gestion/dossiers/?campaign={campaign}&status=eligible&sex=F&region={region}&page=3",
            "search": f"/gestion/dossiers/?campaign={campaign}&q=traore",
            "dashboard": f"/gestion/tableau-de-bord/?campaign={campaign}",
            "names": f"/gestion/dossiers/?campaign={campaign}&q=awa+traore",
            "identifier": f"/gestion/dossiers/?campaign={campaign}&q={phone.replace(' ', '+')}",
        }
        cases = [(REFERENCE_LABEL, base_port, f"/?campaign={campaign}&page=3", None)]
        cases += [(CASES[name], app_port, paths[name], cookie) for name in only]
        for label, port, path, session in cases:
            check_200(port, path, session)
            # Warm-up under the same concurrency, not measured: the dashboard's figures and the
            # list's filter menus are cached per worker, and a lone request or two may reach
            # only one of the two workers (the other then computed them during the measure:
            # a 3.8 s answer at p99 in one run).
            if args.warmup:
                run_wrk(port, path, session, args.warmup, lua)
        # Rounds, each running every page in turn, so that a burst of load on this shared
        # machine falls on the reference and the pages alike (the ratios are what is judged).
        rounds = max(args.rounds, 1)
        seconds = max(args.duration // rounds, 1)
        runs: dict[str, list[dict]] = {label: [] for label, *_rest in cases}
        for _ in range(rounds):
            for label, port, path, session in cases:
                runs[label].append(run_wrk(port, path, session, seconds, lua))
        results = [(label, path, _mean(runs[label])) for label, _port, path, _session in cases]
    finally:
        for process in processes:
            stop(process)
        shutil.rmtree(folder, ignore_errors=True)

    base = results[0][2]
    by_label = {label: r for label, _path, r in results}
    count = f"{args.applicants:,}".replace(",", " ")
    print(f"\nwrk -t2 -c8, {rounds} tour(s) de {seconds} s par page (pages en alternance, moyenne des tours), "
          f"gunicorn -w 2 --threads 1, SQLite, {count} dossiers")
    print(f"{'Page':<36}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'débit/réf':>11}{'p95/réf':>9}")
    for label, _path, r in results:
        print(f"{label:<36}{r['rps']:>8.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}"
              f"{r['rps'] / base['rps']:>11.2f}{r['p95'] / base['p95']:>9.1f}")
    for label, path, _r in results:
        print(f"  {label} : {path}")

    listing, dashboard = by_label.get(CASES["list"]), by_label.get(CASES["dashboard"])
    checks = []  # (what, figure, target, ok)
    if listing is not None:
        ratio = listing["rps"] / base["rps"]
        checks.append(("Débit liste filtrée / référence", f"{fr(ratio)}", f"≥ {fr(LIST_MIN_RATIO, 1)}",
                       ratio >= LIST_MIN_RATIO))
    for label, r in (("p95 liste filtrée", listing), ("p95 tableau de bord", dashboard)):
        if r is not None:
            checks.append((label, f"{fr(r['p95'], 0)} ms", f"< {P95_MAX_MS:.0f} ms", r["p95"] < P95_MAX_MS))
    for what, figure, target, ok in checks:
        print(f"{what:<36}{figure:>10}  cible {target:<10} {verdict(ok)}")
    if listing is None or dashboard is None:
        print("Seuils vérifiés sur les seules pages mesurées (--only) : " + ", ".join(only) + ".")
    return 0 if all(ok for *_rest, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
