"""Declarative description of an import sheet, and row validation against it.

    APPLICANTS = SheetSpec("Candidats", [
        ColumnSpec("last_name", "Nom", required=True),
        ColumnSpec("birth_date", "Date de naissance", kind="date", required=True),
        ColumnSpec("region", "Région", kind="choice", choices={"00": "District de Bamako"}),
    ])
    records, errors = validate_rows(sheet_data.rows, APPLICANTS)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, Callable, Iterator, Mapping, Sequence

from . import parsers
from .headers import find_header_row, match_columns

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
        return parsers.choice_parser(self.choices)

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


def validate_rows(rows: Sequence[Sequence[Any]], spec: SheetSpec,
                  sheet: str | None = None) -> tuple[list[dict], list[dict]]:
    """Parses every data row below the header row.

    `rows[i]` is Excel row i + 1 (as given by reader.read_sheet). Returns (records, errors):
    records are the rows without any error, as {key: value, "_row": excel row number}; errors
    are dicts with sheet, row (Excel row number), column (French header), value, message (in
    French), plus column_index (0-based) and key for the error report. A missing header row or
    missing required columns give errors and no records. Blank rows are skipped.
    """
    errors: list[dict] = []
    records = list(iter_records(rows, spec, errors, sheet))
    return records, errors


def iter_records(rows: Sequence[Sequence[Any]], spec: SheetSpec, errors: list[dict],
                 sheet: str | None = None) -> Iterator[dict]:
    """validate_rows one record at a time: a big import turns each record into its compact
    insert values at once instead of holding 100,000 dicts. Errors are appended to `errors`."""
    sheet_name = sheet or spec.name
    header_index = find_header_row(rows, spec, spec.header_search_rows)
    if header_index is None:
        expected = ", ".join(f"« {c.header} »" for c in spec.columns if c.required) or \
            ", ".join(f"« {c.header} »" for c in spec.columns)
        errors.append(_error(sheet_name, None, None, None,
                             "Ligne d'en-têtes introuvable dans les "
                             f"{spec.header_search_rows} premières lignes. Colonnes attendues : "
                             f"{expected}."))
        return
    mapping, missing = match_columns(rows[header_index], spec)
    if missing:
        errors.extend(
            _error(sheet_name, header_index + 1, header, None,
                   f"Colonne obligatoire absente : « {header} ».")
            for header in missing
        )
        return
    # Resolved once, column by column, for the columns present (the loop below runs per cell).
    present = [c for c in spec.columns if c.key in mapping]
    keys = [c.key for c in present]
    cols = [mapping[c.key] for c in present]
    parse_fns = [c.parse_cell for c in present]
    required = [i for i, c in enumerate(present) if c.required]
    absent = {c.key: None for c in spec.columns if c.key not in mapping}
    last_col = max(cols, default=-1)
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if not row:  # reader.collect_rows leaves blank rows empty
            continue
        raws = [row[c] for c in cols] if len(row) > last_col else \
            [row[c] if c < len(row) else None for c in cols]
        # parsers.is_empty inlined (this runs for every row): stops at the first filled cell.
        for raw in raws:
            if raw is not None and (not isinstance(raw, str) or raw.strip()):
                break
        else:
            continue
        values, messages = zip(*[parse(raw) for parse, raw in zip(parse_fns, raws)])
        excel_row = index + 1
        if any(messages) or None in [values[i] for i in required]:
            for column, col, raw, value, message in zip(present, cols, raws, values, messages):
                if message is None and value is None and column.required:
                    message = f"Valeur obligatoire manquante pour « {column.header} »."
                if message:
                    errors.append(_error(sheet_name, excel_row, column.header, raw, message, col, column.key))
            continue
        record = dict(zip(keys, values))
        record["_row"] = excel_row
        if absent:
            record.update(absent)
        yield record
