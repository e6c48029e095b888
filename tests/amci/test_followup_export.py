"""The follow-up export (amci/followup_export.py): nominated candidates only, every value in the
form the follow-up import reads back, so that a sheet brought back untouched changes nothing and
a completed one records what was added; the page's download for the AMCI officer, audited."""
from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from followup_helpers import JULY, confirmed_year


def _export(db, campaign, actor) -> bytes:
    from quota_app.exports import services

    out = io.BytesIO()
    services.export("suivi", campaign, out, actor)
    db.session.commit()
    return out.getvalue()


def _table(data: bytes) -> tuple[list, list[list]]:
    sheet = load_workbook(io.BytesIO(data))["Suivi AMCI"]
    rows = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    return rows[0], rows[1:]


def _follow(db, y):
    from quota_app.amci.followup import update_follow_up
    from quota_app.reference.models import Establishment

    establishment = db.session.scalars(db.select(Establishment)).first()
    trainee = y.trainees[0]
    update_follow_up(y.amci, trainee, {
        "scholarship_granted": True, "stipend_minor": 150_050, "amci_file_number": "AMCI-2026-0042",
        "visa_status": "granted", "visa_date": date(2026, 7, 1), "travel_date": date(2026, 9, 20),
        "arrival_date": date(2026, 9, 21), "enrolled_on": date(2026, 10, 2), "establishment_id": establishment.id,
    }, JULY, version=0)
    db.session.commit()
    return trainee, establishment


def test_nominated_candidates_only_with_their_follow_up_as_the_import_reads_it(db, amci_world):
    from quota_app.applications.models import Application

    y = confirmed_year(db, amci_world)
    trainee, establishment = _follow(db, y)
    header, rows = _table(_export(db, y.w.world.campaign(db), y.amci))
    assert header[:4] == ["Référence", "Nom", "Prénoms", "N° dossier AMCI"]
    assert "NINA" not in header and "N° passeport" not in header
    references = dict(db.session.execute(db.select(Application.id, Application.reference)).all())
    assert [r[0] for r in rows] == [references[t] for t in y.trainees]
    assert all(references[w] not in {r[0] for r in rows} for w in y.w.waiting)
    row = dict(zip(header, rows[0]))
    assert row["Référence"] == references[trainee]
    assert row["N° dossier AMCI"] == "AMCI-2026-0042" and row["Statut visa"] == "Accordé"
    assert row["Date d'arrivée"] == datetime(2026, 9, 21)
    assert row["Établissement"] == establishment.code
    assert row["Allocation mensuelle (MAD)"] == 1500.5
    assert all(value is None for value in dict(zip(header, rows[1])).values()
               if value not in (rows[1][0], rows[1][1], rows[1][2]))


def test_the_sheet_brought_back_untouched_changes_nothing_and_completed_records_the_rest(db, amci_world):
    from quota_app.amci.io import import_followup
    from quota_app.amci.models import FollowUp

    y = confirmed_year(db, amci_world)
    trainee, _establishment = _follow(db, y)
    campaign = y.w.world.campaign(db)
    data = _export(db, campaign, y.amci)
    result = import_followup(campaign, data, "suivi.xlsx", actor=y.amci)
    assert result.errors == []
    assert (result.counts["new"], result.counts["updated"], result.counts["errors"]) == (0, 0, 0)
    assert result.counts["unchanged"] == len(y.trainees)
    db.session.rollback()

    # The AMCI officer fills the second trainee's arrival and the first one's end of training.
    book = load_workbook(io.BytesIO(data))
    sheet = book["Suivi AMCI"]
    header = [c.value for c in sheet[3]]
    sheet.cell(5, header.index("N° dossier AMCI") + 1).value = "AMCI-2026-0043"
    sheet.cell(5, header.index("Statut visa") + 1).value = "Accordé"
    sheet.cell(5, header.index("Date du visa") + 1).value = datetime(2026, 7, 3)
    sheet.cell(4, header.index("Fin de formation le") + 1).value = datetime(2028, 6, 30)
    completed = io.BytesIO()
    book.save(completed)
    result = import_followup(campaign, completed.getvalue(), "suivi.xlsx", actor=y.amci, commit=True)
    assert result.errors == [] and result.committed
    assert (result.counts["new"], result.counts["updated"]) == (1, 1)
    db.session.commit()
    stored = {f.application_id: f for f in db.session.scalars(db.select(FollowUp))}
    assert stored[trainee].completed_on == date(2028, 6, 30) and stored[trainee].stipend_minor == 150_050
    assert stored[y.trainees[1]].amci_file_number == "AMCI-2026-0043"


def test_no_nomination_no_row(db, amci_world):
    y = amci_world()
    header, rows = _table(_export(db, y.world.campaign(db), y.world.manager(db)))
    assert header[0] == "Référence" and rows == []


def test_the_amci_officer_downloads_it_from_the_exports_page_and_the_look_is_recorded(db, client, login, amci_world):
    from quota_app.audit.models import AuditEvent
    from quota_app.audit.labels import action_label

    y = confirmed_year(db, amci_world)
    _follow(db, y)
    login(y.amci)
    page = client.get(f"/gestion/exports/?campaign={y.campaign_id}")
    assert "Suivi AMCI des stagiaires" in page.get_data(as_text=True)
    response = client.get(f"/gestion/exports/suivi.xlsx?campaign={y.campaign_id}")
    assert response.status_code == 200
    _header, rows = _table(response.data)
    assert len(rows) == len(y.trainees)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "export.followup")).one()
    assert event.actor_id == y.amci.id and event.after == {"rows": len(y.trainees)}
    assert action_label("export.followup") == "Export du suivi AMCI des stagiaires"
