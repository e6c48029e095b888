"""The SMS gateway adapter: how an SMS leaves once its transaction has committed.

Development (no SMS_GATEWAY_URL): the outbox itself is the gateway; the message stays there,
readable by managers ("outbox_only"), as e-mail does without an SMTP server.

Production: an HTTP gateway configured by settings. One JSON POST per message to
SMS_GATEWAY_URL, authenticated by SMS_GATEWAY_TOKEN (Bearer) or SMS_GATEWAY_USERNAME /
SMS_GATEWAY_PASSWORD (Basic):

    {"from": SMS_SENDER, "to": "+22376123456", "text": "...", "encoding": "gsm7" | "ucs2",
     "reference": "quota-42", "callback_url": BASE_URL + "/messages/sms/statut"}

A 2xx answer accepts the message; its JSON may give the gateway's id ("id", "message_id" or
"messageId"). A refusal (4xx other than 401, 403, 408, 429) is final; any other failure
(unreachable, timeout, 5xx, 429, credentials) is retried by the outbox. Each failure is said in
French, as the outbox page shows it.

Delivery reports come back to the callback (views.sms_status), authenticated by
SMS_CALLBACK_SECRET; `parse_report` reads the usual shapes of them.
"""
from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

TRANSIENT_CODES = {401, 403, 408, 425, 429}


class GatewayError(Exception):
    """A failed attempt, in French; `final` when trying again cannot help."""

    def __init__(self, message: str, final: bool = False):
        super().__init__(message)
        self.message = message
        self.final = final


@dataclass(frozen=True)
class Accepted:
    gateway_id: str | None


def configured(cfg) -> bool:
    return bool(cfg.get("SMS_GATEWAY_URL"))


def _headers(cfg) -> dict:
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
    if cfg.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = "Bearer " + cfg["SMS_GATEWAY_TOKEN"]
    elif cfg.get("SMS_GATEWAY_USERNAME"):
        pair = f"{cfg['SMS_GATEWAY_USERNAME']}:{cfg.get('SMS_GATEWAY_PASSWORD', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return headers


def _detail(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            text = str(data.get("error") or data.get("message") or data.get("detail") or text)
    except ValueError:
        pass
    return " ".join(text.split())[:200]


def send(cfg, to: str, text: str, encoding: str, reference: str) -> Accepted:
    """One attempt; raises GatewayError (French) when the gateway did not accept the message."""
    url = cfg["SMS_GATEWAY_URL"]
    if not url.startswith(("https://", "http://")):
        raise GatewayError("Adresse de la passerelle SMS invalide (SMS_GATEWAY_URL doit commencer par https://).",
                           final=True)
    payload = {"from": cfg.get("SMS_SENDER", ""), "to": to, "text": text, "encoding": encoding,
               "reference": reference,
               "callback_url": cfg.get("BASE_URL", "").rstrip("/") + "/messages/sms/statut"}
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"), headers=_headers(cfg),
                                     method="POST")
    timeout = float(cfg.get("SMS_GATEWAY_TIMEOUT_SECONDS", 15))
    try:
        # The address is the operator's setting, checked above to be http(s).
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # nosec B310
            raw = answer.read(65536)
    except urllib.error.HTTPError as exc:
        code = exc.code
        detail = _detail(exc.read(4096) if exc.fp else b"")
        suffix = f" : {detail}" if detail else ""
        if code in (401, 403):
            raise GatewayError(f"La passerelle SMS refuse nos identifiants (réponse {code}) : vérifier "
                               "SMS_GATEWAY_TOKEN ou SMS_GATEWAY_USERNAME / SMS_GATEWAY_PASSWORD.")
        if code == 429:
            raise GatewayError("La passerelle SMS demande de ralentir (réponse 429) : nouvel essai plus tard.")
        if code >= 500 or code in TRANSIENT_CODES:
            raise GatewayError(f"La passerelle SMS est indisponible (réponse {code}){suffix}.")
        raise GatewayError(f"La passerelle SMS a refusé le message (réponse {code}){suffix}.", final=True)
    except (socket.timeout, TimeoutError):
        raise GatewayError(f"La passerelle SMS n'a pas répondu en {timeout:g} secondes.")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise GatewayError(f"La passerelle SMS n'a pas répondu en {timeout:g} secondes.")
        raise GatewayError(f"Passerelle SMS injoignable ({reason}).")
    except OSError as exc:
        raise GatewayError(f"Passerelle SMS injoignable ({exc}).")
    gateway_id = None
    try:
        data = json.loads(raw.decode("utf-8") or "{}")
        if isinstance(data, dict):
            found = data.get("id") or data.get("message_id") or data.get("messageId")
            gateway_id = str(found)[:100] if found else None
    except ValueError:
        pass
    return Accepted(gateway_id)


# --- delivery reports ----------------------------------------------------------------------------

_DELIVERED = {"delivered", "delivrd", "deliveredtoterminal", "success", "succeeded", "received", "read"}
_UNDELIVERED = {"undelivered", "undeliv", "failed", "failure", "rejected", "rejectd", "expired", "expird",
                "deliveryimpossible", "error", "undeliverable", "deleted"}


@dataclass(frozen=True)
class Report:
    gateway_id: str | None
    reference: str | None
    state: str | None  # "delivered", "undelivered", None (an intermediate state: nothing to record)
    raw_status: str
    error: str


def parse_report(data: dict) -> Report:
    """A delivery report as gateways send it (JSON or form fields)."""
    def field(*names):
        for name in names:
            value = data.get(name)
            if value not in (None, ""):
                return str(value)
        return None

    status = (field("status", "state", "dlr_status", "deliveryStatus") or "").strip()
    key = status.lower().replace("_", "").replace(" ", "").replace("-", "")
    state = "delivered" if key in _DELIVERED else "undelivered" if key in _UNDELIVERED else None
    error = ""
    if state == "undelivered":
        reason = field("error", "reason", "error_message", "description")
        error = f"Le SMS n'a pas été remis au téléphone (rapport de la passerelle : {status}" + \
            (f", {reason[:150]}" if reason else "") + ")."
    return Report(field("id", "message_id", "messageId")[:100] if field("id", "message_id", "messageId") else None,
                  field("reference", "client_ref", "clientReference"), state, status[:40], error)
