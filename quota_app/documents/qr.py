"""QR codes (segno) as inline SVG data URIs: vector, sharp at any zoom, nothing to fetch."""
from __future__ import annotations

import segno

ERROR_LEVEL = "m"  # 15 % of the symbol may be damaged (a fold, a stamp) and it still reads


def make(text: str) -> segno.QRCode:
    """The QR code of `text` (never a Micro QR: phones read those badly)."""
    return segno.make(text, error=ERROR_LEVEL, micro=False)


def svg_data_uri(text: str) -> str:
    """An SVG data URI for an <img>: one unit per module in mm with a viewBox, so that the CSS
    width sets its printed size; the 4-module quiet zone is included."""
    return make(text).svg_data_uri(scale=1, border=4, unit="mm", dark="#000", light="#fff")


def matrix(text: str) -> tuple[tuple[int, ...], ...]:
    """The symbol's modules (1 dark, 0 light), without the quiet zone."""
    return tuple(tuple(row) for row in make(text).matrix)
