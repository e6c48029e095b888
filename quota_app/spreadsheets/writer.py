"""Exports (streamed, constant memory) and import templates.

Formula injection: every string cell goes through `safe_value`. A string starting with
= + - @, a tab or a carriage return is prefixed with a single quote and written as text
(data_type "s"), so neither Excel nor a CSV conversion runs it. Plain signed numbers written
as text ("-12", "+22376123456") are left alone: they cannot carry a formula, and prefixing
phone numbers would spoil every export.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import IO, Any, Iterable, Sequence, Union

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..timeutil import utcnow
from .spec import KIND_HINTS

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INLINE_LIST_LIMIT = 255  # Excel's limit on an inline list formula
TEMPLATE_ROWS = 1000
LISTS_SHEET = "Listes"


def safe_value(value: Any) -> Any:
    """Neutralises strings that a spreadsheet could run as a formula; other values unchanged.

    Control characters that XML cannot hold (and openpyxl refuses) are dropped first.
    """
    if isinstance(value, str):
        if not value.isprintable():  # only then can it hold a control character (fast path)
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(DANGEROUS_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
            return "'" + value
    return value


def _text_cell(ws, value: str, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    cell.value = value
    cell.data_type = "s"  # never "f", whatever the text looks like
    for name, attr in style.items():
        setattr(cell, name, attr)
    return cell


def export_cell(ws, value: Any) -> Any:
    """A value ready for a write-only row: dates formatted, numbers numeric, text neutralised."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # Excel has no time zones; Bamako time is UTC
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATETIME_FORMAT if value.time() != dt.time() else DATE_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, (int, float, Decimal)):
        return value
    if not isinstance(value, str):
        value = str(value)
    # After safe_value no string starts with "=", the only prefix openpyxl turns into a formula,
    # so a plain str is written as text (data_type "s") without the cost of a cell object.
    return safe_value(value)


def _row_converter(ws):
    """`convert(row)` gives export_cell's values for a whole row, cheaply: a write-only append
    writes the row out before it returns, so each date column reuses one pre-styled cell
    instead of building a styled cell (and its style lookups) per date."""
    date_cells: dict[tuple[int, str], WriteOnlyCell] = {}

    def date_cell(column: int, value, number_format: str) -> WriteOnlyCell:
        cell = date_cells.get((column, number_format))
        if cell is None:
            cell = date_cells[(column, number_format)] = WriteOnlyCell(ws)
            cell.number_format = number_format
        cell.value = value
        return cell

    def convert(row: Sequence[Any]) -> list:
        out = []
        for column, value in enumerate(row):
            kind = type(value)
            if kind is str:  # the most common cell; safe_value inlined for the clean case
                out.append(value if value.isprintable() and not value.startswith(DANGEROUS_PREFIXES)
                           else safe_value(value))
            elif value is None or kind is int or kind is float or kind is Decimal:
                out.append(value)
            elif kind is dt.date:
                out.append(date_cell(column, value, DATE_FORMAT))
            elif kind is dt.datetime and value.tzinfo is None:
                out.append(date_cell(column, value,
                                     DATETIME_FORMAT if value.time() != dt.time() else DATE_FORMAT))
            else:  # booleans, aware datetimes, other types: the general path
                out.append(export_cell(ws, value))
        return out

    return convert


def _column_header(column) -> str:
    return column if isinstance(column, str) else column.header


def _column_width(column) -> float:
    return 18 if isinstance(column, str) else getattr(column, "width", 18) or 18


def write_table(
    target: Union[str, IO[bytes]],
    title: str,
    columns: Sequence,
    rows: Iterable[Sequence[Any]],
    exported_at: dt.datetime | None = None,
    sheet_title: str = "Export",
) -> int:
    """Streams an export: title row, export time, bold frozen header with filters, then rows.

    `columns` are ColumnSpec-like objects (header, width) or plain header strings; `rows` may be
    a generator (memory stays constant: openpyxl's write-only mode). `exported_at` is naive UTC,
    which is Bamako time. Returns the number of data rows written.
    """
    exported_at = exported_at or utcnow()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    width = max(len(columns), 1)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = _column_width(column)
    header_row = 3
    ws.freeze_panes = f"A{header_row + 1}"

    ws.append([_text_cell(ws, safe_value(title), font=Font(bold=True, size=14))])
    ws.append([_text_cell(
        ws, f"Exporté le {exported_at:%d/%m/%Y à %H:%M} (heure de Bamako, UTC)",
        font=Font(italic=True),
    )])
    ws.append([
        _text_cell(ws, safe_value(_column_header(c)), font=Font(bold=True), fill=HEADER_FILL)
        for c in columns
    ])
    count = 0
    convert = _row_converter(ws)
    for row in rows:
        ws.append(convert(row))
        count += 1
    last_row = header_row + count
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(width)}{last_row}"
    wb.save(target)
    return count


# --- templates ---------------------------------------------------------------------------------

def _inline_list(labels: list[str]) -> str | None:
    if any("," in label or '"' in label for label in labels):
        return None
    formula = '"' + ",".join(labels) + '"'
    return formula if len(formula) <= INLINE_LIST_LIMIT else None


def build_template(spec, instructions_fr: str | Sequence[str], rows: int = TEMPLATE_ROWS) -> Workbook:
    """An import template: the data sheet (French headers, required ones marked *, frozen,
    dropdowns for choice and yes/no columns, date columns formatted and checked), an
    "Instructions" sheet, and a hidden "Listes" sheet holding lists too long to be inline."""
    wb = Workbook()
    ws = wb.active
    ws.title = spec.name[:31]
    lists = None

    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        header = column.header + (" *" if column.required else "")
        cell = ws.cell(row=1, column=index, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[letter].width = column.width
        area = f"{letter}2:{letter}{rows + 1}"

        if column.kind in ("choice", "boolean"):
            labels = column.choice_labels() if column.kind == "choice" else ["Oui", "Non"]
            formula = _inline_list(labels)
            if formula is None:
                if lists is None:
                    lists = wb.create_sheet(LISTS_SHEET)
                    lists.sheet_state = "hidden"
                list_col = get_column_letter(index)
                lists.cell(row=1, column=index, value=column.header)
                for r, label in enumerate(labels, start=2):
                    lists.cell(row=r, column=index, value=safe_value(label)).data_type = "s"
                formula = (f"{quote_sheetname(LISTS_SHEET)}!${list_col}$2:"
                           f"${list_col}${len(labels) + 1}")
            dv = DataValidation(type="list", formula1=formula, allow_blank=True)
            dv.error = "Choisissez une valeur dans la liste."
            dv.errorTitle = column.header
            dv.showErrorMessage = True
            dv.add(area)
            ws.add_data_validation(dv)
        elif column.kind == "date":
            dv = DataValidation(type="date", operator="between",
                                formula1="DATE(1900,1,1)", formula2="DATE(2100,12,31)",
                                allow_blank=True)
            dv.error = "Saisissez une date au format jj/mm/aaaa."
            dv.errorTitle = column.header
            dv.showErrorMessage = True
            dv.add(area)
            ws.add_data_validation(dv)
            for r in range(2, rows + 2):
                ws.cell(row=r, column=index).number_format = DATE_FORMAT
        elif column.kind in ("phone", "nina"):
            # typed as text so that Excel keeps leading zeros and does not round long numbers
            for r in range(2, rows + 2):
                ws.cell(row=r, column=index).number_format = "@"
    ws.freeze_panes = "A2"

    info = wb.create_sheet("Instructions")
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 14
    info.column_dimensions["C"].width = 40
    info.column_dimensions["D"].width = 60
    info.cell(row=1, column=1, value="Instructions").font = Font(bold=True, size=14)
    lines = [instructions_fr] if isinstance(instructions_fr, str) else list(instructions_fr)
    r = 3
    for line in lines:
        info.cell(row=r, column=1, value=safe_value(line)).alignment = Alignment(wrap_text=False)
        r += 1
    r += 1
    for c, head in enumerate(("Colonne", "Obligatoire", "Format attendu", "Valeurs possibles"), 1):
        cell = info.cell(row=r, column=c, value=head)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for column in spec.columns:
        r += 1
        labels = column.choice_labels() if column.kind == "choice" else []
        shown = ", ".join(labels[:15]) + (" …" if len(labels) > 15 else "")
        hint = column.help or KIND_HINTS[column.kind]
        for c, value in enumerate((column.header, "Oui" if column.required else "Non", hint, shown), 1):
            info.cell(row=r, column=c, value=safe_value(value))
    if lists is not None:
        wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    wb.active = 0
    return wb
