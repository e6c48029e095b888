"""Money as integer minor units with its currency (ARCHITECTURE.md): the AMCI's monthly stipend
in dirhams, 150000 minor units being « 1 500,00 MAD ». Pure: no Flask, no session."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..spreadsheets.parsers import to_decimal

CURRENCIES = {"MAD": "dirham marocain"}
DEFAULT_CURRENCY = "MAD"
MINOR_PER_UNIT = 100
# A monthly stipend above a million dirhams is a typing error (and the column is a 32-bit integer).
MAX_AMOUNT = Decimal("1000000")
CURRENCY_ONLY = "Seul le dirham marocain (MAD) est accepté pour l'allocation."


def _decimal(value: Any) -> Decimal | None:
    """A Decimal from a number or a French/English text (« 1 500,50 », « 1500.5 », « 750 MAD »):
    the currency word dropped, then read as the spreadsheets read any number."""
    if isinstance(value, str):
        value = value.strip()
        for word in ("MAD", "mad", "DH", "dh", "Dhs", "dhs"):
            if value.endswith(word):
                value = value[: -len(word)].strip()
    return to_decimal(value)


def parse_amount(value: Any) -> tuple[int | None, str | None]:
    """(minor units, None) or (None, French message); (None, None) for an empty value.
    At least 0, at most two decimals, at most MAX_AMOUNT."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    number = _decimal(value)
    if number is None:
        return None, f"Montant attendu en dirhams, par exemple 1 500,00 (valeur lue : « {value} »)."
    if number < 0:
        return None, "Le montant ne peut pas être négatif."
    if number != number.quantize(Decimal("0.01")):
        return None, f"Au plus deux chiffres après la virgule (valeur lue : « {value} »)."
    if number > MAX_AMOUNT:
        return None, "Montant trop élevé pour une allocation mensuelle (1 000 000 MAD au plus)."
    return int(number * MINOR_PER_UNIT), None


def check_currency(currency: str | None) -> str | None:
    """None when the currency is accepted, else the French message."""
    return None if (currency or DEFAULT_CURRENCY).strip().upper() in CURRENCIES else CURRENCY_ONLY


def amount_text(minor: int | None) -> str:
    """150000 -> « 1500,00 » (what a form field shows, without grouping)."""
    if minor is None:
        return ""
    units, cents = divmod(int(minor), MINOR_PER_UNIT)
    return f"{units},{cents:02d}"


def format_money(minor: int | None, currency: str | None = DEFAULT_CURRENCY) -> str:
    """150000, "MAD" -> « 1 500,00 MAD »; "" for None."""
    if minor is None:
        return ""
    units, cents = divmod(int(minor), MINOR_PER_UNIT)
    grouped = f"{units:,}".replace(",", " ")
    return f"{grouped},{cents:02d} {currency or DEFAULT_CURRENCY}"
