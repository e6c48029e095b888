"""The placement rule (quota_app.placement.allocation), pure: hand-checked cases, then random
instances checked against the choice function written naively here (stability by brute force,
a naive round-by-round deferred acceptance, strategy-proofness spot checks)."""
import itertools
import random
from decimal import Decimal

import pytest

from quota_app.placement.allocation import (
    RULE_TEXT,
    Allocation,
    Candidate,
    Cutoff,
    Explanation,
    OfferSeats,
    allocate,
    explanation_text,
)


def cand(cid, priority, choices, woman=False, score=None):
    """Candidate `cid`, rank `priority`; score 20 - priority/10 unless given."""
    if score is None:
        score = Decimal(20000 - 100 * priority).scaleb(-3)
    return Candidate(id=cid, priority=priority, score=Decimal(score), woman=woman, choices=tuple(choices))


# --- the choice function, naively -------------------------------------------------------------

def choose(offer: OfferSeats, proposers):
    """(open, reserved): what the offer keeps of `proposers` under the rule of the issue."""
    ranked = sorted(proposers, key=lambda c: c.priority)
    open_seats = ranked[:offer.seats - offer.reserved]
    rest = ranked[offer.seats - offer.reserved:]
    reserved = [c for c in rest if c.woman][:offer.reserved]
    others = [c for c in rest if c not in reserved]
    reserved += others[:offer.reserved - len(reserved)]  # reverting reserved seats
    return open_seats, sorted(reserved, key=lambda c: c.priority)


def naive_deferred_acceptance(offers, candidates):
    """Round by round: every free candidate proposes to their next choice, every offer keeps
    choose(held + proposers). Returns candidate id -> (offer id, kind)."""
    by_id = {o.id: o for o in offers}
    prefs = {c.id: [o for o in c.choices if o in by_id] for c in candidates}
    nxt = {c.id: 0 for c in candidates}
    held = {o.id: [] for o in offers}
    free = list(candidates)
    while free:
        proposals = {}
        for c in free:  # a candidate with no choice left drops out, unplaced
            if nxt[c.id] < len(prefs[c.id]):
                proposals.setdefault(prefs[c.id][nxt[c.id]], []).append(c)
                nxt[c.id] += 1
        free = []
        for offer_id, new in proposals.items():
            pool = held[offer_id] + new
            kept_open, kept_reserved = choose(by_id[offer_id], pool)
            held[offer_id] = kept_open + kept_reserved
            free += [c for c in pool if c not in held[offer_id]]
    result = {}
    for offer_id, kept in held.items():
        kept_open, kept_reserved = choose(by_id[offer_id], kept)
        for c in kept_open:
            result[c.id] = (offer_id, "open")
        for c in kept_reserved:
            result[c.id] = (offer_id, "reserved")
    return result


def rank_of(candidate, offer_id):
    """Position of offer_id in the candidate's choices (len when absent: unplaced)."""
    return candidate.choices.index(offer_id) if offer_id in candidate.choices else len(candidate.choices)


# --- hand-checked cases -------------------------------------------------------------------------

def test_no_reserved_seats_is_serial_dictatorship():
    offers = [OfferSeats(10, 1), OfferSeats(20, 2), OfferSeats(30, 1)]
    cs = [cand(1, 1, [10, 20]), cand(2, 2, [10, 30]), cand(3, 3, [10, 30, 20]),
          cand(4, 4, [30, 20]), cand(5, 5, [20, 10]), cand(6, 6, [30, 10])]
    a = allocate(offers, reversed(cs))
    # 1 takes 10; 2 refused by 10 takes 30; 3: 10 and 30 full, takes 20; 4: 30 full, takes 20;
    # 5: 20 full, 10 full; 6: nothing left.
    assert a.placed == {1: (10, "open"), 2: (30, "open"), 3: (20, "open"), 4: (20, "open")}
    assert a.unplaced == [5, 6]
    assert a.waiting == {10: [2, 3, 5, 6], 20: [5], 30: [3, 4, 6]}


def test_woman_on_an_open_seat_does_not_use_the_reserved_seat():
    offers = [OfferSeats(1, seats=2, reserved=1)]
    cs = [cand(1, 1, [1], woman=True), cand(2, 2, [1], woman=True), cand(3, 3, [1])]
    a = allocate(offers, cs)
    assert a.placed == {1: (1, "open"), 2: (1, "reserved")}
    assert a.unplaced == [3]
    assert a.cutoffs[1] == Cutoff(cs[0].score, cs[1].score, 1, 1)


def test_reserved_seat_before_a_better_man():
    offers = [OfferSeats(1, seats=2, reserved=1)]
    cs = [cand(1, 1, [1]), cand(2, 2, [1]), cand(3, 3, [1], woman=True)]
    a = allocate(offers, cs)
    assert a.placed == {1: (1, "open"), 3: (1, "reserved")}
    assert a.unplaced == [2]
    assert a.waiting == {1: [2]}


def test_empty_reserve_reverts_to_the_best_remaining_man():
    offers = [OfferSeats(1, seats=3, reserved=2)]
    cs = [cand(1, 1, [1]), cand(2, 2, [1]), cand(3, 3, [1], woman=True), cand(4, 4, [1]), cand(5, 5, [1])]
    a = allocate(offers, cs)
    # open: 1; reserved: the only woman 3, then the seat no woman takes goes to 2.
    assert a.placed == {1: (1, "open"), 2: (1, "reserved"), 3: (1, "reserved")}
    assert a.unplaced == [4, 5]
    assert a.cutoffs[1] == Cutoff(cs[0].score, cs[2].score, 1, 2)


def test_all_seats_reserved():
    offers = [OfferSeats(1, seats=2, reserved=2)]
    cs = [cand(1, 1, [1]), cand(2, 2, [1], woman=True), cand(3, 3, [1]), cand(4, 4, [1], woman=True),
          cand(5, 5, [1], woman=True)]
    a = allocate(offers, cs)
    assert a.placed == {2: (1, "reserved"), 4: (1, "reserved")}
    assert a.unplaced == [1, 3, 5]
    assert a.cutoffs[1] == Cutoff(None, cs[3].score, 0, 2)
    # Without enough women, the men get the seats back, in rank order.
    a = allocate(offers, [cs[0], cs[2], cs[4]])
    assert a.placed == {1: (1, "reserved"), 5: (1, "reserved")}
    assert a.unplaced == [3]


def test_offer_without_seats_rejects_everyone():
    offers = [OfferSeats(1, 0), OfferSeats(2, 1)]
    cs = [cand(1, 1, [1, 2], woman=True), cand(2, 2, [1])]
    a = allocate(offers, cs)
    assert a.placed == {1: (2, "open")}
    assert a.unplaced == [2]
    assert a.cutoffs[1] == Cutoff(None, None, 0, 0)
    assert a.waiting == {1: [1, 2], 2: []}


def test_man_on_a_reverted_seat_displaced_by_a_later_woman():
    offers = [OfferSeats(10, seats=2, reserved=1), OfferSeats(20, seats=1), OfferSeats(30, seats=1)]
    cs = [cand(1, 1, [10, 20]), cand(2, 2, [10, 20]), cand(3, 3, [10], woman=True),
          cand(4, 4, [20, 30]), cand(5, 5, [30])]
    a = allocate(offers, cs)
    # 2 holds 10's reserved seat until 3 comes; he then takes 20 (before 4), 4 takes 30, 5 none.
    assert a.placed == {1: (10, "open"), 3: (10, "reserved"), 2: (20, "open"), 4: (30, "open")}
    assert a.unplaced == [5]
    assert a.waiting == {10: [2], 20: [4], 30: [5]}
    # The same result whatever the order of the input.
    for order in itertools.permutations(cs):
        assert allocate(offers, order).placed == a.placed


def test_freed_reverted_seat_goes_to_a_woman_first():
    # 1 (man) holds the reserved seat of 10 reverted to him, then 2 (a woman, better ranked,
    # first on 20) is pushed down to 10 by nobody: she only ranks 10 second. The seat stays
    # reserved: when she comes, she takes it from him although he is better ranked.
    offers = [OfferSeats(10, seats=1, reserved=1), OfferSeats(20, seats=1)]
    cs = [cand(1, 1, [20, 10]), cand(2, 2, [20, 10], woman=True), cand(3, 3, [10])]
    a = allocate(offers, cs)
    assert a.placed == {1: (20, "open"), 2: (10, "reserved")}
    assert a.unplaced == [3]


def test_choices_outside_the_offers_are_ignored():
    offers = [OfferSeats(1, 1), OfferSeats(2, 1)]
    cs = [cand(1, 1, [99, 1]), cand(2, 2, [1, 98, 2]), cand(3, 3, [97, 96])]
    a = allocate(offers, cs)
    assert a.placed == {1: (1, "open"), 2: (2, "open")}
    assert a.unplaced == [3]
    assert a.waiting == {1: [2], 2: []}
    assert set(a.cutoffs) == {1, 2}
    assert a.explain(cs[1]) == [Explanation(1, 1, cs[0].score, None, cs[1].score)]
    assert a.explain(cs[2]) == []


def test_waiting_lists_in_rank_order_of_those_who_wanted_better():
    offers = [OfferSeats(1, 1), OfferSeats(2, 1), OfferSeats(3, 3)]
    cs = [cand(5, 1, [1, 2, 3]), cand(4, 2, [2, 1, 3]), cand(3, 3, [1, 2, 3]),
          cand(2, 4, [3, 1]), cand(1, 5, [2, 3])]
    a = allocate(offers, cs)
    assert a.placed == {5: (1, "open"), 4: (2, "open"), 3: (3, "open"), 2: (3, "open"), 1: (3, "open")}
    # 2 got 3, its first choice: on no list; 1 wanted 2 first.
    assert a.waiting == {1: [3], 2: [3, 1], 3: []}


def test_cutoffs_are_the_last_admitted_of_each_kind():
    offers = [OfferSeats(1, seats=3, reserved=1), OfferSeats(2, seats=2, reserved=1), OfferSeats(3, 4, 2)]
    cs = [cand(1, 1, [1], score="17.500"), cand(2, 2, [1], score="16.250"), cand(3, 3, [1], score="15.125"),
          cand(4, 4, [1, 2], woman=True, score="14.000"), cand(5, 5, [2], score="13.000")]
    a = allocate(offers, cs)
    assert a.cutoffs == {
        1: Cutoff(Decimal("16.250"), Decimal("14.000"), 2, 1),
        2: Cutoff(Decimal("13.000"), None, 1, 0),
        3: Cutoff(None, None, 0, 0),
    }
    # 3 held 1's reserved seat (reverted) until 4 took it; 4 got it rather than 5's offer 2.
    assert a.placed == {1: (1, "open"), 2: (1, "open"), 4: (1, "reserved"), 5: (2, "open")}
    assert a.unplaced == [3]


def test_explanations_above_the_obtained_choice_every_choice_for_the_unplaced():
    offers = [OfferSeats(1, 1), OfferSeats(2, 2, 1), OfferSeats(3, 1)]
    cs = [cand(1, 1, [1, 2]), cand(2, 2, [2], woman=True), cand(3, 3, [1, 3, 2]),
          cand(4, 4, [1, 2, 3], woman=True), cand(5, 5, [3, 1, 2])]
    a = allocate(offers, cs)
    assert a.placed == {1: (1, "open"), 2: (2, "open"), 3: (3, "open"), 4: (2, "reserved")}
    assert a.unplaced == [5]
    s = {c.id: c.score for c in cs}
    assert a.explain(cs[0]) == []
    assert a.explain(cs[2]) == [Explanation(1, 1, s[1], None, s[3])]
    assert a.explain(cs[3]) == [Explanation(1, 1, s[1], None, s[4])]
    assert a.explain(cs[4]) == [Explanation(3, 1, s[3], None, s[5]), Explanation(1, 2, s[1], None, s[5]),
                                Explanation(2, 3, s[2], s[4], s[5])]
    assert a.explain_all(cs) == {c.id: a.explain(c) for c in cs}
    with pytest.raises(ValueError, match="ne fait pas partie"):
        a.explain(cand(99, 99, [1]))


def test_explanation_text():
    e = Explanation(1, 1, Decimal("14.250"), Decimal("13.100"), Decimal("12.800"))
    assert explanation_text(e, woman=True) == (
        "Dernier admis sur places ouvertes : 14,25 ; sur places réservées : 13,10 ; votre note : 12,80")
    assert explanation_text(e, woman=False) == (
        "Dernier admis sur places ouvertes : 14,25 ; sur places réservées aux candidates : 13,10 ; "
        "votre note : 12,80")
    e = Explanation(1, 2, None, None, Decimal("9.005"))
    assert explanation_text(e, woman=True) == (
        "Dernier admis sur places ouvertes : aucun admis ; sur places réservées : aucun admis ; "
        "votre note : 9,01")


def test_rule_text_is_a_few_french_sentences():
    sentences = [s for s in RULE_TEXT.split(". ") if s.strip()]
    assert 3 <= len(sentences) <= 6
    for word in ("classement", "départage", "ordre", "ouvertes", "réservées", "stable"):
        assert word in RULE_TEXT


@pytest.mark.parametrize("offers, candidates, message", [
    ([OfferSeats(1, -1)], [], "négatif"),
    ([OfferSeats(1, 2, -1)], [], "négatif"),
    ([OfferSeats(1, 2, 3)], [], "réservées"),
    ([OfferSeats(1, 2), OfferSeats(1, 3)], [], "deux fois"),
    ([OfferSeats(1, 2)], [cand(1, 1, [1]), cand(1, 2, [1])], "candidat 1 figure deux fois"),
    ([OfferSeats(1, 0)], [cand(1, 1, [1]), cand(1, 2, [1])], "candidat 1 figure deux fois"),
    ([OfferSeats(1, 1)], [cand(1, 1, [1]), cand(1, 2, [1])], "candidat 1 figure deux fois"),
    ([OfferSeats(1, 2)], [cand(1, 1, [1]), cand(2, 1, [1])], "même rang"),
    ([OfferSeats(1, 2)], [cand(1, 1, [1]), cand(2, 3, [1]), cand(3, 3, [1])], r"même rang de priorité \(3\)"),
    ([OfferSeats(1, 2)], [cand(1, 1, [1]), cand(2, 1000, [1]), cand(3, 1000, [1])],
     r"même rang de priorité \(1000\)"),
])
def test_bad_input(offers, candidates, message):
    with pytest.raises(ValueError, match=message):
        allocate(offers, candidates)


def test_priorities_dense_with_gaps_or_sparse_give_the_same_result():
    # ranks 0..n-1 (each to its slot), with gaps (slots left empty), far apart (a sort)
    rng = random.Random(5)
    offers, cs = random_instance(rng, 60, 6)
    order = sorted(cs, key=lambda c: c.priority)
    results = []
    for spread in (lambda k: k, lambda k: 3 * k // 2 - 40, lambda k: 1000 * k + 7):
        shuffled = [Candidate(c.id, spread(k), c.score, c.woman, c.choices) for k, c in enumerate(order)]
        rng.shuffle(shuffled)
        a = allocate(offers, shuffled)
        results.append((a.placed, a.unplaced, a.waiting, a.cutoffs))
    assert results[0] == results[1] == results[2]


def test_empty():
    a = allocate([], [])
    assert a == Allocation({}, [], {}, {})
    a = allocate([OfferSeats(1, 2, 1)], [cand(1, 1, [])])
    assert a.unplaced == [1] and a.explain(cand(1, 1, [])) == []


# --- random instances ---------------------------------------------------------------------------

def random_instance(rng, n, m, reserved=True):
    offers = []
    for j in range(m):
        seats = rng.choice([0, 1, 1, 2, 2, 3, 4, 6])
        offers.append(OfferSeats(100 + j, seats, rng.randint(0, seats) if reserved else 0))
    ids = rng.sample(range(1, 10 * n + 1), n)
    priorities = rng.sample(range(3 * n), n)
    cs = []
    for cid, priority in zip(ids, priorities):
        k = rng.randint(0, min(4, m + 1))
        pool = [100 + j for j in range(m)] + [999]  # 999: not an offer
        cs.append(Candidate(cid, priority, Decimal(rng.randint(0, 20000)).scaleb(-3), rng.random() < 0.45,
                            tuple(rng.sample(pool, min(k, len(pool))))))
    return offers, cs


def check_allocation(offers, cs, a):
    by_offer = {o.id: o for o in offers}
    by_id = {c.id: c for c in cs}
    assert set(a.placed) | set(a.unplaced) == set(by_id)
    assert not set(a.placed) & set(a.unplaced)
    assert a.unplaced == sorted(a.unplaced, key=lambda i: by_id[i].priority)
    held = {o.id: [] for o in offers}
    for cid, (offer_id, kind) in a.placed.items():
        assert offer_id in by_id[cid].choices
        held[offer_id].append(by_id[cid])
    for offer in offers:
        kept_open, kept_reserved = choose(offer, held[offer.id])
        # what each offer holds is what it would choose of it, with the same kinds
        assert {c.id for c in kept_open + kept_reserved} == {c.id for c in held[offer.id]}
        assert all(a.placed[c.id][1] == "open" for c in kept_open)
        assert all(a.placed[c.id][1] == "reserved" for c in kept_reserved)
        assert len(held[offer.id]) <= offer.seats and len(kept_reserved) <= offer.reserved
        cut = a.cutoffs[offer.id]
        assert (cut.open_filled, cut.reserved_filled) == (len(kept_open), len(kept_reserved))
        assert cut.open_score == (kept_open[-1].score if kept_open else None)
        assert cut.reserved_score == (kept_reserved[-1].score if kept_reserved else None)
    assert set(a.cutoffs) == set(by_offer)
    waiting = {o.id: [] for o in offers}
    for c in sorted(cs, key=lambda c: c.priority):
        got = a.placed.get(c.id, (None,))[0]
        above = c.choices[:rank_of(c, got)]
        for offer_id in above:
            if offer_id in by_offer:
                waiting[offer_id].append(c.id)
                # stability: the offer, offered its holders and c, does not keep c
                kept_open, kept_reserved = choose(by_offer[offer_id], held[offer_id] + [c])
                assert c not in kept_open + kept_reserved
                # nobody ranked below c holds a seat c could take: an open seat, a reserved
                # seat held by a man, or (for a woman) any reserved seat
                for other in held[offer_id]:
                    if a.placed[other.id][1] == "open" or c.woman or not other.woman:
                        assert other.priority < c.priority
                    if c.woman and a.placed[other.id][1] == "reserved":
                        assert other.woman
        assert a.explain(c) == [
            Explanation(o, p, a.cutoffs[o].open_score, a.cutoffs[o].reserved_score, c.score)
            for p, o in enumerate(above, 1) if o in by_offer]
    assert a.waiting == waiting


def test_random_instances_stable_and_equal_to_naive_deferred_acceptance():
    rng = random.Random(20260301)
    for _ in range(300):
        offers, cs = random_instance(rng, rng.randint(0, 25), rng.randint(0, 6))
        a = allocate(offers, cs)
        check_allocation(offers, cs, a)
        assert a.placed == naive_deferred_acceptance(offers, cs)


def test_random_instances_larger():
    rng = random.Random(7)
    for _ in range(5):
        offers, cs = random_instance(rng, 400, 40)
        a = allocate(offers, cs)
        check_allocation(offers, cs, a)
        assert a.placed == naive_deferred_acceptance(offers, cs)


def test_without_reserved_seats_serial_dictatorship():
    rng = random.Random(11)
    for _ in range(100):
        offers, cs = random_instance(rng, rng.randint(0, 30), rng.randint(1, 6), reserved=False)
        a = allocate(offers, cs)
        left = {o.id: o.seats for o in offers}
        expected = {}
        for c in sorted(cs, key=lambda c: c.priority):
            for offer_id in c.choices:
                if left.get(offer_id, 0) > 0:
                    left[offer_id] -= 1
                    expected[c.id] = (offer_id, "open")
                    break
        assert a.placed == expected


def test_strategy_proof_spot_check():
    rng = random.Random(3)
    for _ in range(60):
        offers, cs = random_instance(rng, rng.randint(2, 12), rng.randint(2, 5))
        truthful = allocate(offers, cs)
        liar = rng.choice(cs)
        got = truthful.placed.get(liar.id, (None,))[0]
        true_rank = rank_of(liar, got)
        pool = [o.id for o in offers]
        lies = set(itertools.permutations(liar.choices))
        lies |= {tuple(rng.sample(pool, rng.randint(1, len(pool)))) for _ in range(10)}
        for lie in lies:
            forged = [c if c is not liar else Candidate(c.id, c.priority, c.score, c.woman, lie) for c in cs]
            obtained = allocate(offers, forged).placed.get(liar.id, (None,))[0]
            assert rank_of(liar, obtained) >= true_rank, (offers, cs, liar, lie)
