"""Which committee member reviews which file: a pure planner (plain data in, plain data out).

The committee services read the database, call `plan_assignments` (or `plan_third_reviews`)
and write what comes back; nothing here knows Flask or the session. Members and files are
their database ids (ints).

What a plan guarantees (tests/committee/test_assignment.py checks each on random instances,
the balance against an independent max-flow):

* Coverage and conflicts, always, or `AssignmentImpossible` before anything is assigned: every
  file of `files` ends with exactly N regular reviewers (kept + new; more only if more were
  kept already), all distinct, none with a declared conflict on it, none inactive except a
  deactivated member whose review was submitted (kept).
* Balance. Let e(m) be the regular reviews a member keeps and R the reviews to give. The
  target is water-filling: with t the highest level such that lifting every member below t up
  to t costs at most R, each member ends at max(e(m), t) or t + 1; nobody receives a new file
  while another active member ends two or more below them. Hence:
    - fresh (or whenever the kept loads differ by at most one): the busiest and the least busy
      active member differ by at most one file;
    - incrementally: spread <= max(1, kept maximum - final minimum), back to at most one as
      soon as the new files are enough to lift everyone to the kept maximum; kept
      assignments never move.
  Conflicts can make that target unreachable (a member conflicted with most files; or a
  conflict declared after assignment in a committee at equal loads: the member who withdrew
  is one below everyone and cannot take the file back). The plan then holds the most balanced
  loads possible without moving a kept assignment (no chain of moves can bring a file from a
  member to one two files lighter: the sum of squared loads is minimal, so the largest load is
  the smallest possible and the smallest the largest possible), and:
    - strict_balance=True (the default, for a first assignment): AssignmentImpossible, with
      the French reason, nothing assigned;
    - strict_balance=False (withdrawals: a conflict declared late, a deactivation): that plan,
      with the same reason in `warnings`.
  When the target is reachable the plan reaches it: strict mode never refuses wrongly.
  Third reviews are counted apart (`third_loads`), never in these loads.
* Pair overlap (two members sharing files; normalisation relies on it). With I the pairs of
  active reviewers over all files (F for N = 2) and P = M(M-1)/2, the plan reports
  `pair_overlap` (the most files two members share) and `pair_bound` = ceil(I/P) + 1.
    - N = 2, fresh, no conflict: every pair shares exactly floor(F/P) or ceil(F/P) files (a
      round-robin design: the circle method for M even, Walecki's Hamiltonian cycles for M
      odd);
    - otherwise picks that share the fewest files locally, then swaps of new reviewers
      between two files (loads unchanged) bring pairs down to `pair_bound` while such a swap
      exists. Not a theorem for every instance: the plan reports what it reached; tests on
      random instances (up to 30 % conflicts, incremental runs, deactivations) and the
      benchmark check pair_overlap <= pair_bound.
* Determinism: the same arguments and seed give the same plan (a seeded `random.Random`).
* Withdrawals: a kept assignment whose member declared a conflict on the file is withdrawn
  (reason "conflict", even if submitted: a conflicted review must not count; the service
  deletes its scores) and the file gets another reviewer; a deactivated member's pending
  assignments are withdrawn (reason "deactivated") and move to others by the same rules;
  their submitted reviews stay. Withdrawn third reviews are reported (third_review=True) for
  the service to call `plan_third_reviews` again; this plan does not replace them.

The algorithm, O((F + conflicts) * N) in the common case:
1. Water-filling bounds lo(m) <= new(m) <= hi(m) from the kept loads.
2. A stream of R member slots filling those levels pass after pass (each pass a permutation of
   the members below the level), so any prefix of it is balanced; when every member is in the
   pass and N = 2, the passes are the rounds of the round-robin design.
3. Phase A (N = 2): the stream's consecutive pairs go, in order, to the next fresh file without
   a conflict on either member (a file in conflict waits for a later pair): the design's pairs,
   its loads and overlaps stay exact. Phase B, for the rest (partial files, N != 2, what phase
   A left): tightest files first, each takes from a window at the head of the stream the first
   slot it may take, then the slots sharing the fewest files with its reviewers; a file no slot
   can serve takes the least loaded candidates.
4. If a load is outside its bounds (rare): chains of moves of new assignments, each from a
   member to one at least two lighter, until none exists. This is the optimality condition of
   the min-cost flow files -> members with convex costs (no negative cycle), so the result is
   the most balanced assignment; the bounds are then checked.
5. Swaps for pairs above `pair_bound`, then a check of every invariant.
OpenReview's matcher frames reviewer assignment as a min-cost flow; this solves that network by
a construction that is already optimal in the common cases and repaired along its residual
paths, without a solver.
"""
from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import DomainError
from ..gcpause import gc_paused

DEFAULT_REVIEWERS = 2
WITHDRAWN_CONFLICT = "conflict"
WITHDRAWN_DEACTIVATED = "deactivated"


class AssignmentImpossible(DomainError):
    """The numbers make the rule impossible; `reasons` lists every obstacle, in French."""

    message = "L'attribution des dossiers est impossible."
    SHOWN = 5

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons) or [self.message]
        shown = " ".join(self.reasons[: self.SHOWN])
        more = len(self.reasons) - self.SHOWN
        if more > 0:
            shown += f" (et {more} autre{'s' if more > 1 else ''} empêchement{'s' if more > 1 else ''})"
        super().__init__(f"Aucun dossier n'a été attribué. {shown}")


@dataclass(frozen=True)
class Held:
    """An assignment already recorded (kept unless withdrawn)."""

    file: int
    member: int
    submitted: bool = False
    third_review: bool = False


@dataclass(frozen=True)
class Withdrawal:
    """An assignment to delete (with its draft scores), and why."""

    file: int
    member: int
    reason: str  # WITHDRAWN_CONFLICT or WITHDRAWN_DEACTIVATED
    submitted: bool = False
    third_review: bool = False


@dataclass(frozen=True)
class AssignmentPlan:
    # (file, member) pairs to create as pending regular reviews, in the order of `files`.
    new: tuple[tuple[int, int], ...]
    withdrawn: tuple[Withdrawal, ...]
    # Active member -> regular reviews after the plan (kept + new), in the order of `members`.
    loads: dict[int, int]
    # Active member -> third reviews kept (counted apart).
    third_loads: dict[int, int]
    # The most files two active members share after the plan, and the target for it.
    pair_overlap: int
    pair_bound: int
    # Non-strict runs only: why the balance could not be held.
    warnings: tuple[str, ...] = ()

    @property
    def spread(self) -> int:
        return max(self.loads.values()) - min(self.loads.values()) if self.loads else 0


# ---------------------------------------------------------------------------------------------
# French messages


def _file_label(labels: Mapping[int, str] | None, file: int) -> str:
    return labels.get(file, f"n° {file}") if labels else f"n° {file}"


def _member_label(labels: Mapping[int, str] | None, member: int) -> str:
    return labels.get(member, f"n° {member}") if labels else f"n° {member}"


def _reviewers(count: int) -> str:
    return f"{count} évaluateur{'s' if count > 1 else ''} possible{'s' if count > 1 else ''}"


def _too_few_members(active: int, n: int) -> str:
    plural = "s" if active > 1 else ""
    return (f"Le comité n'a que {active} membre{plural} actif{plural} ; "
            f"il en faut au moins {n} pour donner {n} évaluateur{'s' if n > 1 else ''} à chaque dossier.")


def _too_few_for_file(label: str, possible: int, n: int) -> str:
    return (f"Le dossier {label} n'a que {_reviewers(possible)} sans conflit d'intérêts ; "
            f"il en faut {n}.")


# ---------------------------------------------------------------------------------------------
# Round-robin designs for N = 2 (members as indices 0..M-1 in a seeded order)


def _design_passes(order: list[int], rng: random.Random) -> list[list[int]]:
    """Passes (permutations of `order`) whose consecutive slots, read two by two over the
    concatenated passes, give every pair of members exactly once."""
    m = len(order)
    passes: list[list[int]] = []
    if m < 2:
        return passes
    if m % 2 == 0:
        # Circle method: one member fixed, the others turn; each round is a perfect matching.
        fixed, rest = order[0], order[1:]
        for r in range(m - 1):
            ring = [fixed] + rest[r:] + rest[:r]
            passes.append([x for i in range(m // 2) for x in (ring[i], ring[m - 1 - i])])
        rng.shuffle(passes)
    else:
        # Walecki: K_{2k+1} is k edge-disjoint Hamiltonian cycles; a cycle read twice as two
        # passes gives its 2k+1 edges as consecutive pairs.
        k = (m - 1) // 2
        hub, ring = order[-1], order[:-1]
        cycles = []
        for i in range(k):
            seq = [i]
            for j in range(1, k):
                seq += [(i + j) % (2 * k), (i - j) % (2 * k)]
            seq.append((i + k) % (2 * k))
            cycles.append([hub] + [ring[s] for s in seq])
        rng.shuffle(cycles)
        for cycle in cycles:
            passes += [cycle, cycle]
    return passes


def _water_level(loads: list[int], total: int) -> int:
    """The highest level t such that lifting every load below t up to t costs at most `total`."""
    ordered = sorted(loads)
    level, used, i, m = ordered[0], 0, 0, len(ordered)
    while True:
        while i < m and ordered[i] <= level:
            i += 1
        step = (ordered[i] - level) if i < m else None
        if step is not None and used + i * step <= total:
            used += i * step
            level = ordered[i]
            continue
        return level + (total - used) // i


def _stream(order: list[int], kept: list[int], level: int, total: int, n: int,
            rng: random.Random) -> list[int]:
    """`total` member slots filling the levels from the lowest kept load up to `level` (+1)."""
    slots: list[int] = []
    design: list[list[int]] | None = None
    design_at = 0
    v = min(kept)
    while len(slots) < total:
        subset = [x for x in order if kept[x] <= v]
        if n == 2 and len(subset) == len(order) and len(order) >= 2:
            if design is None:
                design = _design_passes(order, rng)
            slots += design[design_at % len(design)]
            design_at += 1
        else:
            rng.shuffle(subset)
            slots += subset
        v += 1
    del slots[total:]
    return slots


# ---------------------------------------------------------------------------------------------
# The planner


class _State:
    """Index-space working data: members 0..M-1, files 0..F-1 (positions in the arguments)."""

    def __init__(self, m: int, f: int):
        self.m = m
        self.conf: list[set[int] | None] = [None] * f  # active members conflicted on the file
        self.kept: list[list[int] | None] = [None] * f  # active regular reviewers kept
        self.blocked: list[set[int] | None] = [None] * f  # active members already on it (kept)
        self.new: list[list[int]] = [[] for _ in range(f)]
        self.co = [0] * (m * m)
        self.x = [0] * m  # new regular reviews per member
        self._files_of: list[dict[int, None]] | None = None

    def can_take(self, u: int, g: int) -> bool:
        c, b = self.conf[g], self.blocked[g]
        return not ((c and u in c) or (b and u in b) or u in self.new[g])

    def pair(self, a: int, b: int, delta: int) -> None:
        self.co[a * self.m + b] += delta
        self.co[b * self.m + a] += delta

    def files_of(self) -> list[dict[int, None]]:
        if self._files_of is None:
            self._files_of = [{} for _ in range(self.m)]
            for g, members in enumerate(self.new):
                for u in members:
                    self._files_of[u][g] = None
        return self._files_of

    def move(self, g: int, giver: int, taker: int) -> None:
        """`taker` replaces `giver` (a new reviewer) on file g."""
        members = self.new[g]
        members.remove(giver)
        for y in (self.kept[g] or []) + members:
            self.pair(giver, y, -1)
            self.pair(taker, y, 1)
        members.append(taker)
        self.x[giver] -= 1
        self.x[taker] += 1
        files_of = self.files_of()
        del files_of[giver][g]
        files_of[taker][g] = None


def plan_assignments(
    files: Sequence[int],
    members: Sequence[int],
    *,
    conflicts: Iterable[tuple[int, int]] = (),
    reviewers_per_file: int = DEFAULT_REVIEWERS,
    existing: Iterable[Held] | Mapping[int, Iterable[int]] = (),
    deactivated: Iterable[int] = (),
    seed: int = 0,
    strict_balance: bool = True,
    file_labels: Mapping[int, str] | None = None,
    member_labels: Mapping[int, str] | None = None,
) -> AssignmentPlan:
    """Plan the regular reviews of `files` among the active `members`.

    files: every file of the committee in evaluation (ids, in a deterministic order);
    members: the active members (ids); conflicts: (member, file) pairs; existing: the
    assignments already recorded, as `Held` rows or {file: [member, ...]} (pending regular
    reviews); deactivated: members no longer active who may still hold assignments.
    Raises AssignmentImpossible (French reasons) before assigning anything when the rule
    cannot hold, ValueError when the arguments contradict each other.
    """
    with gc_paused():  # hundreds of thousands of small objects, no cycle: see gcpause
        return _plan(files, members, conflicts, reviewers_per_file, existing, deactivated, seed,
                     strict_balance, file_labels, member_labels)


def _plan(files, members, conflicts, reviewers_per_file, existing, deactivated, seed, strict_balance,
          file_labels, member_labels) -> AssignmentPlan:
    n = reviewers_per_file
    if n < 1:
        raise ValueError("reviewers_per_file must be at least 1")
    m_ids = list(members)
    f_ids = list(files)
    m_index = {mid: i for i, mid in enumerate(m_ids)}
    f_index = {fid: i for i, fid in enumerate(f_ids)}
    if len(m_index) != len(m_ids) or len(f_index) != len(f_ids):
        raise ValueError("members and files must be distinct")
    gone = set(deactivated)
    if gone & m_index.keys():
        raise ValueError("a member cannot be both active and deactivated")
    m, f = len(m_ids), len(f_ids)
    st = _State(m, f)
    confs = st.conf
    gone_conflicts: set[tuple[int, int]] = set()  # (member id, file id) of deactivated members
    member_at, file_at = m_index.get, f_index.get
    for mid, fid in conflicts:
        u = member_at(mid)
        if u is None:
            if mid in gone:
                gone_conflicts.add((mid, fid))
            continue
        g = file_at(fid)
        if g is not None:
            c = confs[g]
            if c is None:
                confs[g] = {u}
            else:
                c.add(u)

    # Kept assignments and withdrawals.
    if isinstance(existing, Mapping):
        existing = [Held(fid, mid) for fid, mids in existing.items() for mid in mids]
    withdrawn: list[Withdrawal] = []
    kept_count = [0] * f
    kept_loads = [0] * m
    third_loads = [0] * m
    seen: set[tuple[int, int]] = set()
    for h in existing:
        g = f_index.get(h.file)
        if g is None:
            raise ValueError(f"assignment for file {h.file}, which is not in files")
        if (h.file, h.member) in seen:
            raise ValueError(f"file {h.file} held twice by member {h.member}")
        seen.add((h.file, h.member))
        u = m_index.get(h.member)
        if u is None and h.member not in gone:
            raise ValueError(f"member {h.member} is neither active nor deactivated")
        if (h.member, h.file) in gone_conflicts if u is None else (confs[g] and u in confs[g]):
            withdrawn.append(Withdrawal(h.file, h.member, WITHDRAWN_CONFLICT, h.submitted, h.third_review))
            continue
        if u is None and not h.submitted:
            withdrawn.append(Withdrawal(h.file, h.member, WITHDRAWN_DEACTIVATED, h.submitted, h.third_review))
            continue
        if not h.third_review:
            kept_count[g] += 1
        if u is not None:
            b = st.blocked[g]
            if b is None:
                st.blocked[g] = {u}
            else:
                b.add(u)
            if h.third_review:
                third_loads[u] += 1
            else:
                kept_loads[u] += 1
                if st.kept[g] is None:
                    st.kept[g] = [u]
                else:
                    st.kept[g].append(u)
    for kept in st.kept:
        for i, a in enumerate(kept or ()):
            for b in kept[i + 1:]:
                st.pair(a, b, 1)

    # Feasibility, file by file: all or nothing.
    need = [n - k if k < n else 0 for k in kept_count]
    total = sum(need)
    if total and m < n:
        raise AssignmentImpossible([_too_few_members(m, n)])
    blockeds = st.blocked

    def spare(g: int) -> int:
        c, b = confs[g], blockeds[g]
        return m - (len(c) if c else 0) - (len(b) if b else 0) - need[g]

    reasons = []
    for g, c, b, k in zip(range(f), confs, blockeds, need):
        if k and (c or b) and (len(c) if c else 0) + (len(b) if b else 0) > m - k:
            reasons.append(_too_few_for_file(_file_label(file_labels, f_ids[g]),
                                             kept_count[g] + spare(g) + k, n))
    if reasons:
        raise AssignmentImpossible(reasons)

    rng = random.Random(seed)
    order = list(range(m))
    rng.shuffle(order)
    warnings: list[str] = []
    if total:
        level = _water_level(kept_loads, total)
        lo = [max(0, level - e) for e in kept_loads]
        hi = [level + 1 - e if e <= level else 0 for e in kept_loads]
        todo = [g for g in range(f) if need[g]]
        rng.shuffle(todo)
        _construct(st, n, todo, need, spare, _stream(order, kept_loads, level, total, n, rng),
                   max(8, 4 * n), kept_loads)
        problems = _repair_loads(st, lo, hi, order, m_ids, member_labels, kept_loads)
        if problems:
            if strict_balance:
                raise AssignmentImpossible(problems)
            warnings = problems

    pairs_total = sum(st.co) // 2
    p = m * (m - 1) // 2
    bound = (-(-pairs_total // p) + 1) if p else 0
    if p and total and max(st.co) > bound:
        _repair_pairs(st, bound, rng)
    _check(st, need)

    new = tuple([(fid, m_ids[u]) for fid, chosen in zip(f_ids, st.new) for u in chosen])
    loads = {m_ids[u]: kept_loads[u] + st.x[u] for u in range(m)}
    return AssignmentPlan(
        new=new, withdrawn=tuple(withdrawn), loads=loads,
        third_loads={m_ids[u]: third_loads[u] for u in range(m)},
        pair_overlap=max(st.co) if p else 0, pair_bound=bound, warnings=tuple(warnings))


def _construct(st: _State, n: int, todo: list[int], need: list[int], spare, slots: list[int],
               width: int, kept_loads: list[int]) -> None:
    """Give each file its reviewers from the stream of slots (see the module's docstring)."""
    m, co, x = st.m, st.co, st.x
    confs, blockeds, news, kepts = st.conf, st.blocked, st.new, st.kept
    p = m * (m - 1) // 2 or 1
    placed = sum(co) // 2  # pairs already counted (kept)
    pos, end = 0, len(slots)

    # Phase A (N = 2): the stream's consecutive pairs go, in order, to fresh files that have no
    # conflict with them; a file in conflict with the pair waits for the next ones. The design's
    # pairs, hence its loads and overlaps, are kept exactly.
    rest = todo
    if n == 2:
        fresh = [g for g in todo if need[g] == 2 and blockeds[g] is None]
        rest = [g for g in todo if not (need[g] == 2 and blockeds[g] is None)]
        waiting: deque[int] = deque()
        i, count = 0, len(fresh)
        while pos + 1 < end and (i < count or waiting):
            a, b = slots[pos], slots[pos + 1]
            if a == b or co[a * m + b] > placed // p:
                break  # not a design pair: phase B
            row_a, row_b = a * m, b * m
            g = -1
            for _ in range(min(len(waiting), 8)):
                h = waiting.popleft()
                c = confs[h]
                if a not in c and b not in c:
                    g = h
                    break
                waiting.append(h)
            while g < 0 and i < count:
                h = fresh[i]
                i += 1
                c = confs[h]
                if c is None or (a not in c and b not in c):
                    g = h
                else:
                    waiting.append(h)
            if g < 0 or len(waiting) > 64:
                if g >= 0:
                    waiting.append(g)
                break
            pos += 2
            news[g] += (a, b)
            co[row_a + b] += 1
            co[row_b + a] += 1
            placed += 1
            x[a] += 1
            x[b] += 1
        rest = list(waiting) + fresh[i:] + rest

    # Phase B: every other file, tightest first, takes from a window at the head of the stream
    # the first slot without conflict, then the slots sharing the fewest files with its reviewers.
    rest.sort(key=spare)  # stable: tightest first, then the seeded order

    stuck = 0  # files in a row that could not take the slot at the head of the stream

    def scan(conf, blocked, chosen, others) -> int:
        """Take the best slot of the window (widened if need be), or -1."""
        nonlocal pos, stuck
        while stuck > 2 * width and pos < end:
            # A member that file after file cannot take (conflicts on most of them): the slot
            # is left over, the repair gives that member what it can take.
            pos += 1
            stuck = 0
        low = placed // p * len(others)
        size = width
        while True:
            best, pick = None, -1
            for i in range(pos, min(end, pos + size)):
                u = slots[i]
                if (conf and u in conf) or (blocked and u in blocked) or u in chosen:
                    continue
                if not others:
                    pick = i
                    break
                row = u * m
                shared = 0
                for y in others:
                    shared += co[row + y]
                if best is None or shared < best:
                    best, pick = shared, i
                    if shared <= low:
                        break
            if pick >= 0:
                u = slots[pick]
                if pick == pos:
                    stuck = 0
                else:
                    stuck += 1
                    slots[pos + 1:pick + 1] = slots[pos:pick]
                pos += 1
                return u
            if pos + size >= end or size > 4 * m:
                return -1
            size *= 2

    for g in rest:
        conf, blocked, chosen = confs[g], blockeds[g], news[g]
        kept = kepts[g]
        others = kept[:] if kept else []
        for _ in range(need[g]):
            u = scan(conf, blocked, chosen, others)
            if u < 0:
                # The stream cannot serve this file: the least loaded candidate, repaired later.
                u = min((v for v in range(m) if not ((conf and v in conf) or (blocked and v in blocked)
                                                     or v in chosen)),
                        key=lambda v: (kept_loads[v] + x[v], sum(co[v * m + y] for y in others)))
            for y in others:
                co[u * m + y] += 1
                co[y * m + u] += 1
            placed += len(others)
            chosen.append(u)
            others.append(u)
            x[u] += 1


def _repair_loads(st: _State, lo: list[int], hi: list[int], order: list[int], m_ids: list[int],
                  member_labels: Mapping[int, str] | None, kept_loads: list[int]) -> list[str]:
    """The most balanced loads the conflicts allow, then the water-filling bounds checked: French
    reasons for every member still outside them (none when the bounds can be reached)."""
    x = st.x
    if all(lo[u] <= x[u] <= hi[u] for u in range(st.m)):
        return []
    _balance(st, order, kept_loads)
    deficits, excesses = [], []
    for u in order:
        label = _member_label(member_labels, m_ids[u])
        if x[u] < lo[u]:
            able = sum(1 for g in range(len(st.new)) if st.new[g] and st.can_take(u, g)) + x[u]
            if able < lo[u]:
                deficits.append(
                    f"Le membre {label} ne peut recevoir que {able} des dossiers à attribuer "
                    f"(conflits d'intérêts déclarés sur les autres) ; l'équilibre des charges "
                    f"à un dossier près lui en demande au moins {lo[u]}.")
            else:
                deficits.append(
                    f"Les conflits d'intérêts déclarés empêchent d'équilibrer les charges à un "
                    f"dossier près : le membre {label} devrait recevoir au moins {lo[u]} "
                    f"dossier{'s' if lo[u] > 1 else ''} ; on ne peut lui en donner que {x[u]}.")
        elif x[u] > hi[u]:
            excesses.append(
                f"Les conflits d'intérêts déclarés empêchent d'équilibrer les charges à un "
                f"dossier près : le membre {label} devrait recevoir au plus {hi[u]} "
                f"dossier{'s' if hi[u] > 1 else ''} et en recevrait {x[u]}.")
    # A member who cannot get enough is the root cause; the others' excess follows from it.
    return deficits or excesses


def _balance(st: _State, order: list[int], kept_loads: list[int]) -> None:
    """Move new assignments along chains (u takes a file from v, v from w, ...) while a file can
    thus go from a member to one at least two files lighter. Each move lowers the sum of squared
    loads; when none is left, the residual network of the flow files -> members has no negative
    cycle for those convex costs, so the loads are the most balanced possible without moving a
    kept assignment: the largest load is the smallest, and the smallest the largest, possible."""
    x, m = st.x, st.m
    files_of = st.files_of()

    def load(u: int) -> int:
        return kept_loads[u] + x[u]

    def pull(u: int) -> bool:
        """Find and apply a chain bringing one file to u from a member with load >= load(u) + 2."""
        wanted = load(u) + 2
        parent: dict[int, tuple[int, int] | None] = {u: None}
        queue = deque([u])
        while queue:
            w = queue.popleft()
            for v in order:
                if v in parent or not files_of[v]:
                    continue
                g = next((g for g in files_of[v] if st.can_take(w, g)), None)
                if g is None:
                    continue
                parent[v] = (w, g)
                if load(v) >= wanted:
                    while parent[v] is not None:
                        taker, g2 = parent[v]
                        st.move(g2, v, taker)
                        v = taker
                    return True
                queue.append(v)
        return False

    improved = True
    while improved:
        improved = False
        for u in sorted(order, key=load):
            if load(u) + 2 > max(load(v) for v in range(m)):
                break
            while load(u) + 2 <= max(load(v) for v in range(m)) and pull(u):
                improved = True


def _repair_pairs(st: _State, bound: int, rng: random.Random, budget: int = 200_000) -> None:
    """Swap new reviewers between two files (loads unchanged) while a pair shares more than
    `bound` files; `budget` caps the candidate swaps looked at (the plan reports what holds)."""
    m, co = st.m, st.co
    files_of = st.files_of()
    every = [g for g in range(len(st.new)) if st.new[g]]
    left = [budget]
    for a in range(m):
        for b in range(a + 1, m):
            while co[a * m + b] > bound and left[0] > 0:
                if not _swap_one(st, a, b, bound, files_of, every, rng, left):
                    break


def _swap_one(st: _State, a: int, b: int, bound: int, files_of: list[dict[int, None]],
              every: list[int], rng: random.Random, left: list[int]) -> bool:
    """One swap taking a or b (a new reviewer on a file they share) to another file, whose new
    reviewer z comes in its place, with no pair going above `bound`."""
    m, co = st.m, st.co
    for y, other in ((a, b), (b, a)):
        shared = [f for f in files_of[y] if other in st.new[f] or other in (st.kept[f] or ())]
        for f in shared[:20]:
            rest_f = [v for v in (st.kept[f] or []) + st.new[f] if v != y]
            for _ in range(min(len(every), 200)):
                left[0] -= 1
                if left[0] < 0:
                    return False
                g = every[rng.randrange(len(every))]
                if g == f or not st.can_take(y, g):
                    continue
                on_g = (st.kept[g] or []) + st.new[g]
                for z in st.new[g]:
                    if not st.can_take(z, f):
                        continue
                    if all(co[z * m + v] < bound for v in rest_f) and all(
                            co[y * m + v] < bound for v in on_g if v != z):
                        st.move(f, y, z)
                        st.move(g, z, y)
                        return True
    return False


def _check(st: _State, need: list[int]) -> None:
    """The invariants every plan must hold; a failure here is a bug, never a user's fault."""
    if list(map(len, st.new)) != need:
        raise RuntimeError("assignment bug: a file did not get the reviewers it needs")
    for g, members, conf, blocked in zip(range(len(need)), st.new, st.conf, st.blocked):
        if (conf and not conf.isdisjoint(members)) or (blocked and not blocked.isdisjoint(members)) or (
                len(members) > 1 and len(set(members)) != len(members)):
            raise RuntimeError(f"assignment bug: file position {g} got {members}")


# ---------------------------------------------------------------------------------------------
# Third reviews


def _mix(*values: int) -> int:
    """A fixed integer hash (splitmix64 steps): the seeded tie-break of third reviews."""
    h = 0x9E3779B97F4A7C15
    for v in values:
        h = (h ^ (v & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        h = (h ^ (h >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 31
    return h


def pick_third_reviewer(
    file: int,
    members: Sequence[int],
    *,
    conflicts: Iterable[tuple[int, int]] = (),
    on_file: Iterable[int] = (),
    loads: Mapping[int, int] | None = None,
    third_loads: Mapping[int, int] | None = None,
    seed: int = 0,
    file_label: str | None = None,
) -> int:
    """The third reviewer of a flagged file: an active member with no conflict on it, not already
    on it, with the fewest third reviews, then the lightest overall load (regular + third), then
    a seeded tie-break. Raises AssignmentImpossible when nobody qualifies."""
    blocked = set(on_file) | {mid for mid, fid in conflicts if fid == file}
    loads = loads or {}
    third_loads = third_loads or {}
    candidates = [mid for mid in members if mid not in blocked]
    if not candidates:
        label = file_label or f"n° {file}"
        raise AssignmentImpossible([
            f"Aucun membre actif sans conflit d'intérêts, hors ses évaluateurs, ne peut faire la "
            f"troisième évaluation du dossier {label}."])
    return min(candidates, key=lambda mid: (third_loads.get(mid, 0),
                                            loads.get(mid, 0) + third_loads.get(mid, 0),
                                            _mix(seed, file, mid)))


def plan_third_reviews(
    files: Sequence[int],
    members: Sequence[int],
    *,
    conflicts: Iterable[tuple[int, int]] = (),
    on_file: Mapping[int, Iterable[int]],
    loads: Mapping[int, int] | None = None,
    third_loads: Mapping[int, int] | None = None,
    seed: int = 0,
    file_labels: Mapping[int, str] | None = None,
) -> tuple[tuple[int, int], ...]:
    """Third reviewers for several flagged files, one after the other (each pick counts for the
    next); all or nothing: AssignmentImpossible lists every file nobody can take."""
    by_file: dict[int, list[tuple[int, int]]] = {}
    for mid, fid in conflicts:
        by_file.setdefault(fid, []).append((mid, fid))
    thirds = dict(third_loads or {})
    picks, reasons = [], []
    for fid in files:
        try:
            mid = pick_third_reviewer(
                fid, members, conflicts=by_file.get(fid, ()), on_file=on_file.get(fid, ()),
                loads=loads, third_loads=thirds, seed=seed,
                file_label=_file_label(file_labels, fid))
        except AssignmentImpossible as error:
            reasons += error.reasons
            continue
        thirds[mid] = thirds.get(mid, 0) + 1
        picks.append((fid, mid))
    if reasons:
        raise AssignmentImpossible(reasons)
    return tuple(picks)
