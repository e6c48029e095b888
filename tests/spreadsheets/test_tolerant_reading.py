"""Tolerant reading, pure (issue 15): coded values as clerks type them, numbers Excel stores for
codes, near-miss headers guessed or questioned, ignored headers listed, the sheet list."""
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from quota_app.spreadsheets import parsers
from quota_app.spreadsheets.error_report import build_error_report, guess_header_row
from quota_app.spreadsheets.headers import column_letter, resolve_header
from quota_app.spreadsheets.parsers import ChoiceMatcher, choice_key, choice_parser, code_parser
from quota_app.spreadsheets.reader import sheet_names
from quota_app.spreadsheets.spec import ColumnSpec, SheetSpec, validate_rows

REGIONS = {"00": "District de Bamako", "01": "Kayes", "04": "Ségou", "10": "Ménaka", "13": "Nioro du Sahel",
           "15": "Kita"}
NOISE = ("district de", "district", "region de", "region")


@pytest.mark.parametrize("value, key", [
    ("01", "1"), (1, "1"), (1.0, "1"), ("1.0", "1"), ("1,0", "1"), (" 01 ", "1"), ("00", "0"), (0.0, "0"),
    ("Nioro-du-Sahel", "niorodusahel"), ("SÉGOU", "segou"), (1.5, None), ("1,5", None), ("1 5", None),
])
def test_choice_key(value, key):
    assert choice_key(value) == key


@pytest.mark.parametrize("value, code", [
    ("01", "01"), (1, "01"), (1.0, "01"), ("1", "01"), (10, "10"), (10.0, "10"), (15, "15"), ("Kayes", "01"),
    ("Bamako", "00"), ("district de bamako", "00"), ("Région de Ségou", "04"), ("Segou", "04"),
    ("Nioro", "13"), ("04 - Ségou", "04"), ("Ségou (04)", "04"), ("menaka", "10"),
])
def test_region_spellings(value, code):
    assert choice_parser(REGIONS, noise=NOISE)(value) == (code, None)


@pytest.mark.parametrize("value", [1.5, "1,5", "Paris", "04 - Kayes", 99])
def test_region_refused_with_what_was_expected(value):
    code, error = choice_parser(REGIONS, noise=NOISE)(value)
    assert code is None and error.startswith("Valeur non reconnue")
    assert "Valeurs possibles : 00 (District de Bamako), 01 (Kayes)" in error


def test_a_close_value_gets_a_suggestion_and_a_custom_expectation():
    parse = choice_parser({"M": "Homme", "F": "Femme"}, {"fille": "F", "garcon": "M"}, expected="F ou M.")
    assert parse("Garçon") == ("M", None) and parse("FILLE") == ("F", None)
    assert parse("Femmme")[1] == "Valeur non reconnue : « Femmme ». Vouliez-vous dire « Femme » ? F ou M."


def test_two_codes_claiming_one_spelling_cancel_it():
    matcher = ChoiceMatcher({"A": "Brevet de Technicien", "B": "Brevet de Technicien Supérieur",
                             "C": "Certificat primaire"}, aliases={"brevet": "A", "brevet ": "B"})
    assert matcher.find("Brevet") is None  # two aliases: no guess
    assert matcher.find("Certificat") == "C"  # a first word that only one label has
    assert matcher.find("brevet de technicien superieur") == "B"


def test_the_code_wins_over_a_label_and_an_alias():
    matcher = ChoiceMatcher({"M": "Homme", "F": "Femme", "H": "Hybride"}, aliases={"h": "M"})
    assert matcher.find("H") == "H"


def test_code_parser_variants_names_and_numbers():
    parse = code_parser(["TS-DD-CASA", "TS-IA-RABAT", "101"], "Code inconnu : « {value} ».",
                        names={"TS-DD-CASA": "Développement Digital Casablanca"})
    for value in ("ts-dd-casa", "TS DD CASA", "ts_dd_casa", "TSDDCASA", "Développement digital casablanca"):
        assert parse(value) == ("TS-DD-CASA", None), value
    assert parse(101.0) == ("101", None) and parse(101) == ("101", None)
    code, error = parse("TS-IA-RABA")
    assert code is None and error == ("Code inconnu : « TS-IA-RABA ». Vouliez-vous dire « TS-IA-RABAT » ? "
                                      "Codes attendus : TS-DD-CASA, TS-IA-RABAT, 101.")
    assert "… (12 codes)" in code_parser([f"C{n}" for n in range(12)], "« {value} ».")("X")[1]


SPEC = SheetSpec("Candidats", [
    ColumnSpec("last_name", "Nom", required=True),
    ColumnSpec("birth_date", "Date de naissance", kind="date", required=True),
    ColumnSpec("phone", "Téléphone", kind="phone"),
    ColumnSpec("diploma_year", "Année du diplôme", kind="integer"),
    ColumnSpec("travel", "Date de voyage", kind="date"),
    ColumnSpec("arrival", "Date d'arrivée", kind="date"),
    ColumnSpec("region", "Région", kind="choice", choices=REGIONS, noise=NOISE),
])


def test_near_miss_headers():
    row = ["N°", "Nom", "Date de naisance", "Telefone", "Année", "Date", "Remarques", "Région", None, ""]
    header = resolve_header([row], SPEC)
    assert header.index == 0 and header.missing == []
    assert {g["header"]: g["key"] for g in header.guessed} == {
        "Date de naisance": "birth_date", "Telefone": "phone", "Année": "diploma_year"}
    assert [(q["letter"], q["header"], q["columns"]) for q in header.questions] == [
        ("F", "Date", ["Date de voyage", "Date d'arrivée"])]
    assert [(i["letter"], i["header"]) for i in header.ignored] == [("A", "N°"), ("G", "Remarques")]
    assert header.notes()["header_row"] == 1


def test_a_header_row_of_near_misses_only_is_found():
    rows = [["Fiches de Kayes"], ["Nom du candidat", "Date naissance", "Observations téléphone"], ["Traoré", "01/02/2004"]]
    header = resolve_header(rows, SPEC)
    assert header.index == 1 and header.mapping == {"last_name": 0, "birth_date": 1}
    assert [i["header"] for i in header.ignored] == ["Observations téléphone"]


def test_two_cells_wanting_one_column_are_both_questions():
    header = resolve_header([["Nom", "Date de naissance", "Année", "ANNEE"]], SPEC)
    assert "diploma_year" not in header.mapping
    assert [q["header"] for q in header.questions] == ["Année", "ANNEE"]


def test_validation_reads_a_guessed_column_and_names_the_look_alike_of_a_missing_one():
    rows = [["Nom", "Né le", "Année"], ["Traoré", dt.date(2004, 1, 2), 2022.0]]
    records, errors = validate_rows(rows, SPEC)
    assert errors == [] and records[0]["diploma_year"] == 2022
    spec = SheetSpec("S", [ColumnSpec("n", "Nom"), ColumnSpec("a", "Choix 1", required=True),
                           ColumnSpec("b", "Choix 2"), ColumnSpec("c", "Choix 3")])
    records, errors = validate_rows([["Nom", "Choix", "Choix 3"], ["x", "y", "z"]], spec)
    assert records == [] and errors[0]["message"] == (
        "Colonne obligatoire absente : « Choix 1 ». Elle ressemble à « Choix » (colonne B) : "
        "renommez l'en-tête en « Choix 1 ».")


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_sheet_names_with_their_visibility():
    wb = Workbook()
    wb.active.title = "Saisie"
    wb.create_sheet("Listes").sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    assert sheet_names(buf.getvalue()) == [("Saisie", True), ("Listes", False)]


def test_the_report_guesses_the_header_row_not_a_data_row():
    rows = [["Saisie de Kayes"], [], ["Nom", "Date de naissance"]] + [["Traoré", dt.date(2004, 1, 1)]] * 30
    errors = [{"sheet": "S", "row": 30, "column": "Nom", "value": "x", "message": "m", "column_index": 0}]
    assert guess_header_row(rows, errors) == 3
    ws = build_error_report(rows, errors).active
    assert ws["C3"].value == "Erreurs" and ws["C29"].value is None and ws["C30"].value == "Nom : m"
    assert (ws.sheet_view.pane.ySplit, ws.sheet_view.pane.topLeftCell, ws.sheet_view.topLeftCell) == (1, "A4", "A3")
    plain = build_error_report([["Nom", "Date"], ["x", "y"]], errors[:0], header_row=1).active
    assert plain.freeze_panes == "A2" and plain.sheet_view.pane.ySplit == 1


def test_parsers_are_still_pure_and_memoised():
    parse = parsers.choice_parser(REGIONS, noise=NOISE)
    assert parse("Ségou") is parse("Ségou")  # the same result object: parsed once


@pytest.mark.parametrize("value, expected", [
    ("12 janvier 2004", dt.date(2004, 1, 12)), ("1er mars 2003", dt.date(2003, 3, 1)),
    ("3 fév. 2005", dt.date(2005, 2, 3)), ("25 Décembre 2001", dt.date(2001, 12, 25)), ("7 aout 2006", dt.date(2006, 8, 7)),
])
def test_dates_written_in_words(value, expected):
    assert parsers.parse_date(value) == (expected, None)


def test_a_date_in_words_that_does_not_exist_is_refused():
    assert parsers.parse_date("31 février 2005")[1] == "Date inexistante : « 31 février 2005 »."
    assert parsers.parse_date("12 truc 2004")[1].startswith("Date attendue au format jj/mm/aaaa")


def test_an_average_out_of_20():
    assert parsers.parse_decimal("13,5/20", out_of=20) == (parsers.Decimal("13.5"), None)
    assert parsers.parse_decimal("13.25 sur 20", out_of=20, places=2) == (parsers.Decimal("13.25"), None)
    assert parsers.parse_decimal("13,5/20")[0] is None  # only where the column says so


@pytest.mark.parametrize("value, code", [
    ("Licence en droit", "LIC"), ("Bac série TSE", "BAC"), ("DEF 2019", "DEF"), ("Bac Licence", None),
    ("Homme/Femme", None),
])
def test_a_value_by_its_first_word_when_nothing_contradicts_it(value, code):
    parse = choice_parser({"BAC": "Baccalauréat", "LIC": "Licence", "DEF": "Diplôme d'Études Fondamentales",
                           "M": "Homme", "F": "Femme"})
    assert parse(value)[0] == code


def test_a_longer_header_starting_with_a_one_word_column():
    spec = SheetSpec("S", [ColumnSpec("n", "Nom", required=True), ColumnSpec("m", "Moyenne", kind="decimal"),
                           ColumnSpec("a", "AMCI")])
    header = resolve_header([["Nom", "Moyenne au bac", "Observations AMCI"]], spec)
    assert header.mapping == {"n": 0, "m": 1} and [i["header"] for i in header.ignored] == ["Observations AMCI"]
