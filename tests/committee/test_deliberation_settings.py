"""The campaign's deliberation settings: the written tie rule and the quorum, edited by a
manager with French messages, and used by the deliberation."""
import html
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from deliberation_helpers import deliberating_world

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "campaigns"))
import factories
from campaign_helpers import form_data


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def manager_client(app, db, reference, login, client):
    manager = factories.make_user("manager")
    login(manager)
    return client, manager


def test_a_manager_sets_the_tie_rule_and_the_quorum(manager_client, db):
    from quota_app.audit.models import AuditEvent
    from quota_app.campaigns.models import Campaign

    client, manager = manager_client
    campaign = factories.make_draft_campaign(manager)
    url = f"/gestion/campagnes/{campaign.id}/modifier"
    page = text(client.get(url))
    assert "Règle de départage des égalités" in page and 'value="diploma_average,submitted_at,reference"' in page
    assert 'name="quorum_percent"' in page and 'value="50"' in page
    response = client.post(url, data=form_data(code=campaign.code, year=str(campaign.year), title=campaign.title,
                                               tie_break_rule=" submitted_at ; diploma_average ",
                                               quorum_percent="66", version=str(campaign.version)))
    assert response.status_code == 302
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert (campaign.tie_break_rule, campaign.quorum_percent) == ("submitted_at,diploma_average,reference", 66)
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="campaign.update")).one()
    assert event.after["tie_break_rule"] == "submitted_at,diploma_average,reference" and event.after["quorum_percent"] == 66
    shown = text(client.get(f"/gestion/campagnes/{campaign.id}"))
    assert ("départagés successivement par : 1) le dépôt du dossier le plus ancien (date et heure de soumission) ; "
            "puis 2) la moyenne du diplôme la plus élevée") in shown
    assert "plus de 66 % des membres actifs" in shown


@pytest.mark.parametrize("field, value, message", [
    ("tie_break_rule", "age", "Règle de départage : clé inconnue « age »"),
    ("tie_break_rule", "reference,submitted_at", "la référence du dossier départage toujours en dernier"),
    ("tie_break_rule", "submitted_at,submitted_at", "figure deux fois"),
    ("tie_break_rule", "criterion:entretien", "la campagne n'a pas de critère « entretien »"),
    ("quorum_percent", "100", "Entre 0 et 99."),
    ("quorum_percent", "la moitié", "Saisissez un nombre entier."),
])
def test_bad_settings_are_refused_in_french(manager_client, db, field, value, message):
    from quota_app.campaigns.models import Campaign

    client, manager = manager_client
    campaign = factories.make_ready_campaign(manager)  # criteria « dossier » and « motivation »
    response = client.post(f"/gestion/campagnes/{campaign.id}/modifier", data=form_data(
        code=campaign.code, year=str(campaign.year), title=campaign.title, version=str(campaign.version),
        **{field: value}))
    assert response.status_code == 200 and message in text(response)
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert (saved.tie_break_rule, saved.quorum_percent) == ("diploma_average,submitted_at,reference", 50)


def test_a_criterion_of_the_campaign_may_break_ties(manager_client, db):
    from quota_app.campaigns import services

    _client, manager = manager_client
    campaign = factories.make_ready_campaign(manager)
    services.update_campaign(manager, campaign, factories.campaign_data(
        code=campaign.code, year=campaign.year, title=campaign.title, tie_break_rule="criterion:motivation"))
    assert campaign.tie_break_rule == "criterion:motivation,reference"
    # Left out, the settings keep what the campaign has.
    services.update_campaign(manager, campaign, factories.campaign_data(
        code=campaign.code, year=campaign.year, title=campaign.title, announced_quota=12))
    assert campaign.tie_break_rule == "criterion:motivation,reference" and campaign.quorum_percent == 50


def test_the_deliberation_breaks_ties_by_the_campaigns_rule(db):
    from quota_app.committee import deliberating

    world = deliberating_world(3, totals={0: ("12", "12"), 1: ("12", "12"), 2: ("12", "12")},
                               tie_break_rule="submitted_at")
    files = world.files
    # factories submit every file at the same moment: the reference decides, after submitted_at.
    board = deliberating.board(world.chair, world.committee_id)
    assert [r.file_id for r in board.rows] == [f.id for f in sorted(files, key=lambda f: (f.submitted_at, f.reference))]
    assert board.rows[1].decided_by in ("le dépôt du dossier le plus ancien (date et heure de soumission)",
                                        "la référence du dossier, dans l'ordre alphabétique")
    assert "1) le dépôt du dossier le plus ancien" in board.tie_rule_text
    assert all(r.final_score == Decimal("12.000") for r in board.rows)
