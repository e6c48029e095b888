"""read_sheet's shortcuts: no second formula scan of a sheet without formulas, the cheaper
row cleaning, the garbage collector paused while rows are built."""
import gc

import pytest

from quota_app.errors import ImportRejected
from quota_app.spreadsheets import reader
from quota_app.spreadsheets.reader import _clean_row, _may_hold_formulas, collect_rows, read_sheet
from quota_app.spreadsheets.safety import XlsxInfo, inspect_xlsx
from xlsx_helpers import make_xlsx, rewrite_zip

SHEET = "xl/worksheets/sheet1.xml"


def calculated(xml):
    return xml.replace(b' fullCalcOnLoad="1"', b"")


@pytest.fixture
def spy(monkeypatch):
    calls = []
    real = reader.find_formulas_without_value

    def spying(zf, part, values_untrusted=False):
        calls.append(part)
        return real(zf, part, values_untrusted)

    monkeypatch.setattr(reader, "find_formulas_without_value", spying)
    return calls


def test_sheet_without_formula_skips_the_formula_scan(tmp_path, spy):
    path = make_xlsx(tmp_path / "a.xlsx", [["Nom", "Note"], ["Traoré", 12]])
    assert inspect_xlsx(path).formula_parts == set()
    assert read_sheet(path).rows == [["Nom", "Note"], ["Traoré", 12]]
    assert spy == []


def test_formula_without_value_is_still_refused(tmp_path, spy):
    path = make_xlsx(tmp_path / "f.xlsx", [["Note", "Total"], [12, "=A2*2"]])
    saved = rewrite_zip(path, tmp_path / "saved.xlsx", replace={"xl/workbook.xml": calculated})
    assert inspect_xlsx(saved).formula_parts == {SHEET}
    for engine in ("calamine", "openpyxl"):
        with pytest.raises(ImportRejected, match="formule sans valeur \\(B2\\)"):
            read_sheet(saved, engine=engine)
    assert spy == [SHEET, SHEET]


def test_formula_with_value_is_scanned_then_read(tmp_path, spy):
    path = make_xlsx(tmp_path / "f.xlsx", [["Note", "Total"], [12, "=A2*2"]])
    saved = rewrite_zip(path, tmp_path / "saved.xlsx", replace={
        "xl/workbook.xml": calculated,
        SHEET: lambda xml: xml.replace(b"<f>A2*2</f><v />", b"<f>A2*2</f><v>24</v>")})
    assert read_sheet(saved).rows[1] == [12, 24]
    assert spy == [SHEET]


def test_part_not_scanned_as_a_worksheet_goes_through_the_formula_scan():
    info = XlsxInfo(row_elements={SHEET: 3}, formula_parts=set())
    assert not _may_hold_formulas(info, SHEET)
    assert _may_hold_formulas(XlsxInfo(row_elements={SHEET: 3}, formula_parts={SHEET}), SHEET)
    assert _may_hold_formulas(info, "xl/feuilles/sheet1.xml")  # unusual path: not scanned


def test_find_formulas_without_value_still_works_on_its_own(tmp_path):
    import zipfile
    path = make_xlsx(tmp_path / "f.xlsx", [["Note", "Total"], [12, "=A2*2"]])
    with zipfile.ZipFile(path) as zf:
        assert reader.find_formulas_without_value(zf, SHEET) == ["B2"]


# --- rows ------------------------------------------------------------------------------------

def reference_clean(row):
    values = [None if v == "" else v for v in row]
    while values and (values[-1] is None or (isinstance(values[-1], str) and values[-1].strip() == "")):
        values.pop()
    return values


ROWS = [
    ["Traoré", "Awa", "", 12.0, True, 1, 1.0, 0.0, False, None, "  ", "", None],
    ["", "", None, " "],
    [],
    ["Traoré", "", "Awa", " x ", 12.0, True],
    [None, "Kayes", "\t"],
]


@pytest.mark.parametrize("shared_max", [50_000, 0, 3, 8])
def test_clean_row_keeps_its_results_on_both_paths(monkeypatch, shared_max):
    monkeypatch.setattr(reader, "SHARED_MAX", shared_max)
    shared = {}
    for row in ROWS:
        cleaned = _clean_row(row, shared)
        assert cleaned == reference_clean(row)
        # no bool/int merged with an equal float, no type changed
        assert [type(v) for v in cleaned] == [type(v) for v in reference_clean(row)]
    assert _clean_row(iter(["a", ""]), {}) == ["a"]  # any iterable
    assert _clean_row(["a", "", None]) == ["a"]


def test_equal_values_are_shared():
    rows, stopped = collect_rows([["Homme", 12.0], ["".join(["Hom", "me"]), float("12")]], 10, 5)
    assert rows[0][0] is rows[1][0] and rows[0][1] is rows[1][1]
    assert not stopped


def test_collect_rows_blank_run_and_limit():
    raw = [["a"], [""], [None, ""], ["b"]] + [[""]] * 3 + [["never"]]
    assert collect_rows(iter(raw), 10, 3) == ([["a"], [], [], ["b"]], True)
    assert collect_rows(iter(raw[:4]), 10, 3) == ([["a"], [], [], ["b"]], False)
    with pytest.raises(ImportRejected, match="plus de 1 lignes remplies"):
        collect_rows(iter(raw), 1, 3)


def test_garbage_collector_is_restored():
    assert gc.isenabled()
    collect_rows([["a"]], 10, 3)
    assert gc.isenabled()
    with pytest.raises(ImportRejected):
        collect_rows([["a"], ["b"]], 1, 3)
    assert gc.isenabled()
    gc.disable()
    try:
        collect_rows([["a"]], 10, 3)
        assert not gc.isenabled()  # it was off: left off
    finally:
        gc.enable()
