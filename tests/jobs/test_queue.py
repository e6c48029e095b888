"""The task queue is built by create_app from the app's configuration (never at import time, and
in memory for the tests); the job machinery writes its own state and never commits the caller's."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FEATURES = {"auth", "reference", "campaigns", "applications", "screening", "committee", "placement",
            "amci", "imports", "exports", "dashboard", "documents", "seed"}


def test_importing_every_module_reads_no_configuration_and_writes_nothing(tmp_path):
    """Every module of quota_app imported with HUEY_URL and DATABASE_URL pointing at a folder
    that does not exist: a queue (or anything) built from the environment at import would make it."""
    folder = tmp_path / "import-time"
    code = (
        "import importlib, pkgutil, quota_app\n"
        "for module in pkgutil.walk_packages(quota_app.__path__, 'quota_app.'):\n"
        "    importlib.import_module(module.name)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HUEY_URL": f"sqlite:///{folder / 'huey.db'}",
           "DATABASE_URL": f"sqlite:///{folder / 'quota.db'}", "UPLOAD_DIR": str(folder / "uploads")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert not folder.exists()


def test_the_tests_queue_is_in_memory_and_writes_no_file(app, tmp_path):
    from huey.storage import MemoryStorage

    from config import TestingConfig
    from quota_app import create_app
    from quota_app.jobs.queue import queue_of

    queue = queue_of(app)
    assert queue.huey.immediate and isinstance(queue.huey.storage, MemoryStorage)
    assert not Path(app.config["HUEY_URL"][len("sqlite:///"):]).exists()
    config = TestingConfig()
    config.HUEY_URL = f"sqlite:///{tmp_path / 'queue' / 'huey.db'}"
    assert isinstance(queue_of(create_app(config)).huey.storage, MemoryStorage)
    assert not (tmp_path / "queue").exists()


@pytest.fixture
def worker_app(tmp_path):
    """An application configured as for the worker: a SQLite queue of its own."""
    from config import DevelopmentConfig
    from quota_app import create_app

    config = DevelopmentConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'quota.db'}"
    config.HUEY_URL = f"sqlite:///{tmp_path / 'queue' / 'huey.db'}"
    config.MAIL_TO_CONSOLE = False
    return create_app(config)


def test_the_queue_is_built_from_the_apps_configuration(worker_app, tmp_path, app):
    from huey import SqliteHuey

    from quota_app.jobs.queue import queue_of

    huey = queue_of(worker_app).huey
    assert isinstance(huey, SqliteHuey) and not huey.immediate
    assert (tmp_path / "queue" / "huey.db").exists()  # made by create_app, where it was configured
    assert queue_of(app).huey is not huey  # each application its own queue


def test_the_worker_knows_every_declared_task(worker_app, monkeypatch):
    from quota_app.jobs.queue import queue_of

    ran = []

    class Consumer:
        def run(self):
            ran.append(True)

    huey = queue_of(worker_app).huey
    monkeypatch.setattr(huey, "create_consumer", lambda **options: Consumer())
    result = worker_app.test_cli_runner().invoke(args=["jobs-worker", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert ran and "SqliteHuey" in result.output
    names = set(huey._registry._registry)
    assert {"quota_app.imports.tasks.import_job", "quota_app.notifications.services.deliver_message"} <= names
    assert "quota_app.imports.tasks.import_job" in result.output


def _imports_of(package: str) -> set[str]:
    found = set()
    for path in (ROOT / "quota_app" / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("quota_app."):
                found.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("quota_app.")}
    return found


@pytest.mark.parametrize("package", ["jobs", "notifications"])
def test_the_shared_machinery_knows_no_feature(package):
    assert _imports_of(package) & FEATURES == set()


def test_kinds_of_job_are_registered_by_the_features(app):
    from quota_app.jobs import services as jobs

    assert jobs.KIND_LABELS["import.followup"] == "Import du suivi AMCI / OFPPT"
    assert {"import.applicants", "import.offers"} <= set(jobs.KIND_LABELS)


def test_the_job_machinery_never_commits_the_callers_work(db, make_user):
    """start / finish / fail write the job in a transaction of their own: the caller's pending
    work stays the caller's, to commit or roll back. (On PostgreSQL the work is even flushed:
    the job's own connection does not wait for it.)"""
    from quota_app.auth.models import User
    from quota_app.jobs import services as jobs
    from quota_app.jobs.models import Job
    from tests.conftest import BACKEND

    manager = make_user("manager")
    job = jobs.create_job(manager, "import.applicants", {})
    db.session.commit()
    job = db.session.get(Job, job.id)

    def uncommitted_work(email):
        db.session.add(User(email=email, password_hash="x", role="manager", full_name="Pas écrit",
                            session_token=email))
        if BACKEND == "postgresql":
            db.session.flush()

    uncommitted_work("jamais1@exemple.ml")
    jobs.start(job)
    assert job.status == "running" and job not in db.session.dirty  # the caller's copy follows
    db.session.rollback()
    assert db.session.get(Job, job.id).status == "running"
    uncommitted_work("jamais2@exemple.ml")
    jobs.finish(job.id, "Terminé.", {"n": 1}, done=3, total=None)
    db.session.rollback()
    job = db.session.get(Job, job.id)
    assert (job.status, job.done_count, job.total_count, job.result) == ("done", 3, 3, {"n": 1})
    jobs.fail(job.id, "Échec.", "trace")
    assert db.session.get(Job, job.id).status == "failed"
    emails = db.session.execute(db.select(User.email)).scalars().all()
    assert not {"jamais1@exemple.ml", "jamais2@exemple.ml"} & set(emails)
