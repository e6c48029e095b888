"""Export of the filtered list to Excel, read back with openpyxl."""
import io
from datetime import datetime

from openpyxl import load_workbook


def export(client, data, query=""):
    response = client.get(f"/gestion/dossiers/export.xlsx?campaign={data['campaign']}{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))["Dossiers"]


def test_export_whole_campaign(client, db, data, make_user, login):
    from quota_app.audit.models import AuditEvent
    from quota_app.applications.io import LIST_COLUMNS as EXPORT_COLUMNS

    manager = make_user("manager")
    login(manager)
    ws = export(client, data)
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2] == EXPORT_COLUMNS
    assert all(cell.font.bold for cell in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:U{3 + 4}"
    body = rows[3:]
    # Sorted by name without accents or punctuation: "=SOMME(A1)" sorts as "somme a1". Not the
    # draft MLI-2026-000003, never submitted: not the managers'.
    assert [r[0] for r in body] == ["MLI-2026-000005", "MLI-2026-000002", "MLI-2026-000004", "MLI-2026-000001"]
    formula_row = ws[6]
    assert formula_row[1].value == "'=SOMME(A1)" and formula_row[1].data_type == "s"
    # Dates are real dates; identity numbers are complete in the export.
    assert isinstance(formula_row[4].value, datetime) and formula_row[4].value.date().isoformat() == "2003-09-01"
    assert formula_row[4].number_format == "dd/mm/yyyy"
    assert formula_row[5].value == 23
    assert body[-1][6] == "1F04ABCDEFG001K" and body[-1][16:19] == ("DD-CASA", "MI-RABAT", None)
    assert body[-1][8] == "+22376000001"  # a phone number is not neutralised
    event = db.session.execute(db.select(AuditEvent).filter_by(action="application.export")).scalar_one()
    assert event.actor_id == manager.id and event.campaign_id == data["campaign"] and event.after["rows"] == 4


def test_export_follows_the_filters(client, db, data, make_user, login):
    from quota_app.audit.models import AuditEvent

    login(make_user("manager"))
    ws = export(client, data, "&sex=F&status=submitted&sort=reference")
    body = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in body] == ["MLI-2026-000001", "MLI-2026-000005"]
    event = db.session.execute(db.select(AuditEvent).filter_by(action="application.export")).scalar_one()
    assert event.after["filters"] == {"sex": "F", "status": "submitted", "sort": "reference"}
