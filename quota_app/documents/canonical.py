"""The canonical serialisation a seal hashes: the same content always gives the same bytes.

Pure: no Flask, no session. A feature passes either bytes (already canonical, e.g. an xlsx it
produced deterministically) or a JSON-able object — dicts with string keys, lists, tuples,
strings, integers, floats, booleans, None, and for convenience dates, datetimes and Decimals.
The object is serialised as JSON with sorted keys, no spaces, UTF-8 (no \\u escapes), every string
in Unicode NFC (an « é » typed as one character or as « e » + accent hashes the same).
Anything whose order or value is not fixed (sets, NaN, non-string keys, arbitrary objects) is
refused rather than serialised one way today and another tomorrow.
"""
from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal


class NotCanonical(TypeError):
    """The object cannot be serialised canonically."""


def _normalise(value, path: str):
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotCanonical(f"{path} : nombre non fini ({value!r})")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotCanonical(f"{path} : nombre non fini ({value!r})")
        return str(value)
    if isinstance(value, datetime):  # before date: a datetime is a date
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_normalise(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path} : clé non textuelle {key!r}")
            normal = unicodedata.normalize("NFC", key)
            if normal in result:
                raise NotCanonical(f"{path} : clé en double après normalisation {key!r}")
            result[normal] = _normalise(item, f"{path}.{normal}")
        return result
    raise NotCanonical(f"{path} : type non sérialisable de façon canonique ({type(value).__name__})")


def canonical_bytes(content) -> bytes:
    """Bytes as they are; any other object as canonical JSON (see the module's docstring)."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content)
    normal = _normalise(content, "$")
    return json.dumps(normal, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_sha256(content) -> str:
    """The SHA-256 (hex) of the canonical serialisation of `content`."""
    return sha256_hex(canonical_bytes(content))
