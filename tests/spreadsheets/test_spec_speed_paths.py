"""iter_records validates by blocks, column by column, with each column's parsed values kept:
these tests hold it to a plain row-by-row reading (the reference below), cell for cell."""
import datetime as dt
import random

import pytest

from quota_app.spreadsheets import parsers, spec as spec_module
from quota_app.spreadsheets.headers import find_header_row, match_columns
from quota_app.spreadsheets.spec import ColumnSpec, SheetSpec, iter_records, validate_rows

CODES = {"TS-GEA": 1, "TS-IR": 2, "BTS-AGRI": 3}


def make_spec() -> SheetSpec:
    """A fresh spec (the choice and code parsers keep what they have seen)."""
    return SheetSpec("Candidats", [
        ColumnSpec("last_name", "Nom", required=True, options={"max_length": 12}),
        ColumnSpec("first_names", "Prénoms"),
        ColumnSpec("sex", "Sexe", kind="choice", required=True, choices={"F": "Féminin", "M": "Masculin"}),
        ColumnSpec("birth_date", "Date de naissance", kind="date", required=True),
        ColumnSpec("nina", "NINA", kind="nina"),
        ColumnSpec("phone", "Téléphone", kind="phone"),
        ColumnSpec("year", "Année", kind="integer", options={"min_value": 1960, "max_value": 2030}),
        ColumnSpec("average", "Moyenne", kind="decimal", options={"min_value": 0, "max_value": 20, "places": 2}),
        ColumnSpec("boarding", "Internat", kind="boolean"),
        ColumnSpec("label", "Libellé"),
        ColumnSpec("offer", "Choix 1", kind="choice", choices=list(CODES),
                   parser=parsers.code_parser(CODES, "Code d'offre inconnu : « {value} ».")),
        ColumnSpec("comment", "Remarque", options={"max_length": 30}),  # absent from the sheets below
    ])


HEADER = ["Nom", "Prénoms", "Sexe", "Date de naissance", "NINA", "Téléphone", "Année", "Moyenne",
          "Internat", "Libellé", "Choix 1"]


def reference(rows, spec, sheet=None):
    """The plain reading: each non-blank row, each cell through its column's parser. Gives the
    records, the errors, and for each record how many errors were known when it came out."""
    sheet = sheet or spec.name
    header_index = find_header_row(rows, spec, spec.header_search_rows)
    mapping, missing = match_columns(rows[header_index], spec)
    assert not missing
    present = [c for c in spec.columns if c.key in mapping]
    records, errors, seen = [], [], []
    for index in range(header_index + 1, len(rows)):
        row = rows[index] or []
        cells = [row[mapping[c.key]] if mapping[c.key] < len(row) else None for c in present]
        if all(parsers.is_empty(cell) for cell in cells):
            continue
        in_error, row_errors = False, []
        record = {}
        for column, cell in zip(present, cells):
            value, message = column.parse(cell)
            record[column.key] = value
            if message or (column.required and value is None):
                in_error = True
            if message is None and value is None and column.required:
                message = f"Valeur obligatoire manquante pour « {column.header} »."
            if message:
                row_errors.append({"sheet": sheet, "row": index + 1, "column": column.header, "value": cell,
                                   "message": message, "column_index": mapping[column.key],
                                   "key": column.key})
        if in_error:
            errors.extend(row_errors)
            continue
        record["_row"] = index + 1
        record.update({c.key: None for c in spec.columns if c.key not in mapping})
        records.append(record)
        seen.append(len(errors))
    return records, errors, seen


def run(rows, spec):
    errors, records, seen = [], [], []
    for record in iter_records(rows, spec, errors):
        records.append(record)
        seen.append(len(errors))
    return records, errors, seen


def exact(records):
    """Records compared with their keys' order and their values' types and spellings
    (Decimal("-0.0") == Decimal("0.0"), "1" != "Oui")."""
    return [[(k, type(v).__name__, repr(v)) for k, v in record.items()] for record in records]


def same_as_reference(rows):
    records, errors, seen = run(rows, make_spec())
    expected_records, expected_errors, expected_seen = reference(rows, make_spec())
    assert exact(records) == exact(expected_records)
    assert [{**e, "value": repr(e["value"])} for e in errors] == \
        [{**e, "value": repr(e["value"])} for e in expected_errors]
    assert seen == expected_seen  # errors and records interleave as row by row
    return records, errors


def random_rows(seed: int, count: int) -> list:
    rnd = random.Random(seed)
    names = ["Traoré", "Keïta", "Coulibaly", "Diarra", " Sangaré ", "Touré  Ba", "Un nom bien trop long", 12.0]
    firsts = ["Awa", "Moussa", "Fatoumata\u00a0Binta", "  ", "", None, 7, True, 1.0, 1]
    sexes = ["F", "m", "Homme", "Féminin", "Z", None, "  ", 1]
    dates = [dt.date(2004, 8, 2), dt.datetime(2003, 1, 15), dt.datetime(2003, 1, 15, 10, 30), "02/08/2004",
             "2004-08-02", "31/02/2002", "2/8/04", 38000.0, 38000, None, "hier", dt.date(1850, 1, 1), True]
    years = [2023.0, 2023, "2023", "2 023", 2019.5, 1900.0, None, "deux mille", True, 0.0, -0.0]
    averages = [12.5, "12,5", "12,75", 12.755, "1 2,5", 21, 0.0, -0.0, None, "abc", float("nan"), True, 1, 1.0,
                float("inf"), "  ", "14.50"]
    booleans = ["oui", "Non", "x", 1, 0, 1.0, True, False, "peut-être", None]
    labels = [1, 1.0, True, -0.0, 0.0, 0, False, float("nan"), "1", " a  b ", dt.time(10, 30),
              dt.datetime(2020, 1, 1), dt.date(2020, 1, 1), ["liste"], None, "\t"]
    offers = ["TS-GEA", "ts gea", "BTS-AGRI", "XX-1", None, " ", 3.0]
    rows = [["Fiche de saisie"], HEADER]
    for i in range(count):
        kind = rnd.random()
        if kind < 0.05:
            rows.append([])
            continue
        if kind < 0.08:
            rows.append([None, "  ", None, "", None])  # blank: only empty cells
            continue
        row = [
            rnd.choice(names),
            rnd.choice(firsts) if rnd.random() < 0.7 else f"Prénom{i}",
            rnd.choice(sexes),
            rnd.choice(dates) if rnd.random() < 0.6 else dt.date(1990 + i % 20, 1 + i % 12, 1 + i % 28),
            f"{i:014d}A" if rnd.random() < 0.8 else rnd.choice([None, "123", f"{i:014d}a", 12345678901234.0]),
            rnd.choice([f"+223{70000000 + i}", f"7{i:07d}", f"+223 7{i % 10} 12 34 56", "00223 76 12 34 56",
                        "7612", None, 76123456.0, "00123456"]),
            rnd.choice(years),
            rnd.choice(averages),
            rnd.choice(booleans),
            rnd.choice(labels),
            rnd.choice(offers),
        ]
        if rnd.random() < 0.3:  # calamine drops trailing empty cells
            del row[rnd.randrange(1, len(row)):]
        rows.append(row)
    return rows


@pytest.mark.parametrize("block_rows", [1, 7, 64, spec_module._BLOCK_ROWS])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_records_and_errors_as_a_row_by_row_reading(monkeypatch, block_rows, seed):
    monkeypatch.setattr(spec_module, "_BLOCK_ROWS", block_rows)
    records, errors = same_as_reference(random_rows(seed, 400))
    assert records and errors  # both paths are exercised


def test_unmemoised_columns_give_the_same_results(monkeypatch):
    rows = random_rows(4, 400)
    monkeypatch.setattr(spec_module, "_BLOCK_ROWS", 50)
    monkeypatch.setattr(spec_module, "_MEMO_MAX_ENTRIES", 5)  # every column gives up memoising
    same_as_reference(rows)
    monkeypatch.setattr(spec_module, "_MEMO_MAX_NEW_SHARE", 0.0)  # at once
    same_as_reference(rows)


def test_block_boundary_keeps_row_numbers_and_error_order(monkeypatch):
    monkeypatch.setattr(spec_module, "_BLOCK_ROWS", 3)
    rows = [HEADER,  # Excel row 1; data rows are blocked from row 2: [2, 3, 4], [5, 6, 7], ...
            ["Traoré", "Awa", "F", dt.date(2004, 8, 2)],                  # 2
            [],                                                           # 3: blank
            ["Keïta", "Moussa", "Z", "31/02/2002", None, None, "x"],      # 4: three errors
            ["Diarra", None, None, dt.date(2003, 1, 15)],                 # 5: required sex missing
            ["Touré", "Ba", "M", dt.date(2001, 1, 1)],                    # 6
            [None, "  "],                                                 # 7: blank
            ["Sangaré", "Binta", "F", dt.date(2002, 2, 2)]]               # 8
    records, errors = same_as_reference(rows)
    assert [r["_row"] for r in records] == [2, 6, 8]
    assert [(e["row"], e["column"]) for e in errors] == [
        (4, "Sexe"), (4, "Date de naissance"), (4, "Année"), (5, "Sexe")]
    assert errors[3]["message"] == "Valeur obligatoire manquante pour « Sexe »."


def test_a_memoised_value_reports_every_row_it_is_on(monkeypatch):
    monkeypatch.setattr(spec_module, "_BLOCK_ROWS", 4)
    rows = [HEADER] + [["Traoré", "Awa", "Z" if i in (1, 2, 9) else "F", dt.date(2004, 8, 2)]
                       for i in range(12)]
    records, errors = validate_rows(rows, make_spec())
    assert [(e["row"], e["value"]) for e in errors] == [(3, "Z"), (4, "Z"), (11, "Z")]
    assert all(e["message"].startswith("Valeur non reconnue : « Z »") for e in errors)
    assert len(records) == 9


def test_equal_cells_of_different_types_keep_their_own_values(monkeypatch):
    """1 == 1.0 == True and -0.0 == 0.0: a table keyed by the cells would mix them up."""
    monkeypatch.setattr(spec_module, "_BLOCK_ROWS", 2)  # also across blocks
    base = ["Traoré", "Awa", "F", dt.date(2004, 8, 2), None, None, None]
    rows = [HEADER] + [base + [average, None, label] for average, label in
                       [(0.0, 1), (-0.0, 1.0), (1, True), (1.0, 1), (True, 0), (-0.0, False), (0.0, -0.0)]]
    records, _ = same_as_reference(rows)
    # (True, 0): True is no number, the row is in error
    assert [r["label"] for r in records] == ["1", "1", "Oui", "1", "Non", "0"]
    assert [str(r["average"]) for r in records] == ["0.0", "-0.0", "1", "1.0", "-0.0", "0.0"]


@pytest.mark.parametrize("value", [
    "+22376123456", "+223 76 12 34 56", " +223 76 12 34 56 ", "76 12 34 56", "76123456", "00123456",
    "00 12 34 56", "00223 76 12 34 56", "223 76123456", "+224 76 12 34 56", "+223 76 12 34 5", "7612",
    "٧٦١٢٣٤٥٦", "+223 ٧٦١٢٣٤٥٦", "76.12.34.56", "\t76 12 34 56", "7 6 1 2 3 4 5 6", "", "  ", None,
    76123456.0, 76123456, "+ 223 76 12 34 56",
])
def test_phone_shortcuts_agree_with_the_full_normalisation(value):
    """parse_phone_ml reads "+223 76 12 34 56" and "76 12 34 56" without identity.normalise_phone:
    what the full steps give."""
    if parsers.is_empty(value):
        expected = (None, None)
    else:
        raw = parsers._cell_text(value)
        phone, error = parsers.identity.normalise_phone(raw)
        expected = (phone, None) if not error else (None, (
            f"Numéro de téléphone malien invalide : « {raw} ». 8 chiffres attendus, "
            "avec ou sans +223 (ex. +223 76 12 34 56)."))
    assert parsers.parse_phone_ml(value) == expected
