"""Dashboard numbers against counts computed independently from the seeded files."""
import html
import re
from collections import Counter


def add_placements(db, data):
    from quota_app.placement.models import AllocationRound, Placement

    real = AllocationRound(campaign_id=data["campaign"], number=1, kind="initial")
    simulation = AllocationRound(campaign_id=data["campaign"], number=2, kind="simulation")
    db.session.add_all([real, simulation])
    db.session.flush()
    db.session.add_all([
        Placement(application_id=data["A4"], offer_id=data["offers"]["DD"], round_id=real.id, choice_rank=1,
                  seat_kind="open", status="offered"),
        Placement(application_id=data["A1"], offer_id=data["offers"]["MI"], round_id=real.id, choice_rank=2,
                  seat_kind="reserved", status="accepted"),
        Placement(application_id=data["A2"], offer_id=data["offers"]["MI"], round_id=real.id, choice_rank=1,
                  seat_kind="open", status="declined"),
        Placement(application_id=data["A5"], offer_id=data["offers"]["DD"], round_id=simulation.id, choice_rank=1,
                  seat_kind="reserved", status="offered"),
    ])
    db.session.commit()


def expected(db, data):
    """The same numbers, counted in Python from the objects."""
    from quota_app.applications.models import Application

    apps = db.session.execute(db.select(Application).filter_by(campaign_id=data["campaign"])).scalars().all()
    exp = {"status": Counter(a.status for a in apps), "sex": Counter(), "region": Counter(), "series": Counter(),
           "sector": Counter(), "level": Counter(), "offer": Counter()}
    for a in apps:
        exp["sex"][(a.sex, a.status)] += 1
        exp["region"][(a.region.code, a.status)] += 1
        if a.series:
            exp["series"][(a.series.code, a.status)] += 1
        for kind, values in (("sector", {c.offer.programme.sector.code for c in a.choices}),
                             ("level", {c.offer.programme.level.code for c in a.choices}),
                             ("offer", {c.offer.code for c in a.choices})):
            for value in values:
                exp[kind][(value, a.status)] += 1
    return exp


def test_stats_match_independent_counts(db, data):
    from quota_app.campaigns.models import Campaign
    from quota_app.dashboard import stats

    add_placements(db, data)
    campaign = db.session.get(Campaign, data["campaign"])
    exp = expected(db, data)
    funnel = stats.funnel(campaign.id)
    assert {s: n for s, n in funnel.items() if n} == dict(exp["status"])
    assert funnel == {**{s: 0 for s in stats.FUNNEL}, "draft": 1, "submitted": 3, "eligible": 1}
    for kind, function in (("sex", stats.by_sex), ("region", stats.by_region), ("series", stats.by_series),
                           ("sector", stats.by_sector), ("level", stats.by_level), ("offer", stats.by_offer)):
        breakdown = function(campaign.id)
        assert breakdown.counts == dict(exp[kind]), kind
    # Known values, spelled out.
    assert stats.by_sector(campaign.id).total("DIG") == 3
    assert stats.by_region(campaign.id).rows[0] == ("00", "00 – District de Bamako")
    fills = {f.offer_code: f for f in stats.seat_fill(campaign)}
    assert (fills["DD-CASA"].seats, fills["DD-CASA"].reserved_seats, fills["DD-CASA"].filled,
            fills["DD-CASA"].filled_reserved_sex) == (10, 4, 1, 0)
    assert (fills["MI-RABAT"].filled, fills["MI-RABAT"].filled_reserved_sex) == (1, 1)
    assert fills["CONF-CASA"].filled == 0
    reserved = stats.reserved_progress(campaign)
    assert (reserved.target, reserved.seats, reserved.placed) == (9, 23, 1)
    assert reserved.eligible_pool == 0  # no woman declared eligible yet


def cells(page, table_id):
    block = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", block, re.S)]


def test_dashboard_page_tables_and_charts(client, db, data, make_user, login):
    add_placements(db, data)
    login(make_user("manager"))
    response = client.get(f"/gestion/tableau-de-bord/?campaign={data['campaign']}")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    funnel = {re.sub(r"\|+", "|", r).strip("|").split("|")[0]: re.sub(r"\|+", "|", r).strip("|").split("|")[-1]
              for r in cells(page, "funnel")[1:]}
    assert funnel["Brouillons"] == "1" and funnel["Soumis (à examiner)"] == "3" and funnel["Recevables"] == "1"
    assert funnel["Total"] == "5"
    assert re.search(r'data-offer="MI-RABAT">.*?<td>8</td><td>2</td>\s*<td>1</td><td>1</td><td>12 %</td>', page, re.S)
    status_part = before_journey(page)
    assert "<svg" in page and status_part.count("<svg") == 9  # funnel, reserved, fill, six breakdowns
    assert page.count("<svg") == 10  # and the year's journey (tests/dashboard/test_funnel.py)
    assert "<title>Dossiers par statut</title>" in page
    assert "<script" not in page and "style=" not in page
    assert 'data-key="F"><th scope="row">Femmes</th>' in page
    assert "1 / 9" in page  # women placed / reserved seats


def before_journey(page: str) -> str:
    """The figures by status, before the « Parcours de l'année » section."""
    return page.split('<section class="card" aria-labelledby="h-journey"', 1)[0]


def test_dashboard_isolated_per_campaign(client, db, data, make_user, login):
    login(make_user("manager"))
    page = html.unescape(client.get(f"/gestion/tableau-de-bord/?campaign={data['other']}").get_data(as_text=True))
    funnel = cells(page, "funnel")
    assert any("Soumis (à examiner)||1" in re.sub(r"\|+", "||", r) for r in funnel)
    assert "Total" in page and ">1</td></tr></tfoot>" in page.replace("\n", "")


def test_chart_escapes_labels():
    from quota_app.dashboard.charts import bar_chart, progress_bar

    svg = str(bar_chart("<b>", [("<script>alert(1)</script>", 3), ("B", 0)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and 'width="0.0"' in svg
    assert "style" not in svg
    assert "0 / 0" in str(progress_bar("x", 0, 0))


def test_dashboard_is_compact_tables_on_demand(client, db, data, make_user, login):
    """First view: key numbers and charts, two by two; no chart repeated as an open table."""
    login(make_user("manager"))
    page = html.unescape(client.get(f"/gestion/tableau-de-bord/?campaign={data['campaign']}").get_data(as_text=True))
    figures = page.split('id="key-figures"', 1)[1].split("</dl>", 1)[0]
    assert re.search(r"<dt>Dossiers</dt><dd>5</dd>", figures)
    assert re.search(r"<dt>Soumis \(à examiner\)</dt><dd>3</dd>", figures)
    assert '<div class="grid grid-2">' in page
    # Every table is folded in a closed <details>, one per chart (the year's journey, after
    # them, shows its funnel beside its year-on-year table: tests/dashboard/test_funnel.py).
    page = before_journey(page)
    tables = page.count("<table")
    assert tables == 9 == page.count("<svg")
    assert page.count("<details>") == tables and "<details open" not in page
    for block in re.split(r"<details>", page)[1:]:
        assert "<table" in block.split("</details>", 1)[0]
    outside = re.sub(r"<details>.*?</details>", "", page, flags=re.S)
    assert "<table" not in outside
    assert page.count("Voir le tableau") == tables
