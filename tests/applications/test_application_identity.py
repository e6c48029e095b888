"""Identity numbers: pure functions, no app fixture."""
from datetime import date

import pytest

from quota_app.identity import (
    check_birth_date, check_nina, check_passport_expiry, nina_birth_year_digits, nina_is_well_formed,
    nina_warnings, normalise_nina, normalise_passport, normalise_phone,
)

GOOD_NINA = "11990100123001K"  # nationality 1, sex 1, year 99, locality 0100123, seq 001, letter K


def test_normalise_nina_strips_spaces_dashes_and_uppercases():
    assert normalise_nina(" 1 1 99-0100123-001 k ") == GOOD_NINA
    assert normalise_nina("11990100123001k") == GOOD_NINA
    assert normalise_nina("") == ""
    assert normalise_nina(None) == ""


def test_good_nina_has_no_error():
    assert check_nina(GOOD_NINA) == []
    assert nina_is_well_formed(GOOD_NINA)


def test_lowercase_nina_with_spaces_is_accepted_after_normalisation():
    assert check_nina("1 1 99 0100123 001 k") == []


def test_sex_digit_and_check_letter_are_not_interpreted():
    # Any digit in the sex position, any letter at the end: the shape is all we check.
    assert check_nina("19990100123001Z") == []
    assert check_nina("10990100123001A") == []


@pytest.mark.parametrize("raw, fragment", [
    ("", "obligatoire"),
    ("1199010012300K", "15 caractères"),           # 14 characters
    ("119901001230012K", "15 caractères"),         # 16 characters
    ("1199010A123001K", "position 8"),             # a letter among the digits
    ("119901001230011", "lettre"),                 # no check letter
])
def test_bad_nina_shapes(raw, fragment):
    errors = check_nina(raw)
    assert errors
    assert any(fragment in error for error in errors), errors


def test_nina_with_accented_letter_is_refused():
    assert check_nina("11990100123001É")


def test_birth_year_digits():
    assert nina_birth_year_digits(GOOD_NINA) == "99"
    assert nina_birth_year_digits("bad") is None


def test_no_warning_when_birth_year_matches():
    assert nina_warnings(GOOD_NINA, date(1999, 5, 17)) == []


def test_warning_when_birth_year_contradicts_date_of_birth():
    warnings = nina_warnings(GOOD_NINA, date(2001, 5, 17))
    assert len(warnings) == 1
    message = warnings[0]
    assert "(99)" in message and "17/05/2001" in message
    assert "erreur de saisie" in message and "provisoire" in message
    assert "pas un motif de refus" in message


def test_no_warning_without_date_or_for_malformed_nina():
    assert nina_warnings(GOOD_NINA, None) == []
    assert nina_warnings("123", date(2001, 1, 1)) == []


def test_birth_date_checks():
    today = date(2026, 11, 29)
    assert check_birth_date(date(2004, 1, 1), today) == []
    assert "obligatoire" in check_birth_date(None, today)[0]
    assert "futur" in check_birth_date(date(2027, 1, 1), today)[0]


@pytest.mark.parametrize("raw", [
    "+223 76 12 34 56", "00223 76 12 34 56", "76.12.34.56", "76-12-34-56", "76123456",
    "223 76123456", "+223.76.12.34.56", "(+223) 76 12 34 56",
])
def test_phone_normalised(raw):
    assert normalise_phone(raw) == ("+22376123456", None)


@pytest.mark.parametrize("raw, fragment", [
    ("", "obligatoire"),
    (None, "obligatoire"),
    ("76 12 34 5", "8 chiffres"),
    ("+223 76 12 34 56 7", "8 chiffres"),
    ("+33 6 12 34 56 78", "malien"),
    ("0033612345678", "malien"),
    ("76 12 AB 56", "chiffres"),
])
def test_bad_phone(raw, fragment):
    value, error = normalise_phone(raw)
    assert value is None
    assert fragment in error


def test_passport_normalised():
    assert normalise_passport(" aa 1234567 ") == ("AA1234567", None)
    assert normalise_passport("b12345") == ("B12345", None)
    assert normalise_passport("") == (None, None)


@pytest.mark.parametrize("raw, fragment", [
    ("AB123", "de 6 à 12"),
    ("AB1234567890123", "de 6 à 12"),
    ("AB-123456", "lettres"),
    ("ÉA123456", "lettres"),
])
def test_bad_passport(raw, fragment):
    value, error = normalise_passport(raw)
    assert value is None and fragment in error


def test_passport_expiry_warnings():
    on = date(2026, 9, 1)
    assert check_passport_expiry(None, on) == []
    assert check_passport_expiry(date(2028, 1, 1), on) == []
    expired = check_passport_expiry(date(2026, 8, 31), on)
    assert len(expired) == 1 and "a expiré le 31/08/2026" in expired[0]
    soon = check_passport_expiry(date(2027, 2, 28), on)
    assert len(soon) == 1 and "moins de 6 mois" in soon[0]
    # Exactly six months later is enough.
    assert check_passport_expiry(date(2027, 3, 1), on) == []


def test_passport_expiry_month_end():
    # 31 August + 6 months: end of February, no crash.
    assert check_passport_expiry(date(2027, 3, 1), date(2026, 8, 31)) == []
    assert check_passport_expiry(date(2027, 2, 27), date(2026, 8, 31))
