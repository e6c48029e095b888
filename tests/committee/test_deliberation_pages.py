"""The chair's pages through HTTP: who reaches them, the ranking paginated, the forms and their
French messages, the validation, the PV and the ranking's spreadsheet, the home page's summary."""
import html
import io
import re

import pytest
from deliberation_helpers import SESSION_AT, deliberating_world, open_and_hold, signed_in, user, validate
from openpyxl import load_workbook


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def as_user(app, user_id):
    return signed_in(app, user_id)


def new_user(app, role):
    import factories
    return factories.make_user(role).id


def base(world) -> str:
    return f"/comite/deliberation/{world.committee_id}"


@pytest.fixture
def world(db):
    return deliberating_world(3, 3, {0: ("11", "12.5"), 1: ("16", "15"), 2: ("9", "12")})


# --- who reaches what -----------------------------------------------------------------------

def test_the_chair_sees_the_ranking_with_each_review_by_name(app, world):
    page = text(as_user(app, world.chair_id).get(base(world)))
    assert "Délibération du comité « Comité de sélection »" in page
    references = [f.reference for f in world.files]
    assert page.index(references[1]) < page.index(references[0]) < page.index(references[2])
    assert "15,500" in page and "Ouvrir la délibération" in page
    for member in world.members:
        assert member.full_name in page


def test_a_plain_member_and_another_committees_chair_get_404_everywhere(app, world, db):
    other = deliberating_world(1)
    member = as_user(app, world.member_user_ids[0])
    stranger = as_user(app, other.chair_id)
    urls = [base(world), f"{base(world)}/normalisation", f"{base(world)}/seance",
            f"{base(world)}/dossiers/{world.file_ids[0]}", f"{base(world)}/proces-verbal.pdf",
            f"{base(world)}/classement.xlsx"]
    posts = [f"{base(world)}/ouvrir", f"{base(world)}/normalisation", f"{base(world)}/valider",
             f"{base(world)}/dossiers/{world.file_ids[0]}", f"{base(world)}/seance"]
    for client in (member, stranger):
        for url in urls:
            assert client.get(url).status_code == 404, url
        for url in posts:
            assert client.post(url, data={"confirm": "y", "adopt": "1", "justification": "x", "value": "12",
                                          "place": "Bamako"}).status_code == 404, url
    # and the chair of the other committee reaches none of this one's files through its own
    assert as_user(app, other.chair_id).get(
        f"/comite/deliberation/{other.committee_id}/dossiers/{world.file_ids[0]}").status_code == 404


@pytest.mark.parametrize("role", ["amci", "applicant", "admin"])
def test_amci_officers_applicants_and_admins_see_nothing(app, world, role):
    client = as_user(app, new_user(app, role))
    for url in (base(world), f"{base(world)}/proces-verbal.pdf", f"{base(world)}/classement.xlsx",
                f"{base(world)}/normalisation"):
        assert client.get(url).status_code == 403, url


def test_a_manager_reads_the_ranking_without_its_forms(app, world):
    page = text(as_user(app, new_user(app, "manager")).get(base(world)))
    assert world.files[1].reference in page
    assert "Ouvrir la délibération" not in page and "Valider la délibération" not in page
    assert as_user(app, new_user(app, "manager")).post(f"{base(world)}/ouvrir").status_code == 403


def test_the_ranking_is_paginated(app, world, monkeypatch):
    from quota_app.committee import deliberating

    monkeypatch.setattr(deliberating, "PER_PAGE", 2)
    client = as_user(app, world.chair_id)
    first, second = text(client.get(base(world))), text(client.get(f"{base(world)}?page=2"))
    references = [f.reference for f in world.files]
    assert references[1] in first and references[0] in first and references[2] not in first
    assert references[2] in second and references[1] not in second
    assert "Page 1 sur 2" in first and "Page 2 sur 2" in second
    assert "Page 2 sur 2" in text(client.get(f"{base(world)}?page=99"))


# --- the forms ------------------------------------------------------------------------------

def test_open_then_adjust_with_and_without_a_justification(app, world, db):
    from quota_app.committee.models import ScoreAdjustment

    client = as_user(app, world.chair_id)
    response = client.post(f"{base(world)}/ouvrir")
    assert response.status_code == 302
    assert "La délibération est ouverte." in text(client.get(base(world)))
    url = f"{base(world)}/dossiers/{world.file_ids[2]}"
    page = text(client.get(url))
    assert "Ajuster la note finale" in page and world.members[0].full_name in page
    refused = client.post(url, data={"value": "14", "justification": "  "})
    assert refused.status_code == 200
    assert "Un ajustement de note exige une justification écrite." in text(refused)
    assert db.session.scalar(db.select(db.func.count(ScoreAdjustment.id))) == 0
    done = client.post(url, data={"value": "14,25", "justification": "Relevé de notes retrouvé."})
    assert done.status_code == 302
    page = text(client.get(url))
    assert "14,250" in page and "Relevé de notes retrouvé." in page
    ranking = text(client.get(base(world)))
    assert "ajustée" in ranking


def test_the_session_form_refuses_a_missing_quorum_in_french(app, world, db):
    from quota_app.committee.access import deliberation_of

    client = as_user(app, world.chair_id)
    assert client.get(f"{base(world)}/seance").status_code == 302  # not opened yet: back to the page
    client.post(f"{base(world)}/ouvrir")
    page = text(client.get(f"{base(world)}/seance"))
    assert "soit au moins 3 présent(s)" in page
    for member in world.members:
        assert member.full_name in page
    refused = client.post(f"{base(world)}/seance", data={
        "held_on": "2026-07-06T09:30", "place": "Bamako", "members_present": [str(i) for i in world.member_ids[:2]]})
    assert refused.status_code == 200
    assert "Quorum non atteint : 2 membre(s) présent(s) sur 4" in text(refused)
    done = client.post(f"{base(world)}/seance", data={
        "held_on": "2026-07-06T09:30", "place": "Bamako, DNFP", "members_present": [str(i) for i in world.member_ids[:3]]})
    assert done.status_code == 302
    db.session.expire_all()
    assert deliberation_of(world.committee_id).held_on == SESSION_AT
    assert "Quorum atteint : 3 membre(s) présent(s) sur 4" in text(client.get(base(world)))


def test_validation_needs_the_box_ticked_then_locks_and_offers_the_minutes(app, world, db):
    open_and_hold(world)
    client = as_user(app, world.chair_id)
    client.post(f"{base(world)}/valider", data={})
    assert "Cochez la case pour confirmer la validation." in text(client.get(base(world)))
    response = client.post(f"{base(world)}/valider", data={"confirm": "y"})
    assert response.status_code == 302
    page = text(client.get(base(world)))
    assert "La délibération est validée : les notes sont verrouillées et le procès-verbal est scellé." in page
    assert "Télécharger le procès-verbal" in page and "Valider la délibération" not in page
    # Every form of the page now refuses, in French, without a 500.
    refused = client.post(f"{base(world)}/dossiers/{world.file_ids[0]}", data={"value": "20", "justification": "x"})
    assert refused.status_code == 200 and "Ajuster la note finale" not in text(refused)
    client.post(f"{base(world)}/valider", data={"confirm": "y"})
    assert "La délibération est validée : les notes, les évaluations et les ajustements sont verrouillés." in text(
        client.get(base(world)))


def test_the_chair_and_managers_download_the_minutes_and_the_ranking(app, world, db):
    chair = as_user(app, world.chair_id)
    early = chair.get(f"{base(world)}/proces-verbal.pdf")
    assert early.status_code == 302
    assert "Le procès-verbal n'existe qu'une fois la délibération validée." in text(chair.get(base(world)))
    open_and_hold(world)
    validate(world)
    manager = as_user(app, new_user(app, "manager"))
    for client in (chair, manager):
        pdf = client.get(f"{base(world)}/proces-verbal.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
        assert f"PV-{world.campaign.code}-{world.committee_id}-2026.pdf" in pdf.headers["Content-Disposition"]
        sheet = client.get(f"{base(world)}/classement.xlsx")
        assert sheet.status_code == 200
        ws = load_workbook(io.BytesIO(sheet.data)).active
        assert ws["A1"].value.startswith("Classement du comité « Comité de sélection » (procès-verbal n° PV-")
        assert ws.freeze_panes == "A4" and ws["A3"].value == "Rang"
        body = list(ws.iter_rows(min_row=4, values_only=True))
        assert [r[0] for r in body] == [1, 2, 3]
        assert [r[1] for r in body] == [world.files[i].reference for i in (1, 0, 2)]
        assert body[0][5] == 15.5 and body[0][8] == 2
    from quota_app.audit.models import AuditEvent
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent))]
    assert actions.count("committee.minutes.download") == 2 and actions.count("export.committee_ranking") == 2


def test_the_provisional_ranking_spreadsheet_says_so(app, world):
    ws = load_workbook(io.BytesIO(as_user(app, world.chair_id).get(f"{base(world)}/classement.xlsx").data)).active
    assert "Classement provisoire" in ws["A1"].value
    assert len(list(ws.iter_rows(min_row=4))) == 3


def test_the_campaign_export_lists_the_validated_rankings_for_managers(app, world, db):
    open_and_hold(world)
    validate(world)
    client = as_user(app, new_user(app, "manager"))
    response = client.get(f"/gestion/exports/classement.xlsx?campaign={world.campaign_id}")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    body = list(ws.iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[1], r[2]) for r in body] == [("Comité de sélection", i + 1, world.files[f].reference)
                                                  for i, f in enumerate((1, 0, 2))]
    assert body[0][10] == f"PV-{world.campaign.code}-{world.committee_id}-2026"
    assert as_user(app, new_user(app, "amci")).get("/gestion/exports/classement.xlsx").status_code == 403


def test_before_the_deliberation_the_home_page_offers_no_chairs_page(app, db):
    world = deliberating_world(2, phase="review")
    page = text(as_user(app, world.chair_id).get("/comite/"))
    assert "Vos délibérations (président du comité)" in page and "Ouvrir la page de délibération" not in page
    refused = as_user(app, world.chair_id).get(base(world))
    assert refused.status_code == 302  # refused in French: the reviews are still secret


def test_the_committee_home_shows_the_chairs_deliberations(app, world):
    from quota_app.committee.deliberating import chair_summaries

    (summary,) = chair_summaries(user(world.chair_id))
    assert (summary.files, summary.reviews_submitted, summary.reviews_expected) == (3, 6, 6)
    assert summary.next_step == "Ouvrez la délibération." and not summary.opened
    assert chair_summaries(user(world.member_user_ids[0])) == []
    page = text(as_user(app, world.chair_id).get("/comite/"))
    assert "Vos délibérations (président du comité)" in page and "Ouvrez la délibération." in page
    assert "Ouvrir la page de délibération" in page
    assert "Vos délibérations" not in text(as_user(app, world.member_user_ids[0]).get("/comite/"))
    open_and_hold(world)
    validate(world)
    (summary,) = chair_summaries(user(world.chair_id))
    assert summary.validated and summary.has_minutes and summary.quorum.met
    page = text(as_user(app, world.chair_id).get("/comite/"))
    assert re.search(r"Télécharger le PV n° PV-[^ ]+ \(PDF scellé\)", page)
