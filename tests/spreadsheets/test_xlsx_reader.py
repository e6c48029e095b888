"""Reading a sheet: engines, blank-row runs, row limits, formulas."""
import datetime as dt

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from quota_app.errors import ImportRejected
from quota_app.spreadsheets.reader import read_sheet
from xlsx_helpers import make_xlsx, rewrite_zip, sheet_xml, to_bytes

ENGINES = ["calamine", "openpyxl"]


@pytest.mark.parametrize("engine", ENGINES)
def test_rows_keep_excel_numbering_and_raw_values(tmp_path, engine):
    path = make_xlsx(tmp_path / "a.xlsx", [["Liste des candidats"], [], ["Nom", "Né le", "Note"],
                                           ["Traoré", dt.date(2001, 5, 4), 12]], start_row=2)
    sheet = read_sheet(path, engine=engine)
    assert sheet.engine == engine
    assert sheet.name == "Feuille1"
    assert sheet.rows[0] == [] and sheet.rows[1] == ["Liste des candidats"]
    assert sheet.rows[3] == ["Nom", "Né le", "Note"]
    name, born, score = sheet.rows[4]
    assert name == "Traoré"
    assert born in (dt.date(2001, 5, 4), dt.datetime(2001, 5, 4))
    assert score == 12 and isinstance(score, (int, float))  # raw: calamine gives 12.0
    assert sheet.excel_row(4) == 5


def test_calamine_is_the_default_engine(tmp_path):
    path = make_xlsx(tmp_path / "a.xlsx", [["x"]])
    assert read_sheet(path).engine == "calamine"
    assert read_sheet(to_bytes(path)).rows == [["x"]]
    with open(path, "rb") as fh:
        assert read_sheet(fh).rows == [["x"]]


def test_named_sheet_and_unknown_sheet(tmp_path):
    wb = Workbook()
    wb.active.title = "Notice"
    wb.active["A1"] = "lisez-moi"
    wb.create_sheet("Candidats")["A1"] = "Nom"
    wb.save(tmp_path / "b.xlsx")
    assert read_sheet(tmp_path / "b.xlsx").rows == [["lisez-moi"]]
    assert read_sheet(tmp_path / "b.xlsx", sheet="Candidats").rows == [["Nom"]]
    with pytest.raises(ImportRejected, match="« Absente » est introuvable.*Notice"):
        read_sheet(tmp_path / "b.xlsx", sheet="Absente")


@pytest.mark.parametrize("engine", ENGINES)
def test_reading_stops_after_a_run_of_blank_rows(tmp_path, engine):
    wb = Workbook()
    ws = wb.active
    ws.append(["Nom"])
    ws.append(["Awa"])
    ws.cell(row=250, column=1, value="perdu au loin")
    wb.save(tmp_path / "gap.xlsx")
    sheet = read_sheet(tmp_path / "gap.xlsx", engine=engine)
    assert sheet.rows == [["Nom"], ["Awa"]]
    assert sheet.stopped_at_blank_run
    assert read_sheet(tmp_path / "gap.xlsx", engine=engine, blank_run=300).rows[-1] == ["perdu au loin"]


@pytest.mark.parametrize("engine", ENGINES)
def test_formatted_empty_rows_do_not_count(tmp_path, engine):
    wb = Workbook()
    ws = wb.active
    ws.append(["Nom"])
    ws.append(["Awa"])
    fill = PatternFill("solid", fgColor="FFFF00")
    for r in range(3, 5003):
        ws.cell(row=r, column=1).fill = fill
    wb.save(tmp_path / "formatted.xlsx")
    sheet = read_sheet(tmp_path / "formatted.xlsx", engine=engine, max_rows=10)
    assert sheet.rows == [["Nom"], ["Awa"]]


@pytest.mark.parametrize("engine", ENGINES)
def test_too_many_rows_is_refused(tmp_path, engine):
    path = make_xlsx(tmp_path / "many.xlsx", [[i] for i in range(30)])
    assert len(read_sheet(path, engine=engine, max_rows=30).rows) == 30
    with pytest.raises(ImportRejected, match="plus de 20 lignes"):
        read_sheet(path, engine=engine, max_rows=20)


def test_wrong_dimension_is_ignored_by_openpyxl_fallback(tmp_path):
    path = make_xlsx(tmp_path / "dim.xlsx", [["Nom", "Prénom", "Ville"], ["Traoré", "Awa", "Kayes"]])

    def shrink(xml):
        return xml.replace(b'<dimension ref="A1:C2"', b'<dimension ref="A1:A1"')

    wrong = rewrite_zip(path, tmp_path / "wrong.xlsx", replace={"xl/worksheets/sheet1.xml": shrink})
    for engine in ENGINES:
        assert read_sheet(wrong, engine=engine).rows == [["Nom", "Prénom", "Ville"], ["Traoré", "Awa", "Kayes"]]


def test_formula_without_cached_value_is_refused(tmp_path):
    path = make_xlsx(tmp_path / "f.xlsx", [["Note", "Total"], [12, "=A2*2"]])
    for engine in ENGINES:
        with pytest.raises(ImportRejected, match="cellule contenant une formule sans valeur \\(B2\\)"):
            read_sheet(path, engine=engine)


def calculated(xml):
    """workbook.xml as a spreadsheet saves it after calculating: openpyxl asks for a full
    recalculation on load (its formulas have no values), Excel and LibreOffice do not."""
    assert b' fullCalcOnLoad="1"' in xml
    return xml.replace(b' fullCalcOnLoad="1"', b"")


def cache_24(xml):
    assert b"<f>A2*2</f><v />" in xml
    return xml.replace(b"<f>A2*2</f><v />", b"<f>A2*2</f><v>24</v>")


def test_formula_with_cached_value_is_read(tmp_path):
    path = make_xlsx(tmp_path / "f.xlsx", [["Note", "Total"], [12, "=A2*2"]])
    saved = rewrite_zip(path, tmp_path / "saved.xlsx", replace={
        "xl/worksheets/sheet1.xml": cache_24, "xl/workbook.xml": calculated})
    for engine in ENGINES:
        assert read_sheet(saved, engine=engine).rows[1] == [12, 24]


@pytest.mark.parametrize("flag", [b' fullCalcOnLoad="1"', b' fullCalcOnLoad="true"'])
def test_cached_value_is_refused_when_the_workbook_asks_for_recalculation(tmp_path, flag):
    # The <v> was written by a program that did not calculate (XlsxWriter writes 0 when given
    # no value): with fullCalcOnLoad no cached value is trusted, even a plausible one.
    path = make_xlsx(tmp_path / "f.xlsx", [["Note", "Total", "Nom"], [12, "=A2*2", "Awa"], [13, "=A3*2"]])

    def cache_both(xml):
        return cache_24(xml).replace(b"<f>A3*2</f><v />", b"<f>A3*2</f><v>26</v>")

    def flagged(xml):
        return calculated(xml).replace(b"<calcPr", b"<calcPr" + flag)

    saved = rewrite_zip(path, tmp_path / "saved.xlsx", replace={
        "xl/worksheets/sheet1.xml": cache_both, "xl/workbook.xml": flagged})
    for engine in ENGINES:
        with pytest.raises(ImportRejected, match=r"formule sans valeur \(B2, B3\) : .*recalculer"):
            read_sheet(saved, engine=engine)
    # the same file without formulas is read: the flag alone refuses nothing
    plain = make_xlsx(tmp_path / "plain.xlsx", [["Note", "Nom"], [12, "Awa"]])
    assert b'fullCalcOnLoad="1"' in sheet_xml(plain, "xl/workbook.xml")
    assert read_sheet(plain).rows[1] == [12, "Awa"]


def test_formula_with_empty_string_result_is_accepted(tmp_path):
    path = make_xlsx(tmp_path / "f.xlsx", [["Note", "Texte"], [12, '=""']])

    def cache(xml):
        return xml.replace(b'<c r="B2"><f>""</f><v />', b'<c r="B2" t="str"><f>""</f><v></v>')

    saved = rewrite_zip(path, tmp_path / "saved.xlsx", replace={
        "xl/worksheets/sheet1.xml": cache, "xl/workbook.xml": calculated})
    assert read_sheet(saved).rows[1] == [12]


def test_calamine_failure_falls_back_to_openpyxl(tmp_path, monkeypatch):
    from quota_app.spreadsheets import reader

    def broken(data, sheet):
        raise RuntimeError("calamine cannot read this")

    monkeypatch.setattr(reader, "_read_calamine", broken)
    path = make_xlsx(tmp_path / "a.xlsx", [["Nom"], ["Awa"]])
    sheet = read_sheet(path)
    assert sheet.engine == "openpyxl" and sheet.rows == [["Nom"], ["Awa"]]
