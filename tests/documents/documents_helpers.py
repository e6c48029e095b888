"""Helpers for the documents tests and the access table: a sealed specimen, reading PDFs."""
import re
import shutil
import subprocess
import zlib
from datetime import datetime

SPECIMEN = """{% extends "documents/base.html" %}
{% block heading %}Spécimen de document scellé{% endblock %}
{% block content %}
<p>Campagne Q2026 — document d'essai, sans donnée personnelle.</p>
<table><thead><tr><th class="num">Rang</th><th>Code</th><th class="num">Note /20</th></tr></thead>
<tbody>{% for row in rows %}<tr><td class="num">{{ row.rank }}</td><td>{{ row.code }}</td><td class="num">{{ row.score }}</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""


def specimen_rows(count: int = 3) -> list[dict]:
    return [{"rank": i, "code": f"ANON-{i:04d}", "score": f"{20 - i * 0.25:.2f}"} for i in range(1, count + 1)]


def seal_specimen(app, *, number="PV-2026-001", title="Procès-verbal de délibération — Q2026", rows=None,
                  created_by=None, sealed_at=datetime(2026, 11, 29, 10, 0), commit=True):
    """Seal the specimen (inside the caller's app context): returns (row, pdf bytes)."""
    from quota_app.documents import render_pdf, seal
    from quota_app.extensions import db

    rows = specimen_rows() if rows is None else rows
    template = app.jinja_env.from_string(SPECIMEN)
    row, pdf = seal("pv", number, title, {"ranking": rows}, lambda s: render_pdf(template, seal=s, rows=rows),
                    created_by=created_by, sealed_at=sealed_at)
    if commit:
        db.session.commit()
    return row, pdf


def seal_sample() -> str:
    """The token of a freshly sealed specimen (for the access table's world, in its app context)."""
    from flask import current_app

    row, _pdf = seal_specimen(current_app)
    return row.token


def pdf_objects_text(data: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (pages and metadata sit in object streams)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        start = match.end()
        end = data.find(b"endstream", start)
        try:
            parts.append(zlib.decompressobj().decompress(data[start:end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf_objects_text(data)))


def pdf_text(data: bytes, tmp_path) -> str | None:
    """The PDF's text by pdftotext (poppler-utils), or None where it is not installed."""
    if not shutil.which("pdftotext"):
        return None
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def decoded_qr_codes(data: bytes, tmp_path, page: int) -> list[str] | None:
    """The QR codes zbarimg reads on a page rendered by pdftoppm, or None where either is missing."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        return None
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "200", "-f", str(page), "-l", str(page), "-png", str(path),
                    str(tmp_path / "page")], check=True, capture_output=True)
    image = next(tmp_path.glob("page*.png"))
    result = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
                            capture_output=True, text=True, check=False)  # 4: no code found
    return [line for line in result.stdout.splitlines() if line]
