"""Tolerant header matching: case, accents, punctuation and spaces do not matter.

A header cell matches a column when its normalised text, or its normalised text without spaces,
equals the column's French header, one of its synonyms, or one of the common synonyms below.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Sequence

_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Common variants met on paper-form spreadsheets, keyed by the normalised canonical header.
COMMON_SYNONYMS: dict[str, tuple[str, ...]] = {
    "nom": ("nom de famille", "noms"),
    "prenoms": ("prenom", "prenom s", "prenoms"),
    "prenom": ("prenoms", "prenom s"),
    "date de naissance": ("ne e le", "ne le", "nee le", "date naissance", "date de naiss",
                          "date nais", "date naiss", "naissance", "ddn", "date de naissance jj mm aaaa"),
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


# --- near misses: a header the matching above did not recognise --------------------------------

# Words that tell nothing about which column a header is (« N° », « du candidat »...).
# A one-word column is plausible for a longer header only when that header starts with it.
_STOP_WORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "en", "a", "au", "aux", "et",
                         "n", "no", "num", "numero", "s", "candidat", "candidate", "eleve", "stagiaire"})
_TYPO_RATIO = 0.8  # "Telefone", "Date de naisance": the same header mistyped
_QUESTION_RATIO = 0.7  # close enough to ask, not to decide


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class HeaderMatch:
    """What the header row of a sheet says: where it is, which cell feeds which column, and
    the cells that no column took. Every cell of the header row ends in one of the lists:

    mapping    {column key: 0-based index}, exact matches, synonyms and the guesses below;
    guessed    cells matched by a near miss ([{"index", "letter", "header", "key", "column"}]):
               a mistyped header, or one whose words are those of one column only (« Année »
               for « Année du diplôme »); the dry run shows them, to be checked;
    questions  cells that look like one or several missing columns but not surely enough
               ([{"index", "letter", "header", "columns": [French headers]}]): not read;
    ignored    cells that look like no column ([{"index", "letter", "header"}]): not read.
    """

    index: int | None
    mapping: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    guessed: list[dict] = field(default_factory=list)
    questions: list[dict] = field(default_factory=list)
    ignored: list[dict] = field(default_factory=list)

    @property
    def excel_row(self) -> int | None:
        return None if self.index is None else self.index + 1

    def notes(self) -> dict:
        """Plain data for the result of an import (JSON-able)."""
        return {"header_row": self.excel_row, "guessed": self.guessed, "questions": self.questions,
                "ignored": self.ignored}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split()) - _STOP_WORDS


def _spaced_variants(column) -> set[str]:
    base = normalise_header(column.header)
    forms = {base, *(normalise_header(s) for s in getattr(column, "synonyms", ()) or ())}
    forms |= {normalise_header(s) for s in COMMON_SYNONYMS.get(base, ())}
    forms.discard("")
    return forms


def _closeness(cell: str, column) -> tuple[int, float]:
    """(2 sure, 1 plausible, 0 none) and the best ratio, for one header cell and one column."""
    from difflib import SequenceMatcher

    best, level = 0.0, 0
    cell_words, compact = _words(cell), _compact(cell)
    for variant in _spaced_variants(column):
        ratio = SequenceMatcher(None, compact, _compact(variant)).ratio()
        best = max(best, ratio)
        words = _words(variant)
        if (ratio >= _TYPO_RATIO and len(compact) >= 4) or (cell_words and cell_words == words):
            level = 2  # mistyped, or the same words (« Date naissance du candidat »)
        # « Année » for « Année du diplôme »; « Date de naissance du candidat » for « Date de
        # naissance », but never « Observations AMCI » for « N° AMCI » (one word is too little).
        if cell_words and words and cell_words != words and (
                cell_words < words or (words < cell_words and (len(words) > 1 or cell.split()[0] in words))):
            level = max(level, 1)  # « Moyenne au bac » for « Moyenne »: its first word
    return level, best


def guess_columns(header_row: Sequence[Any], spec, mapping: dict[str, int]) -> tuple[list, list, list]:
    """(guessed, questions, ignored) for the cells of `header_row` that `mapping` left out.
    `mapping` is completed with the guesses."""
    columns = _columns(spec)
    free = [c for c in columns if c.key not in mapping]
    used = set(mapping.values())
    claims: dict[int, list] = {}  # cell index -> [(level, ratio, column)]
    cells = {}
    for index, value in enumerate(header_row):
        if index in used or value is None or not normalise_header(value):
            continue
        cells[index] = value
        cell = normalise_header(value)
        claims[index] = [(level, ratio, c) for c in free
                         for level, ratio in [_closeness(cell, c)] if level or ratio >= _QUESTION_RATIO]
    # A column claimed surely by one cell only, that claims it alone among its sure claims, is
    # taken; then the same for plausible claims. Whatever remains is a question or ignored.
    guessed = []
    for wanted in (2, 1):
        by_column: dict[str, list[int]] = {}
        for index, found in claims.items():
            top = [c for level, _, c in found if level >= wanted and c.key not in mapping]
            if len(top) == 1:
                by_column.setdefault(top[0].key, []).append(index)
        for key, indexes in by_column.items():
            if len(indexes) == 1 and indexes[0] in claims:
                index = indexes[0]
                column = next(c for c in free if c.key == key)
                mapping[key] = index
                del claims[index]
                guessed.append({"index": index, "letter": column_letter(index), "header": str(cells[index]),
                                "key": key, "column": column.header})
    questions, ignored = [], []
    for index in sorted(claims):
        found = [c for _, _, c in sorted(claims[index], key=lambda t: (-t[0], -t[1])) if c.key not in mapping]
        entry = {"index": index, "letter": column_letter(index), "header": str(cells[index])}
        if found:
            questions.append({**entry, "columns": [c.header for c in found[:3]]})
        else:
            ignored.append(entry)
    guessed.sort(key=lambda g: g["index"])
    return guessed, questions, ignored


def _find_header_row_guessing(rows: Sequence[Sequence[Any]], spec, search_first: int) -> int | None:
    """find_header_row counting the near misses too: for a header row whose headers are all
    a little off (« Nom du candidat », « Date naissance »). Only when no row matched as is."""
    columns = _columns(spec)
    needed = 1 if len(columns) < 2 else 2
    best_index, best_score = None, 0
    for index, row in enumerate(rows[:search_first]):
        filled = [v for v in row or () if isinstance(v, str) and v.strip()]
        if len(filled) < needed:
            continue
        mapping, _ = match_columns(row, columns)
        guess_columns(row, spec, mapping)
        if len(mapping) > best_score:
            best_index, best_score = index, len(mapping)
    return best_index if best_score >= needed else None


def resolve_header(rows: Sequence[Sequence[Any]], spec, search_first: int | None = None) -> HeaderMatch:
    """The header row of `rows` (find_header_row) and what each of its cells is (HeaderMatch)."""
    if search_first is None:
        search_first = getattr(spec, "header_search_rows", 20)
    index = find_header_row(rows, spec, search_first)
    if index is None:
        index = _find_header_row_guessing(rows, spec, search_first)
    if index is None:
        return HeaderMatch(None, missing=[c.header for c in _columns(spec) if getattr(c, "required", False)])
    mapping, _missing = match_columns(rows[index], spec)
    guessed, questions, ignored = guess_columns(rows[index], spec, mapping)
    missing = [c.header for c in _columns(spec) if getattr(c, "required", False) and c.key not in mapping]
    return HeaderMatch(index, mapping, missing, guessed, questions, ignored)
