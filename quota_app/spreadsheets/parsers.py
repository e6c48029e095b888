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

def to_decimal(value: Any) -> Decimal | None:
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
    number = to_decimal(value)
    if number is None:
        return None, f"Nombre entier attendu (valeur lue : « {value} »)."
    if number != number.to_integral_value():
        return None, f"Nombre entier attendu, sans décimales (valeur lue : « {value} »)."
    result = int(number)
    error = _bounds(result, min_value, max_value)
    return (None, error) if error else (result, None)


def parse_decimal(value: Any, min_value: float | None = None, max_value: float | None = None,
                  places: int | None = None, out_of: int | None = None) -> Result:
    """12.5, "12,5", "1 234,5" -> Decimal. `places` limits the number of decimals; with
    `out_of` (20 for an average), "13,5/20" and "13,5 sur 20" are 13.5."""
    if is_empty(value):
        return None, None
    number = to_decimal(value)
    if number is None and out_of is not None and isinstance(value, str):
        match = re.fullmatch(r"\s*(.+?)\s*(?:/|sur)\s*" + str(out_of) + r"\s*", value)
        number = to_decimal(match.group(1)) if match else None
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
    match = _DATE_WORDS.fullmatch(normalise_header(text))
    if match and match.group(2) in _MONTHS:
        return _make_date(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)), text)
    return None, f"Date attendue au format jj/mm/aaaa (valeur lue : « {text} »)."


# « 12 janvier 2004 », « 1er mars 2003 », « 3 fév. 2005 » (normalised: no accents, no dots).
_DATE_WORDS = re.compile(r"(\d{1,2})(?: ?er)? ([a-z]+) (\d{4})")
_MONTHS = {name: number for number, names in enumerate((
    ("janvier", "janv", "jan"), ("fevrier", "fevr", "fev"), ("mars", "mar"), ("avril", "avr"), ("mai",),
    ("juin",), ("juillet", "juil"), ("aout",), ("septembre", "sept", "sep"), ("octobre", "oct"),
    ("novembre", "nov"), ("decembre", "dec")), start=1) for name in names}


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


_DIGITS_ZERO_DECIMALS = re.compile(r"(\d+)(?: 0+)?")  # "1", "01", "1.0" (normalised "1 0")
_DIGIT_GROUPS = re.compile(r"\d+(?: \d+)+")  # "1 5": 1,5 or 1.5, never the code 15
_PARTS = re.compile(r"\s+[-–—/:]\s+|[()\[\]]|\s*[–—:]\s*")
_AMBIGUOUS = object()


def spaced_key(value: Any) -> str:
    """normalise_header, with numbers as Excel stores codes: 1.0 and 1 give "1"."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)  # 1.5 matches no code, whatever its digits
    if isinstance(value, bool):
        return "oui" if value else "non"
    return normalise_header(value)


def choice_key(value: Any) -> str | None:
    """The form under which a coded cell is looked up: case, accents, punctuation and spaces
    ignored ("Nioro-du-Sahel" -> "niorodusahel"), digits without leading zeros nor zero decimals
    ("01", 1, 1.0, "1,0" -> "1"). None for a value that can be no code ("1,5")."""
    text = spaced_key(value)
    match = _DIGITS_ZERO_DECIMALS.fullmatch(text)
    if match:
        return str(int(match.group(1)))
    if _DIGIT_GROUPS.fullmatch(text) or (isinstance(value, float) and not value.is_integer()):
        return None
    return text.replace(" ", "")


class ChoiceMatcher:
    """Finds the code of a coded cell among {code: label}, the way a person reads it.

    In order of trust (an earlier way wins; two codes claiming one spelling in the same way
    cancel it, so a guess never picks one of two): the code, the label, the `aliases` (usual
    spellings and abbreviations: {spelling: code}), the label without its `noise` words
    ("District de Bamako" -> "Bamako"), then a label's first word when no other label starts
    with it ("Nioro" -> "Nioro du Sahel"). Case, accents, punctuation and spaces never matter,
    numbers are read as codes (1.0 -> "01"); a cell starting with a noise word is tried without
    it ("Région de Ségou", "Série TSE"), and a cell in two parts ("04 - Ségou", "F (Femme)") is
    accepted when its parts agree."""

    def __init__(self, choices, aliases: Mapping[str, Any] | None = None, noise: Iterable[str] = (),
                 expected: str | None = None, first_words: bool = True):
        self.pairs = _choice_pairs(choices)
        self.noise = sorted({normalise_header(n) for n in noise if normalise_header(n)}, key=len, reverse=True)
        self.keys: dict[str, tuple[int, Any]] = {}
        for code, label in self.pairs:
            self._add(code, code, 0)
        for code, label in self.pairs:
            self._add(label, code, 1)
        for spelling, code in (aliases or {}).items():
            self._add(spelling, code, 2)
        for code, label in self.pairs:
            stripped = self._strip(normalise_header(label))
            if stripped != normalise_header(label):
                self._add(stripped, code, 3)
        if first_words:
            firsts: dict[str, set] = {}
            for code, label in self.pairs:
                words = self._strip(normalise_header(label)).split()
                if len(words) > 1 and len(words[0]) >= 4:
                    firsts.setdefault(words[0], set()).add(code)
            for word, codes in firsts.items():
                if len(codes) == 1:
                    self._add(word, next(iter(codes)), 4)
        self.lookup = {key: code for key, (_, code) in self.keys.items() if code is not _AMBIGUOUS}
        self.expected = expected or self._expected()

    def _add(self, spelling: Any, code: Any, phase: int) -> None:
        key = choice_key(spelling)
        if not key:
            return
        known = self.keys.get(key)
        if known is None or known[0] > phase:
            self.keys[key] = (phase, code)
        elif known[0] == phase and known[1] is not _AMBIGUOUS and known[1] != code:
            self.keys[key] = (phase, _AMBIGUOUS)

    def _strip(self, text: str) -> str:
        """`text` (normalised) without its leading noise words."""
        changed = True
        while changed and text:
            changed = False
            for word in self.noise:
                if text.startswith(word + " "):
                    text, changed = text[len(word) + 1:], True
                    break
        return text

    def _expected(self) -> str:
        shown = [str(label) if normalise_header(code) == normalise_header(label) else f"{code} ({label})"
                 for code, label in self.pairs]
        more = f", … ({len(shown)} valeurs)" if len(shown) > 12 else ""
        return "Valeurs possibles : " + ", ".join(shown[:12]) + more + "."

    def find(self, value: Any) -> Any:
        """The code, or None."""
        key = choice_key(value)
        if key is None:
            return None
        code = self.lookup.get(key)
        if code is not None:
            return code
        spaced = spaced_key(value)
        stripped = self._strip(spaced)
        if stripped != spaced:
            code = self.lookup.get(choice_key(stripped) or "")
            if code is not None:
                return code
        if isinstance(value, str):
            parts = [p for p in _PARTS.split(value) if p and p.strip()]
            if len(parts) > 1:
                codes = {self.find(p) for p in parts}
                codes.discard(None)
                if len(codes) == 1:
                    return codes.pop()
            return self._by_first_word(stripped)
        return None

    def _by_first_word(self, spaced: str) -> Any:
        """« Licence en droit », « Bac série TSE », « DEF 2019 »: the first word names one code
        and no other word names another."""
        words = spaced.split()
        if len(words) < 2 or len(words[0]) < 2:
            return None
        code = self.lookup.get(choice_key(words[0]) or "")
        if code is None:
            return None
        others = {self.lookup.get(choice_key(w) or "") for w in words[1:] if not w.isdigit()}
        others.discard(None)
        return code if others <= {code} else None

    def suggestion(self, value: Any) -> str | None:
        """The label closest to an unknown value, if one is close."""
        import difflib

        key = choice_key(value) or ""
        if len(key) < 3:
            return None
        labels = {}
        for code, label in self.pairs:
            labels.setdefault((choice_key(label) or ""), label)
            labels.setdefault(choice_key(self._strip(normalise_header(label))) or "", label)
        for code, label in self.pairs:
            labels.setdefault(choice_key(code) or "", str(code) if normalise_header(code) != normalise_header(label)
                              else label)
        close = difflib.get_close_matches(key, [k for k in labels if k], n=1, cutoff=0.75)
        return labels[close[0]] if close else None

    def message(self, value: Any) -> str:
        shown = value if not isinstance(value, float) else _number_text(value)
        hint = self.suggestion(value)
        guess = f" Vouliez-vous dire « {hint} » ?" if hint else ""
        return f"Valeur non reconnue : « {shown} ».{guess} {self.expected}"


def choice_parser(choices: Mapping[str, str] | Iterable, aliases: Mapping[str, Any] | None = None,
                  noise: Iterable[str] = (), expected: str | None = None):
    """A parser for one column (ChoiceMatcher): the code, the label, the usual spellings;
    returns the code. The lookup table is built once, and each distinct cell value is parsed
    once (a column of codes holds few of them). An unknown value's message says what was
    expected (`expected`, else the codes and labels) and the closest label."""
    matcher = ChoiceMatcher(choices, aliases, noise, expected)
    seen: dict[Any, Result] = {}

    def match(value: Any) -> Result:
        if is_empty(value):
            return None, None
        code = matcher.find(value)
        if code is None:
            return None, matcher.message(value)
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

    parse.matcher = matcher
    return parse


def parse_choice(value: Any, choices: Mapping[str, str] | Iterable, aliases: Mapping[str, Any] | None = None) -> Result:
    """Matches the code or the label, ignoring case, accents and punctuation; returns the code.

    `choices` is {code: label} or a list of (code, label) or of plain values."""
    return choice_parser(choices, aliases)(value)


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


def code_parser(codes, unknown: str, max_length: int = 40, names: Mapping[str, str] | None = None,
                aliases: Mapping[str, Any] | None = None):
    """A parser of one code among `codes`, each spelling parsed once (a sheet repeats a few
    dozen codes). Case, spaces, hyphens and other punctuation do not matter ("ts dd casa",
    "TS_DD_CASA" -> "TS-DD-CASA"), a number is read as Excel stores it (101.0 -> "101"); with
    `names` ({code: name}), the name is accepted too. `unknown` is the French error, with
    {value}; the codes expected are appended to it (the first ones, for a long list)."""
    codes = list(codes)
    exact = {str(c).upper().replace(" ", ""): c for c in codes}
    pairs = [(c, (names or {}).get(c, c)) for c in codes]
    matcher = ChoiceMatcher(pairs, aliases, first_words=False) if codes else None
    listed = ", ".join(str(c) for c in codes[:10]) + (f", … ({len(codes)} codes)" if len(codes) > 10 else "")
    expected = f" Codes attendus : {listed}." if codes else " Aucun code n'est enregistré."
    seen: dict[str, tuple] = {}

    def check(value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text_value, error = parse_text(value, max_length=max_length if names is None else max(max_length, 200))
        if error or text_value is None:
            return text_value, error
        code = exact.get(text_value.upper().replace(" ", ""))
        if code is None and matcher is not None:
            code = matcher.find(text_value)
        if code is None:
            hint = matcher.suggestion(text_value) if matcher is not None else None
            guess = f" Vouliez-vous dire « {hint} » ?" if hint else ""
            return None, unknown.format(value=text_value) + guess + expected
        return code, None

    def parse(value):
        if type(value) is str and len(seen) < 10_000:
            if value not in seen:
                seen[value] = check(value)
            return seen[value]
        return check(value)

    return parse
