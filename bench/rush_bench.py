"""The deadline rush (issue 16, « Load »): 200 applicants submit at once under gunicorn on PostgreSQL.

    .venv/bin/python -m bench.rush_bench [--applicants 200] [--seed 1] [--duration 30] [--period 3]
                                         [--wave 40] [--double-every 10] [--workers 2] [--threads 1]
                                         [--keep-database]

1. A fresh PostgreSQL database (`rush_bench` on the server of TEST_DATABASE_URL, or RUSH_PG_URL:
   postgresql://user@host:port), migrated by `flask db upgrade`; the demonstration campaign
   (seed_demo: open, its offers, its required documents) and N applicants (fixed seed), each with
   an account and a complete, ready-to-submit draft filled through the applicant's services as
   the demo year does (seed/year.py `_apply`, without the submission). Checked before the rush:
   no step missing, no eligibility check failing.
2. gunicorn (-w 2 --threads 1, as the HTTP bench: two cores) serves Quota with
   QUOTA_ENV=production, the task queue on Redis (HUEY_URL; in memory when Redis does not answer,
   and then nobody consumes it), and beside it the task worker as in production (`flask
   jobs-worker --workers 2`: it seals each receipt after the submission's commit and hands the
   confirmations to a local SMTP sink, tests/notifications/fakes.py, on the same two cores). Logins use a light Argon2id (they are not measured). The same server answers a bare page added for the bench (one SQL query, a
   three-line template, no session): the reference.
3. Every applicant logs in over HTTP (GET /connexion for the CSRF token, POST the form): one
   session cookie each, kept like a browser keeps it.
4. « Référence » : N threads behind a threading.Barrier load the bare page together.
   « Tous en même temps » : N threads behind a Barrier each GET their file's page (the
   submit form and its CSRF token), POST the submission and follow the redirect to the receipt;
   one applicant in ten double-clicks (a second POST with the same token, sent at once).
   « Par vagues » : for --duration seconds, a wave every --period seconds (each released
   together): --wave applicants click « Soumettre » again (the page they still have open: must
   answer a French 409 or a redirect to the receipt saying the file was already submitted,
   never a 5xx), --wave load their home page, --wave load the bare page.
5. gunicorn stops; the worker has up to RECEIPT_WAIT seconds to finish (every receipt sealed,
   the queue empty): how long it took after the rush is reported. The database is read: every
   file submitted (none lost: a draft left after a 2xx/3xx answer, or not submitted at all), each
   with its sealed receipt, the references all distinct, one confirmation per file and channel.

Prints in French: the answers by status code, p50/p95/max of each kind of request, the p95 of
the submission against the bare page measured in the same run under the same concurrency, and
PASS/ÉCHEC; exits 1 on any 5xx, network error, lost or duplicate submission. gunicorn, the
temporary files, the queue's keys and the database always go (--keep-database keeps it).
"""
import argparse
import html
import http.client
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import fr, verdict  # noqa: E402
from bench.servers import free_port, start_gunicorn, stop  # noqa: E402
from tests.notifications.fakes import SlowSMTPServer  # noqa: E402  (the tests' local SMTP, no delay)

DATABASE = "rush_bench"
PASSWORD = "Ruee-Quota-2026!"
# The task queue in its own Redis database; only huey's keys of this queue are removed at the end.
REDIS_URL = os.environ.get("RUSH_REDIS_URL", "redis://127.0.0.1:6379/11")
BARE_PATH = "/_banc/page-nue"
BARE_LABEL = "page nue (1 requête SQL)"
CAMPAIGN_NUMBER = 16  # the fake people's NINA and passports carry it (seed/people.py)
TIMEOUT = 120.0
RECEIPT_WAIT = 300.0  # seconds the worker may take, after the rush, to seal the last receipt
USER_AGENT = "quota-rush-bench/1"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
ALREADY = "Ce dossier a déjà été soumis"
SUBMITTED = "Votre dossier est soumis"
CONFLICT = "modifié entre-temps"

BARE_TEMPLATE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><p>Campagne n° {{ id }}</p></body></html>"""


# --- the server: Quota plus the bare page -----------------------------------------------------

def served_app():
    """What gunicorn serves: Quota, and the bare page (one query, a tiny template, no session,
    none of Quota's context processors) answered by the same workers."""
    from flask import request
    from jinja2 import Template
    from sqlalchemy import text

    from quota_app import create_app
    from quota_app.extensions import db

    app = create_app()
    template = Template(BARE_TEMPLATE)
    query = text("SELECT id, title FROM campaigns WHERE id = :campaign")

    def bare():
        with db.engine.connect() as conn:
            row = conn.execute(query, {"campaign": request.args.get("campaign", 1, type=int)}).one()
        return template.render(id=row.id, title=row.title)

    app.add_url_rule(BARE_PATH, "rush_bench_bare", bare)
    return app






def start_worker(env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "wb")
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "flask"), "jobs-worker", "--workers", "2"], cwd=ROOT,
                            stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def wait_for_worker(app, env: dict, ids: list[int], timeout: float = RECEIPT_WAIT) -> float | None:
    """Seconds until every submitted file has its sealed receipt and the queue is empty (None
    when the wait ran out)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if not read_back(app, ids)["without_receipt"] and pending(env) == 0:
            return time.perf_counter() - started
        time.sleep(1)
    return None




# --- the database ---------------------------------------------------------------------------

def server_url() -> str:
    """postgresql://user@host:port of the server (no database)."""
    raw = os.environ.get("RUSH_PG_URL") or os.environ.get("TEST_DATABASE_URL") \
        or "postgresql://postgres@127.0.0.1:5432/test"
    parts = urlsplit(raw.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://"))
    return f"postgresql://{parts.netloc}"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url()}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def create_database() -> None:
    _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')  # a run interrupted earlier
    _admin(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    try:
        _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    except Exception as exc:  # noqa: BLE001 - reported, never hides the bench's own result
        print(f"La base {DATABASE} n'a pas pu être supprimée : {exc}")


def pg_reachable() -> bool:
    try:
        _admin("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def migrate(env: dict) -> None:
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"flask db upgrade a échoué :\n{(result.stdout + result.stderr)[-3000:]}")


def seed(app, applicants: int, seed_value: int) -> dict:
    """The demo campaign and `applicants` ready-to-submit drafts. Returns the campaign id and,
    for each applicant, its e-mail and application id."""
    from flask import current_app

    from quota_app.applications import eligibility
    from quota_app.applications import services as applying
    from quota_app.auth.models import Consent, User
    from quota_app.auth.passwords import hash_password
    from quota_app.auth.session import new_session_token
    from quota_app.extensions import db
    from quota_app.seed import people
    from quota_app.seed.demo import seed_demo
    from quota_app.timeutil import utcnow

    rng = random.Random(seed_value)
    with app.app_context():
        report = seed_demo()
        campaign, ref = report.campaign, report.ref
        password_hash = hash_password(PASSWORD)  # one hash for all (the server's parameters)
        upload_dir, max_bytes = current_app.config["UPLOAD_DIR"], current_app.config["MAX_UPLOAD_BYTES"]
        photo, now = people.png_bytes(), utcnow()
        files = []
        for index in range(applicants):
            person = people.young_person(f"rush-{seed_value}", CAMPAIGN_NUMBER, index, campaign.reference_date)
            # The account as the demo year makes it (seed/year.py _applicant_account).
            user = User(email=person.email, password_hash=password_hash, full_name=person.full_name,
                        role="applicant", session_token=new_session_token(), is_active_account=True)
            db.session.add(user)
            db.session.flush()
            db.session.add(Consent(user_id=user.id, text_version=current_app.config["CONSENT_VERSION"], given_at=now))
            # The file, step by step, through the applicant's services (seed/year.py _apply).
            application, _created = applying.start_application(user, campaign, now=now)
            applying.save_identity(user, application, person.identity_form(), now=now)
            applying.save_contact(user, application, {
                "phone": person.phone, "address": person.address,
                "region_id": str(ref["regions"][person.region_code].id)}, now=now)
            applying.save_schooling(user, application, {
                "diploma_id": str(ref["diplomas"][person.diploma_code].id),
                "series_id": str(ref["series"][person.series_code].id) if person.series_code else "",
                "diploma_year": str(min(person.diploma_year, now.year)),
                "diploma_average": str(person.diploma_average), "school": person.school}, now=now)
            offers = applying.allowed_offers(application)
            applying.save_choices(user, application, [o.id for o in rng.sample(offers, min(3, len(offers)))],
                                  now=now)
            applying.save_motivation(user, application, {"motivation": person.motivation}, now=now)
            for doc_type, need in applying.document_needs(application):
                if need.needed:
                    pdf = "application/pdf" in doc_type.accepted_types
                    applying.upload_document(user, application, doc_type.id, people.PDF_BYTES if pdf else photo,
                                             f"{doc_type.code.lower()}.pdf" if pdf else "photo.png", upload_dir,
                                             max_bytes, now=now)
            missing = applying.missing_steps(application)
            failed = eligibility.failed(applying.checks_for(application, now=now))
            if missing or failed:
                raise RuntimeError(f"Le brouillon de {person.email} n'est pas prêt à soumettre : "
                                   f"{missing} {[c.message_fr for c in failed]}")
            files.append({"email": person.email, "application": application.id})
        db.session.commit()
        campaign_id = campaign.id
        db.session.remove()
        db.engine.dispose()
    return {"campaign": campaign_id, "files": files}


# --- the clients ------------------------------------------------------------------------------

class Browser:
    """One applicant's browser: its cookies, one connection per request (Connection: close)."""

    def __init__(self, port: int, email: str, application: int):
        self.port, self.email, self.application = port, email, application
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str, float]:
        """(status, Location, body, seconds); raises OSError/HTTPException on a network failure."""
        headers = {"User-Agent": USER_AGENT, "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        seconds = time.perf_counter() - start
        for raw in response.msg.get_all("Set-Cookie") or ():
            pair = raw.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if value and "max-age=0" not in raw.lower():
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        location = response.getheader("Location") or ""
        return response.status, location, data.decode("utf-8", "replace"), seconds


class Recorder:
    """Every measured request: (phase, kind, status or None for a network error, seconds, note)."""

    def __init__(self):
        self.rows: list[tuple] = []
        self.lock = threading.Lock()

    def add(self, phase: str, kind: str, status: int | None, seconds: float, note: str = "") -> None:
        with self.lock:
            self.rows.append((phase, kind, status, seconds, note))


def _path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def measured(recorder: Recorder, phase: str, kind: str, browser: Browser, method: str, path: str,
             form: dict | None = None):
    """One request, recorded; None after a network failure (recorded as such)."""
    start = time.perf_counter()
    try:
        status, location, body, seconds = browser.request(method, path, form)
    except (OSError, http.client.HTTPException) as exc:
        recorder.add(phase, kind, None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
        return None
    recorder.add(phase, kind, status, seconds)
    return status, location, body


def log_in(browser: Browser) -> None:
    status, _location, body, _s = browser.request("GET", "/connexion")
    token = CSRF.search(body)
    if status != 200 or not token:
        raise RuntimeError(f"GET /connexion ({browser.email}) : HTTP {status}")
    status, location, body, _s = browser.request("POST", "/connexion", {
        "email": browser.email, "password": PASSWORD, "next": "", "csrf_token": html.unescape(token.group(1))})
    if status != 302 or "/connexion" in location:
        raise RuntimeError(f"connexion de {browser.email} refusée : HTTP {status} {location}")


def log_everyone_in(browsers: list[Browser], threads: int = 4) -> float:
    start = time.perf_counter()
    errors: list[str] = []
    queue = list(browsers)
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if not queue:
                    return
                browser = queue.pop()
            try:
                log_in(browser)
            except Exception as exc:  # noqa: BLE001 - collected, reported below
                errors.append(str(exc))

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} connexion(s) en échec, dont : {errors[0]}")
    return time.perf_counter() - start


def run_together(functions: list) -> None:
    """Each function in its own thread, all released at once by a Barrier."""
    barrier = threading.Barrier(len(functions))

    def released(function):
        barrier.wait()
        function()

    pool = [threading.Thread(target=released, args=(f,)) for f in functions]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


class Outcomes:
    """What each file's submissions answered, and whether second clicks answered in French."""

    def __init__(self):
        self.accepted: set[int] = set()     # a submission answered 2xx/3xx
        self.refused: dict[int, str] = {}   # answered 3xx back to the file's page: not submitted
        self.french = Counter()             # second clicks: "409" / "redirection" / "sans message"
        self.lock = threading.Lock()


def submit(recorder: Recorder, outcomes: Outcomes, phase: str, kind: str, browser: Browser,
           second_click: bool) -> None:
    """POST the submission with the token of the page already open; follow the redirect."""
    answer = measured(recorder, phase, kind, browser, "POST", f"/candidat/dossier/{browser.application}/soumettre",
                      {"csrf_token": browser.token or ""})
    if answer is None:
        return
    status, location, body = answer
    follow = None
    if 300 <= status < 400 and location:
        follow = measured(recorder, phase, "récépissé (GET)" if "/recepisse" in location else "page suivante (GET)",
                          browser, "GET", _path(location))
    with outcomes.lock:
        if status < 400:
            if "/recepisse" in location or 200 <= status < 300:
                outcomes.accepted.add(browser.application)
            else:
                outcomes.refused[browser.application] = location
        if second_click:
            if status == 409 and CONFLICT in html.unescape(body):
                outcomes.french["409"] += 1
            elif follow is not None and follow[0] == 200 and (
                    ALREADY in html.unescape(follow[2]) or SUBMITTED in html.unescape(follow[2])):
                outcomes.french["redirection"] += 1
            else:
                outcomes.french["sans message"] += 1


def phase_reference(recorder: Recorder, browsers: list[Browser], port: int, campaign: int) -> None:
    anonymous = [Browser(port, "", 0) for _ in browsers]
    run_together([lambda b=b: measured(recorder, "Référence", BARE_LABEL, b, "GET", f"{BARE_PATH}?campaign={campaign}")
                  for b in anonymous])


def phase_rush(recorder: Recorder, outcomes: Outcomes, browsers: list[Browser], double_every: int) -> None:
    phase = "Tous en même temps"

    def applicant(browser: Browser, double: bool):
        answer = measured(recorder, phase, "page du dossier (GET)", browser, "GET",
                          f"/candidat/dossier/{browser.application}")
        if answer is None:
            return
        token = CSRF.search(answer[2])
        if answer[0] != 200 or token is None:
            with outcomes.lock:
                outcomes.refused[browser.application] = f"page du dossier : HTTP {answer[0]} sans formulaire"
            return
        browser.token = html.unescape(token.group(1))
        if not double:
            submit(recorder, outcomes, phase, "soumission (POST)", browser, False)
            return
        # A double click: the second POST leaves at once, with the same cookie and token.
        twin = Browser(browser.port, browser.email, browser.application)
        twin.cookies, twin.token = dict(browser.cookies), browser.token
        other = threading.Thread(target=submit, args=(recorder, outcomes, phase, "double clic (POST)", twin, True))
        other.start()
        submit(recorder, outcomes, phase, "soumission (POST)", browser, False)
        other.join()

    run_together([lambda b=b, i=i: applicant(b, double_every > 0 and i % double_every == 0)
                  for i, b in enumerate(browsers)])


def phase_waves(recorder: Recorder, outcomes: Outcomes, browsers: list[Browser], port: int, campaign: int,
                duration: float, period: float, wave: int, rng: random.Random) -> int:
    phase = "Par vagues"
    waves: list[threading.Thread] = []
    start = time.perf_counter()
    count = max(int(duration // period), 1)
    for number in range(count):
        delay = start + number * period - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        clickers = rng.sample(browsers, min(wave, len(browsers)))
        readers = rng.sample(browsers, min(wave, len(browsers)))
        jobs = [lambda b=b: submit(recorder, outcomes, phase, "second clic (POST)", b, True) for b in clickers]
        jobs += [lambda b=b: measured(recorder, phase, "accueil du candidat (GET)", b, "GET", "/candidat/")
                 for b in readers]
        jobs += [lambda b=Browser(port, "", 0): measured(recorder, phase, BARE_LABEL, b, "GET",
                                                         f"{BARE_PATH}?campaign={campaign}")
                 for _ in range(wave)]
        rng.shuffle(jobs)
        thread = threading.Thread(target=run_together, args=(jobs,))
        thread.start()
        waves.append(thread)
    remaining = start + count * period - time.perf_counter()
    if remaining > 0:
        time.sleep(remaining)
    for thread in waves:
        thread.join()
    return count


# --- what the database says ------------------------------------------------------------------

def read_back(app, ids: list[int]) -> dict:
    from sqlalchemy import func, select

    from quota_app.applications.models import Application, ReferenceCounter
    from quota_app.extensions import db
    from quota_app.notifications.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(select(Application.id, Application.status, Application.reference,
                                         Application.submitted_at, Application.receipt_document_id)
                                  .where(Application.id.in_(ids))).all()
        references = [r.reference for r in rows if r.reference]
        duplicates = db.session.execute(
            select(Application.reference, func.count()).where(Application.reference.is_not(None))
            .group_by(Application.reference).having(func.count() > 1)).all()
        messages = db.session.execute(
            select(OutboxMessage.application_id, OutboxMessage.channel, func.count())
            .where(OutboxMessage.application_id.in_(ids), OutboxMessage.subject.like("Dossier % soumis"))
            .group_by(OutboxMessage.application_id, OutboxMessage.channel)).all()
        counter = db.session.scalar(select(func.max(ReferenceCounter.last_value)))
        db.session.remove()
        db.engine.dispose()
    return {
        "submitted": {r.id for r in rows if r.status == "submitted" and r.submitted_at and r.reference},
        "without_receipt": [r.id for r in rows if r.status == "submitted" and r.receipt_document_id is None],
        "references": references, "duplicates": duplicates,
        "confirmed": len({m.application_id for m in messages}),
        "double_messages": [(m.application_id, m.channel, m[2]) for m in messages if m[2] > 1],
        "counter": counter or 0,
    }


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _huey(env: dict):
    from huey import RedisHuey

    return RedisHuey("quota", url=env["HUEY_URL"], results=False)


def pending(env: dict) -> int:
    """Tasks waiting in the queue (0 for a queue in memory: the bench cannot see it)."""
    return _huey(env).pending_count() if env["HUEY_URL"].startswith("redis://") else 0


def flush_queue(env: dict) -> int:
    """Empties the queue's keys in Redis (what nobody consumed); returns how many."""
    if not env["HUEY_URL"].startswith("redis://"):
        return 0
    huey = _huey(env)
    left = huey.pending_count()
    huey.flush()
    return left


# --- the report ------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (seconds)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(int(-(-p * len(ordered) // 100)), 1)
    return ordered[min(rank, len(ordered)) - 1]


def summarise(recorder: Recorder) -> dict:
    groups: dict[tuple, list] = defaultdict(list)
    for phase, kind, status, seconds, _note in recorder.rows:
        groups[(phase, kind)].append((status, seconds))
    out = {}
    for key, items in groups.items():
        times = [s for status, s in items if status is not None]
        codes = Counter(status for status, _s in items)
        out[key] = {"n": len(items), "p50": percentile(times, 50) * 1000, "p95": percentile(times, 95) * 1000,
                    "max": max(times, default=float("nan")) * 1000, "codes": codes}
    return out


def _codes(codes: Counter) -> str:
    return ", ".join(f"{'erreur réseau' if c is None else c} × {n}"
                     for c, n in sorted(codes.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Quota : la ruée vers la date limite (gunicorn, PostgreSQL)")
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=30, help="secondes de la phase par vagues")
    parser.add_argument("--period", type=float, default=3, help="secondes entre deux vagues")
    parser.add_argument("--wave", type=int, default=40,
                        help="par vague : seconds clics, accueils et pages nues (autant de chaque)")
    parser.add_argument("--double-every", type=int, default=10,
                        help="un candidat sur N double-clique pendant la ruée (0 : aucun)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep-database", action="store_true", help=f"garder la base {DATABASE} à la fin")
    args = parser.parse_args(argv)

    print(f"\nRuée vers la date limite : {args.applicants} candidats, gunicorn -w {args.workers} "
          f"--threads {args.threads}, PostgreSQL")
    if not pg_reachable():
        print(f"PostgreSQL injoignable ({server_url()}) : ruée non mesurée.  {verdict(False)}")
        return 1
    started = time.perf_counter()
    sink = SlowSMTPServer(0.0)
    sink_thread = threading.Thread(target=sink.serve_forever, daemon=True)
    sink_thread.start()
    folder = Path(tempfile.mkdtemp(prefix="quota-rush-bench-"))
    env = os.environ.copy()
    env.update(QUOTA_ENV="production", SECRET_KEY=secrets.token_hex(32), FLASK_APP="quota_app:create_app",
               DATABASE_URL=f"{server_url().replace('postgresql://', 'postgresql+psycopg://')}/{DATABASE}",
               HUEY_URL=REDIS_URL if redis_reachable(REDIS_URL) else "memory://", UPLOAD_DIR=str(folder / "uploads"),
               # A mail server (the local sink): each confirmation is handed to the queue after the
               # commit and sent by the worker, as in production.
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.server_address[1]), MAIL_USE_TLS="0",
               MAIL_TO_CONSOLE="0", SMS_GATEWAY_URL="",
               # The logins come before the measures and are not measured: a light Argon2id (the
               # production one takes about 0.3 s of a core each, a minute for 200 logins).
               ARGON2_TIME_COST="1", ARGON2_MEMORY_KIB="8192")
    if env["HUEY_URL"] == "memory://":
        print(f"Redis injoignable ({REDIS_URL}) : file des tâches en mémoire, propre à chaque worker.")
    saved_env = dict(os.environ)
    process, worker, queued, sealed_after = None, None, None, None
    recorder, outcomes = Recorder(), Outcomes()
    try:
        create_database()
        migrate(env)
        os.environ.update(env)
        from quota_app import create_app

        app = create_app()
        seconds = time.perf_counter()
        seeded = seed(app, args.applicants, args.seed)
        print(f"Base : {args.applicants} brouillons complets prêts à soumettre en "
              f"{time.perf_counter() - seconds:.0f} s (services du candidat)")
        flush_queue(env)
        port = free_port()
        process = start_gunicorn("bench.rush_bench:served_app()", port, folder / "gunicorn.log", workers=args.workers,
                                 threads=args.threads, env=env, extra=("--backlog", "2048"))
        worker = start_worker(env, folder / "worker.log")
        browsers = [Browser(port, f["email"], f["application"]) for f in seeded["files"]]
        print(f"Connexions : {len(browsers)} candidats connectés par le formulaire en "
              f"{log_everyone_in(browsers):.0f} s")
        # Each worker builds its menus and caches on its first requests: a short warm-up, not measured.
        for browser in browsers[:4]:
            browser.request("GET", "/candidat/")
            browser.request("GET", f"{BARE_PATH}?campaign={seeded['campaign']}")

        phase_reference(recorder, browsers, port, seeded["campaign"])
        rush_start = time.perf_counter()
        phase_rush(recorder, outcomes, browsers, args.double_every)
        rush_seconds = time.perf_counter() - rush_start
        waves = phase_waves(recorder, outcomes, browsers, port, seeded["campaign"], args.duration, args.period,
                            args.wave, random.Random(args.seed))
        stop(process)
        process = None
        sealed_after = wait_for_worker(app, env, [b.application for b in browsers])
        stop(worker)
        worker = None
        log = (folder / "gunicorn.log").read_text(errors="replace")
        worker_log = (folder / "worker.log").read_text(errors="replace")
        state = read_back(app, [b.application for b in browsers])
        queued = flush_queue(env)
    finally:
        stop(process)
        stop(worker)
        sink.shutdown()
        sink.server_close()
        if queued is None:  # interrupted: the queue's keys go all the same
            try:
                flush_queue(env)
            except Exception:  # noqa: BLE001 - Redis gone meanwhile: nothing more to clean
                pass
        os.environ.clear()
        os.environ.update(saved_env)
        if not args.keep_database:
            drop_database()
        shutil.rmtree(folder, ignore_errors=True)

    figures = summarise(recorder)
    print(f"Ruée : {args.applicants} soumissions lâchées ensemble (1 sur {args.double_every} en double clic), "
          f"servies en {rush_seconds:.1f} s ; puis {waves} vagues toutes les {fr(args.period, 0)} s "
          f"({args.wave} seconds clics, {args.wave} accueils, {args.wave} pages nues chacune)")
    print(f"{'Phase':<20}{'Requête':<30}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  Codes HTTP")
    for (phase, kind), f in figures.items():
        print(f"{phase:<20}{kind:<30}{f['n']:>6}{f['p50']:>9.0f}{f['p95']:>9.0f}{f['max']:>9.0f}  {_codes(f['codes'])}")

    codes = Counter(status for _p, _k, status, _s, _n in recorder.rows)
    server_errors = sum(n for c, n in codes.items() if c is not None and c >= 500)
    network = [note for _p, _k, status, _s, note in recorder.rows if status is None]
    ids = {b.application for b in browsers}
    answered_not_submitted = sorted(outcomes.accepted - state["submitted"])
    never = sorted(ids - state["submitted"])
    refs = state["references"]
    duplicates = len(refs) - len(set(refs)) + len(state["duplicates"])
    print("Codes HTTP de toutes les requêtes mesurées : " + _codes(codes))
    if network:
        print(f"  erreurs réseau : {network[0]}")
    for application, where in list(outcomes.refused.items())[:5]:
        print(f"  dossier {application} : soumission refusée ({where})")
    for name, text in (("de gunicorn", log), ("du travailleur", worker_log)):
        if "Traceback" in text:
            print(f"Journal {name} : une exception au moins, la première :")
            print(text[text.index("Traceback"):][:2500])

    rush = figures.get(("Tous en même temps", "soumission (POST)"))
    reference = figures.get(("Référence", BARE_LABEL))
    second = figures.get(("Par vagues", "second clic (POST)"))
    bare_waves = figures.get(("Par vagues", BARE_LABEL))
    clicks = sum(outcomes.french.values())
    checks = [
        ("Réponses 5xx", f"{server_errors}", "0", server_errors == 0),
        ("Erreurs réseau ou délais dépassés", f"{len(network)}", "0", not network),
        ("Dossiers soumis en base", f"{len(state['submitted'])}/{len(ids)}", f"{len(ids)}", not never),
        ("Soumissions perdues (2xx/3xx, brouillon)", f"{len(answered_not_submitted)}", "0",
         not answered_not_submitted),
        ("Références distinctes", f"{len(set(refs))}/{len(refs)}", "aucun doublon", duplicates == 0),
        ("Dossiers soumis sans récépissé scellé", f"{len(state['without_receipt'])}", "0",
         not state["without_receipt"]),
        ("Confirmations en double (dossier, canal)", f"{len(state['double_messages'])}", "0",
         not state["double_messages"]),
        ("Seconds clics : 409 ou redirection, en français",
         f"{clicks - outcomes.french['sans message']}/{clicks}", "tous", outcomes.french["sans message"] == 0),
    ]
    print(f"Compteur de références : {state['counter']} ; dossiers confirmés : {state['confirmed']} ; "
          f"seconds clics : {outcomes.french['redirection']} redirections vers le récépissé, "
          f"{outcomes.french['409']} réponses 409 ; courriels reçus par le serveur SMTP local : "
          f"{len(sink.received)} ; tâches restées en file : {queued}")
    print("Récépissés scellés par le travailleur après chaque soumission : le dernier "
          + (f"{fr(sealed_after, 0)} s après la fin des vagues" if sealed_after is not None
             else f"pas encore après {fr(RECEIPT_WAIT, 0)} s"))
    if rush and reference:
        print(f"p95 soumission pendant la ruée / p95 page nue (mêmes {args.applicants} clients ensemble) : "
              f"{fr(rush['p95'], 0)} / {fr(reference['p95'], 0)} ms = {fr(rush['p95'] / reference['p95'], 1)}")
    if rush:
        slow = [s for phase, kind, status, s, _n in recorder.rows
                if phase == "Tous en même temps" and kind == "soumission (POST)" and status is not None]
        print(f"Soumissions répondues après 30 s : {sum(s > 30 for s in slow)}/{len(slow)} ; après 60 s "
              f"(délai par défaut d'un proxy nginx, proxy_read_timeout) : {sum(s > 60 for s in slow)}/{len(slow)}")
    if second and bare_waves:
        print(f"p95 second clic / p95 page nue pendant les vagues : {fr(second['p95'], 0)} / "
              f"{fr(bare_waves['p95'], 0)} ms = {fr(second['p95'] / bare_waves['p95'], 1)}")
    for what, figure, target, ok in checks:
        print(f"{what:<48}{figure:>10}  cible {target:<14} {verdict(ok)}")
    print(f"Durée totale du banc : {time.perf_counter() - started:.0f} s")
    return 0 if all(ok for *_rest, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
