"""One-time codes: 6 digits sent by SMS (or e-mail) to prove a phone number or an address.

A code lives PHONE_CODE_TTL_MINUTES (10), is stored as an HMAC keyed by SECRET_KEY, allows
PHONE_CODE_MAX_ATTEMPTS tries (5), and each destination gets at most PHONE_CODE_SENDS_PER_NUMBER
codes an hour (3), each client address PHONE_CODE_SENDS_PER_ADDRESS (30): guessing is one chance
in 200,000 per code and 15 tries an hour per number at the most. The browser keeps the code's
`token` (in its session); the code itself goes out through the outbox, never stored in clear
once sent (notifications: SECRET_MARK).

`issue` writes a code row for a known destination or not alike (`deliverable`); the caller
sends it (`send_code`) or, when nothing may be sent, does not: the pages are the same.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import select, update

from ..errors import ValidationFailed
from ..extensions import db
from ..jobs.queue import task
from ..notifications.models import SECRET_MARK
from ..timeutil import utcnow
from . import ratelimit
from .models import OneTimeCode

CODE_WRONG = "Code incorrect. Vérifiez le dernier code reçu."
CODE_EXPIRED = "Ce code n'est plus valable (10 minutes, une seule fois). Demandez un nouveau code."
CODE_EXHAUSTED = "Trop d'essais pour ce code. Demandez un nouveau code."
CODE_FORMAT = "Le code compte 6 chiffres."


def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def _code_hash(token_hash: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"{token_hash}:{code}".encode("utf-8"), hashlib.sha256).hexdigest()


def _limits() -> tuple[int, int, int, int]:
    cfg = current_app.config
    return (int(cfg["PHONE_CODE_TTL_MINUTES"]), int(cfg["PHONE_CODE_MAX_ATTEMPTS"]),
            int(cfg["PHONE_CODE_SENDS_PER_NUMBER"]), int(cfg["PHONE_CODE_SENDS_PER_ADDRESS"]))


def issue(purpose: str, channel: str, destination: str, *, deliverable: bool, user_id: int | None = None,
          payload: dict | None = None, ip: str | None = None) -> tuple[OneTimeCode, str, str]:
    """A new code row, and (row, token for the browser, code). Counts a send for the destination
    and for the address whether anything is sent or not; raises RateLimited over the hour's
    sends. Earlier unused codes of the same purpose and destination stop working."""
    ttl, _attempts, per_number, per_address = _limits()
    ratelimit.hit(f"code:dest:{destination}", limit=per_number, window=ratelimit.HOUR)
    ratelimit.hit(f"code:ip:{ip or 'inconnue'}", limit=per_address, window=ratelimit.HOUR)
    now = utcnow()
    db.session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.purpose == purpose, OneTimeCode.destination == destination,
               OneTimeCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    token_hash = _token_hash(token)
    row = OneTimeCode(token_hash=token_hash, purpose=purpose, channel=channel, destination=destination,
                      code_hash=_code_hash(token_hash, code), deliverable=deliverable, user_id=user_id,
                      payload=payload, attempts=0, created_at=now, expires_at=now + timedelta(minutes=ttl))
    db.session.add(row)
    db.session.flush()
    return row, token, code


def send_code(row: OneTimeCode, code: str, what: str) -> None:
    """The code to its destination, through the outbox (after the commit). `what`: « pour créer
    votre compte », « pour choisir un nouveau mot de passe »..."""
    from ..notifications.services import send_email, send_sms

    ttl = _limits()[0]
    if row.channel == "sms":
        send_sms(row.destination,
                 f"Quota DNFP : votre code {what} est {SECRET_MARK}. Valable {ttl} min. Ne le donnez à personne.",
                 "Code de vérification", user_id=row.user_id, secret=code, secret_expires_at=row.expires_at)
    else:
        send_email(row.destination, "Votre code de vérification Quota",
                   f"Bonjour,\n\nVotre code {what} est : {SECRET_MARK}\n\nIl est valable {ttl} minutes, une "
                   "seule fois. Ne le communiquez à personne : la DNFP ne vous le demandera jamais.\n\n"
                   "Si vous n'avez rien demandé, ignorez ce message.\n",
                   user_id=row.user_id, secret=code, secret_expires_at=row.expires_at)


def find(token: str | None, purpose: str) -> OneTimeCode | None:
    if not token or len(token) > 200:
        return None
    return db.session.execute(
        select(OneTimeCode).where(OneTimeCode.token_hash == _token_hash(token), OneTimeCode.purpose == purpose)
    ).scalar_one_or_none()


def pending(token: str | None, purpose: str) -> OneTimeCode | None:
    """The code row a browser waits on, while it can still be used."""
    row = find(token, purpose)
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def verify(token: str | None, code: str | None, purpose: str) -> OneTimeCode:
    """The code row once `code` matches; otherwise ValidationFailed (French, on the "code"
    field). Each try counts, kept even when refused (the view commits refusals)."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ValidationFailed(CODE_FORMAT, errors={"code": CODE_FORMAT})
    row = find(token, purpose)
    _ttl, max_attempts, _n, _a = _limits()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise ValidationFailed(CODE_EXPIRED, errors={"code": CODE_EXPIRED})
    if row.attempts >= max_attempts:
        raise ValidationFailed(CODE_EXHAUSTED, errors={"code": CODE_EXHAUSTED})
    row.attempts += 1
    matches = hmac.compare_digest(row.code_hash, _code_hash(row.token_hash, code))
    if not (matches and row.deliverable):
        message = CODE_EXHAUSTED if row.attempts >= max_attempts else CODE_WRONG
        raise ValidationFailed(message, errors={"code": message})
    row.used_at = utcnow()
    return row


def reissue(token: str | None, purpose: str, ip: str | None = None) -> tuple[OneTimeCode, str, str] | None:
    """A new code for the same request (« Renvoyer le code »); None when the browser has none."""
    row = find(token, purpose)
    if row is None:
        return None
    return issue(row.purpose, row.channel, row.destination, deliverable=row.deliverable, user_id=row.user_id,
                 payload=row.payload, ip=ip)


def prune(now=None) -> int:
    """Delete the codes that expired a day ago or more (the caller commits)."""
    limit = (now or utcnow()) - timedelta(days=1)
    return db.session.execute(OneTimeCode.__table__.delete().where(OneTimeCode.expires_at < limit)).rowcount


@task(periodic=crontab(minute="*/30"))
def prune_codes_task() -> None:
    """The worker's housekeeping: expired codes and finished rate-limit windows go."""
    prune()
    ratelimit.prune()
    db.session.commit()
