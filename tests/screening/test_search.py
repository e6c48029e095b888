"""The managers' search: every filter against a seeded set with known answers."""
import html

import pytest

from screening_data import AGES


def keys(db, data, filters):
    from quota_app.campaigns.models import Campaign
    from quota_app.screening.search import build_search

    campaign = db.session.get(Campaign, data["campaign"])
    by_id = {v: k for k, v in data.items() if isinstance(v, int) and k.startswith("A")}
    return [by_id.get(a.id, a.id) for a in db.session.execute(build_search(campaign, filters)).unique().scalars()]


def ref_id(db, model, code):
    return str(db.session.execute(db.select(model.id).filter_by(code=code)).scalar_one())


def test_no_filter_lists_the_campaign_only_sorted_by_name(db, data):
    # Sorted on the name without accents or punctuation ("=SOMME(A1)" is "somme a1 ibrahim");
    # the 2025 look-alike is not listed, nor A3, a draft its applicant never submitted (need to know).
    assert keys(db, data, {}) == ["A5", "A2", "A4", "A1"]
    assert keys(db, data, {"status": "draft"}) == [] and keys(db, data, {"q": "diallo"}) == []


@pytest.mark.parametrize("q, expected", [
    ("traoré", ["A1"]), ("TRAORÉ", ["A1"]), ("traore", ["A1"]), ("awa traoré", ["A1"]),
    ("coulibaly mariam", ["A5"]), ("somme a1", ["A4"]),
    ("MLI-2026-000002", ["A2"]), ("1f04abcdefg001k", ["A1"]),
    ("aa1000004", ["A4"]), ("76 00 00 05", ["A5"]), ("+22376000002", ["A2"]),
    # Exact identifiers only: a piece of a NINA or a first name alone finds nothing.
    ("ABCDEFG005", []), ("mariam", []),
    ("%", []), ("personne", []), ("MLI-2025-000001", []),
])
def test_text_search(db, data, q, expected):
    assert sorted(keys(db, data, {"q": q})) == expected


def test_filters(db, data):
    from quota_app.reference.models import Diploma, Level, Region, Sector

    assert sorted(keys(db, data, {"status": "submitted"})) == ["A1", "A2", "A5"]
    assert sorted(keys(db, data, {"sex": "F"})) == ["A1", "A5"]  # not the draft A3
    assert sorted(keys(db, data, {"region": ref_id(db, Region, "00")})) == ["A1"]
    assert sorted(keys(db, data, {"region": ref_id(db, Region, "03")})) == ["A4", "A5"]
    assert sorted(keys(db, data, {"diploma": ref_id(db, Diploma, "DEF")})) == ["A5"]
    assert sorted(keys(db, data, {"sector": ref_id(db, Sector, "DIG")})) == ["A1", "A4", "A5"]
    assert sorted(keys(db, data, {"sector": ref_id(db, Sector, "IND")})) == ["A1", "A2"]
    assert sorted(keys(db, data, {"sector": ref_id(db, Sector, "TEX")})) == []  # A3 alone, a draft
    assert sorted(keys(db, data, {"level": ref_id(db, Level, "TS")})) == ["A1", "A4", "A5"]
    assert sorted(keys(db, data, {"level": ref_id(db, Level, "Q")})) == []
    assert sorted(keys(db, data, {"offer": str(data["offers"]["MI"])})) == ["A1", "A2"]
    # Combined: women who chose a digital programme and are waiting for screening.
    assert sorted(keys(db, data, {"sex": "F", "sector": ref_id(db, Sector, "DIG"), "status": "submitted"})) == ["A1", "A5"]


def test_age_bands_at_reference_date(db, data):
    from quota_app.screening.search import AGE_BANDS

    for band, (low, high) in AGE_BANDS.items():
        expected = sorted(k for k, age in AGES.items() if k != "A3"  # a draft: not listed
                          and (low is None or age >= low) and (high is None or age <= high))
        assert sorted(keys(db, data, {"age": band})) == expected, band
    # Born 2003-09-01: exactly 23 on 2026-09-01; born 2001-09-02: still 24.
    assert "A4" in keys(db, data, {"age": "21-23"}) and "A5" in keys(db, data, {"age": "24-25"})


def test_sorts(db, data):
    # A3, a draft never submitted, is in no order.
    assert keys(db, data, {"sort": "reference"}) == ["A1", "A2", "A4", "A5"]
    assert keys(db, data, {"sort": "age"}) == ["A1", "A4", "A5", "A2"]
    assert keys(db, data, {"sort": "average"}) == ["A5", "A4", "A2", "A1"]
    assert keys(db, data, {"sort": "submitted"}) == ["A5", "A4", "A2", "A1"]


def test_bad_filter_values_are_ignored(db, data):
    assert len(keys(db, data, {"status": "nimporte", "region": "abc", "age": "99", "sector": "-1"})) == 4


def test_list_page_masks_identity_and_paginates(app, client, db, data, make_user, login):
    from quota_app.applications.models import Applicant, Application

    login(make_user("manager"))
    page = html.unescape(client.get(f"/gestion/dossiers/?campaign={data['campaign']}").get_data(as_text=True))
    assert "4 dossiers" in page and "Diallo" not in page  # not the draft A3
    assert "1F04ABCDEFG001K" not in page and "••••••••••••01K" in page
    assert "AA1000001" not in page
    assert "MLI-2025-000001" not in page
    page = html.unescape(client.get(f"/gestion/dossiers/?campaign={data['campaign']}&sex=F&q=awa+traore").get_data(as_text=True))
    assert "1 dossier" in page and "Traoré" in page
    for i in range(60):
        applicant = Applicant(source="import")
        db.session.add(Application(campaign_id=data["campaign"], applicant=applicant, status="submitted",
                                   last_name=f"Zz{i:02d}", reference=f"MLI-2026-9{i:05d}"))
    db.session.commit()
    page = html.unescape(client.get(f"/gestion/dossiers/?campaign={data['campaign']}&status=submitted").get_data(as_text=True))
    assert "63 dossiers" in page and "Page 1 sur 2" in page and "status=submitted" in page
    page2 = html.unescape(client.get(f"/gestion/dossiers/?campaign={data['campaign']}&status=submitted&page=2").get_data(as_text=True))
    assert "Zz59" in page2 and "Zz00" not in page2


def test_list_page_runs_a_fixed_number_of_queries(app, client, db, data, make_user, login):
    from sqlalchemy import event

    from quota_app.applications.models import Applicant, Application

    login(make_user("manager"))
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    url = f"/gestion/dossiers/?campaign={data['campaign']}"
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get(url)
        few = len(statements)
        for i in range(20):
            db.session.add(Application(campaign_id=data["campaign"], applicant=Applicant(source="import"),
                                       status="submitted", last_name=f"Nouveau{i}", region_id=None))
        db.session.commit()
        statements.clear()
        client.get(url)
        assert len(statements) == few
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_unknown_campaign_is_404(client, data, make_user, login):
    login(make_user("manager"))
    assert client.get("/gestion/dossiers/?campaign=999999").status_code == 404
    assert client.get("/gestion/dossiers/?campaign=abc").status_code == 404


@pytest.mark.parametrize("q", ["1f04abcdefg001k", "aa1000004", "76 00 00 05", "MLI-2026-000002"])
def test_identifier_search_reads_indexes_only(db, data, q):
    # Each identifier branch is a SEARCH through an index, never a SCAN of the applications
    # (NINA and passport within the campaign's uniques, since no global index holds them).
    from sqlalchemy import text

    from quota_app.campaigns.models import Campaign
    from quota_app.screening.search import list_rows

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL chooses by its statistics")
    campaign = db.session.get(Campaign, data["campaign"])
    statement = list_rows(campaign, {"q": q}).compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {statement}"))]
    assert not [step for step in plan if step.startswith("SCAN applications")], plan  # whole table or index
