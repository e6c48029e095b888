"""Shared helpers of the account tests."""
import html
import re

PASSWORD = "Motdepasse-solide-2026"
NEW_PASSWORD = "Nouveau-secret-2027!"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def form_login(client, email, password=PASSWORD, **kwargs):
    return client.post("/connexion", data={"email": email, "password": password}, **kwargs)


def copy_session(source, target):
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)
    return target


def last_message(db, to: str):
    """The newest outbox message to this address or number ("+223XXXXXXXX")."""
    from quota_app.notifications.models import OutboxMessage

    column = OutboxMessage.to_phone if to.startswith("+") else OutboxMessage.to_email
    return db.session.execute(
        db.select(OutboxMessage).where(column == to).order_by(OutboxMessage.id.desc())
        .execution_options(populate_existing=True)
    ).scalars().first()


def readable(message) -> str:
    """The message as its recipient reads it (the secret in place of its mark), while the
    outbox still holds the secret."""
    from quota_app.notifications.models import SECRET_MARK

    assert message is not None
    return message.body.replace(SECRET_MARK, message.secret) if message.secret else message.body


def reset_link(db, email) -> str:
    message = last_message(db, email)
    match = re.search(r"https?://\S+/mot-de-passe/reinitialiser/\S+", readable(message))
    assert match
    return match.group(0)


def sent_code(db, to) -> str:
    """The 6-digit code last sent to this address or number."""
    message = last_message(db, to)
    assert message is not None and message.secret, "aucun code envoyé"
    assert re.fullmatch(r"[0-9]{6}", message.secret)
    return message.secret


class Clock:
    """A stopped clock for the modules that read time.time (moved by hand: clock.now += 2)."""

    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def time(self):
        return self.now
