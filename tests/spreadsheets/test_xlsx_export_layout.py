"""write_table's layout, pure (issue 15): widths from a sample of the first rows (the rows are
streamed, never read twice), capped; number formats given or guessed from the header; print
setup; the header wraps rather than widening a narrow column."""
import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from quota_app.spreadsheets import writer
from quota_app.spreadsheets.writer import (
    MAX_WIDTH, PERCENT_FORMAT, TWO_DECIMALS_FORMAT, ExportColumn, column_format, write_table,
)


@pytest.mark.parametrize("header, expected", [
    ("Taux de remplissage", PERCENT_FORMAT), ("Part des femmes (%)", PERCENT_FORMAT), ("Réussite %", PERCENT_FORMAT),
    ("Moyenne /20", TWO_DECIMALS_FORMAT), ("Note finale (/20)", TWO_DECIMALS_FORMAT), ("Moy.", TWO_DECIMALS_FORMAT),
    ("Places", None), ("Rang", None), ("Date de départ", None), ("Nom", None),
    (ExportColumn("Coefficient", number_format="0.000"), "0.000"),
])
def test_column_format(header, expected):
    assert column_format(header) == expected


def rows_of(n):
    for i in range(n):
        yield (f"Nom {i}", "Développement Digital — ISTA NTIC Sidi Maârouf" if i == 3 else "Court",
               Decimal("13.5"), 0.125, dt.date(2004, 1, 2), i, "x" * 200 if i == 1 else "y", "après" if i < 8 else "z" * 90)


def test_widths_numbers_and_print_setup(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "SAMPLE_ROWS", 6)
    path = tmp_path / "e.xlsx"
    columns = ["Nom", "Filière et établissement", "Moyenne /20", "Taux de remplissage", "Né le", "N°", "Texte long",
               ExportColumn("Après l'échantillon", width=12)]
    assert write_table(path, "Liste", columns, rows_of(50)) == 50
    wb = load_workbook(path)
    ws = wb.active
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGH"}
    assert widths["B"] == len("Développement Digital — ISTA NTIC Sidi Maârouf") + 2
    assert widths["G"] == MAX_WIDTH  # capped
    assert widths["H"] == len("Après l'échantillon") + 3  # a long value after the sample does not widen it: one pass only
    assert 6 <= widths["F"] <= 8 and widths["E"] == 12  # a date: 10 characters + 2
    assert ws["C4"].number_format == TWO_DECIMALS_FORMAT and ws["C53"].number_format == TWO_DECIMALS_FORMAT
    assert ws["D4"].number_format == PERCENT_FORMAT and ws["D4"].value == 0.125
    assert ws["F4"].number_format == "General" and ws["E4"].number_format == "dd/mm/yyyy"
    assert ws["B3"].alignment.wrap_text and ws["A3"].font.b
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.auto_filter.ref == "A3:H53" and ws.freeze_panes == "A4"


def test_an_empty_export_is_sized_by_its_headers(tmp_path):
    path = tmp_path / "vide.xlsx"
    assert write_table(path, "Rien", ["Nom", "Justification de l'ajustement par le président du comité"], iter(())) == 0
    ws = load_workbook(path).active
    assert ws.column_dimensions["A"].width == 6 and ws.column_dimensions["B"].width == writer.HEADER_WIDTH_MAX + 3
