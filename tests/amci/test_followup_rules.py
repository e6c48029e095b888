"""The follow-up's rules, pure: coherent dates, reasons, situations, the stipend; the alerts'
arithmetic (tests/amci/test_alerts.py walks them through the database)."""
from datetime import date

import pytest

from quota_app.amci import followup_rules as rules
from quota_app.amci import money

GOOD = {**rules.DEFAULTS, "scholarship_granted": True, "stipend_minor": 75_000, "duration_months": 24,
        "visa_status": "granted", "visa_date": date(2026, 9, 1), "travel_date": date(2026, 9, 20),
        "arrival_date": date(2026, 9, 21), "enrolled_on": date(2026, 10, 2)}


def errors(**changes):
    return rules.validate({**GOOD, **changes})


def test_a_coherent_follow_up_has_no_error():
    assert rules.validate(GOOD) == {}
    assert rules.validate(rules.DEFAULTS) == {}


@pytest.mark.parametrize("changes, key, words", [
    ({"arrival_date": date(2026, 9, 19)}, "arrival_date", "précède la date de voyage (20/09/2026)"),
    ({"enrolled_on": date(2026, 9, 20)}, "enrolled_on", "précède la date d'arrivée (21/09/2026)"),
    ({"travel_date": date(2026, 8, 30), "arrival_date": None, "enrolled_on": None}, "travel_date",
     "précède la date du visa"),
    ({"visa_status": "not_started"}, "visa_date", "suppose un visa demandé"),
    ({"visa_status": "unknown"}, "visa_status", "inconnu"),
    ({"visa_status": "refused"}, "visa_status", "refusé alors qu'une arrivée"),
    ({"abandoned_on": date(2026, 12, 1)}, "abandonment_reason", "motif de l'abandon"),
    ({"abandonment_reason": "Santé"}, "abandoned_on", "sans date d'abandon"),
    ({"abandoned_on": date(2026, 10, 1), "abandonment_reason": "Santé"}, "abandoned_on", "précède la date d'inscription"),
    ({"enrolled_on": None, "abandoned_on": date(2026, 10, 1), "abandonment_reason": "Santé"}, "abandoned_on",
     "suit une inscription"),
    ({"departure_cancelled_on": date(2026, 9, 10), "departure_cancelled_reason": "Maladie"}, "departure_cancelled_on",
     "qu'avant l'arrivée"),
    ({"departure_cancelled_on": date(2026, 9, 10)}, "departure_cancelled_reason", "motif de l'annulation"),
    ({"departure_cancelled_reason": "Maladie"}, "departure_cancelled_on", "sans date d'annulation"),
    ({"situation_6m": "seeking"}, "situation_6m", "suit la fin de la formation"),
    ({"completed_on": date(2028, 7, 1), "situation_12m": "employed"}, "situation_12m_sector", "secteur"),
    ({"situation_6m_sector": "BTP"}, "situation_6m", "sans la situation à 6 mois"),
    ({"completed_on": date(2026, 9, 1)}, "completed_on", "précède la date d'inscription"),
    ({"completed_on": date(2028, 7, 1), "abandoned_on": date(2027, 1, 1), "abandonment_reason": "x"},
     "completed_on", "ne termine pas"),
    ({"completed_on": date(2028, 7, 1), "returned_on": date(2028, 6, 1)}, "returned_on", "précède la fin"),
    ({"stipend_minor": -1}, "stipend_minor", "négative"),
    ({"stipend_minor": 10**9}, "stipend_minor", "trop élevé"),
    ({"scholarship_granted": False}, "stipend_minor", "bourse n'est pas accordée"),
    ({"stipend_currency": "EUR"}, "stipend_currency", "dirham"),
    ({"duration_months": 0}, "duration_months", "entre 1 et 60"),
    ({"amci_file_number": "A" * 41}, "amci_file_number", "40 caractères"),
])
def test_each_incoherence_is_named_in_french_on_its_field(changes, key, words):
    found = errors(**changes)
    assert key in found, found
    assert words in found[key]


def test_a_departure_cancelled_before_the_arrival_and_the_situation_after_the_return():
    assert errors(arrival_date=None, enrolled_on=None, departure_cancelled_on=date(2026, 9, 15),
                  departure_cancelled_reason="Raisons familiales") == {}
    assert errors(arrival_date=None, enrolled_on=None, departure_cancelled_on=date(2026, 9, 25),
                  departure_cancelled_reason="x")["departure_cancelled_on"].startswith("Le départ est annulé après")
    assert errors(completed_on=date(2028, 7, 1), returned_on=date(2028, 7, 10), situation_6m="employed",
                  situation_6m_sector="BTP", situation_12m="further_study") == {}
    assert errors(abandoned_on=date(2027, 1, 5), abandonment_reason="Santé", returned_on=date(2027, 1, 20),
                  situation_6m="seeking") == {}


def test_what_a_moved_file_may_not_erase():
    assert rules.undo_errors("enrolled", {"enrolled_on": None}) == {
        "enrolled_on": "L'inscription est enregistrée au dossier : la date d'inscription ne peut pas être effacée."}
    assert set(rules.undo_errors("abandoned", {"enrolled_on": date(2026, 1, 1)})) == {"abandoned_on"}
    assert rules.undo_errors("accepted", {}) == {}


def test_academic_years():
    assert rules.check_academic_year(" 2026 / 2027 ") == ("2026-2027", None)
    assert rules.check_academic_year("2026-2028")[1] == "Année de formation attendue au format 2026-2027."
    assert rules.check_academic_year(None)[0] is None


@pytest.mark.parametrize("text, minor", [("750", 75_000), ("1 500,50", 150_050), ("1\u202f500,50 MAD", 150_050),
                                         ("1,500.50", 150_050), ("1.500,5", 150_050), (750, 75_000),
                                         (750.5, 75_050), ("0", 0), ("", None), (None, None)])
def test_money_parses_french_and_english_amounts(text, minor):
    assert money.parse_amount(text) == (minor, None)


@pytest.mark.parametrize("text, words", [("-5", "négatif"), ("12,345", "deux chiffres"), ("abc", "Montant attendu"),
                                         ("2000000", "trop élevé"), (True, "Montant attendu")])
def test_money_refuses_in_french(text, words):
    minor, message = money.parse_amount(text)
    assert minor is None and words in message


def test_money_formats():
    assert money.format_money(150_000) == "1 500,00 MAD"
    assert money.format_money(5) == "0,05 MAD"
    assert money.format_money(None) == ""
    assert money.amount_text(75_050) == "750,50"
    assert money.parse_amount(money.amount_text(123_456)) == (123_456, None)
    assert money.check_currency("mad") is None and money.check_currency("EUR") == money.CURRENCY_ONLY


# --- the alerts' arithmetic ------------------------------------------------------------------------

def row(**values):
    base = dict(application_id=1, reference="MLI-2026-000001", name="Traoré Awa", campaign_id=1, campaign="Q2026",
                status="accepted", training_starts_on=date(2026, 10, 1))
    return rules.TraineeRow(**{**base, **values})


def kinds(r, today):
    return [a.kind for a in rules.alerts([r], today)]


def test_visa_alert_from_a_month_before_the_start():
    r = row(visa_status="requested")
    assert kinds(r, date(2026, 8, 31)) == []
    assert kinds(r, date(2026, 9, 1)) == ["visa"]
    alert = rules.alerts([r], date(2026, 9, 2))[0]
    assert alert.due == date(2026, 9, 1) and alert.message == (
        "Visa non accordé à un mois de la formation (début le 01/10/2026).")
    assert kinds(row(visa_status="granted"), date(2026, 9, 2)) == []
    assert kinds(row(visa_status="requested", status="not_departed"), date(2026, 9, 2)) == []
    assert kinds(row(training_starts_on=None), date(2026, 9, 2)) == []


def test_arrival_alert_a_week_after_the_travel_date():
    r = row(visa_status="granted", travel_date=date(2026, 9, 20))
    assert kinds(r, date(2026, 9, 26)) == []
    assert kinds(r, date(2026, 9, 27)) == ["arrival"]
    assert kinds(row(visa_status="granted", travel_date=date(2026, 9, 20), arrival_date=date(2026, 9, 21)),
                 date(2026, 9, 28)) == []


def test_reenrolment_alert_the_day_after_the_deadline_for_an_earlier_year():
    r = row(status="enrolled", visa_status="granted", enrolled_on=date(2025, 10, 2), duration_months=24)
    assert kinds(r, date(2026, 9, 30)) == []
    assert kinds(r, date(2026, 10, 1)) == ["reenrolment"]
    alert = rules.alerts([r], date(2026, 10, 1))[0]
    assert alert.due == date(2026, 9, 30)
    assert alert.message == "Documents de réinscription 2026-2027 non reçus (date limite : 30/09/2026)."
    assert kinds(row(status="enrolled", enrolled_on=date(2025, 10, 2), reenrolled_years=frozenset({"2026-2027"})),
                 date(2026, 10, 1)) == []
    # enrolled this academic year, the training over, or the trainee gone: nothing to re-enrol
    assert kinds(row(status="enrolled", enrolled_on=date(2026, 9, 2)), date(2026, 10, 1)) == []
    assert kinds(row(status="enrolled", enrolled_on=date(2025, 10, 2), duration_months=9), date(2026, 10, 1)) == []
    assert kinds(row(status="enrolled", enrolled_on=date(2025, 10, 2), completed_on=date(2026, 7, 1)),
                 date(2026, 10, 1)) == []
    # the campaign's own deadline (15 October)
    late = row(status="enrolled", enrolled_on=date(2025, 10, 2), deadline_month=10, deadline_day=15)
    assert kinds(late, date(2026, 10, 15)) == [] and kinds(late, date(2026, 10, 16)) == ["reenrolment"]


def test_alerts_sorted_oldest_first_and_counted():
    found = rules.alerts([row(application_id=2, visa_status="requested"),
                          row(application_id=3, visa_status="granted", travel_date=date(2026, 8, 1))],
                         date(2026, 9, 10))
    assert [(a.kind, a.application_id) for a in found] == [("arrival", 3), ("visa", 2)]
    assert rules.counts(found) == {"reenrolment": 0, "visa": 1, "arrival": 1}
    assert found[0].label == "Arrivée non enregistrée une semaine après le voyage"
