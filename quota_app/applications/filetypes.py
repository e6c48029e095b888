"""Uploaded documents: type from the content (never the name), size cap, image clean-up.

Pure functions on bytes. The file name is used only in messages: a file named ".pdf" that is
really a program is refused, a photo named "IMG_0042" without extension is accepted.
"""
from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from PIL import Image, ImageFile, ImageOps

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TYPE_LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}

# Refuse images larger than this (a 48-megapixel phone photo still fits): decompression bombs
# are small files that expand to gigabytes in memory.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_SIGNATURE = b"%PDF-"
_EXECUTABLE_SIGNATURES = (
    b"MZ",                      # Windows / DOS (PE)
    b"\x7fELF",                 # Linux
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",  # Mach-O
    b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",        # Mach-O universal / Java class
    b"#!",                      # scripts
)
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG"}


class UploadError(ValueError):
    """A file refused, with a French message for the applicant (str(error))."""


def is_executable(content: bytes) -> bool:
    return any(content.startswith(signature) for signature in _EXECUTABLE_SIGNATURES)


def sniff(content: bytes) -> str | None:
    """The MIME type from the first bytes: PDF, JPEG, PNG, or None for anything else."""
    if not content or is_executable(content):
        return None
    if content.startswith(_PDF_SIGNATURE):
        return PDF
    if content.startswith(_PNG_SIGNATURE):
        return PNG
    if content.startswith(_JPEG_SIGNATURE):
        return JPEG
    return None


def format_megabytes(size_bytes: int) -> str:
    """5242880 -> "5 Mo", 2621440 -> "2,5 Mo" (1 Mo = 1024 × 1024 octets)."""
    value = round(size_bytes / (1024 * 1024), 1)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} Mo"


def format_size(size_bytes: int) -> str:
    """A file's size as an applicant reads it: "850 Ko" under 1 Mo, else "5,2 Mo"."""
    if size_bytes < 1024 * 1024:
        return f"{max(1, -(-size_bytes // 1024))} Ko"
    return format_megabytes(size_bytes)


def _accepted_list(accepted_types: str | Iterable[str]) -> list[str]:
    if isinstance(accepted_types, str):
        return [part.strip() for part in accepted_types.split(",") if part.strip()]
    return [part.strip() for part in accepted_types if part and part.strip()]


def _labels(types: Iterable[str]) -> str:
    labels = [TYPE_LABELS.get(mime, mime) for mime in types]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " ou " + labels[-1]


def validate_upload(
    content: bytes, filename: str | None, accepted_types: str | Iterable[str], max_bytes: int,
    *, size: int | None = None,
) -> tuple[str | None, str | None]:
    """(content_type, None) when the file is acceptable, else (None, French error).

    `size` is the whole file's size when `content` holds only its first bytes (the caller reads
    at most max_bytes + 1): the message about a file too large gives its real size."""
    name = f"« {filename} »" if filename else "Le fichier"
    accepted = _accepted_list(accepted_types)
    if not content:
        return None, f"{name} est vide : choisissez à nouveau le fichier."
    total = max(size or 0, len(content))
    if total > max_bytes:
        limit, weight = format_megabytes(max_bytes), format_size(total)
        if weight == limit:  # just over the limit: "5 Mo" would read as allowed
            weight = f"plus de {limit}"
        return None, (
            f"{name} est trop lourd ({weight}) : la taille maximale est {limit}. "
            "Réduisez la photo ou le scan, puis réessayez."
        )
    if is_executable(content):
        return None, (
            f"{name} n'est pas un document mais un programme : il est refusé. "
            f"Envoyez un fichier {_labels(accepted)}."
        )
    content_type = sniff(content)
    if content_type is None:
        return None, f"{name} n'est pas dans un format accepté : envoyez un fichier {_labels(accepted)}."
    if content_type not in accepted:
        return None, (
            f"{name} est un fichier {TYPE_LABELS[content_type]} : pour cette pièce, envoyez un "
            f"fichier {_labels(accepted)}."
        )
    return content_type, None


def strip_image_metadata(content: bytes, content_type: str, *, max_pixels: int = MAX_IMAGE_PIXELS) -> bytes:
    """Re-encode a JPEG or PNG without EXIF (GPS position, phone model...) or text chunks.

    The photo is first turned upright from its EXIF orientation, so that dropping EXIF does
    not leave it on its side. PDFs are returned unchanged. Raises UploadError (French message)
    for an unreadable, mislabelled or oversized image (decompression bomb).
    """
    if content_type == PDF:
        return content
    pil_format = _PIL_FORMATS.get(content_type)
    if pil_format is None:
        raise UploadError("Ce type de fichier n'est pas une image acceptée (JPEG ou PNG).")
    too_big = UploadError(
        "L'image est trop grande (trop de pixels) : réduisez sa taille ou sa résolution, puis réessayez."
    )
    unreadable = UploadError("L'image est illisible ou endommagée : reprenez la photo ou le scan, puis réessayez.")
    # The pixel count is checked from the header before any decoding (warnings.catch_warnings
    # would be simpler but is not thread-safe); Pillow's own bomb error is a second net.
    try:
        # A truncated image is refused, whatever a library set process-wide (WeasyPrint sets it).
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        with Image.open(BytesIO(content)) as probe:
            if probe.format != pil_format:
                raise UploadError(
                    f"Le contenu de l'image ne correspond pas au format {TYPE_LABELS[content_type]} annoncé."
                )
            width, height = probe.size
            if width <= 0 or height <= 0:
                raise unreadable
            if width * height > max_pixels:
                raise too_big
            probe.verify()
        with Image.open(BytesIO(content)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            icc_profile = image.info.get("icc_profile")
            transparency = image.info.get("transparency")
            clean = upright.copy()
            clean.info = {}
        options: dict = {}
        if icc_profile:
            options["icc_profile"] = icc_profile
        if pil_format == "JPEG":
            if clean.mode not in ("RGB", "L", "CMYK"):
                clean = clean.convert("RGB")
            options.update(quality=90, optimize=True)
        else:
            if transparency is not None and clean.mode in ("P", "L", "RGB"):
                options["transparency"] = transparency
            options["optimize"] = True
        output = BytesIO()
        clean.save(output, format=pil_format, **options)
    except UploadError:
        raise
    except Image.DecompressionBombError as error:
        raise too_big from error
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as error:
        raise unreadable from error
    return output.getvalue()
