"""The status table of applications (applications/status.py), pure: every pair of states
(and the creation) × every kind of actor, against the table written out again here."""
import ast
from pathlib import Path

import pytest

from quota_app.applications import status
from quota_app.applications.status import CREATED, STATES
from quota_app.errors import InvalidTransition

KINDS = ("applicant", "manager", "chair", "system", "amci", "import")
BEFORE_DELIBERATION = ("draft", "submitted", "eligible", "ineligible", "evaluated")

# Written out by hand, not computed from status.MOVES: a change of the table must change this.
LEGAL = {
    (CREATED, "draft"): {"applicant"},
    (CREATED, "submitted"): {"import"},
    ("draft", "submitted"): {"applicant"},
    ("submitted", "eligible"): {"manager"},
    ("submitted", "ineligible"): {"manager"},
    **{(source, "withdrawn"): {"applicant"} for source in BEFORE_DELIBERATION},
    ("eligible", "evaluated"): {"chair"},
    ("evaluated", "placed"): {"system"},
    ("evaluated", "waiting_list"): {"system"},
    ("evaluated", "not_selected"): {"system"},
    ("waiting_list", "placed"): {"system"},
    ("placed", "accepted"): {"applicant"},
    ("placed", "declined"): {"applicant", "system"},
    ("accepted", "declined"): {"applicant"},
    ("accepted", "enrolled"): {"amci", "manager"},
    # The placement's answers and the withdrawal of a file after the publication.
    ("placed", "waiting_list"): {"applicant", "system"},
    ("waiting_list", "declined"): {"applicant"},
    **{(source, "withdrawn"): {"applicant"} for source in ("placed", "accepted", "waiting_list", "not_selected")},
    # The AMCI's answers and the years in Morocco.
    ("accepted", "amci_refused"): {"amci", "manager"},
    ("accepted", "not_departed"): {"amci", "manager"},
    ("enrolled", "abandoned"): {"amci", "manager"},
}
SOURCES = (CREATED, *STATES)
CASES = [(source, target, kind) for source in SOURCES for target in STATES for kind in KINDS]


def _french(message: str) -> None:
    assert message and message[0].isupper() and message.endswith(".")
    assert "dossier" in message or "état" in message


def test_the_states_are_those_of_the_domain_with_their_labels():
    assert status.STATUSES == (
        "draft", "submitted", "eligible", "ineligible", "evaluated", "placed", "waiting_list",
        "not_selected", "accepted", "declined", "enrolled", "withdrawn", "amci_refused", "not_departed",
        "abandoned")
    assert status.STATUS_LABELS["placed"] == "Liste principale : affecté"
    assert status.STATUS_LABELS["declined"] == "Désisté"
    assert set(status.ACTOR_KINDS) == set(KINDS)


def test_models_re_export_the_one_table():
    from quota_app.applications import models

    assert models.STATUSES is status.STATUSES and models.STATUS_LABELS is status.STATUS_LABELS


@pytest.mark.parametrize("source, target, kind", CASES)
def test_every_pair_of_states_for_every_kind_of_actor(source, target, kind):
    legal = kind in LEGAL.get((source, target), set())
    assert status.is_allowed(source, target, kind) is legal
    if legal:
        status.check_move(source, target, kind)
        return
    with pytest.raises(InvalidTransition) as caught:
        status.check_move(source, target, kind)
    message = caught.value.message
    _french(message)
    assert status.refusal(source, target, kind) == message
    if source == target:
        assert "déjà" in message
    elif (source, target) in LEGAL:
        # The move exists: the message says who may make it.
        assert "que par" in message
        assert all(status.ACTOR_KINDS[k] in message for k in LEGAL[(source, target)])
    else:
        assert "ne peut pas" in message and STATES[target] in message
        if source is not CREATED:
            assert STATES[source] in message


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("kind", KINDS)
def test_allowed_moves_lists_the_legal_targets_in_order(source, kind):
    expected = tuple(t for t in STATES if kind in LEGAL.get((source, t), set()))
    assert status.allowed_moves(source, kind) == expected


def test_the_table_names_only_known_states_and_actors():
    for move in status.MOVES:
        assert move.source is CREATED or move.source in STATES
        assert move.target in STATES and move.actors <= set(KINDS) and move.actors and move.why
    assert len({(m.source, m.target) for m in status.MOVES}) == len(status.MOVES)


def test_every_state_can_be_reached_from_the_creation():
    reached, frontier = set(), {CREATED}
    while frontier:
        frontier = {m.target for m in status.MOVES if m.source in frontier} - reached
        reached |= frontier
    assert reached == set(STATES)


def test_unknown_states_and_actors_are_refused_in_french():
    with pytest.raises(InvalidTransition, match="État de dossier inconnu : « approved »"):
        status.check_move("submitted", "approved", "manager")
    with pytest.raises(InvalidTransition, match="État de dossier inconnu"):
        status.check_move("approved", "submitted", "manager")
    with pytest.raises(InvalidTransition, match="Type d'acteur inconnu : « admin »"):
        status.check_move("submitted", "eligible", "admin")
    with pytest.raises(InvalidTransition, match="non créé"):
        status.check_move("draft", CREATED, "applicant")


def test_initial_states_by_creator():
    status.check_initial("draft", "applicant")
    status.check_initial("submitted", "import")
    with pytest.raises(InvalidTransition) as caught:
        status.check_initial("submitted", "applicant")
    assert caught.value.message == "Un dossier ne peut être créé à l'état « Soumis » que par l'import d'un fichier."
    with pytest.raises(InvalidTransition) as caught:
        status.check_initial("eligible", "import")
    assert caught.value.message == "Un dossier ne peut pas être créé directement à l'état « Recevable »."


def test_refusal_messages_read_as_french_sentences():
    assert status.refusal("submitted", "eligible", "applicant") == (
        "Le passage de l'état « Soumis » à l'état « Recevable » ne peut être fait que par un gestionnaire.")
    assert status.refusal("placed", "declined", "manager") == (
        "Le passage de l'état « Liste principale : affecté » à l'état « Désisté » ne peut être fait que par "
        "le candidat ou le système (affectation, échéances).")
    assert status.refusal("draft", "accepted", "applicant") == (
        "Un dossier à l'état « Brouillon » ne peut pas passer à l'état « Accepté ».")
    assert status.refusal("eligible", "eligible", "manager") == "Le dossier est déjà à l'état « Recevable »."


def test_bulk_moves_report_each_refused_pair_once():
    status.check_bulk_moves([(CREATED, "submitted")] * 1000, "import")
    status.check_bulk_moves([], "import")
    with pytest.raises(InvalidTransition) as caught:
        status.check_bulk_moves([(CREATED, "submitted"), (CREATED, "eligible"), (CREATED, "eligible"),
                                 ("submitted", "eligible")] * 50, "import")
    assert caught.value.message == "Ces changements d'état ne sont pas permis."
    assert caught.value.reasons == [
        "Un dossier ne peut pas être créé directement à l'état « Recevable ».",
        "Le passage de l'état « Soumis » à l'état « Recevable » ne peut être fait que par un gestionnaire."]
    with pytest.raises(InvalidTransition) as caught:
        status.check_bulk_moves([("submitted", "eligible")], "import")
    assert caught.value.message == caught.value.reasons[0]


def test_histories_are_checked_from_the_creation():
    status.check_history([("draft", "applicant"), ("submitted", "applicant"), ("eligible", "manager"),
                          ("evaluated", "chair"), ("placed", "system"), ("accepted", "applicant"),
                          ("enrolled", "amci")])
    status.check_history([("submitted", "import"), ("withdrawn", "applicant")])
    with pytest.raises(InvalidTransition, match="que par le président du comité"):
        status.check_history([("draft", "applicant"), ("submitted", "applicant"), ("eligible", "manager"),
                              ("evaluated", "manager")])
    with pytest.raises(InvalidTransition, match="créé directement"):
        status.check_history([("eligible", "manager")])
    with pytest.raises(InvalidTransition, match="vide"):
        status.check_history([])


def test_the_seed_histories_are_legal_and_end_where_they_say():
    from quota_app.seed.applicants import HISTORIES, check_statuses

    check_statuses(HISTORIES)
    for state, history in HISTORIES.items():
        assert history[-1][0] == state
    with pytest.raises(InvalidTransition, match="Aucun historique"):
        check_statuses(["enrolled"])


def test_the_module_is_pure():
    """No Flask, no session: the table and its checks are plain Python over plain values."""
    tree = ast.parse(Path(status.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported <= {"dataclasses", "typing", "..errors"}, imported
    errors = ast.parse(Path(status.__file__).parent.parent.joinpath("errors.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(errors) if isinstance(n, (ast.Import, ast.ImportFrom))]
