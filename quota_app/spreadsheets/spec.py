"""Declarative description of an import sheet, and row validation against it.

    APPLICANTS = SheetSpec("Candidats", [
        ColumnSpec("last_name", "Nom", required=True),
        ColumnSpec("birth_date", "Date de naissance", kind="date", required=True),
        ColumnSpec("region", "Région", kind="choice", choices={"00": "District de Bamako"}),
    ])
    records, errors = validate_rows(sheet_data.rows, APPLICANTS)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import compress, islice, repeat
from operator import is_, itemgetter
from typing import Any, Callable, Iterator, Mapping, Sequence

from . import parsers
from .headers import HeaderMatch, resolve_header

KINDS = ("text", "integer", "decimal", "date", "phone", "nina", "choice", "boolean")

# What the template's instructions sheet says about each kind.
KIND_HINTS = {
    "text": "Texte",
    "integer": "Nombre entier",
    "decimal": "Nombre (virgule acceptée : 12,5)",
    "date": "Date jj/mm/aaaa",
    "phone": "Téléphone malien : 8 chiffres, avec ou sans +223",
    "nina": "NINA : 14 chiffres puis une lettre",
    "choice": "Une valeur de la liste",
    "boolean": "Oui ou Non",
}


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str
    kind: str = "text"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    choices: Mapping[str, str] | Sequence | None = None
    width: float = 18
    options: Mapping[str, Any] = field(default_factory=dict)  # e.g. max_length, min_value
    help: str = ""
    parser: Callable[[Any], tuple[Any, str | None]] | None = None
    # A choice column: usual spellings {spelling: code}, words a cell may start with and that
    # tell nothing ("Région de", "Série"), the French text of what is expected.
    aliases: Mapping[str, Any] = field(default_factory=dict)
    noise: tuple[str, ...] = ()
    expected: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"column {self.key!r}: a choice column needs choices")

    def parse(self, value: Any) -> tuple[Any, str | None]:
        return self.parse_cell(value)

    @cached_property
    def parse_cell(self) -> Callable[[Any], tuple[Any, str | None]]:
        """The column's parser, built once (a 100,000-row import calls it for every cell)."""
        return self.parser if self.parser is not None else self._default_parser()

    def _default_parser(self) -> Callable[[Any], tuple[Any, str | None]]:
        opts = dict(self.options)
        if self.kind == "text":
            return partial(parsers.parse_text, **opts)
        if self.kind == "integer":
            return partial(parsers.parse_integer, **opts)
        if self.kind == "decimal":
            return partial(parsers.parse_decimal, **opts)
        if self.kind == "date":
            return parsers.parse_date
        if self.kind == "phone":
            return parsers.parse_phone_ml
        if self.kind == "nina":
            return parsers.parse_nina
        if self.kind == "boolean":
            return parsers.parse_boolean
        return parsers.choice_parser(self.choices, self.aliases, self.noise, self.expected)

    def choice_labels(self) -> list[str]:
        if not self.choices:
            return []
        if isinstance(self.choices, Mapping):
            return [str(label) for label in self.choices.values()]
        return [str(c[1]) if isinstance(c, (tuple, list)) and len(c) == 2 else str(c) for c in self.choices]


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: Sequence[ColumnSpec]
    header_search_rows: int = 20

    def column(self, key: str) -> ColumnSpec:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)


def _error(sheet, row, column, value, message, column_index=None, key=None) -> dict:
    return {
        "sheet": sheet,
        "row": row,
        "column": column,
        "value": value,
        "message": message,
        "column_index": column_index,
        "key": key,
    }


def validate_rows(rows: Sequence[Sequence[Any]], spec: SheetSpec, sheet: str | None = None,
                  header: HeaderMatch | None = None) -> tuple[list[dict], list[dict]]:
    """Parses every data row below the header row.

    `rows[i]` is Excel row i + 1 (as given by reader.read_sheet). Returns (records, errors):
    records are the rows without any error, as {key: value, "_row": excel row number}; errors
    are dicts with sheet, row (Excel row number), column (French header), value, message (in
    French), plus column_index (0-based) and key for the error report. A missing header row or
    missing required columns give errors and no records. Blank rows are skipped.
    """
    errors: list[dict] = []
    records = list(iter_records(rows, spec, errors, sheet, header=header))
    return records, errors


def _lookalikes(header: HeaderMatch, title: str) -> str:
    near = [q for q in header.questions if title in q["columns"]]
    if not near:
        return ""
    cells = ", ".join(f"« {q['header']} » (colonne {q['letter']})" for q in near)
    return f" Elle ressemble à {cells} : renommez l'en-tête en « {title} »."


def iter_records(rows: Sequence[Sequence[Any]], spec: SheetSpec, errors: list[dict],
                 sheet: str | None = None, consume: bool = False,
                 header: HeaderMatch | None = None) -> Iterator[dict]:
    """validate_rows one record at a time: a big import turns each record into its compact
    insert values at once instead of holding 100,000 dicts. Errors are appended to `errors`.

    The rows are validated by blocks of _BLOCK_ROWS rows, column by column (see _ColumnMemo):
    a 100,000-row sheet has 1.6 million cells, and calling a parser on each of them was most
    of an import's time. Records, errors and their order are those of a row-by-row reading.

    With `consume` (a list of rows the caller needs no more: an import's commit), each block's
    rows are replaced by None once read, so that the sheet's memory is given back while the
    import writes."""
    sheet_name = sheet or spec.name
    if header is None:
        header = resolve_header(rows, spec, spec.header_search_rows)
    header_index = header.index
    if header_index is None:
        expected = ", ".join(f"« {c.header} »" for c in spec.columns if c.required) or \
            ", ".join(f"« {c.header} »" for c in spec.columns)
        errors.append(_error(sheet_name, None, None, None,
                             "Ligne d'en-têtes introuvable dans les "
                             f"{spec.header_search_rows} premières lignes de la feuille « {sheet_name} ». "
                             f"Colonnes attendues : {expected}."))
        return
    mapping, missing = header.mapping, header.missing
    if missing:
        errors.extend(
            _error(sheet_name, header_index + 1, title, None,
                   f"Colonne obligatoire absente : « {title} »." + _lookalikes(header, title))
            for title in missing
        )
        return
    present = [c for c in spec.columns if c.key in mapping]
    cols = [mapping[c.key] for c in present]
    memos = [_ColumnMemo(c.parse_cell, c.required) for c in present]
    absent = [c.key for c in spec.columns if c.key not in mapping]
    # A record is dict(zip(record_keys, cells)): the present keys, "_row", then the absent ones.
    record_keys = [c.key for c in present] + ["_row"] + absent
    absent_cells = [repeat(None)] * len(absent)
    for start in range(header_index + 1, len(rows), _BLOCK_ROWS):
        block = rows[start:start + _BLOCK_ROWS]
        if consume:
            rows[start:start + len(block)] = [None] * len(block)
        raws = _block_columns(block, cols)
        excel_rows: Sequence[int] = range(start + 1, start + 1 + len(block))
        blank = _blank_positions(raws, len(block))
        if blank:
            keep = [True] * len(block)
            for i in blank:
                keep[i] = False
            raws = [list(compress(raw, keep)) for raw in raws]
            excel_rows = list(compress(excel_rows, keep))
        n = len(excel_rows)
        if not n:
            continue
        values: list[list] = []
        bad: set[int] = set()  # positions of the rows in error
        for memo, raw in zip(memos, raws):
            column_values, column_bad = memo.parse_block(raw)
            values.append(column_values)
            bad.update(column_bad)
        records = map(dict, map(zip, repeat(record_keys), zip(*values, excel_rows, *absent_cells)))
        done = 0
        for i in sorted(bad):
            # The valid rows before this one first: errors and records interleave as row by row.
            yield from islice(records, i - done)
            next(records)
            done = i + 1
            for column, col, raw in zip(present, cols, raws):
                raw = raw[i]
                value, message = column.parse_cell(raw)  # again: errors are few, parsers pure
                if message is None and value is None and column.required:
                    message = f"Valeur obligatoire manquante pour « {column.header} »."
                if message:
                    errors.append(_error(sheet_name, excel_rows[i], column.header, raw, message, col,
                                         column.key))
        yield from records


# Rows validated together: big enough for column-wise work to pay, small enough that a block's
# cells (a few lists of this length per column) weigh little next to the sheet itself.
_BLOCK_ROWS = 4096
# A column stops being memoised when a block brings more new values than this share of its
# filled cells (NINA, phone, passport: one value per applicant; looking them up would only add
# work). Not lower: the first block of a birth-date column is ~70 % new values, the next ones
# fewer and fewer ...
_MEMO_MAX_NEW_SHARE = 0.8
# ... or when its table holds this many values: memory stays bounded whatever the sheet holds.
_MEMO_MAX_ENTRIES = 50_000

_VALUE, _MESSAGE = itemgetter(0), itemgetter(1)
_NUMBER_TYPES = frozenset({bool, int, float})
# Cell types whose equal values are the same value to a parser (see _ColumnMemo._keys_are_safe).
_KEYABLE_TYPES = frozenset({str, type(None), bool, int, float, dt.date, dt.datetime, dt.time})


def _block_columns(block: Sequence[Sequence[Any]], cols: list[int]) -> list[list]:
    """The block's cells, one list per mapped column; a short row's missing cells are None."""
    try:
        lengths = list(map(len, block))
    except TypeError:  # a None row: blank, as an empty one
        block = [row or () for row in block]
        lengths = list(map(len, block))
    shortest = min(lengths, default=0)
    return [list(map(itemgetter(c), block)) if c < shortest else
            # calamine drops a row's trailing empty cells, and leaves blank rows empty
            [row[c] if c < length else None for row, length in zip(block, lengths)]
            for c in cols]


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_positions(raws: list[list], n: int) -> list[int]:
    """Positions of the block's blank rows (every mapped cell None or spaces), which are skipped.
    The first column usually settles it: it is seldom blank, so few candidates remain."""
    candidates: list[int] | None = None  # None: every row
    for raw in raws:
        if candidates is None:
            try:
                blanks = {value for value in set(raw) if _is_blank(value)}
            except TypeError:  # an unhashable cell
                candidates = [i for i, value in enumerate(raw) if _is_blank(value)]
            else:
                candidates = list(compress(range(n), map(blanks.__contains__, raw))) if blanks else []
        else:
            candidates = [i for i in candidates if _is_blank(raw[i])]
        if not candidates:
            return []
    return list(range(n)) if candidates is None else candidates


class _ColumnMemo:
    """One column's parser, applied to a block's cells at once.

    Most columns repeat a few values (sex, region, diploma, offer codes, years, names, dates):
    each distinct value is parsed once and its value kept, the cells then being dict look-ups
    done in C. Parsers are pure, so a kept result is the one a new call would give. A column
    whose values are mostly new (NINA, phone) is simply mapped through its parser."""

    __slots__ = ("parse", "required", "values", "bad", "types", "active")

    def __init__(self, parse: Callable[[Any], tuple[Any, str | None]], required: bool):
        self.parse = parse
        self.required = required
        self.values: dict[Any, Any] = {}  # cell -> parsed value
        self.bad: set = set()  # the cells that put their row in error
        self.types: set[type] = set()  # the types of the kept cells
        self.active = True

    def parse_block(self, raw: list) -> tuple[list, list[int]]:
        """The parsed values of the cells, and the positions of the cells that put their row in
        error: a message, or no value in a required column."""
        if self.active:
            try:
                distinct = set(raw)
            except TypeError:  # an unhashable cell: parsed one by one
                distinct = None
            if distinct is not None:
                types = self.types | set(map(type, raw))  # not distinct's: {1, True} == {1}
                if self._keys_are_safe(types, distinct):
                    return self._memoised(raw, distinct, types)
        results = list(map(self.parse, raw))
        values = list(map(_VALUE, results))
        bad = []
        if any(map(_MESSAGE, results)):
            bad.extend(compress(range(len(raw)), map(_MESSAGE, results)))
        if self.required and None in values:
            bad.extend(compress(range(len(raw)), map(is_, values, repeat(None))))
        return values, bad

    def _memoised(self, raw: list, distinct: set, types: set[type]) -> tuple[list, list[int]]:
        known, bad, parse, required = self.values, self.bad, self.parse, self.required
        new = distinct.difference(known)
        for cell in new:
            value, message = parse(cell)
            known[cell] = value
            if message or (required and value is None):
                bad.add(cell)
        self.types = types
        values = list(map(known.__getitem__, raw))
        in_block = bad.intersection(distinct) if bad else None
        positions = list(compress(range(len(raw)), map(in_block.__contains__, raw))) if in_block else []
        # Share of the filled cells: a passport column, half empty, is as unique as NINA.
        filled = len(raw) - raw.count(None)
        if len(new) > _MEMO_MAX_NEW_SHARE * filled or len(known) > _MEMO_MAX_ENTRIES:
            self.active, self.values, self.bad = False, {}, set()
        return values, positions

    @staticmethod
    def _keys_are_safe(types: set[type], distinct: set) -> bool:
        """Whether a dict keyed by the raw cells can't give a cell the result of an equal but
        different one. 1 == 1.0 == True, yet parse_text gives "1" or "Oui"; -0.0 == 0.0, yet
        parse_decimal gives Decimal("-0.0") or Decimal("0.0"); two aware datetimes of the same
        instant are equal, with different texts. Such blocks (rare) are parsed cell by cell.
        A float NaN, unequal to itself, is found by identity: the table's key is the cell."""
        if not types <= _KEYABLE_TYPES or len(types & _NUMBER_TYPES) > 1:
            return False
        if float in types and 0.0 in distinct:
            return False
        if dt.datetime in types or dt.time in types:
            return all(value.tzinfo is None for value in distinct
                       if type(value) is dt.datetime or type(value) is dt.time)
        return True
