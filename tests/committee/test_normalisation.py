"""Per-reviewer normalisation (committee/normalisation.py), pure: no app, no database."""
import math
from decimal import Decimal

import pytest

from quota_app.committee.normalisation import (
    ReviewTotal, milli_list, milli_text, normalise, normalise_milli, to_milli,
)

# The hand-computed example. Four reviewers, 18 reviews (one file each):
#   A (id 1): 10, 12, 14, 16, 18   n = 5, m_A = 14, s_A = √(40/5) = √8   = 2.828427
#   B (id 2):  7,  9, 10, 12, 12   n = 5, m_B = 10, s_B = √(18/5) = √3.6 = 1.897367
#   C (id 3): 15, 15, 16           n = 3 < 5: skipped
#   D (id 4): 13 × 5               s_D = 0: skipped
# All totals: n = 18, Σx = 231, Σx² = 3089
#   m  = 231 / 18 = 12.833333
#   s² = (18·3089 − 231²) / 18² = 2241 / 324 = 6.916667 (population), s = 2.629956
#   (the sample deviation would be √(2241 / (18·17)) = 2.706202: not what is used)
# x' = m + s·(x − m_r)/s_r:
#   A, 18: 12.833333 + 2.629956 × ( 4 / 2.828427) = 16.552652 → 16.553
#   A, 16: 12.833333 + 2.629956 × ( 2 / 2.828427) = 14.692993 → 14.693
#   A, 14: m (x = m_A)                             = 12.833333 → 12.833
#   A, 12:                                           10.973674 → 10.974
#   A, 10:                                            9.114014 →  9.114
#   B,  7: 12.833333 + 2.629956 × (−3 / 1.897367) =  8.675008 →  8.675
#   B,  9: 12.833333 + 2.629956 × (−1 / 1.897367) = 11.447225 → 11.447
#   B, 10: m                                       = 12.833333 → 12.833
#   B, 12: 12.833333 + 2.629956 × ( 2 / 1.897367) = 15.605550 → 15.606 (twice)
#   C and D: unchanged.
A, B, C, D = 1, 2, 3, 4
EXAMPLE = ([(A, x) for x in (10, 12, 14, 16, 18)] + [(B, x) for x in (7, 9, 10, 12, 12)]
           + [(C, x) for x in (15, 15, 16)] + [(D, 13)] * 5)
EXPECTED = ["9.114", "10.974", "12.833", "14.693", "16.553",
            "8.675", "11.447", "12.833", "15.606", "15.606",
            "15.000", "15.000", "16.000",
            "13.000", "13.000", "13.000", "13.000", "13.000"]


def example_reviews():
    return [ReviewTotal(file_id=i + 1, reviewer_id=r, total=Decimal(x)) for i, (r, x) in enumerate(EXAMPLE)]


def test_formula_against_the_hand_computed_example():
    result = normalise(example_reviews())
    assert [str(t) for t in result.totals()] == EXPECTED
    assert result.review_count == 18
    assert result.mean == Decimal("12.833")
    assert result.spread == Decimal("2.630")          # population, not the sample's 2.706


def test_report_per_reviewer():
    result = normalise(example_reviews())
    assert [r.reviewer_id for r in result.reviewers] == [A, B, C, D]
    a, b, c, d = result.reviewers
    assert (a.count, a.mean, a.spread, a.normalised, a.reason) == (5, Decimal("14.000"), Decimal("2.828"), True, "")
    assert (b.count, b.mean, b.spread, b.normalised) == (5, Decimal("10.000"), Decimal("1.897"), True)
    assert (c.count, c.mean, c.spread, c.normalised) == (3, Decimal("15.333"), Decimal("0.471"), False)
    assert c.reason == "moins de 5 dossiers évalués (3) : ses totaux sont gardés tels quels"
    assert (d.count, d.mean, d.spread, d.normalised) == (5, Decimal("13.000"), Decimal("0.000"), False)
    assert d.reason == "tous ses totaux sont identiques (écart-type nul) : ses totaux sont gardés tels quels"
    assert a.label == "Normalisé"
    assert c.label.startswith("Non normalisé : moins de 5 dossiers")
    assert result.normalised_count == 2
    assert [r.reviewer_id for r in result.skipped] == [C, D]
    assert result.reviewer(B) is b


def test_normalised_reviewer_gets_the_committee_scale():
    """With population deviations on both sides, a normalised reviewer's totals have mean m and
    deviation s (up to the rounding to 0.001)."""
    result = normalise(example_reviews())
    m = 231 / 18
    s = math.sqrt(2241 / 324)
    for first in (0, 5):  # A's and B's totals
        values = [float(t) for t in result.totals()[first:first + 5]]
        mean = sum(values) / 5
        spread = math.sqrt(sum((v - mean) ** 2 for v in values) / 5)
        assert mean == pytest.approx(m, abs=0.001)
        assert spread == pytest.approx(s, abs=0.001)


def test_minimum_of_reviews_is_a_parameter():
    result = normalise(example_reviews(), min_reviews=3)
    assert result.reviewer(C).normalised
    assert result.totals()[10:13] != [Decimal(15), Decimal(15), Decimal(16)]
    assert normalise(example_reviews(), min_reviews=6).normalised_count == 0


def test_exactly_five_reviews_is_enough_and_four_is_not():
    four = [ReviewTotal(i, 1, Decimal(x)) for i, x in enumerate((8, 10, 12, 14), 1)]
    others = [ReviewTotal(10 + i, 2, Decimal(x)) for i, x in enumerate((5, 9, 11, 13, 19), 1)]
    result = normalise(four + others)
    assert not result.reviewer(1).normalised and result.reviewer(2).normalised
    five = four + [ReviewTotal(5, 1, Decimal(16))]
    assert normalise(five + others).reviewer(1).normalised


def test_nobody_normalised_keeps_every_total():
    reviews = [ReviewTotal(i, i % 3, Decimal("12.345")) for i in range(12)]
    result = normalise(reviews)
    assert result.normalised_count == 0
    assert result.totals() == [Decimal("12.345")] * 12
    assert result.spread == Decimal("0.000")


def test_empty_input():
    result = normalise([])
    assert result.review_count == 0 and result.reviewers == () and result.totals() == []


def test_totals_as_exact_thousandths():
    assert to_milli(Decimal("12.345")) == 12345
    assert to_milli("7.5") == 7500
    assert to_milli(20) == 20000
    with pytest.raises(ValueError, match="trois décimales au plus"):
        to_milli(Decimal("1.2345"))
    assert milli_list([Decimal("1.5"), 3, Decimal("0.001")]) == [1500, 3000, 1]
    with pytest.raises(ValueError):
        milli_list([Decimal("1.0001"), Decimal("2")])
    assert milli_text(12345) == "12.345" and milli_text(5) == "0.005" and milli_text(-1500) == "-1.500"
    # A reviewer alone is the committee: m = m_r and s = s_r, so x' = x exactly.
    out, _ = normalise_milli([1] * 5, [0, 1, 2, 3, 4])
    assert out == [0, 1, 2, 3, 4]


def test_order_of_the_reviews_does_not_change_the_values():
    reviews = example_reviews()
    forward = dict(zip((r.file_id for r in reviews), normalise(reviews).totals()))
    backward_reviews = list(reversed(reviews))
    backward = dict(zip((r.file_id for r in backward_reviews), normalise(backward_reviews).totals()))
    assert forward == backward


def test_not_clamped_to_twenty():
    """A lenient reviewer's best file may go above 20 after normalisation: kept as computed."""
    harsh = [ReviewTotal(i, 1, Decimal(x)) for i, x in enumerate((2, 4, 6, 8, 10), 1)]
    lenient = [ReviewTotal(10 + i, 2, Decimal(x)) for i, x in enumerate(("19", "19.5", "19.75", "19.9", "20"), 1)]
    result = normalise(harsh + lenient)
    assert max(result.totals()) > 20
