"""What a person types to name their account: an e-mail address or a Malian phone number.
Pure functions, plain data in and out; the phone rule is identity.normalise_phone's (wrapped
here, never copied)."""
from __future__ import annotations

from ..identity import normalise_phone

IDENTIFIER_INVALID = ("Indiquez une adresse e-mail ou un numéro de téléphone malien "
                      "(+223 suivi de 8 chiffres, par exemple 76 12 34 56).")


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def parse(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """(kind, value, error): ("email", "awa@exemple.ml", None), ("phone", "+22376123456", None),
    or (None, None, French error). A value with an "@" is an address; anything else a phone
    number in any usual shape ("+223 76 12 34 56", "00223 76.12.34.56", "76-12-34-56"...)."""
    raw = (raw or "").strip()
    if not raw:
        return None, None, IDENTIFIER_INVALID
    if "@" in raw:
        return "email", normalise_email(raw), None
    phone, error = normalise_phone(raw)
    if phone is None:
        return None, None, error or IDENTIFIER_INVALID
    return "phone", phone, None


def phone_or_error(raw: str | None) -> tuple[str | None, str | None]:
    """A Malian number as "+223XXXXXXXX", or (None, French error)."""
    return normalise_phone(raw)


def mask_phone(phone: str | None) -> str:
    """"+223 •• •• 34 56": enough for a person to recognise their number, no more."""
    if not phone:
        return ""
    digits = phone[-8:]
    return f"+223 •• •• {digits[4:6]} {digits[6:8]}"


def mask_email(email: str | None) -> str:
    """"a•••@exemple.ml"."""
    if not email or "@" not in email:
        return email or ""
    local, domain = email.split("@", 1)
    return (local[:1] + "•••") + "@" + domain
