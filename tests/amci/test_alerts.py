"""The follow-up's alerts read from the database (amci/alerts.py), at their dates: the day
before nothing, the day of (or, for the re-enrolment, the day after the deadline) and after,
the alert; a trainee who left the list raises none."""
from __future__ import annotations

from datetime import date, timedelta

from followup_helpers import JULY, START, confirmed_year


def _kinds(campaign_id, today, application_id=None):
    from quota_app.amci.alerts import alerts_for
    found = alerts_for([campaign_id], today)
    return sorted(a.kind for a in found if application_id is None or a.application_id == application_id)


def test_visa_alert_a_month_before_the_training(db, amci_world):
    from quota_app.amci.followup import update_follow_up

    y = confirmed_year(db, amci_world)
    due = START - timedelta(days=30)
    first, second = y.trainees[:2]
    update_follow_up(y.amci, first, {"visa_status": "requested"}, JULY)
    update_follow_up(y.amci, second, {"visa_status": "granted", "visa_date": date(2026, 7, 9)}, JULY)
    db.session.commit()
    assert _kinds(y.campaign_id, due - timedelta(days=1), first) == []
    assert _kinds(y.campaign_id, due, first) == ["visa"]
    assert _kinds(y.campaign_id, due + timedelta(days=3), first) == ["visa"]
    assert _kinds(y.campaign_id, due, second) == []
    # No follow-up written yet counts as a visa not started.
    third = y.trainees[2]
    assert _kinds(y.campaign_id, due, third) == ["visa"]
    alert = next(a for a in __import__("quota_app.amci.alerts", fromlist=["x"]).alerts_for([y.campaign_id], due)
                 if a.application_id == first)
    assert alert.due == due and alert.campaign and alert.reference and alert.name
    assert alert.message == "Visa non accordé à un mois de la formation (début le 01/10/2026)."


def test_arrival_alert_a_week_after_the_travel_date(db, amci_world):
    from quota_app.amci.followup import update_follow_up

    y = confirmed_year(db, amci_world)
    trainee = y.trainees[0]
    travel = date(2026, 7, 20)
    update_follow_up(y.amci, trainee, {"visa_status": "granted", "visa_date": date(2026, 7, 9),
                                       "travel_date": travel}, JULY)
    db.session.commit()
    assert _kinds(y.campaign_id, travel + timedelta(days=6), trainee) == []
    assert _kinds(y.campaign_id, travel + timedelta(days=7), trainee) == ["arrival"]
    assert _kinds(y.campaign_id, travel + timedelta(days=8), trainee) == ["arrival"]
    update_follow_up(y.amci, trainee, {"arrival_date": travel + timedelta(days=1)}, JULY)
    db.session.commit()
    assert _kinds(y.campaign_id, travel + timedelta(days=8), trainee) == []


def test_reenrolment_alert_after_the_campaigns_deadline(db, amci_world):
    from quota_app.amci.followup import record_reenrolment, update_follow_up

    y = confirmed_year(db, amci_world)
    trainee = y.trainees[0]
    update_follow_up(y.amci, trainee, {"visa_status": "granted", "visa_date": date(2026, 7, 1),
                                       "arrival_date": date(2026, 9, 6), "enrolled_on": date(2026, 9, 8),
                                       "duration_months": 24}, JULY)
    db.session.commit()
    deadline = date(2027, 9, 30)   # the default: 30 September
    assert _kinds(y.campaign_id, deadline, trainee) == []
    assert _kinds(y.campaign_id, deadline + timedelta(days=1), trainee) == ["reenrolment"]
    assert _kinds(y.campaign_id, deadline + timedelta(days=40), trainee) == ["reenrolment"]
    # The campaign's own deadline (15 October).
    campaign = y.w.world.campaign(db)
    campaign.reenrolment_deadline_month, campaign.reenrolment_deadline_day = 10, 15
    db.session.commit()
    assert _kinds(y.campaign_id, date(2027, 10, 15), trainee) == []
    assert _kinds(y.campaign_id, date(2027, 10, 16), trainee) == ["reenrolment"]
    record_reenrolment(y.amci, trainee, "2027-2028", date(2027, 10, 1))
    db.session.commit()
    assert _kinds(y.campaign_id, date(2027, 10, 16), trainee) == []


def test_a_trainee_who_left_the_list_raises_no_alert(db, amci_world):
    from quota_app.amci.followup import update_follow_up

    y = confirmed_year(db, amci_world)
    trainee = y.trainees[0]
    update_follow_up(y.amci, trainee, {"visa_status": "refused", "visa_date": date(2026, 7, 8)}, JULY)
    db.session.commit()
    assert _kinds(y.campaign_id, START, trainee) == []
    assert _kinds(y.campaign_id, START) and all(a for a in _kinds(y.campaign_id, START))
