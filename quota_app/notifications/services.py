"""Messages to people, by e-mail and by SMS: written to the outbox in the caller's transaction,
sent after it commits.

`notify(Contact(email, phone, prefers, user_id), subject, body, sms_text, application_id=...)` is
the one entry point for a message to a person: it writes the e-mail and/or the SMS after what
the person has and prefers (`channels_for`) and returns what it actually queued (`Notified`: a
page says « prévenu par SMS » only when an SMS was written). `send_email(...)` and
`send_sms(...)` write one message on one channel.

A message is only added to the session ("pending" when its channel's transport is configured,
"outbox_only" otherwise, kept readable by managers) and noted on the session. When that
session's transaction commits, each pending message it wrote is handed to the queue
(`deliver_message`); when the transaction rolls back, they are forgotten with it: nothing is sent.
No request waits for SMTP or for the SMS gateway: the worker delivers (in immediate mode, the
tests', the delivery runs right after the commit, in the committing thread). The console copy
(MAIL_TO_CONSOLE) is also printed once the transaction has committed.

Delivery makes one attempt per run and records it on the message (attempts, last_attempt_at,
error, in French). A failed attempt is retried after MAIL_RETRY_DELAY_SECONDS × 2^(n−1) (SMS:
SMS_RETRY_DELAY_SECONDS) until MAIL_MAX_ATTEMPTS (SMS_MAX_ATTEMPTS); then the message is
"failed" with the error. An SMS gateway's refusal for good fails the message at once; its
delivery reports (views.sms_status) record whether the SMS reached the phone.

One-time secrets (a reset link's token, a code) are never stored in a body: the body holds
SECRET_MARK and the secret sits in its own column until the message has left (sent or failed),
or — for a message kept in the outbox without a transport — until the secret expires; then it
is dropped (`purge_secrets`, a periodic task, for the latter).

Features are never known here: what else must not be shown on the outbox page is registered
by the feature that writes it (`register_redaction`, at create_app).
"""
from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from huey import crontab
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..identity import normalise_phone
from ..jobs.queue import RetryTask, task
from ..timeutil import utcnow
from . import gateway, smstext
from .models import SECRET_MARK, OutboxMessage

_WRITTEN = "notifications.outbox.written"  # session.info key: the messages of the open transaction
PREFERENCES = ("both", "sms", "email")


@dataclass(frozen=True)
class _Written:
    deliver: bool
    console: str | None


def _with_secret(text: str, secret: str | None) -> str:
    return text.replace(SECRET_MARK, secret) if secret else text


def _check_secret(body: str, secret: str | None) -> None:
    if secret is not None and SECRET_MARK not in body:
        raise ValueError("Le texte d'un message à secret doit contenir SECRET_MARK.")


def _write(message: OutboxMessage, transported: bool, console: str | None) -> OutboxMessage:
    message.status = "pending" if transported else "outbox_only"
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(_WRITTEN, {})[message.id] = _Written(message.status == "pending", console)
    return message


def send_email(to: str | None, subject: str, body: str, user_id: int | None = None,
               application_id: int | None = None, *, secret: str | None = None,
               secret_expires_at: datetime | None = None) -> OutboxMessage | None:
    """Write the e-mail to the outbox, in the caller's transaction. The caller commits; the
    message leaves after that commit (never for a transaction that rolls back). Never raises
    for a delivery problem: delivery is recorded on the message. Without an address (an account
    opened with a phone only), nothing is written and None is returned.

    `secret`: a one-time secret that SECRET_MARK stands for in `body`, dropped once sent."""
    if not to:
        return None
    _check_secret(body, secret)
    cfg = current_app.config
    message = OutboxMessage(
        channel="email", to_email=to, subject=subject[:250], body=body, user_id=user_id,
        application_id=application_id, error="", attempts=0, created_at=utcnow(),
        secret=secret, secret_expires_at=secret_expires_at if secret else None,
    )
    console = (f"--- Courriel pour {to} ---\nObjet : {subject}\n\n{_with_secret(body, secret)}\n--- fin ---"
               if cfg.get("MAIL_TO_CONSOLE") else None)
    return _write(message, bool(cfg.get("MAIL_SERVER")), console)


def send_sms(to: str | None, text: str, label: str, user_id: int | None = None,
             application_id: int | None = None, *, secret: str | None = None,
             secret_expires_at: datetime | None = None) -> OutboxMessage | None:
    """Write an SMS to the outbox (after-commit delivery, as for e-mail). `to` is a Malian
    number in any usual shape; None is returned (nothing written) when it is not one. `text`
    is brought down to GSM-7 unless SMS_UNICODE; `label` names the message on the outbox page."""
    phone, _error = normalise_phone(to) if to else (None, None)
    if not phone:
        return None
    _check_secret(text, secret)
    cfg = current_app.config
    body = smstext.sms_text(text, bool(cfg.get("SMS_UNICODE")))
    message = OutboxMessage(
        channel="sms", to_phone=phone, subject=label[:250], body=body, user_id=user_id,
        application_id=application_id, error="", attempts=0, created_at=utcnow(),
        secret=secret, secret_expires_at=secret_expires_at if secret else None,
    )
    console = (f"--- SMS pour {phone} ---\n{_with_secret(body, secret)}\n--- fin ---"
               if cfg.get("MAIL_TO_CONSOLE") else None)
    return _write(message, gateway.configured(cfg), console)


# --- one entry point: whom, on which channels ------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """How a person can be reached: an e-mail address, a phone number (any usual shape), the
    channel they prefer ("both", "sms", "email") and their account, if any."""

    email: str | None = None
    phone: str | None = None
    prefers: str = "both"
    user_id: int | None = None


@dataclass(frozen=True)
class Notified:
    """What notify() actually queued: the e-mail and the SMS written to the outbox, or None."""

    email: OutboxMessage | None = None
    sms: OutboxMessage | None = None
    messages: tuple = field(default=())

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(name for name, message in (("sms", self.sms), ("email", self.email)) if message is not None)

    def __bool__(self) -> bool:
        return bool(self.channels)

    @property
    def said(self) -> str:
        """« prévenu par SMS et par e-mail », « prévenu par SMS », « prévenu par e-mail », or ""."""
        words = {"sms": "par SMS", "email": "par e-mail"}
        return ("prévenu " + " et ".join(words[c] for c in self.channels)) if self.channels else ""


def channels_for(contact: Contact) -> tuple[str, ...]:
    """The channels a message to this person goes on: both when they prefer both, the one they
    prefer otherwise, and the other one when the preferred one is missing."""
    has = {"email": bool(contact.email), "sms": bool(contact.phone and normalise_phone(contact.phone)[0])}
    prefers = contact.prefers if contact.prefers in PREFERENCES else "both"
    if prefers == "both":
        return tuple(c for c in ("sms", "email") if has[c])
    other = "email" if prefers == "sms" else "sms"
    return (prefers,) if has[prefers] else (other,) if has[other] else ()


def compose_sms(text: str, reference: str | None = None, link_path: str | None = None) -> str:
    """The SMS of a message: its short text, the file's reference and a short link."""
    parts = [text.strip()]
    if reference and reference not in text:
        parts.append(f"Réf. {reference}.")
    if link_path is not None:
        parts.append(smstext.short_link(current_app.config.get("BASE_URL", ""), link_path))
    return " ".join(p for p in parts if p)


def notify(recipient: Contact, subject: str, body: str, sms_text: str, *, application_id: int | None = None,
           reference: str | None = None, link_path: str | None = None, secret: str | None = None,
           secret_expires_at: datetime | None = None) -> Notified:
    """Write the message on the person's channels (channels_for), in the caller's transaction:
    the e-mail (subject, body), the SMS (sms_text, with the reference and a short link to
    link_path when given). Returns what was queued."""
    email = sms = None
    for channel in channels_for(recipient):
        if channel == "email":
            email = send_email(recipient.email, subject, body, user_id=recipient.user_id,
                               application_id=application_id, secret=secret, secret_expires_at=secret_expires_at)
        else:
            sms = send_sms(recipient.phone, compose_sms(sms_text, reference, link_path), subject,
                           user_id=recipient.user_id, application_id=application_id, secret=secret,
                           secret_expires_at=secret_expires_at)
    return Notified(email, sms, tuple(m for m in (sms, email) if m is not None))


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


def _transport(cfg, channel: str) -> bool:
    return bool(cfg.get("MAIL_SERVER")) if channel == "email" else gateway.configured(cfg)


def _limits(cfg, channel: str) -> tuple[int, float]:
    if channel == "sms":
        return int(cfg.get("SMS_MAX_ATTEMPTS", 5)), float(cfg.get("SMS_RETRY_DELAY_SECONDS", 60))
    return int(cfg.get("MAIL_MAX_ATTEMPTS", 5)), float(cfg.get("MAIL_RETRY_DELAY_SECONDS", 60))


class _Failed(Exception):
    def __init__(self, error: str, final: bool = False):
        super().__init__(error)
        self.error, self.final = error, final


def _attempt(cfg, message: OutboxMessage) -> str | None:
    """One SMTP conversation or gateway request; the gateway's id of an SMS, or _Failed."""
    if message.channel == "sms":
        text = _with_secret(message.body, message.secret)
        encoding, _parts = smstext.segments(text)
        try:
            return gateway.send(cfg, message.to_phone, text, encoding, f"quota-{message.id}").gateway_id
        except gateway.GatewayError as exc:
            raise _Failed(exc.message[:2000], exc.final)
    try:
        _smtp_send(cfg, message)
    except (OSError, smtplib.SMTPException) as exc:
        raise _Failed(f"Serveur de courriel : {type(exc).__name__}: {exc}"[:2000])
    return None


def deliver(message_id: int) -> str | None:
    """One delivery attempt; returns the message's new status (None if there was nothing to do).

    Runs after the writer's commit (in immediate mode inside its after_commit hook), so it works
    in a session of its own. The attempt is claimed by a conditional update committed before the
    SMTP conversation or the gateway's request: no database lock is held while the server
    answers, and two workers never send the same attempt. Once the message has left (sent, or
    failed for good), its one-time secret is dropped."""
    cfg = current_app.config
    with Session(db.engine, expire_on_commit=False) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != "pending":
            return None
        if not _transport(cfg, message.channel):
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
        max_attempts, base_delay = _limits(cfg, message.channel)
        try:
            gateway_id = _attempt(cfg, message)
        except _Failed as failure:
            final = failure.final or attempt >= max_attempts
            values = {"status": "failed" if final else "pending", "error": failure.error}
            if final:
                values.update(secret=None, secret_expires_at=None)
            _record(session, message_id, **values)
            current_app.logger.warning("Échec d'envoi du message %s (%s, tentative %s) : %s",
                                       message_id, message.channel, attempt, failure.error)
            if final:
                return "failed"
            delay = retry_delay(attempt, base_delay)
            raise RetryTask(delay=delay if delay > 0 else None)
        _record(session, message_id, status="sent", sent_at=utcnow(), error="", gateway_id=gateway_id,
                secret=None, secret_expires_at=None)
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
    mail.set_content(_with_secret(message.body, message.secret))
    with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=15) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
        smtp.send_message(mail)


def purge_secrets(now: datetime | None = None) -> int:
    """Drop the secrets that expired (messages kept in the outbox, or still waiting): the
    caller commits. Returns how many were dropped."""
    now = now or utcnow()
    return db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.secret.is_not(None), OutboxMessage.secret_expires_at <= now)
        .values(secret=None, secret_expires_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


@task(periodic=crontab(minute="*/10"))
def purge_secrets_task() -> None:
    purge_secrets()
    db.session.commit()


# --- delivery reports from the SMS gateway ----------------------------------------------------

def record_delivery_report(report: gateway.Report) -> OutboxMessage | None:
    """Record what the gateway says of an SMS it accepted: found by the gateway's id, else by
    our reference ("quota-<id>"). An intermediate state changes nothing. The caller commits."""
    message = None
    if report.gateway_id:
        message = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.channel == "sms", OutboxMessage.gateway_id == report.gateway_id)
        ).scalars().first()
    if message is None and report.reference and re.fullmatch(r"quota-\d{1,18}", report.reference):
        found = db.session.get(OutboxMessage, int(report.reference.split("-", 1)[1]))
        message = found if found is not None and found.channel == "sms" else None
    if message is None or report.state is None:
        return message
    if message.delivery == "delivered" and report.state == "undelivered":
        return message  # a late, contradictory report does not undo a delivery
    message.delivery = report.state
    if report.state == "delivered":
        message.delivered_at = utcnow()
        message.error = ""
    else:
        message.error = report.error
    if message.status in ("pending", "failed") and report.state == "delivered":
        # It reached the phone after all (an answer lost on the way): it is sent.
        message.status, message.sent_at = "sent", message.sent_at or utcnow()
    return message


# --- the outbox page, and what was sent for one file ---------------------------------------------

def staff_message(message: OutboxMessage) -> bool:
    """Whether the message went to a staff account (what an administrator may read)."""
    from ..registry import lookup
    if message.user_id is None or message.application_id is not None:
        return False
    return db.session.scalar(lookup("staff_user_ids")(message.user_id)) is not None


def outbox_statement(q: str = "", staff_only: bool = False):
    """The outbox, newest first; `q` filters on the recipient's address or number (any case;
    a phone number in any usual shape). `staff_only`: only the messages to staff accounts (the
    administrators' view: no applicant's address, number or message)."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if staff_only:
        from ..registry import lookup
        stmt = stmt.where(OutboxMessage.user_id.in_(lookup("staff_user_ids")()),
                          OutboxMessage.application_id.is_(None))
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions = [func.lower(OutboxMessage.to_email).like(f"%{escaped}%", escape="\\"),
                      OutboxMessage.to_phone.like(f"%{escaped}%", escape="\\")]
        phone, _error = normalise_phone(q)
        if phone:
            conditions.append(OutboxMessage.to_phone == phone)
        stmt = stmt.where(or_(*conditions))
    return stmt


def messages_for_application(application_id: int) -> list[OutboxMessage]:
    """What was written to the outbox for one file, on every channel, oldest first: what a
    manager reads on the file (templates/notifications/_application_messages.html)."""
    return list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.application_id == application_id)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).scalars())


# --- what the outbox page hides ----------------------------------------------------------------

_redacted_prefixes: set[str] = set()


def register_redaction(prefix: str) -> None:
    """What follows `prefix` in a body, up to the next blank, is a one-time secret (a reset link's
    token): the outbox page shows "[masqué]" instead. The feature that writes it registers it."""
    _redacted_prefixes.add(prefix)


def redact(body: str) -> str:
    """Hide one-time secrets: a manager reading the outbox must not be able to use them."""
    body = (body or "").replace(SECRET_MARK, "[masqué]")
    for prefix in sorted(_redacted_prefixes, key=len, reverse=True):
        body = re.sub(re.escape(prefix) + r"\S+", lambda _: prefix + "[masqué]", body)
    return body
