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


def reset_link(db, email) -> str:
    from quota_app.notifications.models import OutboxMessage

    message = db.session.execute(
        db.select(OutboxMessage).where(OutboxMessage.to_email == email).order_by(OutboxMessage.id.desc())
    ).scalars().first()
    assert message is not None
    match = re.search(r"https?://\S+/mot-de-passe/reinitialiser/\S+", message.body)
    assert match
    return match.group(0)
