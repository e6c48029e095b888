"""The one table of an application's states and of the legal moves between them.

Pure (no Flask, no session): the states with their French labels, every allowed move, and
which kind of actor may make it. `Application.transition_to` (applications/models.py) is the
only code that changes `Application.status` one file at a time; it calls `check_move` first
and records the audit event. Writers that insert many rows through SQLAlchemy Core (the demo
seed, the Excel import) call `check_initial`, `check_history` or `check_bulk_moves` before
their inserts, so that they go through the same table.

What the table does not know, the services check around it: the campaign's phase (an
applicant withdraws only before the deliberation), the application window, completeness,
the placement's deadline.

States and moves are data. A later issue (the committee, the placement, the AMCI follow-up)
adds a state with one line in `STATES` (and in `STATUSES` order, which the schema's CHECK
constraint reads: a migration follows) and its moves as rows of `MOVES`; nothing else here
changes.
"""
from dataclasses import dataclass
from typing import Iterable

from ..errors import InvalidTransition

# State code -> French label, in the order of the schema's CHECK constraint.
STATES: dict[str, str] = {
    "draft": "Brouillon",
    "submitted": "Soumis",
    "eligible": "Recevable",
    "ineligible": "Non recevable",
    "evaluated": "Évalué",
    "placed": "Liste principale : affecté",
    "waiting_list": "Liste d'attente",
    "not_selected": "Non retenu",
    "accepted": "Accepté",
    "declined": "Désisté",
    "enrolled": "Inscrit",
    "withdrawn": "Retiré par le candidat",
    "amci_refused": "Refusé par la commission mixte",
    "not_departed": "Départ annulé (visa refusé ou désistement avant le départ)",
    "abandoned": "Abandon en cours de formation",
}
STATUSES: tuple[str, ...] = tuple(STATES)
STATUS_LABELS: dict[str, str] = STATES

# Who makes a move, as the table knows them (not user roles: a manager who runs the
# allocation acts as "system"; a committee member with the chair's role acts as "chair").
ACTOR_KINDS: dict[str, str] = {
    "applicant": "le candidat",
    "manager": "un gestionnaire",
    "chair": "le président du comité",
    "system": "le système (affectation, échéances)",
    "amci": "un agent de l'AMCI",
    "import": "l'import d'un fichier",
}

# The source of a creation move: a file that did not exist yet.
CREATED = None


@dataclass(frozen=True)
class Move:
    source: str | None  # CREATED for the creation of a file
    target: str
    actors: frozenset
    why: str  # when the move happens, for the reader of this table


def _moves(sources, targets, actors, why) -> list[Move]:
    sources = sources if isinstance(sources, tuple) else (sources,)
    targets = targets if isinstance(targets, tuple) else (targets,)
    return [Move(s, t, frozenset(actors), why) for s in sources for t in targets]


MOVES: tuple[Move, ...] = tuple([
    *_moves(CREATED, "draft", {"applicant"}, "le candidat ouvre son dossier en ligne"),
    *_moves(CREATED, "submitted", {"import"},
            "un dossier papier, saisi dans un fichier Excel, arrive soumis"),
    *_moves("draft", "submitted", {"applicant"}, "le candidat soumet son dossier complet"),
    *_moves("submitted", ("eligible", "ineligible"), {"manager"},
            "un gestionnaire décide de la recevabilité (une seule fois : pas de seconde décision)"),
    # Before the deliberation only: the service checks the campaign's phase.
    *_moves(("draft", "submitted", "eligible", "ineligible", "evaluated"), "withdrawn", {"applicant"},
            "le candidat retire son dossier avant la délibération"),
    *_moves("eligible", "evaluated", {"chair"}, "le président valide la délibération"),
    *_moves("evaluated", ("placed", "waiting_list", "not_selected"), {"system"},
            "l'affectation place les candidats selon leur rang et les places"),
    *_moves("waiting_list", "placed", {"system"}, "une place libérée va au premier de la liste d'attente"),
    *_moves("placed", "waiting_list", {"applicant", "system"},
            "le candidat refuse la place proposée (ou la laisse expirer) et reste sur la liste d'attente "
            "de choix qu'il préfère"),
    *_moves("waiting_list", "declined", {"applicant"}, "le candidat renonce à ses listes d'attente"),
    # After the publication the service lets an applicant withdraw their file: the seat they
    # hold goes to the waiting list.
    *_moves(("placed", "accepted", "waiting_list", "not_selected"), "withdrawn", {"applicant"},
            "le candidat retire son dossier après la publication des affectations"),
    *_moves("placed", "accepted", {"applicant"}, "le candidat accepte la place proposée"),
    *_moves("placed", "declined", {"applicant", "system"},
            "le candidat refuse la place, ou la date limite passe sans réponse (le silence vaut désistement)"),
    # DOMAIN.md: "no one who accepted ever loses a seat" is a promise to the candidate, who
    # may still give it up (se désister) before enrolment; the seat then goes to the waiting list.
    *_moves("accepted", "declined", {"applicant"}, "le candidat se désiste après avoir accepté"),
    *_moves("accepted", "enrolled", {"amci", "manager"},
            "le suivi (AMCI, ou la DNFP) enregistre l'inscription dans l'établissement"),
    # The joint Morocco–Mali committee's answer, reconciled from the list the AMCI returns:
    # the seat goes to the waiting list.
    *_moves("accepted", "amci_refused", {"amci", "manager"},
            "la commission mixte refuse le candidat (liste retournée par l'AMCI)"),
    *_moves("accepted", "not_departed", {"amci", "manager"},
            "le visa est refusé ou le départ annulé avant le début de la formation"),
    *_moves("enrolled", "abandoned", {"amci", "manager"},
            "le stagiaire abandonne la formation (avec le motif)"),
])
_TABLE: dict[tuple, Move] = {(m.source, m.target): m for m in MOVES}


def label(state: str | None) -> str:
    return STATES.get(state, state or "")


def _who(actors) -> str:
    names = [ACTOR_KINDS[a] for a in ACTOR_KINDS if a in actors]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " ou " + names[-1]


def refusal(current: str | None, target: str, actor_kind: str) -> str | None:
    """The French reason why `actor_kind` may not move a file from `current` to `target`, or
    None when the move is legal. `current` is CREATED (None) for the creation of a file."""
    if actor_kind not in ACTOR_KINDS:
        return f"Type d'acteur inconnu : « {actor_kind} »."
    for state in (current, target):
        if state is not CREATED and state not in STATES:
            return f"État de dossier inconnu : « {state} »."
    if target is CREATED:
        return "Un dossier ne peut pas revenir à l'état « non créé »."
    if current == target:
        return f"Le dossier est déjà à l'état « {label(target)} »."
    move = _TABLE.get((current, target))
    if move is None:
        if current is CREATED:
            return f"Un dossier ne peut pas être créé directement à l'état « {label(target)} »."
        return f"Un dossier à l'état « {label(current)} » ne peut pas passer à l'état « {label(target)} »."
    if actor_kind not in move.actors:
        if current is CREATED:
            return f"Un dossier ne peut être créé à l'état « {label(target)} » que par {_who(move.actors)}."
        return (f"Le passage de l'état « {label(current)} » à l'état « {label(target)} » "
                f"ne peut être fait que par {_who(move.actors)}.")
    return None


def is_allowed(current: str | None, target: str, actor_kind: str) -> bool:
    return refusal(current, target, actor_kind) is None


def check_move(current: str | None, target: str, actor_kind: str) -> None:
    """Raise InvalidTransition, with the French reason, unless the move is legal."""
    reason = refusal(current, target, actor_kind)
    if reason is not None:
        raise InvalidTransition(reason)


def allowed_moves(current: str | None, actor_kind: str) -> tuple[str, ...]:
    """The states `actor_kind` may move a file to from `current`, in the order of STATES."""
    return tuple(t for t in STATES if is_allowed(current, t, actor_kind))


def check_initial(target: str, actor_kind: str) -> None:
    """May `actor_kind` create a file directly in state `target`? (The Excel import creates
    submitted files; an applicant creates a draft.) Raise InvalidTransition if not."""
    check_move(CREATED, target, actor_kind)


def check_history(steps: Iterable[tuple[str, str]]) -> None:
    """Check a whole life from creation: `steps` is [(state reached, actor kind), ...], the
    first being the creation. For a writer that inserts files already far along their life
    (the demo seed), once per kind of history it writes, before its inserts."""
    current = CREATED
    for target, actor_kind in steps:
        check_move(current, target, actor_kind)
        current = target
    if current is CREATED:
        raise InvalidTransition("Un historique de dossier ne peut pas être vide.")


def check_bulk_moves(pairs: Iterable[tuple[str | None, str]], actor_kind: str) -> None:
    """Check many moves made by one kind of actor, each distinct (current, target) pair once
    (a 100,000-row write has a handful of them); CREATED as current means a creation.
    Raise one InvalidTransition whose `reasons` list every refused pair."""
    reasons = []
    for pair in dict.fromkeys(pairs):
        reason = refusal(pair[0], pair[1], actor_kind)
        if reason is not None:
            reasons.append(reason)
    if reasons:
        raise InvalidTransition(
            "Ces changements d'état ne sont pas permis." if len(reasons) > 1 else reasons[0], reasons=reasons)
