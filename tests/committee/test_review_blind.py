"""Blind mode through HTTP: a member's pages (home, list, file page, documents, score sheet) hold
none of the candidate's identity — name, photo, NINA, passport, phone, birth date and place,
region, sex, nor the reference — and the file is shown under its assignment's code."""
import io
import re

from openpyxl import load_workbook
from review_helpers import audit_actions, review_world

from quota_app.committee.models import ReviewAssignment


def _html(response) -> str:
    return response.get_data(as_text=True)


def _identity_values(application) -> dict:
    region = application.region
    return {
        "last name": application.last_name, "first names": application.first_names,
        "full name": application.full_name, "birth place": application.birth_place,
        "birth date": application.birth_date.strftime("%d/%m/%Y"), "birth date iso": application.birth_date.isoformat(),
        "NINA": application.nina, "NINA end": application.nina[-6:], "passport": application.passport_number,
        "phone": application.phone, "phone digits": re.sub(r"\D", "", application.phone)[-8:],
        "phone typed": "76 12 34 56", "region": region.name, "reference": application.reference,
        "sex": "Femme", "e-mail": application.email or "@@none@@",
        "original document name": application.documents[0].original_name,
    }


def _leaks(text: str, application) -> list[str]:
    lowered = text.lower()
    return [label for label, value in _identity_values(application).items() if value and value.lower() in lowered]


def _member_pages(client, world, assignment):
    return {
        "home": _html(client.get("/comite/")),
        "list": _html(client.get(f"/comite/{world.committee_id}/dossiers")),
        "file": _html(client.get(f"/comite/dossiers/{assignment.id}")),
        "sheet page": _html(client.get(f"/comite/{world.committee_id}/feuille-de-notes")),
    }


def test_blind_mode_hides_every_identity_value_from_the_members_pages(client, login, db):
    world = review_world(n_files=2, n_members=2, blind=True)
    assignment = world.assign(0, 1)
    application = world.files[0]
    assert application.reference and application.nina and application.phone and application.passport_number
    login(world.members[1])
    pages = _member_pages(client, world, assignment)
    for name, html in pages.items():
        assert _leaks(html, application) == [], name
    assert assignment.code in pages["list"] and assignment.code in pages["file"]
    assert "Évaluation anonyme" in pages["file"]
    # a draft saved and the page shown again: still nothing
    criteria = world.criteria()
    client.post(f"/comite/dossiers/{assignment.id}", data={
        f"c_{criteria['dossier'].id}": "12", f"c_{criteria['motivation'].id}": "", "comment": "",
        "version": str(assignment.version), "save": "1"})
    assert _leaks(_html(client.get(f"/comite/dossiers/{assignment.id}")), application) == []


def test_blind_mode_withholds_the_identity_documents_and_serves_the_others_under_the_code(client, login, db):
    world = review_world(n_files=1, n_members=2, blind=True)
    assignment = world.assign(0, 1)
    login(world.members[1])
    page = _html(client.get(f"/comite/dossiers/{assignment.id}"))
    assert "/pieces/DIPLOMA" in page
    for code in ("PHOTO", "BIRTH", "PASSPORT"):
        assert f"/pieces/{code}" not in page
        assert client.get(f"/comite/dossiers/{assignment.id}/pieces/{code}").status_code == 404
    assert "peuvent faire apparaître le nom" in page
    response = client.get(f"/comite/dossiers/{assignment.id}/pieces/DIPLOMA")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert assignment.code in disposition and world.files[0].last_name.lower() not in disposition.lower()
    assert "no-store" in response.headers["Cache-Control"]
    views = audit_actions("committee.review.document_view")
    assert len(views) == 1 and views[0].actor_id == world.members[1].id
    assert views[0].after["document_type"] == "DIPLOMA" and views[0].after["code"] == assignment.code


def test_blind_score_sheet_holds_codes_not_names(client, login, db):
    world = review_world(n_files=2, n_members=2, blind=True)
    assignment = world.assign(0, 1)
    login(world.members[1])
    response = client.get(f"/comite/{world.committee_id}/feuille-de-notes.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    text = " ".join(str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                    for cell in row if cell is not None)
    assert assignment.code in text
    assert _leaks(text, world.files[0]) == []
    assert "Candidat" not in [c.value for c in workbook["Notes"][1]]


def test_outside_blind_mode_the_name_is_shown_but_not_the_identity_numbers(client, login, db):
    world = review_world(n_files=1, n_members=2, blind=False)
    assignment = world.assign(0, 1)
    application = world.files[0]
    login(world.members[1])
    page = _html(client.get(f"/comite/dossiers/{assignment.id}"))
    assert application.last_name in page and application.birth_place in page
    assert "/pieces/PHOTO" in page
    assert set(_leaks(page, application)) <= {"last name", "first names", "full name", "birth place", "birth date",
                                              "region", "sex"}
    assert client.get(f"/comite/dossiers/{assignment.id}/pieces/PHOTO").status_code == 200
    listing = _html(client.get(f"/comite/{world.committee_id}/dossiers"))
    assert application.full_name in listing and application.reference not in listing


def test_the_code_is_not_the_reference(db):
    world = review_world(n_files=3, n_members=2, blind=True)
    for index, application in enumerate(world.files):
        assignment = world.assign(index, 1)
        assert assignment.code not in application.reference
        digits = re.sub(r"\D", "", application.reference).lstrip("0")
        assert digits not in assignment.code
    codes = db.session.scalars(db.select(ReviewAssignment.code)).all()
    assert len(set(codes)) == len(codes)
