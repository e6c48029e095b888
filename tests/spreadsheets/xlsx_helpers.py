"""Builders for test workbooks (pure Python: no app, no database)."""
import io
import zipfile

from openpyxl import Workbook


def make_xlsx(path, rows, title="Feuille1", start_row=1):
    """Saves a workbook whose first sheet holds `rows` from `start_row`; returns the path."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for offset, row in enumerate(rows):
        for col, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=start_row + offset, column=col, value=value)
    wb.save(path)
    return path


def rewrite_zip(src, dst, replace=None, add=None, drop=()):
    """Copies the zip `src` to `dst`, replacing, adding or dropping members."""
    replace = replace or {}
    add = add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = replace.get(info.filename, zin.read(info.filename))
            if callable(data):
                data = data(zin.read(info.filename))
            zout.writestr(info.filename, data)
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def sheet_xml(zip_path, name="xl/worksheets/sheet1.xml"):
    with zipfile.ZipFile(zip_path) as zf:
        return zf.read(name)


def to_bytes(path):
    with open(path, "rb") as fh:
        return fh.read()


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()
