"""The English catalogue is complete and up to date with the sources.

Every string of the code (`_()`, `_l()`, `ngettext()`, and `N_()` for the labels kept in dicts and
translated where they are shown) is in quota_app/translations/en/LC_MESSAGES/messages.po with an
English text, no fuzzy guess and the same placeholders; pages in English show it. When a test here
fails on a new string: `make messages`, translate the empty msgstr, `make translations`.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages import extract, frontend
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "quota_app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The keywords `make messages` extracts, on top of Babel's (_, gettext, ngettext, N_, ...).
KEYWORDS = {**extract.DEFAULT_KEYWORDS, "_l": None, "N_": None}
# %(name)s, %s, %d, %%, {name}, and HTML tags: what must come back unchanged in the English text.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[^{}]*\}|</?[A-Za-z][^>]*>")
# The few placeholders an English text may leave out, and why.
MAY_DROP = {
    # « prévenu par SMS et par e-mail » (notifications.services.Notified.said) is French prose;
    # the English says "notified" and the addresses tell the channels.
    "Décision enregistrée pour %(ref)s : %(label)s. Le candidat est %(said)s (%(to)s).": {"%(said)s"},
}


@lru_cache(maxsize=1)
def catalogue():
    with CATALOGUE.open("rb") as f:
        return read_po(f, locale="en")


def _messages():
    return [m for m in catalogue() if m.id]


def _key(msgid) -> str:
    return msgid[0] if isinstance(msgid, (tuple, list)) else msgid


@lru_cache(maxsize=1)
def extracted() -> dict[str, list[str]]:
    """msgid (the singular of a plural) -> where it is, from babel.cfg as `make messages` reads it."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse(f)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract.extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        key = _key(message)
        if key:
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def _forms(message) -> list[tuple[str, str]]:
    """(source, English) pairs: the singular with msgstr[0], the plural with msgstr[1]."""
    if isinstance(message.id, (tuple, list)):
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        return [(message.id[0], strings[0] if strings else ""),
                (message.id[1], strings[1] if len(strings) > 1 else "")]
    return [(message.id, message.string or "")]


# --- the catalogue itself ----------------------------------------------------------------------

def test_every_message_has_an_english_text_and_none_is_fuzzy():
    messages = _messages()
    assert len(messages) > 1500
    empty = sorted(_key(m.id) for m in messages if any(not text.strip() for _source, text in _forms(m)))
    fuzzy = sorted(_key(m.id) for m in messages if m.fuzzy)
    assert not empty, f"{len(empty)} message(s) sans traduction anglaise :\n" + "\n".join(empty)
    assert not fuzzy, f"{len(fuzzy)} message(s) marqué(s) fuzzy :\n" + "\n".join(fuzzy)


def test_the_catalogue_keeps_no_obsolete_entry():
    assert not catalogue().obsolete, sorted(catalogue().obsolete)


def test_placeholders_and_tags_are_the_same_in_english():
    wrong = []
    for message in _messages():
        for source, text in _forms(message):
            expected = Counter(p for p in PLACEHOLDER.findall(source) if p not in MAY_DROP.get(source, ()))
            if expected != Counter(p for p in PLACEHOLDER.findall(text) if p not in MAY_DROP.get(source, ())):
                wrong.append(f"{source!r} -> {text!r}")
    assert not wrong, "Variables ou balises différentes dans la traduction :\n" + "\n".join(wrong)


def test_the_placeholder_reader_sees_every_kind():
    assert PLACEHOLDER.findall("%(n)s %(num)d %s %d 100 %% {name} <strong>x</strong> <a href=\"/\">") == [
        "%(n)s", "%(num)d", "%s", "%d", "%%", "{name}", "<strong>", "</strong>", '<a href="/">']


# --- the catalogue and the sources ---------------------------------------------------------------

def test_every_string_of_the_sources_is_in_the_catalogue():
    found = extracted()
    assert len(found) > 1500
    known = {_key(m.id) for m in _messages()}
    missing = sorted(set(found) - known)
    assert not missing, (
        f"{len(missing)} texte(s) du code absent(s) du catalogue anglais (make messages, puis traduire) :\n"
        + "\n".join(f"{msgid!r} ({', '.join(found[msgid][:2])})" for msgid in missing))


def test_the_marker_returns_the_text_and_is_extracted(tmp_path):
    from quota_app.i18n import N_

    assert N_("Recevable") == "Recevable"
    source = tmp_path / "labels.py"
    source.write_text('LABELS = {"a": N_("Un libellé"), "b": _l("Un autre")}\n', encoding="utf-8")
    with source.open("rb") as f:
        messages = [m[1] for m in extract.extract("python", f, keywords=KEYWORDS)]
    assert messages == ["Un libellé", "Un autre"]


def _borrowed() -> dict[str, list[str]]:
    """The labels shown through _() whose modules do not carry N_ (quota_app/i18n.py BORROWED_LABELS)."""
    from quota_app.amci import followup_queries, followup_rules
    from quota_app.applications import status
    from quota_app.errors import Conflict
    from quota_app.exports import views as export_views
    from quota_app.permissions import ROLE_LABELS

    return {
        "permissions.ROLE_LABELS": list(ROLE_LABELS.values()),
        "applications/status.STATES": list(status.STATES.values()),
        "errors.Conflict.message": [Conflict.message],
        "amci/followup_queries.FILTERS": [label for options in followup_queries.FILTERS.values()
                                          for label in options.values()],
        "amci/followup_rules.KIND_LABELS": list(followup_rules.KIND_LABELS.values()),
        "exports/views.OTHER_WORKBOOKS": [label for _endpoint, label, _roles in export_views.OTHER_WORKBOOKS],
    }


def test_the_labels_of_unmarked_modules_are_extracted_and_translated():
    """A label added to one of these dicts fails here until it is in BORROWED_LABELS (or marked
    with N_ in its own module), then translated: `make messages` would drop it otherwise."""
    found = extracted()
    translated = {_key(m.id) for m in _messages() if all(text.strip() for _source, text in _forms(m))}
    missing = sorted(f"{where}: {label!r}" for where, labels in _borrowed().items() for label in labels
                     if label not in found or label not in translated)
    assert not missing, "Libellés à ajouter à quota_app/i18n.py BORROWED_LABELS :\n" + "\n".join(missing)


# --- pages in English ----------------------------------------------------------------------------

def _english(client, login, user, path: str) -> str:
    login(user)
    client.post("/langue", data={"lang": "en", "next": path})
    response = client.get(path)
    assert response.status_code == 200, path
    body = response.get_data(as_text=True)
    assert 'lang="en"' in body
    return body


def test_the_accounts_page_shows_the_roles_in_english(client, make_user, login):
    make_user("manager")
    make_user("committee")
    make_user("amci")
    body = _english(client, login, make_user("admin"), "/admin/comptes")
    for english in ("Manager", "Committee member", "AMCI officer", "Administrator"):
        assert english in body
    for french in ("Gestionnaire", "Membre du comité", "Agent AMCI", "Administrateur", "Comptes"):
        assert french not in body


def test_a_reference_list_shows_its_title_and_columns_in_english(client, make_user, login, reference):
    body = _english(client, login, make_user("manager"), "/gestion/referentiel/filieres/")
    for english in ("<h1>Programmes</h1>", "Add a programme", "Duration (months)", "Title", "Sector"):
        assert english in body
    for french in ("Filières", "Ajouter une filière", "Durée (mois)", "Intitulé", "Secteur"):
        assert french not in body


def test_the_audit_trail_shows_actions_and_fields_in_english(client, make_user, login):
    body = _english(client, login, make_user("manager"), "/gestion/journal/")
    # The language change itself is the newest event; the action menu lists every label.
    for english in ("Language changed", "Application created", "Placement published", "Seat offer"):
        assert english in body
    for french in ("Changement de langue", "Création du dossier", "Publication de l'affectation",
                   "Offre de places"):
        assert french not in body
