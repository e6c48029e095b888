"""One log line per request that a production operator can read: its id (sent back as
X-Request-Id, and taken from the proxy's header when it gives one), method, route, status and
duration. Never the query string or a form: they carry names, NINA, phone numbers."""
from __future__ import annotations

import logging
import re
import secrets
import time

from flask import g, request

logger = logging.getLogger("quota.requests")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def init_request_log(app) -> None:
    @app.before_request
    def start():
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _SAFE_ID.match(given) else secrets.token_hex(8)
        g.request_started = time.perf_counter()

    @app.after_request
    def log(response):
        started = g.get("request_started")
        if started is None:
            return response
        response.headers["X-Request-Id"] = g.request_id
        # The route's pattern (/candidat/affectation/<int:placement_id>), not the address typed.
        route = request.url_rule.rule if request.url_rule is not None else "(aucune route)"
        logger.info("%s %s %s %s %.1fms", g.request_id, request.method, route, response.status_code,
                    (time.perf_counter() - started) * 1000)
        return response
