"""Per-reviewer normalisation of the weighted totals, to cancel a reviewer's severity.

Pure: plain data in and out (no Flask, no session).

    x' = m + s · (x − m_r) / s_r

  x      a review's weighted total on /20 (as stored: Numeric(7,3));
  m, s   mean and standard deviation of *all* the reviews' totals given (every reviewer's,
         the skipped ones included): the committee's scale;
  m_r, s_r  the same for the reviewer's own totals.

Standard deviations are *population* ones (divide by n, not n − 1): a reviewer's totals are the
whole of what they scored, not a sample, and with the same estimator on both sides a
normalised reviewer's totals have exactly mean m and deviation s.

A reviewer with fewer than `min_reviews` (5) totals, or whose totals are all equal (s_r = 0),
is skipped: their totals are kept as they are, and the report says why, in French.

Arithmetic: totals are handled as integer thousandths (milli-points), so sums, means and the
"s_r = 0" test are exact; s, s_r and x' are computed in binary floating point (IEEE double, in
a fixed order, hence reproducible): x' = floor(a·x + (b + 0.5)) in thousandths, with
a = s / s_r and b = m − a·m_r, i.e. each x' rounded to 0.001, halves upward (toward +∞). x' is not clamped to 0..20: clamping would tie the best candidates of a lenient reviewer
at 20 and lose their order; a value above 20 or below 0 stays what the formula gives.
"""
from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

MIN_REVIEWS = 5


@dataclass(frozen=True, slots=True)
class ReviewTotal:
    """One submitted review's weighted total (on /20, at most three decimals)."""

    file_id: int
    reviewer_id: int
    total: Decimal


def to_milli(value) -> int:
    """A total (Decimal, int or decimal string; at most three decimals) as integer thousandths."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    scaled = number.scaleb(3)
    milli = int(scaled)
    if milli != scaled:
        raise ValueError(f"Total {value} : trois décimales au plus.")
    return milli


_THOUSAND = Decimal(1000)


def milli_list(values: Sequence) -> list[int]:
    """Many totals as integer thousandths (what to_milli does, one by one), with C-level loops
    when they are all Decimals or ints with at most three decimals."""
    try:
        milli = list(map(int, map(operator.mul, values, itertools.repeat(_THOUSAND))))
        exact = Decimal(sum(values)).scaleb(3)
    except TypeError:  # floats or strings: one by one
        return [to_milli(v) for v in values]
    # int() truncates toward zero: for non-negative values, any dropped digit lowers the sum.
    if milli and (min(milli) < 0 or exact != sum(milli)):
        return [to_milli(v) for v in values]
    return milli


def from_milli(milli: int) -> Decimal:
    return Decimal(milli).scaleb(-3)


def milli_text(milli: int) -> str:
    """Thousandths as a fixed three-decimal string with a point: 12345 → '12.345'."""
    sign = "-" if milli < 0 else ""
    whole, part = divmod(abs(milli), 1000)
    return f"{sign}{whole}.{part:03d}"


def _round_milli(value: float) -> int:
    return math.floor(value + 0.5)


def _mean_milli(total: int, count: int) -> int:
    """The exact mean of integers, rounded to an integer, halves upward."""
    return (2 * total + count) // (2 * count)


def _spread(count: int, total: int, squares: int) -> float:
    """Population standard deviation of `count` integers from their sum and sum of squares."""
    return math.sqrt(count * squares - total * total) / count


@dataclass(frozen=True)
class ReviewerReport:
    """One reviewer's line on the page shown before normalisation is adopted."""

    reviewer_id: int
    count: int
    mean: Decimal                 # m_r, 0.001
    spread: Decimal               # s_r (population), 0.001
    normalised: bool
    reason: str = ""              # French, why skipped ("" when normalised)

    @property
    def label(self) -> str:
        return "Normalisé" if self.normalised else f"Non normalisé : {self.reason}"


@dataclass(frozen=True)
class Normalisation:
    """The committee's scale, each reviewer's report, and the normalised totals in the order
    of the reviews given (integer thousandths; `totals()` gives Decimals)."""

    review_count: int
    mean: Decimal                 # m, 0.001
    spread: Decimal               # s (population), 0.001
    min_reviews: int
    reviewers: tuple[ReviewerReport, ...]   # by reviewer id
    totals_milli: tuple[int, ...]

    @property
    def normalised_count(self) -> int:
        return sum(1 for r in self.reviewers if r.normalised)

    @property
    def skipped(self) -> tuple[ReviewerReport, ...]:
        return tuple(r for r in self.reviewers if not r.normalised)

    def reviewer(self, reviewer_id: int) -> ReviewerReport:
        for report in self.reviewers:
            if report.reviewer_id == reviewer_id:
                return report
        raise KeyError(reviewer_id)

    def totals(self) -> list[Decimal]:
        return [from_milli(m) for m in self.totals_milli]


def skip_reason(count: int, flat: bool, min_reviews: int = MIN_REVIEWS) -> str:
    if count < min_reviews:
        return (f"moins de {min_reviews} dossiers évalués ({count}) : "
                "ses totaux sont gardés tels quels")
    if flat:
        return ("tous ses totaux sont identiques (écart-type nul) : "
                "ses totaux sont gardés tels quels")
    return ""


def normalise_milli(reviewer_ids: Sequence[int], totals: Sequence[int], *,
                    min_reviews: int = MIN_REVIEWS) -> tuple[list[int], Normalisation]:
    """The normalisation over parallel lists (reviewer id, total in thousandths): the fast path
    the ranking uses. Returns the normalised totals (thousandths, same order) and the report."""
    if len(reviewer_ids) != len(totals):
        raise ValueError("reviewer_ids and totals differ in length")
    n = len(totals)
    if n == 0:
        return [], Normalisation(0, Decimal("0.000"), Decimal("0.000"), min_reviews, (), ())
    by_reviewer: dict[int, list[int]] = {r: [] for r in set(reviewer_ids)}
    append = {r: bucket.append for r, bucket in by_reviewer.items()}
    for reviewer_id, total in zip(reviewer_ids, totals):
        append[reviewer_id](total)
    grand_total = sum(totals)
    grand_squares = sum(map(int.__mul__, totals, totals))
    m = grand_total / n
    s = _spread(n, grand_total, grand_squares)

    scale: dict[int, float] = {}
    shift: dict[int, float] = {}
    reports = []
    for reviewer_id in sorted(by_reviewer):
        mine = by_reviewer[reviewer_id]
        count = len(mine)
        total = sum(mine)
        squares = sum(map(int.__mul__, mine, mine))
        flat = count * squares == total * total
        normalised = count >= min_reviews and not flat
        spread = _spread(count, total, squares)
        if normalised:
            # x' = m + s·(x − m_r)/s_r = a·x + b, with a = s/s_r and b = m − a·m_r
            a = s / spread
            scale[reviewer_id] = a
            shift[reviewer_id] = m - a * (total / count)
        else:
            scale[reviewer_id] = 1.0
            shift[reviewer_id] = 0.0
        reports.append(ReviewerReport(
            reviewer_id=reviewer_id, count=count, mean=from_milli(_mean_milli(total, count)),
            spread=from_milli(_round_milli(spread)), normalised=normalised,
            reason=skip_reason(count, flat, min_reviews)))

    if not any(r.normalised for r in reports):
        out = list(totals)
    else:
        # floor(a·x + b + 0.5) for every review, with C-level loops (map) over the reviews.
        half_shift = {r: b + 0.5 for r, b in shift.items()}
        out = list(map(math.floor, map(operator.add, map(operator.mul, map(scale.__getitem__, reviewer_ids), totals),
                                       map(half_shift.__getitem__, reviewer_ids))))
    report = Normalisation(
        review_count=n, mean=from_milli(_mean_milli(grand_total, n)), spread=from_milli(_round_milli(s)),
        min_reviews=min_reviews, reviewers=tuple(reports), totals_milli=tuple(out))
    return out, report


def normalise(reviews: Sequence[ReviewTotal], *, min_reviews: int = MIN_REVIEWS) -> Normalisation:
    """Normalises every reviewer's totals (see the module's docstring)."""
    _, report = normalise_milli([r.reviewer_id for r in reviews], milli_list([r.total for r in reviews]),
                                min_reviews=min_reviews)
    return report
