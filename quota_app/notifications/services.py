"""Messages to people: written to the outbox in the caller's transaction, sent after it commits.

`send_email(...)` only adds an OutboxMessage to the session ("pending" when an SMTP server is
configured, "outbox_only" otherwise, kept readable by managers) and notes it on the session.
When that session's transaction commits, each pending message it wrote is handed to the queue
(`deliver_message`); when the transaction rolls back, they are forgotten with it: nothing is sent.
No request waits for SMTP: the worker delivers (in immediate mode, the tests', the delivery runs
right after the commit, in the committing thread). The console copy (MAIL_TO_CONSOLE) is also
printed once the transaction has committed.

Delivery makes one SMTP attempt per run and records it on the message (attempts,
last_attempt_at, error). A failed attempt is retried after MAIL_RETRY_DELAY_SECONDS × 2^(n−1)
(n: the attempts made), until MAIL_MAX_ATTEMPTS; then the message is "failed" with the error.

Features never known here: what must not be shown on the outbox page (a reset link's token) is
registered by the feature that writes it (`register_redaction`, at create_app).
"""
from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..jobs.queue import RetryTask, task
from ..timeutil import utcnow
from .models import OutboxMessage

_WRITTEN = "notifications.outbox.written"  # session.info key: the messages of the open transaction


@dataclass(frozen=True)
class _Written:
    deliver: bool
    console: str | None


def send_email(to: str, subject: str, body: str, user_id: int | None = None,
               application_id: int | None = None) -> OutboxMessage:
    """Write the message to the outbox, in the caller's transaction. The caller commits; the
    message leaves after that commit (never for a transaction that rolls back). Never raises
    for a delivery problem: delivery is recorded on the message."""
    cfg = current_app.config
    message = OutboxMessage(
        to_email=to,
        subject=subject[:250],
        body=body,
        user_id=user_id,
        application_id=application_id,
        status="pending" if cfg.get("MAIL_SERVER") else "outbox_only",
        error="",
        attempts=0,
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    console = (f"--- Courriel pour {to} ---\nObjet : {subject}\n\n{body}\n--- fin ---"
               if cfg.get("MAIL_TO_CONSOLE") else None)
    db.session.info.setdefault(_WRITTEN, {})[message.id] = _Written(message.status == "pending", console)
    return message


# --- after the commit ------------------------------------------------------------------------

def init_outbox(app) -> None:
    """create_app: the messages a transaction wrote leave once it has committed."""
    for name, listener in (("after_commit", _after_commit), ("after_transaction_end", _after_end)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    written = session.info.pop(_WRITTEN, None)
    if not written:
        return
    app = current_app._get_current_object()
    for message_id, entry in written.items():
        if entry.console:
            app.logger.info(entry.console)
            print(entry.console, flush=True)
        if entry.deliver:
            try:
                deliver_message(message_id)
            except Exception:  # the queue is unreachable: the message stays pending in the outbox
                app.logger.exception("Courriel %s non confié à la file des tâches.", message_id)


def _after_end(session, transaction) -> None:
    """The outermost transaction ended without a commit (rollback, close): forget its messages."""
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)


# --- delivery (the queue's task) --------------------------------------------------------------

def retry_delay(attempts: int, base_seconds: float) -> float:
    """Exponential backoff: base, 2 × base, 4 × base... after the 1st, 2nd, 3rd failed attempt."""
    return base_seconds * 2 ** max(attempts - 1, 0)


@task()
def deliver_message(message_id: int) -> None:
    deliver(message_id)


def deliver(message_id: int) -> str | None:
    """One delivery attempt; returns the message's new status (None if there was nothing to do).

    Runs after the writer's commit (in immediate mode inside its after_commit hook), so it works
    in a session of its own. The attempt is claimed by a conditional update committed before the
    SMTP conversation: no database lock is held while the server answers, and two workers never
    send the same attempt."""
    cfg = current_app.config
    with Session(db.engine, expire_on_commit=False) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != "pending":
            return None
        if not cfg.get("MAIL_SERVER"):
            _record(session, message_id, status="outbox_only")
            return "outbox_only"
        attempt = message.attempts + 1
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
                   OutboxMessage.attempts == message.attempts)
            .values(attempts=attempt, last_attempt_at=utcnow())
        ).rowcount
        session.commit()
        if not claimed:
            return None
        try:
            _smtp_send(cfg, message)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            final = attempt >= int(cfg.get("MAIL_MAX_ATTEMPTS", 5))
            _record(session, message_id, status="failed" if final else "pending", error=error)
            current_app.logger.warning("Échec d'envoi du courriel %s à %s (tentative %s) : %s",
                                       message_id, message.to_email, attempt, error)
            if final:
                return "failed"
            delay = retry_delay(attempt, float(cfg.get("MAIL_RETRY_DELAY_SECONDS", 60)))
            raise RetryTask(delay=delay if delay > 0 else None)
        _record(session, message_id, status="sent", sent_at=utcnow(), error="")
        return "sent"


def _record(session: Session, message_id: int, **values) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
    session.commit()


def _smtp_send(cfg, message: OutboxMessage) -> None:
    mail = EmailMessage()
    mail["From"] = cfg["MAIL_SENDER"]
    mail["To"] = message.to_email
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="quota")
    mail.set_content(message.body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=15) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
        smtp.send_message(mail)


# --- the outbox page ---------------------------------------------------------------------------

def outbox_statement(q: str = ""):
    """The outbox, newest first; `q` filters on the recipient's address (case-insensitive)."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(OutboxMessage.to_email).like(f"%{escaped}%", escape="\\"))
    return stmt


# --- what the outbox page hides ----------------------------------------------------------------

_redacted_prefixes: set[str] = set()


def register_redaction(prefix: str) -> None:
    """What follows `prefix` in a body, up to the next blank, is a one-time secret (a reset link's
    token): the outbox page shows "[masqué]" instead. The feature that writes it registers it."""
    _redacted_prefixes.add(prefix)


def redact(body: str) -> str:
    """Hide one-time secrets: a manager reading the outbox must not be able to use them."""
    body = body or ""
    for prefix in sorted(_redacted_prefixes, key=len, reverse=True):
        body = re.sub(re.escape(prefix) + r"\S+", lambda _: prefix + "[masqué]", body)
    return body
