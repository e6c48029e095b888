"""The retention's rules, pure: when a campaign's period has run out, whose file is anonymised,
what anonymising leaves, what stops an erasure request."""
from datetime import date, datetime

import pytest

from quota_app.retention import rules

CLOSED = datetime(2026, 7, 15, 18, 0)


def test_the_period_counts_in_years_from_the_close():
    assert rules.purge_after(CLOSED, 2) == datetime(2028, 7, 15, 18, 0)
    assert rules.add_years(datetime(2028, 2, 29, 9, 0), 1) == datetime(2029, 2, 28, 9, 0)


@pytest.mark.parametrize("phase, now, expected", [
    ("closed", datetime(2028, 7, 15, 17, 59), False),  # a minute early
    ("closed", datetime(2028, 7, 15, 18, 0), True),
    ("closed", datetime(2031, 1, 1), True),
    ("published", datetime(2031, 1, 1), False),  # not closed: never, however old
    ("open", datetime(2031, 1, 1), False),
])
def test_expired_only_once_closed_and_the_period_is_over(phase, now, expected):
    assert rules.expired(phase, CLOSED, now, 2) is expected


def test_expired_without_a_close_moment_is_never():
    assert rules.expired("closed", None, datetime(2040, 1, 1), 2) is False


def test_the_close_is_the_move_in_the_journal_else_the_end_of_the_window():
    window_end = datetime(2026, 3, 31, 23, 59)
    assert rules.closed_at(window_end, CLOSED) == CLOSED
    assert rules.closed_at(window_end, None) == window_end


@pytest.mark.parametrize("status", ["draft", "submitted", "eligible", "ineligible", "evaluated", "waiting_list",
                                    "not_selected", "declined", "withdrawn"])
def test_files_the_campaign_did_not_select_are_anonymised(status):
    assert rules.to_anonymise(status) is True


@pytest.mark.parametrize("status", ["placed", "accepted", "enrolled", "amci_refused", "not_departed", "abandoned"])
def test_selected_files_are_kept(status):
    assert rules.to_anonymise(status) is False


def test_every_status_has_a_verdict():
    from quota_app.applications.status import STATUSES

    assert rules.KEPT_STATUSES <= set(STATUSES)
    assert rules.HOLDING_STATUSES <= rules.KEPT_STATUSES
    assert rules.IN_SELECTION <= set(STATUSES)


def test_an_anonymised_file_is_not_anonymised_twice():
    assert rules.to_anonymise("not_selected", datetime(2028, 8, 1)) is False


def test_the_birth_date_keeps_its_year():
    assert rules.birth_year_only(date(2005, 3, 14)) == date(2005, 1, 1)
    assert rules.birth_year_only(None) is None


def test_the_personal_fields_and_the_statistics_do_not_overlap():
    from quota_app.applications.models import Application

    columns = set(Application.__table__.c.keys())
    assert set(rules.PERSONAL_FIELDS) <= columns
    for kept in ("sex", "region_id", "diploma_id", "series_id", "diploma_average", "status", "birth_date"):
        assert kept not in rules.PERSONAL_FIELDS


def test_scrub_replaces_personal_values_at_any_depth():
    before = {"last_name": "Traoré", "nina": "12050000001001A", "status": "draft", "sex": "F",
              "rows": [{"phone": "+22376123456", "region_id": 3}], "email": None, "address": ""}
    assert rules.scrub(before) == {
        "last_name": rules.ERASED, "nina": rules.ERASED, "status": "draft", "sex": "F",
        "rows": [{"phone": rules.ERASED, "region_id": 3}], "email": None, "address": ""}
    assert rules.scrub(None) is None
    assert rules.scrub({"status": "x"}) == {"status": "x"}


def held(status, phase="closed", **extra):
    return rules.HeldFile(reference="MLI-2026-000001", campaign_title="Quota 2026", campaign_phase=phase,
                          status=status, **extra)


@pytest.mark.parametrize("status", ["placed", "accepted", "enrolled", "abandoned"])
def test_a_seat_blocks_the_erasure(status):
    reasons = rules.erasure_blockers([held(status)])
    assert len(reasons) == 1 and "une place" in reasons[0] and "MLI-2026-000001" in reasons[0]


def test_a_scholarship_or_a_live_offer_blocks_the_erasure():
    assert "une bourse" in rules.erasure_blockers([held("amci_refused", scholarship=True)])[0]
    assert "une place" in rules.erasure_blockers([held("waiting_list", phase="published", live_placement=True)])[0]


@pytest.mark.parametrize("status", ["submitted", "eligible", "evaluated", "waiting_list"])
def test_a_file_still_being_selected_blocks_the_erasure(status):
    reasons = rules.erasure_blockers([held(status, phase="review")])
    assert reasons and "en cours de sélection" in reasons[0] and "retirez-le" in reasons[0]


@pytest.mark.parametrize("status, phase", [
    ("draft", "open"), ("withdrawn", "review"), ("ineligible", "review"), ("not_selected", "published"),
    ("declined", "published"), ("waiting_list", "closed"), ("amci_refused", "closed"), ("not_departed", "closed"),
])
def test_nothing_else_blocks_the_erasure(status, phase):
    assert rules.erasure_blockers([held(status, phase=phase)]) == []


def test_no_file_no_blocker():
    assert rules.erasure_blockers([]) == []
