"""A member's scores for one file (committee/scoring.py), pure: no app, no database."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from quota_app.committee.scoring import (
    CriterionSpec, check_gap, fr_number, parse_score, prefill_scores, prefill_value, validate_scores,
    weighted_total,
)

D = Decimal

# DOMAIN.md's example: dossier scolaire 40 %, motivation 20 %, entretien 40 %, each /20.
DOSSIER = CriterionSpec(1, "dossier", "Dossier scolaire", D("0.4"), D(20), "diploma_average")
MOTIVATION = CriterionSpec(2, "motivation", "Motivation", D("0.2"), D(20))
ENTRETIEN = CriterionSpec(3, "entretien", "Entretien", D("0.4"), D(20))
CRITERIA = [DOSSIER, MOTIVATION, ENTRETIEN]


# --- weighted total -----------------------------------------------------------------------------

def test_weighted_total_domain_example():
    # (0.4 × 15/20 + 0.2 × 10/20 + 0.4 × 12/20) ÷ 1 × 20 = 6 + 2 + 4.8 = 12.8
    assert weighted_total(CRITERIA, {1: D(15), 2: D(10), 3: D(12)}) == D("12.800")
    assert weighted_total(CRITERIA, {1: D(20), 2: D(20), 3: D(20)}) == D("20.000")
    assert weighted_total(CRITERIA, {1: D(0), 2: D(0), 3: D(0)}) == D("0.000")


def test_weighted_total_with_other_maxima_and_weights_not_summing_to_one():
    criteria = [CriterionSpec(1, "a", "A", D(2), D(40)), CriterionSpec(2, "b", "B", D(1), D(10))]
    # (2 × 30/40 + 1 × 5/10) ÷ 3 × 20 = (1.5 + 0.5) / 3 × 20 = 13.3333… → 13.333
    assert weighted_total(criteria, {1: D(30), 2: D(5)}) == D("13.333")
    # (2 × 40/40 + 1 × 6/10) ÷ 3 × 20 = 2.6 / 3 × 20 = 17.3333… → 17.333
    assert weighted_total(criteria, {1: D(40), 2: D(6)}) == D("17.333")
    # (2 × 36/40 + 1 × 10/10) ÷ 3 × 20 = 2.8 / 3 × 20 = 18.6666… → 18.667
    assert weighted_total(criteria, {1: D(36), 2: D(10)}) == D("18.667")


def test_weighted_total_rounds_once_half_up_from_the_exact_value():
    criteria = [CriterionSpec(1, "a", "A", D(1), D(20)), CriterionSpec(2, "b", "B", D(19), D(20))]
    # (1 × 0.01/20 + 19 × 0/20) ÷ 20 × 20 = 0.0005 exactly → 0.001 (half up)
    assert weighted_total(criteria, {1: D("0.01"), 2: D(0)}) == D("0.001")
    # (1 × 0.03/20 + 0) ÷ 20 × 20 = 0.0015 → 0.002
    assert weighted_total(criteria, {1: D("0.03"), 2: D(0)}) == D("0.002")


def test_weight_zero_is_ignored_and_may_stay_blank():
    info = CriterionSpec(4, "info", "Observation", D(0), D(10))
    criteria = CRITERIA + [info]
    assert weighted_total(criteria, {1: D(15), 2: D(10), 3: D(12), 4: D(3)}) == D("12.800")
    sheet = validate_scores(criteria, {1: "15", 2: "10", 3: "12"}, submit=True)
    assert sheet.ok and sheet.total == D("12.800")
    # Still checked against its bounds when given.
    sheet = validate_scores(criteria, {1: "15", 2: "10", 3: "12", 4: "11"}, submit=True)
    assert sheet.errors == {4: "Observation : la note doit être comprise entre 0 et 10 (reçu : 11)."}


def test_weighted_total_refuses_a_missing_score_or_no_weight():
    with pytest.raises(ValueError, match="Motivation : note manquante"):
        weighted_total(CRITERIA, {1: D(15), 3: D(12)})
    with pytest.raises(ValueError, match="Aucun critère pondéré"):
        weighted_total([CriterionSpec(9, "x", "X", D(0), D(20))], {9: D(1)})


# --- validation ---------------------------------------------------------------------------------

def test_valid_scores_on_submission_give_the_total():
    sheet = validate_scores(CRITERIA, {1: "15", 2: "10,5", 3: D(12)}, submit=True)
    assert sheet.ok and sheet.complete
    assert sheet.values == {1: D(15), 2: D("10.5"), 3: D(12)}
    # 6 + 0.2 × 10.5 + 4.8 = 12.9
    assert sheet.total == D("12.900")


def test_bounds_and_french_errors_per_criterion():
    sheet = validate_scores(CRITERIA, {1: "21", 2: "-1", 3: "douze"}, submit=False)
    assert not sheet.ok
    assert sheet.errors == {
        1: "Dossier scolaire : la note doit être comprise entre 0 et 20 (reçu : 21).",
        2: "Motivation : la note doit être comprise entre 0 et 20 (reçu : -1).",
        3: "Entretien : la note doit être un nombre (reçu : « douze »).",
    }
    assert sheet.values == {} and sheet.total is None


def test_bounds_are_inclusive_and_two_decimals_at_most():
    sheet = validate_scores(CRITERIA, {1: "0", 2: "20", 3: "12.25"}, submit=True)
    assert sheet.ok
    sheet = validate_scores(CRITERIA, {1: "12,345", 2: "20.001", 3: "12"}, submit=True)
    assert sheet.errors == {
        1: "Dossier scolaire : deux décimales au plus (reçu : 12,345).",
        2: "Motivation : la note doit être comprise entre 0 et 20 (reçu : 20,001).",
    }


def test_maximum_other_than_twenty_in_the_message():
    half = CriterionSpec(5, "oral", "Oral", D(1), D("12.5"))
    sheet = validate_scores([half], {5: "13"}, submit=True)
    assert sheet.errors == {5: "Oral : la note doit être comprise entre 0 et 12,5 (reçu : 13)."}


def test_missing_criterion_allowed_in_a_draft_refused_on_submission():
    draft = validate_scores(CRITERIA, {1: "15", 2: ""}, submit=False)
    assert draft.ok and not draft.complete
    assert draft.missing == (2, 3) and draft.total is None and draft.values == {1: D(15)}
    submitted = validate_scores(CRITERIA, {1: "15", 2: ""}, submit=True)
    assert submitted.errors == {2: "Motivation : note manquante.", 3: "Entretien : note manquante."}


def test_unknown_criterion_refused():
    sheet = validate_scores(CRITERIA, {1: "15", 2: "10", 3: "12", 99: "4"}, submit=True)
    assert sheet.errors == {99: "Critère inconnu pour cette campagne (n° 99)."}


def test_parse_score():
    assert parse_score(None) is None and parse_score("  ") is None
    assert parse_score("12,5") == D("12.5") and parse_score(" 7 ") == D(7)
    assert parse_score(12.25) == D("12.25") and parse_score(3) == D(3)
    for bad in ("abc", "nan", "inf", True, "1,2,3"):
        with pytest.raises(ValueError, match="la note doit être un nombre"):
            parse_score(bad)


def test_criterion_spec_from_a_model_like_object():
    row = SimpleNamespace(id=7, code="dossier", name="Dossier scolaire", weight=D("40.000"),
                          max_score=D("20.00"), prefill_source="diploma_average", position=1)
    spec = CriterionSpec.of(row)
    assert spec == CriterionSpec(7, "dossier", "Dossier scolaire", D("40.000"), D("20.00"), "diploma_average")


def test_fr_number():
    assert fr_number(D(20)) == "20" and fr_number(D("12.50")) == "12,5" and fr_number(D(0)) == "0"
    assert fr_number(D("4.5"), 3) == "4,500"


# --- prefill ------------------------------------------------------------------------------------

def test_prefill_from_the_diploma_average_scaled_to_the_maximum():
    data = {"diploma_average": D("14.5")}
    assert prefill_value(DOSSIER, data) == D("14.50")
    on_40 = CriterionSpec(1, "d", "Dossier", D(1), D(40), "diploma_average")
    on_10 = CriterionSpec(2, "d", "Dossier", D(1), D(10), "diploma_average")
    assert prefill_value(on_40, data) == D("29.00")
    assert prefill_value(on_10, data) == D("7.25")
    # 13.33 / 20 × 10 = 6.665 → 6.67 (two decimals, half up)
    assert prefill_value(on_10, {"diploma_average": D("13.33")}) == D("6.67")


def test_prefill_absent_source_or_data():
    assert prefill_value(MOTIVATION, {"diploma_average": D(12)}) is None
    assert prefill_value(DOSSIER, {"diploma_average": None}) is None
    assert prefill_value(DOSSIER, {}) is None
    assert prefill_scores(CRITERIA, {"diploma_average": D("11.25")}) == {1: D("11.25")}
    with pytest.raises(ValueError, match="source de préremplissage inconnue"):
        prefill_value(CriterionSpec(1, "x", "X", D(1), D(20), "bac_maths"), {"bac_maths": D(12)})


def test_prefilled_scores_pass_validation():
    values = prefill_scores(CRITERIA, {"diploma_average": D("13.33")})
    values.update({2: "10", 3: "12"})
    assert validate_scores(CRITERIA, values, submit=True).ok


# --- gap flag -----------------------------------------------------------------------------------

def test_gap_above_threshold_calls_a_third_review():
    check = check_gap([D("10.000"), D("14.500")], D(4))
    assert check.gap == D("4.500") and check.flagged and check.needs_third_review
    assert check.message == ("Écart de 4,500 points sur 20 entre les évaluateurs (seuil : 4) : "
                             "une troisième évaluation est nécessaire.")


def test_gap_equal_to_threshold_is_not_flagged():
    check = check_gap([D("10.000"), D("14.000")], D("4.00"))
    assert check.gap == D("4.000") and not check.flagged and not check.needs_third_review
    assert check.message == ""
    assert check_gap([D("10.000"), D("14.001")], D("4.00")).flagged


def test_gap_needs_two_submitted_totals():
    assert check_gap([], D(4)).gap is None
    single = check_gap([D(2)], D(4))
    assert not single.flagged and single.gap is None
    assert not check_gap([D(2), None], D(4)).flagged


def test_gap_is_max_minus_min_with_more_than_two_reviews():
    # 12 and 15 alone are within 4; a third regular review at 9 makes max − min = 6.
    assert not check_gap([D(12), D(15)], D(4)).flagged
    check = check_gap([D(12), D(15), D(9)], D(4))
    assert check.gap == D(6) and check.flagged


def test_flagged_file_with_its_third_review_already_assigned():
    check = check_gap([D(8), D(16)], D(4), third_review_assigned=True)
    assert check.flagged and not check.needs_third_review
    assert check.message.endswith("troisième évaluation attribuée.")
