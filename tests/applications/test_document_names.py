"""An applicant's document keeps the cleaned name of the upload (uploads_names.display_name)."""
import pytest
from flask import current_app

import factories


def _upload(application, name, content=None):
    """The campaign's first document, uploaded under `name` (a PDF, or a PNG for a photo)."""
    from quota_app.applications import services

    doc_type, _required = services.campaign_document_types(application.campaign)[0]
    if content is None:
        content = factories.PDF_BYTES if "application/pdf" in doc_type.accepted_types else factories.png_bytes()
    document, _old = services.upload_document(
        factories._owner(application), application, doc_type.id, content, name, current_app.config["UPLOAD_DIR"],
        current_app.config["MAX_UPLOAD_BYTES"], now=factories.applying_moment(application.campaign))
    return document, doc_type


@pytest.mark.parametrize("sent, kept", [
    ("../../x.pdf", "x.pdf"),
    ("C:\\evil\\a.pdf", "a.pdf"),
    ("\x00.pdf", "{type}.pdf"),
    ("fdp\u202e.pdf", "fdp.pdf"),
    ("Relevé – Aïssata.pdf", "Relevé – Aïssata.pdf"),
    (None, "{type}"),
])
def test_the_document_keeps_the_cleaned_name(db, sent, kept):
    document, doc_type = _upload(factories.make_application("draft", filled=False), sent)
    assert document.original_name == kept.format(type=doc_type.name)


def test_a_long_name_is_cut_keeping_the_extension(db):
    document, _type = _upload(factories.make_application("draft", filled=False), "n" * 300 + ".pdf")
    assert len(document.original_name) == 120 and document.original_name.endswith(".pdf")


def test_a_refusal_names_the_cleaned_file(db):
    from quota_app.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        _upload(factories.make_application("draft", filled=False), "../\u202eevil.pdf", content=b"")
    assert "« evil.pdf »" in refused.value.message and "\u202e" not in refused.value.message
