"""Reads one sheet of an .xlsx workbook into rows of raw Python values.

- The file is first checked by `safety.inspect_xlsx` (bombs, encryption, not-an-xlsx...).
- python-calamine reads the values (fast, cached values of formulas); openpyxl in read-only
  mode is the fallback if calamine fails. With openpyxl, `ws.reset_dimensions()` is called
  because the <dimension> written by many tools is wrong.
- Values stay raw: calamine gives 1234.0 for an integer typed in a cell; turning it into an int
  is the column parser's job. Empty cells and empty strings become None.
- `rows[i]` is Excel row `i + 1` (leading blank rows are kept so numbering stays right;
  trailing blank rows are dropped). Columns start at A.
- Reading stops after a run of `blank_run` blank rows (files with formatted empty rows report
  tens of thousands of rows); `SheetData.stopped_at_blank_run` says so.
- More than `max_rows` non-blank rows is refused with a French message.

Formulas without a cached value: calamine returns "" for such a cell, indistinguishable from an
empty cell, and openpyxl with data_only=True returns None. We therefore scan the sheet's XML
ourselves with `xml.etree.ElementTree.iterparse` (cheap, streaming, elements cleared as we
go): a <c> with an <f> child and no <v> (or an empty <v> when the cell is not of string type,
as openpyxl writes it) is refused. The scan runs after `inspect_xlsx` has refused any
DOCTYPE/ENTITY declaration, so the standard-library parser is safe here. `inspect_xlsx`, which
streams every worksheet part anyway, also records those holding a formula tag at all
(`XlsxInfo.formula_parts`): the scan only runs on those, the common sheet without formulas is
decompressed once.

A workbook whose xl/workbook.xml declares `<calcPr fullCalcOnLoad="1"/>` says that its cached
values must be recomputed when opened: they were not computed by a spreadsheet. XlsxWriter
writes `<v>0</v>` for a formula given no value, and openpyxl drops the values of the formulas it
saves; both always set that flag. There, every formula cell is refused, even one with a <v>:
the value is whatever the producing program chose to write, and we never evaluate formulas.
Excel and LibreOffice, once they have calculated and saved, do not set it.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable
from xml.etree.ElementTree import iterparse, ParseError

from ..errors import ImportRejected
from ..gcpause import gc_paused
from .safety import MB, MSG_CORRUPT, Source, XlsxInfo, has_formula_tag, inspect_xlsx

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

DEFAULT_MAX_ROWS = 5_000
DEFAULT_BLANK_RUN = 100
MAX_FORMULA_ERRORS_LISTED = 10


@dataclass
class SheetData:
    name: str
    rows: list[list[Any]] = field(default_factory=list)
    engine: str = "calamine"
    stopped_at_blank_run: bool = False

    def excel_row(self, index: int) -> int:
        return index + 1


def _to_bytes(source: Source) -> bytes | str:
    """Paths stay paths; streams are read once so that every reader can use them."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            raise ImportRejected("Le fichier n'est pas un classeur Excel (.xlsx).")
        return data
    return str(source)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


_SHARED_TYPES = (str, float)  # a str never equals a float: one table (bools, ints stay out)


def _clean_row(row: Iterable[Any], shared: dict | None = None) -> list[Any]:
    """"" becomes None and trailing blanks go. With `shared`, equal texts and numbers become one
    object: a column of sexes, regions, codes or first names then costs a pointer per cell."""
    if shared is None:
        values = [None if v == "" else v for v in row]  # only "" equals "" (calamine's empty cell)
    else:
        if not isinstance(row, list):
            row = list(row)
        if shared.get("", 0) is not None:
            shared[""] = None  # the table itself turns "" into None
        if len(shared) + len(row) <= SHARED_MAX:
            # Fast path: one dict operation per text or number does both jobs.
            setdefault = shared.setdefault
            values = [setdefault(v, v) if type(v) in _SHARED_TYPES else v for v in row]
        else:
            values = []
            for v in row:
                if type(v) in _SHARED_TYPES:
                    found = shared.get(v)
                    if found is not None or v == "":
                        v = found
                    elif len(shared) < SHARED_MAX:  # the repeated values come first; then no growth
                        shared[v] = v
                elif v == "":  # a str subclass
                    v = None
                values.append(v)
    while values:
        last = values[-1]
        if last is None or (isinstance(last, str) and not last.strip()):
            values.pop()
        else:
            break
    return values


SHARED_MAX = 50_000


def collect_rows(raw_rows: Iterable[Iterable[Any]], max_rows: int, blank_run: int) -> tuple[list[list[Any]], bool]:
    """Applies the blank-run stop and the row limit; returns (rows, stopped_at_blank_run)."""
    rows: list[list[Any]] = []
    append = rows.append
    blanks = 0
    data_rows = 0
    stopped = False
    shared: dict = {"": None}
    with gc_paused():  # 100,000 new lists: see gcpause
        for raw in raw_rows:
            row = _clean_row(raw, shared)
            if not row:  # _clean_row dropped the trailing blanks: a blank row is now empty
                blanks += 1
                append(row)
                if blanks >= blank_run:
                    stopped = True
                    break
                continue
            blanks = 0
            data_rows += 1
            if data_rows > max_rows:
                raise ImportRejected(
                    f"Le fichier contient plus de {max_rows} lignes remplies, la limite pour un "
                    "import. Découpez-le en plusieurs fichiers."
                )
            append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows, stopped


# --- locating a sheet's XML part -------------------------------------------------------------

def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true")


def _workbook_info(zf: zipfile.ZipFile) -> tuple[list[tuple[str, str, str]], bool]:
    """[(sheet name, part path inside the zip, state: visible, hidden...)] in workbook order, and whether the workbook
    asks for a full recalculation on load (<calcPr fullCalcOnLoad="1"/>): then no cached
    formula value can be trusted."""
    rel_targets: dict[str, str] = {}
    try:
        rels_xml = zf.read("xl/_rels/workbook.xml.rels")
        # Safety.inspect_xlsx refused any DOCTYPE/ENTITY in every part before (bandit B314).
        for _, elem in iterparse(io.BytesIO(rels_xml)):  # nosec B314
            if elem.tag == f"{NS_PKG_REL}Relationship":
                target = elem.get("Target", "")
                if target.startswith("/"):
                    path = target.lstrip("/")
                else:
                    path = posixpath.normpath(posixpath.join("xl", target))
                rel_targets[elem.get("Id", "")] = path
    except KeyError:
        pass
    result = []
    full_calc = False
    # Safety.inspect_xlsx refused any DOCTYPE/ENTITY in every part before (bandit B314).
    for _, elem in iterparse(io.BytesIO(zf.read("xl/workbook.xml"))):  # nosec B314
        if elem.tag == f"{NS_MAIN}sheet":
            rid = elem.get(f"{NS_REL}id", "")
            result.append((elem.get("name", ""), rel_targets.get(rid, ""), elem.get("state") or "visible"))
        elif elem.tag.rpartition("}")[2] == "calcPr":  # by local name: any namespace flavour
            full_calc = full_calc or _is_true(elem.get("fullCalcOnLoad"))
    return result, full_calc


_SCAN_CHUNK = 1 << 20


def _has_formula_part(zf: zipfile.ZipFile, part: str) -> bool:
    """A byte scan of the part, chunk by chunk (safety.has_formula_tag): about 50 times faster
    than iterparse, which then only runs on the rare sheets that hold formulas."""
    tail = b""
    with zf.open(part) as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            if has_formula_tag(tail + chunk):
                return True
            tail = chunk[-64:]  # a tag cut between two chunks
    return False


def find_formulas_without_value(zf: zipfile.ZipFile, part: str, values_untrusted: bool = False) -> list[str]:
    """Cell references (e.g. 'B5') holding a formula but no cached value; with
    `values_untrusted` (the workbook asks for fullCalcOnLoad), every formula cell."""
    if not part or part not in zf.namelist() or not _has_formula_part(zf, part):
        return []
    found: list[str] = []
    with zf.open(part) as stream:
        # Safety.inspect_xlsx refused any DOCTYPE/ENTITY in every part before (bandit B314).
        for _, elem in iterparse(stream, events=("end",)):  # nosec B314
            if elem.tag == f"{NS_MAIN}c":
                formula = elem.find(f"{NS_MAIN}f")
                if formula is not None:
                    value = elem.find(f"{NS_MAIN}v")
                    if (values_untrusted or value is None
                            or (not value.text and elem.get("t") != "str")):
                        found.append(elem.get("r", "?"))
                elem.clear()
            elif elem.tag == f"{NS_MAIN}row":
                elem.clear()
    return found


def _may_hold_formulas(info: XlsxInfo, part: str) -> bool:
    """False only for a worksheet part that inspect_xlsx scanned and found without any formula
    tag (XlsxInfo.formula_parts): then the part is not decompressed and parsed again. A part
    it did not scan as a worksheet (an unusual path) goes through find_formulas_without_value."""
    return part in info.formula_parts or part not in info.row_elements


def sheet_names(source: Source) -> list[tuple[str, bool]]:
    """[(name, visible)] of a workbook's sheets in their order; the file must have passed
    inspect_xlsx. An unreadable workbook gives []."""
    data = _to_bytes(source)
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as zf:
            parts, _ = _workbook_info(zf)
    except (zipfile.BadZipFile, ParseError, KeyError, OSError):
        return []
    return [(name, state == "visible") for name, _, state in parts]


# --- engines ---------------------------------------------------------------------------------

def _read_calamine(data: bytes | str, sheet: str | None) -> tuple[str, Iterable[list[Any]]]:
    import python_calamine as pc

    workbook = pc.CalamineWorkbook.from_object(io.BytesIO(data) if isinstance(data, bytes) else data)
    if sheet is None:
        ws = workbook.get_sheet_by_index(0)
    else:
        ws = workbook.get_sheet_by_name(sheet)
    # Row by row rather than to_python(): the whole sheet never exists twice as Python lists.
    # iter_rows() starts at row 1 but at the first used column: pad back to column A.
    pad = ws.start[1] if ws.start else 0
    rows = ws.iter_rows()
    return ws.name, (([None] * pad + row) for row in rows) if pad else rows


def _read_openpyxl(data: bytes | str, sheet: str | None) -> tuple[str, Iterable[list[Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(
        io.BytesIO(data) if isinstance(data, bytes) else data, read_only=True, data_only=True
    )
    ws = workbook.worksheets[0] if sheet is None else workbook[sheet]
    ws.reset_dimensions()

    def rows():
        try:
            for row in ws.iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()

    return ws.title, rows()


def read_sheet(
    source: Source,
    sheet: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    blank_run: int = DEFAULT_BLANK_RUN,
    max_uncompressed: int = 150 * MB,
    engine: str = "auto",
    info: XlsxInfo | None = None,
) -> SheetData:
    """Reads the first sheet (or the sheet named `sheet`). Raises ImportRejected in French.
    `info`: what inspect_xlsx found in this very file (reading a second sheet of it)."""
    data = _to_bytes(source)
    if info is None:
        info = inspect_xlsx(data, max_uncompressed=max_uncompressed)

    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as zf:
            parts, values_untrusted = _workbook_info(zf)
            if not parts:
                raise ImportRejected("Le classeur ne contient aucune feuille.")
            if sheet is None:
                part = parts[0][1]
            else:
                matching = [p for n, p, _ in parts if n == sheet]
                if not matching:
                    names = ", ".join(f"« {n} »" for n, _, _ in parts)
                    raise ImportRejected(
                        f"La feuille « {sheet} » est introuvable dans le fichier "
                        f"(feuilles présentes : {names})."
                    )
                part = matching[0]
            cells = (find_formulas_without_value(zf, part, values_untrusted)
                     if _may_hold_formulas(info, part) else [])
    except ImportRejected:
        raise
    except (zipfile.BadZipFile, ParseError, KeyError, OSError) as exc:
        raise ImportRejected(MSG_CORRUPT) from exc
    if cells:
        listed = ", ".join(cells[:MAX_FORMULA_ERRORS_LISTED])
        more = f" et {len(cells) - MAX_FORMULA_ERRORS_LISTED} autres" if len(cells) > MAX_FORMULA_ERRORS_LISTED else ""
        why = (" : le programme qui a produit le fichier n'a pas calculé ses formules (il demande "
               "à Excel de les recalculer à l'ouverture)") if values_untrusted else ""
        raise ImportRejected(
            f"Le fichier contient une cellule contenant une formule sans valeur ({listed}{more}){why}. "
            "Ouvrez-le dans Excel, laissez-le calculer puis enregistrez-le, ou remplacez les "
            "formules par leurs valeurs."
        )

    engines = {"calamine": _read_calamine, "openpyxl": _read_openpyxl}
    order = ["calamine", "openpyxl"] if engine == "auto" else [engine]
    last_error: Exception | None = None
    for name in order:
        try:
            title, raw_rows = engines[name](data, sheet)
            try:
                rows, stopped = collect_rows(raw_rows, max_rows, blank_run)
            finally:
                if hasattr(raw_rows, "close"):
                    raw_rows.close()  # openpyxl: closes the workbook's file at once
            return SheetData(name=title, rows=rows, engine=name, stopped_at_blank_run=stopped)
        except ImportRejected:
            raise
        except Exception as exc:  # noqa: BLE001 - any reader failure falls back to the next
            last_error = exc
    raise ImportRejected(MSG_CORRUPT) from last_error
