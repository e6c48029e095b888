"""What-if simulations (placement/simulation.py and its pages): the pure comparison of two
allocations, the service on a campaign in « Délibération » and in « Affectations publiées »,
nothing an applicant sees touched, bad input refused with nothing written, the pages for a
manager, two simulations at once."""
import html
import re
import threading
from datetime import datetime
from decimal import Decimal

import pytest

from quota_app.placement.allocation import Candidate, OfferSeats, allocate

D = Decimal
NOW = datetime(2026, 7, 10, 9, 0)


# --- the comparison, pure -------------------------------------------------------------------

def _three():
    """A (1 seat), B (1 seat); c1 wants A, c2 wants A then B, c3 wants B."""
    candidates = [Candidate(1, 0, D("18"), False, (10,)), Candidate(2, 1, D("17"), True, (10, 20)),
                  Candidate(3, 2, D("16"), False, (20,))]
    return candidates


def test_compare_lists_who_gets_in_who_drops_out_and_who_moves_in_rank_order():
    from quota_app.placement.simulation import IN, MOVED, OUT, Move, compare

    candidates = _three()
    before = allocate([OfferSeats(10, 1), OfferSeats(20, 1)], candidates)
    after = allocate([OfferSeats(10, 2), OfferSeats(20, 1)], candidates)
    assert before.placed == {1: (10, "open"), 2: (20, "open")}
    moves = compare(before, after, [1, 2, 3])
    assert moves == [Move(2, (20, "open"), (10, "open")), Move(3, None, (20, "open"))]
    assert [m.kind for m in moves] == [MOVED, IN]
    fewer = allocate([OfferSeats(10, 1), OfferSeats(20, 0)], candidates)
    assert [(m.candidate_id, m.kind) for m in compare(before, fewer, [1, 2, 3])] == [(2, OUT)]
    assert compare(before, before, [1, 2, 3]) == []


def test_a_change_of_seat_kind_at_the_same_offer_is_not_a_move():
    from quota_app.placement.simulation import compare

    woman = [Candidate(1, 0, D("15"), True, (10,))]
    reserved = allocate([OfferSeats(10, 1, 1)], woman)
    open_ = allocate([OfferSeats(10, 1, 0)], woman)
    assert reserved.placed[1] == (10, "reserved") and open_.placed[1] == (10, "open")
    assert compare(reserved, open_, [1]) == []


def test_summarise_gives_cutoffs_fill_and_moves_as_json_ready_data():
    import json

    from quota_app.placement.simulation import OfferFacts, Person, summarise

    candidates = _three()
    offers_before = [OfferSeats(10, 1), OfferSeats(20, 1)]
    offers_after = [OfferSeats(10, 2), OfferSeats(20, 1)]
    before, after = allocate(offers_before, candidates), allocate(offers_after, candidates)
    people = {1: Person("R1", "Diarra Moussa", "M", "Kayes"), 2: Person("R2", "Traoré Awa", "F", None),
              3: Person("R3", "Keïta Ali", "M", "Kayes")}
    facts = {10: OfferFacts("A", "Offre A", "Digital"), 20: OfferFacts("B", "Offre B", None)}
    s = summarise(candidates, offers_before, offers_after, before, after, people, facts)
    assert json.loads(json.dumps(s)) == s
    assert s["placed"] == [2, 3] and s["unplaced"] == [1, 0] and s["seats"] == [2, 3]
    assert s["counts"] == {"in": 1, "out": 0, "moved": 1}
    assert [(m["rank"], m["reference"], m["kind"], m["before"], m["after"]) for m in s["moves"]] == [
        (2, "R2", "moved", [20, "open"], [10, "open"]), (3, "R3", "in", None, [20, "open"])]
    a, b = s["offers"]
    assert a["changed"] and a["affected"] and a["seats"] == [1, 2]
    assert a["open_cutoff"] == ["18", "17"] and a["open_filled"] == [1, 2] and a["reserved_cutoff"] == [None, None]
    assert not b["changed"] and b["affected"] and b["open_cutoff"] == ["17", "16"]
    assert s["fill"]["sex"] == [{"key": "F", "label": "Femmes", "before": 1, "after": 1},
                                {"key": "M", "label": "Hommes", "before": 1, "after": 2}]
    assert s["fill"]["sector"] == [{"label": "Digital", "before": 1, "after": 2, "seats": [1, 2]},
                                   {"label": "Secteur non renseigné", "before": 1, "after": 1, "seats": [1, 1]}]
    assert s["fill"]["region"] == [{"label": "Kayes", "before": 1, "after": 2},
                                   {"label": "Région non renseignée", "before": 1, "after": 1}]


def test_read_overrides_keeps_real_changes_and_names_each_bad_field():
    from quota_app.placement.simulation import read_overrides

    current = {1: (10, 2), 2: (5, 0), 3: (4, 2)}
    overrides, errors = read_overrides({1: ("12", ""), 2: ("5", "0"), 3: (None, " 3 ")}, current)
    assert overrides == {1: (12, 2), 3: (4, 3)} and errors == {}
    _, errors = read_overrides({1: ("-1", ""), 2: ("abc", "1,5"), 3: ("1", "")}, current)
    assert errors == {"seats-1": "Le nombre de places ne peut pas être négatif.",
                      "seats-2": "Saisissez un nombre entier de places, positif ou nul.",
                      "reserved-2": "Saisissez un nombre entier de places, positif ou nul.",
                      "reserved-3": "Les places réservées (2) ne peuvent pas dépasser le nombre de places (1)."}
    _, errors = read_overrides({99: ("3", "")}, current)
    assert "n'appartient pas à cette campagne" in errors["_"]
    _, errors = read_overrides({1: ("1000001", ""), 2: (True, "")}, current)
    assert set(errors) == {"seats-1", "seats-2"}


# --- a campaign with two offers and six ranked files -----------------------------------------

SCORES = (D("18"), D("17"), D("16"), D("15"), D("14"), D("13"))
SEXES = ("M", "F", "M", "F", "M", "F")
REGIONS = ("00", "01", "00", "02", "01", "00")


class World:
    def __init__(self, campaign, offer_a, offer_b, files, manager):
        self.campaign_id, self.a, self.b = campaign.id, offer_a.id, offer_b.id
        self.files = [f.id for f in files]   # best first
        self.manager_id = manager.id


def _deliberated(db) -> World:
    """A campaign in « Délibération »: offers A (2 seats, 1 reserved, Digital) and B (2 seats,
    Industriel), six eligible files (everyone wants A then B) evaluated by the chair's validation
    with the scores 18, 17... 13 (the factories' stand-in of _before_publication, with distinct
    scores): the state the publication starts from."""
    import factories

    from quota_app.applications.models import Application
    from quota_app.campaigns import phases, services
    from quota_app.committee.models import Deliberation, EvaluationResult
    from quota_app.reference.models import Establishment, Programme, Region

    campaign = factories.make_ready_campaign(seats=4)  # the announced quota: A + B
    offer_a = campaign.offers[0]
    services.update_offer(None, campaign, offer_a, {
        "programme_id": offer_a.programme_id, "establishment_id": offer_a.establishment_id,
        "code": "A-DD", "seats": 2, "reserved_seats": 1})
    offer_b = services.add_offer(None, campaign, {
        "programme_id": factories.first(Programme, code="TS-GE").id,
        "establishment_id": factories.first(Establishment).id, "code": "B-GE", "seats": 2, "reserved_seats": 0})
    db.session.commit()
    files = []
    for target in phases.PHASES[1:phases.PHASES.index("deliberation") + 1]:
        before, _after = factories.PHASE_STEPS.get(target, (None, None))
        if before:
            before(campaign, None)
        services.transition(campaign, target, None, factories._phase_moment(campaign, target))
        db.session.commit()
        if target == "open":
            for index, sex in enumerate(SEXES):
                application = factories.make_application(
                    "eligible", campaign=campaign,
                    identity_data=factories.identity(sex=sex, last_name=f"CANDIDAT{index + 1}"))
                application.region_id = factories.first(Region, code=REGIONS[index]).id
                files.append(application)
            db.session.commit()
    committee = factories._campaign_committee(campaign)
    _member, chair = factories._chair(committee)
    db.session.add(Deliberation(committee_id=committee.id, status="validated", validated_by_id=chair.id,
                                validated_at=campaign.closes_at, held_on=campaign.closes_at))
    for rank, (application, score) in enumerate(zip(files, SCORES), 1):
        factories.evaluate(application, chair)
        db.session.add(EvaluationResult(application_id=application.id, campaign_id=campaign.id,
                                        committee_id=committee.id, mean_score=score, final_score=score, rank=rank))
    db.session.commit()
    assert campaign.phase == "deliberation"
    assert {a.status for a in db.session.scalars(db.select(Application).where(
        Application.campaign_id == campaign.id))} == {"evaluated"}
    assert [c.offer.code for c in files[0].choices] == ["A-DD", "B-GE"]
    return World(campaign, offer_a, offer_b, files, factories.make_user("manager"))


def _publish(db, world):
    from quota_app.campaigns import services
    campaign = _campaign(db, world)
    services.transition(campaign, "published", None, campaign.closes_at)
    db.session.commit()


def _campaign(db, world):
    from quota_app.campaigns.models import Campaign
    return db.session.get(Campaign, world.campaign_id)


def _manager(db, world):
    from quota_app.auth.models import User
    return db.session.get(User, world.manager_id)


def _simulate(db, world, requested, title="Dix places de plus"):
    from quota_app.placement import simulation
    round_ = simulation.simulate(_manager(db, world), _campaign(db, world), requested, title, NOW)
    db.session.commit()
    return round_


def snapshot(db, campaign_id) -> dict:
    """Everything an applicant sees, and the campaign's real rounds."""
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Campaign, Offer, OfferSeatChange
    from quota_app.notifications.models import OutboxMessage
    from quota_app.placement.models import (
        AllocationRound,
        OfferCutoff,
        Placement,
        WaitingListEntry,
    )

    def rows(model, *columns):
        return sorted(tuple(r) for r in db.session.execute(db.select(*[getattr(model, c) for c in columns])))

    db.session.expire_all()
    return {
        "applications": rows(Application, "id", "status", "version"),
        "offers": rows(Offer, "id", "seats", "reserved_seats", "version"),
        "campaign": rows(Campaign, "id", "phase", "version"),
        "placements": rows(Placement, "id", "application_id", "offer_id", "seat_kind", "seat_number", "status",
                           "version"),
        "waiting": rows(WaitingListEntry, "id", "offer_id", "application_id", "position", "active"),
        "cutoffs": rows(OfferCutoff, "id", "offer_id", "cutoff_score", "seats_filled", "reserved_cutoff_score",
                        "reserved_filled"),
        "seat_changes": rows(OfferSeatChange, "id"),
        "outbox": rows(OutboxMessage, "id"),
        "real_rounds": [r for r in rows(AllocationRound, "id", "kind", "number") if r[1] != "simulation"],
    }


def simulations(db, campaign_id):
    from quota_app.placement.models import AllocationRound
    return list(db.session.scalars(db.select(AllocationRound).where(
        AllocationRound.campaign_id == campaign_id, AllocationRound.kind == "simulation")
        .order_by(AllocationRound.number)))


def audit_count(db) -> int:
    from quota_app.audit.models import AuditEvent
    return db.session.scalar(db.select(db.func.count(AuditEvent.id)))


@pytest.fixture
def world(db):
    return _deliberated(db)


# --- the service ------------------------------------------------------------------------------

def test_in_deliberation_one_more_seat_at_a_moves_a_woman_up_and_lets_one_more_in(db, world):
    """Baseline: A open c1 (M 18), A reserved c2 (F 17), B c3 (M 16) and c4 (F 15); c5, c6 out.
    A with 3 seats (1 reserved): c2 takes an open seat, the reserved one goes to c4 (moves from
    B), c5 takes B's freed seat."""
    before = snapshot(db, world.campaign_id)
    round_ = _simulate(db, world, {world.a: ("3", "")})
    assert snapshot(db, world.campaign_id) == before
    assert round_.kind == "simulation" and round_.number == 1 and round_.published_at is None
    assert round_.cause == "Dix places de plus" and round_.created_by_id == world.manager_id
    s = round_.parameters["summary"]
    assert round_.parameters["overrides"] == {str(world.a): [3, 1]}
    assert s["phase"] == "deliberation" and s["candidates"] == 6
    assert s["placed"] == [4, 5] and s["counts"] == {"in": 1, "out": 0, "moved": 1}
    c = world.files
    assert [(m["id"], m["kind"], m["before"], m["after"]) for m in s["moves"]] == [
        (c[3], "moved", [world.b, "open"], [world.a, "reserved"]), (c[4], "in", None, [world.b, "open"])]
    assert s["moves"][0]["reference"] and s["moves"][0]["name"].startswith("CANDIDAT4")
    a, b = s["offers"]
    assert (a["code"], a["seats"], a["reserved"]) == ("A-DD", [2, 3], [1, 1])
    assert a["open_cutoff"] == ["18.000", "17.000"] and a["reserved_cutoff"] == ["17.000", "15.000"]
    assert b["open_cutoff"] == ["15.000", "14.000"] and b["open_filled"] == [2, 2]
    fill = {key: {row["label"]: (row["before"], row["after"]) for row in rows} for key, rows in s["fill"].items()}
    assert fill["sex"] == {"Femmes": (2, 2), "Hommes": (2, 3)}
    assert fill["sector"]["Digital / Intelligence artificielle"] == (2, 3)
    assert fill["sector"]["Industriel"] == (2, 2)
    assert fill["region"] == {"District de Bamako": (2, 2), "Kayes": (1, 2), "Koulikoro": (1, 1)}


def test_fewer_seats_at_b_drops_the_last_one_out(db, world):
    round_ = _simulate(db, world, {world.b: ("1", "")}, title="")
    s = round_.parameters["summary"]
    assert [(m["id"], m["kind"]) for m in s["moves"]] == [(world.files[3], "out")]
    assert round_.cause == "Simulation — B-GE : 2 → 1 places, 0 → 0 réservées"


def test_simulations_take_the_campaigns_next_numbers_and_the_publication_still_comes_after(db, world):
    from quota_app.placement.publication import published_round
    from quota_app.placement.seats import phase_facts

    first = _simulate(db, world, {world.a: ("3", "")})
    second = _simulate(db, world, {world.a: ("", "0")})
    assert (first.number, second.number) == (1, 2)
    assert phase_facts(world.campaign_id) == {"placements_published": False}
    _publish(db, world)
    initial = published_round(world.campaign_id)
    assert initial.number == 3
    third = _simulate(db, world, {world.b: ("4", "")})
    assert third.number == 4


def test_in_published_phase_the_rule_is_rerun_on_the_files_in_the_running_and_nothing_published_moves(db, world):
    from quota_app.placement.models import Placement

    _publish(db, world)
    before = snapshot(db, world.campaign_id)
    assert len(before["placements"]) == 4 and before["waiting"] and before["cutoffs"]
    round_ = _simulate(db, world, {world.a: ("3", ""), world.b: ("3", "1")})
    assert snapshot(db, world.campaign_id) == before
    s = round_.parameters["summary"]
    assert s["phase"] == "published" and s["candidates"] == 6
    # The baseline is the publication itself: same seats, same files.
    published = dict(db.session.execute(db.select(Placement.application_id, Placement.offer_id)).all())
    assert s["placed"] == [len(published), 6]
    assert {m["id"] for m in s["moves"] if m["before"]} <= set(published)
    assert all(published[m["id"]] == m["before"][0] for m in s["moves"] if m["before"])


def test_in_a_factory_published_campaign_added_seats_let_the_first_waiting_in(db):
    import factories

    from quota_app.placement import simulation

    campaign = factories.make_campaign("published", files=("eligible",) * 5, seats=3)
    offer = campaign.offers[0]
    before = snapshot(db, campaign.id)
    round_ = simulation.simulate(factories.make_user("manager"), campaign, {offer.id: (5, None)}, "OFPPT +2", NOW)
    db.session.commit()
    assert snapshot(db, campaign.id) == before
    s = round_.parameters["summary"]
    assert s["counts"] == {"in": 2, "out": 0, "moved": 0} and s["placed"] == [3, 5]


@pytest.mark.parametrize("requested, field, message", [
    ({"a": ("-1", "")}, "seats-a", "négatif"),
    ({"a": ("deux", "")}, "seats-a", "nombre entier"),
    ({"a": ("0", "")}, "reserved-a", "ne peuvent pas dépasser"),
    ({"a": ("", "3")}, "reserved-a", "ne peuvent pas dépasser"),
    ({"a": ("2", "1"), "b": ("", "")}, "_", "au moins une offre"),
    ({}, "_", "au moins une offre"),
    ({"other": ("9", "")}, "_", "n'appartient pas à cette campagne"),
])
def test_bad_input_is_refused_in_french_and_nothing_is_written(db, world, requested, field, message):
    import factories

    from quota_app.errors import ValidationFailed
    from quota_app.placement import simulation

    other = factories.make_campaign("open")
    ids = {"a": world.a, "b": world.b, "other": other.offers[0].id}
    requested = {ids[k]: v for k, v in requested.items()}
    field = field.replace("-a", f"-{world.a}")
    before, events = snapshot(db, world.campaign_id), audit_count(db)
    with pytest.raises(ValidationFailed) as refused:
        simulation.simulate(_manager(db, world), _campaign(db, world), requested, "", NOW)
    db.session.rollback()
    assert message in refused.value.errors[field]
    assert refused.value.errors["_"]
    assert simulations(db, world.campaign_id) == [] and audit_count(db) == events
    assert snapshot(db, world.campaign_id) == before


def test_a_title_too_long_is_refused(db, world):
    from quota_app.errors import ValidationFailed
    from quota_app.placement import simulation

    with pytest.raises(ValidationFailed) as refused:
        simulation.simulate(_manager(db, world), _campaign(db, world), {world.a: ("3", "")}, "x" * 301, NOW)
    assert "300 caractères" in refused.value.errors["title"]


def test_outside_deliberation_and_publication_a_simulation_is_refused(db):
    import factories

    from quota_app.errors import InvalidTransition
    from quota_app.placement import simulation

    campaign = factories.make_campaign("open")
    with pytest.raises(InvalidTransition, match="pendant la délibération"):
        simulation.simulate(factories.make_user("manager"), campaign, {campaign.offers[0].id: ("3", "")}, "", NOW)


def test_before_the_deliberation_is_validated_there_is_nobody_to_place(db):
    import factories

    from quota_app.errors import InvalidTransition
    from quota_app.placement import simulation

    campaign = factories.make_campaign("deliberation", files=("eligible",) * 2)
    with pytest.raises(InvalidTransition, match="Aucun dossier classé"):
        simulation.simulate(factories.make_user("manager"), campaign, {campaign.offers[0].id: ("3", "")}, "", NOW)
    db.session.rollback()
    assert simulations(db, campaign.id) == []


def test_a_saved_simulation_is_read_back_from_what_it_stored(db, world):
    from quota_app.campaigns.models import Offer
    from quota_app.placement import simulation

    round_ = _simulate(db, world, {world.a: ("3", "")})
    stored = round_.parameters["summary"]
    # The offers change afterwards (a manager edits one): the saved page still says what was simulated.
    db.session.get(Offer, world.b).seats = 7
    db.session.commit()
    kept = simulation.saved(simulation.get_simulation(world.campaign_id, round_.id))
    assert kept.summary == stored and kept.overrides == {world.a: (3, 1)}
    assert kept.count("in") == 1 and [m["id"] for m in kept.moves("moved")] == [world.files[3]]
    assert kept.offer_label([world.a, "open"]) == "A-DD"
    assert kept.created_by == _manager(db, world).full_name


def test_a_simulation_is_found_only_in_its_campaign_and_only_as_a_simulation(db, world):
    import factories

    from quota_app.errors import NotFound
    from quota_app.placement import simulation
    from quota_app.placement.publication import published_round

    round_ = _simulate(db, world, {world.a: ("3", "")})
    other = factories.make_campaign("open")
    with pytest.raises(NotFound):
        simulation.get_simulation(other.id, round_.id)
    _publish(db, world)
    with pytest.raises(NotFound):
        simulation.get_simulation(world.campaign_id, published_round(world.campaign_id).id)


# --- the pages --------------------------------------------------------------------------------

def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def signed_in(app, user_id):
    from quota_app.auth.models import User
    from quota_app.extensions import db

    client = app.test_client()
    with app.app_context():
        token = db.session.get(User, user_id).session_token
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def base(world) -> str:
    return f"/gestion/affectation/simulations/{world.campaign_id}"


def test_the_manager_runs_a_simulation_through_the_form_and_reads_it_back(app, db, world):
    client = signed_in(app, world.manager_id)
    page = client.get(base(world))
    assert page.status_code == 200
    body = text(page)
    assert "Nouvelle simulation" in body and "A-DD" in body and "B-GE" in body
    assert f'name="seats-{world.a}"' in body and f'name="reserved-{world.b}"' in body
    assert "Aucune simulation enregistrée" in body
    answer = client.post(base(world), data={"title": "Courrier OFPPT", f"seats-{world.a}": "3",
                                            f"reserved-{world.a}": "", f"seats-{world.b}": "", f"reserved-{world.b}": ""})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    round_id = int(re.search(r"/(\d+)$", location).group(1))
    shown = client.get(location)
    assert shown.status_code == 200
    body = text(shown)
    assert "La simulation est enregistrée." in body and "Courrier OFPPT" in body
    assert "Entrent (1)" in body and "Sortent (0)" in body and "Changent d'offre (1)" in body
    assert "CANDIDAT4" in body and "CANDIDAT5" in body
    assert "17,000" in body and "15,000" in body          # A's cut-offs after
    assert "Par sexe" in body and "Par secteur" in body and "Par région d'origine" in body
    assert "Kayes" in body and "Industriel" in body
    listing = text(client.get(base(world)))
    assert "Courrier OFPPT" in listing and f"/{round_id}" in listing
    full = client.get(f"{location}?liste=in")
    assert full.status_code == 200 and "CANDIDAT5" in text(full) and "CANDIDAT4" not in text(full)


def test_the_form_shows_each_error_beside_its_field_and_keeps_what_was_typed(app, db, world):
    client = signed_in(app, world.manager_id)
    answer = client.post(base(world), data={f"seats-{world.a}": "-4", f"reserved-{world.b}": "5"})
    assert answer.status_code == 200
    body = text(answer)
    assert "La simulation n'a pas été lancée : corrigez les valeurs signalées." in body
    assert "Le nombre de places ne peut pas être négatif." in body
    assert "Les places réservées (5) ne peuvent pas dépasser le nombre de places (2)." in body
    assert 'value="-4"' in body
    nothing = text(client.post(base(world), data={f"seats-{world.a}": "2"}))
    assert "Changez les places ou les places réservées d'au moins une offre." in nothing
    db.session.expire_all()
    assert simulations(db, world.campaign_id) == []


def test_outside_the_phases_the_page_says_so_and_a_post_is_refused(app, db):
    import factories

    campaign = factories.make_campaign("open")
    manager = factories.make_user("manager")
    client = signed_in(app, manager.id)
    url = f"/gestion/affectation/simulations/{campaign.id}"
    body = text(client.get(url))
    assert "Les simulations se font pendant la délibération" in body and "Lancer la simulation" not in body
    refused = client.post(url, data={f"seats-{campaign.offers[0].id}": "4"})
    assert refused.status_code == 200 and "Les simulations se font pendant la délibération" in text(refused)
    assert simulations(db, campaign.id) == []


def test_the_lists_are_capped_on_the_page_and_paginated_in_full(app, db, world, monkeypatch):
    from quota_app.placement import simulation_views

    round_ = _simulate(db, world, {world.a: ("6", "0"), world.b: ("0", "")})
    summary = round_.parameters["summary"]
    assert summary["counts"]["moved"] == 2   # c3 and c4 leave B for A
    monkeypatch.setattr(simulation_views, "CAP", 1)
    monkeypatch.setattr(simulation_views, "PER_PAGE", 1)
    client = signed_in(app, world.manager_id)
    url = f"{base(world)}/{round_.id}"
    body = text(client.get(url))
    assert "Voir toute la liste (2)" in body and "1 affiché(s) sur 2" in body
    first = text(client.get(f"{url}?liste=moved"))
    second = text(client.get(f"{url}?liste=moved&page=2"))
    assert "Page 1 sur 2" in first and "CANDIDAT3" in first and "CANDIDAT4" not in first
    assert "CANDIDAT4" in second


def test_other_campaigns_rounds_and_real_rounds_are_not_found(app, db, world):
    import factories

    from quota_app.placement.publication import published_round

    round_ = _simulate(db, world, {world.a: ("3", "")})
    other = factories.make_campaign("open")
    client = signed_in(app, world.manager_id)
    assert client.get(f"/gestion/affectation/simulations/{other.id}/{round_.id}").status_code == 404
    assert client.get("/gestion/affectation/simulations/999999").status_code == 404
    _publish(db, world)
    assert client.get(f"{base(world)}/{published_round(world.campaign_id).id}").status_code == 404


@pytest.mark.parametrize("role", ["committee", "amci", "admin", "applicant"])
def test_other_roles_are_refused(app, db, world, role):
    import factories

    round_ = _simulate(db, world, {world.a: ("3", "")})
    client = signed_in(app, factories.make_user(role).id)
    assert client.get(base(world)).status_code == 403
    assert client.get(f"{base(world)}/{round_.id}").status_code == 403
    assert client.post(base(world), data={f"seats-{world.a}": "4"}).status_code == 403
    assert len(simulations(db, world.campaign_id)) == 1


def test_two_simulations_at_once_take_two_numbers_and_no_500(app, db, world):
    clients = [signed_in(app, world.manager_id) for _ in range(3)]
    barrier = threading.Barrier(len(clients))
    codes = []

    def post(client, seats):
        barrier.wait()
        codes.append(client.post(base(world), data={f"seats-{world.a}": str(seats)}).status_code)

    threads = [threading.Thread(target=post, args=(client, 3 + n)) for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert codes == [302, 302, 302]
    db.session.expire_all()
    assert [r.number for r in simulations(db, world.campaign_id)] == [1, 2, 3]
