"""Checks run on an uploaded workbook before any parser touches it.

`inspect_xlsx` refuses, with an ImportRejected carrying a French message:
- anything that is not a zip archive (a renamed .exe, a PDF, a CSV...);
- a zip that is not an .xlsx workbook (no [Content_Types].xml or xl/workbook.xml);
- an OLE2 compound file (signature D0 CF 11 E0), told apart by the names of its streams: an
  "EncryptedPackage" is an .xlsx protected by a password (MSG_PROTECTED), a "Workbook" or
  "Book" stream is the old Excel 97-2003 .xls format (MSG_OLD_XLS), anything else (a Word
  document...) is not a workbook;
- a zip bomb: the sum of the declared uncompressed sizes over `max_uncompressed`, one entry
  whose compression ratio is over `max_ratio` (only checked on entries over 1 MiB: small
  parts of a genuine workbook routinely compress very well and cannot hurt), too many entries,
  and - because declared sizes can lie - the real bytes are counted while every entry is
  streamed in chunks, with the same cap;
- an XML bomb or external-entity trick: any DOCTYPE or ENTITY declaration in any part, whatever
  its name (a workbook never needs one), and XML parts that are not in UTF-8 (a UTF-16 part could hide
  a declaration from the byte scan);
- absurd dimensions: a sheet whose <dimension> or number of <row> elements is over `max_rows`
  or beyond `max_columns`. This is a sanity limit on the file, generous on purpose: a sheet
  with tens of thousands of formatted but empty rows is legitimate; the reader then applies the
  real limit on rows that hold data.

Nothing here uses an XML parser: the parts are only scanned as bytes, so that hostile XML is
refused before any parser sees it.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO, Union

from ..errors import ImportRejected

Source = Union[str, "os.PathLike[str]", bytes, bytearray, BinaryIO]

MB = 1024 * 1024
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
CHUNK = 64 * 1024
RATIO_MIN_SIZE = 1 * MB
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
XML_SUFFIXES = (".xml", ".rels", ".vml")

MSG_NOT_XLSX = (
    "Le fichier n'est pas un classeur Excel (.xlsx). Ouvrez-le dans Excel ou LibreOffice "
    "et enregistrez-le au format « Classeur Excel (.xlsx) »."
)
MSG_PROTECTED = (
    "Le fichier est protégé par mot de passe : il ne peut pas être lu. Ouvrez-le dans Excel, "
    "retirez le mot de passe (Fichier > Informations > Protéger le classeur > Chiffrer avec mot "
    "de passe, puis effacez-le), enregistrez-le et déposez-le de nouveau."
)
MSG_OLD_XLS = (
    "Le fichier est au format Excel 97-2003 (.xls), que l'import ne lit pas. Ouvrez-le dans "
    "Excel ou LibreOffice et enregistrez-le au format « Classeur Excel (.xlsx) », puis "
    "déposez-le de nouveau."
)
MSG_TOO_BIG = (
    "Le fichier est anormalement volumineux une fois décompressé ; il a été refusé par "
    "sécurité."
)
MSG_RATIO = (
    "Le fichier contient une partie anormalement compressée (possible « bombe zip ») ; "
    "il a été refusé par sécurité."
)
MSG_XML = (
    "Le fichier contient des déclarations XML interdites (DOCTYPE ou ENTITY) ; il a été "
    "refusé par sécurité."
)
MSG_ENCODING = "Le fichier contient une partie XML dans un encodage inattendu ; il a été refusé."
MSG_ZIP_ENCRYPTED = "Le fichier contient des parties chiffrées ; il a été refusé."
MSG_CORRUPT = "Le fichier est endommagé et ne peut pas être lu. Enregistrez-le de nouveau au format .xlsx."

DOCTYPE_PATTERNS = (b"<!doctype", b"<!entity")
_DECL_KEEP = max(len(p) for p in DOCTYPE_PATTERNS) - 1  # bytes of a declaration cut by a chunk end
# An <f> element (a formula), with or without a namespace prefix (the reader uses the same
# check, has_formula_tag). Cell text cannot hold a raw "<" (XML escapes it), so a worksheet part
# without this pattern has no formula at all.
FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
# A formula tag cut by a chunk end: it must start in the last _FORMULA_KEEP bytes before the
# boundary (as in reader._has_formula_part); _FORMULA_HEAD bytes after it leave room for a long prefix.
_FORMULA_KEEP = 64
_FORMULA_HEAD = 1024
DIMENSION_RE = re.compile(rb'<dimension\s+ref="([A-Za-z]*)(\d*)(?::([A-Za-z]+)(\d+))?"')


@dataclass
class XlsxInfo:
    """What the inspection learnt about the archive."""

    entries: list[str] = field(default_factory=list)
    declared_size: int = 0
    real_size: int = 0
    # worksheet part name -> (rows, columns) from its <dimension>, or None
    dimensions: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    # worksheet part name -> number of <row> elements
    row_elements: dict[str, int] = field(default_factory=dict)
    # worksheet parts holding at least one formula tag (FORMULA_TAG); a worksheet part not in
    # this set has no formula, so the reader need not parse it to look for formulas.
    formula_parts: set[str] = field(default_factory=set)


def column_number(letters: str | bytes) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27, 'XFD' -> 16384."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def as_binary_stream(source: Source) -> tuple[BinaryIO, bool]:
    """Returns (stream, opened_here). Paths are opened; bytes are wrapped."""
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb"), True
    return source, False


# Stream names of an OLE2 directory entry: UTF-16LE, ended by a NUL character.
_OLE2_ENCRYPTED = tuple(name.encode("utf-16-le") + b"\x00\x00" for name in ("EncryptedPackage", "EncryptionInfo"))
_OLE2_XLS = tuple(name.encode("utf-16-le") + b"\x00\x00" for name in ("Workbook", "Book"))
_OLE2_SCAN_MAX = 64 * MB


def ole2_kind(stream: BinaryIO) -> str:
    """"encrypted" (an .xlsx protected by a password), "xls" (Excel 97-2003) or "other", from the
    stream names of the compound file's directory (scanned as bytes, chunk by chunk)."""
    found_xls = False
    tail = b""
    read = 0
    while read < _OLE2_SCAN_MAX:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        read += len(chunk)
        window = tail + chunk
        if any(name in window for name in _OLE2_ENCRYPTED):
            return "encrypted"
        found_xls = found_xls or any(name in window for name in _OLE2_XLS)
        tail = window[-40:]
    return "xls" if found_xls else "other"


def _check_signature(stream: BinaryIO) -> None:
    start = stream.tell()
    head = stream.read(8)
    stream.seek(start)
    if head.startswith(OLE2_SIGNATURE[:4]):
        kind = ole2_kind(stream)
        stream.seek(start)
        raise ImportRejected(MSG_PROTECTED if kind == "encrypted" else
                             MSG_OLD_XLS if kind == "xls" else MSG_NOT_XLSX)
    if not head.startswith(ZIP_SIGNATURES):
        raise ImportRejected(MSG_NOT_XLSX)


class _Counter:
    """Counts occurrences of a byte pattern across chunk boundaries.

    Each chunk is searched as it is; only the few bytes around a boundary are searched again
    (an occurrence found there is necessarily cut by the boundary, so none counts twice)."""

    def __init__(self, pattern: bytes):
        self.pattern = pattern
        self.keep = len(pattern) - 1
        self.tail = b""
        self.count = 0

    def feed(self, chunk: bytes) -> None:
        keep = self.keep
        if keep:
            # tail: at most `keep` bytes before this chunk; head: at most `keep` bytes of it.
            self.count += (self.tail + chunk[:keep]).count(self.pattern)
            self.tail = (self.tail + chunk[-keep:])[-keep:]
        self.count += chunk.count(self.pattern)


def _has_declaration(data: bytes) -> bool:
    """A DOCTYPE or ENTITY declaration, in any case. Both start with "<!", rare in a workbook
    (comments, CDATA): only then is the data lowercased (copied) and searched."""
    if b"!" not in data or b"<!" not in data:  # "!" alone: one memchr, the common case
        return False
    lowered = data.lower()
    return any(p in lowered for p in DOCTYPE_PATTERNS)


def has_formula_tag(data: bytes) -> bool:
    # `in` (fast) first; the regex only where "<f" or ":f" occurs. ":" is rare in sheet data.
    return (b"<f" in data or (b":" in data and b":f" in data)) and FORMULA_TAG.search(data) is not None


def _scan_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, result: XlsxInfo) -> int:
    """Streams one entry; returns the number of real bytes read. Raises on any hostile sign."""
    name = info.filename
    # Every part is scanned for declarations, whatever its name: the workbook's relationships
    # may point a sheet at a part named "sheet1.bin" that the parsers will still read as XML.
    is_xml = name.lower().endswith(XML_SUFFIXES)
    is_sheet = name.startswith("xl/worksheets/") and not name.startswith("xl/worksheets/_rels/")
    total = 0
    decl_tail = b""  # the last bytes of the part so far, for a declaration cut by a chunk end
    formula_tail = b""
    has_formula = False
    first = True
    rows = _Counter(b"<row") if is_sheet else None
    dimension_head = b""
    try:
        with zf.open(info) as part:
            while True:
                chunk = part.read(CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > budget or total > info.file_size:
                    raise ImportRejected(MSG_TOO_BIG)
                if first:
                    first = False
                    # UTF-16 would hide a declaration from the byte scan below.
                    if chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")) or (
                            is_xml and b"\x00" in chunk[:200]):
                        raise ImportRejected(MSG_ENCODING)
                # The chunk itself, then the bytes around the boundary with the previous one
                # (no copy of the whole chunk: only a few bytes are joined).
                if _has_declaration(chunk) or _has_declaration(decl_tail + chunk[:_DECL_KEEP]):
                    raise ImportRejected(MSG_XML)
                decl_tail = (decl_tail + chunk[-_DECL_KEEP:])[-_DECL_KEEP:]
                if rows is not None:
                    rows.feed(chunk)
                    if len(dimension_head) < 4096:
                        dimension_head += chunk[: 4096 - len(dimension_head)]
                    if not has_formula:
                        has_formula = has_formula_tag(chunk) or has_formula_tag(
                            formula_tail + chunk[:_FORMULA_HEAD])
                        formula_tail = (formula_tail + chunk[-_FORMULA_KEEP:])[-_FORMULA_KEEP:]
    except ImportRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        # RuntimeError: encrypted entry; NotImplementedError: unknown compression.
        if "encrypted" in str(exc).lower() or "password" in str(exc).lower():
            raise ImportRejected(MSG_ZIP_ENCRYPTED) from exc
        raise ImportRejected(MSG_CORRUPT) from exc
    if is_sheet:
        # "<row" also matches "<rowBreaks"/"<rows..." which are rare; the limit is generous.
        result.row_elements[name] = rows.count
        if has_formula:
            result.formula_parts.add(name)
        match = DIMENSION_RE.search(dimension_head)
        if match:
            last_col = match.group(3) or match.group(1)
            last_row = match.group(4) or match.group(2)
            result.dimensions[name] = (
                int(last_row) if last_row else 0,
                column_number(last_col) if last_col else 0,
            )
        else:
            result.dimensions[name] = None
    return total


def inspect_xlsx(
    source: Source,
    max_uncompressed: int = 150 * MB,
    max_ratio: float = 100,
    max_rows: int = 200_000,
    max_columns: int = 1_000,
    max_entries: int = 2_000,
) -> XlsxInfo:
    """Refuses a hostile or unreadable workbook (ImportRejected); returns what it learnt."""
    stream, opened = as_binary_stream(source)
    try:
        _check_signature(stream)
        try:
            zf = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise ImportRejected(MSG_NOT_XLSX) from exc
        with zf:
            infos = zf.infolist()
            if len(infos) > max_entries:
                raise ImportRejected(MSG_TOO_BIG)
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise ImportRejected(MSG_NOT_XLSX)
            result = XlsxInfo(entries=sorted(names))
            for info in infos:
                if info.flag_bits & 0x1:
                    raise ImportRejected(MSG_ZIP_ENCRYPTED)
                result.declared_size += info.file_size
                if info.file_size > RATIO_MIN_SIZE:
                    ratio = info.file_size / max(info.compress_size, 1)
                    if ratio > max_ratio:
                        raise ImportRejected(MSG_RATIO)
            if result.declared_size > max_uncompressed:
                raise ImportRejected(MSG_TOO_BIG)
            for info in infos:
                if info.is_dir():
                    continue
                budget = max_uncompressed - result.real_size
                result.real_size += _scan_entry(zf, info, budget, result)
    finally:
        if opened:
            stream.close()
        else:
            try:
                stream.seek(0)
            except (OSError, ValueError):
                pass
    _check_dimensions(result, max_rows, max_columns)
    return result


def _fr(number: int) -> str:
    """1048576 -> '1 048 576' (narrow no-break spaces, French style)."""
    return f"{number:,}".replace(",", "\u202f")


def _check_dimensions(result: XlsxInfo, max_rows: int, max_columns: int) -> None:
    row_limit = min(max_rows, EXCEL_MAX_ROWS)
    col_limit = min(max_columns, EXCEL_MAX_COLUMNS)
    for name, dims in result.dimensions.items():
        rows = result.row_elements.get(name, 0)
        declared_rows, declared_cols = dims or (0, 0)
        if max(rows, declared_rows) > row_limit:
            raise ImportRejected(
                f"Une feuille du fichier déclare {_fr(max(rows, declared_rows))} lignes "
                f"(maximum accepté : {_fr(row_limit)}). Supprimez les lignes vides en fin de "
                "feuille ou découpez le fichier."
            )
        if declared_cols > col_limit:
            raise ImportRejected(
                f"Une feuille du fichier déclare {declared_cols} colonnes (maximum accepté : "
                f"{col_limit}). Supprimez les colonnes inutiles."
            )
