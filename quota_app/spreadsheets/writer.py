"""Exports (streamed, constant memory) and import templates.

An export is a real spreadsheet: a title, the export time, a bold header with filters frozen
under it, columns sized to their content (measured on the first SAMPLE_ROWS rows, which are
held back until the widths are known: a write-only sheet writes its column widths before its
first row, and 100,000 rows are never read twice), rates as percentages and averages with two
decimals (ExportColumn.number_format, else guessed from the header: « Taux… » is a rate,
« Moyenne… », « Note… » an average), and set up for printing: landscape, one page wide, the
header row repeated on every page, page numbers in the footer.

Formula injection: every string cell goes through `safe_value`. A string starting with
= + - @, a tab or a carriage return is prefixed with a single quote and written as text
(data_type "s"), so neither Excel nor a CSV conversion runs it. Plain signed numbers written
as text ("-12", "+22376123456") are left alone: they cannot carry a formula, and prefixing
phone numbers would spoil every export.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import IO, Any, Iterable, Sequence, Union

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

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
PERCENT_FORMAT = "0.0%"
TWO_DECIMALS_FORMAT = "0.00"
SAMPLE_ROWS = 200  # rows measured to size the columns
MIN_WIDTH, MAX_WIDTH = 6, 60  # a column's width, in characters
HEADER_WIDTH_MAX = 30  # a longer header wraps rather than widening its column
DEFAULT_WIDTH = 18


@dataclass(frozen=True)
class ExportColumn:
    """An export's column: its header, its number format (None: guessed from the header) and
    its least width (None: sized to its content)."""

    header: str
    number_format: str | None = None
    width: float | None = None


def _header_words(header: str) -> set[str]:
    from .headers import normalise_header

    return set(normalise_header(header).split())


_RATE_WORDS = {"taux", "pourcentage", "proportion", "part"}
_AVERAGE_WORDS = {"moyenne", "moy", "note", "notes", "score", "moyennes"}


def column_format(column) -> str | None:
    """The number format of a column: its own, else a rate (« Taux de remplissage », « … (%) »)
    as a percentage, an average or a score (« Moyenne /20 », « Note finale ») with two decimals."""
    explicit = getattr(column, "number_format", None)
    if explicit:
        return explicit
    header = _column_header(column)
    words = _header_words(header)
    if words & _RATE_WORDS or header.rstrip().endswith("%"):
        return PERCENT_FORMAT
    if words & _AVERAGE_WORDS:
        return TWO_DECIMALS_FORMAT
    return None


def _shown_length(value: Any, number_format: str | None) -> int:
    """About how many characters a cell shows."""
    if value is None:
        return 0
    kind = type(value)
    if kind is str:
        return max(map(len, value.split("\n"))) if "\n" in value else len(value)
    if kind is bool:
        return 3
    if kind is dt.datetime:
        return 16 if value.time() != dt.time() else 10
    if kind is dt.date:
        return 10
    if kind in (int, float) or isinstance(value, Decimal):
        if number_format == PERCENT_FORMAT:
            return len(f"{float(value) * 100:.1f}") + 2
        if number_format == TWO_DECIMALS_FORMAT:
            return len(f"{float(value):.2f}")
        return len(str(value))
    return len(str(value))


def column_widths(columns: Sequence, sample: Sequence[Sequence[Any]], formats: Sequence[str | None]) -> list[float]:
    """Each column's width: its content on the sample rows or its header (up to
    HEADER_WIDTH_MAX, a longer one wraps), at least its declared width, within MIN/MAX_WIDTH."""
    widths = []
    for index, column in enumerate(columns):
        header = _column_header(column)
        longest = max((len(word) for word in header.split()), default=0)
        wanted = max(min(len(header), HEADER_WIDTH_MAX), longest) + 3  # + the filter's button
        for row in sample:
            if index < len(row):
                wanted = max(wanted, _shown_length(row[index], formats[index]) + 2)
        declared = None if isinstance(column, str) else getattr(column, "width", None)
        if declared:
            wanted = max(wanted, declared)
        widths.append(float(min(max(wanted, MIN_WIDTH), MAX_WIDTH)))
    return widths


def print_setup(ws, header_row: int, last_column: int) -> None:
    """Landscape A4, fit to one page wide, the header row repeated on each page, page numbers."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.HeaderFooter.oddFooter.center.text = "Page &P sur &N"
    ws.HeaderFooter.oddFooter.right.text = "&A"


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


def _row_converter(ws, formats: Sequence[str | None] = ()):
    """`convert(row)` gives export_cell's values for a whole row, cheaply: a write-only append
    writes the row out before it returns, so each date column reuses one pre-styled cell
    instead of building a styled cell (and its style lookups) per date; the same for the
    numbers of a column with a number format (`formats`, by column)."""
    date_cells: dict[tuple[int, str], WriteOnlyCell] = {}
    formats = list(formats)
    number_formats = formats if any(formats) else None

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
            elif value is None:
                out.append(value)
            elif kind is int or kind is float or kind is Decimal:
                if number_formats is not None and column < len(number_formats) and number_formats[column]:
                    out.append(date_cell(column, value, number_formats[column]))
                else:
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
    return DEFAULT_WIDTH if isinstance(column, str) else getattr(column, "width", DEFAULT_WIDTH) or DEFAULT_WIDTH


def write_table(
    target: Union[str, IO[bytes]],
    title: str,
    columns: Sequence,
    rows: Iterable[Sequence[Any]],
    exported_at: dt.datetime | None = None,
    sheet_title: str = "Export",
) -> int:
    """Streams an export: title row, export time, bold frozen header with filters, then rows.

    `columns` are ExportColumn or ColumnSpec-like objects (header, width, number_format) or
    plain header strings; `rows` may be a generator (memory stays constant: openpyxl's
    write-only mode; only the first SAMPLE_ROWS rows are held, to size the columns).
    `exported_at` is naive UTC, which is Bamako time. Returns the number of data rows written.
    """
    exported_at = exported_at or utcnow()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    width = max(len(columns), 1)
    formats = [column_format(c) for c in columns]
    rows = iter(rows)
    sample = list(islice(rows, SAMPLE_ROWS))
    widths = column_widths(columns, sample, formats)
    for index, column_width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column_width
    header_row = 3
    ws.freeze_panes = f"A{header_row + 1}"
    print_setup(ws, header_row, width)

    ws.append([_text_cell(ws, safe_value(title), font=Font(bold=True, size=14))])
    ws.append([_text_cell(
        ws, f"Exporté le {exported_at:%d/%m/%Y à %H:%M} (heure de Bamako, UTC)",
        font=Font(italic=True),
    )])
    header_style = Alignment(wrap_text=True, vertical="center")
    ws.append([
        _text_cell(ws, safe_value(_column_header(c)), font=Font(bold=True), fill=HEADER_FILL,
                   alignment=header_style)
        for c in columns
    ])
    count = 0
    convert = _row_converter(ws, formats)
    for row in chain(sample, rows):
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
