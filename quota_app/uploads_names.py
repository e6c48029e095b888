"""The name an uploaded file is shown under: what the person's browser sent, made harmless.

A browser sends the name the person's system gives the file, and a script sends anything
(`../../x.pdf`, `C:\\evil\\a.xlsx`, a NUL, an RTL override that shows `fdp.exe` as `exe.pdf`,
300 characters). Every place that keeps an upload's original name (the applicant's documents,
the import runs: paper files, offers, score sheets, the AMCI follow-up) keeps `display_name(...)`
of it instead: the last part of the path only, without control or invisible formatting
characters and without leading dots, length-limited with its extension kept, accents kept.

The files themselves are stored under random names (applications/storage.py,
imports/services.store_upload): this name is never a path, only a label and a download name.

Pure: no Flask, no database.
"""
from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 120
# An extension longer than this is part of the name, not an extension worth keeping whole.
MAX_EXTENSION = 10
# Unicode categories removed: controls (NUL, CR, LF, ESC...), formatting characters (the
# bidirectional overrides U+202A-U+202E and isolates U+2066-U+2069, zero-width joiners, the BOM),
# surrogates, private use and unassigned code points, line and paragraph separators.
_REMOVED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Characters Windows refuses in a file name (a download name must save everywhere).
_RESERVED = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")
_DRIVE = re.compile(r"^[A-Za-z]:")


def _visible(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in _REMOVED_CATEGORIES)


def _cut(name: str, max_length: int) -> str:
    """At most max_length characters, the extension kept when there is a short one."""
    if len(name) <= max_length:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and 0 < len(extension) <= MAX_EXTENSION and len(extension) + 2 <= max_length:
        return stem[:max_length - len(extension) - 1].rstrip(" .") + "." + extension
    return name[:max_length].rstrip(" .")


def display_name(raw, default: str = "fichier", max_length: int = MAX_LENGTH) -> str:
    """The cleaned name of an uploaded file (`../../x.pdf` -> `x.pdf`, `C:\\evil\\a.xlsx` ->
    `a.xlsx`, `\\x00.pdf` -> `fichier.pdf`); `default` when nothing is left of it.

    Steps: Unicode NFC (an accent typed as a combining mark is one character); any run of
    white space (tab, new line) one space; controls and invisible formatting characters removed; the last part of a POSIX or Windows path (a drive
    letter dropped); Windows' reserved characters as "_"; spaces collapsed; leading dots and
    spaces, trailing dots and spaces removed (a name that was only an extension, `.pdf`, is
    the default's name with it: `fichier.pdf`); at most `max_length` characters, the extension kept."""
    if not isinstance(raw, str):
        return default
    text = _visible(_SPACES.sub(" ", unicodedata.normalize("NFC", raw)))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _DRIVE.sub("", text)
    text = _SPACES.sub(" ", _RESERVED.sub("_", text)).strip()
    stripped = text.lstrip(". ")
    if stripped != text and stripped and "." not in stripped and len(stripped) <= MAX_EXTENSION:
        stem = default.rpartition(".")[0] or default
        stripped = f"{stem}.{stripped}"  # ".pdf": an extension without a name
    text = stripped.rstrip(". ")
    if not text:
        return default
    return _cut(text, max_length) or default
