"""Paper files typed the way regional offices type them (issue 15): every coded column's usual
spellings, numbers that Excel stores for codes, near-miss and ignored headers, the data on
another sheet, conflicts compared as people recognise names, shown with their values and
corrected on demand (audited, all or nothing), the report, the template's e-mail column."""
import datetime as dt
import io

import pytest
import xlsxwriter
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from conftest import HEADERS, person, xlsx_bytes
from quota_app.applications.io import import_applicants, template_workbook
from quota_app.applications.models import Application
from quota_app.audit.models import AuditEvent
from quota_app.imports import services
from quota_app.imports.models import ImportRun
from quota_app.reference.models import Diploma, Region, Series


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def stored(db, nina):
    return db.session.execute(select(Application).where(Application.nina == nina)).scalar_one()


def code_of(db, model, id_):
    return db.session.get(model, id_).code if id_ else None


def nina(n):
    return f"{10000000000000 + n:014d}A"


# --- every coded column -------------------------------------------------------------------

SEXES = [("Féminin", "F"), ("F", "F"), ("f", "F"), ("Fille", "F"), ("Femme", "F"), ("FEMININ", "F"),
         ("féminine", "F"), (" Fille ", "F"), ("Mlle", "F"), ("Masculin", "M"), ("M", "M"), ("H", "M"),
         ("h", "M"), ("Homme", "M"), ("Garçon", "M"), ("GARCON", "M"), ("garcon", "M"), ("Masc.", "M")]
REGIONS = [("01", "01"), (1, "01"), (1.0, "01"), ("1", "01"), ("1.0", "01"), (0, "00"), ("00", "00"),
           ("Bamako", "00"), ("District de Bamako", "00"), ("DISTRICT DE BAMAKO", "00"), ("bko", "00"),
           ("Ségou", "04"), ("Segou", "04"), ("SEGOU", "04"), ("Région de Ségou", "04"), ("04 - Ségou", "04"),
           (4, "04"), ("Nioro", "13"), ("Nioro-du-Sahel", "13"), ("Taoudeni", "09"), (10, "10"), ("Ménaka", "10"),
           ("menaka", "10"), ("Dioila", "12")]
DIPLOMAS = [("BAC", "BAC"), ("bac", "BAC"), ("Bac", "BAC"), ("Baccalauréat", "BAC"), ("baccalaureat", "BAC"),
            ("B.A.C", "BAC"), ("Bac malien", "BAC"), ("DEF", "DEF"), ("D.E.F.", "DEF"),
            ("Diplôme d'Études Fondamentales", "DEF"), ("Licence", "LIC"), ("license", "LIC"), ("LIC", "LIC"),
            ("BT", "BT"), ("Brevet de technicien", "BT"), ("BTS", "BTS"), ("B.T.S", "BTS"),
            ("Brevet de Technicien Supérieur", "BTS"), ("CAP", "CAP"), ("CEP", "CEP")]
SERIES = [("TSE", "TSE"), ("tse", "TSE"), ("T.S.E", "TSE"), ("SE", "TSE"), ("Sciences exactes", "TSE"),
          ("Terminale Sciences Exactes", "TSE"), ("Série TSE", "TSE"), ("TSExp", "TSEXP"), ("TS Exp", "TSEXP"),
          ("SExp", "TSEXP"), ("Sc. Exp.", "TSEXP"), ("Sciences expérimentales", "TSEXP"), ("TSEco", "TSECO"),
          ("Sciences éco", "TSECO"), ("TLL", "TLL"), ("LL", "TLL"), ("Langues et lettres", "TLL"),
          ("TAL", "TAL"), ("AL", "TAL"), ("TSS", "TSS"), ("Sciences sociales", "TSS"), ("STI", "STI"),
          ("STG", "STG")]
OFFERS = [("TS-DD-CASA", "TS-DD-CASA"), ("ts-dd-casa", "TS-DD-CASA"), ("ts dd casa", "TS-DD-CASA"),
          ("TS_DD_CASA", "TS-DD-CASA"), ("TSDDCASA", "TS-DD-CASA"), (" TS-IA-RABAT ", "TS-IA-RABAT"),
          ("Ts-Ia-Rabat", "TS-IA-RABAT")]


def _variants_file(column, values):
    return xlsx_bytes([person(n, **{column: value}) for n, value in enumerate(values, start=1)])


@pytest.mark.parametrize("column, cases, read", [
    ("Sexe", SEXES, lambda db, a: a.sex),
    ("Région", REGIONS, lambda db, a: code_of(db, Region, a.region_id)),
    ("Diplôme", DIPLOMAS, lambda db, a: code_of(db, Diploma, a.diploma_id)),
    ("Choix 1", OFFERS, lambda db, a: a.choices[0].offer.code),
])
def test_every_coded_column_accepts_the_usual_spellings(db, campaign, manager, column, cases, read):
    rows = []
    for n, (value, _code) in enumerate(cases, start=1):
        changes = {column: value}
        if column == "Diplôme":
            changes["Série"] = "TSE" if value and _code == "BAC" else None
        if column == "Choix 1":
            changes["Choix 2"] = "TS-DD-RABAT"
        rows.append(person(n, **changes))
    result = import_applicants(campaign, xlsx_bytes(rows), "variantes.xlsx", manager, commit=True)
    db.session.commit()
    assert result.errors == [] and result.committed and result.counts["new"] == len(cases)
    for n, (value, code) in enumerate(cases, start=1):
        assert read(db, stored(db, nina(n))) == code, value


def test_series_by_code_or_name(db, campaign, manager):
    result = import_applicants(campaign, _variants_file("Série", [v for v, _ in SERIES]), "s.xlsx", manager,
                               commit=True)
    db.session.commit()
    assert result.errors == []
    for n, (value, code) in enumerate(SERIES, start=1):
        assert code_of(db, Series, stored(db, nina(n)).series_id) == code, value


def test_an_unknown_value_says_what_was_expected(db, campaign, manager):
    rows = [person(1, Sexe="X"), person(2, Région="Segu"), person(3, Diplôme="Maîtrise", Série=None),
            person(4, Série="ZZ"), person(5, **{"Choix 1": "TS-DD-CASSA"}), person(6, Région="1,5")]
    result = import_applicants(campaign, xlsx_bytes(rows), "x.xlsx", manager)
    messages = {(e["row"], e["column"]): e["message"] for e in result.errors}
    sex = messages[(2, "Sexe")]
    assert sex.startswith("Valeur non reconnue : « X »") and "F (ou Femme, Féminin, Fille)" in sex and "Garçon" in sex
    region = messages[(3, "Région")]
    assert "Vouliez-vous dire « Ségou » ?" in region and "00 (District de Bamako)" in region
    assert "BAC (Baccalauréat)" in messages[(4, "Diplôme")] and "LIC (Licence)" in messages[(4, "Diplôme")]
    assert "TSE (Terminale Sciences Exactes)" in messages[(5, "Série")]
    offer = messages[(6, "Choix 1")]
    assert "Vouliez-vous dire « TS-DD-CASA » ?" in offer and "Codes attendus : TS-DD-CASA, TS-DD-RABAT, TS-IA-RABAT" in offer
    assert messages[(7, "Région")].startswith("Valeur non reconnue : « 1,5 »")  # never the code 15


def test_an_xlsxwriter_workbook_with_numbers_for_codes_on_its_second_sheet(db, campaign, manager):
    """XlsxWriter, as other programs write: a cover sheet first, region codes as numbers (the
    clerk typed 01, Excel kept 1), the diploma year as a float, the sex in words."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    cover = wb.add_worksheet("Page de garde")
    cover.write(0, 0, "Direction régionale de Ségou — saisie des fiches papier")
    cover.write(2, 0, "Nombre de fiches")
    cover.write(2, 1, 2)
    ws = wb.add_worksheet("Fiches saisies")
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, ["Nom", "Prénoms", "Sexe", "Né(e) le", "NINA", "Tél.", "Région", "Diplôme", "Série",
                        "Année", "Moyenne", "Choix 1", "Courriel"])
    lines = [["Traoré", "Awa", "Féminin", dt.datetime(2004, 3, 2), nina(1), "76 12 34 56", 1, "Bac", "SE", 2023.0,
              13.5, "ts-dd-casa", "Awa.Traore@Exemple.ML"],
             ["COULIBALY", "Moussa", "Garçon", dt.datetime(2003, 7, 9), nina(2), "+223 66 00 11 22", 4.0, "BAC", "TSExp",
              2022, 12.25, "TS-IA-RABAT", None]]
    for r, line in enumerate(lines, start=1):
        for c, value in enumerate(line):
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, date)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, value)
    wb.close()
    result = import_applicants(campaign, buf.getvalue(), "segou.xlsx", manager, commit=True)
    db.session.commit()
    assert result.errors == [] and result.counts["new"] == 2
    assert result.sheet_name == "Fiches saisies" and result.sheet_names == ["Page de garde", "Fiches saisies"]
    assert [g["column"] for g in result.header.guessed] == ["Année du diplôme"]
    awa, moussa = stored(db, nina(1)), stored(db, nina(2))
    assert (awa.sex, code_of(db, Region, awa.region_id), awa.diploma_year) == ("F", "01", 2023)
    assert awa.email == "awa.traore@exemple.ml" and awa.phone == "+22376123456"
    assert (moussa.sex, code_of(db, Region, moussa.region_id), code_of(db, Series, moussa.series_id)) == ("M", "04", "TSEXP")
    run = db.session.execute(select(ImportRun)).scalar_one()
    assert run.counts["sheet"] == "Fiches saisies"


def test_errors_name_the_sheet_that_was_read(db, campaign, manager):
    wb = Workbook()
    wb.active.title = "Instructions"
    wb.active.append(["Remplissez la feuille suivante."])
    ws = wb.create_sheet("Kayes 2026")
    ws.append(HEADERS)
    ws.append(person(1, Sexe="?"))
    buf = io.BytesIO()
    wb.save(buf)
    result = services.run_import("applicants", campaign, buf.getvalue(), "kayes.xlsx", manager)
    assert result.sheet_name == "Kayes 2026"
    assert [(e["sheet"], e["row"], e["column"]) for e in result.errors] == [("Kayes 2026", 2, "Sexe")]


def test_no_sheet_with_the_headers_names_the_first_and_says_what_is_expected(db, campaign, manager):
    wb = Workbook()
    wb.active.title = "Feuil1"
    wb.active.append(["Bonjour"])
    wb.create_sheet("Feuil2").append(["rien", "ici"])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_applicants(campaign, buf.getvalue(), "vide.xlsx", manager)
    assert result.sheet_name == "Feuil1" and len(result.errors) == 1
    message = result.errors[0]["message"]
    assert "de la feuille « Feuil1 »" in message and "« Nom »" in message and "« Date de naissance »" in message


# --- headers ------------------------------------------------------------------------------

def test_near_miss_headers_are_matched_questioned_or_listed_never_dropped(db, campaign, manager):
    headers = ["N°", "Nom", "Prénoms", "Sexe", "Date de naisance", "NINA", "Telephne", "Région", "Diplôme",
               "Série", "Année", "Moyenne", "Choix 1", "Choix", "Observations"]
    line = ["1", "Traoré", "Awa", "F", dt.date(2004, 3, 2), nina(1), "76123456", "04", "BAC", "TSE", 2021,
            "14", "TS-DD-CASA", "TS-IA-RABAT", "RAS"]
    result = import_applicants(campaign, xlsx_bytes([line], headers), "entetes.xlsx", manager, commit=True)
    db.session.commit()
    header = result.header
    assert {g["header"]: g["column"] for g in header.guessed} == {
        "Date de naisance": "Date de naissance", "Telephne": "Téléphone", "Année": "Année du diplôme"}
    assert [(q["letter"], q["header"], q["columns"]) for q in header.questions] == [("N", "Choix", ["Choix 2", "Choix 3"])]
    assert [(i["letter"], i["header"]) for i in header.ignored] == [("A", "N°"), ("O", "Observations")]
    awa = stored(db, nina(1))
    assert awa.diploma_year == 2021 and awa.phone == "+22376123456" and awa.birth_date == dt.date(2004, 3, 2)
    assert [c.offer.code for c in awa.choices] == ["TS-DD-CASA"]  # « Choix » was a question: not read
    run = db.session.execute(select(ImportRun)).scalar_one()
    assert (run.counts["questions"], run.counts["ignored"], run.counts["guessed"]) == (1, 2, 3)


def test_other_usual_headers_and_values(db, campaign, manager):
    headers = ["Nom", "Prénom", "Genre", "Date naiss.", "NINA", "Niveau d'études", "Série du bac", "Année du bac",
               "Moyenne au bac", "Premier choix", "Deuxième choix"]
    line = ["Traoré", "Awa", "Fille", "12 janvier 2004", nina(1), "Bac", "Série SE", "2022", "13,5/20",
            "ts-dd-casa", "TS IA RABAT"]
    result = import_applicants(campaign, xlsx_bytes([line], headers), "autres.xlsx", manager, commit=True)
    db.session.commit()
    assert result.errors == [] and result.header.questions == [] and result.header.ignored == []
    awa = stored(db, nina(1))
    assert (awa.sex, awa.birth_date, awa.diploma_year, str(awa.diploma_average)) == ("F", dt.date(2004, 1, 12), 2022, "13.50")
    assert code_of(db, Series, awa.series_id) == "TSE" and [c.offer.code for c in awa.choices] == ["TS-DD-CASA", "TS-IA-RABAT"]


def test_a_missing_required_column_points_at_its_look_alike(db, campaign, manager):
    headers = [h if h != "Choix 1" else "Choix" for h in HEADERS if h not in ("Choix 2", "Choix 3")]
    line = person(1)[:len(headers)]
    result = import_applicants(campaign, xlsx_bytes([line], headers), "c.xlsx", manager)
    assert [e["message"] for e in result.errors] == [
        "Colonne obligatoire absente : « Choix 1 ». Elle ressemble à « Choix » (colonne N) : "
        "renommez l'en-tête en « Choix 1 »."]


def test_the_template_has_an_email_column_read_back(db, campaign, manager):
    wb = template_workbook(campaign)
    ws = wb["Candidats"]
    headers = [c.value for c in ws[1]]
    assert "E-mail" in headers and headers.index("E-mail") == headers.index("Téléphone") + 1
    row = {h: None for h in headers}
    row.update({"Nom *": "Traoré", "Prénom(s) *": "Awa", "Sexe *": "Femme", "Date de naissance *": dt.date(2004, 1, 1),
                "NINA": nina(1), "E-mail": "awa@exemple.ml", "Diplôme *": "Baccalauréat", "Série": "Terminale Sciences Exactes",
                "Choix 1 *": "TS-DD-CASA"})
    for col, header in enumerate(headers, start=1):
        ws.cell(row=2, column=col, value=row[header])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_applicants(campaign, buf.getvalue(), "modele.xlsx", manager, commit=True)
    db.session.commit()
    assert result.errors == [] and stored(db, nina(1)).email == "awa@exemple.ml"
    wrong = import_applicants(campaign, xlsx_bytes([person(3) + ["pas-une-adresse"]], HEADERS + ["E-mail"]),
                              "e.xlsx", manager)
    assert [(e["column"], e["message"][:23]) for e in wrong.errors] == [("E-mail", "Adresse e-mail invalide")]


# --- conflicts ----------------------------------------------------------------------------

@pytest.fixture
def imported(db, campaign, manager):
    rows = [person(1, Nom="Traoré", **{"Prénom(s)": "Marie-Claire"}), person(2), person(3)]
    result = import_applicants(campaign, xlsx_bytes(rows), "premier.xlsx", manager, commit=True)
    db.session.commit()
    assert result.counts["new"] == 3
    return rows


def test_names_retyped_in_capitals_without_accents_are_the_same_people(db, campaign, manager, imported):
    rows = [person(1, Nom="TRAORE", **{"Prénom(s)": "MARIE CLAIRE", "Lieu de naissance": "SEGOU"}),
            person(2, Nom=" traoré ", **{"Prénom(s)": "AWA 2"}), person(3, Nom="Trao-ré")]
    result = import_applicants(campaign, xlsx_bytes(rows), "capitales.xlsx", manager, commit=True)
    assert result.conflicts == [] and result.counts["unchanged"] == 3
    assert stored(db, nina(1)).last_name == "Traoré"  # the stored spelling is kept


def test_conflicts_show_the_stored_and_the_file_values(db, campaign, manager, imported):
    rows = [person(1, Nom="Traoré", **{"Prénom(s)": "Marie-Claire", "Téléphone": "66 00 00 01", "Région": "Kayes"}),
            person(2, **{"Choix 2": "TS-DD-RABAT"}), person(3, Moyenne="15")]
    result = import_applicants(campaign, xlsx_bytes(rows), "second.xlsx", manager)
    assert result.counts["conflicts"] == 3
    first, second, third = result.conflicts
    assert [(c["field"], c["old"], c["new"]) for c in first["changes"]] == [
        ("Téléphone", "+22376123456", "+22366000001"), ("Région", "04", "01")]
    assert second["changes"] == [{"key": "choices", "field": "Choix", "old": "TS-DD-CASA, TS-IA-RABAT",
                                  "new": "TS-DD-CASA, TS-DD-RABAT"}]
    assert [(c["old"], c["new"]) for c in third["changes"]] == [("13,50", "15,00")]
    assert all(c["applicable"] and not c["apply"] for c in result.conflicts)
    # the report gives them too, with the header frozen alone
    report = load_workbook(io.BytesIO(services.error_report_bytes(result)))
    conflicts = report["Conflits"]
    assert [c.value for c in conflicts[1]] == ["Feuille", "Ligne", "Identifiant", "Valeur", "Champ",
                                               "Valeur enregistrée", "Valeur du fichier", "Appliquée"]
    assert [c.value for c in conflicts[2]] == ["Candidats", 2, "NINA", nina(1), "Téléphone", "+22376123456",
                                               "+22366000001", "Non"]
    data = report["Candidats"]
    assert data.cell(row=2, column=17).value.startswith("Conflit avec le dossier déjà enregistré (Téléphone")


def test_a_manager_applies_the_file_values_to_chosen_rows_audited(db, campaign, manager, imported):
    rows = [person(1, Nom="Traoré", **{"Prénom(s)": "Marie-Claire", "Téléphone": "66 00 00 01"}),
            person(2, **{"Téléphone": "66 00 00 02", "Choix 2": "TS-DD-RABAT"}), person(3, Moyenne="15"), person(4)]
    data = xlsx_bytes(rows)
    dry = services.run_import("applicants", campaign, data, "corrections.xlsx", manager)
    db.session.commit()
    before = {n: stored(db, nina(n)).version for n in (1, 2, 3)}
    result = services.run_import("applicants", campaign, data, "corrections.xlsx", manager, commit=True,
                                 corrections=["3", "4"])
    db.session.commit()
    assert not services.plan_changed(dry.run, result)
    assert result.committed and result.counts["new"] == 1 and result.counts["corrected"] == 2
    assert services.written(result) == 3
    assert "Import enregistré : 3 lignes enregistrées (1 nouvelle, 2 conflits corrigés) ; 1 conflit non importé." in services.summary(result)
    db.session.expire_all()
    one, two, three = (stored(db, nina(n)) for n in (1, 2, 3))
    assert one.phone == "+22376123456" and one.version == before[1]  # not chosen: unchanged
    assert two.phone == "+22366000002" and [c.offer.code for c in two.choices] == ["TS-DD-CASA", "TS-DD-RABAT"]
    assert str(three.diploma_average) == "15.00"
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "application.import_correction")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [e.object_id for e in events] == [str(two.id), str(three.id)]
    # Phone numbers are masked in the trail (audit/masking.py).
    assert events[0].before == {"phone": "•••••••••456", "choices": "TS-DD-CASA, TS-IA-RABAT"}
    assert events[0].after == {"phone": "•••••••••002", "choices": "TS-DD-CASA, TS-DD-RABAT"}
    assert events[0].actor_id == manager.id and "ligne 3" in events[0].reason
    assert result.run.counts["corrected_rows"] == [3, 4]
    # the same file again: only the conflict left alone remains
    again = import_applicants(campaign, data, "corrections.xlsx", manager)
    assert [c["row"] for c in again.conflicts] == [2] and again.counts["unchanged"] == 3


def test_apply_all_and_all_or_nothing(db, campaign, manager, imported):
    rows = [person(1, Nom="Traoré", **{"Prénom(s)": "Marie-Claire", "Téléphone": "66 00 00 01"}),
            person(2, Téléphone="66 00 00 02"), person(5, Sexe="?")]
    refused = import_applicants(campaign, xlsx_bytes(rows), "x.xlsx", manager, commit=True, corrections="all")
    db.session.commit()
    assert not refused.committed and refused.counts["corrected"] == 0
    assert stored(db, nina(1)).phone == "+22376123456"
    assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "application.import_correction")).scalar_one() == 0
    done = import_applicants(campaign, xlsx_bytes(rows[:2]), "x.xlsx", manager, commit=True, corrections="all")
    db.session.commit()
    assert done.counts["corrected"] == 2
    db.session.expire_all()
    assert stored(db, nina(1)).phone == "+22366000001" and stored(db, nina(2)).phone == "+22366000002"


def test_a_correction_that_cannot_be_applied_says_why(db, campaign, manager, imported):
    two, three = stored(db, nina(2)), stored(db, nina(3))
    two.status = "evaluated"
    three.passport_number = "AB123456"
    db.session.commit()
    rows = [person(2, **{"Choix 2": "TS-DD-RABAT"}),
            person(1, Nom="Traoré", **{"Prénom(s)": "Marie-Claire", "N° passeport": "AB123456"}),
            person(3, **{"Téléphone": "66 00 00 03"})]  # and no passport: the file's value is « empty »
    result = import_applicants(campaign, xlsx_bytes(rows), "x.xlsx", manager, commit=True, corrections="all")
    db.session.commit()
    blocked = {c["row"]: c["blocked"] for c in result.conflicts}
    assert "comité" in blocked[2] and "Évalué" in blocked[2]
    assert blocked[3] == "Ce numéro de passeport est déjà celui d'un autre dossier de la campagne."
    assert blocked[4] == "" and result.counts["corrected"] == 1
    db.session.expire_all()
    assert [c.offer.code for c in stored(db, nina(2)).choices] == ["TS-DD-CASA", "TS-IA-RABAT"]
    assert stored(db, nina(1)).passport_number is None and stored(db, nina(3)).phone == "+22366000003"
    assert stored(db, nina(3)).passport_number is None
    assert [(c["field"], c["old"], c["new"]) for c in result.conflicts[2]["changes"]] == [
        ("N° passeport", "AB123456", ""), ("Téléphone", "+22376123456", "+22366000003")]
