"""The committee's ranking (committee/ranking.py), pure: no app, no database."""
import hashlib
import json
import random
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from quota_app.committee.normalisation import ReviewTotal
from quota_app.committee.ranking import (
    Candidate, TieRule, canonical_ranking, compare_rankings, preview_normalisation, rank,
    ranking_digest, validate_adjustment,
)

D = Decimal


def ref(file_id: int) -> str:
    return f"MLI-2026-{file_id:06d}"


def cand(file_id: int, **kwargs) -> Candidate:
    return Candidate(file_id=file_id, reference=ref(file_id), **kwargs)


def review(file_id: int, reviewer_id: int, total) -> ReviewTotal:
    return ReviewTotal(file_id, reviewer_id, D(str(total)))


def ranks(ranking) -> dict[int, int]:
    return {row.file_id: row.rank for row in ranking.rows}


# --- final scores -------------------------------------------------------------------------------

def test_final_score_is_the_mean_of_the_reviews_rounded_half_up():
    reviews = [review(1, 10, "12.345"), review(1, 11, "12.346"),            # 12.3455 → 12.346
               review(2, 10, "10"), review(2, 11, "10"), review(2, 12, "10.001"),  # 10.000333 → 10.000
               review(3, 10, "15"), review(3, 12, "16")]                     # 15.5
    result = rank(reviews, [cand(1), cand(2), cand(3)])
    rows = {row.file_id: row for row in result.rows}
    assert rows[1].final_score == D("12.346") and rows[1].mean_score == D("12.346")
    assert rows[2].final_score == D("10.000") and rows[2].review_count == 3
    assert rows[3].final_score == D("15.500")
    assert [row.file_id for row in result.rows] == [3, 1, 2]
    assert [row.rank for row in result.rows] == [1, 2, 3]
    assert rows[1].normalised_score is None and result.normalisation is None
    assert rows[1].computed_score == D("12.346") and not rows[1].adjusted


def test_candidate_without_review_is_unscored_not_ranked():
    result = rank([review(1, 10, 12)], [cand(1), cand(2)])
    assert [row.file_id for row in result.rows] == [1]
    assert [c.file_id for c in result.unscored] == [2]


def test_review_of_an_unknown_file_or_a_candidate_twice_is_refused():
    with pytest.raises(ValueError, match="absent du classement"):
        rank([review(9, 10, 12)], [cand(1)])
    with pytest.raises(ValueError, match="présent deux fois"):
        rank([], [cand(1), cand(1)])


# --- normalisation and rank changes -------------------------------------------------------------
# Reviewer 1 (harsh) scored files 1..5: 8, 9, 10, 11, 12    m_1 = 10, s_1 = √2
# Reviewer 2 (lenient) scored files 6..10: 13, 14, 15, 16, 17   m_2 = 15, s_2 = √2
# Reviewer 3 scored file 11 only: 12.5 (fewer than 5 files: kept as it is)
# All 11 totals: m = 137.5 / 11 = 12.5 ; Σ(x − m)² = 2 × (4.5² + 3.5² + 2.5² + 1.5² + 0.5²) = 82.5
#   s = √(82.5 / 11) = √7.5 = 2.738613 ; s / s_r = √3.75 = 1.936492
# x' = 12.5 + 1.936492 × (x − m_r): 16.373, 14.436, 12.500, 10.564, 8.627 for both reviewers.
# Diploma averages: reviewer 2's files 15, reviewer 1's files 12, file 11 none.
HARSH = {1: 8, 2: 9, 3: 10, 4: 11, 5: 12}
LENIENT = {6: 13, 7: 14, 8: 15, 9: 16, 10: 17}


def severity_example():
    reviews = ([review(f, 1, x) for f, x in HARSH.items()] + [review(f, 2, x) for f, x in LENIENT.items()]
               + [review(11, 3, "12.5")])
    candidates = ([cand(f, diploma_average=D(12)) for f in HARSH] + [cand(f, diploma_average=D(15)) for f in LENIENT]
                  + [cand(11)])
    return reviews, candidates


def test_normalised_final_scores_and_ranks():
    reviews, candidates = severity_example()
    result = rank(reviews, candidates, normalise=True)
    scores = {row.file_id: str(row.final_score) for row in result.rows}
    assert scores == {5: "16.373", 10: "16.373", 4: "14.436", 9: "14.436", 3: "12.500", 8: "12.500",
                      11: "12.500", 2: "10.564", 7: "10.564", 1: "8.627", 6: "8.627"}
    # Ties: the higher diploma average first, no average last.
    assert [row.file_id for row in result.rows] == [10, 5, 9, 4, 8, 3, 11, 7, 2, 6, 1]
    rows = {row.file_id: row for row in result.rows}
    assert rows[5].decided_by == "diploma_average" and rows[10].decided_by is None
    assert rows[11].decided_by == "diploma_average"
    assert rows[5].mean_score == D(12) and rows[5].normalised_score == D("16.373")
    assert rows[5].computed_score == D("16.373")
    assert result.normalisation.reviewer(3).normalised is False


def test_rank_changes_between_raw_and_normalised():
    reviews, candidates = severity_example()
    preview = preview_normalisation(reviews, candidates)
    assert [row.file_id for row in preview.raw.rows] == [10, 9, 8, 7, 6, 11, 5, 4, 3, 2, 1]
    assert preview.report.mean == D("12.500") and preview.report.spread == D("2.739")
    # Files 10 (1st) and 1 (11th) keep their rank; the 9 others move.
    assert preview.changes.count == 9
    assert [(m.file_id, m.before, m.after) for m in preview.changes.moves] == [
        (5, 7, 2), (9, 2, 3), (4, 8, 4), (8, 3, 5), (3, 9, 6), (11, 6, 7), (7, 4, 8), (2, 10, 9), (6, 5, 10)]
    five = preview.changes.moves[0]
    assert five.reference == ref(5) and five.delta == 5
    assert preview.changes.moves[1].delta == -1
    assert compare_rankings(preview.raw, preview.raw).count == 0
    # The preview's normalised ranking is rank(..., normalise=True).
    assert preview.normalised.rows == rank(reviews, candidates, normalise=True).rows


def test_rank_changes_list_a_file_missing_from_the_second_ranking():
    before = rank([review(1, 1, 12), review(2, 1, 10)], [cand(1), cand(2)])
    after = rank([review(1, 1, 12)], [cand(1), cand(2)])
    changes = compare_rankings(before, after)
    assert [(m.file_id, m.before, m.after) for m in changes.moves] == [(2, 2, None)]
    assert changes.moves[0].delta is None


# --- ties ---------------------------------------------------------------------------------------

def tied(candidates, rule=None):
    """Every candidate with the same final score (12), ranked under `rule`."""
    reviews = [review(c.file_id, 1, 12) for c in candidates]
    return rank(reviews, candidates, tie_rule=rule)


def test_tie_by_diploma_average_higher_first_missing_last():
    result = tied([cand(1, diploma_average=D("13.50")), cand(2), cand(3, diploma_average=D("15.25"))])
    assert [row.file_id for row in result.rows] == [3, 1, 2]
    assert [row.decided_by for row in result.rows] == [None, "diploma_average", "diploma_average"]


def test_tie_by_submission_earlier_first_when_averages_are_equal():
    candidates = [cand(1, diploma_average=D(14), submitted_at=datetime(2026, 3, 5, 9, 0)),
                  cand(2, diploma_average=D(14), submitted_at=datetime(2026, 3, 2, 17, 30)),
                  cand(3, diploma_average=D(14))]
    result = tied(candidates)
    assert [row.file_id for row in result.rows] == [2, 1, 3]
    assert [row.decided_by for row in result.rows] == [None, "submitted_at", "submitted_at"]


def test_tie_by_reference_last():
    candidates = [cand(3), cand(1), cand(2)]
    result = tied(candidates)
    assert [row.file_id for row in result.rows] == [1, 2, 3]
    assert [row.decided_by for row in result.rows] == [None, "reference", "reference"]


def test_tie_by_birth_date_younger_first():
    candidates = [cand(1, birth_date=date(2003, 5, 1)), cand(2, birth_date=date(2005, 1, 9)), cand(3)]
    result = tied(candidates, TieRule.parse("birth_date"))
    assert [row.file_id for row in result.rows] == [2, 1, 3]


def test_tie_by_a_criterion_higher_mean_first():
    candidates = [cand(1, criterion_scores={"entretien": D("14.5")}),
                  cand(2, criterion_scores={"entretien": D("16")}),
                  cand(3, criterion_scores={"motivation": D(20)})]
    result = tied(candidates, TieRule.parse("criterion:entretien, diploma_average"))
    assert [row.file_id for row in result.rows] == [2, 1, 3]
    assert result.rows[1].decided_by == "criterion:entretien"


def test_tie_rule_order_matters():
    candidates = [cand(1, diploma_average=D(16), submitted_at=datetime(2026, 3, 9)),
                  cand(2, diploma_average=D(12), submitted_at=datetime(2026, 3, 1))]
    assert [r.file_id for r in tied(candidates).rows] == [1, 2]
    assert [r.file_id for r in tied(candidates, TieRule.parse("submitted_at, diploma_average")).rows] == [2, 1]


def test_rule_applies_only_to_equal_final_scores():
    reviews = [review(1, 1, "12.001"), review(2, 1, "12")]
    candidates = [cand(1, diploma_average=D(10)), cand(2, diploma_average=D(19))]
    result = rank(reviews, candidates)
    assert [row.file_id for row in result.rows] == [1, 2]
    assert [row.decided_by for row in result.rows] == [None, None]


def test_tie_rule_parsing():
    assert TieRule.parse(None).keys == ("diploma_average", "submitted_at", "reference")
    assert TieRule.parse("  ").keys == TieRule().keys
    assert TieRule.parse("submitted_at;\ndiploma_average").keys == ("submitted_at", "diploma_average", "reference")
    assert TieRule.parse("birth_date, reference").text == "birth_date,reference"
    assert TieRule().text == "diploma_average,submitted_at,reference"
    for text, message in (("age", "clé inconnue « age »"),
                          ("criterion:", "clé inconnue"),
                          ("diploma_average, diploma_average", "figure deux fois"),
                          ("reference, diploma_average", "toujours en dernier")):
        with pytest.raises(ValueError, match=message):
            TieRule.parse(text)


def test_tie_rule_french_text_for_the_minutes():
    assert TieRule().describe() == (
        "En cas d'égalité de note finale (au millième), les candidats sont départagés "
        "successivement par : 1) la moyenne du diplôme la plus élevée ; puis 2) le dépôt du dossier "
        "le plus ancien (date et heure de soumission) ; puis 3) la référence du dossier, dans l'ordre "
        "alphabétique. Aucun départage n'est laissé au hasard.")
    text = TieRule.parse("criterion:entretien, birth_date").describe({"entretien": "Entretien"})
    assert "1) la note moyenne la plus élevée au critère « Entretien »" in text
    assert "2) le candidat le plus jeune" in text and "3) la référence du dossier" in text


def test_order_equals_a_plain_sort_on_random_instances_with_many_ties():
    """The ranking's order is the plain sort by (higher final score, then the rule's keys)."""
    rng = random.Random(3)
    for _ in range(20):
        candidates = [cand(f, diploma_average=rng.choice([None, D(12), D("13.5"), D(15)]),
                           submitted_at=rng.choice([None, datetime(2026, 3, 1), datetime(2026, 3, 2)]))
                      for f in rng.sample(range(1, 1000), 60)]
        reviews = [review(c.file_id, r, rng.choice(["10", "11", "11.5", "12"])) for c in candidates
                   for r in (1, 2)]
        result = rank(reviews, candidates)

        def key(c):
            totals = [D(r.total) for r in reviews if r.file_id == c.file_id]
            average = c.diploma_average
            return (-(sum(totals) / len(totals)), average is None, -(average or 0),
                    c.submitted_at is None, c.submitted_at or datetime.max, c.reference)

        assert [row.file_id for row in result.rows] == [c.file_id for c in sorted(candidates, key=key)]


# --- adjustments --------------------------------------------------------------------------------

def test_adjustment_replaces_the_final_score_and_is_marked():
    reviews = [review(1, 1, 15), review(2, 1, 12), review(3, 1, 10)]
    result = rank(reviews, [cand(1), cand(2), cand(3)], adjustments={3: D("16.250")})
    assert [row.file_id for row in result.rows] == [3, 1, 2]
    top = result.rows[0]
    assert top.adjusted and top.final_score == D("16.250") and top.computed_score == D("10.000")
    assert top.mean_score == D("10.000")
    assert not result.rows[1].adjusted


def test_adjustment_with_normalisation_keeps_the_normalised_score_beside_it():
    reviews, candidates = severity_example()
    result = rank(reviews, candidates, normalise=True, adjustments={1: "19"})
    first = result.rows[0]
    assert (first.file_id, first.final_score, first.adjusted) == (1, D("19.000"), True)
    assert first.normalised_score == D("8.627") and first.mean_score == D("8.000")


def test_adjustment_of_an_unscored_file_ranks_it():
    result = rank([review(1, 1, 12)], [cand(1), cand(2)], adjustments={2: D(11)})
    assert [(row.file_id, row.rank, row.adjusted) for row in result.rows] == [(1, 1, False), (2, 2, True)]
    assert result.rows[1].mean_score is None and result.rows[1].computed_score is None
    assert result.unscored == ()


def test_adjustment_values_are_checked():
    for value, message in ((D("20.5"), "comprise entre 0 et 20"), ("-1", "comprise entre 0 et 20"),
                           ("12,3456", "trois décimales au plus"), ("douze", "pas un nombre")):
        with pytest.raises(ValueError, match=message):
            rank([review(1, 1, 12)], [cand(1)], adjustments={1: value})
    with pytest.raises(ValueError, match="absent du classement"):
        rank([review(1, 1, 12)], [cand(1)], adjustments={7: D(12)})


def test_validate_adjustment():
    assert validate_adjustment("14,5", "Entretien repassé devant le comité") == D("14.500")
    with pytest.raises(ValueError, match="justification écrite"):
        validate_adjustment(D(14), "   ")
    with pytest.raises(ValueError, match="comprise entre 0 et 20"):
        validate_adjustment(D(21), "motif")


# --- canonical serialisation --------------------------------------------------------------------

def test_canonical_serialisation_exact_bytes_and_digest():
    result = rank([review(1, 1, "12.5"), review(2, 1, 15)], [cand(1), cand(2)], adjustments={1: "16"})
    data = canonical_ranking(result.rows)
    assert data == (
        b'{"format":"quota.ranking.v1","rows":['
        b'{"adjusted":true,"final_score":"16.000","rank":1,"reference":"MLI-2026-000001"},'
        b'{"adjusted":false,"final_score":"15.000","rank":2,"reference":"MLI-2026-000002"}]}')
    assert result.canonical() == data
    assert ranking_digest(result.rows) == hashlib.sha256(data).hexdigest() == result.digest()
    assert json.loads(data)["rows"][0]["final_score"] == "16.000"


def test_canonical_serialisation_stable_under_input_order():
    rng = random.Random(7)
    candidates = [cand(f, diploma_average=D(rng.randint(1000, 1600)).scaleb(-2)) for f in range(1, 201)]
    reviews = [review(f, r, D(rng.randint(0, 40)).scaleb(-1) + 10) for f in range(1, 201) for r in rng.sample(range(1, 21), 2)]
    expected = rank(reviews, candidates, normalise=True).digest()
    for _ in range(5):
        rng.shuffle(candidates)
        rng.shuffle(reviews)
        shuffled = rank(reviews, candidates, normalise=True)
        assert shuffled.digest() == expected
        assert ranking_digest(list(reversed(shuffled.rows))) == expected


def test_canonical_serialisation_of_stored_rows_and_context():
    result = rank([review(1, 1, "12.5"), review(2, 1, 15)], [cand(1), cand(2)])
    stored = [SimpleNamespace(reference=ref(1), final_score=D("12.500"), rank=2, adjusted=False),
              SimpleNamespace(reference=ref(2), final_score=D("15.000"), rank=1, adjusted=False)]
    assert ranking_digest(stored) == result.digest()
    context = {"campagne": "Q2026", "comité": "Comité national"}
    with_context = canonical_ranking(stored, context)
    assert '"context":{"campagne":"Q2026","comité":"Comité national"}'.encode() in with_context
    assert ranking_digest(stored, context) != result.digest()


def test_canonical_serialisation_changes_with_any_field():
    base = [SimpleNamespace(reference=ref(1), final_score=D("12.500"), rank=1, adjusted=False)]
    digest = ranking_digest(base)
    for change in ({"final_score": D("12.501")}, {"adjusted": True}, {"reference": ref(2)}):
        row = SimpleNamespace(**{**vars(base[0]), **change})
        assert ranking_digest([row]) != digest


def test_canonical_serialisation_refuses_inconsistent_ranks():
    rows = [SimpleNamespace(reference=ref(1), final_score=D(12), rank=1, adjusted=False),
            SimpleNamespace(reference=ref(2), final_score=D(11), rank=3, adjusted=False)]
    with pytest.raises(ValueError, match="rangs doivent aller de 1 à n"):
        canonical_ranking(rows)
    with pytest.raises(ValueError):
        canonical_ranking([SimpleNamespace(reference=ref(1), final_score=D("1.0001"), rank=1, adjusted=False)])


# --- purity -------------------------------------------------------------------------------------

def test_the_pure_modules_import_neither_flask_nor_the_database():
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "quota_app" / "committee"
    for name in ("scoring.py", "normalisation.py", "ranking.py"):
        imported = set()
        for node in ast.walk(ast.parse((folder / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add("." * node.level + (node.module or ""))
        assert imported <= {"__future__", "collections.abc", "dataclasses", "datetime", "decimal",
                            "fractions", "functools", "hashlib", "itertools", "json", "math",
                            "operator", "typing", "..gcpause", ".normalisation"}, (name, imported)
