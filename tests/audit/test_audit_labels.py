"""The journal in French: every action code written anywhere has a label; the page names files,
accounts, statuses and reasons instead of codes and ids, with no query per row."""
import ast
import html
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event as sa_event

from quota_app.audit import labels

ROOT = Path(__file__).resolve().parents[2] / "quota_app"
URL = "/gestion/journal/"
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _strings(node) -> list[str]:
    """The string constants of an expression (`"a" if x else "b"` gives both)."""
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def written_actions() -> tuple[set[str], set[str]]:
    """(the literal action codes, the prefixes of the codes built at run time) in quota_app: the
    second argument of record(), every `action=` keyword, the default of a parameter named
    `action`, and what is passed in that position to a function taking `action`."""
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in ROOT.rglob("*.py")]
    literal, built, positions = set(), set(), {}

    def take(value, certain=False):
        """`certain`: the argument of record(); elsewhere (a parameter named `action` may be a
        form's button) only a dotted code of a known family counts."""
        if isinstance(value, ast.JoinedStr):
            head = value.values[0]
            built.add(head.value if isinstance(head, ast.Constant) else "")
        else:
            literal.update(s for s in _strings(value) if CODE.match(s) and (
                certain or s.partition(".")[0] in labels.FAMILIES and "." in s))

    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            args = node.args.args
            names = [a.arg for a in args]
            if "action" in names and node.name != "record":
                positions[node.name] = names.index("action") - (1 if names[:1] in (["self"], ["cls"]) else 0)
            pairs = list(zip(args[len(args) - len(node.args.defaults):], node.args.defaults))
            pairs += list(zip(node.args.kwonlyargs, node.args.kw_defaults))
            for arg, default in pairs:
                if arg.arg == "action" and default is not None:
                    take(default)
    # record() under the names it is imported as (`from ..audit.services import record as audit`).
    recorders = {"record"} | {alias.asname for tree in trees for node in ast.walk(tree)
                              if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("audit.services")
                              for alias in node.names if alias.name == "record" and alias.asname}
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            for kw in node.keywords:
                if kw.arg == "action":
                    take(kw.value)
            if name in recorders and len(node.args) >= 2:
                take(node.args[1], certain=True)
            elif name in positions and len(node.args) > positions[name]:
                take(node.args[positions[name]])
    return literal, built


def test_every_action_code_written_has_a_french_label():
    codes, built = written_actions()
    assert len(codes) > 60 and "application.screening.eligible" not in codes  # built, below
    missing = sorted(c for c in codes if labels.action_label(c) is None)
    assert not missing, f"Actions sans libellé français (audit/labels.py) : {missing}"
    assert built == {"application.screening.", "export.", "import."}, built


def test_every_built_action_code_has_a_french_label(app):
    from quota_app.exports.registry import export_kinds
    from quota_app.imports.models import ImportRun
    from quota_app.imports.registry import import_kinds
    from quota_app.screening.services import DECISIONS

    statuses = re.findall(r"'([a-z_]+)'", str(ImportRun.__table__.c.status.table.constraints))
    assert {"dry_run", "committed", "rejected", "failed"} <= set(statuses) | set(labels.IMPORT_STATUSES)
    codes = [f"application.screening.{d}" for d in DECISIONS]
    codes += [f"import.{kind}.{status}" for kind in import_kinds for status in labels.IMPORT_STATUSES]
    codes += [f"export.{kind.audit_name}" for kind in export_kinds.values()]
    assert len(list(import_kinds)) >= 4 and len(list(export_kinds)) >= 4
    missing = [c for c in codes if labels.action_label(c) is None]
    assert not missing, f"Actions sans libellé français (audit/labels.py) : {missing}"
    assert labels.action_label("import.applicants.committed") == "Import des candidats saisis sur papier : enregistré"
    assert labels.action_label("application.screening.ineligible") == "Décision de recevabilité : non recevable"
    assert labels.action_label("nothing.known") is None


def _screened_files(db, n, email="aminata@dnfp.ml"):
    """n submitted files, half declared ineligible (DOCS_MISSING), half eligible, by one manager."""
    import factories
    from quota_app.reference.models import IneligibilityReason
    from quota_app.screening import services

    campaign = factories.make_campaign("open")
    manager = factories.make_user("manager", full_name="Aminata Sidibé", email=email)
    reason = factories.first(IneligibilityReason, code="DOCS_MISSING")
    files = []
    for i in range(n):
        application = factories.make_application("submitted", campaign=campaign)
        if i % 2:
            services.decide(application.id, application.version, "ineligible", manager, reason_id=reason.id,
                            comment="Le diplôme manque.")
        else:
            services.decide(application.id, application.version, "eligible", manager)
        db.session.commit()
        files.append(application)
    return manager, files


def test_the_journal_reads_in_french_with_references_and_names(client, db, reference, login):
    manager, files = _screened_files(db, 2)
    login(manager)
    page = text(client.get(URL, query_string={"action": "application.screening."}))
    assert "2 événements" in page
    assert "Décision de recevabilité : non recevable" in page and "Décision de recevabilité : recevable" in page
    assert "<code>" not in page.split("<tbody>", 1)[1]  # no code shown in the rows
    first, second = files
    assert f"Dossier {first.reference} – TRAORÉ {first.first_names}" in page
    assert f"Dossier {second.reference} – TRAORÉ" in page and "applications #" not in page
    # Field, status and reason in French; the reason's code becomes its label from the reference data.
    assert "<td>Statut</td><td>Soumis</td><td>Non recevable</td>" in page
    assert '<td>Motif</td><td><span class="muted">—</span></td><td>Pièce justificative manquante</td>' in page
    assert "DOCS_MISSING" not in page and "Le diplôme manque." in page
    assert "Aminata Sidibé" in page and "aminata@dnfp.ml" in page


def test_the_journal_menus_and_compact_filters(client, db, reference, login):
    manager, _files = _screened_files(db, 1)
    login(manager)
    page = text(client.get(URL))
    # Filters folded in one <details> above the results; the menus speak French.
    assert '<details class="card filters">' in page and page.index("</details>") < page.index("<table")
    assert '<option value="application.screening.eligible">Décision de recevabilité : recevable</option>' in page
    assert '<option value="committee.">Comités : toutes les actions</option>' in page
    assert '<option value="applications">Dossier</option>' in page
    page = text(client.get(URL, query_string={"action": "application.screening.eligible"}))
    assert "1 filtre actif" in page and "1 événement" in page
    assert '<option selected value="application.screening.eligible">' in page or \
        '<option value="application.screening.eligible" selected>' in page


def test_names_are_fetched_once_per_page_not_per_row(client, db, reference, login, app):
    from quota_app.extensions import db as database

    manager, _files = _screened_files(db, 3)
    login(manager)

    def queries_for_page():
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        engine = database.engine
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(URL, query_string={"action": "application."}).status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    few = queries_for_page()
    _screened_files(db, 6, email="autre@dnfp.ml")  # three times the files, events and names
    assert queries_for_page() == few


def test_values_in_french(app):
    assert labels.format_value(True) == "Oui" and labels.format_value(False) == "Non"
    assert labels.format_value("2026-03-01") == "01/03/2026"
    assert labels.format_value("2026-03-01T09:05:00") == "01/03/2026 09:05"
    assert labels.format_value(date(2026, 3, 1)) == "01/03/2026"
    assert labels.format_value(datetime(2026, 3, 1, 9, 5)) == "01/03/2026 09:05"
    assert labels.field_label("override_reason") == "Motif de la recevabilité malgré les contrôles"
    assert labels.field_label("something_new") == "Something new"


@pytest.mark.parametrize("code", sorted(labels.ACTION_LABELS))
def test_labels_are_french_sentences(code):
    label = labels.ACTION_LABELS[code]
    assert label[0].isupper() and "." not in label.split(" ")[0] and "_" not in label


def test_the_action_menu_in_english(client, login, make_user):
    login(make_user("manager"))
    client.post("/langue", data={"lang": "en", "next": "/"})
    body = text(client.get(URL))
    assert ": all actions" in body and "toutes les actions" not in body
    assert "Review submitted" in body   # an action's label, translated once


def test_the_journal_names_objects_in_the_readers_language(client, db, login, make_user):
    from quota_app.audit.services import record
    from quota_app.auth.models import User

    applicant, admin = make_user("applicant"), make_user("admin")
    record(db.session.get(User, applicant.id), "user.locale", db.session.get(User, applicant.id),
           before={"locale": "fr"}, after={"locale": "en"})
    db.session.commit()
    login(admin)
    assert f"n° {applicant.id} (compte d'un candidat)" in text(client.get(URL))
    client.post("/langue", data={"lang": "en", "next": "/"})
    body = text(client.get(URL))
    assert f"no. {applicant.id} (an applicant's account)" in body and "compte d'un candidat" not in body
