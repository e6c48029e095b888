"""The task queue (huey), built from the application's configuration by create_app.

    HUEY_URL = sqlite:///path/huey.db   SqliteHuey (default: instance/huey.db; no extra service)
               redis://host:6379/0      RedisHuey
               memory://                MemoryHuey: this process only (tests, benchmarks)
    HUEY_IMMEDIATE = True               tasks run at once in the caller's thread, in memory
                                        (TestingConfig): nothing is written anywhere

Nothing here runs at import time. A package declares its tasks with `@task()` (jobs knows none of
them: the declaration only records the function); `init_queue(app)`, called by create_app, builds
the queue from app.config, keeps it in app.extensions and registers every declared task on it.
Calling a declared task enqueues it on the current application's queue: `import_job(7)`.
Its body runs in the current application context when there is one (immediate mode), otherwise
in a context of the application that built the queue (the worker's threads).

The worker builds the application, which builds the queue and knows every task:

    .venv/bin/flask jobs-worker --workers 2
"""
from __future__ import annotations

import functools
import os
from typing import Callable

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.exceptions import RetryTask  # noqa: F401  (a task raises RetryTask(delay=s) to run again later)

NAME = "quota"
EXTENSION = "quota.queue"


class Task:
    """A declared task: call it to enqueue, `.schedule(args, delay=)` to run it later,
    `.run(*args)` to run its body here and now."""

    def __init__(self, fn: Callable, options: dict):
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.name = f"{fn.__module__}.{fn.__qualname__}"
        self.options = options

    def __call__(self, *args, **kwargs):
        return queue_of(current_app).wrapper(self)(*args, **kwargs)

    def schedule(self, args: tuple = (), delay: float | None = None, **options):
        return queue_of(current_app).wrapper(self).schedule(args=args, delay=delay, **options)

    def run(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


_declared: dict[str, Task] = {}


def task(**options) -> Callable[[Callable], Task]:
    """Declares a task (huey options: retries, retry_delay, retry_backoff, priority, expires...;
    periodic=huey.crontab(...) for one the worker runs on a schedule)."""

    def declare(fn: Callable) -> Task:
        declared = Task(fn, options)
        _declared[declared.name] = declared
        return declared

    return declare


class TaskQueue:
    """One application's queue: the huey instance and the tasks registered on it."""

    def __init__(self, app: Flask, huey):
        self.app = app
        self.huey = huey
        self._wrappers: dict[str, object] = {}

    def wrapper(self, declared: Task):
        """The huey wrapper of a task (registered here on first use if it was declared late)."""
        wrapper = self._wrappers.get(declared.name)
        if wrapper is None:
            options = dict(declared.options)
            schedule = options.pop("periodic", None)
            # A periodic task (task(periodic=crontab(...))) runs on its schedule in the worker.
            register = self.huey.periodic_task(schedule, **options) if schedule is not None \
                else self.huey.task(**options)
            wrapper = self._wrappers[declared.name] = register(self._body(declared))
        return wrapper

    def register_declared(self) -> list[str]:
        for declared in list(_declared.values()):
            self.wrapper(declared)
        return sorted(self._wrappers)

    def _body(self, declared: Task) -> Callable:
        app = self.app

        @functools.wraps(declared.fn)
        def body(*args, **kwargs):
            if has_app_context():
                return declared.fn(*args, **kwargs)
            with app.app_context():
                return declared.fn(*args, **kwargs)

        body.__name__ = declared.fn.__qualname__
        return body

    def run_pending(self) -> int:
        """Runs, here, every task waiting in the queue (not the scheduled ones); returns how many.
        For a queue that no consumer serves (tests, a one-off command)."""
        count = 0
        while (pending := self.huey.dequeue()) is not None:
            self.huey.execute(pending)
            count += 1
        return count


def make_huey(url: str, immediate: bool = False):
    if immediate:
        return MemoryHuey(NAME, immediate=True, results=False)
    if url.startswith("memory://"):
        return MemoryHuey(NAME, results=False)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        return SqliteHuey(NAME, filename=path, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(NAME, url=url, results=False)
    raise RuntimeError(
        f"HUEY_URL non reconnue : {url!r} (attendu sqlite:///chemin, redis://hôte ou memory://).")


def init_queue(app: Flask) -> TaskQueue:
    """Builds the application's queue from its configuration and registers the declared tasks."""
    queue = TaskQueue(app, make_huey(app.config.get("HUEY_URL", "memory://"),
                                     immediate=bool(app.config.get("HUEY_IMMEDIATE", False))))
    app.extensions[EXTENSION] = queue
    queue.register_declared()
    return queue


def queue_of(app: Flask) -> TaskQueue:
    queue = app.extensions.get(EXTENSION)
    if queue is None:
        raise RuntimeError("La file des tâches n'est pas construite : create_app appelle init_queue(app).")
    return queue


@click.command("jobs-worker")
@click.option("--workers", type=click.IntRange(min=1), default=2, help="Nombre de tâches menées en parallèle.")
@with_appcontext
def jobs_worker(workers):
    """Lance le travailleur des tâches en arrière-plan (imports, envoi des courriels). Ctrl+C pour l'arrêter."""
    queue = queue_of(current_app)
    names = queue.register_declared()
    click.echo(f"Travailleur des tâches démarré ({workers} en parallèle) ; file : "
               f"{queue.huey.__class__.__name__} ; tâches : {', '.join(names)}.")
    queue.huey.create_consumer(workers=workers, worker_type="thread").run()
