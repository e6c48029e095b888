"""The follow-up import's later columns: the monthly stipend in MAD (minor units), a departure
cancelled, completion, return, situations 6 and 12 months after, re-enrolment documents; their
errors in French through the follow-up's rules; a visa refused by import moves the file."""
import datetime as dt

from sqlalchemy import select

from conftest import xlsx_bytes
from quota_app.amci.io import import_followup
from quota_app.amci.models import FollowUp, ReenrolmentRecord

HEADERS = ["Référence", "Allocation mensuelle (MAD)", "Date d'arrivée", "Date d'inscription", "Départ annulé le",
           "Motif de l'annulation", "Fin de formation le", "Retour au Mali le", "Situation à 6 mois",
           "Secteur à 6 mois", "Situation à 12 mois", "Documents de réinscription reçus le"]


def line(ref, **values):
    keys = {"stipend": 1, "arrival": 2, "enrolled": 3, "cancelled": 4, "cancel_reason": 5, "completed": 6,
            "returned": 7, "s6": 8, "sector6": 9, "s12": 10, "reenrol": 11}
    row = [ref] + [None] * (len(HEADERS) - 1)
    for key, value in values.items():
        row[keys[key]] = value
    return row


def test_the_later_columns_are_written(db, campaign, trainees, manager):
    data = xlsx_bytes([
        line("MLI-2026-000003", stipend="1 500,50", arrival="01/09/2026", enrolled="05/09/2026",
             completed="30/06/2028", returned="10/07/2028", s6="En emploi", sector6="BTP", s12="poursuite d'études",
             reenrol="20/09/2027"),
        line("MLI-2026-000001", stipend=750),
    ], HEADERS, title="Suivi")
    result = import_followup(campaign, data, "suivi.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed, result.errors
    rows = {f.application_id: f for f in db.session.scalars(select(FollowUp))}
    fu = rows[trainees["enrolled"][0]]
    assert (fu.stipend_minor, fu.stipend_currency, fu.completed_on, fu.returned_on) == (
        150_050, "MAD", dt.date(2028, 6, 30), dt.date(2028, 7, 10))
    assert (fu.situation_6m, fu.situation_6m_sector, fu.situation_12m) == ("employed", "BTP", "further_study")
    assert rows[trainees["placed"][0]].stipend_minor == 75_000
    record = db.session.scalars(select(ReenrolmentRecord)).one()
    assert (record.follow_up_id, record.academic_year, record.documents_received_on) == (
        fu.id, "2027-2028", dt.date(2027, 9, 20))
    again = import_followup(campaign, data, "suivi.xlsx", manager, commit=True)
    assert (again.counts["new"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)


def test_the_later_columns_errors_in_french(db, campaign, trainees, manager):
    data = xlsx_bytes([
        line("MLI-2026-000001", stipend="-10"),
        line("MLI-2026-000002", cancelled="01/08/2026"),
        line("MLI-2026-000003", s6="En emploi"),
        line("MLI-2026-000003", arrival="01/09/2026", cancelled="01/08/2026", cancel_reason="Maladie"),
    ], HEADERS, title="Suivi")
    result = import_followup(campaign, data, "suivi.xlsx", manager)
    got = {(e["row"], e["column"]): e["message"] for e in result.errors}
    assert got[(2, "Allocation mensuelle (MAD)")] == "Le montant ne peut pas être négatif."
    assert got[(3, "Motif de l'annulation")] == "Indiquez le motif de l'annulation du départ."
    assert "suit la fin de la formation" in got[(4, "Situation à 6 mois")]
    assert "ne s'annule qu'avant l'arrivée" in got[(5, "Départ annulé le")]


def test_an_enrolment_by_import_moves_an_accepted_file(db, campaign, trainees, manager):
    from quota_app.applications.models import Application

    data = xlsx_bytes([line("MLI-2026-000002", arrival="01/09/2026", enrolled="05/09/2026")], HEADERS, title="Suivi")
    result = import_followup(campaign, data, "suivi.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed, result.errors
    assert db.session.get(Application, trainees["accepted"][0]).status == "enrolled"
