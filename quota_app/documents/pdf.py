"""PDF from HTML templates, with WeasyPrint.

A feature writes an HTML template that extends "documents/base.html" (A4, margins, French,
« Page X / Y » at the foot of every page, DejaVu / Liberation fonts of the system) and asks:

    pdf = render_pdf("committee/pv.html", title="Procès-verbal n° PV-2026-01", pv=pv, ...)

The template is rendered by Flask's render_template (so it may live in templates/documents/ or
in the feature's own folder) and laid out by WeasyPrint. Nothing is fetched from the network:
the URL fetcher accepts data: URIs and the files of the application's static and template
folders and of the system's font folders, and stops the rendering on anything else (an http(s)
address would make the document depend on another server, and could leak who reads it).

Same content, same bytes: WeasyPrint writes no time of its own, the PDF's dates are those the
caller gives (`created`, the seal's time when the template is sealed), fonts are the same
subset each time. Renders are independent: no state is kept between two calls.
"""
from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from flask_babel import force_locale

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")


class DocumentRenderError(RuntimeError):
    """The document could not be rendered (a template asked for a resource it may not have)."""


def _weasyprint():
    # Imported on first use: the application (and its CLI) starts without loading Pango.
    import weasyprint
    from PIL import ImageFile
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    # WeasyPrint's import turns on Pillow's process-wide "load truncated images": the uploads'
    # check (applications/filetypes.py) would then accept a photo cut in the middle. Our
    # documents draw no raster image of uncertain origin: back to Pillow's default.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    return weasyprint, FatalURLFetchingError, URLFetcher


@functools.cache
def _fetcher_class():
    _, FatalURLFetchingError, URLFetcher = _weasyprint()

    class ResourceRefused(FatalURLFetchingError):
        """A resource the document may not have. Fatal for WeasyPrint, which stops the
        rendering (render_pdf raises DocumentRenderError) instead of drawing a hole."""

    class LocalOnlyFetcher(URLFetcher):
        Refused = ResourceRefused

        def __init__(self, roots):
            super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
            self.roots = tuple(Path(root).resolve() for root in roots)

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                parts = urlsplit(url)
                if parts.netloc not in ("", "localhost"):
                    raise ResourceRefused(f"Ressource refusée (fichier distant) : {url[:200]}")
                path = Path(url2pathname(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in self.roots):
                    return super().fetch(url, headers)
                raise ResourceRefused(f"Ressource refusée (hors des dossiers de l'application) : {url[:200]}")
            raise ResourceRefused(
                f"Ressource refusée (seuls les fichiers locaux et les URI data: sont permis) : {url[:200]}")

    return LocalOnlyFetcher


def local_fetcher(roots=None):
    """A WeasyPrint URL fetcher that refuses everything but data: URIs and local files under
    `roots` (by default the app's static and template folders and the font folders). A refusal
    raises `fetcher.Refused`."""
    return _fetcher_class()(_default_roots() if roots is None else roots)


def _default_roots():
    app = current_app
    roots = [Path(app.root_path) / (app.static_folder or "static")]
    if app.template_folder:
        roots.append(Path(app.root_path) / app.template_folder)
    roots.extend(Path(d) for d in FONT_DIRS if Path(d).is_dir())
    return roots


def _w3c(moment: datetime) -> str:
    """A datetime as W3C-DTF in UTC, as WeasyPrint's metadata wants it (naive = UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def html_to_pdf(html: str, *, created: datetime | None = None, title: str | None = None,
                base_url: str | None = None, fetcher=None) -> bytes:
    """Lay out an HTML string as PDF bytes (local resources only, dates from `created`)."""
    weasyprint, FatalURLFetchingError, _ = _weasyprint()
    if base_url is None:
        base_url = (Path(current_app.root_path) / (current_app.static_folder or "static")).resolve().as_uri() + "/"
    try:
        document = weasyprint.HTML(string=html, base_url=base_url,
                                   url_fetcher=fetcher or local_fetcher()).render()
        metadata = document.metadata
        if title:
            metadata.title = title
        if created is not None:
            metadata.created = metadata.modified = _w3c(created)
        else:  # whatever the template says, no date rather than a varying one
            metadata.created = metadata.modified = None
        metadata.generator = "Quota"
        return document.write_pdf()
    except FatalURLFetchingError as error:
        cause = error.__cause__ or error
        raise DocumentRenderError(str(cause)) from None


def render_pdf(template, *, created: datetime | None = None, title: str | None = None,
               **context) -> bytes:
    """Render a Jinja template (through Flask: a name under templates/, or a Template object)
    to PDF bytes, in French whatever the reader's language, inside or outside a request.

    `created` dates the PDF's metadata (default: the seal's time when `seal` is in the context,
    else no date); `title` is the PDF's title (default: the seal's title). The context is the
    template's, as for render_template.
    """
    seal = context.get("seal")
    if seal is not None:
        created = created or seal.sealed_at
        title = title or seal.title
    with force_locale("fr"):  # an official document is French, whoever asks for it
        html = render_template(template, document_title=title or "", **context)
    return html_to_pdf(html, created=created, title=title)
