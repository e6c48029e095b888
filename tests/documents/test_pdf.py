"""PDF rendering: A4 pages in French with « Page X / Y », fonts of the system, same content →
same bytes, and nothing fetched from the network."""
import hashlib
import re
import socket
from datetime import datetime

import pytest
from documents_helpers import (
    SPECIMEN,
    decoded_qr_codes,
    page_count,
    pdf_objects_text,
    pdf_text,
    specimen_rows,
)

SEALED_AT = datetime(2026, 11, 29, 10, 0)


def _seal(token="A" * 43, url="https://quota.dnfp.ml/verifier/" + "A" * 43):
    from quota_app.documents import qr
    from quota_app.documents.sealing import Seal

    return Seal(kind="pv", number="PV-2026-001", title="Procès-verbal — Q2026", token=token, url=url,
                content_sha256="ab" * 32, sealed_at=SEALED_AT, qr_data_uri=qr.svg_data_uri(url))


def _render(app, rows=3, **context):
    from quota_app.documents import render_pdf

    with app.app_context():
        return render_pdf(app.jinja_env.from_string(SPECIMEN), rows=specimen_rows(rows), **context)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"connexion réseau tentée : {args[:1]}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_a_pdf_of_several_a4_pages_with_french_page_numbers(app, tmp_path, no_network):
    pdf = _render(app, rows=90, seal=_seal())
    assert pdf.startswith(b"%PDF-")
    pages = page_count(pdf)
    assert pages >= 3
    inflated = pdf_objects_text(pdf)
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.27\d* 841\.8\d*", inflated), "A4"
    text = pdf_text(pdf, tmp_path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) absent : le texte n'est pas lu")
    assert f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text
    assert "Spécimen de document scellé" in text and "ANON-0090" in text
    assert "N° PV-2026-001" in text and "Document scellé — vérifiable en ligne" in text
    assert "ab" * 32 in text.replace("\n", "")


def test_fonts_are_the_systems_dejavu_embedded_as_subsets(app):
    inflated = pdf_objects_text(_render(app))
    assert re.search(rb"/FontName\s*/[A-Z]{6}\+DejaVu-?Sans", inflated)


def test_the_same_content_renders_the_same_bytes_with_the_documents_dates(app):
    first, second = _render(app, seal=_seal()), _render(app, seal=_seal())
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    assert b"D:20261129100000" in pdf_objects_text(first)  # CreationDate from the seal, not now
    assert _render(app, seal=_seal(token="B" * 43, url="https://quota.dnfp.ml/verifier/" + "B" * 43)) != first


def test_without_a_date_the_pdf_carries_none(app):
    inflated = pdf_objects_text(_render(app))
    assert b"/CreationDate" not in inflated and b"/ModDate" not in inflated


def test_the_qr_code_leads_to_the_verification_url(app, tmp_path):
    from quota_app.documents import qr

    url = "https://quota.dnfp.ml/verifier/" + "Zz9_-" * 8 + "abc"
    # The symbol segno builds for the printed data URI is that of the URL (same matrix)...
    assert qr.matrix(url) == tuple(tuple(row) for row in qr.make(url).matrix)
    assert qr.make(url).mode == "byte" and qr.make(url).error in ("M", "Q", "H")
    assert qr.svg_data_uri(url).startswith("data:image/svg+xml")
    # ...and, where a reader is installed, the printed code reads back as the URL.
    pdf = _render(app, seal=_seal(token="Zz9_-" * 8 + "abc", url=url))
    codes = decoded_qr_codes(pdf, tmp_path, page=page_count(pdf))
    if codes is None:
        pytest.skip("pdftoppm ou zbarimg absent : le QR code imprimé n'est pas relu")
    assert codes == [url]


@pytest.mark.parametrize("url", [
    "http://example.com/logo.png", "https://example.com/style.css", "ftp://example.com/x",
    "HTTPS://EXAMPLE.COM/x", "//example.com/x.png", "file://serveur/partage/logo.png",
    "file:///etc/passwd", "file:///work/../etc/hostname",
])
def test_the_url_fetcher_refuses_anything_but_local_files_and_data(app, url, no_network):
    from quota_app.documents.pdf import local_fetcher

    with app.app_context():
        fetcher = local_fetcher()
        with pytest.raises(fetcher.Refused):
            fetcher.fetch(url)


def test_the_url_fetcher_serves_data_uris_and_the_apps_static_files(app):
    from pathlib import Path

    from quota_app.documents.pdf import local_fetcher

    with app.app_context():
        fetcher = local_fetcher()
        assert fetcher.fetch("data:text/plain;base64,Qm9uam91cg==").read() == b"Bonjour"
        css = Path(app.static_folder) / "css" / "app.css"
        assert fetcher.fetch(css.resolve().as_uri()).read() == css.read_bytes()


def test_a_template_that_asks_for_a_remote_resource_is_not_rendered(app, no_network):
    from quota_app.documents import DocumentRenderError, html_to_pdf

    with app.app_context():
        for html in ('<img src="https://example.com/logo.png">',
                     '<style>@import url("http://example.com/x.css");</style><p>x</p>',
                     '<link rel="stylesheet" href="http://example.com/x.css"><p>x</p>'):
            with pytest.raises(DocumentRenderError):
                html_to_pdf(html)


def test_a_relative_address_is_one_of_the_static_files(app):
    from quota_app.documents import html_to_pdf

    with app.app_context():
        pdf = html_to_pdf('<link rel="stylesheet" href="css/app.css"><p class="muted">x</p>')
    assert pdf.startswith(b"%PDF-")


def test_a_pdf_is_french_even_when_the_reader_chose_english(app, tmp_path):

    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        template = app.jinja_env.from_string(SPECIMEN.replace(
            "{% block content %}", "{% block content %}<p>{{ seal.kind_label }}</p>"))
        from quota_app.documents import render_pdf

        pdf = render_pdf(template, seal=_seal(), rows=[])
    text = pdf_text(pdf, tmp_path)
    if text is None:
        pytest.skip("pdftotext absent")
    assert "Procès-verbal de délibération" in text
