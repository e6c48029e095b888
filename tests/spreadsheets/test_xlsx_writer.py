"""Exports, formula neutralisation, templates, error reports."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from quota_app.spreadsheets.error_report import ERROR_FILL, build_error_report
from quota_app.spreadsheets.reader import read_sheet
from quota_app.spreadsheets.spec import ColumnSpec, SheetSpec, validate_rows
from quota_app.spreadsheets.writer import build_template, safe_value, write_table

EXPORTED_AT = dt.datetime(2026, 3, 12, 9, 5)


@pytest.mark.parametrize("raw, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("Traoré", "Traoré"), ("a=b", "a=b"), ("", ""), ("+22376123456", "+22376123456"), ("-12", "-12"),
    ("-12,5", "-12,5"), (12, 12), (None, None), ("a\x01b\x0b", "ab"), ("\x00=1", "'=1"),
])
def test_safe_value(raw, expected):
    assert safe_value(raw) == expected


def _export(tmp_path, rows, columns=("Nom", "Date", "Note", "Divers")):
    path = tmp_path / "export.xlsx"
    count = write_table(path, "Liste principale", list(columns), rows, exported_at=EXPORTED_AT)
    return path, count


def test_export_layout(tmp_path):
    columns = [ColumnSpec("n", "Nom", width=30), ColumnSpec("d", "Date", width=12), "Note", "Divers"]
    rows = ((f"Candidat {i}", dt.date(2001, 1, 1) + dt.timedelta(days=i), i + 0.5, None) for i in range(50))
    path, count = _export(tmp_path, rows, columns)
    assert count == 50
    ws = load_workbook(path).active
    assert ws["A1"].value == "Liste principale" and ws["A1"].font.b
    assert ws["A2"].value == "Exporté le 12/03/2026 à 09:05 (heure de Bamako, UTC)"
    assert [c.value for c in ws[3]] == ["Nom", "Date", "Note", "Divers"]
    assert all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:D53"
    assert ws.column_dimensions["A"].width == 30 and ws.column_dimensions["B"].width == 12
    assert ws["B4"].is_date and ws["B4"].number_format == "dd/mm/yyyy"
    assert ws["B4"].value == dt.datetime(2001, 1, 1)
    assert ws["C4"].data_type == "n" and ws["C4"].value == 0.5


def test_export_types(tmp_path):
    paris = dt.timezone(dt.timedelta(hours=1))
    rows = [["Awa", dt.datetime(2026, 3, 1, 14, 30), Decimal("12.25"), True],
            ["Moussa", dt.datetime(2026, 3, 1, 15, 30, tzinfo=paris), 7, False]]
    path, _ = _export(tmp_path, iter(rows))
    ws = load_workbook(path).active
    assert ws["B4"].number_format == "dd/mm/yyyy hh:mm"
    assert ws["B5"].value == dt.datetime(2026, 3, 1, 14, 30)  # shown in Bamako time (UTC)
    assert ws["C4"].value == 12.25 and ws["C5"].value == 7
    assert ws["D4"].value == "Oui" and ws["D5"].value == "Non"


def test_exported_formula_comes_back_as_text(tmp_path):
    payloads = ["=1+1", '=HYPERLINK("http://evil","clic")', "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1+1"]
    path, _ = _export(tmp_path, ([p, None, None, None] for p in payloads))
    wb = load_workbook(path)
    ws = wb.active
    for row, payload in enumerate(payloads, start=4):
        cell = ws.cell(row=row, column=1)
        assert cell.data_type == "s"
        assert cell.value == "'" + payload
    # read back through the importer: text, never a formula or its result
    sheet = read_sheet(path)
    assert [r[0] for r in sheet.rows[3:]] == ["'" + p for p in payloads]
    assert b"<f>" not in _sheet_bytes(path)


def _sheet_bytes(path):
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


def test_export_to_a_stream_with_a_generator(tmp_path):
    consumed = []

    def rows():
        for i in range(1000):
            consumed.append(i)
            yield [f"n{i}", None, i, None]

    buffer = io.BytesIO()
    count = write_table(buffer, "Stats", ["Nom", "Date", "Rang", "Divers"], rows(), exported_at=EXPORTED_AT)
    assert count == 1000 and len(consumed) == 1000
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert ws.max_row == 1003 and ws["C1003"].value == 999


def test_export_without_rows(tmp_path):
    path, count = _export(tmp_path, [])
    assert count == 0
    assert load_workbook(path).active.auto_filter.ref == "A3:D3"


REGIONS = {f"{i:02d}": f"Région numéro {i}" for i in range(20)}
SPEC = SheetSpec("Candidats", [
    ColumnSpec("last_name", "Nom", required=True, width=25),
    ColumnSpec("birth_date", "Date de naissance", kind="date", required=True),
    ColumnSpec("sex", "Sexe", kind="choice", choices={"F": "Féminin", "M": "Masculin"}),
    ColumnSpec("region", "Région", kind="choice", choices=REGIONS),
    ColumnSpec("boarding", "Internat", kind="boolean"),
    ColumnSpec("phone", "Téléphone", kind="phone"),
])


def test_template(tmp_path):
    wb = build_template(SPEC, ["Une ligne par candidat.", "=ne pas exécuter"])
    path = tmp_path / "modele.xlsx"
    wb.save(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Candidats", "Instructions", "Listes"]
    assert wb["Listes"].sheet_state == "hidden"
    ws = wb["Candidats"]
    assert [c.value for c in ws[1]] == ["Nom *", "Date de naissance *", "Sexe", "Région", "Internat", "Téléphone"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and ws.column_dimensions["A"].width == 25
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert validations["C2:C1001"].type == "list"
    assert validations["C2:C1001"].formula1 == '"Féminin,Masculin"'
    assert validations["D2:D1001"].formula1 == "'Listes'!$D$2:$D$21"  # too long to be inline
    assert [wb["Listes"].cell(row=r, column=4).value for r in (2, 21)] == ["Région numéro 0", "Région numéro 19"]
    assert validations["E2:E1001"].formula1 == '"Oui,Non"'
    assert validations["B2:B1001"].type == "date"
    assert ws["B2"].number_format == "dd/mm/yyyy" and ws["F2"].number_format == "@"
    info = wb["Instructions"]
    texts = [c.value for row in info.iter_rows() for c in row if c.value]
    assert "Une ligne par candidat." in texts and "'=ne pas exécuter" in texts
    assert "Date jj/mm/aaaa" in texts


def test_filled_template_imports(tmp_path):
    wb = build_template(SPEC, "Remplissez.")
    ws = wb["Candidats"]
    values = ["Traoré", dt.date(2001, 5, 4), "Féminin", "Région numéro 3", "Oui", "76123456"]
    for col, value in enumerate(values, start=1):
        ws.cell(row=2, column=col, value=value)
    wb.save(tmp_path / "rempli.xlsx")
    records, errors = validate_rows(read_sheet(tmp_path / "rempli.xlsx").rows, SPEC)
    assert errors == []
    assert len(records) == 1
    assert records[0] == {"_row": 2, "last_name": "Traoré", "birth_date": dt.date(2001, 5, 4),
                          "sex": "F", "region": "03", "boarding": True, "phone": "+22376123456"}


def test_error_report(tmp_path):
    rows = [["Saisie"], [], ["Nom", "Date de naissance", "Sexe"],
            ["Traoré", "31/02/2001", "F"], ["=cmd|' /C calc'!A0", "01/01/2000", "X"], ["Diarra", "01/01/2000", "M"]]
    spec = SheetSpec("Candidats", SPEC.columns[:3])
    records, errors = validate_rows(rows, spec)
    assert len(records) == 1 and len(errors) == 2
    wb = build_error_report(rows, errors, sheet_name="Candidats")
    out = tmp_path / "erreurs.xlsx"
    wb.save(out)
    wb = load_workbook(out)
    ws = wb["Candidats"]
    assert ws["D3"].value == "Erreurs" and ws["D3"].font.b
    assert ws["B4"].fill.fgColor.rgb.endswith(ERROR_FILL.fgColor.rgb[-6:])
    assert ws["A4"].fill.fill_type is None
    assert ws["D4"].value == "Date de naissance : Date inexistante : « 31/02/2001 »."
    assert ws["D5"].value.startswith("Sexe : Valeur non reconnue : « X »")
    assert ws["D6"].value is None
    assert ws["A5"].value.startswith("'=") and ws["A5"].data_type == "s"
    listing = wb["Liste des erreurs"]
    assert [c.value for c in listing[1]] == ["Feuille", "Ligne", "Colonne", "Valeur", "Message"]
    assert [c.value for c in listing[2]][:4] == ["Candidats", 4, "Date de naissance", "31/02/2001"]


def test_error_report_missing_columns(tmp_path):
    rows = [["Liste"], ["Nom", "Sexe"], ["Traoré", "F"]]
    records, errors = validate_rows(rows, SPEC)
    wb = build_error_report(rows, errors)
    ws = wb.active
    assert ws["C2"].value == "Erreurs\nColonne obligatoire absente : « Date de naissance »."
    records, errors = validate_rows([["rien"]], SPEC)
    ws = build_error_report([["rien"]], errors).active
    assert ws["B1"].value.startswith("Erreurs\nLigne d'en-têtes introuvable")
