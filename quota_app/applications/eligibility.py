"""Automatic eligibility checks (recevabilité): a pure rule engine.

Plain data in (dataclasses built by the caller from the database), a list of `Check` out. The
same checks are shown to the applicant before submitting and stored with the manager's
screening decision. Messages are written for a young applicant, in French.

Facts that a manager can change (age bounds, level minimums, series, documents) come in as
data; nothing here is a constant of the programme except the default of three choices.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from ..timeutil import age_on, utcnow
from ..identity import check_birth_date, format_date

MALIAN = "MLI"
DEFAULT_MAX_CHOICES = 3


@dataclass(frozen=True)
class Check:
    """One automatic check. `code` is stable (stored with screening decisions), e.g. "age:TS"."""

    code: str
    ok: bool
    message_fr: str
    # False when the applicant cannot change what fails (age, nationality, the window): shown so.
    fixable: bool = True
    # What the applicant can do about a failed check (empty when the message says it).
    hint_fr: str = ""

    def as_dict(self) -> dict:
        """Code, ok and message (what screening decisions store), plus what is not the default."""
        data = {"code": self.code, "ok": self.ok, "message_fr": self.message_fr}
        if not self.fixable:
            data["fixable"] = False
        if self.hint_fr:
            data["hint_fr"] = self.hint_fr
        return data


@dataclass(frozen=True)
class ApplicantFacts:
    birth_date: date | None
    nationality: str | None = MALIAN
    # Highest diploma: its rank (CEP < DEF < CAP < BT < Bac < BTS < Licence), code and name.
    diploma_rank: int | None = None
    diploma_code: str | None = None
    diploma_name: str | None = None
    # Whether that diploma has a series (the Bac), and the series chosen.
    diploma_has_series: bool = False
    series_code: str | None = None
    # Codes of the document types uploaded.
    documents: frozenset[str] = field(default_factory=frozenset)
    # Whether the applicant declared a passport (None: not known, the passport copy stays asked).
    passport_declared: bool | None = None
    # Capacity building: the employer (a Malian training establishment), whether it is in the
    # list (active), and the years of experience declared.
    employer_name: str | None = None
    employer_listed: bool | None = None
    years_experience: int | None = None


@dataclass(frozen=True)
class LevelFacts:
    """An OFPPT level and the minimum Malian diploma it requires."""

    code: str
    name: str
    min_diploma_rank: int
    min_diploma_name: str = ""
    # Used when the campaign sets no bounds for this level.
    default_min_age: int | None = None
    default_max_age: int | None = None


@dataclass(frozen=True)
class CampaignFacts:
    reference_date: date
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    # {level_code: (min_age, max_age)}; either bound may be None.
    age_bounds: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)
    # Bac series accepted by this call; empty means any series.
    allowed_series: frozenset[str] = field(default_factory=frozenset)
    # {document_type_code: name}, in the order to show them.
    required_documents: Mapping[str, str] = field(default_factory=dict)
    max_choices: int = DEFAULT_MAX_CHOICES
    nationality: str = MALIAN
    # The families of rules of the campaign's kind (campaigns/kinds.py): "diploma", "employment".
    rules: frozenset[str] = frozenset({"diploma"})
    # Capacity building: the minimum years of experience (None: no minimum).
    min_experience_years: int | None = None
    # Whether the levels' default age bounds apply when the campaign sets none for a level.
    level_age_defaults: bool = True


@dataclass(frozen=True)
class ChoiceFacts:
    rank: int
    offer_code: str
    level_code: str
    label: str


# Documents asked only of the applicants whose answers call for them: {document type code:
# the ApplicantFacts field that calls for it}. A campaign lists the document as required; it is
# needed from an applicant when that fact is true (or unknown).
CONDITIONAL_DOCUMENTS = {"PASSPORT": "passport_declared"}
# Why a conditional document is asked, or not: {fact: (asked because..., not asked because...,
# the reason inside a check's message)}. The check's words fit the applicant's page and, as they
# are, the staff's (screening/wording.py turns « vous » into « le candidat »).
CONDITION_REASONS = {
    "passport_declared": ("parce que vous avez déclaré un passeport (étape Identité)",
                          "vous n'avez pas déclaré de passeport (étape Identité)",
                          "demandée car un passeport est déclaré"),
}
# The condition as the campaign's page announces it, before any answer.
CONDITION_NOTES = {"passport_declared": "seulement si vous avez un passeport"}


def document_condition_note(code: str) -> str:
    """« seulement si vous avez un passeport » for a conditional document, else ""."""
    condition = CONDITIONAL_DOCUMENTS.get(code)
    return CONDITION_NOTES.get(condition, "") if condition else ""


REASON_EVERYONE = "Demandée à tous les candidats de cet appel."
REASON_OPTIONAL = "Facultative : vous pouvez la joindre pour compléter votre dossier."


@dataclass(frozen=True)
class DocumentNeed:
    """One document of the campaign as it concerns this applicant: needed or not, and why."""

    code: str
    name: str
    needed: bool
    optional: bool
    reason_fr: str
    # The reason inside a check's message (« Copie du passeport (demandée car …) »), empty for
    # the documents asked of everyone.
    because_fr: str = ""


def document_needs(documents: Iterable[tuple[str, str, bool]], applicant: ApplicantFacts) -> list[DocumentNeed]:
    """(code, name, required by the campaign) -> what each document means for this applicant."""
    needs = []
    for code, name, required in documents:
        condition = CONDITIONAL_DOCUMENTS.get(code)
        if not required:
            needs.append(DocumentNeed(code, name, False, True, REASON_OPTIONAL))
        elif condition is None:
            needs.append(DocumentNeed(code, name, True, False, REASON_EVERYONE))
        elif getattr(applicant, condition, None) is False:
            needs.append(DocumentNeed(code, name, False, False,
                                      f"Pas demandée : {CONDITION_REASONS[condition][1]}."))
        else:
            asked, _not_asked, because = CONDITION_REASONS[condition]
            needs.append(DocumentNeed(code, name, True, False, f"Demandée {asked}.", because))
    return needs


# --- helpers ------------------------------------------------------------------------------

def _as_level_map(levels: Mapping[str, LevelFacts] | Iterable[LevelFacts]) -> dict[str, LevelFacts]:
    if isinstance(levels, Mapping):
        return dict(levels)
    return {level.code: level for level in levels}


def _diploma_label(applicant: ApplicantFacts) -> str:
    return applicant.diploma_name or applicant.diploma_code or "votre diplôme"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def age_bounds_for(level: LevelFacts, campaign: CampaignFacts) -> tuple[int | None, int | None]:
    """The campaign's bounds for this level, else the level's defaults (when its kind uses them)."""
    if level.code in campaign.age_bounds:
        return campaign.age_bounds[level.code]
    if not campaign.level_age_defaults:
        return None, None
    return level.default_min_age, level.default_max_age


def offers_allowed(
    diploma_rank: int | None, levels: Mapping[str, LevelFacts] | Iterable[LevelFacts]
) -> list[str]:
    """Codes of the levels this diploma opens (its rank is at least the level's minimum),
    from the most accessible to the most demanding."""
    if diploma_rank is None:
        return []
    level_map = _as_level_map(levels)
    opened = [level for level in level_map.values() if diploma_rank >= level.min_diploma_rank]
    opened.sort(key=lambda level: (level.min_diploma_rank, level.code))
    return [level.code for level in opened]


def eligible_for_level(applicant: ApplicantFacts, level: LevelFacts, campaign: CampaignFacts) -> bool:
    """Whether a choice of this level is open to the applicant: the same rules as check_age,
    check_diploma_for_choice and check_series, without their messages (the placement asks it
    for every choice of every candidate)."""
    diploma_rules = "diploma" in campaign.rules
    if diploma_rules and (applicant.diploma_rank is None or applicant.diploma_rank < level.min_diploma_rank):
        return False
    if applicant.birth_date is None:
        return False
    min_age, max_age = age_bounds_for(level, campaign)
    if min_age is not None or max_age is not None:
        age = age_on(applicant.birth_date, campaign.reference_date)
        if (max_age is not None and age > max_age) or (min_age is not None and age < min_age):
            return False
    if diploma_rules and campaign.allowed_series and applicant.diploma_has_series:
        return applicant.series_code in campaign.allowed_series
    return True


def _age_hint(applicant: ApplicantFacts, campaign: CampaignFacts, level_map: dict[str, LevelFacts],
              chosen: list[str]) -> str:
    """What an applicant whose age is outside a level's bounds can still do: another level
    open to their age and diploma, or nothing in this call."""
    others = [level for level in level_map.values()
              if level.code not in chosen and eligible_for_level(applicant, level, campaign)]
    others.sort(key=lambda level: (level.min_diploma_rank, level.code))
    text = "L'âge ne se corrige pas : si votre date de naissance est exacte, ce niveau ne vous est pas ouvert. "
    if others:
        text += ("Vous pouvez choisir une formation d'un autre niveau : "
                 f"{', '.join(level.name for level in others)} (étape Choix de formation).")
    elif any(eligible_for_level(applicant, level_map[code], campaign) for code in chosen):
        text += "Retirez ce choix et gardez vos autres choix (étape Choix de formation)."
    else:
        text += ("Aucun niveau de cet appel n'est ouvert à votre âge et à votre diplôme : votre dossier "
                 "ne pourra pas être recevable.")
    return text + " Si la date est mal saisie, corrigez-la à l'étape Identité."


def is_eligible(checks: Iterable[Check]) -> bool:
    return all(check.ok for check in checks)


def failed(checks: Iterable[Check]) -> list[Check]:
    return [check for check in checks if not check.ok]


# --- the rules ----------------------------------------------------------------------------

def check_window(campaign: CampaignFacts, now: datetime) -> Check:
    """Applications are received only while the call is open (times in Bamako time = UTC)."""
    fmt = "%d/%m/%Y à %H:%M"
    if campaign.opens_at is not None and now < campaign.opens_at:
        return Check("window", False,
                     f"Les candidatures ne sont pas encore ouvertes : ouverture le "
                     f"{campaign.opens_at.strftime(fmt)} (heure de Bamako).")
    if campaign.closes_at is not None and now >= campaign.closes_at:
        return Check("window", False,
                     f"Les candidatures sont closes depuis le {campaign.closes_at.strftime(fmt)} "
                     "(heure de Bamako).", fixable=False)
    if campaign.closes_at is not None:
        return Check("window", True,
                     f"Les candidatures sont ouvertes jusqu'au {campaign.closes_at.strftime(fmt)} "
                     "(heure de Bamako).")
    return Check("window", True, "Les candidatures sont ouvertes.")


def check_nationality(applicant: ApplicantFacts, campaign: CampaignFacts) -> Check:
    nationality = (applicant.nationality or "").strip().upper()
    if nationality == campaign.nationality.upper():
        return Check("nationality", True, "Nationalité malienne : conforme.")
    if not nationality:
        return Check("nationality", False, "Indiquez votre nationalité : ce programme est réservé aux jeunes Malien(ne)s.")
    return Check("nationality", False,
                 "Ce programme est réservé aux jeunes de nationalité malienne.", fixable=False)


def check_birth(applicant: ApplicantFacts, today: date) -> Check:
    errors = check_birth_date(applicant.birth_date, today)
    if errors:
        return Check("birth_date", False, errors[0])
    return Check("birth_date", True, f"Date de naissance : {format_date(applicant.birth_date)}.")


def check_age(applicant: ApplicantFacts, level: LevelFacts, campaign: CampaignFacts, today: date) -> Check:
    """Age on the campaign's reference date within the level's bounds (bounds included)."""
    code = f"age:{level.code}"
    ref = campaign.reference_date
    ref_text = format_date(ref)
    if applicant.birth_date is None or applicant.birth_date > today:
        return Check(code, False,
                     f"Votre âge pour le niveau {level.name} ne peut pas être vérifié sans une date de naissance valide.")
    age = age_on(applicant.birth_date, ref)
    verb = "aurez" if ref >= today else "aviez"
    min_age, max_age = age_bounds_for(level, campaign)
    if max_age is not None and age > max_age:
        return Check(code, False,
                     f"Vous {verb} {age} ans au {ref_text} : l'âge maximum pour le niveau "
                     f"{level.name} est {max_age} ans.")
    if min_age is not None and age < min_age:
        return Check(code, False,
                     f"Vous {verb} {age} ans au {ref_text} : l'âge minimum pour le niveau "
                     f"{level.name} est {min_age} ans.")
    if min_age is None and max_age is None:
        bounds = "pas de limite d'âge"
    elif min_age is None:
        bounds = f"{max_age} ans au plus"
    elif max_age is None:
        bounds = f"{min_age} ans au moins"
    else:
        bounds = f"de {min_age} à {max_age} ans"
    return Check(code, True,
                 f"Vous {verb} {age} ans au {ref_text} : âge accepté pour le niveau {level.name} ({bounds}).")


def check_diploma_present(applicant: ApplicantFacts) -> Check:
    if applicant.diploma_rank is None:
        return Check("diploma", False, "Indiquez votre diplôme le plus élevé.")
    return Check("diploma", True, f"Diplôme le plus élevé : {_diploma_label(applicant)}.")


def check_diploma_for_choice(applicant: ApplicantFacts, choice: ChoiceFacts, level: LevelFacts) -> Check:
    """The applicant's diploma is at least the minimum of this choice's level."""
    code = f"diploma:{choice.rank}"
    needed = f", qui demande au moins le diplôme {level.min_diploma_name}" if level.min_diploma_name else ""
    if applicant.diploma_rank is None:
        return Check(code, False,
                     f"Choix {choice.rank} ({choice.label}) : indiquez votre diplôme pour vérifier "
                     f"l'accès au niveau {level.name}{needed}.")
    if applicant.diploma_rank < level.min_diploma_rank:
        return Check(code, False,
                     f"Choix {choice.rank} ({choice.label}) : votre diplôme ({_diploma_label(applicant)}) "
                     f"ne suffit pas pour le niveau {level.name}{needed}.")
    return Check(code, True,
                 f"Choix {choice.rank} ({choice.label}) : votre diplôme ({_diploma_label(applicant)}) "
                 f"donne accès au niveau {level.name}.")


def check_employer(applicant: ApplicantFacts) -> Check:
    """Capacity building: the employer is a Malian training establishment of the list."""
    if not applicant.employer_name:
        return Check("employer", False, "Indiquez l'établissement de formation malien qui vous emploie.")
    if not applicant.employer_listed:
        return Check("employer", False,
                     f"L'établissement « {applicant.employer_name} » ne fait plus partie de la liste des "
                     "établissements retenus pour cet appel.", fixable=False,
                     hint_fr="Contactez la DNFP si votre établissement devrait y figurer.")
    return Check("employer", True, f"Employeur : {applicant.employer_name}.")


def check_experience(applicant: ApplicantFacts, campaign: CampaignFacts) -> Check:
    """Capacity building: the years of experience reach the campaign's minimum."""
    minimum = campaign.min_experience_years
    years = applicant.years_experience
    if years is None:
        return Check("experience", False, "Indiquez votre nombre d'années d'expérience dans la formation.")
    if minimum is not None and years < minimum:
        return Check("experience", False,
                     f"Cet appel demande au moins {_plural(minimum, 'an')} d'expérience ; vous en déclarez "
                     f"{years}.", fixable=False)
    needed = f" (au moins {_plural(minimum, 'an')} demandé{'s' if minimum > 1 else ''})" if minimum else ""
    return Check("experience", True, f"Expérience : {_plural(years, 'an')}{needed}.")


def check_series(applicant: ApplicantFacts, campaign: CampaignFacts) -> Check | None:
    """When the call accepts only some Bac series. None when it does not apply."""
    if not campaign.allowed_series or not applicant.diploma_has_series:
        return None
    accepted = ", ".join(sorted(campaign.allowed_series))
    if not applicant.series_code:
        return Check("series", False,
                     f"Indiquez la série de votre {_diploma_label(applicant)} : cet appel accepte "
                     f"seulement les séries {accepted}.")
    if applicant.series_code not in campaign.allowed_series:
        return Check("series", False,
                     f"Votre série ({applicant.series_code}) n'est pas acceptée pour cet appel : "
                     f"séries acceptées : {accepted}.", fixable=False,
                     hint_fr="La série d'un baccalauréat obtenu ne change pas : si elle est bien saisie "
                             "(étape Parcours scolaire), cet appel ne vous est pas ouvert.")
    return Check("series", True, f"Série {applicant.series_code} : acceptée pour cet appel.")


def check_documents(applicant: ApplicantFacts, campaign: CampaignFacts) -> Check:
    """Every document the campaign requires and the applicant's answers call for is joined; a
    document asked because of an answer (the passport copy) says so."""
    needs = document_needs(((code, name, True) for code, name in campaign.required_documents.items()), applicant)
    missing = [f"{need.name} ({need.because_fr})" if need.because_fr else need.name
               for need in needs if need.needed and need.code not in applicant.documents]
    if missing:
        if len(missing) == 1:
            return Check("documents", False, f"Il manque une pièce à joindre : {missing[0]}.")
        return Check("documents", False,
                     f"Il manque {_plural(len(missing), 'pièce')} à joindre : {', '.join(missing)}.")
    return Check("documents", True, "Toutes les pièces demandées sont jointes.")


def check_choice_count(choices: list[ChoiceFacts], campaign: CampaignFacts) -> Check:
    count = len(choices)
    if count == 0:
        return Check("choices_count", False, "Choisissez au moins une formation.")
    if count > campaign.max_choices:
        return Check("choices_count", False,
                     f"Vous avez fait {count} choix : {campaign.max_choices} au maximum. "
                     "Retirez-en pour garder vos préférés.")
    return Check("choices_count", True,
                 f"{count} choix sur {campaign.max_choices} possibles.")


def check_choice_duplicates(choices: list[ChoiceFacts]) -> Check:
    offer_counts = Counter(choice.offer_code for choice in choices)
    repeated = [code for code, times in offer_counts.items() if times > 1]
    if repeated:
        labels = []
        for code in repeated:
            label = next(choice.label for choice in choices if choice.offer_code == code)
            labels.append(label)
        return Check("choices_distinct", False,
                     f"Vous avez choisi plusieurs fois la même formation : {', '.join(labels)}. "
                     "Chaque choix doit être différent.")
    ranks = sorted(choice.rank for choice in choices)
    if ranks != list(range(1, len(choices) + 1)):
        return Check("choices_distinct", False,
                     "Vos choix doivent être classés 1, 2, 3 sans doublon ni trou dans l'ordre de préférence.")
    return Check("choices_distinct", True, "Vos choix sont tous différents et bien classés.")


def check_choices_consistent(
    applicant: ApplicantFacts, choices: list[ChoiceFacts], level_map: dict[str, LevelFacts]
) -> Check:
    """Every choice is at a known level that the applicant's diploma opens."""
    unknown = [choice for choice in choices if choice.level_code not in level_map]
    if unknown:
        return Check("choices_consistent", False,
                     "Ces choix ne sont plus proposés : "
                     f"{', '.join(f'{c.rank}. {c.label}' for c in unknown)}. Choisissez une autre formation.")
    if applicant.diploma_rank is None:
        return Check("choices_consistent", False,
                     "Indiquez votre diplôme pour savoir quelles formations vous pouvez choisir.")
    opened = offers_allowed(applicant.diploma_rank, level_map)
    wrong = [choice for choice in choices if choice.level_code not in opened]
    if wrong:
        if opened:
            names = ", ".join(level_map[code].name for code in opened)
            advice = f"Avec votre diplôme ({_diploma_label(applicant)}), vous pouvez choisir les niveaux : {names}."
        else:
            advice = f"Votre diplôme ({_diploma_label(applicant)}) ne donne accès à aucun niveau de cet appel."
        return Check("choices_consistent", False,
                     f"{advice} Choix à changer : {', '.join(f'{c.rank}. {c.label}' for c in wrong)}.")
    return Check("choices_consistent", True, "Tous vos choix correspondent à votre diplôme.")


def evaluate(
    applicant: ApplicantFacts,
    campaign: CampaignFacts,
    levels: Mapping[str, LevelFacts] | Iterable[LevelFacts],
    choices: Iterable[ChoiceFacts],
    *,
    today: date | None = None,
    now: datetime | None = None,
) -> list[Check]:
    """Run every automatic check, in the order shown to the applicant.

    `today` judges a date of birth in the future (defaults to the UTC date). `now`, when given,
    adds the application-window check (at submission time).
    """
    today = today or utcnow().date()
    level_map = _as_level_map(levels)
    choice_list = sorted(choices, key=lambda choice: choice.rank)
    checks: list[Check] = []
    if now is not None:
        checks.append(check_window(campaign, now))
    checks.append(check_nationality(applicant, campaign))
    checks.append(check_birth(applicant, today))
    diploma_rules = "diploma" in campaign.rules
    if diploma_rules:
        checks.append(check_diploma_present(applicant))
        series = check_series(applicant, campaign)
        if series is not None:
            checks.append(series)
    if "employment" in campaign.rules:
        checks.append(check_employer(applicant))
        checks.append(check_experience(applicant, campaign))
    checks.append(check_documents(applicant, campaign))
    checks.append(check_choice_count(choice_list, campaign))
    if choice_list:
        checks.append(check_choice_duplicates(choice_list))
    # Age: once per distinct chosen level, in the order of the choices.
    seen_levels: list[str] = []
    for choice in choice_list:
        if choice.level_code in level_map and choice.level_code not in seen_levels:
            seen_levels.append(choice.level_code)
    birth_ok = applicant.birth_date is not None and applicant.birth_date <= today
    if birth_ok:
        for code in seen_levels:
            check = check_age(applicant, level_map[code], campaign, today)
            if not check.ok:
                check = replace(check, fixable=False, hint_fr=_age_hint(applicant, campaign, level_map, seen_levels))
            checks.append(check)
    # Diploma: for each choice.
    if diploma_rules:
        for choice in choice_list:
            level = level_map.get(choice.level_code)
            if level is not None:
                checks.append(check_diploma_for_choice(applicant, choice, level))
        if choice_list:
            checks.append(check_choices_consistent(applicant, choice_list, level_map))
    return checks
