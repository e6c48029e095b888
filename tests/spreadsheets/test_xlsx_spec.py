"""Declarative specs and row validation, end to end from a real file."""
import datetime as dt
from decimal import Decimal

import pytest

from quota_app.spreadsheets.reader import read_sheet
from quota_app.spreadsheets.spec import ColumnSpec, SheetSpec, validate_rows
from xlsx_helpers import make_xlsx

SPEC = SheetSpec("Candidats", [
    ColumnSpec("last_name", "Nom", required=True, options={"max_length": 40}),
    ColumnSpec("first_names", "Prénoms", required=True),
    ColumnSpec("birth_date", "Date de naissance", kind="date", required=True),
    ColumnSpec("phone", "Téléphone", kind="phone"),
    ColumnSpec("nina", "NINA", kind="nina"),
    ColumnSpec("sex", "Sexe", kind="choice", choices={"F": "Féminin", "M": "Masculin"}),
    ColumnSpec("boarding", "Internat", kind="boolean"),
    ColumnSpec("score", "Note", kind="decimal", options={"min_value": 0, "max_value": 20}),
])


def test_column_spec_checks_its_kind():
    with pytest.raises(ValueError):
        ColumnSpec("x", "X", kind="colour")
    with pytest.raises(ValueError):
        ColumnSpec("x", "X", kind="choice")


def test_custom_parser():
    column = ColumnSpec("code", "Code", parser=lambda v: (str(v).upper(), None))
    assert column.parse("ab") == ("AB", None)


def test_validate_rows_from_a_real_file(tmp_path):
    rows = [
        ["Saisie des fiches papier - Kayes"],
        [],
        ["NOM", "Prénom(s)", "Né(e) le", "Tél.", "N° NINA", "Sexe", "Internat", "Note", "Remarque"],
        ["Traoré", "Awa", dt.date(2001, 5, 4), "76 12 34 56", "12011234567890a", "f", "oui", 14.5, "ok"],
        ["Keïta", "Moussa  Ibrahim", "31/02/2002", "7612", "123", "Homme", "peut-être", "21", None],
        [],
        ["Coulibaly", None, "2003-01-15", None, None, "masculin", None, "12,75"],
    ]
    path = make_xlsx(tmp_path / "saisie.xlsx", rows)
    sheet = read_sheet(path)
    records, errors = validate_rows(sheet.rows, SPEC)

    assert records == [{
        "_row": 4, "last_name": "Traoré", "first_names": "Awa", "birth_date": dt.date(2001, 5, 4),
        "phone": "+22376123456", "nina": "12011234567890A", "sex": "F", "boarding": True,
        "score": Decimal("14.5"),
    }]
    by_cell = {(e["row"], e["column"]): e for e in errors}
    assert set(by_cell) == {
        (5, "Date de naissance"), (5, "Téléphone"), (5, "NINA"), (5, "Sexe"), (5, "Internat"),
        (5, "Note"), (7, "Prénoms"),
    }
    bad_date = by_cell[(5, "Date de naissance")]
    assert bad_date == {"sheet": "Candidats", "row": 5, "column": "Date de naissance",
                        "value": "31/02/2002", "message": "Date inexistante : « 31/02/2002 ».",
                        "column_index": 2, "key": "birth_date"}
    assert "obligatoire" in by_cell[(7, "Prénoms")]["message"]
    assert all(isinstance(e["message"], str) and e["message"] for e in errors)


def test_missing_columns_are_reported_with_the_header_row():
    rows = [["Liste"], ["Nom", "Téléphone", "Sexe"], ["Traoré", "76123456", "F"]]
    records, errors = validate_rows(rows, SPEC, sheet="Feuille1")
    assert records == []
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [
        ("Feuille1", 2, "Prénoms"), ("Feuille1", 2, "Date de naissance")]
    assert errors[0]["message"] == "Colonne obligatoire absente : « Prénoms »."


def test_no_header_row():
    records, errors = validate_rows([["bonjour"], [1, 2, 3]], SPEC)
    assert records == []
    assert len(errors) == 1 and errors[0]["row"] is None
    assert "Ligne d'en-têtes introuvable" in errors[0]["message"] and "« Nom »" in errors[0]["message"]


def test_optional_columns_may_be_absent_and_short_rows_are_padded():
    rows = [["Nom", "Prénoms", "Date de naissance"], ["Diarra", "Fanta", "01/01/2000"]]
    records, errors = validate_rows(rows, SPEC)
    assert errors == []
    assert records[0]["phone"] is None and records[0]["birth_date"] == dt.date(2000, 1, 1)
    records, errors = validate_rows([["Nom", "Prénoms", "Date de naissance", "NINA"],
                                     ["Diarra", "Fanta", "01/01/2000"]], SPEC)
    assert errors == [] and records[0]["nina"] is None
