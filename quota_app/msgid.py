"""French sentences marked for the catalogue, for the pure modules (no Flask here).

`N_(text)` returns the text and marks it for `make messages`; it is translated where it is
shown. `as_is(text, **params)` is what a gettext gives where no language is chosen: the
French sentence itself, its %(name)s placeholders filled. A pure module that builds a sentence
takes a `_` parameter defaulting to `as_is`, and a page passes Flask-Babel's gettext.
"""


def N_(text: str) -> str:
    """Mark `text` for extraction into the catalogue; it is translated later, where it is shown."""
    return text


def as_is(text: str, **params) -> str:
    return text % params if params else text
