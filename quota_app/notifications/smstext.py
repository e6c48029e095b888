"""SMS text: pure functions, plain strings in and out.

An SMS in the GSM-7 alphabet (GSM 03.38) holds 160 characters (153 per part when it is split);
a single character outside it turns the whole message into UCS-2, 70 characters (67 per part),
and some gateways or handsets in the field do not take Unicode at all. So, unless the gateway
is declared to support Unicode (SMS_UNICODE), the text is brought down to GSM-7: the accented
letters that GSM-7 has are kept (é è à ù ì ò, É, Ç), the others lose their accent (ê → e,
ç → c, ô → o), French typography becomes plain (« » → ", ’ → ', … → ...), and anything else
becomes "?".
"""
from __future__ import annotations

import math
import re
import unicodedata

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")  # each takes two places (an escape, then the character)

_PLAIN = {
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "´": "'", "`": "'",
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "…": "...", "•": "-", "·": ".",
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ",
    "œ": "oe", "Œ": "OE", "æ": "ae", "°": "o", "º": "o", "ª": "a", "×": "x",
}


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


_GUILLEMETS = re.compile("«[\\s\u00a0\u202f]*|[\\s\u00a0\u202f]*»")


def to_gsm7(text: str) -> str:
    """The text in the GSM-7 alphabet, as close to the original as it allows."""
    out = []
    text = _GUILLEMETS.sub(lambda m: '"', text or "")
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
        elif char in _PLAIN:
            out.append(_PLAIN[char])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and is_gsm7(base) else "?")
    return "".join(out)


def sms_text(text: str, unicode_ok: bool = False) -> str:
    """What is sent: the text itself when the gateway takes Unicode or the text is already GSM-7,
    else its GSM-7 form. Spaces are squeezed (each one costs a character)."""
    text = " ".join((text or "").replace("\r", "").split(" "))
    while "  " in text:
        text = text.replace("  ", " ")
    text = text.strip()
    if unicode_ok or is_gsm7(text):
        return text
    return to_gsm7(text)


def segments(text: str) -> tuple[str, int]:
    """("gsm7" or "ucs2", the number of SMS parts the text takes)."""
    if is_gsm7(text):
        length = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        return "gsm7", 1 if length <= 160 else math.ceil(length / 153)
    length = len(text.encode("utf-16-le")) // 2
    return "ucs2", 1 if length <= 70 else math.ceil(length / 67)


def short_link(base_url: str, path: str = "") -> str:
    """A link as short as an SMS wants it: the public address without its scheme nor "www."."""
    base = (base_url or "").rstrip("/")
    for prefix in ("https://", "http://"):
        if base.startswith(prefix):
            base = base[len(prefix):]
    if base.startswith("www."):
        base = base[4:]
    return base + (path or "")
