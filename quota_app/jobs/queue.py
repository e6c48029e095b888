"""The huey task queue, built from HUEY_URL.

    sqlite:///path/huey.db  -> SqliteHuey (default: instance/huey.db; no extra service needed)
    redis://host:6379/0     -> RedisHuey

The worker runs outside Flask and builds its own application (QUOTA_ENV decides the config):

    .venv/bin/huey_consumer quota_app.jobs.queue.huey        (or: flask jobs-worker)

Tests run tasks synchronously: `sync_mode(app)` turns huey's immediate mode on when
app.config["HUEY_IMMEDIATE"] is true (TestingConfig), before each enqueue.
"""
from __future__ import annotations

import os
from contextlib import nullcontext

import click
from flask import has_app_context
from huey import RedisHuey, SqliteHuey

from config import Config

NAME = "quota"
_worker_app = None


def make_huey(url: str, immediate: bool = False):
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        return SqliteHuey(NAME, filename=path, immediate=immediate)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(NAME, url=url, immediate=immediate)
    raise RuntimeError(f"HUEY_URL non reconnue : {url!r} (attendu sqlite:///chemin ou redis://hôte).")


huey = make_huey(Config().HUEY_URL)


def sync_mode(app) -> None:
    """Immediate (synchronous, in-memory) mode when the application asks for it."""
    wanted = bool(app.config.get("HUEY_IMMEDIATE", False))
    if huey.immediate != wanted:
        huey.immediate = wanted


def app_context():
    """The current application's context, or one of the worker's own application."""
    global _worker_app
    if has_app_context():
        return nullcontext()
    if _worker_app is None:
        from quota_app import create_app

        _worker_app = create_app()
    return _worker_app.app_context()


def _register_tasks() -> None:
    """The worker imports only this module: the tasks must be known to huey from here."""
    from quota_app.imports import tasks  # noqa: F401


_register_tasks()


@click.command("jobs-worker")
@click.option("--workers", type=click.IntRange(min=1), default=2, help="Nombre de tâches menées en parallèle.")
def jobs_worker(workers):
    """Lance le travailleur des tâches en arrière-plan (imports volumineux). Ctrl+C pour l'arrêter."""
    click.echo(f"Travailleur des tâches démarré ({workers} en parallèle) ; file : {huey.__class__.__name__}.")
    huey.create_consumer(workers=workers, worker_type="thread").run()
