"""Error report of a dry run: the original rows, an "Erreurs" column, bad cells highlighted.

The first sheet copies the rows as they were read (same Excel row numbers, so the user finds
each line where it was) with an extra "Erreurs" column at the right holding that row's French
messages; each cell named by an error is filled in light red. A second sheet lists every error
(Feuille, Ligne, Colonne, Valeur, Message). Every value goes through `safe_value`: the file
being reported on may itself contain formula payloads.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .writer import DATE_FORMAT, DATETIME_FORMAT, HEADER_FILL, safe_value

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")


def _put(ws, row: int, column: int, value: Any):
    if isinstance(value, str):
        value = safe_value(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT if value.time() != dt.time() else DATE_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell


def build_error_report(rows: Sequence[Sequence[Any]], errors: Sequence[dict],
                       sheet_name: str = "Données", header_row: int | None = None) -> Workbook:
    """`rows[i]` is Excel row i + 1; `errors` as returned by spec.validate_rows.

    `header_row` (Excel number) is where the "Erreurs" title goes; by default the row of the
    first error on a missing column, else the row above the first row in error, else row 1.
    """
    by_row: dict[int | None, list[dict]] = defaultdict(list)
    for error in errors:
        by_row[error.get("row")].append(error)

    width = max((len(r) for r in rows), default=0)
    for error in errors:
        if error.get("column_index") is not None:
            width = max(width, error["column_index"] + 1)
    width = max(width, 1)
    errors_col = width + 1

    if header_row is None:
        header_rows = [e["row"] for e in errors if e.get("column_index") is None and e.get("row")]
        data_rows = [e["row"] for e in errors if e.get("column_index") is not None and e.get("row")]
        if header_rows:
            header_row = min(header_rows)
        elif data_rows:
            header_row = max(min(data_rows) - 1, 1)
        else:
            header_row = 1

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name[:31]
    for index, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            if value is not None:
                _put(ws, index, col, value)

    ws.column_dimensions[get_column_letter(errors_col)].width = 60
    if None in by_row:  # sheet-level errors (no header row found) go on the header row
        by_row[header_row] = by_row.pop(None) + by_row.get(header_row, [])
    for excel_row, row_errors in by_row.items():
        messages = []
        for error in row_errors:
            col_index = error.get("column_index")
            if col_index is not None:
                messages.append(f"{error['column']} : {error['message']}")
                cell = ws.cell(row=excel_row, column=col_index + 1)
                cell.fill = ERROR_FILL
                cell.font = ERROR_FONT
            else:
                messages.append(error["message"])
        lines = (["Erreurs"] if excel_row == header_row else []) + messages
        cell = _put(ws, excel_row, errors_col, "\n".join(lines))
        cell.font = ERROR_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    title = ws.cell(row=header_row, column=errors_col)
    if title.value is None:
        title.value = "Erreurs"
    title.font = Font(bold=True, color="9C0006" if header_row in by_row else None)
    title.fill = HEADER_FILL
    if header_row < ws.max_row:
        ws.freeze_panes = f"A{header_row + 1}"

    listing = wb.create_sheet("Liste des erreurs")
    heads = ("Feuille", "Ligne", "Colonne", "Valeur", "Message")
    for col, head in enumerate(heads, start=1):
        cell = listing.cell(row=1, column=col, value=head)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for col, w in zip("ABCDE", (16, 8, 24, 24, 80)):
        listing.column_dimensions[col].width = w
    for r, error in enumerate(errors, start=2):
        values = (error.get("sheet"), error.get("row"), error.get("column"),
                  error.get("value"), error.get("message"))
        for col, value in enumerate(values, start=1):
            if value is not None:
                _put(listing, r, col, value if isinstance(value, (str, int, float, dt.date)) else str(value))
    listing.freeze_panes = "A2"
    if len(errors):
        listing.auto_filter.ref = f"A1:E{len(errors) + 1}"
    return wb
