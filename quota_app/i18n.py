"""Locale selection: French unless the person chose English (session, then their account)."""
from flask import session
from flask_login import current_user

SUPPORTED = ("fr", "en")


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in SUPPORTED:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        if current_user.locale in SUPPORTED:
            return current_user.locale
    return "fr"
