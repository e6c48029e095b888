"""Tolerant header matching: case, accents, punctuation and spaces do not matter.

A header cell matches a column when its normalised text, or its normalised text without spaces,
equals the column's French header, one of its synonyms, or one of the common synonyms below.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Sequence

_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Common variants met on paper-form spreadsheets, keyed by the normalised canonical header.
COMMON_SYNONYMS: dict[str, tuple[str, ...]] = {
    "nom": ("nom de famille", "noms"),
    "prenoms": ("prenom", "prenom s", "prenoms"),
    "prenom": ("prenoms", "prenom s"),
    "date de naissance": ("ne e le", "ne le", "nee le", "date naissance", "date de naiss",
                          "date nais", "naissance", "ddn"),
    "lieu de naissance": ("ne e a", "ne a", "nee a", "lieu naissance"),
    "telephone": ("tel", "tel portable", "portable", "numero de telephone", "n telephone",
                  "no telephone", "contact", "telephone mobile", "mobile"),
    "nina": ("numero nina", "n nina", "no nina", "num nina"),
    "sexe": ("genre", "sexe m f"),
    "courriel": ("email", "e mail", "adresse electronique", "mail"),
    "passeport": ("numero de passeport", "n passeport", "no passeport"),
}


def normalise_header(text: Any) -> str:
    """'  Né(e) le : ' -> 'ne e le'; 'Prénom(s)' -> 'prenom s'; None -> ''."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    value = str(text)
    if value.isascii():  # NFKD leaves ASCII as it is: skip the per-character pass (hot in imports)
        return _NON_ALNUM.sub(" ", value.lower()).strip()
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    value = value.lower()
    return _NON_ALNUM.sub(" ", value).strip()


def _compact(text: str) -> str:
    return text.replace(" ", "")


def header_variants(column) -> set[str]:
    """Every normalised and compact form under which a column may appear."""
    base = normalise_header(column.header)
    forms = {base, *(normalise_header(s) for s in getattr(column, "synonyms", ()) or ())}
    forms |= {normalise_header(s) for s in COMMON_SYNONYMS.get(base, ())}
    forms.discard("")
    return forms | {_compact(f) for f in forms}


def _columns(spec) -> Sequence:
    return getattr(spec, "columns", spec)


def match_columns(header_row: Sequence[Any], spec) -> tuple[dict[str, int], list[str]]:
    """Returns ({column key: 0-based index}, [French headers of missing required columns]).

    Exact headers are matched first, then synonyms, so a column titled "Nom de famille" goes to
    that column even if "Nom" lists it as a synonym. A cell is used by one column only; the
    leftmost matching cell wins.
    """
    columns = _columns(spec)
    cells = [normalise_header(v) for v in header_row]
    used: set[int] = set()
    mapping: dict[str, int] = {}
    for exact in (True, False):
        for column in columns:
            if column.key in mapping:
                continue
            if exact:
                base = normalise_header(column.header)
                variants = {base, _compact(base)} - {""}
            else:
                variants = header_variants(column)
            for index, cell in enumerate(cells):
                if index in used or not cell:
                    continue
                if cell in variants or _compact(cell) in variants:
                    mapping[column.key] = index
                    used.add(index)
                    break
    missing = [c.header for c in columns if getattr(c, "required", False) and c.key not in mapping]
    return mapping, missing


def find_header_row(rows: Sequence[Sequence[Any]], spec, search_first: int = 20) -> int | None:
    """0-based index of the header row among the first `search_first` rows, or None.

    The row matching the most columns wins (ties: the upper one), so a title row or an
    instruction line above the table is skipped. At least one column must match, and at least
    two when the spec has two columns or more, so a lone title that happens to equal a header
    is not taken for the header row.
    """
    columns = _columns(spec)
    needed = 1 if len(columns) < 2 else 2
    best_index, best_score = None, 0
    for index, row in enumerate(rows[:search_first]):
        if not row:
            continue
        mapping, _ = match_columns(row, columns)
        if len(mapping) > best_score:
            best_index, best_score = index, len(mapping)
    if best_score < needed:
        return None
    return best_index
