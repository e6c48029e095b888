"""Outgoing messages: every e-mail is kept in the outbox, and sent by SMTP when configured."""
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from ..extensions import db
from ..timeutil import utcnow
from .models import OutboxMessage


def _deliver(message: OutboxMessage) -> None:
    cfg = current_app.config
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


def send_email(to: str, subject: str, body: str, user_id: int | None = None,
               application_id: int | None = None) -> OutboxMessage:
    """Store the message in the outbox and send it if an SMTP server is configured.

    A delivery failure is recorded on the message (status "failed"); it never raises.
    The caller commits.
    """
    cfg = current_app.config
    message = OutboxMessage(
        to_email=to,
        subject=subject[:250],
        body=body,
        user_id=user_id,
        application_id=application_id,
        status="pending",
        error="",
        created_at=utcnow(),
    )
    db.session.add(message)
    if cfg.get("MAIL_SERVER"):
        try:
            _deliver(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.status = "failed"
            message.error = f"{type(exc).__name__}: {exc}"[:2000]
            current_app.logger.warning("Échec d'envoi du courriel à %s : %s", to, message.error)
        else:
            message.status = "sent"
            message.sent_at = utcnow()
    else:
        message.status = "outbox_only"
    if cfg.get("MAIL_TO_CONSOLE"):
        text = f"--- Courriel pour {to} ---\nObjet : {subject}\n\n{body}\n--- fin ---"
        current_app.logger.info(text)
        print(text, flush=True)
    db.session.flush()
    return message
