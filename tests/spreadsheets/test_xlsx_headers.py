"""Header normalisation, header-row detection, synonyms, missing columns."""
from quota_app.spreadsheets.headers import find_header_row, match_columns, normalise_header
from quota_app.spreadsheets.spec import ColumnSpec, SheetSpec

SPEC = SheetSpec("Candidats", [
    ColumnSpec("last_name", "Nom", required=True),
    ColumnSpec("first_names", "Prénoms", required=True),
    ColumnSpec("birth_date", "Date de naissance", kind="date", required=True),
    ColumnSpec("phone", "Téléphone", kind="phone"),
    ColumnSpec("nina", "NINA", kind="nina"),
    ColumnSpec("region", "Région de résidence", kind="choice", choices={"01": "Kayes"},
               synonyms=("Région",)),
])


def test_normalise_header():
    assert normalise_header("  Prénom(s) ") == "prenom s"
    assert normalise_header("Né(e) le :") == "ne e le"
    assert normalise_header("TÉL.") == "tel"
    assert normalise_header("Date   de\nnaissance") == "date de naissance"
    assert normalise_header("N° NINA") == "n nina"
    assert normalise_header("Cœur") == "coeur"
    assert normalise_header(None) == ""
    assert normalise_header(2024.0) == "2024"


def test_header_row_found_below_a_title_and_blank_rows():
    rows = [
        ["Campagne 2026 - liste des candidats"],
        [],
        ["Saisie du 12/03/2026", None, "Kayes"],
        [],
        ["N°", "NOM", "Prénom(s)", "Né(e) le", "Tél."],
        [1, "Traoré", "Awa", "04/05/2001", "76 12 34 56"],
    ]
    assert find_header_row(rows, SPEC) == 4


def test_header_row_not_found_beyond_search_window_or_with_a_lone_match():
    rows = [[]] * 25 + [["Nom", "Prénoms", "Date de naissance"]]
    assert find_header_row(rows, SPEC) is None
    assert find_header_row(rows, SPEC, search_first=30) == 25
    assert find_header_row([["Nom"], ["Traoré"]], SPEC) is None  # a lone word is not a header row


def test_synonyms_and_tolerance():
    header = ["N°", "  NOM ", "Prenoms", "Né(e) le", "Tél.", "n° nina", "REGION"]
    mapping, missing = match_columns(header, SPEC)
    assert mapping == {"last_name": 1, "first_names": 2, "birth_date": 3, "phone": 4, "nina": 5,
                       "region": 6}
    assert missing == []
    mapping, _ = match_columns(["Prénom(s)", "Nom", "Date naissance", "Téléphone"], SPEC)
    assert mapping == {"first_names": 0, "last_name": 1, "birth_date": 2, "phone": 3}


def test_missing_required_columns_listed_in_french():
    mapping, missing = match_columns(["Nom", "Téléphone", "Commentaire"], SPEC)
    assert mapping == {"last_name": 0, "phone": 1}
    assert missing == ["Prénoms", "Date de naissance"]


def test_exact_header_beats_synonym_and_a_cell_serves_one_column_only():
    spec = [ColumnSpec("a", "Nom"), ColumnSpec("b", "Nom de famille")]
    mapping, _ = match_columns(["Nom de famille"], spec)
    assert mapping == {"b": 0}
    mapping, _ = match_columns(["Nom de famille"], [ColumnSpec("a", "Nom")])
    assert mapping == {"a": 0}  # the common synonym applies when no exact header claims it
    mapping, _ = match_columns(["Nom", "Nom de famille"], spec)
    assert mapping == {"a": 0, "b": 1}
