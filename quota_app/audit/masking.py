"""Identity numbers and contact details never sit in the audit trail in full.

Pure (no Flask, no session). `record()` masks the values of the sensitive keys before it
writes; the journal masks them again when it shows a row, so a row written before this rule
(or by a writer that bypassed it) does not show them either. Seeing a current number in full
is the file page's own action (« Afficher le NINA et le passeport complets »), which the
journal links to, and which is itself recorded.

Names stay: the journal must say whose file changed. What an administrator may not see at all
(names, documents, free text about a candidate) is the journal's viewer's business, not the
stored row's (audit/queries.py).
"""
from __future__ import annotations

BULLET = "•"

# Keys whose value is an identity number or a way to reach a person, wherever they appear in
# a before/after snapshot (nested dictionaries included).
SENSITIVE_KEYS: frozenset[str] = frozenset({"nina", "passport_number", "phone", "phone_number", "email"})
# Those the file page shows masked until a manager asks, in an audited action, to see them.
IDENTITY_NUMBER_KEYS: frozenset[str] = frozenset({"nina", "passport_number"})
# A search typed in a list (« filters » of an export): masked when it holds a digit, since a
# NINA, a passport or a phone number is searched whole.
SEARCH_KEYS: frozenset[str] = frozenset({"q"})


def mask_text(value) -> object:
    """« 1205123456700 1A » -> « •••••••••••••1A »-style: the last characters only (3 from 8
    characters, 2 from 5, none below); an address keeps its first letter and its domain
    (« a•••@exemple.ml »). A value already masked, None, an empty string or a boolean is kept."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    if not text or BULLET in text:
        return text
    if "@" in text:
        local, domain = text.split("@", 1)
        return f"{local[:1]}{BULLET * 3}@{domain}"
    keep = 3 if len(text) >= 8 else 2 if len(text) >= 5 else 0
    return BULLET * (len(text) - keep) + text[len(text) - keep:]


def _mask_all(value):
    """Every scalar of a sensitive key's value (a list of phones, a dict of numbers)."""
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_all(v) for v in value]
    return mask_text(value)


def _is_identifier(value) -> bool:
    return isinstance(value, str) and any(c.isdigit() for c in value)


def mask_value(key: str, value):
    """A value of a snapshot under `key`, masked if the key is sensitive, walked otherwise."""
    if key in SENSITIVE_KEYS:
        return _mask_all(value)
    if key in SEARCH_KEYS and _is_identifier(value):
        return mask_text(value)
    return mask_payload(value)


def mask_payload(data):
    """A before/after snapshot with the sensitive keys' values masked, at any depth."""
    if isinstance(data, dict):
        return {k: mask_value(str(k), v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [mask_payload(v) for v in data]
    return data


def is_identity_number(key: str) -> bool:
    return key in IDENTITY_NUMBER_KEYS
