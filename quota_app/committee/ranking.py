"""The committee's ranking: final scores, the chair's adjustments, ties, ranks, the effect of
normalisation, and the canonical serialisation that the seal hashes.

Pure: plain data in and out (no Flask, no session).

Final score of a file = the mean of its submitted reviews' weighted totals (normalised per
reviewer when the campaign says so, normalisation.py), computed exactly on integer thousandths
and rounded to 0.001, halves upward: the value stored in Numeric(7,3). Ranks compare those
stored values, so two files equal to the thousandth are tied and the tie rule decides.

A chair's adjustment replaces a file's final score (the justification is the service's to keep;
here it is the value, and the row is marked adjusted). The computed score stays beside it.

Ties are broken by the campaign's written rule, a list of keys (TieRule); the file's reference
is always the last key, so no two files ever share a rank, and chance never decides. Ranks are
1..n in that order.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import compress, repeat
from operator import attrgetter, eq, is_not, ne, not_, sub
from typing import NamedTuple

from ..gcpause import gc_paused
from .normalisation import (
    MIN_REVIEWS, Normalisation, ReviewTotal, from_milli, milli_list, milli_text, normalise_milli, to_milli,
)

CANONICAL_FORMAT = "quota.ranking.v1"


# --- Tie rule -----------------------------------------------------------------------------------

TIE_KEY_TEXTS = {
    "diploma_average": "la moyenne du diplôme la plus élevée",
    "submitted_at": "le dépôt du dossier le plus ancien (date et heure de soumission)",
    "birth_date": "le candidat le plus jeune (date de naissance la plus récente)",
    "reference": "la référence du dossier, dans l'ordre alphabétique",
}
CRITERION_PREFIX = "criterion:"
DEFAULT_TIE_KEYS = ("diploma_average", "submitted_at", "reference")


@dataclass(frozen=True)
class TieRule:
    """The keys that order files of equal final score, in order; always ends with "reference".

    Keys: diploma_average (higher first), submitted_at (earlier first), birth_date (younger
    first), criterion:<code> (higher mean score on that criterion first), reference
    (alphabetical). A missing value (no average, no date) comes after every present one.
    """

    keys: tuple[str, ...] = DEFAULT_TIE_KEYS

    @classmethod
    def parse(cls, text: str | None) -> TieRule:
        """The rule as written in the setting (keys separated by commas, semicolons or new
        lines); blank gives the default. Raises ValueError with a French message."""
        if not text or not text.strip():
            return cls()
        keys = [k.strip() for k in text.replace(";", ",").replace("\n", ",").split(",") if k.strip()]
        return cls.of(keys)

    @classmethod
    def of(cls, keys: Iterable[str]) -> TieRule:
        keys = list(keys)
        seen = []
        for key in keys:
            if key in seen:
                raise ValueError(f"Règle de départage : le critère « {key} » figure deux fois.")
            if key not in TIE_KEY_TEXTS and not (key.startswith(CRITERION_PREFIX)
                                                 and len(key) > len(CRITERION_PREFIX)):
                raise ValueError(f"Règle de départage : clé inconnue « {key} » (clés possibles : "
                                 "diploma_average, submitted_at, birth_date, criterion:<code>, reference).")
            seen.append(key)
        if "reference" in seen and seen[-1] != "reference":
            raise ValueError("Règle de départage : la référence du dossier départage toujours en dernier.")
        if "reference" not in seen:
            seen.append("reference")
        return cls(tuple(seen))

    @property
    def text(self) -> str:
        """The rule as stored (campaigns.tie_break_rule: keys joined by commas)."""
        return ",".join(self.keys)

    def key_text(self, key: str, criterion_names: Mapping[str, str] | None = None) -> str:
        if key.startswith(CRITERION_PREFIX):
            code = key[len(CRITERION_PREFIX):]
            name = (criterion_names or {}).get(code, code)
            return f"la note moyenne la plus élevée au critère « {name} »"
        return TIE_KEY_TEXTS[key]

    def describe(self, criterion_names: Mapping[str, str] | None = None) -> str:
        """The French sentence printed on the procès-verbal."""
        parts = [f"{i}) {self.key_text(k, criterion_names)}" for i, k in enumerate(self.keys, 1)]
        return ("En cas d'égalité de note finale (au millième), les candidats sont départagés "
                "successivement par : " + " ; puis ".join(parts)
                + ". Aucun départage n'est laissé au hasard.")


# --- Data in and out ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible file as the ranking sees it (the tie keys' data included)."""

    file_id: int
    reference: str
    diploma_average: Decimal | None = None
    submitted_at: datetime | None = None
    birth_date: date | None = None
    criterion_scores: Mapping[str, Decimal] | None = None   # criterion code → mean score


class RankedFile(NamedTuple):
    """One row of a ranking (an immutable tuple). Scores are kept as integer thousandths
    (`*_milli`); the properties give them as Decimals with three places (Numeric(7,3))."""

    file_id: int
    reference: str
    rank: int
    final_milli: int
    mean_milli: int | None            # raw mean of the reviews' totals (None: no review)
    normalised_milli: int | None      # mean of the normalised totals (None: normalisation off)
    adjusted: bool
    review_count: int
    decided_by: str | None = None     # the tie key that put it below the previous row of equal score

    @property
    def final_score(self) -> Decimal:
        return from_milli(self.final_milli)

    @property
    def mean_score(self) -> Decimal | None:
        return None if self.mean_milli is None else from_milli(self.mean_milli)

    @property
    def normalised_score(self) -> Decimal | None:
        return None if self.normalised_milli is None else from_milli(self.normalised_milli)

    @property
    def computed_score(self) -> Decimal | None:
        """The score before any adjustment (normalised when normalisation is on)."""
        milli = self.normalised_milli if self.normalised_milli is not None else self.mean_milli
        return None if milli is None else from_milli(milli)


@dataclass(frozen=True)
class Ranking:
    rows: tuple[RankedFile, ...]                  # in rank order, ranks 1..n
    unscored: tuple[Candidate, ...] = ()          # no submitted review and no adjustment
    normalisation: Normalisation | None = None    # None when normalisation is off
    tie_rule: TieRule = field(default_factory=TieRule)

    def by_file(self) -> dict[int, RankedFile]:
        return {row.file_id: row for row in self.rows}

    def canonical(self, context: Mapping[str, str] | None = None) -> bytes:
        return canonical_ranking(self.rows, context)

    def digest(self, context: Mapping[str, str] | None = None) -> str:
        return ranking_digest(self.rows, context)


class RankMove(NamedTuple):
    file_id: int
    reference: str
    before: int | None
    after: int | None

    @property
    def delta(self) -> int | None:
        """Places gained (positive: moved up)."""
        return None if self.before is None or self.after is None else self.before - self.after


@dataclass(frozen=True)
class RankChanges:
    count: int
    moves: tuple[RankMove, ...]                   # ordered by the rank after, then before


@dataclass(frozen=True)
class NormalisationPreview:
    """What the page shows before normalisation is adopted."""

    raw: Ranking
    normalised: Ranking
    changes: RankChanges

    @property
    def report(self) -> Normalisation:
        return self.normalised.normalisation


# --- Adjustments --------------------------------------------------------------------------------

def validate_adjustment(value, justification: str) -> Decimal:
    """The chair's new final score, checked: a number within 0..20 with three decimals at most,
    and a written justification. Raises ValueError with a French message."""
    if not (justification or "").strip():
        raise ValueError("Un ajustement de note exige une justification écrite.")
    return _adjustment_milli_value(value)[1]


def _adjustment_milli_value(value) -> tuple[int, Decimal]:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"Note ajustée « {value} » : ce n'est pas un nombre.") from None
    if not number.is_finite() or number < 0 or number > 20:
        raise ValueError(f"Note ajustée « {value} » : elle doit être comprise entre 0 et 20.")
    try:
        milli = to_milli(number)
    except ValueError:
        raise ValueError(f"Note ajustée « {value} » : trois décimales au plus.") from None
    return milli, from_milli(milli)


# --- Ranking ------------------------------------------------------------------------------------

def _prepare(reviews: Sequence[ReviewTotal], candidates: Sequence[Candidate]):
    """Parallel lists over the reviews: candidate index, reviewer id, total in thousandths;
    and each candidate's review count."""
    index_of = dict(zip(map(attrgetter("file_id"), candidates), range(len(candidates))))
    if len(index_of) != len(candidates):
        seen = set()
        for candidate in candidates:
            if candidate.file_id in seen:
                raise ValueError(f"Dossier {candidate.reference} présent deux fois.")
            seen.add(candidate.file_id)
    try:
        file_index = list(map(index_of.__getitem__, map(attrgetter("file_id"), reviews)))
    except KeyError as exc:
        raise ValueError(f"Évaluation d'un dossier absent du classement (id {exc.args[0]}).") from None
    reviewer_ids = list(map(attrgetter("reviewer_id"), reviews))
    totals = milli_list(list(map(attrgetter("total"), reviews)))
    counts = [0] * len(candidates)
    for i in file_index:
        counts[i] += 1
    return file_index, reviewer_ids, totals, counts


def _means(counts: Sequence[int], file_index: Sequence[int], totals: Sequence[int]) -> list:
    """Per candidate: the exact mean of its totals rounded to an integer, halves upward
    (None without review)."""
    sums = [0] * len(counts)
    for i, total in zip(file_index, totals):
        sums[i] += total
    return [(2 * s + n) // (2 * n) if n else None for s, n in zip(sums, counts)]


_DECIMAL_LAST = Decimal("Infinity")
_INT_LAST = float("inf")


def _column(key: str, candidates: Sequence[Candidate]) -> list:
    """One tie key's values for every candidate, smaller first; a missing value sorts last."""
    if key == "reference":
        return list(map(attrgetter("reference"), candidates))
    if key == "diploma_average":
        return [_DECIMAL_LAST if v is None else -Decimal(v)
                for v in map(attrgetter("diploma_average"), candidates)]
    if key == "submitted_at":
        values = list(map(attrgetter("submitted_at"), candidates))
        present = next((v for v in values if v is not None), None)
        last = datetime.max if present is None else datetime.max.replace(tzinfo=present.tzinfo)
        return [last if v is None else v for v in values]
    if key == "birth_date":
        return [_INT_LAST if v is None else -v.toordinal() for v in map(attrgetter("birth_date"), candidates)]
    code = key[len(CRITERION_PREFIX):]
    values = [(c.criterion_scores or {}).get(code) for c in candidates]
    return [_DECIMAL_LAST if v is None else -Decimal(v) for v in values]


def _columns(candidates, tie_rule: TieRule) -> list[list]:
    return [_column(key, candidates) for key in tie_rule.keys]


def _order(finals, tie_rule: TieRule, columns: list[list]) -> tuple[list[int], list]:
    """Candidate indexes in rank order (higher final score first, then the tie rule's columns),
    and for each row the tie key that put it below the previous row of equal score (else None)."""
    # By final score first (integer keys, fast), then each run of equal scores by the rule's
    # columns: small sorts, rather than comparing key tuples across the whole ranking.
    negated = [0 if f is None else -f for f in finals]
    order = sorted(compress(range(len(finals)), map(is_not, finals, repeat(None))), key=negated.__getitem__)
    n = len(order)
    ranked = list(map(negated.__getitem__, order))
    positions = list(compress(range(1, n), map(eq, ranked[1:], ranked[:-1])))  # row p ties with p − 1
    keys = list(zip(*columns))
    start = end = None
    for p in positions:
        if p - 1 == end:
            end = p
            continue
        if start is not None:
            order[start:end + 1] = sorted(order[start:end + 1], key=keys.__getitem__)
        start, end = p - 1, p
    if start is not None:
        order[start:end + 1] = sorted(order[start:end + 1], key=keys.__getitem__)
    # The deciding key of each row tied with the previous one, key by key over the rows still
    # tied, with C-level loops (map, compress) rather than a Python loop per row.
    decided: list = [None] * n
    below = list(map(order.__getitem__, positions))                      # the tied row
    above = list(map(order.__getitem__, map(sub, positions, repeat(1))))  # the row before it
    for name, column in zip(tie_rule.keys, columns):
        if not positions:
            break
        differs = list(map(ne, map(column.__getitem__, below), map(column.__getitem__, above)))
        for p in compress(positions, differs):
            decided[p] = name
        same = list(map(not_, differs))
        positions, below, above = (list(compress(positions, same)), list(compress(below, same)),
                                   list(compress(above, same)))
    return order, decided


_new_row = partial(tuple.__new__, RankedFile)


def _rank(candidates, means, normalised, counts, adjustments, tie_rule, normalisation, columns=None) -> Ranking:
    finals = list(normalised if normalised is not None else means)
    adjusted = [False] * len(candidates)
    for i, milli in adjustments.items():
        finals[i] = milli
        adjusted[i] = True
    order, decided = _order(finals, tie_rule, columns or _columns(candidates, tie_rule))

    def pick(column):
        return map(column.__getitem__, order)

    ordered = list(pick(candidates))
    rows = tuple(map(_new_row, zip(
        map(attrgetter("file_id"), ordered),
        map(attrgetter("reference"), ordered),
        range(1, len(order) + 1),
        pick(finals),
        pick(means),
        pick(normalised) if normalised is not None else [None] * len(order),
        pick(adjusted),
        pick(counts),
        decided)))
    unscored = tuple(c for c, f in zip(candidates, finals) if f is None)
    return Ranking(rows=rows, unscored=unscored, normalisation=normalisation, tie_rule=tie_rule)


def _adjustments(candidates, adjustments: Mapping[int, object] | None) -> dict[int, int]:
    if not adjustments:
        return {}
    index_of = {c.file_id: i for i, c in enumerate(candidates)}
    found = {}
    for file_id, value in adjustments.items():
        if file_id not in index_of:
            raise ValueError(f"Ajustement d'un dossier absent du classement (id {file_id}).")
        found[index_of[file_id]] = _adjustment_milli_value(value)[0]
    return found


def rank(reviews: Sequence[ReviewTotal], candidates: Sequence[Candidate], *, normalise: bool = False,
         adjustments: Mapping[int, object] | None = None, tie_rule: TieRule | None = None,
         min_reviews: int = MIN_REVIEWS) -> Ranking:
    """The ranking of `candidates` from their submitted reviews (one ReviewTotal each).

    normalise: the campaign's `normalise_scores`; adjustments: file id → the chair's final score;
    tie_rule: the campaign's rule (TieRule.parse of the setting), the default when None.
    Raises ValueError for a review or an adjustment of a file that is not a candidate."""
    with gc_paused():  # 100,000 rows of new tuples hold no cycle: see gcpause
        return _rank_all(reviews, candidates, normalise, adjustments, tie_rule or TieRule(), min_reviews)


def _rank_all(reviews, candidates, normalise, adjustments, tie_rule, min_reviews) -> Ranking:
    file_index, reviewer_ids, totals, counts = _prepare(reviews, candidates)
    means = _means(counts, file_index, totals)
    adjusted = _adjustments(candidates, adjustments)
    if not normalise:
        return _rank(candidates, means, None, counts, adjusted, tie_rule, None)
    normalised_totals, report = normalise_milli(reviewer_ids, totals, min_reviews=min_reviews)
    normalised = _means(counts, file_index, normalised_totals)
    return _rank(candidates, means, normalised, counts, adjusted, tie_rule, report)


def compare_rankings(before: Ranking, after: Ranking) -> RankChanges:
    """Who changes rank from `before` to `after` (e.g. raw → normalised), with both ranks;
    ordered by the rank after (files only in `before` last, by their rank before)."""
    old = dict(zip(map(attrgetter("file_id"), before.rows), map(attrgetter("rank"), before.rows)))
    moves = [(row.file_id, row.reference, old.get(row.file_id), row.rank)
             for row in after.rows if old.get(row.file_id) != row.rank]
    kept = set(map(attrgetter("file_id"), after.rows))
    moves += [(row.file_id, row.reference, row.rank, None) for row in before.rows if row.file_id not in kept]
    return RankChanges(count=len(moves), moves=tuple(map(_new_move, moves)))


_new_move = partial(tuple.__new__, RankMove)


def preview_normalisation(reviews: Sequence[ReviewTotal], candidates: Sequence[Candidate], *,
                          adjustments: Mapping[int, object] | None = None,
                          tie_rule: TieRule | None = None,
                          min_reviews: int = MIN_REVIEWS) -> NormalisationPreview:
    """Both rankings (raw and normalised, same adjustments and tie rule), the per-reviewer
    report and the rank changes: the page shown before normalisation is adopted."""
    with gc_paused():  # see rank()
        return _preview(reviews, candidates, adjustments, tie_rule or TieRule(), min_reviews)


def _preview(reviews, candidates, adjustments, tie_rule, min_reviews) -> NormalisationPreview:
    file_index, reviewer_ids, totals, counts = _prepare(reviews, candidates)
    means = _means(counts, file_index, totals)
    adjusted = _adjustments(candidates, adjustments)
    columns = _columns(candidates, tie_rule)
    raw = _rank(candidates, means, None, counts, adjusted, tie_rule, None, columns)
    normalised_totals, report = normalise_milli(reviewer_ids, totals, min_reviews=min_reviews)
    normalised = _means(counts, file_index, normalised_totals)
    after = _rank(candidates, means, normalised, counts, adjusted, tie_rule, report, columns)
    return NormalisationPreview(raw=raw, normalised=after, changes=compare_rankings(raw, after))


# --- Canonical serialisation (the seal) -----------------------------------------------------------

def _row_milli(row) -> int:
    milli = getattr(row, "final_milli", None)
    return milli if milli is not None else to_milli(row.final_score)


def canonical_ranking(rows: Iterable, context: Mapping[str, str] | None = None) -> bytes:
    """The ranking as canonical JSON (UTF-8 bytes), what the seal hashes.

    rows: RankedFile, or any objects with reference, final_score (Decimal or string, at most
    three decimals), rank and adjusted (e.g. the stored results). Rows are put in rank order
    whatever order they come in; ranks must be 1..n. The document is
        {"format": "quota.ranking.v1", "rows": [{"adjusted": false, "final_score": "15.250",
         "rank": 1, "reference": "MLI-2026-000001"}, ...]}
    plus "context" (e.g. campaign and committee codes) when given; keys sorted, no spaces,
    non-ASCII kept as UTF-8, scores as strings with exactly three decimals."""
    with gc_paused():  # 100,000 rows of new dicts: see gcpause
        return _canonical(rows, context)


def _canonical(rows: Iterable, context: Mapping[str, str] | None) -> bytes:
    items = sorted(((int(row.rank), str(row.reference), milli_text(_row_milli(row)), bool(row.adjusted))
                    for row in rows), key=lambda item: item[0])
    if [item[0] for item in items] != list(range(1, len(items) + 1)):
        raise ValueError("Classement incohérent : les rangs doivent aller de 1 à n sans doublon.")
    document = {"format": CANONICAL_FORMAT,
                "rows": [{"adjusted": a, "final_score": s, "rank": r, "reference": ref}
                         for r, ref, s, a in items]}
    if context:
        document["context"] = {str(k): str(v) for k, v in context.items()}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def ranking_digest(rows: Iterable, context: Mapping[str, str] | None = None) -> str:
    """SHA-256 (hex) of the canonical serialisation."""
    return hashlib.sha256(canonical_ranking(rows, context)).hexdigest()


def order(finals_milli: Sequence[int], candidates: Sequence[Candidate], tie_rule: TieRule) -> list[int]:
    """Candidate indexes in the order of one common ranking: higher final score (integer
    thousandths) first, then the tie rule. What the placement uses across committees."""
    return _order(list(finals_milli), tie_rule, _columns(candidates, tie_rule))[0]
