"""Uploaded files: type from content, size cap, image metadata stripped. No app fixture."""
import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image, PngImagePlugin

from quota_app.applications.filetypes import (
    JPEG, PDF, PNG, UploadError, format_megabytes, is_executable, sniff, strip_image_metadata,
    validate_upload,
)

ALL = "application/pdf,image/jpeg,image/png"
MB = 1024 * 1024

TINY_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
    b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)
MZ_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"%PDF-1.4"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def exif_bytes():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"          # Make
    exif[0x0110] = "SecretPhone 12"      # Model
    exif[0x0131] = "Camera app"          # Software
    exif[0x0112] = 1                     # Orientation
    return exif.tobytes()


def jpeg_with_exif(size=(40, 30)):
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", exif=exif_bytes())
    return out.getvalue()


def png_with_metadata(size=(40, 30)):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Awa Traoré")
    info.add_text("Comment", "Bamako, ACI 2000")
    out = BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG", pnginfo=info, exif=exif_bytes())
    return out.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width=30000, height=30000):
    """A few hundred bytes claiming 900 million pixels."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
    data = png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
    return b"\x89PNG\r\n\x1a\n" + header + data + png_chunk(b"IEND", b"")


# --- sniff --------------------------------------------------------------------------------

def test_sniff_types():
    assert sniff(TINY_PDF) == PDF
    assert sniff(jpeg_with_exif()) == JPEG
    assert sniff(png_with_metadata()) == PNG
    assert sniff(b"") is None
    assert sniff(b"hello world") is None
    assert sniff(b"PDF-1.4 without percent") is None
    assert sniff(b"  %PDF-1.4 not at the start") is None


def test_executables_are_never_documents():
    assert is_executable(MZ_EXE) and sniff(MZ_EXE) is None
    assert is_executable(ELF) and sniff(ELF) is None
    assert sniff(b"#!/bin/sh\necho %PDF-") is None
    assert not is_executable(TINY_PDF)


# --- validate_upload ----------------------------------------------------------------------

def test_real_pdf_accepted():
    assert validate_upload(TINY_PDF, "diplome.pdf", ALL, 5 * MB) == (PDF, None)


def test_images_accepted_whatever_their_name():
    assert validate_upload(jpeg_with_exif(), "IMG_0042", ALL, 5 * MB) == (JPEG, None)
    assert validate_upload(png_with_metadata(), "scan.pdf", ALL, 5 * MB) == (PNG, None)


def test_accepted_types_as_list():
    assert validate_upload(TINY_PDF, "a.pdf", [PDF], MB) == (PDF, None)


def test_executable_named_pdf_refused():
    content_type, error = validate_upload(MZ_EXE, "releve.pdf", ALL, 5 * MB)
    assert content_type is None
    assert "« releve.pdf »" in error and "programme" in error
    assert validate_upload(ELF, "photo.jpg", ALL, 5 * MB)[0] is None


def test_empty_file_refused():
    content_type, error = validate_upload(b"", "photo.jpg", ALL, 5 * MB)
    assert content_type is None and "vide" in error


def test_six_megabytes_with_five_megabyte_cap_refused():
    big = TINY_PDF + b"0" * (6 * MB - len(TINY_PDF))
    content_type, error = validate_upload(big, "gros.pdf", ALL, 5 * MB)
    assert content_type is None
    assert "taille maximale est 5 Mo" in error and "(6 Mo)" in error


def test_file_exactly_at_cap_accepted():
    exact = TINY_PDF + b"0" * (5 * MB - len(TINY_PDF))
    assert validate_upload(exact, "juste.pdf", ALL, 5 * MB) == (PDF, None)


def test_unknown_format_refused():
    content_type, error = validate_upload(b"GIF89a....", "photo.gif", ALL, 5 * MB)
    assert content_type is None and "PDF, JPEG ou PNG" in error


def test_type_not_accepted_for_this_document():
    content_type, error = validate_upload(jpeg_with_exif(), "diplome.jpg", "application/pdf", 5 * MB)
    assert content_type is None
    assert "JPEG" in error and "envoyez un fichier PDF" in error


def test_format_megabytes():
    assert format_megabytes(5 * MB) == "5 Mo"
    assert format_megabytes(int(2.5 * MB)) == "2,5 Mo"


# --- strip_image_metadata -----------------------------------------------------------------

def test_jpeg_exif_removed():
    original = jpeg_with_exif()
    assert Image.open(BytesIO(original)).getexif().get(0x0110) == "SecretPhone 12"
    cleaned = strip_image_metadata(original, JPEG)
    assert b"SecretPhone" not in cleaned
    with Image.open(BytesIO(cleaned)) as image:
        assert image.format == "JPEG" and image.size == (40, 30)
        assert "exif" not in image.info
        assert len(image.getexif()) == 0


def test_png_exif_and_text_chunks_removed():
    original = png_with_metadata()
    assert b"Author" in original and b"SecretPhone" in original
    cleaned = strip_image_metadata(original, PNG)
    assert b"Author" not in cleaned and b"SecretPhone" not in cleaned and b"Bamako" not in cleaned
    with Image.open(BytesIO(cleaned)) as image:
        assert image.format == "PNG" and image.size == (40, 30)
        assert "exif" not in image.info and "Author" not in image.info
        assert len(image.getexif()) == 0


def test_rotated_photo_is_turned_upright_before_exif_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = BytesIO()
    Image.new("RGB", (40, 30), (0, 0, 0)).save(out, format="JPEG", exif=exif.tobytes())
    with Image.open(BytesIO(strip_image_metadata(out.getvalue(), JPEG))) as image:
        assert image.size == (30, 40)


def test_palette_png_with_transparency_survives():
    image = Image.new("P", (8, 8), 0)
    out = BytesIO()
    image.save(out, format="PNG", transparency=0)
    with Image.open(BytesIO(strip_image_metadata(out.getvalue(), PNG))) as cleaned:
        assert cleaned.info.get("transparency") == 0


def test_pdf_returned_unchanged():
    assert strip_image_metadata(TINY_PDF, PDF) is TINY_PDF


def test_decompression_bomb_refused():
    with pytest.raises(UploadError, match="trop grande"):
        strip_image_metadata(png_bomb(), PNG)


def test_pixel_cap_is_configurable():
    with pytest.raises(UploadError, match="trop grande"):
        strip_image_metadata(png_with_metadata(size=(100, 100)), PNG, max_pixels=1000)


def test_truncated_image_refused():
    broken = jpeg_with_exif()[:60]
    with pytest.raises(UploadError, match="illisible"):
        strip_image_metadata(broken, JPEG)


def test_image_whose_content_is_another_format_refused():
    with pytest.raises(UploadError, match="ne correspond pas"):
        strip_image_metadata(png_with_metadata(), JPEG)


def test_unsupported_type_refused():
    with pytest.raises(UploadError):
        strip_image_metadata(b"GIF89a", "image/gif")


def test_png_cut_in_the_middle_refused():
    out = BytesIO()
    Image.effect_noise((120, 120), 64).save(out, format="PNG")
    content = out.getvalue()
    with pytest.raises(UploadError, match="illisible"):
        strip_image_metadata(content[: len(content) // 2], PNG)


def test_jpeg_cut_in_the_middle_refused():
    out = BytesIO()
    Image.effect_noise((120, 120), 64).convert("RGB").save(out, format="JPEG")
    content = out.getvalue()
    with pytest.raises(UploadError, match="illisible"):
        strip_image_metadata(content[: len(content) // 2], JPEG)
