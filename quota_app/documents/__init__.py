"""Documents: PDF from HTML templates, sealing (hashes, QR code) and the public verification page.

Shared: it knows no feature. Features render their templates with `render_pdf` and seal them
with `seal` (see sealing.py for the whole recipe); the verification page (views.py, /verifier/)
shows only what the feature put in a document's number and title.
"""
from .canonical import canonical_bytes, content_sha256  # noqa: F401
from .pdf import DocumentRenderError, html_to_pdf, render_pdf  # noqa: F401
from .sealing import Seal, register_kind, revoke, seal  # noqa: F401
