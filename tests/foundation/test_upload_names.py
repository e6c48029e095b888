"""Uploaded files' original names are kept cleaned (uploads_names.display_name), pure."""
import pytest

from quota_app.uploads_names import MAX_LENGTH, display_name


@pytest.mark.parametrize("raw, expected", [
    ("../../x.pdf", "x.pdf"),
    ("C:\\evil\\a.xlsx", "a.xlsx"),
    ("C:a.xlsx", "a.xlsx"),
    ("/etc/passwd", "passwd"),
    ("\x00.pdf", "fichier.pdf"),
    ("a\x00b.pdf", "ab.pdf"),
    ("fdp\u202e.exe", "fdp.exe"),             # the RTL override that shows « exe.pdf »
    ("photo\u200b\u2066.png", "photo.png"),   # zero-width space, an isolate
    (".htaccess", "fichier.htaccess"),
    ("...hidden.xlsx", "hidden.xlsx"),
    ("  relevé\tde  notes.pdf  ", "relevé de notes.pdf"),
    ("Relevé de notes – Aïssata Koné.pdf", "Relevé de notes – Aïssata Koné.pdf"),  # accents kept
    ("e\u0301te\u0301.png", "été.png"),       # combining accents composed (NFC)
    ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
    ("rapport.pdf. . ", "rapport.pdf"),
    ("", "fichier"), ("   ", "fichier"), ("...", "fichier"), ("../..", "fichier"), ("\u202e", "fichier"),
    (None, "fichier"), (42, "fichier"),
])
def test_hostile_names_are_cleaned(raw, expected):
    assert display_name(raw) == expected


def test_the_default_is_the_callers():
    assert display_name("", "feuille.xlsx") == "feuille.xlsx"
    assert display_name("\x00.pdf", "Photo") == "Photo.pdf"


def test_long_names_are_cut_keeping_the_extension():
    name = display_name("é" * 300 + ".pdf")
    assert len(name) == MAX_LENGTH and name.endswith(".pdf") and name.startswith("é")
    assert len(display_name("x" * 300)) == MAX_LENGTH
    assert display_name("a" * 300 + "." + "b" * 40) == ("a" * 300 + "." + "b" * 40)[:MAX_LENGTH]


def test_no_separator_control_or_leading_dot_survives():
    import unicodedata

    for raw in ("../../x.pdf", "C:\\evil\\a.xlsx", "\x00.pdf", "x" * 300, "fdp\u202e.exe", "..\\..\\.x",
                "\r\n../a\x1b[31m.pdf"):
        name = display_name(raw)
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert all(unicodedata.category(c)[0] != "C" for c in name), repr(name)
        assert 0 < len(name) <= MAX_LENGTH
