"""Identity numbers: NINA, phone, passport. Pure functions, plain data in and out.

Normalise what people type (spaces, dashes, case), check the *shape* only, and raise warnings
(for the screening manager, never refusals) where the data contradict each other. The meaning
of the NINA's sex digit and the algorithm of its check letter are not public: they are not
checked here, on purpose.
"""
from __future__ import annotations

import re
from datetime import date

NINA_LENGTH = 15
PHONE_PREFIX = "+223"
PHONE_DIGITS = 8
PASSPORT_MIN = 6
PASSPORT_MAX = 12
# A passport should still be valid this long after the date it is checked against
# (travel, visa, enrolment): a warning, not a refusal.
PASSPORT_MIN_VALID_MONTHS = 6

_NINA_RE = re.compile(r"^[0-9]{14}[A-Z]$")  # ASCII digits only: \d takes any script
_PASSPORT_RE = re.compile(rf"^[A-Z0-9]{{{PASSPORT_MIN},{PASSPORT_MAX}}}$")
_NINA_SEPARATORS = re.compile(r"[\s\-‐-―_./]+")
_PHONE_SEPARATORS = re.compile(r"[\s.\-‐-―/()]+")


def format_date(value: date) -> str:
    """A date as French users read it: 01/09/2026."""
    return value.strftime("%d/%m/%Y")


# --- NINA ---------------------------------------------------------------------------------

def normalise_nina(raw: str | None) -> str:
    """Strip spaces and dashes (and dots, slashes, underscores), uppercase. Empty stays empty."""
    if not raw:
        return ""
    return _NINA_SEPARATORS.sub("", raw).upper()


def check_nina(nina: str | None) -> list[str]:
    """French error messages about the NINA's shape; an empty list means the shape is right.

    15 characters: nationality (1 digit), sex (1 digit), birth year (2 digits), birth locality
    (7 digits), sequence (3 digits), then a check letter. The value is normalised first.
    """
    value = normalise_nina(nina)
    if not value:
        return ["Le NINA est obligatoire."]
    errors: list[str] = []
    if len(value) != NINA_LENGTH:
        errors.append(
            f"Le NINA doit compter {NINA_LENGTH} caractères (14 chiffres puis une lettre) ; "
            f"vous en avez saisi {len(value)}."
        )
    digits_part, last = value[:14], value[14:15]
    bad_digits = [
        f"{position}" for position, char in enumerate(digits_part, start=1) if not char.isascii() or not char.isdigit()
    ]
    if bad_digits:
        where = ", ".join(bad_digits)
        errors.append(
            "Les 14 premiers caractères du NINA doivent être des chiffres "
            f"(caractère{'s' if len(bad_digits) > 1 else ''} en position {where} à corriger)."
        )
    if len(value) >= NINA_LENGTH and not ("A" <= last <= "Z"):
        errors.append("Le 15e caractère du NINA doit être une lettre (la lettre de contrôle).")
    return errors


def nina_is_well_formed(nina: str | None) -> bool:
    return bool(_NINA_RE.match(normalise_nina(nina)))


def nina_birth_year_digits(nina: str | None) -> str | None:
    """The two birth-year digits (3rd and 4th characters) of a well-formed NINA, else None."""
    value = normalise_nina(nina)
    if not _NINA_RE.match(value):
        return None
    return value[2:4]


def nina_warnings(nina: str | None, birth_date: date | None) -> list[str]:
    """Warnings for the screening manager when the NINA's birth-year digits contradict the date
    of birth. Never a refusal: typing errors happen and temporary NINAs (since 2023) exist."""
    if birth_date is None:
        return []
    digits = nina_birth_year_digits(nina)
    if digits is None:
        return []
    expected = f"{birth_date.year % 100:02d}"
    if digits == expected:
        return []
    return [
        f"Les chiffres de l'année de naissance du NINA ({digits}) ne correspondent pas à la "
        f"date de naissance déclarée ({format_date(birth_date)}, soit « {expected} ») : "
        "vérifier une erreur de saisie (NINA ou date de naissance) ou s'il s'agit d'un NINA "
        "provisoire. Ce n'est pas un motif de refus à lui seul."
    ]


# --- Date of birth ------------------------------------------------------------------------

def check_birth_date(birth_date: date | None, today: date) -> list[str]:
    """French errors for a missing or impossible date of birth."""
    if birth_date is None:
        return ["La date de naissance est obligatoire."]
    if birth_date > today:
        return [f"La date de naissance ({format_date(birth_date)}) ne peut pas être dans le futur."]
    return []


# --- Phone --------------------------------------------------------------------------------

def normalise_phone(raw: str | None) -> tuple[str | None, str | None]:
    """A Malian phone number as "+223XXXXXXXX", or (None, French error).

    Accepts "+223 76 12 34 56", "00223 76.12.34.56", "223 76123456", "76-12-34-56"...
    """
    if raw is None or not raw.strip():
        return None, "Le numéro de téléphone est obligatoire."
    value = _PHONE_SEPARATORS.sub("", raw.strip())
    if value.startswith("+"):
        if not value.startswith(PHONE_PREFIX):
            return None, "Indiquez un numéro malien : +223 suivi de 8 chiffres."
        value = value[len(PHONE_PREFIX):]
    elif value.startswith("00223"):
        value = value[5:]
    elif value.startswith("00"):
        return None, "Indiquez un numéro malien : +223 suivi de 8 chiffres."
    elif value.startswith("223") and len(value) == 3 + PHONE_DIGITS:
        value = value[3:]
    if not (value.isascii() and value.isdigit()):
        return None, "Le numéro de téléphone ne doit contenir que des chiffres (par exemple +223 76 12 34 56)."
    if len(value) != PHONE_DIGITS:
        return None, (
            f"Le numéro de téléphone doit compter {PHONE_DIGITS} chiffres après +223 "
            f"(vous en avez saisi {len(value)})."
        )
    return PHONE_PREFIX + value, None


# --- Passport -----------------------------------------------------------------------------

def normalise_passport(raw: str | None) -> tuple[str | None, str | None]:
    """The passport number uppercased without spaces, or (None, French error).

    Shape only: 6 to 12 letters (A–Z, no accents) and digits. An empty value is not an error
    here (the passport is not always required): it gives (None, None).
    """
    if raw is None or not raw.strip():
        return None, None
    value = re.sub(r"\s+", "", raw).upper()
    if not _PASSPORT_RE.match(value):
        if not re.fullmatch(r"[A-Z0-9]*", value):
            return None, "Le numéro de passeport ne contient que des lettres (sans accent) et des chiffres."
        return None, (
            f"Le numéro de passeport doit compter de {PASSPORT_MIN} à {PASSPORT_MAX} caractères "
            f"(vous en avez saisi {len(value)})."
        )
    return value, None


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def passport_valid_until(on_date: date, *, min_valid_months: int = PASSPORT_MIN_VALID_MONTHS) -> date:
    """The date a passport should still be valid on, seen from `on_date`."""
    return _add_months(on_date, min_valid_months)


def passport_expiry_state(
    expiry: date | None, on_date: date, *, min_valid_months: int = PASSPORT_MIN_VALID_MONTHS
) -> str | None:
    """"expired" (before `on_date`), "expiring" (less than `min_valid_months` after it) or None."""
    if expiry is None:
        return None
    if expiry < on_date:
        return "expired"
    if expiry < _add_months(on_date, min_valid_months):
        return "expiring"
    return None


def check_passport_expiry(
    expiry: date | None, on_date: date, *, min_valid_months: int = PASSPORT_MIN_VALID_MONTHS
) -> list[str]:
    """French warnings about the passport's expiry date, seen from `on_date` (today, or the
    campaign's reference date). Warnings only: a passport can be renewed before departure."""
    if expiry is None:
        return []
    if expiry < on_date:
        return [
            f"Le passeport a expiré le {format_date(expiry)} : il faudra le renouveler avant le départ."
        ]
    limit = _add_months(on_date, min_valid_months)
    if expiry < limit:
        return [
            f"Le passeport expire le {format_date(expiry)}, moins de {min_valid_months} mois après le "
            f"{format_date(on_date)} : pensez à le renouveler, il doit rester valable pour le visa "
            "et le voyage."
        ]
    return []
