"""Hostile and broken files are refused before any parser reads them."""
import io
import struct
import zipfile

import pytest

from quota_app.errors import ImportRejected
from quota_app.spreadsheets.reader import read_sheet
from quota_app.spreadsheets.safety import MB, inspect_xlsx
from xlsx_helpers import make_xlsx, rewrite_zip, sheet_xml, to_bytes, zip_bytes


@pytest.fixture
def good(tmp_path):
    return make_xlsx(tmp_path / "ok.xlsx", [["Nom", "Prénom"], ["Traoré", "Awa"]])


def test_genuine_workbook_passes(good):
    info = inspect_xlsx(good)
    assert "xl/workbook.xml" in info.entries
    assert info.real_size == info.declared_size > 0
    assert inspect_xlsx(to_bytes(good)).declared_size == info.declared_size


def test_stream_is_accepted_and_rewound(good):
    with open(good, "rb") as fh:
        inspect_xlsx(fh)
        assert fh.tell() == 0


def test_renamed_exe_is_refused(tmp_path):
    exe = tmp_path / "liste.xlsx"
    exe.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode")
    with pytest.raises(ImportRejected, match="n'est pas un classeur Excel"):
        inspect_xlsx(exe)


def test_csv_renamed_is_refused():
    with pytest.raises(ImportRejected, match=r"\.xlsx"):
        inspect_xlsx(b"Nom;Prenom\nTraore;Awa\n")


def test_zip_that_is_not_a_workbook_is_refused():
    data = zip_bytes({"word/document.xml": b"<document/>", "[Content_Types].xml": b"<Types/>"})
    with pytest.raises(ImportRejected, match="n'est pas un classeur Excel"):
        inspect_xlsx(data)


def _ole2(*streams: str) -> bytes:
    """An OLE2 header and directory entries naming `streams` (UTF-16LE, as in a compound file)."""
    entries = b"".join(name.encode("utf-16-le") + b"\x00\x00" + b"\x00" * (62 - 2 * len(name)) + b"\x00" * 64
                       for name in ("Root Entry", *streams))
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + entries


def test_ole2_files_are_told_apart_password_old_xls_other():
    with pytest.raises(ImportRejected, match="protégé par mot de passe") as protected:
        inspect_xlsx(_ole2("EncryptionInfo", "EncryptedPackage"))
    assert ".xls" not in protected.value.message and "retirez le mot de passe" in protected.value.message
    with pytest.raises(ImportRejected, match=r"Excel 97-2003 \(\.xls\)") as old:
        inspect_xlsx(_ole2("Workbook", "SummaryInformation"))
    assert "mot de passe" not in old.value.message
    with pytest.raises(ImportRejected, match=r"Excel 97-2003"):
        inspect_xlsx(_ole2("Book"))  # Excel 5/95
    with pytest.raises(ImportRejected, match="n'est pas un classeur Excel"):
        inspect_xlsx(_ole2("WordDocument"))  # a Word document
    with pytest.raises(ImportRejected, match="n'est pas un classeur Excel"):
        inspect_xlsx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)


def test_real_protected_and_old_format_files(tmp_path):
    """Made once by msoffcrypto-tool (an .xlsx encrypted with a password) and xlwt (.xls)."""
    from pathlib import Path

    fixtures = Path(__file__).resolve().parent.parent / "imports" / "fixtures"
    with pytest.raises(ImportRejected, match="protégé par mot de passe"):
        inspect_xlsx((fixtures / "protege_mot_de_passe.xlsx").read_bytes())
    with pytest.raises(ImportRejected, match=r"\.xls\)"):
        inspect_xlsx(fixtures / "ancien_format.xls")


def test_truncated_zip_is_refused(good):
    data = to_bytes(good)
    with pytest.raises(ImportRejected):
        inspect_xlsx(data[: len(data) // 2])


def test_zip_bomb_by_ratio_is_refused(good, tmp_path):
    bomb = rewrite_zip(good, tmp_path / "bomb.xlsx", add={"xl/media/padding.bin": b"\x00" * (20 * MB)})
    with pytest.raises(ImportRejected, match="bombe zip"):
        inspect_xlsx(bomb)


def test_zip_bomb_by_total_size_is_refused(good, tmp_path):
    big = rewrite_zip(good, tmp_path / "big.xlsx", add={"xl/media/padding.bin": b"\x00" * (3 * MB)})
    with pytest.raises(ImportRejected, match="volumineux"):
        inspect_xlsx(big, max_uncompressed=2 * MB, max_ratio=10_000)


def test_lying_declared_sizes_are_refused(good, tmp_path):
    """Sizes rewritten in both headers: streaming the entry exposes the lie."""
    path = rewrite_zip(good, tmp_path / "liar.xlsx", add={"xl/media/padding.bin": b"\x00" * (2 * MB)})
    data = bytearray(to_bytes(path))
    name = b"xl/media/padding.bin"
    # patch the local header and the central directory entry of the padding member
    pos = 0
    while True:
        pos = data.find(b"PK\x03\x04", pos)
        if pos < 0:
            break
        name_len = struct.unpack_from("<H", data, pos + 26)[0]
        if data[pos + 30: pos + 30 + name_len] == name:
            struct.pack_into("<I", data, pos + 22, 100)
        pos += 4
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + name_len] == name:
            struct.pack_into("<I", data, pos + 24, 100)
        pos += 4
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        assert zf.getinfo("xl/media/padding.bin").file_size == 100  # the lie is in place
    with pytest.raises(ImportRejected, match="endommagé|volumineux"):
        inspect_xlsx(bytes(data))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


def test_xml_bomb_is_refused(good, tmp_path):
    bomb = rewrite_zip(good, tmp_path / "xmlbomb.xlsx", replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS})
    with pytest.raises(ImportRejected, match="DOCTYPE ou ENTITY"):
        inspect_xlsx(bomb)
    with pytest.raises(ImportRejected, match="DOCTYPE ou ENTITY"):
        read_sheet(bomb)


def test_a_sheet_part_named_otherwise_is_scanned_too(good, tmp_path):
    """The relationships point the sheet at a part whose name ends in neither .xml nor .rels:
    the parsers would still read it as XML, so the scan reads every part."""
    def moved(rels: bytes) -> bytes:
        return rels.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.bin")

    def typed(types: bytes) -> bytes:
        return types.replace(b"/xl/worksheets/sheet1.xml", b"/xl/worksheets/sheet1.bin")

    bomb = rewrite_zip(good, tmp_path / "hidden.xlsx", drop=("xl/worksheets/sheet1.xml",),
                       replace={"xl/_rels/workbook.xml.rels": moved, "[Content_Types].xml": typed},
                       add={"xl/worksheets/sheet1.bin": BILLION_LAUGHS})
    with pytest.raises(ImportRejected, match="DOCTYPE ou ENTITY"):
        inspect_xlsx(bomb)
    utf16 = rewrite_zip(good, tmp_path / "utf16.xlsx", add={"xl/media/notes.dat": BILLION_LAUGHS.decode().encode("utf-16-le")})
    with pytest.raises(ImportRejected):
        inspect_xlsx(utf16)


def test_external_entity_in_shared_part_is_refused(good, tmp_path):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&x;</Types>')
    path = rewrite_zip(good, tmp_path / "xxe.xlsx", replace={"[Content_Types].xml": xxe})
    with pytest.raises(ImportRejected, match="DOCTYPE"):
        inspect_xlsx(path)


def test_utf16_xml_part_is_refused(good, tmp_path):
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><Types/>'.encode("utf-16")
    path = rewrite_zip(good, tmp_path / "u16.xlsx", replace={"[Content_Types].xml": utf16})
    with pytest.raises(ImportRejected, match="encodage"):
        inspect_xlsx(path)


def test_absurd_declared_dimension_is_refused(good, tmp_path):
    def widen(xml):
        return xml.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:XFD1048576"')

    path = rewrite_zip(good, tmp_path / "huge.xlsx", replace={"xl/worksheets/sheet1.xml": widen})
    assert b"XFD1048576" in sheet_xml(path)
    with pytest.raises(ImportRejected, match="lignes"):
        inspect_xlsx(path)


def test_too_many_columns_is_refused(good, tmp_path):
    def widen(xml):
        return xml.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:ZZ2"')

    path = rewrite_zip(good, tmp_path / "wide.xlsx", replace={"xl/worksheets/sheet1.xml": widen})
    with pytest.raises(ImportRejected, match="colonnes"):
        inspect_xlsx(path, max_columns=100)


def test_too_many_row_elements_is_refused(tmp_path):
    path = make_xlsx(tmp_path / "rows.xlsx", [[i] for i in range(60)])
    inspect_xlsx(path, max_rows=60)
    with pytest.raises(ImportRejected, match="lignes"):
        inspect_xlsx(path, max_rows=50)


def test_encrypted_zip_entry_is_refused(good):
    data = bytearray(to_bytes(good))
    pos = data.find(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, pos + 8)[0]
    struct.pack_into("<H", data, pos + 8, flags | 0x1)
    with pytest.raises(ImportRejected):
        inspect_xlsx(bytes(data))
