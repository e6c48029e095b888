"""Campaign services with a database, no HTTP: validation, offers, seat summary, phases, audit."""
from datetime import timedelta
from decimal import Decimal

import pytest

from campaign_helpers import NOW, campaign_data, first, make_campaign, make_ready_campaign
from quota_app.audit.models import AuditEvent
from quota_app.campaigns import services
from quota_app.campaigns.models import Campaign, Offer
from quota_app.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from quota_app.reference.models import Establishment, Programme


@pytest.fixture
def manager(make_user):
    return make_user("manager")


def events(db, action):
    return db.session.execute(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).scalars().all()


def add_applicant_choice(db, campaign, offer, status="submitted"):
    from quota_app.applications.models import Applicant, Application, ApplicationChoice

    applicant = Applicant(source="import")
    db.session.add(applicant)
    db.session.flush()
    application = Application(campaign_id=campaign.id, applicant_id=applicant.id, status=status)
    application.choices.append(ApplicationChoice(offer_id=offer.id, rank=1))
    db.session.add(application)
    db.session.commit()
    return application


def test_create_campaign_is_audited_with_after(db, reference, manager):
    campaign = make_campaign(db, manager, code="quota-2026")
    assert campaign.code == "QUOTA-2026" and campaign.phase == "draft"
    (event,) = events(db, "campaign.create")
    assert event.actor_id == manager.id and event.campaign_id == campaign.id
    assert event.after["title"] == "Quota annuel 2026-2027"


def test_create_campaign_collects_every_error(db, reference, manager):
    make_campaign(db, manager)
    with pytest.raises(ValidationFailed) as caught:
        services.create_campaign(manager, campaign_data(
            title=" ", closes_at=NOW, opens_at=NOW + timedelta(days=1), reviewers_per_file=0,
            score_gap_threshold=Decimal("25"), announced_quota=-1))
    assert set(caught.value.errors) == {"code", "title", "closes_at", "reviewers_per_file",
                                         "score_gap_threshold", "announced_quota"}
    assert caught.value.errors["code"] == "Une autre campagne porte déjà ce code."


def test_update_campaign_records_before_and_after(db, reference, manager):
    campaign = make_campaign(db, manager)
    services.update_campaign(manager, campaign, campaign_data(announced_quota=65), campaign.version)
    db.session.commit()
    (event,) = events(db, "campaign.update")
    assert event.before == {"announced_quota": 10} and event.after == {"announced_quota": 65}


def test_update_campaign_with_a_stale_version_is_a_conflict(db, reference, manager):
    campaign = make_campaign(db, manager)
    stale = campaign.version
    services.update_campaign(manager, campaign, campaign_data(title="Nouveau titre"), stale)
    db.session.commit()
    with pytest.raises(Conflict):
        services.update_campaign(manager, campaign, campaign_data(title="Autre"), stale)


def test_offer_programme_establishment_is_unique_per_campaign(db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    offer = first(db, Offer, campaign_id=campaign.id)
    with pytest.raises(ValidationFailed) as caught:
        services.add_offer(manager, campaign, {"programme_id": offer.programme_id,
                                               "establishment_id": offer.establishment_id, "seats": 3,
                                               "reserved_seats": 0, "code": "AUTRE"})
    assert "offre déjà la filière" in caught.value.errors["programme_id"]
    # The same pair in another campaign is fine.
    other = make_campaign(db, manager, code="QUOTA-2027")
    services.add_offer(manager, other, {"programme_id": offer.programme_id,
                                        "establishment_id": offer.establishment_id, "seats": 3,
                                        "reserved_seats": 0, "code": ""})


def test_reserved_seats_beyond_seats_are_refused(db, reference, manager):
    campaign = make_campaign(db, manager)
    data = {"programme_id": first(db, Programme).id, "establishment_id": first(db, Establishment).id,
            "seats": 5, "reserved_seats": 6, "code": ""}
    with pytest.raises(ValidationFailed) as caught:
        services.add_offer(manager, campaign, data)
    assert caught.value.errors == {
        "reserved_seats": "Les places réservées ne peuvent pas dépasser le nombre de places."}
    with pytest.raises(ValidationFailed) as caught:
        services.add_offer(manager, campaign, {**data, "seats": -1, "reserved_seats": 0})
    assert "seats" in caught.value.errors


def test_offer_update_and_removal_are_audited(db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    offer = first(db, Offer, campaign_id=campaign.id)
    services.update_offer(manager, campaign, offer, {
        "programme_id": offer.programme_id, "establishment_id": offer.establishment_id,
        "code": offer.code, "seats": 12, "reserved_seats": 4}, offer.version)
    db.session.commit()
    (event,) = events(db, "offer.update")
    assert event.before == {"seats": 10, "reserved_seats": 2} and event.after == {"seats": 12, "reserved_seats": 4}
    services.remove_offer(manager, campaign, offer, offer.version)
    db.session.commit()
    assert first(db, Offer, campaign_id=campaign.id) is None
    (event,) = events(db, "offer.delete")
    assert event.before["seats"] == 12 and event.campaign_id == campaign.id


def test_offer_chosen_by_an_applicant_cannot_be_removed(db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    offer = first(db, Offer, campaign_id=campaign.id)
    add_applicant_choice(db, campaign, offer, status="draft")
    with pytest.raises(NotAllowed) as caught:
        services.remove_offer(manager, campaign, offer, offer.version)
    assert "ont déjà choisi cette offre" in caught.value.message


def test_seat_summary_totals(db, reference, manager):
    campaign = make_ready_campaign(db, manager, seats=8)
    programmes = db.session.execute(db.select(Programme).order_by(Programme.id)).scalars().all()
    services.add_offer(manager, campaign, {"programme_id": programmes[1].id,
                                           "establishment_id": first(db, Establishment).id,
                                           "seats": 5, "reserved_seats": 1, "code": ""})
    summary = services.seat_summary(campaign)
    assert (summary.offer_count, summary.total_seats, summary.reserved_seats) == (2, 13, 3)
    assert summary.announced_quota == 8 and summary.difference == 5 and summary.open_seats == 10


def test_criteria_weights_must_be_positive(db, reference, manager):
    campaign = make_campaign(db, manager)
    with pytest.raises(ValidationFailed) as caught:
        services.set_criteria(manager, campaign, [
            services.CriterionInput("a", "A", Decimal("0"), Decimal("20")),
            services.CriterionInput("b", "B", Decimal("-1"), Decimal("20")),
            services.CriterionInput("a", "Encore A", Decimal("1"), Decimal("20")),
        ])
    assert list(caught.value.errors.values()) == [
        "Ligne 1 : la pondération doit être strictement positive.",
        "Ligne 2 : la pondération doit être strictement positive.",
        "Ligne 3 : le code « a » est en double.",
    ]


def test_criteria_replace_and_level_rules(db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    services.set_criteria(manager, campaign, [
        services.CriterionInput("entretien", "Entretien", Decimal("40"), Decimal("20")),
        services.CriterionInput("dossier", "Dossier scolaire", Decimal("60"), Decimal("20"), "diploma_average"),
    ])
    db.session.commit()
    assert [c.code for c in campaign.criteria] == ["entretien", "dossier"]
    level = services.levels()[0]
    services.set_level_rules(manager, campaign, {level.id: (15, 25)})
    db.session.commit()
    assert [(r.min_age, r.max_age) for r in campaign.level_rules] == [(15, 25)]
    with pytest.raises(ValidationFailed):
        services.set_level_rules(manager, campaign, {level.id: (30, 20)})
    assert events(db, "campaign.level_rules")[0].after == {"rules": {level.code: [15, 25]}}


def test_transition_refused_lists_every_reason_and_changes_nothing(db, reference, manager):
    campaign = make_campaign(db, manager, closes_at=NOW - timedelta(hours=1), opens_at=NOW - timedelta(days=3))
    with pytest.raises(InvalidTransition) as caught:
        services.transition(campaign, "open", manager, NOW)
    assert caught.value.reasons == [
        "Aucune offre de places n'est définie.",
        "Le nombre total de places est nul.",
        "La date de clôture des candidatures (01/06/2026 11:00) est déjà passée.",
        "Aucun critère de notation (avec sa pondération) n'est défini.",
        "Aucune pièce justificative n'est exigée.",
    ]
    db.session.rollback()
    assert db.session.get(Campaign, campaign.id).phase == "draft"
    assert events(db, "campaign.phase") == []


def test_transition_moves_and_is_audited(db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    services.transition(campaign, "open", manager, NOW, reason="Appel publié au journal")
    db.session.commit()
    assert campaign.phase == "open"
    (event,) = events(db, "campaign.phase")
    assert event.before == {"phase": "draft"} and event.after == {"phase": "open"}
    assert event.reason == "Appel publié au journal" and event.actor_id == manager.id
    # Open → screening waits for the closing date.
    with pytest.raises(InvalidTransition) as caught:
        services.transition(campaign, "screening", manager, NOW)
    assert caught.value.reasons[0].startswith("Les candidatures restent ouvertes jusqu'au")
    services.transition(campaign, "screening", manager, campaign.closes_at)
    db.session.commit()
    assert campaign.phase == "screening"


def test_back_to_draft_refused_once_a_file_is_submitted(db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    services.transition(campaign, "open", manager, NOW)
    db.session.commit()
    add_applicant_choice(db, campaign, first(db, Offer, campaign_id=campaign.id), status="submitted")
    with pytest.raises(InvalidTransition) as caught:
        services.transition(campaign, "draft", manager, NOW)
    assert caught.value.reasons == [
        "1 dossier(s) ont déjà été soumis : la campagne ne peut plus revenir au brouillon."]


def test_screening_to_review_counts_unscreened_files(db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    services.transition(campaign, "open", manager, NOW)
    offer = first(db, Offer, campaign_id=campaign.id)
    db.session.commit()
    add_applicant_choice(db, campaign, offer, status="submitted")
    services.transition(campaign, "screening", manager, campaign.closes_at)
    with pytest.raises(InvalidTransition) as caught:
        services.transition(campaign, "review", manager, campaign.closes_at)
    assert caught.value.reasons == [
        "1 dossier(s) soumis n'ont pas encore été examinés (recevabilité).",
        "Aucun dossier n'a été déclaré recevable.",
        "Aucun comité de sélection n'est constitué.",
    ]


def test_rules_are_frozen_once_open(db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    services.transition(campaign, "open", manager, NOW)
    db.session.commit()
    with pytest.raises(NotAllowed) as caught:
        services.set_required_documents(manager, campaign, [])
    assert "Candidatures ouvertes" in caught.value.message
