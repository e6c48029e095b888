"""The offline score sheet: download (codes, maxima in the headers, data validation 0..max, the
instructions), upload through the import machinery's dry run and confirmation (all or nothing,
French errors by sheet, row and column), drafts and submissions, idempotence, the lock after
validation, and the runs seen by their author only."""
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from review_helpers import audit_actions, review_world, validate_deliberation

from quota_app.committee.models import EvaluationResult, ReviewAssignment
from quota_app.imports.models import ImportRun


def _html(response) -> str:
    return response.get_data(as_text=True)


def download(client, world):
    response = client.get(f"/comite/{world.committee_id}/feuille-de-notes.xlsx")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data))


def columns(sheet) -> dict:
    return {str(cell.value).rstrip(" *"): cell.column for cell in sheet[1] if cell.value}


def row_of(sheet, code) -> int:
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == code:
            return row
    raise AssertionError(code)


def fill(workbook, code, **cells):
    sheet = workbook["Notes"]
    heads = columns(sheet)
    row = row_of(sheet, code)
    for header, value in cells.items():
        sheet.cell(row=row, column=heads[header], value=value)
    return workbook


def as_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, world, data: bytes, name="notes.xlsx"):
    response = client.post(f"/comite/{world.committee_id}/feuille-de-notes",
                           data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert response.status_code == 302, (response.status_code, _html(response)[:500])
    match = re.search(r"/gestion/imports/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def confirm(client, run_id):
    response = client.post(f"/gestion/imports/{run_id}/valider")
    assert response.status_code == 302
    return client.get(response.headers["Location"])


DOSSIER, MOTIVATION = "Dossier scolaire (sur 20)", "Motivation (sur 20)"


@pytest.fixture
def sheet_world(db):
    world = review_world(n_files=3, n_members=3)
    assignments = [world.assign(0, 1), world.assign(1, 1), world.assign(2, 2)]
    return world, assignments


def test_the_downloaded_sheet(client, login, db, sheet_world):
    world, (first, second, theirs) = sheet_world
    login(world.members[1])
    workbook = download(client, world)
    assert workbook.sheetnames[:2] == ["Notes", "Instructions"]
    sheet = workbook["Notes"]
    heads = columns(sheet)
    assert list(heads)[:3] == ["Code du dossier", "Candidat", "État"]
    assert DOSSIER in heads and MOTIVATION in heads and "Commentaire" in heads and "Soumettre" in heads
    codes = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert sorted(codes) == sorted([first.code, second.code]) and theirs.code not in codes
    row = row_of(sheet, first.code)
    assert sheet.cell(row=row, column=heads["Candidat"]).value == world.files[0].full_name
    assert sheet.cell(row=row, column=heads[DOSSIER]).value == 13.5  # prefilled from the average
    assert sheet.cell(row=row, column=heads[MOTIVATION]).value is None
    assert world.files[0].reference not in " ".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r if c)
    validations = {str(dv.sqref): (dv.type, dv.formula1, dv.formula2) for dv in sheet.data_validations.dataValidation}
    letter = sheet.cell(row=1, column=heads[MOTIVATION]).column_letter
    assert validations[f"{letter}2:{letter}3"] == ("decimal", "0", "20")
    instructions = " ".join(str(c) for r in workbook["Instructions"].iter_rows(values_only=True) for c in r if c)
    assert "Soumettre" in instructions and "ne modifiez pas la colonne « Code du dossier »" in instructions
    assert [e.action for e in audit_actions("committee.score_sheet")] == ["committee.score_sheet.download"]


def test_round_trip_writes_drafts_and_submissions_and_the_same_file_twice_changes_nothing(
        client, login, db, sheet_world):
    world, (first, second, _theirs) = sheet_world
    login(world.members[1])
    workbook = download(client, world)
    fill(workbook, first.code, **{DOSSIER: 12, MOTIVATION: "15,5", "Commentaire": "Très motivé\nà revoir"})
    fill(workbook, second.code, **{DOSSIER: 10, MOTIVATION: 14, "Soumettre": "Oui"})
    data = as_bytes(workbook)

    run_id = upload(client, world, data)
    page = _html(client.get(f"/gestion/imports/{run_id}"))
    assert "Valider l&#39;import" in page or "Valider l'import" in page
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, first.id).scores == []  # the dry run wrote nothing
    result = confirm(client, run_id)
    assert "Import enregistré" in _html(result)

    db.session.expire_all()
    draft = db.session.get(ReviewAssignment, first.id)
    assert draft.status == "pending" and draft.comment == "Très motivé\nà revoir"
    assert sorted(s.value for s in draft.scores) == [Decimal(12), Decimal("15.5")]
    done = db.session.get(ReviewAssignment, second.id)
    # (40·10/20 + 60·14/20) / 100 × 20 = 12.4
    assert done.status == "submitted" and done.weighted_total == Decimal("12.400")
    actions = [e.action for e in audit_actions("committee.review.")]
    assert sorted(actions) == ["committee.review.save", "committee.review.submit"]
    assert all(e.reason == "Feuille de notes notes.xlsx" for e in audit_actions("committee.review."))

    versions = {a.id: a.version for a in (draft, done)}
    again = upload(client, world, data)
    page = _html(client.get(f"/gestion/imports/{again}"))
    assert "Rien de nouveau dans ce fichier" in page
    run = db.session.get(ImportRun, again)
    assert run.counts["unchanged"] == 2 and run.counts["updated"] == 0
    # even committed (the command line), the same file changes nothing
    from quota_app.imports import services
    committed = services.run_import("score_sheet", world.campaign, data, "notes.xlsx", world.members[1], commit=True)
    db.session.commit()
    assert committed.committed and committed.counts["updated"] == 0
    db.session.expire_all()
    assert {a.id: a.version for a in db.session.scalars(db.select(ReviewAssignment).where(
        ReviewAssignment.id.in_(versions)))} == versions
    assert len(audit_actions("committee.review.")) == 2

    # the sheet downloaded now comes back unchanged too
    fresh = download(client, world)
    assert fresh["Notes"].cell(row=row_of(fresh["Notes"], second.code), column=columns(fresh["Notes"])["État"]).value == "Soumis"
    nothing = upload(client, world, as_bytes(fresh))
    assert db.session.get(ImportRun, nothing).counts["updated"] == 0


def test_bad_cells_are_refused_row_by_row_and_nothing_is_written(client, login, db, sheet_world):
    world, (first, second, theirs) = sheet_world
    login(world.members[1])
    workbook = download(client, world)
    fill(workbook, first.code, **{DOSSIER: 25, MOTIVATION: "douze"})
    fill(workbook, second.code, **{DOSSIER: "12,555", MOTIVATION: 10, "Soumettre": "peut-être"})
    sheet = workbook["Notes"]
    sheet.append([theirs.code, "", "", 10, 10])                      # another member's file
    sheet.append(["ZZZZ9999", "", "", 10, 10])                        # no such file
    sheet.append([first.code, "", "", 10, 10])                        # the same file twice
    good = download(client, world)  # a valid row elsewhere must not be written either
    run_id = upload(client, world, as_bytes(workbook))
    run = db.session.get(ImportRun, run_id)
    assert run.status == "dry_run" and run.error_count >= 6
    page = _html(client.get(f"/gestion/imports/{run_id}"))
    assert "la note doit être comprise entre 0 et 20 (reçu : 25)" in page
    assert "la note doit être un nombre" in page and "deux décimales au plus" in page
    assert "Réponse attendue : Oui ou Non" in page
    assert page.count("n&#39;est pas celui d&#39;un dossier qui vous est attribué") == 2 \
        or page.count("n'est pas celui d'un dossier qui vous est attribué") == 2
    assert "Même dossier que la ligne" in page
    assert "Valider l" not in page

    from quota_app.imports import services
    result = services.analyse_run(run)
    where = {(e["sheet"], e["row"], e["column"]) for e in result.errors}
    first_row, theirs_row = row_of(sheet, first.code), sheet.max_row - 2
    assert ("Notes", first_row, DOSSIER) in where and ("Notes", first_row, MOTIVATION) in where
    assert ("Notes", theirs_row, "Code du dossier") in where
    report = client.get(f"/gestion/imports/{run_id}/rapport.xlsx")
    assert report.status_code == 200

    # confirming a refused analysis changes nothing
    assert client.post(f"/gestion/imports/{run_id}/valider").status_code == 302
    db.session.expire_all()
    for assignment in (first, second, theirs):
        row = db.session.get(ReviewAssignment, assignment.id)
        assert row.scores == [] and row.status == "pending" and row.saved_at is None
    assert audit_actions("committee.review.") == []
    assert good  # (downloaded, unused: the valid rows of a refused file wrote nothing)


def test_submit_needs_every_score_and_a_submitted_file_must_come_back_unchanged(client, login, db, sheet_world):
    world, (first, _second, _theirs) = sheet_world
    login(world.members[1])
    workbook = download(client, world)
    fill(workbook, first.code, **{DOSSIER: 12, "Soumettre": "Oui"})
    run_id = upload(client, world, as_bytes(workbook))
    page = _html(client.get(f"/gestion/imports/{run_id}"))
    assert "Motivation : note manquante (« Soumettre » vaut Oui)." in page

    fill(workbook, first.code, **{MOTIVATION: 16})
    confirm(client, upload(client, world, as_bytes(workbook)))
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, first.id).status == "submitted"

    fill(workbook, first.code, **{MOTIVATION: 2})
    run_id = upload(client, world, as_bytes(workbook))
    assert "déjà soumises : elles ne peuvent plus être modifiées" in _html(client.get(f"/gestion/imports/{run_id}"))
    db.session.expire_all()
    assert sorted(s.value for s in db.session.get(ReviewAssignment, first.id).scores) == [12, 16]


def test_the_sheet_submission_applies_the_gap_rule(client, login, db, app):
    world = review_world(n_files=1, n_members=4)
    a = world.assign(0, 1)
    b = world.assign(0, 2)
    login(world.members[1])
    confirm(client, upload(client, world, as_bytes(fill(download(client, world), a.code,
                                                         **{DOSSIER: 20, MOTIVATION: 20, "Soumettre": "Oui"}))))
    other = app.test_client()
    login(world.members[2], on=other)
    confirm(other, upload(other, world, as_bytes(fill(download(other, world), b.code,
                                                       **{DOSSIER: 4, MOTIVATION: 4, "Soumettre": "Oui"}))))
    db.session.expire_all()
    assert db.session.scalar(db.select(EvaluationResult.gap_flagged)) is True
    assert len(db.session.scalars(db.select(ReviewAssignment).where(ReviewAssignment.is_third_review.is_(True))).all()) == 1


def test_the_lock_after_validation_refuses_the_sheet(client, login, db, sheet_world):
    world, (first, _second, _theirs) = sheet_world
    login(world.members[1])
    workbook = fill(download(client, world), first.code, **{DOSSIER: 12, MOTIVATION: 12})
    data = as_bytes(workbook)
    run_id = upload(client, world, data)  # analysed before the validation: fine
    assert db.session.get(ImportRun, run_id).error_count == 0
    validate_deliberation(world.committee_id)
    page = confirm(client, run_id)
    assert "Import refusé" in _html(page) or "La délibération est validée" in _html(page)
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, first.id).scores == []
    later = upload(client, world, data)
    assert "La délibération est validée" in _html(client.get(f"/gestion/imports/{later}"))
    # the writer itself refuses too (any other path that would reach it)
    from quota_app.committee import reviewing
    from quota_app.errors import NotAllowed
    with pytest.raises(NotAllowed, match="La délibération est validée"):
        reviewing.write_review(world.members[1], db.session.get(ReviewAssignment, first.id),
                               reviewing.criteria_of(world.campaign_id), {}, "", submit=False)
    # and the command line
    from quota_app.imports import services
    result = services.run_import("score_sheet", world.campaign, data, "notes.xlsx", world.members[1], commit=True)
    assert not result.committed and any("La délibération est validée" in e["message"] for e in result.errors)
    db.session.rollback()


def test_a_page_save_between_the_analysis_and_the_confirmation_is_not_overwritten(client, login, db, sheet_world):
    world, (first, _second, _theirs) = sheet_world
    login(world.members[1])
    run_id = upload(client, world, as_bytes(fill(download(client, world), first.code, **{DOSSIER: 12, MOTIVATION: 12})))
    criteria = world.criteria()
    client.post(f"/comite/dossiers/{first.id}", data={
        f"c_{criteria['dossier'].id}": "5", f"c_{criteria['motivation'].id}": "5", "comment": "sur la page",
        "version": str(first.version), "save": "1"})
    page = confirm(client, run_id)
    assert "Les données ont été modifiées depuis l" in _html(page)
    db.session.expire_all()
    row = db.session.get(ReviewAssignment, first.id)
    assert row.comment == "sur la page" and sorted(s.value for s in row.scores) == [5, 5]


def test_runs_are_seen_by_their_author_only(app, client, login, db, sheet_world, make_user):
    world, _assignments = sheet_world
    login(world.members[1])
    run_id = upload(client, world, as_bytes(download(client, world)))
    assert client.get(f"/gestion/imports/{run_id}").status_code == 200
    assert f"/gestion/imports/{run_id}" in _html(client.get(f"/comite/{world.committee_id}/feuille-de-notes"))
    other = app.test_client()
    login(world.members[2], on=other)
    assert other.get(f"/gestion/imports/{run_id}").status_code == 404
    assert other.post(f"/gestion/imports/{run_id}/valider").status_code == 404
    assert other.get(f"/gestion/imports/{run_id}/rapport.xlsx").status_code == 404
    assert f"/gestion/imports/{run_id}" not in _html(other.get(f"/comite/{world.committee_id}/feuille-de-notes"))
    manager = app.test_client()
    login(make_user("manager"), on=manager)
    assert manager.get(f"/gestion/imports/{run_id}").status_code == 403  # not a managers' kind
    assert client.get("/gestion/imports/").status_code == 403  # the managers' page stays theirs
    assert client.get(f"/gestion/imports/modele/score_sheet/{world.campaign_id}").status_code == 403


def test_an_upload_that_is_not_a_spreadsheet_is_refused_in_french(client, login, db, sheet_world):
    world, _assignments = sheet_world
    login(world.members[1])
    run_id = upload(client, world, b"pas un classeur", name="notes.xlsx")
    run = db.session.get(ImportRun, run_id)
    assert run.status == "rejected"
    page = _html(client.get(f"/gestion/imports/{run_id}"))
    assert "Retour" in page
    missing = client.post(f"/comite/{world.committee_id}/feuille-de-notes", data={},
                          content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choisissez un fichier Excel" in _html(missing)
