"""The phase rules, pure: every refusal, with its French reason. No application, no database."""
from datetime import datetime, timedelta

import pytest

from quota_app.campaigns.phases import (
    NEXT_PHASE, PHASES, CampaignFacts, allowed_targets, blocking_reasons,
)

NOW = datetime(2026, 6, 1, 12, 0)


def ready_draft(**overrides) -> CampaignFacts:
    values = dict(
        phase="draft", now=NOW, opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=30),
        offer_count=3, total_seats=50, announced_quota=50, criteria_count=3, required_document_count=4,
    )
    values.update(overrides)
    return CampaignFacts(**values)


def test_a_complete_draft_may_open():
    assert blocking_reasons(ready_draft(), "open") == []


def test_opening_lists_every_failing_precondition_at_once():
    facts = ready_draft(offer_count=0, total_seats=0, opens_at=None, closes_at=None, criteria_count=0,
                        required_document_count=0)
    reasons = blocking_reasons(facts, "open")
    assert reasons == [
        "Aucune offre de places n'est définie.",
        "Le nombre total de places est nul.",
        "La période de candidature (ouverture et clôture) n'est pas fixée.",
        "Aucun critère de notation (avec sa pondération) n'est défini.",
        "Aucune pièce justificative n'est exigée.",
    ]


def test_opening_refused_when_offers_have_no_seats():
    assert blocking_reasons(ready_draft(total_seats=0), "open") == ["Le nombre total de places est nul."]


def test_opening_refused_when_seats_differ_from_announced_quota():
    reasons = blocking_reasons(ready_draft(total_seats=48), "open")
    assert reasons == ["Le total des places des offres (48) ne correspond pas au quota annoncé (50)."]


def test_opening_with_no_announced_quota_only_needs_seats():
    assert blocking_reasons(ready_draft(announced_quota=0, total_seats=12), "open") == []


def test_opening_refused_when_closing_date_is_past():
    facts = ready_draft(opens_at=NOW - timedelta(days=10), closes_at=NOW - timedelta(minutes=1))
    assert blocking_reasons(facts, "open") == [
        "La date de clôture des candidatures (01/06/2026 11:59) est déjà passée."]


def test_opening_refused_when_closing_equals_now():
    facts = ready_draft(opens_at=NOW - timedelta(days=1), closes_at=NOW)
    assert len(blocking_reasons(facts, "open")) == 1


def test_opening_refused_when_window_is_reversed():
    facts = ready_draft(opens_at=NOW + timedelta(days=40), closes_at=NOW + timedelta(days=30))
    assert blocking_reasons(facts, "open") == ["La date de clôture doit être postérieure à la date d'ouverture."]


def test_opening_refused_without_criteria_or_documents():
    assert blocking_reasons(ready_draft(criteria_count=0), "open") == [
        "Aucun critère de notation (avec sa pondération) n'est défini."]
    assert blocking_reasons(ready_draft(required_document_count=0), "open") == [
        "Aucune pièce justificative n'est exigée."]


def test_screening_waits_for_the_closing_date():
    closes = NOW + timedelta(hours=2)
    facts = CampaignFacts(phase="open", now=NOW, opens_at=NOW - timedelta(days=5), closes_at=closes)
    assert blocking_reasons(facts, "screening") == ["Les candidatures restent ouvertes jusqu'au 01/06/2026 14:00."]
    at_closing = CampaignFacts(phase="open", now=closes, opens_at=NOW - timedelta(days=5), closes_at=closes)
    assert blocking_reasons(at_closing, "screening") == []


def test_screening_refused_without_closing_date():
    facts = CampaignFacts(phase="open", now=NOW, opens_at=NOW, closes_at=None)
    assert blocking_reasons(facts, "screening") == ["La date de clôture des candidatures n'est pas fixée."]


def test_review_needs_every_file_screened_an_eligible_one_and_a_committee():
    facts = CampaignFacts(phase="screening", now=NOW, status_counts={"submitted": 3, "ineligible": 2})
    assert blocking_reasons(facts, "review") == [
        "3 dossier(s) soumis n'ont pas encore été examinés (recevabilité).",
        "Aucun dossier n'a été déclaré recevable.",
        "Aucun comité de sélection n'est constitué.",
    ]
    ready = CampaignFacts(phase="screening", now=NOW, status_counts={"eligible": 5, "ineligible": 2, "draft": 9},
                          committee_count=1)
    assert blocking_reasons(ready, "review") == []


def test_deliberation_needs_all_assignments_scored():
    none = CampaignFacts(phase="review", now=NOW)
    assert blocking_reasons(none, "deliberation") == ["Aucun dossier n'a été attribué aux évaluateurs."]
    partial = CampaignFacts(phase="review", now=NOW, assignments_total=10, assignments_scored=7)
    assert blocking_reasons(partial, "deliberation") == ["3 évaluation(s) attribuée(s) ne sont pas encore notées."]
    done = CampaignFacts(phase="review", now=NOW, assignments_total=10, assignments_scored=10)
    assert blocking_reasons(done, "deliberation") == []


def test_publication_needs_a_validated_deliberation_and_an_answer_deadline():
    later = NOW + timedelta(days=10)
    facts = CampaignFacts(phase="deliberation", now=NOW, decision_deadline=later)
    assert blocking_reasons(facts, "published") == ["La délibération n'a pas été validée par le président du comité."]
    assert blocking_reasons(CampaignFacts(phase="deliberation", now=NOW, deliberation_validated=True,
                                          decision_deadline=later), "published") == []
    assert blocking_reasons(CampaignFacts(phase="deliberation", now=NOW, deliberation_validated=True), "published") == [
        "La date limite de réponse des candidats affectés n'est pas fixée (paramètres de la campagne)."]
    past = CampaignFacts(phase="deliberation", now=NOW, deliberation_validated=True, decision_deadline=NOW)
    assert blocking_reasons(past, "published") == [
        f"La date limite de réponse des candidats affectés ({NOW.strftime('%d/%m/%Y %H:%M')}) est déjà passée."]


def test_closing_needs_published_placements():
    facts = CampaignFacts(phase="published", now=NOW)
    assert blocking_reasons(facts, "closed") == ["Aucune affectation n'a encore été publiée."]
    assert blocking_reasons(CampaignFacts(phase="published", now=NOW, placements_published=True), "closed") == []


def test_back_to_draft_only_while_nothing_was_submitted():
    drafts_only = CampaignFacts(phase="open", now=NOW, status_counts={"draft": 4})
    assert blocking_reasons(drafts_only, "draft") == []
    submitted = CampaignFacts(phase="open", now=NOW, status_counts={"draft": 4, "submitted": 1, "withdrawn": 1})
    assert blocking_reasons(submitted, "draft") == [
        "2 dossier(s) ont déjà été soumis : la campagne ne peut plus revenir au brouillon."]


@pytest.mark.parametrize("phase, target", [
    ("draft", "screening"), ("draft", "closed"), ("screening", "open"), ("review", "screening"),
    ("closed", "draft"), ("published", "deliberation"), ("draft", "draft"), ("open", "inconnue"),
])
def test_skipping_or_going_back_is_refused(phase, target):
    facts = CampaignFacts(phase=phase, now=NOW, status_counts={}, placements_published=True,
                          deliberation_validated=True)
    assert blocking_reasons(facts, target) == ["Ce passage d'une phase à l'autre n'est pas permis."]


def test_allowed_targets_follow_the_order():
    assert allowed_targets("draft") == ["open"]
    assert allowed_targets("open") == ["screening", "draft"]
    assert allowed_targets("closed") == []
    assert [NEXT_PHASE[p] for p in PHASES[:-1]] == list(PHASES[1:])
