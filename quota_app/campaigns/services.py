"""What a manager does to a campaign: settings, rules, criteria, offers of seats, phases.

Services flush and never commit; every write records an audit event in the same transaction.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from ..audit.services import changes, record, snapshot
from ..errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from ..extensions import db
from ..reference.models import DocumentType, Establishment, Level, Programme
from ..registry import lookup
from . import phases, stages
from .kinds import kind_of
from .models import KINDS, PHASE_LABELS, Campaign, CampaignDocument, CampaignLevelRule, Criterion, Offer

CAMPAIGN_FIELDS = (
    "title", "code", "year", "kind", "reference_date", "opens_at", "closes_at", "announced_quota",
    "reviewers_per_file", "score_gap_threshold", "blind_review", "normalise_scores", "decision_deadline",
    "tie_break_rule", "quorum_percent", "min_experience_years",
)
DEFAULT_QUORUM_PERCENT = 50
OFFER_FIELDS = ("programme_id", "establishment_id", "code", "seats", "reserved_seats")

# Which phases allow which edits.
SETTINGS_PHASES = ("draft", "open")
RULES_PHASES = ("draft",)
CRITERIA_PHASES = ("draft", "open", "screening")
OFFER_PHASES = ("draft", "open")


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("Campagne introuvable.")
    return campaign


def get_offer(campaign: Campaign, offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.campaign_id != campaign.id:
        raise NotFound("Offre introuvable.")
    return offer


def list_campaigns() -> list[Campaign]:
    return list(db.session.execute(
        select(Campaign).order_by(Campaign.year.desc(), Campaign.code)).scalars())


_CHANGED = {"Campaign": "Cette campagne a été modifiée", "Offer": "Cette offre a été modifiée"}


def _check_version(obj, expected) -> None:
    if expected is not None and int(expected) != obj.version:
        what = _CHANGED.get(type(obj).__name__, "Cet élément a été modifié")
        raise Conflict(f"{what} entre-temps. Rechargez la page et recommencez.")


def _check_phase(campaign: Campaign, allowed: tuple, what: str) -> None:
    if campaign.phase not in allowed:
        raise NotAllowed(
            f"Il n'est plus possible de modifier {what[0].lower()}{what[1:]} pendant la phase "
            f"« {PHASE_LABELS[campaign.phase]} »."
        )


# --- Campaign settings ------------------------------------------------------------------------

def _validate_campaign(data: dict, campaign: Campaign | None) -> dict:
    errors = {}
    code = (data.get("code") or "").strip().upper()
    title = (data.get("title") or "").strip()
    if not code:
        errors["code"] = "Le code est obligatoire."
    else:
        clash = db.session.execute(select(Campaign.id).where(Campaign.code == code)).scalar()
        if clash is not None and (campaign is None or clash != campaign.id):
            errors["code"] = "Une autre campagne porte déjà ce code."
    if not title:
        errors["title"] = "Le titre est obligatoire."
    year = data.get("year")
    if year is None or not 2000 <= int(year) <= 2100:
        errors["year"] = "L'année doit être comprise entre 2000 et 2100."
    if data.get("kind") not in KINDS:
        errors["kind"] = "Type de campagne inconnu."
    if not isinstance(data.get("reference_date"), date):
        errors["reference_date"] = "La date de référence des âges est obligatoire."
    opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
    if not isinstance(opens_at, datetime):
        errors["opens_at"] = "La date d'ouverture est obligatoire."
    if not isinstance(closes_at, datetime):
        errors["closes_at"] = "La date de clôture est obligatoire."
    elif isinstance(opens_at, datetime) and closes_at <= opens_at:
        errors["closes_at"] = "La clôture doit être postérieure à l'ouverture."
    if data.get("announced_quota") is None or int(data["announced_quota"]) < 0:
        errors["announced_quota"] = "Le quota annoncé doit être un nombre positif ou nul."
    if data.get("reviewers_per_file") is None or int(data["reviewers_per_file"]) < 1:
        errors["reviewers_per_file"] = "Il faut au moins un évaluateur par dossier."
    gap = data.get("score_gap_threshold")
    if gap is None or Decimal(gap) < 0 or Decimal(gap) > 20:
        errors["score_gap_threshold"] = "L'écart doit être compris entre 0 et 20."
    # The deliberation's settings; absent (None) keeps what the campaign has, or the default.
    rule = data.get("tie_break_rule")
    if rule is None:
        rule = campaign.tie_break_rule if campaign is not None else ""
    try:  # the committee checks its own rule (features.py lends it)
        rule = lookup("tie_rule")(rule, {c.code for c in campaign.criteria} if campaign is not None else None)
    except ValueError as error:
        errors["tie_break_rule"] = str(error)
    quorum = data.get("quorum_percent")
    if quorum is None:
        quorum = campaign.quorum_percent if campaign is not None else DEFAULT_QUORUM_PERCENT
    if not 0 <= int(quorum) < 100:
        errors["quorum_percent"] = "Le quorum est une part des membres comprise entre 0 et 99 %."
    experience = data.get("min_experience_years")
    if not kind_of(data.get("kind")).has_rule("employment"):
        experience = None  # only the kinds that look at experience keep a minimum
    elif experience is not None and not 0 <= int(experience) <= 40:
        errors["min_experience_years"] = "L'expérience minimale est un nombre d'années entre 0 et 40."
    deadline = data.get("decision_deadline")
    if deadline is not None and isinstance(closes_at, datetime) and deadline <= closes_at:
        errors["decision_deadline"] = "La date limite de réponse doit suivre la clôture des candidatures."
    if errors:
        raise ValidationFailed(errors=errors)
    clean = {name: data.get(name) for name in CAMPAIGN_FIELDS}
    clean.update(code=code, title=title, blind_review=bool(data.get("blind_review")),
                 normalise_scores=bool(data.get("normalise_scores")),
                 score_gap_threshold=Decimal(gap).quantize(Decimal("0.01")),
                 tie_break_rule=rule, quorum_percent=int(quorum),
                 min_experience_years=int(experience) if experience is not None else None)
    return clean


def create_campaign(actor, data: dict) -> Campaign:
    clean = _validate_campaign(data, None)
    campaign = Campaign(phase="draft", **clean)
    db.session.add(campaign)
    for type_id in _kind_document_ids(campaign):
        campaign.required_documents.append(CampaignDocument(document_type_id=type_id, required=True))
    db.session.flush()
    record(actor, "campaign.create", campaign, campaign_id=campaign.id,
           after=snapshot(campaign, list(CAMPAIGN_FIELDS)))
    return campaign


def update_campaign(actor, campaign: Campaign, data: dict, expected_version=None) -> Campaign:
    _check_version(campaign, expected_version)
    _check_phase(campaign, SETTINGS_PHASES, "La campagne")
    clean = _validate_campaign(data, campaign)
    before = snapshot(campaign, list(CAMPAIGN_FIELDS))
    for name, value in clean.items():
        setattr(campaign, name, value)
    db.session.flush()
    old, new = changes(before, snapshot(campaign, list(CAMPAIGN_FIELDS)))
    if new:
        record(actor, "campaign.update", campaign, campaign_id=campaign.id, before=old, after=new)
    return campaign


# The answer settings stay open until the placements are published (the round-1 deadline) or
# closed (the delay of an offer made from a waiting list).
DEADLINE_PHASES = ("draft", "open", "screening", "review", "deliberation")
ANSWER_DELAY_PHASES = DEADLINE_PHASES + ("published",)
MAX_ANSWER_HOURS = 24 * 30


def set_answer_settings(actor, campaign: Campaign, decision_deadline, answer_hours, now: datetime,
                        expected_version=None) -> Campaign:
    """The round-1 answer deadline and the answer delay (hours) of an offer from a waiting list."""
    _check_version(campaign, expected_version)
    _check_phase(campaign, ANSWER_DELAY_PHASES, "Le délai de réponse")
    errors = {}
    changed_deadline = decision_deadline != campaign.decision_deadline
    if changed_deadline and campaign.phase not in DEADLINE_PHASES:
        errors["decision_deadline"] = ("Les affectations sont publiées : la date limite de chaque candidat "
                                       "se prolonge au cas par cas, avec un motif.")
    elif changed_deadline and decision_deadline is not None and decision_deadline <= now:
        errors["decision_deadline"] = "La date limite de réponse doit être dans le futur."
    elif decision_deadline is not None and decision_deadline <= campaign.closes_at:
        errors["decision_deadline"] = "La date limite de réponse doit suivre la clôture des candidatures."
    if not isinstance(answer_hours, int) or not 1 <= answer_hours <= MAX_ANSWER_HOURS:
        errors["answer_hours"] = f"Le délai de réponse est un nombre d'heures entre 1 et {MAX_ANSWER_HOURS}."
    if errors:
        raise ValidationFailed(errors=errors)
    before = {"decision_deadline": campaign.decision_deadline, "waiting_list_answer_hours": campaign.waiting_list_answer_hours}
    campaign.decision_deadline = decision_deadline
    campaign.waiting_list_answer_hours = answer_hours
    db.session.flush()
    after = {"decision_deadline": decision_deadline, "waiting_list_answer_hours": answer_hours}
    if after != before:
        record(actor, "campaign.answer_settings", campaign, campaign_id=campaign.id, before=before, after=after)
    return campaign


# --- Rules, documents, criteria -----------------------------------------------------------------

def levels() -> list[Level]:
    return list(db.session.execute(select(Level).order_by(Level.position, Level.code)).scalars())


def document_types() -> list[DocumentType]:
    return list(db.session.execute(
        select(DocumentType).where(DocumentType.active.is_(True)).order_by(DocumentType.name)).scalars())


def set_level_rules(actor, campaign: Campaign, rules: dict, expected_version=None) -> None:
    """rules: {level_id: (min_age, max_age)}; a level with neither bound has no rule."""
    _check_version(campaign, expected_version)
    _check_phase(campaign, RULES_PHASES, "Les limites d'âge")
    known = {lv.id: lv for lv in levels()}
    errors = {}
    for level_id, (low, high) in rules.items():
        if level_id not in known:
            raise ValidationFailed("Niveau inconnu.")
        for value in (low, high):
            if value is not None and not 10 <= value <= 60:
                errors[f"max_{level_id}"] = f"{known[level_id].name} : un âge doit être compris entre 10 et 60 ans."
        if low is not None and high is not None and low > high:
            errors[f"max_{level_id}"] = f"{known[level_id].name} : l'âge minimum dépasse l'âge maximum."
    if errors:
        raise ValidationFailed(errors=errors)
    current = {r.level_id: r for r in campaign.level_rules}
    before = {known[r.level_id].code: [r.min_age, r.max_age] for r in campaign.level_rules}
    for level_id, (low, high) in rules.items():
        rule = current.get(level_id)
        if low is None and high is None:
            if rule is not None:
                campaign.level_rules.remove(rule)
            continue
        if rule is None:
            campaign.level_rules.append(CampaignLevelRule(level_id=level_id, min_age=low, max_age=high))
        else:
            rule.min_age, rule.max_age = low, high
    db.session.flush()
    after = {known[r.level_id].code: [r.min_age, r.max_age] for r in campaign.level_rules}
    if before != after:
        record(actor, "campaign.level_rules", campaign, campaign_id=campaign.id,
               before={"rules": before}, after={"rules": after})


def _kind_document_ids(campaign: Campaign) -> list[int]:
    """The document types every campaign of this kind asks for (campaigns/kinds.py)."""
    codes = kind_of(campaign).documents
    if not codes:
        return []
    return list(db.session.scalars(select(DocumentType.id).where(DocumentType.code.in_(codes))))


def set_required_documents(actor, campaign: Campaign, document_type_ids: list[int]) -> None:
    _check_phase(campaign, RULES_PHASES, "La liste des pièces")
    known = {d.id: d for d in document_types()}
    wanted = set(document_type_ids)
    if wanted - set(known):
        raise ValidationFailed("Type de pièce inconnu.")
    wanted |= set(_kind_document_ids(campaign))  # the kind's own documents stay asked
    before = sorted(d.document_type.code for d in campaign.required_documents if d.required)
    current = {d.document_type_id: d for d in campaign.required_documents}
    for type_id, row in current.items():
        if type_id not in wanted:
            campaign.required_documents.remove(row)
    for type_id in wanted:
        if type_id not in current:
            campaign.required_documents.append(CampaignDocument(document_type_id=type_id, required=True))
        else:
            current[type_id].required = True
    db.session.flush()
    after = sorted(known[i].code for i in wanted)
    if before != after:
        record(actor, "campaign.documents", campaign, campaign_id=campaign.id,
               before={"documents": before}, after={"documents": after})


@dataclass
class CriterionInput:
    code: str
    name: str
    weight: Decimal | None
    max_score: Decimal | None
    prefill_source: str | None = None


def set_criteria(actor, campaign: Campaign, rows: list[CriterionInput]) -> None:
    """Replace the campaign's criteria by `rows` (in order). Weights and maxima must be > 0."""
    _check_phase(campaign, CRITERIA_PHASES, "Les critères")
    errors, seen = {}, set()
    for i, row in enumerate(rows):
        code = (row.code or "").strip().lower()
        if not code or not (row.name or "").strip():
            errors[f"criteria-{i}"] = f"Ligne {i + 1} : le code et le libellé sont obligatoires."
        elif code in seen:
            errors[f"criteria-{i}"] = f"Ligne {i + 1} : le code « {code} » est en double."
        elif row.weight is None or row.weight <= 0:
            errors[f"criteria-{i}"] = f"Ligne {i + 1} : la pondération doit être strictement positive."
        elif row.max_score is None or row.max_score <= 0:
            errors[f"criteria-{i}"] = f"Ligne {i + 1} : la note maximale doit être strictement positive."
        elif row.prefill_source not in (None, "", "diploma_average"):
            errors[f"criteria-{i}"] = f"Ligne {i + 1} : source de pré-remplissage inconnue."
        seen.add(code)
    if not rows:
        errors["criteria"] = "Il faut au moins un critère."
    if errors:
        raise ValidationFailed(errors=errors)

    def describe(c):
        return [c.code, c.name, str(Decimal(c.weight).quantize(Decimal("0.001"))),
                str(Decimal(c.max_score).quantize(Decimal("0.01"))), c.prefill_source]

    before = [describe(c) for c in campaign.criteria]
    current = {c.code: c for c in campaign.criteria}
    wanted = []
    for position, row in enumerate(rows):
        code = row.code.strip().lower()
        criterion = current.pop(code, None) or Criterion(code=code)
        criterion.name = row.name.strip()
        criterion.weight = Decimal(row.weight).quantize(Decimal("0.001"))
        criterion.max_score = Decimal(row.max_score).quantize(Decimal("0.01"))
        criterion.prefill_source = row.prefill_source or None
        criterion.position = position
        wanted.append(criterion)
    for leftover in current.values():
        campaign.criteria.remove(leftover)
    for criterion in wanted:
        if criterion not in campaign.criteria:
            campaign.criteria.append(criterion)
    db.session.flush()
    after = [describe(c) for c in sorted(wanted, key=lambda c: c.position)]
    if before != after:
        record(actor, "campaign.criteria", campaign, campaign_id=campaign.id,
               before={"criteria": before}, after={"criteria": after})


# --- Offers of seats ----------------------------------------------------------------------------

def programmes() -> list[Programme]:
    return list(db.session.execute(
        select(Programme).where(Programme.active.is_(True)).order_by(Programme.title)).scalars())


def establishments() -> list[Establishment]:
    return list(db.session.execute(
        select(Establishment).where(Establishment.active.is_(True))
        .order_by(Establishment.city, Establishment.name)).scalars())


def _validate_offer(campaign: Campaign, data: dict, offer: Offer | None) -> dict:
    errors = {}
    programme = db.session.get(Programme, data.get("programme_id") or 0)
    establishment = db.session.get(Establishment, data.get("establishment_id") or 0)
    if programme is None:
        errors["programme_id"] = "Choisissez une filière."
    if establishment is None:
        errors["establishment_id"] = "Choisissez un établissement."
    seats, reserved = data.get("seats"), data.get("reserved_seats") or 0
    if seats is None or seats < 0:
        errors["seats"] = "Le nombre de places doit être un nombre positif ou nul."
    if reserved < 0:
        errors["reserved_seats"] = "Le nombre de places réservées doit être positif ou nul."
    elif seats is not None and reserved > seats:
        errors["reserved_seats"] = "Les places réservées ne peuvent pas dépasser le nombre de places."
    if programme is not None and establishment is not None:
        clash = db.session.execute(select(Offer.id).where(
            Offer.campaign_id == campaign.id, Offer.programme_id == programme.id,
            Offer.establishment_id == establishment.id)).scalar()
        if clash is not None and (offer is None or clash != offer.id):
            errors["programme_id"] = (
                f"Cette campagne offre déjà la filière « {programme.title} » à l'établissement "
                f"« {establishment.name} » : modifiez l'offre existante."
            )
    code = (data.get("code") or "").strip().upper()
    if not code and programme is not None and establishment is not None:
        code = f"{programme.code}-{establishment.code}"[:40]
    if code:
        clash = db.session.execute(select(Offer.id).where(
            Offer.campaign_id == campaign.id, Offer.code == code)).scalar()
        if clash is not None and (offer is None or clash != offer.id):
            errors["code"] = f"Le code d'offre « {code} » est déjà utilisé dans cette campagne."
    if errors:
        raise ValidationFailed(errors=errors)
    return dict(programme_id=programme.id, establishment_id=establishment.id, code=code,
                seats=seats, reserved_seats=reserved)


def add_offer(actor, campaign: Campaign, data: dict) -> Offer:
    _check_phase(campaign, OFFER_PHASES, "L'offre de places")
    clean = _validate_offer(campaign, data, None)
    offer = Offer(campaign_id=campaign.id, **clean)
    db.session.add(offer)
    db.session.flush()
    record(actor, "offer.create", offer, after=snapshot(offer, list(OFFER_FIELDS)))
    return offer


def update_offer(actor, campaign: Campaign, offer: Offer, data: dict, expected_version=None) -> Offer:
    _check_version(offer, expected_version)
    _check_phase(campaign, OFFER_PHASES, "L'offre de places")
    clean = _validate_offer(campaign, data, offer)
    if offer_is_chosen(offer) and (clean["programme_id"], clean["establishment_id"]) != (
            offer.programme_id, offer.establishment_id):
        raise ValidationFailed(errors={"programme_id": (
            "Des candidats ont déjà choisi cette offre : sa filière et son établissement ne peuvent plus changer.")})
    before = snapshot(offer, list(OFFER_FIELDS))
    for name, value in clean.items():
        setattr(offer, name, value)
    db.session.flush()
    old, new = changes(before, snapshot(offer, list(OFFER_FIELDS)))
    if new:
        record(actor, "offer.update", offer, before=old, after=new)
    return offer


def offer_is_chosen(offer: Offer) -> bool:
    return stages.offer_in_use(offer.id)


def remove_offer(actor, campaign: Campaign, offer: Offer, expected_version=None) -> None:
    _check_version(offer, expected_version)
    _check_phase(campaign, OFFER_PHASES, "L'offre de places")
    if offer_is_chosen(offer):
        raise NotAllowed("Des candidats ont déjà choisi cette offre : elle ne peut plus être supprimée. "
                         "Mettez ses places à zéro si elle ne doit plus être pourvue.")
    record(actor, "offer.delete", offer, before=snapshot(offer, list(OFFER_FIELDS)))
    db.session.delete(offer)
    db.session.flush()


@dataclass(frozen=True)
class SeatSummary:
    offer_count: int
    total_seats: int
    reserved_seats: int
    announced_quota: int

    @property
    def difference(self) -> int:
        """Seats offered minus the announced quota (0 when they agree)."""
        return self.total_seats - self.announced_quota

    @property
    def open_seats(self) -> int:
        return self.total_seats - self.reserved_seats


def seat_summary(campaign: Campaign) -> SeatSummary:
    count, seats, reserved = db.session.execute(
        select(func.count(Offer.id), func.coalesce(func.sum(Offer.seats), 0),
               func.coalesce(func.sum(Offer.reserved_seats), 0)).where(Offer.campaign_id == campaign.id)
    ).one()
    return SeatSummary(int(count), int(seats), int(reserved), campaign.announced_quota)


def campaign_offers(campaign: Campaign) -> list[Offer]:
    return list(db.session.execute(
        select(Offer).join(Programme).join(Establishment).where(Offer.campaign_id == campaign.id)
        .order_by(Programme.title, Establishment.city, Establishment.name)).scalars())


# --- Phases -------------------------------------------------------------------------------------

def gather_facts(campaign: Campaign, now: datetime) -> phases.CampaignFacts:
    """The facts the phase rules need: the campaign's own here, each from one aggregate query;
    the later stages' (files, committees, placements) from what they registered (stages.py)."""
    summary = seat_summary(campaign)
    criteria_count = db.session.execute(
        select(func.count()).select_from(Criterion).where(
            Criterion.campaign_id == campaign.id, Criterion.weight > 0)).scalar_one()
    document_count = db.session.execute(
        select(func.count()).select_from(CampaignDocument).where(
            CampaignDocument.campaign_id == campaign.id, CampaignDocument.required.is_(True))).scalar_one()
    return phases.CampaignFacts(
        phase=campaign.phase, now=now, opens_at=campaign.opens_at, closes_at=campaign.closes_at,
        offer_count=summary.offer_count, total_seats=summary.total_seats,
        announced_quota=campaign.announced_quota, decision_deadline=campaign.decision_deadline,
        criteria_count=int(criteria_count), required_document_count=int(document_count),
        **stages.later_facts(campaign.id),
    )


@dataclass(frozen=True)
class PhaseMove:
    target: str
    label: str
    forward: bool
    reasons: list

    @property
    def allowed(self) -> bool:
        return not self.reasons


def phase_moves(campaign: Campaign, now: datetime) -> list[PhaseMove]:
    """The moves one may ask for from the current phase, each with what blocks it."""
    facts = gather_facts(campaign, now)
    return [
        PhaseMove(target, PHASE_LABELS[target], target == phases.NEXT_PHASE.get(campaign.phase),
                  phases.blocking_reasons(facts, target))
        for target in phases.allowed_targets(campaign.phase)
    ]


def transition(campaign: Campaign, target: str, actor, now: datetime, reason: str = "",
               expected_version=None) -> Campaign:
    """Move the campaign to `target`, or raise InvalidTransition listing every failing precondition."""
    _check_version(campaign, expected_version)
    if target not in phases.PHASES:
        raise InvalidTransition(reasons=["Phase inconnue."])
    reasons = phases.blocking_reasons(gather_facts(campaign, now), target)
    if reasons:
        raise InvalidTransition(
            f"La campagne ne peut pas passer à la phase « {PHASE_LABELS[target]} ».", reasons=reasons)
    stages.run_phase_actions(campaign, target, actor, now)
    before = campaign.phase
    campaign.phase = target
    db.session.flush()
    record(actor, "campaign.phase", campaign, campaign_id=campaign.id,
           before={"phase": before}, after={"phase": target}, reason=(reason or "").strip())
    return campaign
