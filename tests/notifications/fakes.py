"""Local stand-ins for the outside world: a slow SMTP server and an SMS gateway, both on
127.0.0.1 with a random port (no test reaches any outside host)."""
from __future__ import annotations

import json
import signal
import socketserver
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlowSMTPServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP for smtplib (no TLS, no authentication); sleeps before accepting a message."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, delay: float):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.delay = delay
        self.received: list[bytes] = []


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 lent.exemple.ml ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 lent.exemple.ml")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 Terminer par <CRLF>.<CRLF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                time.sleep(self.server.delay)
                self.server.received.append(b"".join(lines))
                self.reply("250 OK")
            elif verb == b"QUIT":
                self.reply("221 Au revoir")
                return
            else:
                self.reply("502 Commande inconnue")


class FakeGateway(ThreadingHTTPServer):
    """An SMS gateway as Quota's adapter speaks to it (notifications/gateway.py).

    received   every request: {"path", "headers", "json"}
    failures   the next N requests answer `failure_code` (503 by default)
    refuse     every request answers 400 with a JSON error
    delay      seconds before each answer
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.delay = delay
        self.received: list[dict] = []
        self.failures = 0
        self.failure_code = 503
        self.refuse = False
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/api/sms"

    @property
    def accepted(self) -> list[dict]:
        return [r for r in self.received if r.get("answer") == 200]


class _GatewayHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _answer(self, code: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server = self.server
        if server.delay:
            time.sleep(server.delay)
        with server.lock:
            entry = {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"{}")}
            server.received.append(entry)
            if server.refuse:
                entry["answer"] = 400
                return self._answer(400, {"error": "numéro invalide"})
            if server.failures:
                server.failures -= 1
                entry["answer"] = server.failure_code
                return self._answer(server.failure_code, {"error": "surcharge"})
            entry["answer"] = 200
            number = len(server.accepted)
        self._answer(200, {"id": f"gw-{number}", "status": "accepted"})


@contextmanager
def serving(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_worker(application, until, timeout: float = 15.0) -> None:
    """A huey consumer (threads) on the application's queue, as `flask jobs-worker` runs it."""
    from quota_app.jobs.queue import queue_of

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = queue_of(application).huey.create_consumer(workers=2, worker_type="thread", periodic=False)
    consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while not until() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
