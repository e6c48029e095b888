"""Fixtures of the import tests: a campaign with three offers, workbooks as bytes."""
import datetime as dt
import io

import pytest
from openpyxl import Workbook

HEADERS = ["Nom", "Prénom(s)", "Sexe", "Né(e) le", "Lieu de naissance", "NINA", "N° passeport",
           "Téléphone", "Région", "Diplôme", "Série", "Année du diplôme", "Moyenne",
           "Choix 1", "Choix 2", "Choix 3"]


def person(n, **changes):
    row = {
        "Nom": "Traoré", "Prénom(s)": f"Awa {n}", "Sexe": "F", "Né(e) le": dt.date(2004, 3, (n % 27) + 1),
        "Lieu de naissance": "Ségou", "NINA": f"{10000000000000 + n:014d}A", "N° passeport": None,
        "Téléphone": "76 12 34 56", "Région": "Ségou", "Diplôme": "BAC", "Série": "TSE",
        "Année du diplôme": 2023, "Moyenne": "13,5", "Choix 1": "TS-DD-CASA", "Choix 2": "TS-IA-RABAT",
        "Choix 3": None,
    }
    row.update(changes)
    return [row[h] for h in HEADERS]


def xlsx_bytes(rows, headers=HEADERS, title="Candidats"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def campaign(db, reference):
    from quota_app.campaigns.models import Campaign, Offer
    from quota_app.reference.models import Establishment, Programme

    camp = Campaign(code="Q2026", title="Quota 2026", year=2026, phase="open",
                    reference_date=dt.date(2026, 12, 31), opens_at=dt.datetime(2026, 1, 1),
                    closes_at=dt.datetime(2026, 3, 1), reference_prefix="MLI")
    db.session.add(camp)
    db.session.flush()
    prog = {p.code: p.id for p in db.session.execute(db.select(Programme)).scalars()}
    est = {e.code: e.id for e in db.session.execute(db.select(Establishment)).scalars()}
    for code, p, e in (("TS-DD-CASA", "TS-DD", "ISTA-CASA"), ("TS-IA-RABAT", "TS-IA", "ISTA-RABAT"),
                       ("TS-DD-RABAT", "TS-DD", "ISTA-RABAT")):
        db.session.add(Offer(campaign_id=camp.id, programme_id=prog[p], establishment_id=est[e],
                             code=code, seats=20, reserved_seats=5))
    db.session.commit()
    return camp


@pytest.fixture
def manager(make_user):
    return make_user("manager")


@pytest.fixture
def trainees(db, campaign):
    """Four files of the campaign, by status: placed, accepted, enrolled, waiting_list.

    File n has the reference MLI-2026-00000n, NINA 2000000000000nB and passport AA00000n."""
    from quota_app.applications.models import Applicant, Application

    made = {}
    for n, status in enumerate(("placed", "accepted", "enrolled", "waiting_list"), start=1):
        applicant = Applicant(source="import")
        db.session.add(applicant)
        db.session.flush()
        application = Application(
            campaign_id=campaign.id, applicant_id=applicant.id, status=status,
            reference=f"MLI-2026-{n:06d}", last_name="Coulibaly", first_names=f"Moussa {n}",
            sex="M", birth_date=dt.date(2003, 5, n), nina=f"{20000000000000 + n:014d}B",
            passport_number=f"AA{n:06d}")
        db.session.add(application)
        made[status] = application
    db.session.commit()
    return {status: (a.id, a.reference) for status, a in made.items()}
