"""Error report of a dry run: the original rows, an "Erreurs" column, bad cells highlighted.

The first sheet copies the rows as they were read (same Excel row numbers, so the user finds
each line where it was) with an extra "Erreurs" column at the right holding that row's French
messages; each cell named by an error is filled in light red. Its title « Erreurs » goes on the
header row (never on a data row), and only the header row is frozen: the rows above it (a
title, a blank line) are scrolled out of the frozen pane. A second sheet lists every error
(Feuille, Ligne, Colonne, Valeur, Message); a « Conflits » sheet gives each conflict's stored and
file values, and « Colonnes à vérifier » the header cells that were guessed, questioned or
ignored. Every value goes through `safe_value`: the file being reported on may itself contain
formula payloads.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.views import Pane

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


CONFLICT_FILL = PatternFill("solid", fgColor="FFEB9C")


def _looks_like_header(row: Sequence[Any]) -> bool:
    filled = [v for v in row if v is not None]
    return len(filled) >= 2 and all(isinstance(v, str) for v in filled)


def guess_header_row(rows: Sequence[Sequence[Any]], errors: Sequence[dict]) -> int | None:
    """Excel number of the header row when the caller does not know it: the row of an error
    on a missing column, else the first row of texts (two cells or more) above the first row
    in error."""
    header_rows = [e["row"] for e in errors if e.get("column_index") is None and e.get("row")]
    if header_rows:
        return min(header_rows)
    data_rows = [e["row"] for e in errors if e.get("column_index") is not None and e.get("row")]
    limit = min(data_rows) - 1 if data_rows else len(rows)
    for index, row in enumerate(rows[:limit], start=1):
        if row and _looks_like_header(row):
            return index
    return None


def freeze_header(ws, header_row: int) -> None:
    """Freezes the header row only: with rows above it, the view starts at the header row and
    the frozen pane is that one row (Excel's topLeftCell + ySplit=1)."""
    if header_row <= 1:
        ws.freeze_panes = "A2"
        return
    view = ws.sheet_view
    view.topLeftCell = f"A{header_row}"
    view.pane = Pane(xSplit=None, ySplit=1, topLeftCell=f"A{header_row + 1}", activePane="bottomLeft",
                     state="frozen")
    view.selection[0].pane = "bottomLeft"
    view.selection[0].activeCell = f"A{header_row + 1}"
    view.selection[0].sqref = f"A{header_row + 1}"


def _listing(wb, title: str, heads: Sequence[str], widths: Sequence[float], lines: Sequence[Sequence[Any]]):
    ws = wb.create_sheet(title)
    for col, head in enumerate(heads, start=1):
        cell = ws.cell(row=1, column=col, value=head)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    for r, values in enumerate(lines, start=2):
        for col, value in enumerate(values, start=1):
            if value is not None and value != "":
                _put(ws, r, col, value if isinstance(value, (str, int, float, dt.date)) else str(value))
    ws.freeze_panes = "A2"
    if lines:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{len(lines) + 1}"
    return ws


def build_error_report(rows: Sequence[Sequence[Any]], errors: Sequence[dict],
                       sheet_name: str = "Données", header_row: int | None = None,
                       conflicts: Sequence[dict] = (), columns: dict | None = None) -> Workbook:
    """`rows[i]` is Excel row i + 1; `errors` as returned by spec.validate_rows.

    `header_row` (Excel number): the sheet's header row, where the "Erreurs" title goes and the
    only row frozen; by default guessed (guess_header_row), and without one the title goes on
    row 1 and nothing is frozen. `conflicts`: the import's conflicts (with their "changes":
    field, old, new); `columns`: HeaderMatch.notes() (guessed, questions, ignored).
    """
    by_row: dict[int | None, list[dict]] = defaultdict(list)
    for error in errors:
        by_row[error.get("row")].append(error)

    width = max((len(r) for r in rows if r), default=0)
    for error in errors:
        if error.get("column_index") is not None:
            width = max(width, error["column_index"] + 1)
    width = max(width, 1)
    errors_col = width + 1

    if header_row is None:
        header_row = guess_header_row(rows, errors)
    title_row = header_row or 1

    wb = Workbook()
    ws = wb.active
    ws.title = (sheet_name or "Données")[:31]
    for index, row in enumerate(rows, start=1):
        if not row:
            continue
        for col, value in enumerate(row, start=1):
            if value is not None:
                _put(ws, index, col, value)

    ws.column_dimensions[get_column_letter(errors_col)].width = 60
    if None in by_row:  # sheet-level errors (no header row found) go on the header row
        by_row[title_row] = by_row.pop(None) + by_row.get(title_row, [])
    conflict_rows = {c.get("row"): c for c in conflicts if c.get("row")}
    for excel_row in sorted(set(by_row) | set(conflict_rows)):
        row_errors = by_row.get(excel_row, [])
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
        conflict = conflict_rows.get(excel_row)
        if conflict is not None and excel_row != title_row:
            shown = "; ".join(f"{c['field']} : « {c['old']} » → « {c['new']} »" for c in conflict.get("changes", ()))
            messages.append(f"Conflit avec le dossier déjà enregistré ({shown or ', '.join(conflict.get('fields', ()))})"
                            " : voir la feuille « Conflits ».")
        lines = (["Erreurs"] if excel_row == title_row else []) + messages
        cell = _put(ws, excel_row, errors_col, "\n".join(lines))
        cell.font = ERROR_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if conflict is not None and not row_errors:
            cell.fill = CONFLICT_FILL
    title = ws.cell(row=title_row, column=errors_col)
    if title.value is None:
        title.value = "Erreurs"
    title.font = Font(bold=True, color="9C0006" if title_row in by_row else None)
    title.fill = HEADER_FILL
    if header_row is not None and header_row < max(ws.max_row, 1):
        freeze_header(ws, header_row)

    _listing(wb, "Liste des erreurs", ("Feuille", "Ligne", "Colonne", "Valeur", "Message"), (16, 8, 24, 24, 80),
             [(e.get("sheet"), e.get("row"), e.get("column"), e.get("value"), e.get("message")) for e in errors])
    if conflicts:
        _listing(wb, "Conflits", ("Feuille", "Ligne", "Identifiant", "Valeur", "Champ", "Valeur enregistrée",
                                  "Valeur du fichier", "Appliquée"), (16, 8, 14, 20, 20, 30, 30, 11),
                 [(c.get("sheet"), c.get("row"), c.get("key"), c.get("value"), change["field"], change["old"],
                   change["new"], "Oui" if c.get("apply") else "Non")
                  for c in conflicts for change in (c.get("changes") or
                                                    [{"field": f, "old": "", "new": ""} for f in c.get("fields", ())])])
    notes = columns or {}
    unread = ([(g["letter"], g["header"], f"lue comme « {g['column']} »", "À vérifier") for g in notes.get("guessed", ())]
              + [(q["letter"], q["header"], "ressemble à " + " ou ".join(f"« {c} »" for c in q["columns"]),
                  "Non lue : renommez l'en-tête") for q in notes.get("questions", ())]
              + [(i["letter"], i["header"], "", "Ignorée") for i in notes.get("ignored", ())])
    if unread:
        _listing(wb, "Colonnes à vérifier", ("Colonne", "En-tête du fichier", "Rapprochement", "Suite donnée"),
                 (10, 30, 40, 30), sorted(unread, key=lambda line: (len(line[0]), line[0])))
    return wb
