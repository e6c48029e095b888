"""The text search's rules (help text of the list page), on a campaign with known answers:
names by prefix without accents, case or punctuation, in either order; identifiers exactly, in
the shapes people type them; always combined with the other filters."""
import html

import pytest

from test_search import ref_id

# key: (last, first, sex, region, status)
MORE = {
    "B1": ("TRAORE", "Aminata Fatoumata", "F", "00", "eligible"),   # typed without accents
    "B2": ("Traoré-Diallo", "Sékou", "M", "03", "submitted"),
    "B3": ("N'Diaye", "Aïssata", "F", "01", "eligible"),
    "B4": ("Traorella", "Moussa", "M", "00", "eligible"),            # a longer name, same start
    "B5": ("Keïta", "Awa", "F", "00", "submitted"),
}


def keys(db, data, filters):
    """The listed files as their keys (A1..A5 from screening_data, B1..B5 below), in list order."""
    from quota_app.campaigns.models import Campaign
    from quota_app.screening.search import build_search

    campaign = db.session.get(Campaign, data["campaign"])
    by_id = {v: k for k, v in data.items() if isinstance(v, int) and k[0] in "AB" and k[1:].isdigit()}
    return [by_id.get(a.id, a.id) for a in db.session.execute(build_search(campaign, filters)).unique().scalars()]


@pytest.fixture
def people(db, data):
    from quota_app.applications.models import Applicant, Application
    from quota_app.reference.models import Region

    for n, (key, (last, first, sex, region, status)) in enumerate(MORE.items(), start=1):
        region_id = db.session.execute(db.select(Region.id).filter_by(code=region)).scalar_one()
        application = Application(campaign_id=data["campaign"], applicant=Applicant(source="import"),
                                  status=status, last_name=last, first_names=first, sex=sex,
                                  region_id=region_id, reference=f"MLI-2026-{100 + n:06d}")
        db.session.add(application)
        db.session.flush()
        data[key] = application.id
    db.session.commit()
    return data


@pytest.mark.parametrize("raw, expected", [
    ("Traoré", "traore"), ("  TRAORÉ  ", "traore"), ("N'Diaye", "ndiaye"), ("N’DIAYE", "ndiaye"),
    ("Traoré-Diallo", "traore diallo"), ("Keïta", "keita"), ("Œuvre", "oeuvre"), ("=SOMME(A1)", "somme a1"),
    ("", ""), (None, ""),
])
def test_search_key(raw, expected):
    from quota_app.applications.models import search_key

    assert search_key(raw) == expected


def test_search_key_puts_the_last_name_first():
    from quota_app.applications.models import search_key

    assert search_key("Traoré", "Awa  Kadidia") == "traore awa kadidia"
    assert search_key(None, "Awa") == "awa"


def test_search_name_follows_every_orm_write(db, people):
    from quota_app.applications.models import Application

    application = db.session.get(Application, people["B5"])
    assert application.search_name == "keita awa"
    application.last_name = "Kéïta Sow"
    application.first_names = "Awa Mah"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Application, people["B5"]).search_name == "keita sow awa mah"


@pytest.mark.parametrize("q, expected", [
    # Accents and case do not count, on either side.
    ("traore", ["A1", "B1", "B2", "B4"]), ("TRAORÉ", ["A1", "B1", "B2", "B4"]),
    # A prefix of the last name; a longer word is a narrower prefix.
    ("tra", ["A1", "B1", "B2", "B4"]), ("traorel", ["B4"]),
    # Last name then the start of the first names, or the first names then the last name.
    ("traore am", ["B1"]), ("traore aminata f", ["B1"]), ("aminata fatoumata traore", ["B1"]),
    ("awa traore", ["A1"]), ("traore awa", ["A1"]), ("awa keita", ["B5"]),
    # Hyphens and apostrophes: "traore diallo", "traore-diallo", "ndiaye", "n'diaye".
    ("traore diallo", ["B2"]), ("Traoré-Diallo sékou", ["B2"]), ("ndiaye", ["B3"]), ("N'Diaye", ["B3"]),
    ("n diaye", []),  # the apostrophe joins, it does not separate
    # A word inside the name is not its start.
    ("diallo", []), ("fatoumata", []),  # A3 Diallo is a draft never submitted: not listed
])
def test_name_search(db, people, q, expected):
    assert sorted(keys(db, people, {"q": q})) == expected


def test_name_search_keeps_the_name_order(db, people):
    assert keys(db, people, {"q": "traore"}) == ["B1", "A1", "B2", "B4"]  # aminata, awa, diallo, lla
    assert keys(db, people, {"q": "traore", "sort": "reference"}) == ["A1", "B1", "B2", "B4"]


@pytest.mark.parametrize("q", [
    # NINA: as stored, lower case, with spaces, dashes, dots or slashes.
    "1M00ABCDEFG002K", "1m00abcdefg002k", "1 M00 ABCDEFG 002 K", "1-M00-ABCDEFG-002-K", "1.M00.ABCDEFG.002.K",
    # Passport: any case, with spaces.
    "AA1000002", "aa1000002", "AA 100 0002",
    # Phone: international or local, any separators.
    "+22376000002", "+223 76 00 00 02", "0022376000002", "00223 76.00.00.02", "223 76000002",
    "76000002", "76 00 00 02", "76-00-00-02",
    # Reference: whole, any case and separators, or its number alone.
    "MLI-2026-000002", "mli-2026-000002", "MLI 2026 000002", "MLI2026000002", "mli-2026-2",
    "2026-000002", "000002", "2",
])
def test_identifier_shapes(db, people, q):
    assert keys(db, people, {"q": q}) == ["A2"]


@pytest.mark.parametrize("q", ["1M00ABCDEFG00", "AA100000", "7600000", "MLI-2025-000001", "9999"])
def test_identifiers_match_exactly(db, people, q):
    assert keys(db, people, {"q": q}) == []


def test_search_combined_with_filters(db, people):
    from quota_app.reference.models import Region

    bamako = ref_id(db, Region, "00")
    assert sorted(keys(db, people, {"q": "traore", "sex": "F"})) == ["A1", "B1"]
    assert sorted(keys(db, people, {"q": "traore", "status": "eligible"})) == ["B1", "B4"]
    assert sorted(keys(db, people, {"q": "traore", "status": "eligible", "sex": "M", "region": bamako})) == ["B4"]
    # Several branches (both orders, identifiers) meet the filters in the same way.
    assert keys(db, people, {"q": "awa traore", "status": "eligible"}) == []
    assert keys(db, people, {"q": "awa traore", "status": "submitted", "sex": "F"}) == ["A1"]
    assert keys(db, people, {"q": "+223 76 00 00 02", "sex": "F"}) == []
    assert keys(db, people, {"q": "+223 76 00 00 02", "sex": "M"}) == ["A2"]
    assert keys(db, people, {"q": "MLI-2026-000101", "region": bamako}) == ["B1"]


def test_search_stays_in_the_campaign(db, people):
    # The 2025 campaign holds another Traoré Awa (MLI-2025-000001): never listed here.
    assert people["other_app"] not in keys(db, people, {"q": "traore awa"})
    assert keys(db, people, {"q": "MLI-2025-000001"}) == []


def test_search_pages_and_counts(app, client, db, people, make_user, login):
    """60 Traoré Zz..: the page, the count and the pager follow the search, both ways round."""
    from quota_app.applications.models import Applicant, Application

    for i in range(60):
        db.session.add(Application(campaign_id=people["campaign"], applicant=Applicant(source="import"),
                                   status="submitted", last_name="Traoré", first_names=f"Zz{i:02d}"))
    db.session.commit()
    login(make_user("manager"))
    base = f"/gestion/dossiers/?campaign={people['campaign']}"
    for q in ("traore+zz", "zz+traore"):
        first = html.unescape(client.get(f"{base}&q={q}").get_data(as_text=True))
        assert "60 dossiers" in first and "Page 1 sur 2" in first and "Zz00" in first and "Zz50" not in first
        second = html.unescape(client.get(f"{base}&q={q}&page=2").get_data(as_text=True))
        assert "60 dossiers" in second and "Zz50" in second and "Zz59" in second and "Zz49" not in second
    page = html.unescape(client.get(f"{base}&q=traore&sex=F").get_data(as_text=True))
    assert "2 dossiers" in page and "Aminata Fatoumata" in page
    page = html.unescape(client.get(f"{base}&q=%25%25").get_data(as_text=True))
    assert "0 dossier" in page and "Aucun dossier ne correspond" in page


def test_help_text_states_the_rules(client, data, make_user, login):
    login(make_user("manager"))
    page = html.unescape(client.get(f"/gestion/dossiers/?campaign={data['campaign']}").get_data(as_text=True))
    assert 'aria-describedby="f-q-help"' in page
    assert "le début du nom de famille" in page and "avec ou sans espaces ni tirets" in page


def test_bulk_writers_fill_search_name(db, data):
    """The Core inserts (demo seed, Excel import) fill search_name as the ORM does."""
    import io
    from datetime import date

    from openpyxl import Workbook
    from sqlalchemy import select

    from quota_app.applications.models import Application, search_key
    from quota_app.campaigns.models import Campaign
    from quota_app.applications.io import import_applicants
    from quota_app.seed.applicants import seed_applicants

    campaign = db.session.get(Campaign, data["campaign"])
    seed_applicants(campaign, 30, seed=3, today=date(2026, 6, 1))
    headers = ["Nom", "Prénom(s)", "Sexe", "Né(e) le", "Lieu de naissance", "NINA", "Téléphone", "Région",
               "Diplôme", "Série", "Année du diplôme", "Moyenne", "Choix 1"]
    book = Workbook()
    book.active.append(headers)
    book.active.append(["N'DIAYE", "Aïssata Kadi", "F", date(2005, 1, 2), "Kayes", "11050000001001A",
                        "76 55 44 33", "Kayes", "BAC", "TSE", 2024, "12,5", "DD-CASA"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_applicants(campaign, buffer.getvalue(), "papier.xlsx", None, commit=True)
    assert result.committed, result.errors if hasattr(result, "errors") else result
    db.session.commit()
    rows = db.session.execute(select(Application.last_name, Application.first_names, Application.search_name)
                              .where(Application.campaign_id == campaign.id)).all()
    assert len(rows) == 5 + 30 + 1
    assert all(row.search_name == search_key(row.last_name, row.first_names) for row in rows)
    assert keys(db, data, {"q": "ndiaye aissata"}) != []
