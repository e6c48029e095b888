"""The audit trail viewer: filters, order, pagination and the before/after table."""
import html
from datetime import datetime

import pytest

from quota_app.audit.models import AuditEvent
from quota_app.audit.queries import AuditFilters, changed_rows, events_statement
from quota_app.audit.services import record

URL = "/gestion/journal/"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def event(db, actor, action, *, at, object_type="programmes", object_id=1, campaign_id=None,
          before=None, after=None):
    e = record(actor, action, object_type=object_type, object_id=object_id, campaign_id=campaign_id,
               before=before, after=after)
    e.at = at
    return e


@pytest.fixture
def events(db, make_user):
    alice = make_user("manager", email="alice@dnfp.ml")
    bob = make_user("manager", email="bob@dnfp.ml")
    event(db, alice, "reference.create", at=datetime(2026, 3, 1, 9, 0), object_id=7, after={"code": "TS-DD"})
    event(db, alice, "reference.update", at=datetime(2026, 3, 2, 10, 0), object_id=7,
          before={"title": "Ancien", "duration_months": 24}, after={"title": "Nouveau", "duration_months": 24})
    event(db, bob, "campaign.update", at=datetime(2026, 3, 3, 23, 59), object_type="campaigns", object_id=3,
          campaign_id=3, before={"title": "A"}, after={"title": "B"})
    event(db, None, "auth.login_failed", at=datetime(2026, 3, 4, 0, 0), object_type="users", object_id=None)
    event(db, bob, "reference.deactivate", at=datetime(2026, 3, 5, 8, 0), object_type="regions", object_id=12,
          before={"active": True}, after={"active": False})
    db.session.commit()
    return {"alice": alice, "bob": bob}


def actions(db, **filters):
    return [e.action for e in db.session.execute(events_statement(AuditFilters(**filters))).scalars()]


def test_statement_filters(db, events):
    assert actions(db) == ["reference.deactivate", "auth.login_failed", "campaign.update", "reference.update",
                           "reference.create"]  # newest first
    assert actions(db, email="ALICE@") == ["reference.update", "reference.create"]
    assert actions(db, action="reference") == ["reference.deactivate", "reference.update", "reference.create"]
    assert actions(db, action="reference.update") == ["reference.update"]
    assert actions(db, object_type="regions") == ["reference.deactivate"]
    assert actions(db, object_type="programmes", object_id="7") == ["reference.update", "reference.create"]
    assert actions(db, campaign_id=3) == ["campaign.update"]
    from datetime import date
    assert actions(db, date_from=date(2026, 3, 2), date_to=date(2026, 3, 3)) == ["campaign.update",
                                                                                "reference.update"]
    assert actions(db, email="personne@") == []


def test_changed_rows_keep_only_changed_keys(db, events):
    update = db.session.execute(db.select(AuditEvent).filter_by(action="reference.update")).scalar_one()
    assert changed_rows(update) == [("title", "Ancien", "Nouveau")]
    create = db.session.execute(db.select(AuditEvent).filter_by(action="reference.create")).scalar_one()
    assert changed_rows(create) == [("code", None, "TS-DD")]


def test_page_filters_by_person_and_dates(client, db, login, events):
    login(events["alice"])
    page = text(client.get(URL))
    assert "5 événements" in page and "Système" in page
    page = text(client.get(URL, query_string={"email": "bob@dnfp.ml"}))
    assert "2 événements" in page and 'data-action="campaign.update"' in page
    assert "Modification de la campagne" in page and 'data-action="reference.create"' not in page
    page = text(client.get(URL, query_string={"date_from": "03/03/2026", "date_to": "04/03/2026"}))
    assert "2 événements" in page and "Modification de la campagne" in page and "Échec de connexion" in page
    assert "03/03/2026 23:59" in page


def test_page_filters_by_action_object_and_campaign(client, db, login, events):
    login(events["bob"])
    page = text(client.get(URL, query_string={"action": "reference.deactivate"}))
    assert "1 événement" in page and "Région n° 12" in page  # no region 12 in the reference data
    assert "Données de référence : désactivation" in page and "<code>" not in page
    page = text(client.get(URL, query_string={"object_type": "programmes", "object_id": "7"}))
    assert "2 événements" in page
    page = text(client.get(URL, query_string={"campaign": "3"}))
    assert "1 événement" in page and 'data-action="campaign.update"' in page


def test_page_shows_changed_keys_only(client, db, login, events):
    login(events["alice"])
    page = text(client.get(URL, query_string={"action": "reference.update"}))
    assert "<td>Intitulé</td><td>Ancien</td><td>Nouveau</td>" in page
    assert "Durée" not in page


@pytest.mark.parametrize("query, message", [
    ({"date_from": "2026-03-01"}, "Date invalide : utilisez le format jj/mm/aaaa."),
    ({"date_to": "31/02/2026"}, "Date invalide : utilisez le format jj/mm/aaaa."),
    ({"date_from": "05/03/2026", "date_to": "01/03/2026"}, "La date de fin doit suivre la date de début."),
    ({"campaign": "abc"}, "Campagne inconnue."),
])
def test_bad_filters_show_french_errors(client, db, login, events, query, message):
    login(events["alice"])
    page = text(client.get(URL, query_string=query))
    assert message in page and "événements" not in page and "<details class=\"card filters\" open>" in page


def test_pagination_by_fifty(client, db, make_user, login):
    user = make_user("admin")
    for n in range(55):
        event(db, user, "test.event", at=datetime(2026, 1, 1, 0, n), object_id=n)
    db.session.commit()
    login(user)
    page = text(client.get(URL, query_string={"action": "test"}))
    assert "55 événements" in page and "Page 1 sur 2" in page
    assert "test_events" not in page and page.count("<code>test.event</code>") == 50  # an unknown code shown as is
    second = text(client.get(URL, query_string={"action": "test", "page": 2}))
    assert second.count("<code>test.event</code>") == 5 and "action=test" in page


def test_reference_edits_appear_in_the_journal(client, db, reference, make_user, login):
    manager = make_user("manager", email="gestion@dnfp.ml")
    login(manager)
    response = client.post("/gestion/referentiel/regions/nouveau", data={"code": "20", "name": "Nouvelle"})
    assert response.status_code == 302
    page = text(client.get(URL, query_string={"email": "gestion@", "object_type": "regions"}))
    assert "1 événement" in page and "Données de référence : ajout" in page and "Région 20 – Nouvelle" in page
