"""Numbers as the dashboard's readers write them: « 12 345 », « 42,1 % » in French, « 12,345 »,
« 42.1% » in English (Babel's patterns of the locale); None (not applicable) as « — »."""
from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal, format_percent

NOT_APPLICABLE = "—"


def _locale(locale) -> Locale:
    if locale is None:
        try:
            from flask_babel import get_locale
            locale = get_locale()
        except (ImportError, RuntimeError):  # outside a request
            locale = None
    return Locale.parse(str(locale or "fr"))


def number(value, locale=None) -> str:
    if value is None:
        return NOT_APPLICABLE
    return format_decimal(value, locale=_locale(locale))


def percent(rate: float | None, locale=None, places: int = 1) -> str:
    """0.4213 -> « 42,1 % » (one decimal by default, in the locale's own pattern)."""
    if rate is None:
        return NOT_APPLICABLE
    locale = _locale(locale)
    pattern = locale.percent_formats[None].pattern
    if places:
        last = pattern.rfind("0")
        pattern = pattern[:last + 1] + "." + "0" * places + pattern[last + 1:]
    return format_percent(rate, format=pattern, locale=locale)
