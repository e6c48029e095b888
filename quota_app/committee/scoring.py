"""A member's scores for one file: bounds, the weighted total on /20, the prefill, the gap flag.

Pure: plain data in and out (no Flask, no session). Numbers are `Decimal`, exact:
  - a score (`scores.value`, Numeric(6,2)) is refused with more than two decimals (never
    silently rounded); a prefilled score is rounded to 0.01, halves up;
  - the weighted total (`review_assignments.weighted_total`, Numeric(7,3)) is computed exactly
    (as a fraction) and rounded once to 0.001, halves up.

Weighted total on /20:  Σ weight·value/max ÷ Σ weight × 20, over the criteria of weight > 0
(a criterion of weight 0 is informational: checked against its bounds, never counted, and it
may stay blank on submission).

Gap rule (third review): the gap of a file is max − min of the weighted totals of its
*submitted regular* reviews (third reviews excluded). It is judged as soon as two of them are
submitted: max − min can only grow as more regular reviews arrive, so a file once flagged stays
flagged. A gap strictly greater than the campaign's `score_gap_threshold` flags the file; a
flagged file needs a third review unless one is already assigned (at most one per file).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

TOTAL_SCALE = Decimal(20)              # weighted totals are on /20
TOTAL_PLACES = Decimal("0.001")        # Numeric(7,3)
SCORE_PLACES = Decimal("0.01")         # Numeric(6,2)

# Where a criterion's prefill comes from, and the scale of that data.
PREFILL_SCALES = {"diploma_average": Decimal(20)}


def fr_number(value: Decimal | int | float, places: int | None = None) -> str:
    """A number as French users read it: decimal comma, no useless trailing zeros
    (or exactly `places` decimals when given)."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if places is not None:
        text = format(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")
    else:
        text = format(number.normalize(), "f") if number != 0 else "0"
    return text.replace(".", ",")


@dataclass(frozen=True)
class CriterionSpec:
    """What scoring needs of a `campaigns.models.Criterion`."""

    id: int
    code: str
    name: str
    weight: Decimal
    max_score: Decimal
    prefill_source: str | None = None

    @classmethod
    def of(cls, criterion) -> CriterionSpec:
        """From any object with the Criterion's attributes (the model row included)."""
        return cls(id=criterion.id, code=criterion.code, name=criterion.name,
                   weight=Decimal(criterion.weight), max_score=Decimal(criterion.max_score),
                   prefill_source=criterion.prefill_source)


@dataclass(frozen=True)
class ScoreSheet:
    """One member's scores for one file, checked.

    values: the valid values given, criterion id → Decimal (the errors' criteria are absent);
    errors: criterion id → French message (a key may be an unknown criterion id);
    missing: ids of counted criteria (weight > 0) without a value;
    total: the weighted total on /20 when nothing is missing or wrong, else None.
    """

    values: Mapping[int, Decimal]
    errors: Mapping[int, str] = field(default_factory=dict)
    missing: tuple[int, ...] = ()
    total: Decimal | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def complete(self) -> bool:
        return not self.errors and not self.missing


def parse_score(raw) -> Decimal | None:
    """A typed or read score: None for blank, a Decimal otherwise (decimal comma accepted).
    Raises ValueError (French) when it is not a number."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError("la note doit être un nombre")
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("la note doit être un nombre") from None
    if not number.is_finite():
        raise ValueError("la note doit être un nombre")
    return number


def _check_value(criterion: CriterionSpec, number: Decimal) -> str | None:
    if number < 0 or number > criterion.max_score:
        return (f"{criterion.name} : la note doit être comprise entre 0 et "
                f"{fr_number(criterion.max_score)} (reçu : {fr_number(number)}).")
    if number != number.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP):
        return f"{criterion.name} : deux décimales au plus (reçu : {fr_number(number)})."
    return None


def validate_scores(criteria: Sequence[CriterionSpec], values: Mapping[int, object], *,
                    submit: bool) -> ScoreSheet:
    """Checks a member's scores for one file: each within 0..max with two decimals at most;
    a missing counted criterion is refused on submission (`submit=True`), allowed in a draft."""
    by_id = {c.id: c for c in criteria}
    errors: dict[int, str] = {}
    valid: dict[int, Decimal] = {}
    for criterion_id, raw in values.items():
        criterion = by_id.get(criterion_id)
        if criterion is None:
            errors[criterion_id] = f"Critère inconnu pour cette campagne (n° {criterion_id})."
            continue
        try:
            number = parse_score(raw)
        except ValueError as exc:
            errors[criterion_id] = f"{criterion.name} : {exc} (reçu : « {raw} »)."
            continue
        if number is None:
            continue
        problem = _check_value(criterion, number)
        if problem:
            errors[criterion_id] = problem
        else:
            valid[criterion_id] = number
    missing = tuple(c.id for c in criteria
                    if c.weight > 0 and c.id not in valid and c.id not in errors)
    if submit:
        for criterion_id in missing:
            errors[criterion_id] = f"{by_id[criterion_id].name} : note manquante."
    total = None
    if not errors and not missing:
        total = weighted_total(criteria, valid)
    return ScoreSheet(values=valid, errors=errors, missing=missing, total=total)


def weighted_total(criteria: Sequence[CriterionSpec], values: Mapping[int, Decimal]) -> Decimal:
    """Σ weight·value/max ÷ Σ weight × 20, exact, rounded once to 0.001 (halves up).
    Criteria of weight 0 are ignored. Raises ValueError when a counted criterion has no value
    or when no criterion counts."""
    counted = [c for c in criteria if c.weight > 0]
    if not counted:
        raise ValueError("Aucun critère pondéré : le total ne peut pas être calculé.")
    numerator = Fraction(0)
    weights = Fraction(0)
    for criterion in counted:
        if values.get(criterion.id) is None:
            raise ValueError(f"{criterion.name} : note manquante.")
        weight = Fraction(criterion.weight)
        numerator += weight * Fraction(values[criterion.id]) / Fraction(criterion.max_score)
        weights += weight
    exact = numerator / weights * 20
    return _round_fraction(exact, TOTAL_PLACES)


def _round_fraction(value: Fraction, places: Decimal) -> Decimal:
    """Rounds a non-negative exact fraction to `places`, halves up."""
    scale = 10 ** -places.as_tuple().exponent
    scaled = value * scale
    units = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    return Decimal(units).scaleb(places.as_tuple().exponent)


def prefill_value(criterion: CriterionSpec, data: Mapping[str, object]) -> Decimal | None:
    """The criterion's score from data (e.g. the diploma average /20 scaled to the criterion's
    maximum), rounded to 0.01 halves up; None when the criterion has no source or the data is
    missing. Raises ValueError for an unknown source."""
    source = criterion.prefill_source
    if not source:
        return None
    if source not in PREFILL_SCALES:
        raise ValueError(f"{criterion.name} : source de préremplissage inconnue ({source}).")
    raw = data.get(source)
    if raw is None:
        return None
    value = Fraction(Decimal(raw)) / Fraction(PREFILL_SCALES[source]) * Fraction(criterion.max_score)
    value = min(max(value, Fraction(0)), Fraction(criterion.max_score))
    return _round_fraction(value, SCORE_PLACES)


def prefill_scores(criteria: Iterable[CriterionSpec], data: Mapping[str, object]) -> dict[int, Decimal]:
    """criterion id → prefilled value, for the criteria that have a source and data."""
    found = {}
    for criterion in criteria:
        value = prefill_value(criterion, data)
        if value is not None:
            found[criterion.id] = value
    return found


@dataclass(frozen=True)
class GapCheck:
    gap: Decimal | None          # max − min of the submitted regular totals (None below two)
    flagged: bool                # gap > threshold
    needs_third_review: bool     # flagged and no third review assigned yet
    message: str                 # French, empty when not flagged


def check_gap(regular_totals: Sequence[Decimal], threshold: Decimal, *,
              third_review_assigned: bool = False) -> GapCheck:
    """The gap rule on the weighted totals of a file's submitted regular reviews (see the
    module's docstring): max − min, judged from two totals, strictly above the threshold."""
    totals = [Decimal(t) for t in regular_totals if t is not None]
    if len(totals) < 2:
        return GapCheck(gap=None, flagged=False, needs_third_review=False, message="")
    gap = max(totals) - min(totals)
    flagged = gap > Decimal(threshold)
    message = ""
    if flagged:
        message = (f"Écart de {fr_number(gap, 3)} points sur 20 entre les évaluateurs "
                   f"(seuil : {fr_number(Decimal(threshold))}) : "
                   + ("troisième évaluation attribuée." if third_review_assigned
                      else "une troisième évaluation est nécessaire."))
    return GapCheck(gap=gap, flagged=flagged,
                    needs_third_review=flagged and not third_review_assigned, message=message)
