from datetime import date
from decimal import Decimal

from quota_app.audit.models import AuditEvent
from quota_app.audit.services import changes, record, snapshot


def test_record_stores_who_what_before_after_and_why(db, make_user, reference):
    from quota_app.reference.models import Region

    actor = make_user("manager")
    region = db.session.execute(db.select(Region).filter_by(code="01")).scalar_one()
    before = snapshot(region, ["name"])
    region.name = "Kayes (région)"
    after = snapshot(region, ["name"])
    record(actor, "region.update", region, before=before, after=after, reason="Correction du nom")
    db.session.commit()

    event = db.session.execute(db.select(AuditEvent)).scalar_one()
    assert event.actor_id == actor.id
    assert (event.object_type, event.object_id) == ("regions", str(region.id))
    assert event.before == {"name": "Kayes"} and event.after == {"name": "Kayes (région)"}
    assert event.reason == "Correction du nom"
    assert event.at is not None


def test_values_are_stored_as_json(db):
    record(None, "system.test", object_type="test", object_id=1,
           after={"day": date(2026, 9, 1), "score": Decimal("14.50"), "list": [Decimal("1")]})
    db.session.commit()
    event = db.session.execute(db.select(AuditEvent)).scalar_one()
    assert event.after == {"day": "2026-09-01", "score": "14.50", "list": ["1"]}
    assert event.actor_id is None


def test_changes_keeps_only_what_changed():
    assert changes({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ({"b": 2}, {"b": 3})


def test_language_choice_is_audited(client, make_user, login, db):
    user = make_user("manager")
    login(user)
    client.post("/langue", data={"lang": "en", "next": "/gestion/"})
    event = db.session.execute(db.select(AuditEvent).filter_by(action="user.locale")).scalar_one()
    assert event.after == {"locale": "en"}
