"""The campaign console pages: forms with French errors, nothing saved on refusal, conflicts."""
import pytest

from campaign_helpers import NOW, first, form_data, make_campaign, make_ready_campaign, text
from quota_app.audit.models import AuditEvent
from quota_app.campaigns.models import Campaign, Offer
from quota_app.reference.models import DocumentType, Level, Programme


@pytest.fixture
def manager(make_user, login):
    user = make_user("manager")
    login(user)
    return user


def count(db, model, **filters):
    return len(db.session.execute(db.select(model).filter_by(**filters)).scalars().all())


def test_home_lists_campaigns_with_phase_badge(client, db, reference, manager):
    make_campaign(db, manager)
    page = text(client.get("/gestion/"))
    assert "Quota annuel 2026-2027" in page and "Brouillon" in page and "Nouvelle campagne" in page


def test_create_campaign(client, db, reference, manager):
    response = client.post("/gestion/campagnes/nouvelle", data=form_data(blind_review="y"))
    assert response.status_code == 302
    campaign = first(db, Campaign, code="QUOTA-2026")
    assert campaign.blind_review and campaign.opens_at.hour == 8 and campaign.phase == "draft"
    assert count(db, AuditEvent, action="campaign.create") == 1
    page = text(client.get(response.headers["Location"]))
    assert "La campagne est créée (brouillon)." in page
    assert "Aucune offre de places n'est définie." in page  # the phase panel says what blocks opening


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Ce champ est obligatoire."),
    ({"closes_at": "2026-06-01T08:00"}, "La clôture doit être postérieure à l'ouverture."),
    ({"opens_at": "pas une date"}, "Date et heure invalides."),
    ({"announced_quota": "-3"}, "Nombre positif ou nul."),
    ({"reviewers_per_file": "0"}, "Entre 1 et 10."),
    ({"score_gap_threshold": "30"}, "L'écart doit être compris entre 0 et 20."),
    ({"decision_deadline": "2026-06-15T12:00"}, "La date limite de réponse doit suivre la clôture des candidatures."),
])
def test_create_campaign_bad_inputs_show_french_errors_and_save_nothing(client, db, reference, manager,
                                                                          overrides, message):
    response = client.post("/gestion/campagnes/nouvelle", data=form_data(**overrides))
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "Le formulaire contient des erreurs" in page
    assert count(db, Campaign) == 0 and count(db, AuditEvent, action="campaign.create") == 0


def test_duplicate_code_is_refused_in_french(client, db, reference, manager):
    make_campaign(db, manager)
    page = text(client.post("/gestion/campagnes/nouvelle", data=form_data(code="quota-2026")))
    assert "Une autre campagne porte déjà ce code." in page
    assert count(db, Campaign) == 1


def test_edit_with_stale_version_shows_conflict(client, db, reference, manager):
    campaign = make_campaign(db, manager)
    stale = campaign.version
    url = f"/gestion/campagnes/{campaign.id}/modifier"
    assert client.post(url, data=form_data(title="Premier titre", version=str(stale))).status_code == 302
    page = text(client.post(url, data=form_data(title="Second titre", version=str(stale))))
    assert "Cette campagne a été modifiée entre-temps" in page
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).title == "Premier titre"


def test_offer_edit_with_stale_version_shows_conflict(client, db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    offer = first(db, Offer, campaign_id=campaign.id)
    url = f"/gestion/campagnes/{campaign.id}/offres/{offer.id}/modifier"
    data = {"programme_id": offer.programme_id, "establishment_id": offer.establishment_id, "code": offer.code,
            "seats": "10", "reserved_seats": "3", "version": str(offer.version)}
    assert client.post(url, data=data).status_code == 302
    page = text(client.post(url, data={**data, "reserved_seats": "5"}))
    assert "Cette offre a été modifiée entre-temps" in page
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).reserved_seats == 3


def test_stale_data_error_at_flush_is_a_conflict(app, client, db, reference, manager, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from quota_app.campaigns import services

    campaign = make_campaign(db, manager)

    def stale(*args, **kwargs):
        raise StaleDataError("version")

    monkeypatch.setattr(services, "update_campaign", stale)
    page = text(client.post(f"/gestion/campagnes/{campaign.id}/modifier",
                            data=form_data(version=str(campaign.version))))
    assert "modifié par quelqu'un d'autre entre-temps" in page


def test_show_page_has_seat_table_and_totals(client, db, reference, manager, monkeypatch):
    from quota_app.campaigns import views

    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    campaign = make_ready_campaign(db, manager, seats=10)
    page = text(client.get(f"/gestion/campagnes/{campaign.id}"))
    assert "10 place(s) offertes pour un quota annoncé de 10, dont 2 réservée(s)." in page
    assert "Conforme au quota" in page
    assert "Passer à la phase « Candidatures ouvertes »" in page


def test_add_offer_duplicate_and_reserved_errors(client, db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    offer = first(db, Offer, campaign_id=campaign.id)
    url = f"/gestion/campagnes/{campaign.id}/offres/nouvelle"
    page = text(client.post(url, data={"programme_id": offer.programme_id,
                                       "establishment_id": offer.establishment_id, "seats": "3",
                                       "reserved_seats": "0"}))
    assert "offre déjà la filière" in page
    other = db.session.execute(db.select(Programme).where(Programme.id != offer.programme_id)).scalars().first()
    page = text(client.post(url, data={"programme_id": other.id, "establishment_id": offer.establishment_id,
                                       "seats": "3", "reserved_seats": "4"}))
    assert "Les places réservées ne peuvent pas dépasser le nombre de places." in page
    assert count(db, Offer, campaign_id=campaign.id) == 1
    response = client.post(url, data={"programme_id": other.id, "establishment_id": offer.establishment_id,
                                      "seats": "3", "reserved_seats": "1"})
    assert response.status_code == 302 and count(db, Offer, campaign_id=campaign.id) == 2


def test_delete_offer_needs_confirmation(client, db, reference, manager):
    campaign = make_ready_campaign(db, manager)
    offer = first(db, Offer, campaign_id=campaign.id)
    url = f"/gestion/campagnes/{campaign.id}/offres/{offer.id}/supprimer"
    page = text(client.get(url))
    assert "Je confirme la suppression." in page
    page = text(client.post(url, data={"version": str(offer.version)}))
    assert "Cochez la case pour confirmer." in page and count(db, Offer) == 1
    response = client.post(url, data={"version": str(offer.version), "confirm": "y"})
    assert response.status_code == 302 and count(db, Offer) == 0


def test_rules_documents_and_criteria_forms(client, db, reference, manager):
    campaign = make_campaign(db, manager)
    level = first(db, Level)
    base = f"/gestion/campagnes/{campaign.id}"
    assert client.get(f"{base}/ages").status_code == 200
    page = text(client.post(f"{base}/ages", data={f"min_{level.id}": "30", f"max_{level.id}": "20",
                                                  "version": str(campaign.version)}))
    assert "l'âge minimum dépasse l'âge maximum" in page
    assert client.post(f"{base}/ages", data={f"max_{level.id}": "25", "version": str(campaign.version)}).status_code == 302
    docs = db.session.execute(db.select(DocumentType).order_by(DocumentType.id)).scalars().all()[:2]
    assert client.get(f"{base}/pieces").status_code == 200
    assert client.post(f"{base}/pieces", data={"documents": [str(d.id) for d in docs]}).status_code == 302
    assert client.get(f"{base}/criteres").status_code == 200
    page = text(client.post(f"{base}/criteres", data={
        "criteria-0-code": "dossier", "criteria-0-name": "Dossier", "criteria-0-weight": "0",
        "criteria-0-max_score": "20", "criteria-0-prefill_source": ""}))
    assert "Ligne 1 : la pondération doit être strictement positive." in page
    response = client.post(f"{base}/criteres", data={
        "criteria-0-code": "dossier", "criteria-0-name": "Dossier", "criteria-0-weight": "0,4",
        "criteria-0-max_score": "20", "criteria-0-prefill_source": "diploma_average",
        "criteria-1-code": "", "criteria-1-name": "", "criteria-1-weight": "", "criteria-1-max_score": "20"})
    assert response.status_code == 302
    page = text(client.get(base))
    assert "au plus 25 ans" in page and docs[0].name in page and "Dossier" in page


def test_phase_move_is_post_only_and_refusals_are_listed(client, db, reference, manager):
    campaign = make_campaign(db, manager)
    url = f"/gestion/campagnes/{campaign.id}/phase"
    assert client.get(url).status_code == 405
    response = client.post(url, data={"target": "open", "version": str(campaign.version)}, follow_redirects=True)
    page = text(response)
    assert "La campagne ne peut pas passer à la phase « Candidatures ouvertes »." in page
    assert "Aucune offre de places n'est définie." in page
    assert db.session.get(Campaign, campaign.id).phase == "draft"


def test_phase_move_succeeds(client, db, reference, manager, monkeypatch):
    from quota_app.campaigns import views

    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    campaign = make_ready_campaign(db, manager)
    response = client.post(f"/gestion/campagnes/{campaign.id}/phase",
                           data={"target": "open", "version": str(campaign.version), "reason": "Appel lancé"},
                           follow_redirects=True)
    assert "La campagne est passée à la phase « Candidatures ouvertes »." in text(response)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).phase == "open"


def test_delete_of_a_chosen_offer_is_refused_in_french(client, db, reference, manager):
    from test_campaign_services import add_applicant_choice

    campaign = make_ready_campaign(db, manager)
    offer = first(db, Offer, campaign_id=campaign.id)
    add_applicant_choice(db, campaign, offer, status="draft")
    page = text(client.post(f"/gestion/campagnes/{campaign.id}/offres/{offer.id}/supprimer",
                            data={"version": str(offer.version), "confirm": "y"}))
    assert "Des candidats ont déjà choisi cette offre" in page
    assert count(db, Offer) == 1 and count(db, AuditEvent, action="offer.delete") == 0
