"""inspect_xlsx's single streaming pass: declarations, <row> count and formula tags found even
when a chunk boundary cuts them."""
import pytest

from quota_app.errors import ImportRejected
from quota_app.spreadsheets import safety
from quota_app.spreadsheets.safety import inspect_xlsx
from xlsx_helpers import zip_bytes

SHEET = "xl/worksheets/sheet1.xml"
HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
FOOT = b"</sheetData></worksheet>"


def workbook(sheet: bytes) -> bytes:
    return zip_bytes({
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": b"<workbook/>",
        SHEET: sheet,
    })


def placed(snippet: bytes, at: int, filler: bytes = b" ") -> bytes:
    """A sheet part whose `snippet` starts at byte `at` (padding with `filler` before it)."""
    pad = at - len(HEAD)
    assert pad >= 0
    return HEAD + filler * pad + snippet + FOOT


FORMULA_CELL = b'<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'


@pytest.mark.parametrize("cut", range(1, 6))
def test_formula_tag_cut_by_the_chunk_boundary_is_found(cut):
    # "<f>" starts `cut` bytes before the end of the first 64 KiB chunk
    start = safety.CHUNK - cut
    row = b'<row r="1"><c r="A1">'
    sheet = placed(row + b"<f>1+1</f><v>2</v></c></row>", start - len(row))
    assert sheet.index(b"<f>") == start
    assert inspect_xlsx(workbook(sheet)).formula_parts == {SHEET}


@pytest.mark.parametrize("cut", [1, 3, 5, 10, 30])
def test_prefixed_formula_tag_cut_by_the_chunk_boundary_is_found(cut):
    start = safety.CHUNK - cut
    sheet = placed(b'<x:row><x:c r="A1"><x:f>1+1</x:f></x:c></x:row>', start - len(b"<x:row><x:c r=\"A1\">"))
    assert sheet.index(b"<x:f>") == start
    assert inspect_xlsx(workbook(sheet)).formula_parts == {SHEET}


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 9, 64])
def test_tiny_chunks_find_formulas_rows_and_declarations(monkeypatch, chunk):
    monkeypatch.setattr(safety, "CHUNK", chunk)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 40))
    plain = HEAD + rows + FOOT
    info = inspect_xlsx(workbook(plain))
    assert info.row_elements[SHEET] == 39
    assert info.formula_parts == set()
    info = inspect_xlsx(workbook(HEAD + rows + FORMULA_CELL + FOOT))
    assert info.row_elements[SHEET] == 40
    assert info.formula_parts == {SHEET}
    with pytest.raises(ImportRejected, match="DOCTYPE ou ENTITY"):
        inspect_xlsx(workbook(b'<!DocType x [<!eNtItY a "b">]>' + plain))


def test_sheet_without_formula_is_not_flagged():
    # look-alikes: other tags starting with "f", a colon in text, an escaped "<f>" in a cell
    sheet = (HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>08:30 &lt;f&gt; a:f b</t></is></c>'
             b'<c r="B1"><v>1</v></c></row>' + FOOT).replace(b"<sheetData>", b"<foo/><sheetData>")
    info = inspect_xlsx(workbook(sheet))
    assert info.formula_parts == set()
    assert info.row_elements[SHEET] == 1


@pytest.mark.parametrize("declaration", [b"<!DOCTYPE x>", b"<!DocType x>", b"<!doctype x>",
                                         b'<!ENTITY a "b">', b'<!EnTiTy a "b">'])
@pytest.mark.parametrize("cut", range(1, 10))
def test_declaration_cut_by_the_chunk_boundary_is_refused(declaration, cut):
    sheet = placed(declaration, safety.CHUNK - cut)
    with pytest.raises(ImportRejected, match="DOCTYPE ou ENTITY"):
        inspect_xlsx(workbook(sheet))


@pytest.mark.parametrize("cut", range(1, 10))
def test_declaration_cut_in_a_non_sheet_part_is_refused(cut):
    pad = safety.CHUNK - cut
    data = zip_bytes({"[Content_Types].xml": b" " * pad + b"<!Doctype x><Types/>",
                      "xl/workbook.xml": b"<workbook/>"})
    with pytest.raises(ImportRejected, match="DOCTYPE ou ENTITY"):
        inspect_xlsx(data)


def test_comments_and_exclamation_marks_are_not_declarations():
    sheet = placed(b'<!-- made by hand! --><row r="1"><c r="A1" t="inlineStr"><is><t>Oui !</t></is></c></row>',
                   safety.CHUNK - 3)
    info = inspect_xlsx(workbook(sheet))
    assert info.row_elements[SHEET] == 1 and info.formula_parts == set()


def test_row_count_is_exact_across_boundaries():
    row = b'<row r="1"><c r="A1"><v>1</v></c></row>'  # 39 bytes: cuts land everywhere
    sheet = HEAD + row * 20_000 + FOOT
    assert len(sheet) > 10 * safety.CHUNK
    assert inspect_xlsx(workbook(sheet)).row_elements[SHEET] == 20_000
