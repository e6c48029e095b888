"""Workbooks written by other programs than openpyxl import correctly (issue 5).

XlsxWriter: generated here. LibreOffice: a committed fixture, so that CI needs no LibreOffice.
`fixtures/libreoffice_candidats.xlsx` was produced from `fixtures/libreoffice_candidats.fods`
(hand-written flat ODS, kept beside it) with LibreOffice 7.4 (Debian 12, libreoffice-calc-nogui):

    cd tests/imports/fixtures
    HOME=/tmp/lo_home soffice --headless --convert-to xlsx --outdir . libreoffice_candidats.fods

It holds a title row and a blank row above the headers (NOM, Prénoms, Né(e) le, N° NINA, Tél.:
synonyms and capitals), a real date and a dd/mm/yyyy text date, a NINA in lowercase and one
with spaces, a phone as a number, a decimal as a number and one as text with a comma, a region
by code and one by name, and a formula (=2020+2) saved by LibreOffice with its value 2022.
"""
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from sqlalchemy import select

from conftest import HEADERS
from quota_app.applications.models import Application
from quota_app.applications.io import import_applicants

FIXTURES = Path(__file__).parent / "fixtures"


def applications(db):
    db.session.expire_all()
    return {a.last_name: a for a in db.session.execute(select(Application)).scalars()}


NO_VALUE = object()  # write_formula() without a value: XlsxWriter then writes <v>0</v>


def xlsxwriter_workbook(formula_value=None) -> bytes:
    """The diploma year is a plain number 2023, or with `formula_value` (NO_VALUE for none) a
    formula =2000+1 carrying that value."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Saisie Kayes")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    as_date = wb.add_format({"num_format": "dd/mm/yyyy"})
    grey = wb.add_format({"bg_color": "#EEEEEE"})
    ws.merge_range(0, 0, 0, 5, "Candidats saisis à Kayes — campagne 2026", bold)
    ws.write_row(2, 0, HEADERS, bold)  # the header on row 3, under a title and a blank row
    col = {h: i for i, h in enumerate(HEADERS)}
    ws.write_string(3, col["Nom"], "Sissoko")
    ws.write_string(3, col["Prénom(s)"], "Aminata")
    ws.write_string(3, col["Sexe"], "F")
    ws.write_datetime(3, col["Né(e) le"], dt.datetime(2004, 7, 21), as_date)
    ws.write_string(3, col["NINA"], "40000000000001C")
    ws.write_number(3, col["Téléphone"], 76543210)
    ws.write_string(3, col["Région"], "01")
    ws.write_string(3, col["Diplôme"], "BAC")
    ws.write_string(3, col["Série"], "TSE")
    if formula_value is None:
        ws.write_number(3, col["Année du diplôme"], 2023)
    elif formula_value is NO_VALUE:
        ws.write_formula(3, col["Année du diplôme"], "=2000+1")
    else:
        ws.write_formula(3, col["Année du diplôme"], "=2000+1", None, formula_value)
    ws.write_string(3, col["Moyenne"], "13,75")  # a number stored as text, decimal comma
    ws.write_string(3, col["Choix 1"], "TS-DD-CASA")
    # formatted but empty rows far below the data ("hidden formatting")
    for row in range(10, 400):
        ws.write_blank(row, 0, None, grey)
    ws.set_column(0, len(HEADERS), 16)
    wb.close()
    return buf.getvalue()


def test_xlsxwriter_workbook_imports(db, campaign, manager):
    result = import_applicants(campaign, xlsxwriter_workbook(), "kayes.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed and result.counts["new"] == 1, result.errors
    app = applications(db)["Sissoko"]
    assert app.birth_date == dt.date(2004, 7, 21)
    assert app.diploma_year == 2023
    assert app.diploma_average == Decimal("13.75")
    assert app.phone == "+22376543210" and app.nina == "40000000000001C"
    assert app.region.code == "01"
    assert [c.offer.code for c in app.choices] == ["TS-DD-CASA"]
    again = import_applicants(campaign, xlsxwriter_workbook(), "kayes.xlsx", manager, commit=True)
    assert again.counts["unchanged"] == 1 and again.counts["new"] == 0


def test_xlsxwriter_formula_without_value_is_refused(db, campaign, manager):
    data = xlsxwriter_workbook(formula_value=NO_VALUE)
    assert b"<f>2000+1</f><v>0</v>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    result = import_applicants(campaign, data, "kayes.xlsx", manager, commit=True)
    db.session.commit()
    assert not result.committed and len(result.errors) == 1
    assert "formule sans valeur (L4)" in result.errors[0]["message"]
    assert applications(db) == {}


def test_xlsxwriter_formula_with_a_given_value_is_refused(db, campaign, manager):
    # XlsxWriter never calculates: the <v> of a formula is whatever the program passed it (here
    # 2023 for =2000+1, which Excel would compute as 2001), and it always sets
    # <calcPr fullCalcOnLoad="1"/>, asking Excel to recompute everything on opening. Such a value
    # is not a trustworthy result: the formula is refused rather than read (and never evaluated).
    # A formula saved with its value by a spreadsheet is read: see the LibreOffice test below.
    data = xlsxwriter_workbook(formula_value=2023)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert b'fullCalcOnLoad="1"' in zf.read("xl/workbook.xml")
        assert b"<f>2000+1</f><v>2023</v>" in zf.read("xl/worksheets/sheet1.xml")
    result = import_applicants(campaign, data, "kayes.xlsx", manager, commit=True)
    db.session.commit()
    assert not result.committed
    assert "formule sans valeur (L4)" in result.errors[0]["message"]
    assert "recalculer à l'ouverture" in result.errors[0]["message"]
    assert applications(db) == {}


def test_libreoffice_workbook_imports(db, campaign, manager):
    data = (FIXTURES / "libreoffice_candidats.xlsx").read_bytes()
    assert len(data) < 20_000  # a small committed fixture
    result = import_applicants(campaign, data, "libreoffice_candidats.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed, result.errors
    assert (result.counts["new"], result.counts["errors"], result.counts["rows"]) == (2, 0, 2)
    got = applications(db)
    diarra, keita = got["Diarra"], got["Keïta"]
    assert (diarra.first_names, diarra.sex, diarra.birth_date) == ("Fatoumata", "F", dt.date(2004, 3, 15))
    assert diarra.nina == "30000000000001A" and diarra.phone == "+22376123456"
    assert diarra.diploma_year == 2023 and diarra.diploma_average == Decimal("14.25")
    assert diarra.region.code == "04"
    assert [c.offer.code for c in diarra.choices] == ["TS-DD-CASA", "TS-IA-RABAT"]
    assert keita.birth_date == dt.date(2003, 6, 5)  # typed as text dd/mm/yyyy
    assert keita.nina == "30000000000002B" and keita.phone == "+22366778899"
    assert keita.diploma_year == 2022  # LibreOffice's saved value of =2020+2
    assert keita.diploma_average == Decimal("12.50")
    assert keita.region.code == "00"  # by its name, "District de Bamako"
    assert [c.offer.code for c in keita.choices] == ["TS-IA-RABAT"]
