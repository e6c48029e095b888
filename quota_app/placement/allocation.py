"""The placement rule, pure: candidates on their ranked choices, offers with open and reserved seats.

Applicant-proposing deferred acceptance with one common ranking: every offer orders the
candidates the same way, by `priority` (the rank in the committee's final ranking, lower is
better, all distinct). An offer with c seats of which r are reserved chooses among the
candidates who propose to it (its choice function):
  1. its c − r open seats, by priority among everyone;
  2. its r reserved seats, by priority among the women it has not chosen yet;
  3. a reserved seat no woman takes goes back to the best remaining candidate (a man); the
     seat stays a reserved seat (kind "reserved"), so that when it is freed later a woman
     comes first.
That choice function is substitutable and size-monotone, so deferred acceptance gives the
stable matching best for every candidate and is strategy-proof. Without reserved seats it is
the resident-optimal hospital/resident matching, which with one common ranking is serial
dictatorship by priority.

Incremental form (each offer keeps what its choice function chose from its proposers so far;
path independence makes choosing from the held set plus the newcomer the same as choosing
from every proposer). The held set is split into the open part O (the best c − r by
priority) and the reserved part R (at most r). A proposer x:
  - if O is not full, x joins O;
  - else if x is better than the worst of O, x takes its place and that worst one moves to R;
  - else x goes to R;
  then if |R| > r the offer rejects from R its worst man if R holds a man, else its worst
  woman. (R holds a man only when it holds every woman not in O: then the newcomer, woman or
  man, pushes the worst man out; with no man in R, R holds the r best women, a man is rejected
  at once and a woman pushes the worst woman out.) r = 0: R rejects at once; c = 0: everyone.

Implementation: candidates become their rank 0..n-1 (sorted by priority), offers 0..m-1;
per offer three lists of ranks kept sorted, the worst last: O, the men of R, the women of R.
Candidates propose in rank order, a rejected one at once to their next choice. The cyclic
garbage collector is paused during the computation (quota_app.gcpause).
"""
from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import compress, pairwise
from operator import attrgetter

from quota_app.gcpause import gc_paused
from quota_app.msgid import as_is

OPEN = "open"
RESERVED = "reserved"

RULE_TEXT = (
    "Les candidats sont rangés dans un classement commun, le même pour toutes les offres : "
    "par note finale décroissante, puis, à note égale, selon la règle de départage de la "
    "campagne écrite au présent procès-verbal. "
    "Chaque candidat est examiné sur ses choix dans l'ordre où il les a donnés : il obtient "
    "le premier de ses choix où son rang lui donne une place, et il n'est examiné sur un choix "
    "suivant que s'il n'a pas de place sur les précédents. "
    "Dans chaque offre, les places ouvertes sont attribuées d'abord, par ordre de classement "
    "entre tous les candidats ; les places réservées le sont ensuite, par ordre de classement "
    "entre les candidates qui n'ont pas déjà obtenu une place ouverte, et une place réservée "
    "qu'aucune candidate n'occupe revient au candidat suivant dans le classement. "
    "Le résultat est stable : nul ne se voit refuser un choix dont la place est allée à un "
    "candidat moins bien classé que lui selon cette règle. "
    "Aucun candidat ne peut obtenir mieux en donnant ses choix dans un autre ordre que son "
    "ordre de préférence véritable."
)


@dataclass(frozen=True, slots=True)
class OfferSeats:
    id: int
    seats: int          # c >= 0
    reserved: int = 0   # 0 <= r <= c


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    priority: int       # position in the common ranking, lower is better, distinct
    score: Decimal      # final score (3 decimals), shown in explanations and cut-offs
    woman: bool
    choices: tuple[int, ...]   # offer ids, most wanted first; ids not in the offers are ignored


@dataclass(frozen=True, slots=True)
class Cutoff:
    # The score of the last admitted, in the common ranking, on the offer's open seats and on
    # its reserved seats (a man on a reserved seat that reverted to him counts there);
    # None: nobody. The lowest score admitted, the ranking going by score.
    open_score: Decimal | None
    reserved_score: Decimal | None
    open_filled: int
    reserved_filled: int


@dataclass(frozen=True, slots=True)
class Explanation:
    offer_id: int
    position: int                   # 1-based position of that offer in the candidate's choices
    open_score: Decimal | None
    reserved_score: Decimal | None
    score: Decimal                  # the candidate's own score


# Explanation(...) without the frozen dataclass's __init__ (five object.__setattr__ calls):
# object.__new__ and the slots' own setters, three times as fast; explaining everyone makes
# about one per candidate.
_new = object.__new__
_set_offer, _set_position, _set_open, _set_reserved, _set_score = (
    getattr(Explanation, name).__set__
    for name in ("offer_id", "position", "open_score", "reserved_score", "score"))


def _make_explanation(offer_id, position, open_score, reserved_score, score) -> Explanation:
    e = _new(Explanation)
    _set_offer(e, offer_id)
    _set_position(e, position)
    _set_open(e, open_score)
    _set_reserved(e, reserved_score)
    _set_score(e, score)
    return e


@dataclass
class Allocation:
    placed: dict[int, tuple[int, str]]   # candidate id -> (offer id, "open" | "reserved")
    unplaced: list[int]                  # candidate ids, in priority order
    cutoffs: dict[int, Cutoff]           # every offer id given -> its Cutoff
    waiting: dict[int, list[int]]        # offer id -> ids in priority order who ranked it above what they got
    # The unplaced as a set, so that explain refuses a candidate the allocation never saw
    # (None: no check, for an Allocation built by hand).
    _unplaced_set: frozenset[int] | None = field(default=None, repr=False, compare=False)

    def explain(self, candidate: Candidate) -> list[Explanation]:
        """For each choice above the one obtained (every choice for the unplaced), in choice
        order: that offer's cut-offs and the candidate's score. Choices that are not offers of
        the allocation were never considered and are left out. O(choices)."""
        got = self.placed.get(candidate.id)
        if got is None:
            known = self._unplaced_set
            if known is not None and candidate.id not in known:
                raise ValueError(f"Le candidat {candidate.id} ne fait pas partie de cette affectation.")
            obtained = None
        else:
            obtained = got[0]
        cutoffs = self.cutoffs
        out = []
        for position, offer_id in enumerate(candidate.choices, 1):
            if offer_id == obtained:
                break
            cut = cutoffs.get(offer_id)
            if cut is not None:
                out.append(_make_explanation(offer_id, position, cut.open_score, cut.reserved_score,
                                             candidate.score))
        return out

    def explain_all(self, candidates: Iterable[Candidate]) -> dict[int, list[Explanation]]:
        """candidate id -> explain(candidate), for many at once (the collector paused, the
        lookups bound once): what the round's publication and the PV need."""
        placed_get = self.placed.get
        cutoffs_get = self.cutoffs.get
        known = self._unplaced_set
        new, cls = _new, Explanation
        set_offer, set_position, set_open, set_reserved, set_score = (
            _set_offer, _set_position, _set_open, _set_reserved, _set_score)
        result = {}
        with gc_paused():
            for candidate in candidates:
                cid = candidate.id
                got = placed_get(cid)
                if got is None:
                    if known is not None and cid not in known:
                        raise ValueError(f"Le candidat {cid} ne fait pas partie de cette affectation.")
                    obtained = None
                else:
                    obtained = got[0]
                out = []
                for position, offer_id in enumerate(candidate.choices, 1):
                    if offer_id == obtained:
                        break
                    cut = cutoffs_get(offer_id)
                    if cut is not None:  # _make_explanation, inlined
                        e = new(cls)
                        set_offer(e, offer_id)
                        set_position(e, position)
                        set_open(e, cut.open_score)
                        set_reserved(e, cut.reserved_score)
                        set_score(e, candidate.score)
                        out.append(e)
                result[cid] = out
        return result


def _fr(score: Decimal | None, _=as_is) -> str:
    if score is None:
        return _("aucun admis")
    return format(Decimal(score).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f").replace(".", ",")


def explanation_text(e: Explanation, woman: bool, _=as_is) -> str:
    """One French sentence: « Dernier admis sur places ouvertes : 14,25 ; sur places
    réservées : 13,10 ; votre note : 12,80 » (two decimals, rounded half up; « aucun admis »
    when nobody holds such a seat). For a man « sur places réservées aux candidates » : the
    reserved seats are for women, a man only gets one that no woman takes. `_`: a gettext
    (Flask-Babel's on a page, for the reader's language); the module itself stays pure."""
    reserved = _("sur places réservées") if woman else _("sur places réservées aux candidates")
    return _("Dernier admis sur places ouvertes : %(open)s ; %(reserved)s : %(reserved_score)s ; votre note : "
             "%(score)s", open=_fr(e.open_score, _), reserved=reserved, reserved_score=_fr(e.reserved_score, _),
             score=_fr(e.score, _))


def _check_offers(offers: list[OfferSeats]) -> None:
    seen = set()
    for offer in offers:
        if offer.seats < 0:
            raise ValueError(f"Offre {offer.id} : le nombre de places ({offer.seats}) "
                             "ne peut pas être négatif.")
        if offer.reserved < 0:
            raise ValueError(f"Offre {offer.id} : le nombre de places réservées ({offer.reserved}) "
                             "ne peut pas être négatif.")
        if offer.reserved > offer.seats:
            raise ValueError(f"Offre {offer.id} : {offer.reserved} places réservées pour "
                             f"{offer.seats} places en tout.")
        if offer.id in seen:
            raise ValueError(f"L'offre {offer.id} figure deux fois.")
        seen.add(offer.id)


def _duplicate_priority(priorities: list[int]) -> None:
    for a, b in pairwise(priorities):  # sorted: duplicates are neighbours
        if a == b:
            raise ValueError(f"Deux candidats ont le même rang de priorité ({a}) ; "
                             "le classement commun doit les départager.")


def _duplicate_id(ids: list[int]) -> None:
    seen = set()
    for candidate_id in ids:
        if candidate_id in seen:
            raise ValueError(f"Le candidat {candidate_id} figure deux fois.")
        seen.add(candidate_id)


def _by_priority(candidates: list[Candidate]) -> tuple[list, list, list, list]:
    """(candidates, their ids, choices, woman flags), in priority order: index k is rank k.

    Priorities are usually ranks 1..n: then each candidate goes straight to its slot, in one
    pass over the input in its own order (half the time of sorting them and reading each
    attribute in rank order, when the input is in another order: every read of a candidate
    in rank order is a jump in memory). Otherwise, a sort."""
    n = len(candidates)
    priorities = list(map(attrgetter("priority"), candidates))
    if n and max(priorities) - min(priorities) < 2 * n:
        low = min(priorities)
        span = max(priorities) - low + 1
        slots, ids, choices, woman = [None] * span, [None] * span, [None] * span, [None] * span
        for candidate, priority in zip(candidates, priorities):
            priority -= low
            slots[priority] = candidate
            ids[priority] = candidate.id
            choices[priority] = candidate.choices
            woman[priority] = candidate.woman
        ordered = list(filter(None, slots))
        if len(ordered) != span:  # ranks left empty (or taken twice)
            ids, choices, woman = (list(compress(x, slots)) for x in (ids, choices, woman))
    else:
        ordered = sorted(candidates, key=attrgetter("priority"))
        if len(set(priorities)) != n:
            ordered = []
        ids = list(map(attrgetter("id"), ordered))
        choices = list(map(attrgetter("choices"), ordered))
        woman = list(map(attrgetter("woman"), ordered))
    if len(ordered) != n:  # a rank taken twice
        _duplicate_priority(sorted(priorities))
    return ordered, ids, choices, woman


def allocate(offers: Iterable[OfferSeats], candidates: Iterable[Candidate]) -> Allocation:
    """Deferred acceptance under the rule of this module. Raises ValueError (French message)
    on negative seats, reserved > seats, duplicate offer ids, duplicate candidate ids or
    priorities."""
    with gc_paused():
        return _allocate(list(offers), list(candidates))


def _allocate(offers: list[OfferSeats], candidates: list[Candidate]) -> Allocation:
    _check_offers(offers)
    # Candidates become their rank k: ordered[k], ids[k], choices[k], woman[k].
    ordered, ids, choices, woman = _by_priority(candidates)
    n, m = len(ordered), len(offers)
    # Offers become their index j.
    index = {offer.id: j for j, offer in enumerate(offers)}
    open_cap = [offer.seats - offer.reserved for offer in offers]
    reserved_cap = [offer.reserved for offer in offers]

    # Per offer, lists of ranks kept sorted (bisect.insort), the worst last: the open part,
    # the men of R, the women of R; what the offer rejected. (Sorted lists rather than heaps:
    # proposals come mostly in rank order, so an insertion is mostly an append, the worst is
    # list[-1] and pop(), and the results come out in rank order.)
    open_part = [[] for _ in range(m)]
    men = [[] for _ in range(m)]
    women = [[] for _ in range(m)]
    r_size = [0] * m
    refused = [[] for _ in range(m)]
    nxt = [0] * n                        # index in choices[k] of k's next offer to propose to
    unplaced = []
    add_unplaced = unplaced.append

    # Candidates propose in rank order; the one a proposal makes an offer reject proposes at
    # once to their next choice (deferred acceptance ends on the same matching in any order;
    # this one keeps rejections few: with one ranking only a man pushed off a reverted
    # reserved seat by a woman, and whoever he then displaces, are ever rejected after
    # being held).
    for k in range(n):
        while True:
            ch = choices[k]
            i = nxt[k]
            if i == len(ch):
                add_unplaced(k)
                break
            nxt[k] = i + 1
            try:
                j = index[ch[i]]
            except KeyError:         # not an offer of this allocation: ignored
                continue
            o = open_part[j]
            if len(o) < open_cap[j]:
                insort(o, k)
                break
            if o and o[-1] > k:      # better than the worst of the open part: they swap
                y = o.pop()
                insort(o, k)
            else:
                y = k
            # y enters R
            if r_size[j] < reserved_cap[j]:
                r_size[j] += 1
                insort(women[j] if woman[y] else men[j], y)
                break
            h = men[j]
            if woman[y]:
                if h:                # a woman pushes the worst man of R out
                    insort(women[j], y)
                    k = h.pop()
                else:                # no man in R: the worst of its women and y goes
                    h = women[j]
                    if h and h[-1] > y:
                        k = h.pop()
                        insort(h, y)
                    else:
                        k = y
            elif h and h[-1] > y:    # the worst of R's men and y goes
                k = h.pop()
                insort(h, y)
            else:                    # no man in R (or r = 0), or y the worst: y goes
                k = y
            refused[j].append(k)     # and k proposes to their next choice

    where = [None] * n
    cutoffs = {}
    for j, offer in enumerate(offers):
        o, hm, hw = open_part[j], men[j], women[j]
        seat = (offer.id, OPEN)
        for k in o:
            where[k] = seat
        seat = (offer.id, RESERVED)
        for k in hm:
            where[k] = seat
        for k in hw:
            where[k] = seat
        worst_reserved = max(hm[-1] if hm else -1, hw[-1] if hw else -1)
        cutoffs[offer.id] = Cutoff(
            open_score=ordered[o[-1]].score if o else None,
            reserved_score=ordered[worst_reserved].score if worst_reserved >= 0 else None,
            open_filled=len(o), reserved_filled=len(hm) + len(hw))
    placed = dict(zip(compress(ids, where), filter(None, where)))  # in rank order
    get_id = ids.__getitem__
    unplaced.sort()
    unplaced_ids = list(map(get_id, unplaced))
    unplaced_set = frozenset(unplaced_ids)
    # Every rank is placed or unplaced, once: fewer ids means some id came twice.
    if len(placed) + len(unplaced_set) != n or not unplaced_set.isdisjoint(placed):
        _duplicate_id(ids)
    waiting = {}
    for j, offer in enumerate(offers):
        r = refused[j]
        r.sort()
        waiting[offer.id] = list(map(get_id, r))
    return Allocation(placed=placed, unplaced=unplaced_ids, cutoffs=cutoffs, waiting=waiting,
                      _unplaced_set=unplaced_set)
