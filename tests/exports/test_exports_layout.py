"""The campaign exports as real spreadsheets (issue 15): columns sized to their content, rates as
percentages, averages with two decimals, set up for printing (landscape, one page wide, the
header row repeated)."""
import io

from openpyxl import load_workbook


def download(client, data, kind):
    response = client.get(f"/gestion/exports/{kind}.xlsx?campaign={data['campaign']}")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def column(ws, header):
    letters = {cell.value: cell.column_letter for cell in ws[3]}
    return letters[header]


def check_print(wb, ws):
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$3:$3"  # the header row, on every printed page
    assert "&P" in ws.oddFooter.center.text


def test_offers_fill_rate_as_a_percentage_columns_sized(client, placed, make_user, login):
    login(make_user("manager"))
    wb = download(client, placed, "offres")
    ws = wb.active
    rate = column(ws, "Taux de remplissage")
    assert ws[f"{rate}6"].value == 0.25 and ws[f"{rate}6"].number_format == "0.0%"
    title = column(ws, "Filière")
    longest = max(len(ws[f"{title}{r}"].value) for r in range(4, 7))
    assert ws.column_dimensions[title].width >= longest + 2
    assert ws.column_dimensions[column(ws, "Places")].width < 18  # a number column stays narrow
    check_print(wb, ws)


def test_nomination_choices_not_cut_averages_with_two_decimals(client, db, placed, make_user, login):
    from quota_app.amci.models import Nomination

    db.session.add(Nomination(campaign_id=placed["campaign"], application_id=placed["A1"], position=1))
    db.session.commit()
    login(make_user("amci"))
    wb = download(client, placed, "nomination")
    ws = wb.active
    establishment = column(ws, "Choix 1 — établissement")
    assert ws.column_dimensions[establishment].width >= len("ISTA NTIC Sidi Maârouf") + 2
    cell = ws[f"{column(ws, 'Moyenne /20')}4"]
    assert cell.number_format == "0.00" and cell.data_type == "n"
    assert ws[f"{column(ws, 'N°')}4"].number_format == "General"
    assert ws[f"{column(ws, 'Date de naissance')}4"].number_format == "dd/mm/yyyy"
    assert ws.freeze_panes == "A4"
    check_print(wb, ws)


def test_statistics_are_printable_too(client, data, make_user, login):
    login(make_user("manager"))
    wb = download(client, data, "statistiques")
    ws = wb.active
    check_print(wb, ws)
    assert ws.column_dimensions["B"].width >= len("Femmes") + 2
