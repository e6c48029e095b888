"""The returned list read against the nominations, without the app (amci/reconcile.py)."""
from __future__ import annotations

from datetime import date

import pytest

from quota_app.amci.reconcile import (
    NominationRecord, OfferRecord, Reference, build_plan, name_key, read_decision, to_apply,
)

OFFERS = [
    OfferRecord(10, "TSDI-ISTA-CASA", 1, "TSDI", "Technicien spécialisé en développement informatique", 100,
                "ISTA-CASA", "ISTA Casablanca", "Casablanca"),
    OfferRecord(11, "TSGE-ISTA-RABAT", 2, "TSGE", "Technicien spécialisé en gestion des entreprises", 101,
                "ISTA-RABAT", "ISTA Hay Riad", "Rabat"),
]
PROGRAMMES = [Reference(1, "TSDI", "Technicien spécialisé en développement informatique"),
              Reference(2, "TSGE", "Technicien spécialisé en gestion des entreprises"),
              Reference(3, "TSRI", "Technicien spécialisé en réseaux informatiques")]
ESTABLISHMENTS = [Reference(100, "ISTA-CASA", "ISTA Casablanca", "Casablanca"),
                  Reference(101, "ISTA-RABAT", "ISTA Hay Riad", "Rabat"),
                  Reference(102, "ISTA-FES", "ISTA Fès", "Fès")]


def nomination(i, **kw):
    base = dict(nomination_id=i, application_id=100 + i, reference=f"MLI-2026-{i:06d}", nina=f"{i:014d}A",
                passport_number=f"AA{i:06d}", last_name=f"Nom{i}", first_names=f"Prénom{i}",
                birth_date=date(2004, 1, i), status="proposed", offer_id=10)
    base.update(kw)
    return NominationRecord(**base)


AWA = nomination(1, last_name="N'Diaye-Traoré", first_names="Aïssata Marie", nina="12345678901234A",
                 passport_number="AA123456")
MOUSSA = nomination(2, last_name="Keïta", first_names="Moussa", offer_id=11)
NOMINATIONS = [AWA, MOUSSA, nomination(3)]


def plan(*rows, nominations=NOMINATIONS, cell_errors=()):
    rows = [{"_row": i + 2, **row} for i, row in enumerate(rows)]
    return build_plan(rows, nominations, OFFERS, PROGRAMMES, ESTABLISHMENTS, cell_errors)


def only(result):
    assert len(result["rows"]) == 1
    return result["rows"][0]


# --- who ---------------------------------------------------------------------------------

@pytest.mark.parametrize("identifiers", [
    {"reference": "MLI-2026-000001"}, {"nina": "12345678901234A"}, {"passport_number": "AA123456"},
    {"reference": "MLI-2026-000001", "nina": "12345678901234A", "passport_number": "AA123456"},
    {"reference": "mli-2026-000001 "},   # the cell as typed
])
def test_exact_match_by_reference_else_nina_else_passport(identifiers):
    row = only(plan({**identifiers, "decision": "Retenu"}))
    assert (row["match"], row["nomination_id"], row["category"], row["action"]) == ("exact", 1, "confirmed", "confirm")
    assert row["changes"] == [{"field": "Décision", "before": "Proposé (en attente de la commission mixte)",
                               "after": "Confirmé"}]


def test_identifiers_that_disagree_are_an_error_row():
    row = only(plan({"reference": "MLI-2026-000001", "nina": f"{2:014d}A", "decision": "Retenu"}))
    assert row["category"] == "error" and row["action"] is None
    assert "désignent deux dossiers différents (MLI-2026-000001 et MLI-2026-000002)" in row["errors"][0]["message"]
    row = only(plan({"reference": "MLI-2026-000001", "passport_number": "ZZ999999", "decision": "Retenu"}))
    assert row["category"] == "error"
    assert row["errors"][0] == {"column": "N° passeport", "message": (
        "Le numéro de passeport « ZZ999999 » n'est pas celui du dossier MLI-2026-000001, que désigne la référence.")}


def test_an_identifier_the_nomination_lacks_is_no_contradiction():
    bare = nomination(4, passport_number=None)
    row = only(plan({"reference": "MLI-2026-000004", "passport_number": "NEW12345", "decision": "Retenu"},
                    nominations=[bare]))
    assert row["category"] == "confirmed"


@pytest.mark.parametrize("names", [
    {"last_name": "NDIAYE TRAORE", "first_names": "Aissata Marie"},
    {"last_name": "n'diaye traoré", "first_names": "aïssata-marie"},
    {"last_name": "Aïssata Marie", "first_names": "N'Diaye-Traoré"},      # swapped columns
    {"full_name": "Marie Aïssata NDIAYE-TRAORE"},                          # one column, another order
])
def test_probable_match_by_name_and_birth_date_ignoring_accents_case_hyphens_and_order(names):
    row = only(plan({**names, "birth_date": date(2004, 1, 1), "decision": "Confirmé"}))
    assert (row["match"], row["nomination_id"], row["category"], row["action"]) == ("probable", 1, "probable", "confirm")
    assert any("à confirmer" in note for note in row["notes"])


def test_a_probable_match_needs_the_same_birth_date():
    row = only(plan({"last_name": "Ndiaye Traoré", "first_names": "Aïssata Marie", "birth_date": date(2004, 2, 1),
                     "decision": "Retenu"}))
    assert row["category"] == "unknown" and row["nomination_id"] is None


def test_unknown_identifiers_fall_back_to_the_name_else_the_row_is_unknown():
    row = only(plan({"nina": "99999999999999Z", "decision": "Retenu"}))
    assert row["category"] == "unknown"
    assert "ne figure sur aucune nomination" in row["notes"][0]
    row = only(plan({"nina": "99999999999999Z", "last_name": "Keita", "first_names": "Moussa",
                     "birth_date": date(2004, 1, 2), "decision": "Retenu"}))
    assert (row["category"], row["nomination_id"]) == ("probable", 2)


def test_a_row_with_nothing_to_recognise_the_candidate_is_an_error():
    row = only(plan({"decision": "Retenu", "observations": "RAS"}))
    assert row["category"] == "error" and "Rien pour reconnaître le candidat" in row["errors"][0]["message"]
    row = only(plan({"last_name": "Keita", "first_names": "Moussa", "decision": "Retenu"}))
    assert row["category"] == "error" and "la date de naissance manque" in row["errors"][0]["message"]


def test_the_same_candidate_twice_in_the_file_is_an_error_on_the_second_row():
    result = plan({"reference": "MLI-2026-000001", "decision": "Retenu"},
                  {"nina": "12345678901234A", "decision": "Retenu"})
    first, second = result["rows"]
    assert first["category"] == "confirmed" and second["category"] == "error"
    assert "figure déjà ligne 2" in second["errors"][0]["message"]


def test_name_key():
    assert name_key("N'Diaye-Traoré", "Aïssata") == name_key("aissata ndiaye traore") == "aissata ndiaye traore"


# --- what -------------------------------------------------------------------------------

@pytest.mark.parametrize("words, decision", [
    ("Retenu", "confirmed"), ("Retenue", "confirmed"), ("Confirmé", "confirmed"), ("ACCEPTÉ", "confirmed"),
    ("Avis favorable", "confirmed"), ("Retenu sous réserve", "confirmed"),
    ("Réorienté", "reoriented"), ("Réorientation", "reoriented"), ("Retenu - réorientation", "reoriented"),
    ("Refusé", "refused"), ("Non retenu", "refused"), ("NON RETENUE", "refused"), ("Rejeté", "refused"),
    ("Avis défavorable", "refused"), ("En attente", "pending"), ("Proposé", "pending"),
    ("Peut-être", None), ("", None), (None, None),
])
def test_decisions_words(words, decision):
    assert read_decision(words) == decision


def test_an_unknown_or_missing_decision_is_an_error():
    row = only(plan({"reference": "MLI-2026-000001", "decision": "Peut-être"}))
    assert row["category"] == "error" and "Décision non reconnue : « Peut-être »" in row["errors"][0]["message"]
    row = only(plan({"reference": "MLI-2026-000001"}))
    assert row["category"] == "error" and row["errors"][0]["column"] == "Décision"


def test_a_refusal_without_a_reason_is_an_error():
    row = only(plan({"reference": "MLI-2026-000001", "decision": "Non retenu"}))
    assert row["category"] == "error" and row["errors"][0]["column"] == "Motif"
    row = only(plan({"reference": "MLI-2026-000001", "decision": "Non retenu", "observations": "Âge limite dépassé"}))
    assert (row["category"], row["action"], row["reason"]) == ("refused", "refuse", "Âge limite dépassé")
    assert {"field": "Motif", "before": "—", "after": "Âge limite dépassé"} in row["changes"]


def test_reorientation_to_an_offer_of_the_campaign_by_code_or_by_names():
    by_code = only(plan({"reference": "MLI-2026-000001", "decision": "Réorienté", "offer_code": "tsge ista rabat"}))
    by_names = only(plan({"reference": "MLI-2026-000001", "decision": "Réorientation",
                          "programme": "technicien specialise en gestion des entreprises",
                          "establishment": "ISTA Hay Riad", "city": "Rabat", "reason": "Places"}))
    for row in (by_code, by_names):
        assert (row["category"], row["action"], row["offer_id"], row["new_offer"]) == ("reoriented", "reorient", 11, None)
        assert {"field": "Formation",
                "before": "TSDI-ISTA-CASA — Technicien spécialisé en développement informatique (ISTA Casablanca, Casablanca)",
                "after": "TSGE-ISTA-RABAT — Technicien spécialisé en gestion des entreprises (ISTA Hay Riad, Rabat)",
                } in row["changes"]


def test_reorientation_to_a_programme_not_offered_there_is_an_offer_to_create():
    row = only(plan({"reference": "MLI-2026-000001", "decision": "Réorienté", "programme": "TSRI",
                     "establishment": "ISTA Fès"}))
    assert (row["category"], row["offer_id"]) == ("reoriented", None)
    assert row["new_offer"]["programme_id"] == 3 and row["new_offer"]["establishment_id"] == 102
    assert row["new_offer"]["label"].endswith("offre à créer")
    assert plan({"reference": "MLI-2026-000001", "decision": "Réorienté", "programme": "TSRI",
                 "establishment": "ISTA Fès"})["counts"]["offers_to_create"] == 1


def test_only_the_programme_or_only_the_establishment_keeps_the_other_one():
    row = only(plan({"reference": "MLI-2026-000002", "decision": "Réorienté", "programme": "TSDI",
                     "establishment": "ISTA Casablanca"}))
    assert row["offer_id"] == 10
    row = only(plan({"reference": "MLI-2026-000001", "decision": "Réorienté", "establishment": "ISTA-FES"}))
    assert row["new_offer"]["programme_id"] == 1 and row["new_offer"]["establishment_id"] == 102


def test_reorientation_errors_name_their_column():
    cases = [({"decision": "Réorienté"}, "Filière retenue"),
             ({"decision": "Réorienté", "programme": "Cuisine"}, "Filière retenue"),
             ({"decision": "Réorienté", "programme": "TSDI", "establishment": "Lycée X"}, "Établissement d'accueil"),
             ({"decision": "Réorienté", "establishment": "ISTA Casablanca", "city": "Rabat"}, "Ville"),
             ({"decision": "Réorienté", "offer_code": "NOPE"}, "Code offre")]
    for extra, column in cases:
        row = only(plan({"reference": "MLI-2026-000001", **extra}))
        assert row["category"] == "error" and row["errors"][0]["column"] == column, extra


def test_retained_for_another_programme_is_a_reorientation_and_reoriented_to_the_same_one_a_confirmation():
    row = only(plan({"reference": "MLI-2026-000001", "decision": "Retenu", "offer_code": "TSGE-ISTA-RABAT"}))
    assert row["action"] == "reorient"
    row = only(plan({"reference": "MLI-2026-000001", "decision": "Réorienté", "offer_code": "TSDI-ISTA-CASA"}))
    assert row["action"] == "confirm"


def test_rows_already_in_the_state_they_ask_for_are_unchanged():
    done = [nomination(1, status="confirmed"), nomination(2, status="reoriented", offer_id=11),
            nomination(3, status="refused", application_status="amci_refused")]
    result = plan({"reference": "MLI-2026-000001", "decision": "Retenu"},
                  {"reference": "MLI-2026-000002", "decision": "Réorienté", "offer_code": "TSGE-ISTA-RABAT"},
                  {"reference": "MLI-2026-000003", "decision": "Refusé", "reason": "Dossier incomplet"},
                  {"reference": "MLI-2026-000002", "decision": "En attente"},
                  nominations=done)
    assert [r["category"] for r in result["rows"]] == ["unchanged", "unchanged", "unchanged", "error"]
    assert result["counts"]["changes"] == 0 and not result["rows"][0]["changes"]


def test_what_cannot_be_applied_is_an_error():
    cases = [(nomination(1, status="refused", application_status="amci_refused"), {"decision": "Retenu"},
              "un import ne revient pas sur un refus"),
             (nomination(1, status="withdrawn", application_status="withdrawn"), {"decision": "Retenu"},
              "retiré de la liste nominative"),
             (nomination(1, application_status="enrolled", application_status_label="Inscrit"),
              {"decision": "Refusé", "reason": "x"}, "(statut : Inscrit)")]
    for record, extra, message in cases:
        row = only(plan({"reference": "MLI-2026-000001", **extra}, nominations=[record]))
        assert row["category"] == "error" and message in row["errors"][0]["message"]


def test_cells_that_could_not_be_read_are_error_rows_with_their_number():
    result = plan({"reference": "MLI-2026-000001", "decision": "Retenu"},
                  cell_errors=[{"row": 7, "column": "Date de naissance", "value": "31/02/2004",
                                "message": "Date invalide."}])
    assert [(r["row"], r["category"]) for r in result["rows"]] == [(2, "confirmed"), (7, "error")]
    assert result["rows"][1]["errors"] == [{"column": "Date de naissance",
                                            "message": "Date invalide. (valeur : « 31/02/2004 »)"}]


def test_counts_and_what_is_applied():
    result = plan({"reference": "MLI-2026-000001", "decision": "Retenu"},
                  {"last_name": "Keita", "first_names": "Moussa", "birth_date": date(2004, 1, 2),
                   "decision": "Refusé", "reason": "Quota atteint"},
                  {"reference": "MLI-2026-000003", "decision": "Réorienté", "offer_code": "TSGE-ISTA-RABAT"},
                  {"reference": "MLI-2099-000001", "decision": "Retenu"},
                  {"reference": "MLI-2026-000003", "decision": "Retenu"})
    counts = result["counts"]
    assert {k: counts[k] for k in ("confirmed", "reoriented", "refused", "unchanged", "probable", "unknown",
                                   "errors", "rows")} == {
        "confirmed": 1, "reoriented": 1, "refused": 0, "unchanged": 0, "probable": 1, "unknown": 1, "errors": 1,
        "rows": 5}
    assert [r["row"] for r in to_apply(result["rows"])] == [2, 4]
    assert [r["row"] for r in to_apply(result["rows"], {3})] == [2, 3, 4]
