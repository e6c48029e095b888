"""Without reserved seats the allocation is the resident-optimal hospital/resident matching:
checked against the `matching` library (a test-only dependency, requirements-dev.txt)."""
import random
import sys
import warnings
from decimal import Decimal

import pytest

from quota_app.placement.allocation import Candidate, OfferSeats, allocate

games = pytest.importorskip("matching.games")


def resident_optimal(offers, candidates):
    """candidate id -> offer id, by matching.games.HospitalResident (resident-optimal).

    The library wants every resident to rank at least one hospital and every hospital a
    capacity of at least one: offers without seats and candidates left without a choice are
    kept out (nobody can be placed there or then). Each hospital ranks exactly those who
    ranked it, in the common ranking. The game's constructor deep-copies the players, which
    recurses about once per player: the recursion limit is raised for it, then restored."""
    capacities = {o.id: o.seats for o in offers if o.seats > 0}
    resident_prefs = {}
    for c in candidates:
        prefs = [o for o in c.choices if o in capacities]
        if prefs:
            resident_prefs[c.id] = prefs
    hospital_prefs = {o: [] for o in capacities}
    for c in sorted(candidates, key=lambda c: c.priority):
        for o in resident_prefs.get(c.id, ()):
            hospital_prefs[o].append(c.id)
    hospital_prefs = {o: prefs for o, prefs in hospital_prefs.items() if prefs}
    capacities = {o: capacities[o] for o in hospital_prefs}
    if not resident_prefs:
        return {}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20 * (len(resident_prefs) + len(hospital_prefs)) + 1000))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            game = games.HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
            solution = game.solve(optimal="resident")
            assert game.check_stability()
    finally:
        sys.setrecursionlimit(limit)
    return {r.name: h.name for h, residents in solution.items() for r in residents}


def random_instance(rng, n, m):
    weights = [1 / (j + 1) for j in range(m)]
    offers = [OfferSeats(10 + j, rng.choice([0, 1, 2, 3, 5, 8, 13])) for j in range(m)]
    priorities = rng.sample(range(1, 5 * n), n)
    candidates = []
    for cid, priority in enumerate(priorities, 1000):
        wanted = list(dict.fromkeys(10 + j for j in rng.choices(range(m), weights, k=rng.randint(0, 5))))
        candidates.append(Candidate(cid, priority, Decimal(rng.randint(0, 20000)).scaleb(-3),
                                    rng.random() < 0.4, tuple(wanted[:3])))
    return offers, candidates


@pytest.mark.parametrize("seed, n, m", [(1, 5, 2), (2, 30, 4), (3, 80, 10), (4, 200, 12), (5, 400, 25),
                                        (6, 1200, 30)])
def test_equal_to_resident_optimal_hospital_resident(seed, n, m):
    rng = random.Random(seed)
    for _ in range(3 if n <= 200 else 1):
        offers, candidates = random_instance(rng, n, m)
        a = allocate(offers, candidates)
        assert {cid: offer for cid, (offer, _kind) in a.placed.items()} == resident_optimal(offers, candidates)
        assert {kind for _offer, kind in a.placed.values()} <= {"open"}
