"""Typed cell parsers. Each returns (value, error) where error is a French message or None.

An empty cell (None, "" or spaces only) gives (None, None): whether a value is required is
decided by the column spec, not by the parser.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from .. import identity
from .headers import normalise_header

Result = tuple[Any, "str | None"]

_SPACES = re.compile(r"\s+")
_THOUSANDS_SPACES = ("\u00a0", "\u202f", "\u2009", " ", "'")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MIN_YEAR, MAX_YEAR = 1900, 2100


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


# --- text --------------------------------------------------------------------------------------

def parse_text(value: Any, max_length: int | None = None) -> Result:
    """Trims, collapses inner spaces (including non-breaking ones); numbers become text."""
    if type(value) is str and value and value.isprintable() and "  " not in value \
            and not value[:1].isspace() and not value[-1:].isspace():
        # Already clean (the usual cell): no copy, so the parsed value shares the sheet's string.
        text = value
        if max_length is not None and len(text) > max_length:
            return None, f"Texte trop long ({len(text)} caractères, maximum {max_length})."
        return text, None
    if is_empty(value):
        return None, None
    if isinstance(value, bool):
        text = "Oui" if value else "Non"
    elif isinstance(value, float):
        text = _number_text(value)
    elif isinstance(value, dt.datetime):
        text = value.strftime("%d/%m/%Y %H:%M") if value.time() != dt.time() else value.strftime("%d/%m/%Y")
    elif isinstance(value, dt.date):
        text = value.strftime("%d/%m/%Y")
    else:
        text = str(value)
    text = _SPACES.sub(" ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()
    if max_length is not None and len(text) > max_length:
        return None, f"Texte trop long ({len(text)} caractères, maximum {max_length})."
    return text, None


# --- numbers -----------------------------------------------------------------------------------

def _to_decimal(value: Any) -> Decimal | None:
    """Decimal from a number or a French/English formatted text, or None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    for sep in _THOUSANDS_SPACES:
        text = text.replace(sep, "")
    if "," in text and "." in text:
        # the last one is the decimal separator, the other groups thousands
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _bounds(number, min_value, max_value) -> str | None:
    if min_value is not None and number < min_value:
        return f"La valeur doit être supérieure ou égale à {min_value}."
    if max_value is not None and number > max_value:
        return f"La valeur doit être inférieure ou égale à {max_value}."
    return None


def parse_integer(value: Any, min_value: int | None = None, max_value: int | None = None) -> Result:
    """1234, 1234.0 (calamine), "1 234", "1234,0" -> 1234; 12.5 is refused."""
    if type(value) is float and value.is_integer():  # calamine's 2019.0: no Decimal round trip
        result = int(value)
        error = _bounds(result, min_value, max_value)
        return (None, error) if error else (result, None)
    if is_empty(value):
        return None, None
    number = _to_decimal(value)
    if number is None:
        return None, f"Nombre entier attendu (valeur lue : « {value} »)."
    if number != number.to_integral_value():
        return None, f"Nombre entier attendu, sans décimales (valeur lue : « {value} »)."
    result = int(number)
    error = _bounds(result, min_value, max_value)
    return (None, error) if error else (result, None)


def parse_decimal(value: Any, min_value: float | None = None, max_value: float | None = None,
                  places: int | None = None) -> Result:
    """12.5, "12,5", "1 234,5" -> Decimal. `places` limits the number of decimals."""
    if is_empty(value):
        return None, None
    number = _to_decimal(value)
    if number is None:
        return None, f"Nombre attendu, par exemple 12,5 (valeur lue : « {value} »)."
    if places is not None:
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places \
                and -number.normalize().as_tuple().exponent > places:  # normalize: 12.50 is fine
            return None, f"Au plus {places} chiffre(s) après la virgule (valeur lue : « {value} »)."
    error = _bounds(number, min_value, max_value)
    return (None, error) if error else (number, None)


# --- dates -------------------------------------------------------------------------------------

_DATE_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_DATE_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _make_date(year: int, month: int, day: int, raw: Any) -> Result:
    try:
        result = dt.date(year, month, day)
    except ValueError:
        return None, f"Date inexistante : « {raw} »."
    if not MIN_YEAR <= result.year <= MAX_YEAR:
        return None, f"Date hors des limites ({MIN_YEAR}–{MAX_YEAR}) : « {raw} »."
    return result, None


def parse_date(value: Any) -> Result:
    """Excel dates, serial numbers, "dd/mm/yyyy", "dd-mm-yyyy", "dd.mm.yyyy", "yyyy-mm-dd"."""
    if isinstance(value, dt.date):  # a real date (datetime included): the usual cell
        if MIN_YEAR <= value.year <= MAX_YEAR:
            return dt.date(value.year, value.month, value.day), None
        return None, f"Date hors des limites ({MIN_YEAR}–{MAX_YEAR}) : « {value:%d/%m/%Y} »."
    if is_empty(value):
        return None, None
    if isinstance(value, bool):
        return None, "Date attendue au format jj/mm/aaaa."
    if isinstance(value, (int, float)):
        serial = float(value)
        if not 1 <= serial < 2958466:
            return None, f"Date attendue au format jj/mm/aaaa (valeur lue : « {value} »)."
        if serial < 61:  # Excel's 1900 leap-year bug: serials before 1 March 1900 are off by one
            serial += 1
        moment = EXCEL_EPOCH + dt.timedelta(days=int(serial))
        return _make_date(moment.year, moment.month, moment.day, value)
    text = str(value).strip()
    match = _DATE_YMD.fullmatch(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), text)
    match = _DATE_DMY.fullmatch(text)
    if match:
        if len(match.group(3)) != 4:
            return None, f"Année sur 4 chiffres attendue (jj/mm/aaaa) : « {text} »."
        return _make_date(int(match.group(3)), int(match.group(2)), int(match.group(1)), text)
    return None, f"Date attendue au format jj/mm/aaaa (valeur lue : « {text} »)."


# --- identity ----------------------------------------------------------------------------------

def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_phone_ml(value: Any) -> Result:
    """Malian number: 8 digits, with or without +223 / 00223 -> "+223XXXXXXXX"."""
    if type(value) is str:
        if _PHONE_AS_STORED.fullmatch(value):
            return value, None  # already normalised: what the steps below return
        # The usual typed forms, "+223 76 12 34 56" and "76 12 34 56": spaces are separators
        # to identity.normalise_phone, which would give the same number (a local number may
        # not start with 00: that one is refused below).
        compact = value.replace(" ", "")
        if _PHONE_AS_STORED.fullmatch(compact):
            return compact, None
        if _PHONE_LOCAL.fullmatch(compact):
            return "+223" + compact, None
    if is_empty(value):
        return None, None
    raw = _cell_text(value)
    phone, error = identity.normalise_phone(raw)
    if error:
        return None, (
            f"Numéro de téléphone malien invalide : « {raw} ». 8 chiffres attendus, "
            "avec ou sans +223 (ex. +223 76 12 34 56)."
        )
    return phone, None


_NINA_AS_STORED = re.compile(r"[0-9]{14}[A-Z]")
_PHONE_AS_STORED = re.compile(r"\+223[0-9]{8}")
_PHONE_LOCAL = re.compile(r"(?!00)[0-9]{8}")


def parse_nina(value: Any) -> Result:
    """NINA: the shape only (identity.check_nina); the check letter's algorithm is not public."""
    if type(value) is str and _NINA_AS_STORED.fullmatch(value):
        return value, None  # already normalised and well formed: what the steps below return
    if is_empty(value):
        return None, None
    raw = _cell_text(value)
    nina = identity.normalise_nina(raw)
    if not identity.nina_is_well_formed(nina):
        return None, (
            f"NINA invalide : « {raw} ». Il faut 15 caractères : 14 chiffres puis une lettre "
            "(ex. 12345678901234A)."
        )
    return nina, None


def nina_birth_year_warning(nina: str | None, birth_date: dt.date | None) -> str | None:
    """A warning (not an error) when the NINA's birth-year digits contradict the birth date."""
    if birth_date is not None and type(nina) is str and _NINA_AS_STORED.fullmatch(nina) \
            and int(nina[2:4]) == birth_date.year % 100:
        return None  # a normalised NINA that agrees: what identity.nina_warnings finds too
    warnings = identity.nina_warnings(nina, birth_date)
    return warnings[0] if warnings else None


# --- choices and booleans ----------------------------------------------------------------------

def _choice_pairs(choices: Mapping[str, str] | Iterable) -> list[tuple[Any, str]]:
    if isinstance(choices, Mapping):
        return [(code, str(label)) for code, label in choices.items()]
    pairs = []
    for item in choices:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            pairs.append((item[0], str(item[1])))
        else:
            pairs.append((item, str(item)))
    return pairs


def choice_parser(choices: Mapping[str, str] | Iterable):
    """A parser for one column: matches the code or the label, ignoring case, accents,
    punctuation and spaces; returns the code. The lookup table is built once, and each distinct
    cell value is parsed once (a column of codes holds few of them)."""
    pairs = _choice_pairs(choices)
    lookup: dict[str, Any] = {}
    for code, label in pairs:  # the first pair wins, as in a scan of the list
        for candidate in (normalise_header(code), normalise_header(label)):
            if candidate:
                lookup.setdefault(candidate.replace(" ", ""), code)
    labels = [label for _, label in pairs]
    shown = ", ".join(labels[:10]) + (", …" if len(labels) > 10 else "")
    seen: dict[Any, Result] = {}

    def match(value: Any) -> Result:
        if is_empty(value):
            return None, None
        code = lookup.get(normalise_header(value).replace(" ", ""))
        if code is None:
            return None, f"Valeur non reconnue : « {value} ». Valeurs possibles : {shown}."
        return code, None

    def parse(value: Any) -> Result:
        if type(value) is not str:  # numbers, dates, booleans: rare here, and True == 1.0
            return match(value)
        result = seen.get(value)
        if result is None:
            result = match(value)
            if len(seen) < 10_000:  # bounded: memory stays flat whatever the column holds
                seen[value] = result
        return result

    return parse


def parse_choice(value: Any, choices: Mapping[str, str] | Iterable) -> Result:
    """Matches the code or the label, ignoring case, accents and punctuation; returns the code.

    `choices` is {code: label} or a list of (code, label) or of plain values."""
    return choice_parser(choices)(value)


_TRUE = {"oui", "o", "x", "1", "vrai", "yes", "y", "true", "v"}
_FALSE = {"non", "n", "0", "faux", "no", "false", "f"}


def parse_boolean(value: Any) -> Result:
    """oui/non, x, 1/0, vrai/faux (and their English forms)."""
    if is_empty(value):
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value), None
    text = normalise_header(value)
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return None, f"Réponse attendue : Oui ou Non (valeur lue : « {value} »)."


def code_parser(codes, unknown: str, max_length: int = 40):
    """A parser of one code among `codes`, ignoring case and spaces, each spelling parsed once
    (a sheet repeats a few dozen codes). `unknown` is the French error, with {value}."""
    by_key = {c.upper().replace(" ", ""): c for c in codes}
    seen: dict[str, tuple] = {}

    def check(value):
        text_value, error = parse_text(value, max_length=max_length)
        if error or text_value is None:
            return text_value, error
        code = by_key.get(text_value.upper().replace(" ", ""))
        if code is None:
            return None, unknown.format(value=text_value)
        return code, None

    def parse(value):
        if type(value) is str and len(seen) < 10_000:
            if value not in seen:
                seen[value] = check(value)
            return seen[value]
        return check(value)

    return parse
