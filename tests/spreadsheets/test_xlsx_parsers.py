"""Each typed parser on good and bad values."""
import datetime as dt
from decimal import Decimal

import pytest

from quota_app.spreadsheets.parsers import (
    nina_birth_year_warning, parse_boolean, parse_choice, parse_date, parse_decimal,
    parse_integer, parse_nina, parse_phone_ml, parse_text,
)

ALL = [parse_text, parse_integer, parse_decimal, parse_date, parse_phone_ml, parse_nina, parse_boolean]


@pytest.mark.parametrize("parser", ALL)
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_is_none_without_error(parser, empty):
    assert parser(empty) == (None, None)


@pytest.mark.parametrize("raw, expected", [
    ("  Awa   Traoré ", "Awa Traoré"),
    ("Awa\u00a0\u00a0Traoré\n", "Awa Traoré"),
    (1234.0, "1234"),
    (12.5, "12.5"),
    (7, "7"),
    (dt.date(2001, 5, 4), "04/05/2001"),
])
def test_text(raw, expected):
    assert parse_text(raw) == (expected, None)


def test_text_too_long():
    value, error = parse_text("abcdef", max_length=5)
    assert value is None and "trop long" in error


@pytest.mark.parametrize("raw, expected", [
    (1234, 1234), (1234.0, 1234), ("1234", 1234), ("1 234", 1234), ("1\u202f234", 1234),
    ("1234,0", 1234), (" -5 ", -5), (Decimal("3"), 3),
])
def test_integer_good(raw, expected):
    value, error = parse_integer(raw)
    assert (value, error) == (expected, None)
    assert type(value) is int


@pytest.mark.parametrize("raw", [12.5, "12,5", "abc", "12a", True, "1.2.3"])
def test_integer_bad(raw):
    value, error = parse_integer(raw)
    assert value is None and "entier" in error


def test_integer_bounds():
    assert parse_integer(5, min_value=0, max_value=20) == (5, None)
    assert "inférieure ou égale à 20" in parse_integer(21, max_value=20)[1]
    assert "supérieure ou égale à 0" in parse_integer(-1, min_value=0)[1]


@pytest.mark.parametrize("raw, expected", [
    ("12,5", Decimal("12.5")), ("12.5", Decimal("12.5")), (12.5, Decimal("12.5")),
    ("1 234,75", Decimal("1234.75")), ("1.234,75", Decimal("1234.75")),
    ("1,234.75", Decimal("1234.75")), (14, Decimal(14)), (0.1, Decimal("0.1")),
])
def test_decimal_good(raw, expected):
    assert parse_decimal(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["douze", "12,5,3", "--1", float("nan"), True])
def test_decimal_bad(raw):
    value, error = parse_decimal(raw)
    assert value is None and "Nombre attendu" in error


def test_decimal_places_and_bounds():
    assert parse_decimal("12,25", places=2) == (Decimal("12.25"), None)
    assert "après la virgule" in parse_decimal("12,255", places=2)[1]
    assert "inférieure ou égale à 20" in parse_decimal("20,5", max_value=20)[1]


@pytest.mark.parametrize("raw", [
    dt.date(2001, 5, 4), dt.datetime(2001, 5, 4, 0, 0), dt.datetime(2001, 5, 4, 13, 30),
    37015, 37015.0, 37015.75, "04/05/2001", "4/5/2001", "04-05-2001", "04.05.2001",
    "2001-05-04", " 2001-05-04 00:00:00 ", "04/05/2001 00:00",
])
def test_date_good(raw):
    assert parse_date(raw) == (dt.date(2001, 5, 4), None)


@pytest.mark.parametrize("raw, fragment", [
    ("31/02/2020", "inexistante"), ("2020-13-01", "inexistante"), ("04/05/01", "4 chiffres"),
    ("demain", "jj/mm/aaaa"), ("05/04/1850", "hors des limites"), (-3, "jj/mm/aaaa"),
    (True, "jj/mm/aaaa"), ("2001/05/04", "jj/mm/aaaa"),
])
def test_date_bad(raw, fragment):
    value, error = parse_date(raw)
    assert value is None and fragment in error


def test_date_serial_before_march_1900():
    assert parse_date(1)[0] == dt.date(1900, 1, 1)
    assert parse_date(61)[0] == dt.date(1900, 3, 1)


@pytest.mark.parametrize("raw", [
    "+223 76 12 34 56", "0022376123456", "00223 76.12.34.56", "76123456", "76 12 34 56",
    "76.12.34.56", "76-12-34-56", 76123456, 76123456.0, "22376123456", "(+223) 76 12 34 56",
    "+22376123456", " +22376123456 ",  # already normalised (the fast path), and with spaces
])
def test_phone_good(raw):
    assert parse_phone_ml(raw) == ("+22376123456", None)


@pytest.mark.parametrize("raw", ["7612345", "761234567", "+33 6 12 34 56 78", "76 12 34 5a",
                                 "+223 7612345", "téléphone", "٧٦١٢٣٤٥٦", "+223761234567", "+223٧٦١٢٣٤٥٦"])
def test_phone_bad(raw):
    value, error = parse_phone_ml(raw)
    assert value is None and "8 chiffres" in error


@pytest.mark.parametrize("raw", ["12001123456789A", "12001123456789a", " 1200 1123 4567 89 A ",
                                 "12001-1234567-89A"])
def test_nina_good(raw):
    assert parse_nina(raw) == ("12001123456789A", None)


@pytest.mark.parametrize("raw", ["12001123456789", "1200112345678A", "120011234567890A",
                                 "A2001123456789B", 12001123456789.0, "12001123456789É",
                                 "12001123456789A\n1", "١٢٠٠١١٢٣٤٥٦٧٨٩A"])
def test_nina_bad(raw):
    value, error = parse_nina(raw)
    assert value is None and "14 chiffres puis une lettre" in error


def test_nina_birth_year_warning():
    assert nina_birth_year_warning("12011234567890A", dt.date(2001, 5, 4)) is None
    warning = nina_birth_year_warning("12991234567890A", dt.date(2001, 5, 4))
    assert "ne correspondent pas" in warning
    assert nina_birth_year_warning(None, dt.date(2001, 5, 4)) is None


REGIONS = {"00": "District de Bamako", "01": "Kayes", "04": "Ségou", "11": "Nioro du Sahel"}


@pytest.mark.parametrize("raw, code", [
    ("Kayes", "01"), ("KAYES", "01"), ("segou", "04"), ("Ségou ", "04"), ("01", "01"),
    ("district de bamako", "00"), ("Nioro-du-Sahel", "11"), ("nioro du  sahel", "11"),
])
def test_choice_good(raw, code):
    assert parse_choice(raw, REGIONS) == (code, None)


def test_choice_variants_of_choices():
    assert parse_choice("homme", [("M", "Homme"), ("F", "Femme")]) == ("M", None)
    assert parse_choice("b", ["A", "B"]) == ("B", None)
    assert parse_choice(1.0, {1: "Oui"}) == (1, None)


def test_choice_bad_lists_possible_values():
    value, error = parse_choice("Paris", REGIONS)
    assert value is None
    assert "Valeur non reconnue : « Paris »" in error and "Kayes" in error


@pytest.mark.parametrize("raw, expected", [
    ("oui", True), ("OUI", True), ("x", True), ("X", True), (1, True), (1.0, True), ("1", True),
    ("vrai", True), ("Vrai", True), (True, True), ("non", False), ("Non", False), (0, False),
    ("0", False), ("faux", False), (False, False),
])
def test_boolean_good(raw, expected):
    assert parse_boolean(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["peut-être", 2, "ouii"])
def test_boolean_bad(raw):
    value, error = parse_boolean(raw)
    assert value is None and "Oui ou Non" in error
