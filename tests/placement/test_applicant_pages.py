"""The candidate's placement pages through HTTP: the whole cycle after the publication (an offer
answered, a seat freed going to the waiting list, giving up, leaving the lists), and the
refusals (another's file, a late answer, a second click)."""
import html
from datetime import timedelta

import pytest
from factories import make_applicant, make_campaign


@pytest.fixture
def published(db):
    from quota_app.applications.models import Application
    from quota_app.timeutil import utcnow

    campaign = make_campaign("published", files=("eligible",) * 3, seats=2,
                             decision_deadline=utcnow() + timedelta(days=30))
    files = list(db.session.scalars(db.select(Application).where(Application.campaign_id == campaign.id)
                                    .order_by(Application.id)))
    return campaign, files


def _client(app, application):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = application.applicant.user.session_token
        session["_fresh"] = True
    return client


def _live(db, application):
    from quota_app.placement.cascade import live_placements
    db.session.expire_all()
    return live_placements(application.id)


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def test_a_freed_seat_goes_to_the_waiting_candidate_who_accepts_it(app, db, published):
    campaign, files = published
    placed = [a for a in files if a.status == "placed"]
    (waiting,) = [a for a in files if a.status == "waiting_list"]
    first = placed[0]
    client = _client(app, first)
    page = _text(client.get(f"/candidat/dossier/{first.id}/affectation"))
    assert "À faire maintenant" in page and "Répondre à cette proposition" in page
    (offer,) = _live(db, first)
    assert "J'accepte cette place" in _text(client.get(f"/candidat/affectation/{offer.id}"))

    response = client.post(f"/candidat/affectation/{offer.id}", data={"answer": "decline"})
    assert response.status_code == 302
    db.session.expire_all()
    assert first.status == "declined" and _live(db, first) == []

    # The waiting candidate is offered the freed seat, with the campaign's answer delay.
    (promotion,) = _live(db, waiting)
    assert waiting.status == "placed" and promotion.seat_kind == offer.seat_kind
    assert promotion.seat_number == offer.seat_number and promotion.round.kind == "waiting_list"
    assert promotion.deadline - promotion.offered_at == timedelta(hours=campaign.waiting_list_answer_hours)
    other = _client(app, waiting)
    assert "Répondre à cette proposition" in _text(other.get(f"/candidat/dossier/{waiting.id}/affectation"))
    assert other.post(f"/candidat/affectation/{promotion.id}", data={"answer": "accept"}).status_code == 302
    db.session.expire_all()
    assert waiting.status == "accepted" and _live(db, waiting)[0].status == "accepted"
    # A second click changes nothing.
    assert other.post(f"/candidat/affectation/{promotion.id}", data={"answer": "accept"}).status_code == 302
    db.session.expire_all()
    assert waiting.status == "accepted"

    # Giving up the accepted seat: confirmed on its page, then the seat is free (nobody waits).
    assert "Je confirme mon désistement" in _text(other.get(f"/candidat/affectation/{promotion.id}/desistement"))
    assert other.post(f"/candidat/affectation/{promotion.id}/desistement").status_code == 302
    db.session.expire_all()
    assert waiting.status == "declined" and _live(db, waiting) == []


def test_another_applicant_sees_nothing_of_a_placement(app, db, published):
    _campaign, files = published
    placed = next(a for a in files if a.status == "placed")
    (offer,) = _live(db, placed)
    stranger = app.test_client()
    intruder = make_applicant()
    with stranger.session_transaction() as session:
        session["_user_id"] = intruder.user.session_token
        session["_fresh"] = True
    for path in (f"/candidat/dossier/{placed.id}/affectation", f"/candidat/affectation/{offer.id}",
                 f"/candidat/affectation/{offer.id}/desistement", f"/candidat/dossier/{placed.id}/listes-attente"):
        assert stranger.get(path).status_code == 404
    assert stranger.post(f"/candidat/affectation/{offer.id}", data={"answer": "decline"}).status_code == 404
    db.session.expire_all()
    assert placed.status == "placed" and _live(db, placed)[0].status == "offered"


def test_a_late_answer_is_refused_and_changes_nothing(app, db, published):
    from quota_app.timeutil import utcnow

    _campaign, files = published
    placed = next(a for a in files if a.status == "placed")
    (offer,) = _live(db, placed)
    offer.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = _client(app, placed).post(f"/candidat/affectation/{offer.id}", data={"answer": "accept"},
                                         follow_redirects=True)
    assert "date limite de réponse est dépassée" in _text(response)
    db.session.expire_all()
    assert placed.status == "placed" and _live(db, placed)[0].status == "offered"


def test_a_waiting_candidate_leaves_the_lists(app, db, published):
    _campaign, files = published
    (waiting,) = [a for a in files if a.status == "waiting_list"]
    client = _client(app, waiting)
    page = _text(client.get(f"/candidat/dossier/{waiting.id}/affectation"))
    assert "Mes listes d'attente" in page and "sur la liste" in page
    assert "Je quitte toutes mes listes d'attente" in _text(client.get(f"/candidat/dossier/{waiting.id}/listes-attente"))
    assert client.post(f"/candidat/dossier/{waiting.id}/listes-attente").status_code == 302
    db.session.expire_all()
    assert waiting.status == "declined"
    assert "Vous ne figurez sur aucune liste d'attente." in _text(client.get(f"/candidat/dossier/{waiting.id}/listes-attente"))


def test_the_answer_form_without_a_choice_is_refused(app, db, published):
    _campaign, files = published
    placed = next(a for a in files if a.status == "placed")
    (offer,) = _live(db, placed)
    response = _client(app, placed).post(f"/candidat/affectation/{offer.id}", data={"answer": "peut-être"},
                                         follow_redirects=True)
    assert "Choisissez d'accepter ou de refuser la place." in _text(response)
    db.session.expire_all()
    assert _live(db, placed)[0].status == "offered"
