"""The campaign's guarded phases: which move is allowed and what blocks it.

Pure rules over plain facts (no Flask, no database): the service gathers the facts with a few
aggregate queries, this module says, in French, every reason that blocks a move.
"""
from dataclasses import dataclass, field
from datetime import datetime

PHASES = ("draft", "open", "screening", "review", "deliberation", "published", "closed")

# The one forward step from each phase, and the one step back that is ever allowed.
NEXT_PHASE = {
    "draft": "open",
    "open": "screening",
    "screening": "review",
    "review": "deliberation",
    "deliberation": "published",
    "published": "closed",
}
PREVIOUS_PHASE = {"open": "draft"}

# Application statuses that mean "the applicant has submitted" (everything but a draft).
NOT_SUBMITTED = ("draft",)


@dataclass(frozen=True)
class CampaignFacts:
    phase: str
    now: datetime
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    offer_count: int = 0
    total_seats: int = 0
    announced_quota: int = 0
    status_counts: dict = field(default_factory=dict)
    criteria_count: int = 0
    required_document_count: int = 0
    committee_count: int = 0
    assignments_total: int = 0
    assignments_scored: int = 0
    # The committee's review facts (committee/facts.py): what blocks « évaluation → délibération ».
    reviewers_per_file: int = 2
    files_without_committee: int = 0
    files_missing_reviews: int = 0
    flagged_without_third: int = 0
    committees_without_chair: int = 0
    deliberation_validated: bool = False
    # The answer deadline of the placements published in round 1.
    decision_deadline: datetime | None = None
    placements_published: bool = False

    def count(self, status: str) -> int:
        return int(self.status_counts.get(status, 0) or 0)

    @property
    def submitted_total(self) -> int:
        return sum(int(n or 0) for s, n in self.status_counts.items() if s not in NOT_SUBMITTED)


def _fmt(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M")


def allowed_targets(phase: str) -> list[str]:
    """The phases one may ask to move to from `phase` (forward first)."""
    return [t for t in (NEXT_PHASE.get(phase), PREVIOUS_PHASE.get(phase)) if t]


def _to_open(f: CampaignFacts) -> list[str]:
    reasons = []
    if f.offer_count == 0:
        reasons.append("Aucune offre de places n'est définie.")
    if f.total_seats <= 0:
        reasons.append("Le nombre total de places est nul.")
    elif f.announced_quota and f.total_seats != f.announced_quota:
        reasons.append(
            f"Le total des places des offres ({f.total_seats}) ne correspond pas au quota annoncé "
            f"({f.announced_quota})."
        )
    if f.opens_at is None or f.closes_at is None:
        reasons.append("La période de candidature (ouverture et clôture) n'est pas fixée.")
    else:
        if f.closes_at <= f.opens_at:
            reasons.append("La date de clôture doit être postérieure à la date d'ouverture.")
        if f.closes_at <= f.now:
            reasons.append(f"La date de clôture des candidatures ({_fmt(f.closes_at)}) est déjà passée.")
    if f.criteria_count == 0:
        reasons.append("Aucun critère de notation (avec sa pondération) n'est défini.")
    if f.required_document_count == 0:
        reasons.append("Aucune pièce justificative n'est exigée.")
    return reasons


def _to_screening(f: CampaignFacts) -> list[str]:
    if f.closes_at is None:
        return ["La date de clôture des candidatures n'est pas fixée."]
    if f.now < f.closes_at:
        return [f"Les candidatures restent ouvertes jusqu'au {_fmt(f.closes_at)}."]
    return []


def _to_review(f: CampaignFacts) -> list[str]:
    reasons = []
    unscreened = f.count("submitted")
    if unscreened:
        reasons.append(f"{unscreened} dossier(s) soumis n'ont pas encore été examinés (recevabilité).")
    if f.count("eligible") == 0:
        reasons.append("Aucun dossier n'a été déclaré recevable.")
    if f.committee_count == 0:
        reasons.append("Aucun comité de sélection n'est constitué.")
    return reasons


def _to_deliberation(f: CampaignFacts) -> list[str]:
    """Every eligible file in a committee's charge, with its N reviews submitted (and its third
    review where the gap calls one), and a chair for each committee to open the deliberation."""
    reasons = []
    if f.files_without_committee:
        reasons.append(f"{f.files_without_committee} dossier(s) recevable(s) ne relèvent d'aucun comité de "
                       "sélection (ni comité de leur secteur, ni comité pour toute la campagne).")
    if f.assignments_total == 0:
        reasons.append("Aucun dossier n'a été attribué aux évaluateurs.")
    else:
        if f.files_missing_reviews:
            reasons.append(f"{f.files_missing_reviews} dossier(s) recevable(s) n'ont pas encore leurs "
                           f"{f.reviewers_per_file} évaluateurs.")
        missing = f.assignments_total - f.assignments_scored
        if missing > 0:
            reasons.append(f"{missing} évaluation(s) attribuée(s) ne sont pas encore notées.")
        if f.flagged_without_third:
            reasons.append(f"{f.flagged_without_third} dossier(s) signalé(s) pour un écart de notes n'ont pas "
                           "de troisième évaluation.")
    if f.committees_without_chair:
        reasons.append(f"{f.committees_without_chair} comité(s) n'ont pas de président pour ouvrir la "
                       "délibération.")
    return reasons


def _to_published(f: CampaignFacts) -> list[str]:
    reasons = []
    if not f.deliberation_validated:
        reasons.append("La délibération n'a pas été validée par le président du comité.")
    if f.decision_deadline is None:
        reasons.append("La date limite de réponse des candidats affectés n'est pas fixée (paramètres de la "
                       "campagne).")
    elif f.decision_deadline <= f.now:
        reasons.append(f"La date limite de réponse des candidats affectés ({_fmt(f.decision_deadline)}) est "
                       "déjà passée.")
    return reasons


def _to_closed(f: CampaignFacts) -> list[str]:
    if not f.placements_published:
        return ["Aucune affectation n'a encore été publiée."]
    return []


def _back_to_draft(f: CampaignFacts) -> list[str]:
    submitted = f.submitted_total
    if submitted:
        return [f"{submitted} dossier(s) ont déjà été soumis : la campagne ne peut plus revenir au brouillon."]
    return []


FORWARD_RULES = {
    ("draft", "open"): _to_open,
    ("open", "screening"): _to_screening,
    ("screening", "review"): _to_review,
    ("review", "deliberation"): _to_deliberation,
    ("deliberation", "published"): _to_published,
    ("published", "closed"): _to_closed,
    ("open", "draft"): _back_to_draft,
}


def blocking_reasons(facts: CampaignFacts, target: str) -> list[str]:
    """Every reason, in French, that forbids moving from facts.phase to target; [] if allowed."""
    rule = FORWARD_RULES.get((facts.phase, target))
    if rule is None:
        return ["Ce passage d'une phase à l'autre n'est pas permis."]
    return rule(facts)
