"""The canonical serialisation a seal hashes: same content, same bytes (pure, no app)."""
import hashlib
import unicodedata
from datetime import date, datetime
from decimal import Decimal

import pytest

from quota_app.documents.canonical import NotCanonical, canonical_bytes, content_sha256


def test_keys_are_sorted_at_every_level_and_there_is_no_space():
    one = {"b": 1, "a": {"d": [1, 2], "c": None}}
    two = {"a": {"c": None, "d": [1, 2]}, "b": 1}
    assert canonical_bytes(one) == canonical_bytes(two) == b'{"a":{"c":null,"d":[1,2]},"b":1}'


def test_unicode_is_utf8_not_escaped_and_nfc():
    composed = "Traoré"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert canonical_bytes({"nom": composed}) == canonical_bytes({"nom": decomposed})
    assert canonical_bytes({"nom": composed}) == '{"nom":"Traoré"}'.encode()
    assert canonical_bytes({unicodedata.normalize("NFD", "é"): 1}) == '{"é":1}'.encode()


def test_a_known_vector_so_that_the_format_never_drifts():
    content = {"rang": 1, "code": "ANON-0001", "note": 17.25, "liste": ["principale"], "ok": True}
    expected = b'{"code":"ANON-0001","liste":["principale"],"note":17.25,"ok":true,"rang":1}'
    assert canonical_bytes(content) == expected
    assert content_sha256(content) == hashlib.sha256(expected).hexdigest()


def test_order_of_a_list_matters_but_tuples_are_lists():
    assert canonical_bytes([1, 2]) != canonical_bytes([2, 1])
    assert canonical_bytes((1, 2)) == canonical_bytes([1, 2])


def test_dates_and_decimals_have_one_spelling():
    assert canonical_bytes({"d": date(2026, 9, 1), "t": datetime(2026, 11, 29, 10, 0), "n": Decimal("12.50")}) == \
        b'{"d":"2026-09-01","n":"12.50","t":"2026-11-29T10:00:00"}'


def test_bytes_are_taken_as_they_are():
    assert canonical_bytes(b"\x00\xffxlsx") == b"\x00\xffxlsx"
    assert content_sha256(b"abc") == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.parametrize("content", [
    {1: "clé numérique"}, {"s": {1, 2}}, {"x": float("nan")}, {"x": float("inf")}, {"x": object()},
    {"x": Decimal("NaN")}, {"é": 1, unicodedata.normalize("NFD", "é"): 2},
])
def test_what_has_no_fixed_form_is_refused(content):
    with pytest.raises(NotCanonical):
        canonical_bytes(content)
