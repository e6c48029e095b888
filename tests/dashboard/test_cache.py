"""The dashboard's cache never serves a number older than the database; choices count per value."""
import html
import re

import pytest
from sqlalchemy import create_engine

from tests.dashboard.test_dashboard import expected


def funnel_cell(page: str, label: str) -> str:
    block = re.search(r'<table id="funnel">(.*?)</table>', html.unescape(page), re.S).group(1)
    return re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td>(\d+)</td>", block).group(1)


def dashboard(client, data) -> str:
    response = client.get(f"/gestion/tableau-de-bord/?campaign={data['campaign']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def manager(client, make_user, login):
    login(make_user("manager"))
    return client


def test_change_committed_by_the_app_shows_on_next_request(manager, db, data):
    from quota_app.applications.models import Application

    assert funnel_cell(dashboard(manager, data), "Brouillons") == "1"
    db.session.get(Application, data["A3"]).status = "submitted"
    db.session.commit()
    page = dashboard(manager, data)
    assert funnel_cell(page, "Brouillons") == "0" and funnel_cell(page, "Soumis (à examiner)") == "4"


def other_process_connection(app):
    """A DBAPI connection of its own engine, written through without SQLAlchemy's Connection:
    no commit event reaches the cache, as with another worker or a `flask` command."""
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"],
                           connect_args=options.get("connect_args", {}))
    return engine, engine.raw_connection()


def test_change_committed_elsewhere_shows_on_next_request(app, manager, db, data):
    from quota_app.dashboard import cache

    assert funnel_cell(dashboard(manager, data), "Recevables") == "1"
    generation = cache._generation
    engine, raw = other_process_connection(app)
    try:
        cursor = raw.cursor()
        cursor.execute(f"UPDATE applications SET status = 'eligible' WHERE id = {int(data['A1'])}")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    assert cache._generation == generation  # nothing told this process: the marker must see it
    page = dashboard(manager, data)
    assert funnel_cell(page, "Recevables") == "2" and funnel_cell(page, "Soumis (à examiner)") == "2"
    # The women's pool behind the reserved seats moved with it.
    assert re.search(r"Candidates recevables ou au-delà</th><td>1</td>", html.unescape(page))


@pytest.mark.sqlite_only  # PostgreSQL runs share a cluster: their commits change the snapshot
def test_unchanged_figures_are_computed_once(manager, db, data, monkeypatch):
    from quota_app.dashboard import figures

    # One pooled connection: each SQLite connection's first read bumps the marker, and a pool
    # left with several idle connections by earlier tests would hand out a new one per request.
    db.session.close()
    db.engine.dispose()

    calls = []
    compute = figures.dashboard_figures
    monkeypatch.setattr(figures, "dashboard_figures", lambda campaign: calls.append(campaign.id) or compute(campaign))
    first, second = dashboard(manager, data), dashboard(manager, data)
    assert calls == [data["campaign"]]
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert strip.sub("", first) == strip.sub("", second)
    dashboard(manager, {**data, "campaign": data["other"]})
    assert calls == [data["campaign"], data["other"]]  # one entry per campaign


def test_uncommitted_writes_are_neither_cached_nor_served(db, data):
    from quota_app.applications.models import Application
    from quota_app.dashboard import cache, stats

    campaign = data["campaign"]
    assert cache.cached(db.session, campaign, lambda: stats.funnel(campaign))["submitted"] == 3
    db.session.get(Application, data["A3"]).status = "submitted"
    db.session.flush()
    assert cache.cached(db.session, campaign, lambda: stats.funnel(campaign))["submitted"] == 4
    db.session.rollback()
    assert cache.cached(db.session, campaign, lambda: stats.funnel(campaign))["submitted"] == 3


def add_choice(db, application_id, offer_id, rank):
    from quota_app.applications.models import ApplicationChoice

    db.session.add(ApplicationChoice(application_id=application_id, offer_id=offer_id, rank=rank))
    db.session.commit()


def test_three_choices_count_once_per_value_as_the_list_filters_do(db, data):
    from quota_app.campaigns.models import Campaign, Offer
    from quota_app.dashboard import stats
    from quota_app.reference.models import Level, Sector
    from quota_app.screening import search

    offers = data["offers"]
    add_choice(db, data["A1"], offers["CONF"], 3)   # DD, MI, CONF: the middle one is decoded
    add_choice(db, data["A2"], offers["DD"], 2)     # MI, DD
    campaign = db.session.get(Campaign, data["campaign"])
    assert sorted(len(s) for _status, s, n in stats.choice_sets(campaign.id) for _ in range(n)) == [1, 1, 1, 2, 3]
    exp = expected(db, data)
    figures = stats.campaign_stats(campaign)
    by_title = {b.title: b for b in figures["breakdowns"]}
    for kind, title in stats.CHOICE_TITLES.items():
        assert by_title[title].counts == dict(exp[kind]), kind
    # Every row of a choice breakdown is what the list finds with the matching filter, drafts
    # aside: the dashboard counts them (« Brouillons »), the list never shows one (need to know).
    def submitted(breakdown, key):
        return breakdown.total(key) - breakdown.count(key, "draft")

    for kind, model, code_of in (("sector", Sector, lambda o: o.programme.sector.code),
                                 ("level", Level, lambda o: o.programme.level.code)):
        for row in db.session.execute(db.select(model)).scalars():
            found = db.session.execute(search.count_search(campaign, {kind: str(row.id)})).scalar_one()
            assert submitted(by_title[stats.CHOICE_TITLES[kind]], row.code) == found, (kind, row.code)
    for code, offer_id in offers.items():
        offer = db.session.get(Offer, offer_id)
        found = db.session.execute(search.count_search(campaign, {"offer": str(offer_id)})).scalar_one()
        assert submitted(by_title[stats.CHOICE_TITLES["offer"]], offer.code) == found, code
    by_offer = by_title[stats.CHOICE_TITLES["offer"]]
    assert sum(by_offer.total(key) for key, _label in by_offer.rows) == 8  # one per choice


def test_page_says_how_choices_are_counted(manager, data):
    page = html.unescape(dashboard(manager, data))
    assert page.count("Un dossier compte une fois pour chaque valeur présente parmi ses choix classés") == 3
    for title in ("Par secteur (tous choix confondus)", "Par niveau (tous choix confondus)",
                  "Par offre (tous choix confondus)"):
        assert re.search(rf'<h2 id="h-b\d">{re.escape(title)}</h2>\s*<p class="muted">Un dossier compte', page)


def test_reserved_pool_from_counts_equals_its_own_query(db, data):
    from quota_app.applications.models import Application
    from quota_app.campaigns.models import Campaign
    from quota_app.dashboard import stats

    for key in ("A1", "A5"):
        db.session.get(Application, data[key]).status = "eligible"
    db.session.commit()
    campaign = db.session.get(Campaign, data["campaign"])
    counts = stats.application_counts(campaign.id)
    assert stats.reserved_progress(campaign, counts=counts).eligible_pool == \
        stats.reserved_progress(campaign).eligible_pool == 2


def test_commit_on_the_connection_that_reads_the_marker_changes_it(db, data):
    """SQLite's data_version ignores a connection's own commits: the commit event must count."""
    from sqlalchemy import text

    from quota_app.dashboard import cache

    with db.engine.connect() as connection:
        before = cache.change_marker(connection)
        connection.execute(text("UPDATE applications SET status = 'eligible' WHERE id = :id"), {"id": data["A2"]})
        assert cache.change_marker(connection) is None  # uncommitted write: no caching
        connection.commit()
        after_commit = cache._generation
        assert cache.change_marker(connection) != before
    # Given back to the pool once the commit is done: counted again, for a figure computed
    # by another thread while the commit was under way.
    assert cache._generation == after_commit + 1


def test_cached_figures_follow_the_reader_language(manager, data):
    french = dashboard(manager, data)
    with manager.session_transaction() as session:
        session["lang"] = "en"
    english = dashboard(manager, data)
    assert '<h2 id="h-funnel">Dossiers par statut</h2>' in french
    assert '<h2 id="h-funnel">Applications by status</h2>' in english and "Dossiers par statut</h2>" not in english
