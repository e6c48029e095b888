"""The assignment planner (committee/assignment.py): properties on random instances, pure code.

Every property is checked against the rows the plan returns, not against its own figures; the
balance is checked against an independent flow computation (a small Edmonds-Karp below): when
the planner says the balance cannot be held, no assignment within the water-filling bounds
exists, and when one exists the planner finds it.
"""
from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict, deque
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quota_app.committee.assignment import (
    WITHDRAWN_CONFLICT, WITHDRAWN_DEACTIVATED, AssignmentImpossible, Held, plan_assignments,
    pick_third_reviewer, plan_third_reviews,
)
from quota_app.errors import DomainError

# ASSIGN_EXAMPLES=3000 for a longer search (about a minute); derandomized: the same examples each run.
PROPERTIES = settings(max_examples=int(os.environ.get("ASSIGN_EXAMPLES", "150")), deadline=None, derandomize=True,
                      database=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Instance:
    files: list[int]
    members: list[int]
    conflicts: set[tuple[int, int]]
    n: int
    seed: int


@st.composite
def instances(draw, max_files=40, max_members=9, rates=(0.0, 0.0, 0.03, 0.1, 0.25, 0.5)):
    n = draw(st.integers(1, 3))
    m = draw(st.integers(n, max_members))
    f = draw(st.integers(0, max_files))
    rate = draw(st.sampled_from(rates))
    seed = draw(st.integers(0, 2**20))
    rng = random.Random(seed)
    files = [1000 + 3 * i for i in range(f)]  # ids that are not positions
    members = [7 + 5 * i for i in range(m)]
    rng.shuffle(members)
    conflicts = {(mm, ff) for ff in files for mm in members if rng.random() < rate}
    return Instance(files, members, conflicts, n, seed)


def plan_of(inst: Instance, **kw):
    return plan_assignments(inst.files, inst.members, conflicts=inst.conflicts,
                            reviewers_per_file=inst.n, seed=inst.seed, **kw)


# --- independent checks ------------------------------------------------------------------------


def water_bounds(kept: dict[int, int], total: int) -> tuple[dict[int, int], dict[int, int]]:
    """lo/hi of new reviews per member, computed the slow way."""
    level = min(kept.values())
    while sum(max(0, level + 1 - e) for e in kept.values()) <= total:
        level += 1
    lo = {m: max(0, level - e) for m, e in kept.items()}
    hi = {m: (level + 1 - e if e <= level else 0) for m, e in kept.items()}
    return lo, hi


def max_flow(cap: dict, s, t) -> int:
    flow = 0
    while True:
        parent = {s: None}
        queue = deque([s])
        while queue and t not in parent:
            u = queue.popleft()
            for v, c in cap[u].items():
                if c > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if t not in parent:
            return flow
        v, push = t, math.inf
        while parent[v] is not None:
            push = min(push, cap[parent[v]][v])
            v = parent[v]
        v = t
        while parent[v] is not None:
            u = parent[v]
            cap[u][v] -= push
            cap[v][u] += push
            v = u
        flow += push


def balanced_feasible(needs: dict[int, int], candidates: dict[int, set[int]], lo, hi) -> bool:
    """Is there an assignment giving each file exactly its need among its candidates with
    lo <= new reviews <= hi for every member? (circulation with lower bounds)"""
    cap = defaultdict(lambda: defaultdict(int))
    for f, k in needs.items():
        cap["S*"][("f", f)] += k
        cap["S"]["T*"] += k
        for m in candidates[f]:
            cap[("f", f)][("m", m)] += 1
    for m in lo:
        cap[("m", m)]["T"] += hi[m] - lo[m]
        cap["S*"]["T"] += lo[m]
        cap[("m", m)]["T*"] += lo[m]
    cap["T"]["S"] += 10**9
    return max_flow(cap, "S*", "T*") == sum(needs.values()) + sum(lo.values())


def rows_by_file(plan) -> dict[int, list[int]]:
    by_file = defaultdict(list)
    for f, m in plan.new:
        by_file[f].append(m)
    return by_file


def pair_counts(by_file: dict[int, list[int]]) -> Counter:
    shared = Counter()
    for reviewers in by_file.values():
        ordered = sorted(reviewers)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                shared[a, b] += 1
    return shared


def check_rules(inst: Instance, plan, kept: dict[int, list[int]] | None = None, balanced: bool = True):
    """Coverage, conflicts, loads as the plan reports them, water-filling balance, overlap."""
    kept = kept or {}
    by_file = rows_by_file(plan)
    assert set(by_file) <= set(inst.files)
    for f in inst.files:
        on = kept.get(f, []) + by_file.get(f, [])
        assert len(on) == max(inst.n, len(kept.get(f, []))), (f, on)
        assert len(set(on)) == len(on)
        for m in by_file.get(f, []):
            assert m in inst.members and (m, f) not in inst.conflicts
    kept_loads = Counter(m for ms in kept.values() for m in ms if m in inst.members)
    new_loads = Counter(m for _, m in plan.new)
    loads = {m: kept_loads[m] + new_loads[m] for m in inst.members}
    assert plan.loads == loads
    if plan.new and balanced:
        low = min(loads.values())
        # Water-filling: nobody received a file while another member ends two or more below.
        assert all(loads[m] <= low + 1 for m in new_loads), loads
        if max(kept_loads[m] for m in inst.members) - min(kept_loads[m] for m in inst.members) <= 1:
            assert plan.spread <= 1
    active = set(inst.members)
    shared = pair_counts({f: [m for m in kept.get(f, []) + by_file.get(f, []) if m in active]
                          for f in inst.files})
    assert plan.pair_overlap == max(shared.values(), default=0)


def short_files(inst: Instance) -> list[int]:
    return [f for f in inst.files if sum((m, f) not in inst.conflicts for m in inst.members) < inst.n]


# --- fresh plans -------------------------------------------------------------------------------


@PROPERTIES
@given(instances())
def test_a_fresh_plan_holds_every_rule_or_says_why_before_assigning(inst):
    needs = {f: inst.n for f in inst.files}
    candidates = {f: {m for m in inst.members if (m, f) not in inst.conflicts} for f in inst.files}
    lo, hi = water_bounds({m: 0 for m in inst.members}, len(inst.files) * inst.n)
    try:
        plan = plan_of(inst)
    except AssignmentImpossible as error:
        short = short_files(inst)
        if short:
            assert len(error.reasons) == len(short)
            assert all(f"Le dossier n° {f} n'a que" in r for f, r in zip(short, error.reasons))
        else:
            # Only the balance is out of reach, and the flow confirms it.
            assert not balanced_feasible(needs, candidates, lo, hi)
            assert "équilibr" in str(error)
        return
    check_rules(inst, plan)
    assert plan.spread <= 1
    assert balanced_feasible(needs, candidates, lo, hi)
    assert not plan.withdrawn and not plan.warnings
    assert plan_of(inst) == plan  # deterministic
    if inst.conflicts and len(inst.conflicts) <= 0.1 * len(inst.files) * len(inst.members):
        assert plan.pair_overlap <= plan.pair_bound


@PROPERTIES
@given(instances(rates=(0.25, 0.5, 0.7)))
def test_without_strict_balance_the_closest_plan_still_covers_every_file(inst):
    if short_files(inst):
        with pytest.raises(AssignmentImpossible):
            plan_of(inst, strict_balance=False)
        return
    plan = plan_of(inst, strict_balance=False)
    by_file = rows_by_file(plan)
    for f in inst.files:
        assert len(set(by_file[f])) == inst.n
        assert all((m, f) not in inst.conflicts for m in by_file[f])
    try:
        assert plan_of(inst) == plan and not plan.warnings
    except AssignmentImpossible as error:
        assert plan.warnings == tuple(error.reasons)
    # The most balanced the conflicts allow: no plan has a lower maximum, nor a higher minimum.
    if inst.files:
        needs = {f: inst.n for f in inst.files}
        candidates = {f: {m for m in inst.members if (m, f) not in inst.conflicts} for f in inst.files}
        top, low = max(plan.loads.values()), min(plan.loads.values())
        zero = {m: 0 for m in inst.members}
        assert not balanced_feasible(needs, candidates, zero, {m: top - 1 for m in inst.members})
        assert not balanced_feasible(needs, candidates, {m: low + 1 for m in inst.members},
                                     {m: len(inst.files) for m in inst.members})


@pytest.mark.parametrize("m", [2, 3, 4, 5, 6, 7, 8, 11, 12, 13])
@pytest.mark.parametrize("f", [0, 1, 7, 45, 200])
def test_two_reviewers_without_conflicts_follow_a_round_robin_exactly(m, f):
    """Every pair of members shares floor(F/P) or ceil(F/P) files; loads within one."""
    files, members = list(range(1, f + 1)), list(range(50, 50 + m))
    for seed in (0, 1, 2):
        plan = plan_assignments(files, members, seed=seed)
        p = m * (m - 1) // 2
        shared = pair_counts(rows_by_file(plan))
        counts = [shared[a, b] for i, a in enumerate(members) for b in members[i + 1:]]
        assert min(counts) == f // p and max(counts) == -(-f // p)
        assert plan.spread <= 1 and sum(plan.loads.values()) == 2 * f
        assert plan.pair_bound == -(-f // p) + 1 if f else plan.pair_bound == 1


@pytest.mark.parametrize("m,n,rate", [(30, 2, 0.01), (30, 2, 0.05), (25, 3, 0.02), (17, 2, 0.1),
                                      (40, 4, 0.01)])
def test_a_committee_sized_instance_keeps_the_pair_bound(m, n, rate):
    rng = random.Random(m * n)
    files, members = list(range(1, 3001)), list(range(1, m + 1))
    conflicts = {(mm, ff) for ff in files for mm in members if rng.random() < rate}
    plan = plan_assignments(files, members, conflicts=conflicts, reviewers_per_file=n, seed=3)
    inst = Instance(files, members, conflicts, n, 3)
    check_rules(inst, plan)
    assert plan.spread <= 1
    p = m * (m - 1) // 2
    assert plan.pair_bound == -(-len(files) * n * (n - 1) // 2 // p) + 1
    assert plan.pair_overlap <= plan.pair_bound


def test_the_seed_changes_the_plan_and_the_same_seed_repeats_it():
    files, members = list(range(100)), list(range(1, 9))
    conflicts = {(1, 5), (2, 5), (3, 40)}
    one = plan_assignments(files, members, conflicts=conflicts, seed=11)
    assert plan_assignments(files, members, conflicts=conflicts, seed=11) == one
    assert plan_assignments(list(files), list(members), conflicts=set(conflicts), seed=11) == one
    assert plan_assignments(files, members, conflicts=conflicts, seed=12).new != one.new


def test_a_member_conflicted_with_nearly_every_file_gets_all_it_can_and_the_others_share_evenly():
    rng = random.Random(9)
    files, members = list(range(1, 4001)), list(range(1, 21))
    conflicts = {(1, f) for f in files if rng.random() < 0.97}
    takeable = len(files) - len(conflicts)
    plan = plan_assignments(files, members, conflicts=conflicts, strict_balance=False, seed=2)
    check_rules(Instance(files, members, conflicts, 2, 2), plan, balanced=False)
    assert plan.loads[1] == takeable < 400
    others = [plan.loads[m] for m in members[1:]]
    assert max(others) - min(others) <= 1
    assert plan.warnings and "Le membre n° 1 ne peut recevoir que" in plan.warnings[0]


def test_the_plan_does_not_depend_on_the_interpreters_hash_seed():
    code = (
        "from quota_app.committee.assignment import plan_assignments\n"
        "conflicts = {(m, f) for f in range(300) for m in range(12) if (m * 7 + f * 13) % 17 == 0}\n"
        "print(hash(plan_assignments(list(range(300)), list(range(12)), conflicts=conflicts, seed=4).new))\n")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PYTHONPATH": "."}).stdout for seed in ("1", "2")}
    conflicts = {(m, f) for f in range(300) for m in range(12) if (m * 7 + f * 13) % 17 == 0}
    here = plan_assignments(list(range(300)), list(range(12)), conflicts=conflicts, seed=4).new
    assert runs == {f"{hash(here)}\n"}


# --- incremental plans -------------------------------------------------------------------------


def kept_of(plan, submitted=frozenset()):
    return [Held(f, m, submitted=(f, m) in submitted) for f, m in plan.new]


@PROPERTIES
@given(instances(rates=(0.0, 0.03, 0.1, 0.25)), st.floats(0, 1))
def test_files_made_eligible_later_are_added_without_moving_existing_assignments(inst, share):
    first = inst.files[: int(len(inst.files) * share)]
    try:
        before = plan_assignments(first, inst.members, conflicts=inst.conflicts,
                                  reviewers_per_file=inst.n, seed=inst.seed)
        after = plan_of(inst, existing=kept_of(before))
    except AssignmentImpossible:
        return
    assert not after.withdrawn
    assert not {f for f, _ in after.new} & set(first)  # nothing moves, nothing added to kept files
    kept = {f: ms for f, ms in rows_by_file(before).items()}
    check_rules(inst, after, kept)
    assert after.spread <= 1  # the first plan was within one, so the second is too
    # The mapping form of `existing` means the same (pending regular reviews).
    assert plan_of(inst, existing={f: ms for f, ms in kept.items()}) == after


@PROPERTIES
@given(instances(rates=(0.0, 0.05)), st.integers(0, 40))
def test_an_uneven_start_is_evened_out_by_water_filling(inst, extra):
    """Kept loads far apart (a member added late): the new files go to the least loaded."""
    if len(inst.members) < inst.n + 1 or not inst.files:
        return
    late = inst.members[-1]
    try:
        before = plan_assignments(inst.files, inst.members[:-1], conflicts=inst.conflicts,
                                  reviewers_per_file=inst.n, seed=inst.seed)
        more = Instance(inst.files + [5000 + i for i in range(extra)], inst.members, inst.conflicts,
                        inst.n, inst.seed)
        after = plan_of(more, existing=kept_of(before))
    except AssignmentImpossible:
        return
    check_rules(more, after, rows_by_file(before))  # water-filling
    kept_max = max(before.loads.values())
    if extra * inst.n >= kept_max * len(inst.members) - sum(before.loads.values()):
        assert after.spread <= 1
    assert after.loads[late] <= min(after.loads.values()) + 1


@PROPERTIES
@given(instances(rates=(0.0, 0.05, 0.15)), st.data())
def test_a_deactivated_members_pending_files_move_to_others(inst, data):
    if len(inst.members) <= inst.n or not inst.files:
        return
    try:
        before = plan_of(inst)
    except AssignmentImpossible:
        return
    gone = data.draw(st.sampled_from(inst.members))
    submitted = {(f, m) for f, m in before.new if data.draw(st.booleans())}
    rest = [m for m in inst.members if m != gone]
    try:
        after = plan_assignments(inst.files, rest, conflicts=inst.conflicts, reviewers_per_file=inst.n,
                                 existing=kept_of(before, submitted), deactivated=[gone], seed=inst.seed)
    except AssignmentImpossible as error:
        # Only if the remaining members cannot take them within the balance, as the flow says.
        kept = {(f, m) for f, m in before.new if m != gone or (f, m) in submitted}
        short = [f for f in inst.files
                 if sum(1 for m in rest if (m, f) not in inst.conflicts) + ((f, gone) in submitted) < inst.n]
        if not short:
            kept_loads = Counter(m for f, m in kept if m != gone)
            needs = {f: inst.n - sum(1 for ff, _ in kept if ff == f) for f in inst.files}
            needs = {f: k for f, k in needs.items() if k}
            lo, hi = water_bounds({m: kept_loads[m] for m in rest}, sum(needs.values()))
            cands = {f: {m for m in rest if (m, f) not in inst.conflicts and (f, m) not in kept}
                     for f in needs}
            assert not balanced_feasible(needs, cands, lo, hi), error.reasons
        return
    pending = {(f, m) for f, m in before.new if m == gone and (f, m) not in submitted}
    assert {(w.file, w.member) for w in after.withdrawn} == pending
    assert all(w.reason == WITHDRAWN_DEACTIVATED and not w.submitted for w in after.withdrawn)
    assert sorted(f for f, _ in after.new) == sorted(f for f, _ in pending)
    assert gone not in {m for _, m in after.new} and gone not in after.loads
    kept = defaultdict(list)
    for f, m in before.new:
        if (f, m) not in pending:
            kept[f].append(m)
    check_rules(Instance(inst.files, rest, inst.conflicts, inst.n, inst.seed), after, kept)


def test_a_conflict_declared_after_assignment_withdraws_and_reassigns_that_file_only():
    files, members = list(range(1, 61)), list(range(1, 7))
    before = plan_assignments(files, members, seed=5)
    f, m = before.new[17]
    held = kept_of(before, submitted={before.new[3]})
    after = plan_assignments(files, members, conflicts={(m, f)}, existing=held, seed=5, strict_balance=False)
    assert [(w.file, w.member, w.reason) for w in after.withdrawn] == [(f, m, WITHDRAWN_CONFLICT)]
    assert len(after.new) == 1 and after.new[0][0] == f and after.new[0][1] != m
    other = next(x for ff, x in before.new if ff == f and x != m)
    assert after.new[0][1] != other
    # Everyone had 20 files: the member who withdrew keeps 19 and cannot take this one back, so
    # someone goes to 21. That is the best without moving a kept assignment; strict mode refuses.
    assert after.spread == 2 and after.loads[m] == 19 and after.loads[after.new[0][1]] == 21
    assert after.warnings == (
        f"Le membre n° {m} ne peut recevoir que 0 des dossiers à attribuer (conflits d'intérêts déclarés "
        "sur les autres) ; l'équilibre des charges à un dossier près lui en demande au moins 1.",)
    with pytest.raises(AssignmentImpossible) as caught:
        plan_assignments(files, members, conflicts={(m, f)}, existing=held, seed=5)
    assert caught.value.reasons == list(after.warnings)
    # Even a submitted review is withdrawn: a conflicted review must not count.
    submitted = kept_of(before, submitted={(f, m)})
    again = plan_assignments(files, members, conflicts={(m, f)}, existing=submitted, seed=5,
                             strict_balance=False)
    assert again.withdrawn[0].submitted and again.new == after.new


def test_third_reviews_on_the_file_are_kept_apart_and_never_doubled():
    files, members = [1, 2], [10, 20, 30]
    held = [Held(1, 10, submitted=True), Held(1, 20, submitted=True), Held(1, 30, third_review=True)]
    plan = plan_assignments(files, members, existing=held, seed=0)
    assert plan.third_loads == {10: 0, 20: 0, 30: 1}
    assert {f for f, _ in plan.new} == {2}
    # A conflict on the third review withdraws it, flagged for the third-review planner.
    plan = plan_assignments(files, members, existing=held, conflicts={(30, 1)}, seed=0)
    assert plan.withdrawn[0].third_review and plan.withdrawn[0].reason == WITHDRAWN_CONFLICT


# --- impossible cases --------------------------------------------------------------------------


def test_too_few_active_members_is_said_in_french_and_nothing_is_assigned():
    with pytest.raises(AssignmentImpossible) as caught:
        plan_assignments([1, 2], [5], seed=0)
    assert caught.value.reasons == [
        "Le comité n'a que 1 membre actif ; il en faut au moins 2 pour donner 2 évaluateurs à chaque "
        "dossier."]
    assert str(caught.value).startswith("Aucun dossier n'a été attribué.")
    assert isinstance(caught.value, DomainError)
    # Nothing to assign is not an obstacle.
    assert plan_assignments([], [5], seed=0).new == ()


def test_a_file_with_too_few_members_without_conflict_is_named():
    files, members = [1, 2, 3], [10, 20, 30]
    conflicts = {(10, 2), (20, 2), (10, 3), (20, 3), (30, 3)}
    with pytest.raises(AssignmentImpossible) as caught:
        plan_assignments(files, members, conflicts=conflicts, file_labels={2: "MLI-2026-00042"}, seed=0)
    assert caught.value.reasons == [
        "Le dossier MLI-2026-00042 n'a que 1 évaluateur possible sans conflit d'intérêts ; il en faut 2.",
        "Le dossier n° 3 n'a que 0 évaluateur possible sans conflit d'intérêts ; il en faut 2.",
    ]


def test_the_count_of_possible_reviewers_includes_the_kept_ones():
    with pytest.raises(AssignmentImpossible) as caught:
        plan_assignments([1], [10, 20, 30, 40], reviewers_per_file=3, conflicts={(20, 1), (30, 1), (40, 1)},
                         existing=[Held(1, 99, submitted=True)], deactivated=[99], seed=0)
    assert caught.value.reasons == [
        "Le dossier n° 1 n'a que 2 évaluateurs possibles sans conflit d'intérêts ; il en faut 3."]


def test_a_member_conflicted_with_most_files_makes_the_balance_impossible():
    files, members = list(range(1, 31)), [1, 2, 3]
    conflicts = {(3, f) for f in files[1:]}
    with pytest.raises(AssignmentImpossible) as caught:
        plan_assignments(files, members, conflicts=conflicts, member_labels={3: "Awa Traoré"}, seed=0)
    assert caught.value.reasons == [
        "Le membre Awa Traoré ne peut recevoir que 1 des dossiers à attribuer (conflits d'intérêts "
        "déclarés sur les autres) ; l'équilibre des charges à un dossier près lui en demande au moins 20."]
    relaxed = plan_assignments(files, members, conflicts=conflicts, strict_balance=False,
                               member_labels={3: "Awa Traoré"}, seed=0)
    assert relaxed.warnings == tuple(caught.value.reasons)
    assert relaxed.loads == {1: 30, 2: 29, 3: 1} or relaxed.loads == {1: 29, 2: 30, 3: 1}


def test_contradictory_arguments_are_programming_errors():
    with pytest.raises(ValueError):
        plan_assignments([1], [1, 1])
    with pytest.raises(ValueError):
        plan_assignments([1], [1, 2], deactivated=[2])
    with pytest.raises(ValueError):
        plan_assignments([1], [1, 2], existing=[Held(1, 3)])
    with pytest.raises(ValueError):
        plan_assignments([1], [1, 2], existing=[Held(2, 1)])
    with pytest.raises(ValueError):
        plan_assignments([1], [1, 2], reviewers_per_file=0)


# --- third reviews -----------------------------------------------------------------------------


def test_the_third_reviewer_has_no_conflict_is_new_to_the_file_and_the_lightest_in_third_reviews():
    members = [1, 2, 3, 4, 5]
    loads = {1: 10, 2: 10, 3: 11, 4: 9, 5: 10}
    thirds = {1: 0, 2: 0, 3: 0, 4: 1, 5: 0}
    # 1 and 2 reviewed it, 5 declared a conflict, 4 has more third reviews: 3 despite its load.
    assert pick_third_reviewer(7, members, conflicts={(5, 7), (3, 8)}, on_file=[1, 2], loads=loads,
                               third_loads=thirds) == 3
    # Equal third reviews: the lighter overall load (regular + third).
    assert pick_third_reviewer(7, members, on_file=[1, 2], loads={3: 11, 4: 9, 5: 10},
                               third_loads={3: 1, 4: 1, 5: 1}) == 4
    with pytest.raises(AssignmentImpossible) as caught:
        pick_third_reviewer(7, [1, 2, 5], conflicts={(5, 7)}, on_file=[1, 2], file_label="MLI-7")
    assert "troisième évaluation du dossier MLI-7" in caught.value.reasons[0]


@PROPERTIES
@given(st.integers(3, 9), st.integers(1, 40), st.integers(0, 1000))
def test_third_reviews_spread_evenly_and_deterministically(m, flagged, seed):
    members = list(range(1, m + 1))
    rng = random.Random(seed)
    on_file = {f: rng.sample(members, 2) for f in range(flagged)}
    conflicts = {(mm, f) for f in range(flagged) for mm in members if rng.random() < 0.1}
    files = list(range(flagged))
    try:
        picks = plan_third_reviews(files, members, conflicts=conflicts, on_file=on_file, seed=seed)
    except AssignmentImpossible as error:
        stuck = [f for f in files if all(mm in on_file[f] or (mm, f) in conflicts for mm in members)]
        assert len(error.reasons) == len(stuck) > 0
        return
    assert [f for f, _ in picks] == files
    for f, mm in picks:
        assert mm not in on_file[f] and (mm, f) not in conflicts
    assert plan_third_reviews(files, members, conflicts=conflicts, on_file=on_file, seed=seed) == picks
    # Each pick went to the fewest third reviews (then the lightest load) among those allowed.
    thirds = Counter()
    for f, mm in picks:
        allowed = [x for x in members if x not in on_file[f] and (x, f) not in conflicts]
        assert thirds[mm] == min(thirds[x] for x in allowed)
        thirds[mm] += 1
