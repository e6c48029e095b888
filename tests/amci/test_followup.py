"""The follow-up operations (amci/followup.py): created on the first write, audited, guarded by
its version; a visa refused or a departure cancelled before the training frees the seat for the
next on the waiting list; an enrolment and an abandonment move the file; need to know."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from followup_helpers import JULY, confirmed_year


def _status(db, application_id):
    from quota_app.applications.models import Application
    db.session.expire_all()
    return db.session.get(Application, application_id).status


def _seat_of(db, application_id):
    from quota_app.placement.models import Placement
    held = db.session.scalars(db.select(Placement).where(
        Placement.application_id == application_id, Placement.status == "accepted")).one()
    return held.offer_id, held.seat_kind, held.seat_number


def _offered_on(db, seat):
    from quota_app.placement.models import Placement
    return db.session.scalars(db.select(Placement).where(
        Placement.offer_id == seat[0], Placement.seat_kind == seat[1], Placement.seat_number == seat[2],
        Placement.status == "offered")).one_or_none()


def test_first_write_creates_the_follow_up_and_audits_before_and_after(db, amci_world):
    from quota_app.amci.followup import update_follow_up
    from quota_app.amci.models import FollowUp
    from quota_app.audit.models import AuditEvent

    y = confirmed_year(db, amci_world)
    trainee = y.trainees[0]
    row = update_follow_up(y.amci, trainee, {"scholarship_granted": True, "stipend_minor": 75_000,
                                             "visa_status": "requested"}, JULY, version=0, reason="Dossier reçu")
    db.session.commit()
    assert (row.stipend_minor, row.stipend_currency, row.visa_status, row.version) == (75_000, "MAD", "requested", 1)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "amci.followup")).one()
    assert event.before == {"scholarship_granted": None, "stipend_minor": None, "visa_status": "not_started"}
    assert event.after == {"scholarship_granted": True, "stipend_minor": 75_000, "visa_status": "requested"}
    assert event.reason == "Dossier reçu" and event.actor_id == y.amci.id and event.campaign_id == y.campaign_id
    # The same values again: nothing written, no event.
    update_follow_up(y.amci, trainee, {"stipend_minor": 75_000}, JULY, version=1)
    db.session.commit()
    assert db.session.get(FollowUp, row.id).version == 1
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "amci.followup")) == 1


def test_a_stale_version_is_a_conflict_in_french_and_changes_nothing(db, amci_world):
    from quota_app.amci.followup import update_follow_up
    from quota_app.amci.models import FollowUp
    from quota_app.errors import Conflict

    y = confirmed_year(db, amci_world)
    trainee = y.trainees[0]
    update_follow_up(y.amci, trainee, {"visa_status": "requested"}, JULY, version=0)
    db.session.commit()
    update_follow_up(y.manager, trainee, {"amci_file_number": "AMCI-1"}, JULY, version=1)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        update_follow_up(y.amci, trainee, {"visa_status": "granted", "visa_date": date(2026, 7, 9)}, JULY, version=1)
    assert "modifié entre-temps" in refused.value.message
    db.session.rollback()
    row = db.session.scalars(db.select(FollowUp)).one()
    assert (row.visa_status, row.amci_file_number, row.version) == ("requested", "AMCI-1", 2)
    with pytest.raises(Conflict):   # a new row read as "none yet" while someone created it
        update_follow_up(y.amci, trainee, {"visa_status": "granted"}, JULY, version=0)


def test_invalid_values_are_refused_field_by_field(db, amci_world):
    from quota_app.amci.followup import update_follow_up
    from quota_app.amci.models import FollowUp
    from quota_app.errors import ValidationFailed

    y = confirmed_year(db, amci_world)
    with pytest.raises(ValidationFailed) as refused:
        update_follow_up(y.amci, y.trainees[0], {"travel_date": date(2026, 9, 20), "arrival_date": date(2026, 9, 19),
                                                 "abandonment_reason": "x", "bogus": 1}, JULY)
    assert "inconnu" in refused.value.message
    with pytest.raises(ValidationFailed) as refused:
        update_follow_up(y.amci, y.trainees[0], {"travel_date": date(2026, 9, 20), "arrival_date": date(2026, 9, 19),
                                                 "abandonment_reason": "x"}, JULY)
    assert set(refused.value.errors) == {"arrival_date", "abandoned_on"}
    update_follow_up(y.amci, y.trainees[1], {"amci_file_number": "AMCI-7"}, JULY)
    with pytest.raises(ValidationFailed) as refused:
        update_follow_up(y.amci, y.trainees[0], {"amci_file_number": "AMCI-7"}, JULY)
    assert "déjà celui d'un autre stagiaire" in refused.value.errors["amci_file_number"]
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 0


@pytest.mark.parametrize("values, kind, action", [
    ({"visa_status": "refused", "visa_date": date(2026, 7, 8)}, "visa_refused", "amci.visa_refused"),
    ({"departure_cancelled_on": date(2026, 7, 9), "departure_cancelled_reason": "Raisons familiales"},
     "departure_cancelled", "amci.departure_cancelled"),
])
def test_a_visa_refused_or_a_departure_cancelled_frees_the_seat_for_the_next_waiting(db, amci_world, values, kind,
                                                                                      action):
    from quota_app.amci.followup import update_follow_up
    from quota_app.amci.models import Nomination
    from quota_app.audit.models import AuditEvent

    y = confirmed_year(db, amci_world)
    assert y.w.waiting, "someone waits for a seat"
    trainee = y.trainees[0]
    seat = _seat_of(db, trainee)
    assert _offered_on(db, seat) is None
    update_follow_up(y.amci, trainee, values, JULY, reason="Consulat : refus notifié")
    db.session.commit()
    assert _status(db, trainee) == "not_departed"
    nomination = db.session.scalars(db.select(Nomination).where(Nomination.application_id == trainee)).one()
    assert nomination.status == "refused"
    taker = _offered_on(db, seat)
    assert taker is not None and _status(db, taker.application_id) == "placed"
    assert taker.application_id in y.w.waiting
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).one()
    assert event.after["status"] == "not_departed"
    expected = values.get("departure_cancelled_reason") or "Consulat : refus notifié"
    assert event.reason == expected
    # The file left the list: its follow-up no longer changes.
    from quota_app.errors import InvalidTransition
    with pytest.raises(InvalidTransition):
        update_follow_up(y.amci, trainee, {"amci_file_number": "X-1"}, JULY)


def test_after_the_training_started_a_visa_refused_calls_no_one(db, amci_world):
    from quota_app.amci.followup import update_follow_up

    y = confirmed_year(db, amci_world, start=date(2026, 7, 1))
    trainee = y.trainees[0]
    seat = _seat_of(db, trainee)
    update_follow_up(y.amci, trainee, {"visa_status": "refused", "visa_date": date(2026, 7, 8)}, JULY)
    db.session.commit()
    assert _status(db, trainee) == "not_departed"
    assert _offered_on(db, seat) is None


def test_enrolment_then_abandonment_move_the_file(db, amci_world):
    from quota_app.amci.followup import update_follow_up
    from quota_app.errors import ValidationFailed

    y = confirmed_year(db, amci_world)
    trainee = y.trainees[0]
    road = {"visa_status": "granted", "visa_date": date(2026, 7, 1), "travel_date": date(2026, 7, 5),
            "arrival_date": date(2026, 7, 6), "enrolled_on": date(2026, 7, 8)}
    update_follow_up(y.manager, trainee, road, JULY)
    db.session.commit()
    assert _status(db, trainee) == "enrolled"
    with pytest.raises(ValidationFailed) as refused:
        update_follow_up(y.manager, trainee, {"enrolled_on": None}, JULY)
    assert "ne peut pas être effacée" in refused.value.message
    db.session.rollback()
    update_follow_up(y.amci, trainee, {"abandoned_on": date(2026, 7, 9), "abandonment_reason": "Santé"}, JULY)
    db.session.commit()
    assert _status(db, trainee) == "abandoned"


def test_reenrolment_records(db, amci_world):
    from quota_app.amci.followup import record_reenrolment, update_follow_up
    from quota_app.amci.models import ReenrolmentRecord
    from quota_app.errors import ValidationFailed

    y = confirmed_year(db, amci_world)
    trainee = y.trainees[0]
    with pytest.raises(ValidationFailed):
        record_reenrolment(y.amci, trainee, "2027-2028", date(2027, 9, 1))
    update_follow_up(y.amci, trainee, {"arrival_date": date(2026, 7, 6), "enrolled_on": date(2026, 7, 8)}, JULY)
    with pytest.raises(ValidationFailed) as refused:
        record_reenrolment(y.amci, trainee, "2027", None)
    assert refused.value.errors["academic_year"] == "Année de formation attendue au format 2026-2027."
    record_reenrolment(y.amci, trainee, "2027-2028", date(2027, 9, 1), result="Admis en 2e année")
    record_reenrolment(y.amci, trainee, "2027-2028", date(2027, 9, 2), result="Admis en 2e année")
    db.session.commit()
    rows = db.session.scalars(db.select(ReenrolmentRecord)).all()
    assert [(r.academic_year, r.documents_received_on) for r in rows] == [("2027-2028", date(2027, 9, 2))]


def test_need_to_know_and_who_may_write(db, amci_world):
    from quota_app.amci.followup import update_follow_up, visible
    from quota_app.errors import NotAllowed, NotFound
    import factories

    y = confirmed_year(db, amci_world)
    outsider = y.w.waiting[0]      # on a waiting list, never nominated
    with pytest.raises(NotFound):
        visible(y.amci, outsider)
    with pytest.raises(NotFound):
        update_follow_up(y.amci, outsider, {"visa_status": "requested"}, JULY)
    with pytest.raises(NotFound):
        visible(y.manager, outsider)
    with pytest.raises(NotFound):
        visible(y.amci, 10**8)
    member = factories.make_user("committee", email="membre@dnfp.ml")
    with pytest.raises(NotAllowed):
        update_follow_up(member, y.trainees[0], {"visa_status": "requested"}, JULY)
    assert visible(y.amci, y.trainees[0])[0].id == y.trainees[0]


def test_a_visa_refused_by_import_frees_the_seat_the_same_way(db, amci_world):
    import io as _io

    from openpyxl import Workbook

    from quota_app.amci.io import import_followup
    from quota_app.applications.models import Application

    from datetime import timedelta
    from quota_app.timeutil import utcnow

    y = confirmed_year(db, amci_world, start=utcnow().date() + timedelta(days=60))   # the import acts now
    trainee = y.trainees[0]
    seat = _seat_of(db, trainee)
    reference = db.session.get(Application, trainee).reference
    wb = Workbook()
    ws = wb.active
    ws.append(["Référence", "Statut visa", "Date du visa"])
    ws.append([reference, "Refusé", "08/07/2026"])
    buf = _io.BytesIO()
    wb.save(buf)
    result = import_followup(y.w.world.campaign(db), buf.getvalue(), "retour-visas.xlsx", y.amci, commit=True)
    db.session.commit()
    assert result.committed, result.errors
    assert _status(db, trainee) == "not_departed"
    taker = _offered_on(db, seat)
    assert taker is not None and taker.application_id in y.w.waiting
