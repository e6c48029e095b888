"""How the applicant's pages write things: French numbers (12,50), country names instead of
codes, the OFPPT level codes (TS, T, Q, S) explained. Small pure helpers for the templates."""
from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import get_locale

# ISO 3166 alpha-3 (what the files store: nationality "MLI") to alpha-2 (Babel's territories).
ALPHA3_TO_ALPHA2 = {"MLI": "ML", "MAR": "MA", "SEN": "SN", "CIV": "CI", "BFA": "BF", "NER": "NE",
                    "GIN": "GN", "MRT": "MR", "DZA": "DZ", "FRA": "FR"}


def _locale() -> Locale:
    try:
        return get_locale() or Locale("fr")
    except RuntimeError:  # outside a request
        return Locale("fr")


def country_name(code: str | None, locale: Locale | str | None = None) -> str:
    """"MLI" -> "Mali" (in the page's language); an unknown code is shown as it is."""
    if not code:
        return ""
    locale = Locale.parse(locale) if locale else _locale()
    alpha2 = ALPHA3_TO_ALPHA2.get(code.upper(), code.upper() if len(code) == 2 else None)
    return locale.territories.get(alpha2, code) if alpha2 else code


def decimal_fr(value, places: int = 2, locale: Locale | str | None = None) -> str:
    """12.5 -> "12,50" in French, "12.50" in English; None -> ""."""
    if value is None:
        return ""
    pattern = "0." + "0" * places if places else "0"
    return format_decimal(Decimal(str(value)), format=pattern, locale=locale or _locale())


def levels_of(offers) -> list:
    """The distinct levels of these offers, in the levels' order: the legend of their codes
    (code, name, minimum diploma)."""
    levels = {}
    for offer in offers:
        level = offer.programme.level
        levels[level.id] = level
    return sorted(levels.values(), key=lambda level: (level.position, level.min_diploma.rank, level.code))
