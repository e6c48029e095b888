"""The processes a benchmark serves Quota with: gunicorn, started and waited for, and stopped."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(target: str, port: int, log: Path, *, workers: int = 2, threads: int = 1,
                   env: dict | None = None, extra: tuple = ()) -> subprocess.Popen:
    """gunicorn serving `target` on 127.0.0.1:port, once it accepts connections (30 s at most)."""
    handle = open(log, "wb")
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", *extra, target],
        cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, env=env if env is not None else os.environ.copy(),
        start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {target} s'est arrêté :\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn {target} ne répond pas sur le port {port}")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # the master stops its workers (or the worker its threads)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
