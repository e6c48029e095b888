"""Server-rendered inline SVG bar charts (no script, no style attribute: the CSP allows neither).

Every chart is decorative beside an HTML table holding the same numbers; it carries a title
for screen readers and is sized with SVG attributes only.
"""
from __future__ import annotations

from markupsafe import Markup, escape

BAR_COLOUR = "#1f6f50"
SECOND_COLOUR = "#c05a00"
TRACK_COLOUR = "#e6eaee"
TEXT_COLOUR = "#1b1f23"


def bar_chart(title: str, items, *, label_width: int = 220, bar_width: int = 360, row_height: int = 26,
              maximum: int | float | None = None) -> Markup:
    """Horizontal bars for [(label, value)], each bar's number written at its end."""
    items = [(str(label), value or 0) for label, value in items]
    top = max([v for _l, v in items] + [maximum or 0, 1])
    width = label_width + bar_width + 60
    height = row_height * max(len(items), 1) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = 4 + index * row_height
        length = round(bar_width * value / top, 1)
        short = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + row_height * 0.65:.1f}" text-anchor="end" fill="{TEXT_COLOUR}">{escape(short)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{bar_width}" height="{row_height - 8}" fill="{TRACK_COLOUR}"/>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row_height - 8}" fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + bar_width + 6}" y="{y + row_height * 0.65:.1f}" fill="{TEXT_COLOUR}">{escape(_number(value))}</text>'
        )
    parts.append("</svg>")
    # The SVG is built here from numbers and labels escaped by escape() (bandit B704).
    return Markup("".join(parts))  # nosec B704


def funnel_chart(title: str, items, *, label_width: int = 250, bar_width: int = 360, row_height: int = 26,
                 note_width: int = 150) -> Markup:
    """A funnel: one bar per stage, centred, as wide as its count against the widest, with the
    count and its note (e.g. its share of the applications, already formatted) at the right.
    `items` are (label, value, note)."""
    items = [(str(label), value or 0, str(note or "")) for label, value, note in items]
    top = max([v for _l, v, _n in items] + [1])
    width = label_width + bar_width + note_width
    height = row_height * max(len(items), 1) + 8
    centre = label_width + bar_width / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value, note) in enumerate(items):
        y = 4 + index * row_height
        length = round(bar_width * value / top, 1)
        short = label if len(label) <= 36 else label[:35] + "…"
        text = _number(value) + (f" · {note}" if note else "")
        parts.append(
            f'<text x="{label_width - 6}" y="{y + row_height * 0.65:.1f}" text-anchor="end" fill="{TEXT_COLOUR}">{escape(short)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{bar_width}" height="{row_height - 8}" fill="{TRACK_COLOUR}"/>'
            f'<rect x="{centre - length / 2:.1f}" y="{y + 3}" width="{length}" height="{row_height - 8}" fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + bar_width + 6}" y="{y + row_height * 0.65:.1f}" fill="{TEXT_COLOUR}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    # Numbers and labels escaped by escape() (bandit B704).
    return Markup("".join(parts))  # nosec B704


def progress_bar(title: str, value: int, target: int, *, width: int = 420, height: int = 28) -> Markup:
    """One bar against a target (e.g. women placed against the reserved seats)."""
    share = min(value / target, 1) if target else 0
    inner = round((width - 2) * share, 1)
    # Numbers and an escaped title only (bandit B704).
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">'
        f"<title>{escape(title)}</title>"
        f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" fill="{TRACK_COLOUR}"/>'
        f'<rect x="1" y="1" width="{inner}" height="{height - 2}" fill="{SECOND_COLOUR}"/>'
        f'<text x="{width / 2}" y="{height * 0.68:.1f}" text-anchor="middle" fill="{TEXT_COLOUR}">'
        f"{escape(_number(value))} / {escape(_number(target))}</text></svg>"
    )


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return f"{value:,}".replace(",", "\u202f")
