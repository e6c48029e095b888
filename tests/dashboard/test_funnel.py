"""The year's journey (dashboard/funnel.py, rates.py): every stage counted on a published world
whose candidates were nominated, confirmed, re-oriented, refused and followed, checked against
counts made independently from the objects; the rates without a database; two campaigns year on
year; the page's section and the workbook."""
from __future__ import annotations

import html
import io
import re
from collections import Counter
from datetime import date, timedelta

import pytest

import factories
from worlds import build_world, placement_world  # noqa: F401  (fixture)

ANSWERED = factories.NOW + timedelta(days=31)
NBSP = "\xa0"


# --- the rates, pure ------------------------------------------------------------------------

def test_rates_against_the_previous_stage_the_applications_and_the_quota():
    from quota_app.dashboard.rates import BASE_STAGE, STAGES, reserved_rate, share, stage_rates

    counts = {"applied": 200, "eligible": 150, "evaluated": 120, "placed": 40, "accepted": 30, "nominated": 30,
              "confirmed": 27, "departed": 25, "enrolled": 24, "reenrolled": 20, "completed": 18, "abandoned": 3,
              "employed": 9}
    rates = {r.stage: r for r in stage_rates(counts, quota=50)}
    assert list(rates) == list(STAGES)
    assert rates["applied"].of_previous is None and rates["applied"].of_applied == 1.0
    assert rates["eligible"].of_previous == 0.75 and rates["evaluated"].of_previous == 0.8
    assert rates["accepted"].of_previous == 0.75 and rates["accepted"].of_applied == 0.15
    assert rates["accepted"].of_quota == 0.6 and rates["placed"].of_quota == 0.8
    # The branches: against the enrolled trainees, and the jobs against the completions.
    assert (BASE_STAGE["completed"], BASE_STAGE["abandoned"], BASE_STAGE["employed"]) == \
        ("enrolled", "enrolled", "completed")
    assert rates["abandoned"].of_previous == 3 / 24 and rates["employed"].of_previous == 0.5
    assert rates["reenrolled"].of_previous == 20 / 24 and rates["completed"].of_previous == 0.75
    # Nothing to divide by: not applicable (None), never 0 % nor a ZeroDivisionError.
    empty = {r.stage: r for r in stage_rates({}, quota=0)}
    assert all(r.count == 0 and r.of_previous is None and r.of_applied is None and r.of_quota is None
               for r in empty.values())
    assert stage_rates({"applied": 4, "eligible": 6}, None)[1].of_previous == 1.5  # shown, not capped
    assert share(1, 0) is None and share(None, 3) is None and reserved_rate(3, 4) == 0.75
    assert reserved_rate(2, 0) is None


def test_numbers_in_french_and_in_english():
    from quota_app.dashboard.numbers import number, percent

    assert number(12345, "fr") == "12\u202f345" and number(12345, "en") == "12,345"
    assert percent(0.4213, "fr") == f"42,1{NBSP}%" and percent(0.4213, "en") == "42.1%"
    assert percent(None) == number(None) == "—"


def test_funnel_chart_is_escaped_and_centred():
    from quota_app.dashboard.charts import funnel_chart

    svg = str(funnel_chart("<t>", [("<b>", 10, "100 %"), ("B", 5, ""), ("C", 0, None)]))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "style" not in svg and "<script" not in svg
    widths = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="\d+" fill="#1f6f50"', svg)
    (x1, w1), (x2, w2), (_x3, w3) = [(float(x), float(w)) for x, w in widths]
    assert w1 == 2 * w2 and abs((x1 + w1 / 2) - (x2 + w2 / 2)) < 0.2 and w3 == 0
    assert "10 · 100 %" in svg


# --- a world that went the whole way ------------------------------------------------------

def accept_all(db, world):
    from quota_app.placement import services
    from quota_app.placement.models import Placement

    offered = db.session.scalars(db.select(Placement).where(
        Placement.status == "offered", Placement.application_id.in_(world.file_ids)).order_by(Placement.id)).all()
    for placement in offered:
        services.answer(world.owner(db, placement.application_id), placement, "accept", now=ANSWERED)
    db.session.commit()
    return [a for a in world.by_score() if a in {p.application_id for p in offered}]


def journey_world(db, world):
    """Nominate every accepted candidate; the joint committee confirms two, re-orients one to
    the other offer and refuses one (whose seat goes to the waiting list); then the follow-up:
    the first confirmed left, enrolled, re-enrolled, completed and found a job; the second's
    departure was cancelled; the re-oriented one arrived, enrolled and abandoned."""
    from quota_app.amci import effects
    from quota_app.amci.models import FollowUp, Nomination, ReenrolmentRecord
    from quota_app.amci.nominations import nominate

    accepted = accept_all(db, world)
    assert len(accepted) >= 4, "the world has four accepted candidates"
    manager = world.manager(db)
    nominate(manager, world.campaign_id, now=ANSWERED)
    db.session.commit()
    nominations = {n.application_id: n for n in db.session.scalars(
        db.select(Nomination).where(Nomination.campaign_id == world.campaign_id))}
    first, second, moved, refused = accepted[:4]
    effects.confirm(manager, nominations[first], now=ANSWERED)
    effects.confirm(manager, nominations[second], now=ANSWERED)
    current = db.session.scalars(db.select(Nomination.offer_id).where(Nomination.application_id == moved)).one()
    other_offer = next(o for o in world.offer_ids if o != current)
    from quota_app.campaigns.models import Offer
    effects.reorient(manager, nominations[moved], db.session.get(Offer, other_offer), "Places ouvertes ailleurs",
                     now=ANSWERED)
    effects.free_seat(manager, nominations[refused], "refused", "Dossier incomplet", now=ANSWERED)
    db.session.commit()
    day = date(2026, 9, 1)
    done = FollowUp(application_id=first, travel_date=day, arrival_date=day + timedelta(days=1),
                    enrolled_on=day + timedelta(days=3), completed_on=date(2028, 7, 1), situation_12m="employed")
    cancelled = FollowUp(application_id=second, travel_date=day, departure_cancelled_on=day - timedelta(days=5))
    left = FollowUp(application_id=moved, arrival_date=day, enrolled_on=day + timedelta(days=2),
                    abandoned_on=date(2027, 2, 1), situation_6m="seeking")
    db.session.add_all([done, cancelled, left])
    db.session.flush()
    db.session.add_all([
        ReenrolmentRecord(follow_up_id=done.id, academic_year="2027-2028", documents_received_on=date(2027, 9, 20)),
        ReenrolmentRecord(follow_up_id=left.id, academic_year="2027-2028", documents_received_on=None),
    ])
    db.session.commit()
    return {"accepted": accepted, "first": first, "second": second, "moved": moved, "refused": refused,
            "other_offer": other_offer}


def expected_stages(db, campaign_id):
    """Each file's stages and breakdown keys, read object by object (the slow, plain way)."""
    from quota_app.amci.models import FollowUp, Nomination
    from quota_app.applications.models import Application
    from quota_app.placement.models import AllocationRound, Placement

    result = {}
    for a in db.session.scalars(db.select(Application).where(Application.campaign_id == campaign_id)):
        if a.status == "draft":
            continue
        placements = [p for p in db.session.scalars(db.select(Placement).where(Placement.application_id == a.id))
                      if db.session.get(AllocationRound, p.round_id).kind != "simulation"]
        nomination = db.session.scalars(db.select(Nomination).where(Nomination.application_id == a.id)).first()
        fu = db.session.scalars(db.select(FollowUp).where(FollowUp.application_id == a.id)).first()
        accepted_ones = [p for p in placements if p.status == "accepted"]
        obtained = (accepted_ones or sorted(placements, key=lambda p: p.id)[-1:] or [None])[0]
        stages = {
            "applied": True,
            "eligible": a.status not in ("submitted", "ineligible", "withdrawn"),
            "evaluated": a.status not in ("submitted", "ineligible", "withdrawn", "eligible"),
            "placed": bool(placements),
            "accepted": any(p.status in ("accepted", "refused", "reoriented") or p.keeps_waiting is not None
                            for p in placements),
            "nominated": nomination is not None and nomination.status != "withdrawn",
            "confirmed": nomination is not None and nomination.status in ("confirmed", "reoriented"),
            "departed": fu is not None and bool(fu.travel_date or fu.arrival_date) and not fu.departure_cancelled_on,
            "enrolled": fu is not None and fu.enrolled_on is not None,
            "reenrolled": fu is not None and any(r.documents_received_on for r in fu.reenrolments),
            "completed": fu is not None and fu.completed_on is not None,
            "abandoned": fu is not None and fu.abandoned_on is not None,
            "employed": fu is not None and "employed" in (fu.situation_6m, fu.situation_12m),
        }
        keys = {"sex": a.sex, "region": a.region.code if a.region else "Non renseigné",
                "sector": obtained.offer.programme.sector.code if obtained else "Sans affectation",
                "level": obtained.offer.programme.level.code if obtained else "Sans affectation"}
        result[a.id] = (stages, keys)
    return result


def test_every_stage_and_breakdown_on_a_whole_year(db, placement_world):
    from quota_app.dashboard import funnel
    from quota_app.dashboard.rates import FROM_PLACEMENT, STAGES

    world = placement_world(offers=((2, 1), (2, 0)), n=8)
    story = journey_world(db, world)
    result = funnel.campaign_funnel(world.campaign_id)

    files = expected_stages(db, world.campaign_id)
    assert result.counts == {s: sum(st[s] for st, _k in files.values()) for s in STAGES}
    n_accepted = len(story["accepted"])
    # Spelled out: 8 applied, all eligible and evaluated; every accepted one nominated (the
    # refused one stays on the list, refused); the refused seat went to one more candidate.
    assert (result.counts["applied"], result.counts["eligible"], result.counts["evaluated"]) == (8, 8, 8)
    assert result.counts["accepted"] == result.counts["nominated"] == n_accepted
    assert result.counts["placed"] >= n_accepted + 1
    assert (result.counts["confirmed"], result.counts["departed"], result.counts["enrolled"],
            result.counts["reenrolled"], result.counts["completed"], result.counts["abandoned"],
            result.counts["employed"]) == (3, 2, 2, 1, 1, 1, 1)
    # The re-oriented candidate found the other offer full: a seat was added for them.
    assert result.quota == 4 and (result.seats, result.reserved_seats) == (5, 1)
    assert result.reserved_sex == "F"
    women = sum(1 for st, k in files.values() if st["accepted"] and k["sex"] == "F")
    assert result.reserved_sex_accepted == women

    breakdowns = {b.kind: b for b in result.breakdowns}
    assert [b.kind for b in result.breakdowns] == ["sex", "region", "sector", "level"]
    for kind, breakdown in breakdowns.items():
        expected = Counter()
        for stages, keys in files.values():
            if kind in ("sector", "level") and not any(stages[s] for s in FROM_PLACEMENT):
                continue
            for stage in breakdown.stages:
                expected[(keys[kind], stage)] += stages[stage]
        got = Counter({(key, stage): breakdown.count(key, stage) for key, _l in breakdown.rows
                       for stage in breakdown.stages})
        assert +got == +expected, kind
        assert all(breakdown.column_total(s) == result.counts[s] for s in breakdown.stages), kind
    assert breakdowns["sex"].stages == STAGES and breakdowns["sector"].stages == FROM_PLACEMENT
    assert [k for k, _l in breakdowns["sex"].rows] == [k for k in ("F", "M") if k in breakdowns["sex"].counts]
    assert all(len(k) == 2 for k, _l in breakdowns["region"].rows)  # official codes
    # The re-oriented trainee counts under the offer they were moved to.
    from quota_app.campaigns.models import Offer
    moved_to = db.session.get(Offer, story["other_offer"]).programme
    level = breakdowns["level"]
    assert level.count(moved_to.level.code, "abandoned") == 1
    assert "Sans affectation" not in dict(breakdowns["sector"].rows) or \
        breakdowns["sector"].count("Sans affectation", "placed") == 0


def test_history_of_withdrawn_files_and_simulations(db, data):
    """A withdrawn file counts as far as it went; a draft, or a file withdrawn before it was
    submitted, never applied; a simulation's placement is no placement."""
    from quota_app.applications.models import Application, ScreeningDecision
    from quota_app.dashboard import funnel
    from quota_app.placement.models import AllocationRound, Placement

    manager = factories.make_user("manager")
    a1, a2, a5 = (db.session.get(Application, data[k]) for k in ("A1", "A2", "A5"))
    a1.status = "withdrawn"                          # submitted, then withdrawn: applied
    a2.status = "withdrawn"                          # eligible, then withdrawn: applied and eligible
    db.session.add(ScreeningDecision(application_id=a2.id, decision="eligible", decided_by_id=manager.id))
    a5.status, a5.submitted_at = "withdrawn", None   # never submitted
    simulation = AllocationRound(campaign_id=data["campaign"], number=1, kind="simulation")
    db.session.add(simulation)
    db.session.flush()
    db.session.add(Placement(application_id=data["A4"], offer_id=data["offers"]["DD"], round_id=simulation.id,
                             choice_rank=1, seat_kind="open", status="offered"))
    db.session.commit()
    counts = funnel.campaign_funnel(data["campaign"]).counts
    # A1, A2, A4 applied (A3 is a draft, A5 never submitted); A2 and A4 eligible; none further.
    assert (counts["applied"], counts["eligible"], counts["evaluated"], counts["placed"]) == (3, 2, 0, 0)


# --- year on year, the page, the workbook, the cache ----------------------------------------

@pytest.fixture
def two_years(db, placement_world):
    """The whole year of 2026 (published, followed) and 2027's campaign in deliberation."""
    world = placement_world(offers=((2, 1), (2, 0)), n=8)
    story = journey_world(db, world)
    later = build_world(db, offers=((3, 1),), n=5, publish=False, seed=2)
    db.session.commit()
    return world, later, story


def test_year_on_year_campaigns_of_the_same_kind(db, two_years):
    from quota_app.campaigns.models import Campaign
    from quota_app.dashboard import funnel

    world, later, _story = two_years
    first, second = db.session.get(Campaign, world.campaign_id), db.session.get(Campaign, later.campaign_id)
    assert first.year < second.year and first.kind == second.kind
    factories.make_draft_campaign(None, kind="capacity_building", code="RC-2026", year=2026,
                                  title="Renforcement 2026")
    years = funnel.year_on_year(second)
    assert [f.campaign_id for f in years] == [first.id, second.id] == \
        [f.campaign_id for f in funnel.year_on_year(first)]
    assert years[1].counts["applied"] == years[1].counts["evaluated"] == 5
    assert years[1].counts["placed"] == 0 and years[1].quota == 3 and years[1].reserved_seats == 1
    assert years[0].counts["completed"] == 1


def table(page: str, table_id: str) -> str:
    return re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S).group(1)


def row_cells(block: str, attribute: str, value: str) -> list[str]:
    row = re.search(rf'<tr {attribute}="{value}"><th scope="row">[^<]*</th>(.*?)</tr>', block, re.S).group(1)
    return re.findall(r"<td>(.*?)</td>", row, re.S)


def test_dashboard_shows_the_journey_for_a_manager(client, db, two_years, make_user, login):
    from quota_app.dashboard import funnel

    world, later, _story = two_years
    login(make_user("manager"))
    response = client.get(f"/gestion/tableau-de-bord/?campaign={world.campaign_id}")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert '<h2 id="h-journey">Parcours de l\'année</h2>' in page
    section = page.split('id="journey-section"', 1)[1]
    assert "<title>Parcours de l'année : dossiers à chaque étape</title>" in section
    first, second = funnel.campaign_funnel(world.campaign_id), funnel.campaign_funnel(later.campaign_id)
    years = table(page, "journey")
    assert "<caption>" in years and years.count('<th scope="col"') == 3
    assert re.search(rf'data-campaign="{world.campaign_id}" class="current"><strong>{first.year}</strong> '
                     r'<span class="visually-hidden">\(campagne affichée\)</span><br>', years)
    assert row_cells(years, "data-stage", "applied") == ["8", "5"]
    assert row_cells(years, "data-stage", "accepted") == [str(first.counts["accepted"]), "0"]
    assert row_cells(years, "data-stage", "employed") == ["1", "0"]
    assert row_cells(years, "data-row", "quota") == ["4", "3"]
    assert row_cells(years, "data-row", "reserved") == ["1", "1"]
    accepted_of_quota = f"{first.counts['accepted'] / 4 * 100:.1f}".replace(".", ",") + f"{NBSP}%"
    assert row_cells(years, "data-row", "accepted-quota") == [accepted_of_quota, f"0,0{NBSP}%"]
    rates = table(page, "journey-rates")
    assert row_cells(rates, "data-stage", "applied") == ["8", "—", f"100,0{NBSP}%", f"200,0{NBSP}%"]
    assert row_cells(rates, "data-stage", "employed")[1].startswith(f"100,0{NBSP}%")  # 1 of 1 completed
    for kind, caption in (("sex", "Par sexe"), ("region", "Par région"),
                          ("sector", "Par secteur (de l'affectation obtenue)"),
                          ("level", "Par niveau (de l'affectation obtenue)")):
        block = re.search(rf'<table class="journey-breakdown" data-kind="{kind}">(.*?)</table>', page, re.S).group(1)
        assert f"<caption>{caption} – " in block and '<th scope="col">' in block and '<th scope="row">' in block
        assert "<tfoot>" in block
    assert '<tr data-key="F"><th scope="row">Femmes</th>' in section
    assert "<script" not in page and "style=" not in page
    assert f'href="/gestion/tableau-de-bord/parcours.xlsx?campaign={world.campaign_id}"' in section
    # Cached HTML per language: the numbers follow the reader's.
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = html.unescape(client.get(f"/gestion/tableau-de-bord/?campaign={world.campaign_id}").get_data(as_text=True))
    assert row_cells(table(english, "journey-rates"), "data-stage", "applied")[2:] == ["100.0%", "200.0%"]


def test_journey_workbook(client, db, two_years, make_user, login):
    from openpyxl import load_workbook

    from quota_app.audit.models import AuditEvent
    from quota_app.dashboard import funnel
    from quota_app.dashboard.rates import STAGE_LABELS

    world, later, _story = two_years
    login(make_user("manager"))
    response = client.get(f"/gestion/tableau-de-bord/parcours.xlsx?campaign={world.campaign_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=parcours-")
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Parcours", "Taux", "Par sexe", "Par région", "Par secteur", "Par niveau"]
    first, second = funnel.campaign_funnel(world.campaign_id), funnel.campaign_funnel(later.campaign_id)
    sheet = wb["Parcours"]
    assert sheet["A1"].value.startswith("Parcours de l'année") and sheet["A3"].font.bold
    assert [c.value for c in sheet[3]] == ["Étape", f"{first.year} – {first.code}", f"{second.year} – {second.code}"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows[STAGE_LABELS["applied"]] == (8, 5)
    assert rows[STAGE_LABELS["completed"]] == (1, 0)
    assert rows["Quota annoncé"] == (4, 3) and rows["Places réservées aux femmes"] == (1, 1)
    assert rows["Taux : places acceptées / quota"] == (first.counts["accepted"] / 4, 0)
    rate_row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "Taux : places acceptées / quota")
    assert rate_row[1].number_format == "0.0%" and rate_row[2].number_format == "0.0%"
    counts_row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "Quota annoncé")
    assert counts_row[1].number_format == "General"
    assert sheet.freeze_panes == "B4" and sheet.auto_filter.ref.startswith("A3:")
    assert sheet.column_dimensions["A"].width >= len("Confirmés par la commission mixte")
    rates = wb["Taux"]
    header = [c.value for c in rates[3]]
    assert header[:2] == ["Étape", "Dossiers"] and header[2].startswith("Taux / étape précédente")
    assert header[3:] == ["Taux / candidatures", "Taux / quota"]
    applied = [c for c in rates[4]]
    assert applied[0].value == STAGE_LABELS["applied"] and applied[1].value == 8
    assert applied[2].value is None and applied[3].value == 1 and applied[4].value == 2
    assert applied[3].number_format == "0.0%"
    sex = {r[0]: r[1:] for r in wb["Par sexe"].iter_rows(min_row=4, values_only=True)}
    assert sex["Total"][0] == 8 and sum(v[0] for k, v in sex.items() if k != "Total") == 8
    sector_header = [c.value for c in wb["Par secteur"][3]]
    assert sector_header[1] == STAGE_LABELS["placed"] and STAGE_LABELS["applied"] not in sector_header
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "export.journey")).all()
    assert len(events) == 1 and events[0].campaign_id == world.campaign_id


def test_the_journey_follows_each_commit(client, db, two_years, make_user, login):
    """Cached with the figures, under the same change marker: a follow-up recorded shows at once."""
    from quota_app.amci.models import FollowUp

    world, _later, story = two_years
    login(make_user("manager"))

    def enrolled():
        page = html.unescape(client.get(f"/gestion/tableau-de-bord/?campaign={world.campaign_id}")
                             .get_data(as_text=True))
        return row_cells(table(page, "journey"), "data-stage", "enrolled")[0]

    assert enrolled() == "2"
    fu = db.session.scalars(db.select(FollowUp).where(FollowUp.application_id == story["second"])).one()
    fu.departure_cancelled_on, fu.enrolled_on = None, date(2026, 9, 4)
    db.session.commit()
    assert enrolled() == "3"


@pytest.mark.sqlite_only  # PostgreSQL runs share a cluster: their commits change the snapshot
def test_switching_campaign_reuses_the_cached_journeys(client, db, two_years, make_user, login, monkeypatch):
    from quota_app.dashboard import funnel

    world, later, _story = two_years
    login(make_user("manager"))
    db.session.close()
    db.engine.dispose()
    calls = []
    compute = funnel.campaign_funnel
    monkeypatch.setattr(funnel, "campaign_funnel", lambda cid: calls.append(cid) or compute(cid))
    for campaign_id in (world.campaign_id, later.campaign_id, world.campaign_id):
        assert client.get(f"/gestion/tableau-de-bord/?campaign={campaign_id}").status_code == 200
    assert sorted(calls) == sorted([world.campaign_id, later.campaign_id])  # once each


def test_the_charts_speak_the_language_of_the_page(client, db, login, make_user):
    import factories

    campaign = factories.make_campaign()
    db.session.commit()
    login(make_user("manager"))
    french = client.get(f"/gestion/tableau-de-bord/?campaign={campaign.id}").get_data(as_text=True)
    assert "Parcours de l&#39;année : dossiers à chaque étape" in french or "Parcours de l'année : dossiers à chaque étape" in french
    client.post("/langue", data={"lang": "en", "next": "/"})
    english = client.get(f"/gestion/tableau-de-bord/?campaign={campaign.id}").get_data(as_text=True)
    assert "The year&#39;s journey: applications at each stage" in english or "The year's journey: applications at each stage" in english
    assert "Dossiers par statut" not in english and "Candidatures soumises" not in english
