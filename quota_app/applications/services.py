"""The applicant's journey: draft steps, documents, submission, withdrawal, placement answer,
personal data. No request, flash or current_user here: the caller passes the user and the
plain values typed, and commits once. Every refusal is a DomainError with a French message;
on error nothing is changed.
"""
import hashlib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.models import AuditEvent
from ..audit.services import record, snapshot
from ..campaigns.models import Campaign, Offer
from ..documents import render_pdf, seal
from ..documents.models import SealedDocument
from ..errors import InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..permissions import owns_application
from ..reference.models import Diploma, Level, MalianEstablishment, Programme, Region, Series
from ..timeutil import utcnow
from .. import identity
from ..campaigns.kinds import kind_of
from ..uploads_names import display_name
from . import eligibility, filetypes, storage
from .display import country_name
from .warnings import file_warnings
from .hooks import application_withdrawn
from . import status as status_machine
from .models import MAX_CHOICES, SEXES, Applicant, Application, ApplicationChoice, ApplicationDocument, ReferenceCounter

STEP_LABELS = {
    "identite": _l("Identité"),
    "contact": _l("Contact et région"),
    "parcours": _l("Parcours scolaire"),
    "emploi": _l("Emploi et formation demandée"),
    "choix": _l("Choix de formation"),
    "motivation": _l("Motivation"),
    "pieces": _l("Pièces justificatives"),
}
# The youth quota's form; each kind of campaign has its own (campaigns/kinds.py, steps_for).
STEPS = tuple((code, STEP_LABELS[code]) for code in kind_of("quota").steps)


def steps_for(campaign) -> tuple:
    """The form's steps for this campaign's kind: ((code, label), ...)."""
    return tuple((code, STEP_LABELS[code]) for code in kind_of(campaign).steps)
MOTIVATION_MIN = 100
MOTIVATION_MAX = 3000
# Until these phases, an applicant may withdraw.
WITHDRAW_PHASES = ("open", "screening", "review")
# From these statuses (the status table says so), while the phase allows it.
WITHDRAWABLE_STATUSES = tuple(s for s in status_machine.STATUSES
                              if status_machine.is_allowed(s, "withdrawn", "applicant"))
DUPLICATE_IDENTITY = (
    "Ce numéro est déjà utilisé dans un autre dossier de cette campagne. Vérifiez votre saisie ; "
    "si le numéro est bien le vôtre, contactez la DNFP."
)
CONCURRENT_CHANGE = "Ce dossier a été modifié entre-temps. Rechargez la page et recommencez."
NOT_EDITABLE = "Votre dossier a été soumis : il ne peut plus être modifié."
CALL_CLOSED = "L'appel à candidatures est clos : ce dossier n'a pas été soumis et ne peut plus être modifié ni soumis."
_IDENTITY_FIELDS = ("last_name", "first_names", "sex", "birth_date", "birth_place", "nina",
                    "passport_number", "passport_expiry")


# --- lookups ------------------------------------------------------------------------------

def applicant_of(user) -> Applicant:
    applicant = db.session.scalar(select(Applicant).where(Applicant.user_id == user.id))
    if applicant is None:
        applicant = Applicant(user_id=user.id, source="web")
        db.session.add(applicant)
        db.session.flush()
    return applicant


def own_application(user, application_id) -> Application:
    """The user's own application, or NotFound (another's id looks exactly like a missing one)."""
    application = db.session.get(Application, application_id) if isinstance(application_id, int) else None
    if application is None or not owns_application(user, application):
        raise NotFound("Dossier introuvable.")
    return application


def user_applications(user) -> list[Application]:
    return list(db.session.scalars(
        select(Application).join(Applicant).where(Applicant.user_id == user.id).order_by(Application.id.desc())
    ))


def window_open(campaign: Campaign, now: datetime) -> bool:
    return campaign.phase == "open" and campaign.opens_at <= now < campaign.closes_at


def closed_message(campaign: Campaign, now: datetime) -> str | None:
    """None while the call receives applications, else why a draft can no longer go anywhere."""
    if window_open(campaign, now):
        return None
    fmt = "%d/%m/%Y à %H:%M"
    if campaign.phase == "open" and now < campaign.opens_at:
        return _("L'appel à candidatures n'est pas encore ouvert : ouverture le %(d)s (heure de Bamako).",
                 d=campaign.opens_at.strftime(fmt))
    if now >= campaign.closes_at:
        return _("L'appel à candidatures est clos depuis le %(d)s (heure de Bamako) : ce dossier n'a pas été "
                 "soumis et ne peut plus l'être.", d=campaign.closes_at.strftime(fmt))
    return _("L'appel à candidatures est clos : ce dossier n'a pas été soumis et ne peut plus l'être.")


def _editable(application: Application, now: datetime | None = None) -> None:
    """A draft of a campaign still receiving applications. `now` is the moment of the edit (the
    view's clock): with it the window's dates are checked too, without it the phase only (the
    fills of the factories and of the seed, which happen at no moment of their own)."""
    if application.status != "draft":
        raise InvalidTransition(NOT_EDITABLE)
    campaign = application.campaign
    if campaign.phase != "open" or (now is not None and not window_open(campaign, now)):
        raise InvalidTransition(closed_message(campaign, now or campaign.closes_at) or CALL_CLOSED)


def _clean(value, max_len: int | None = None) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    return text[:max_len] if max_len else text


def _parse_date(raw, label: str, errors: dict, key: str) -> date | None:
    text = _clean(raw)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors[key] = f"{label} : date invalide (format JJ/MM/AAAA)."
    return None


def _parse_int(raw) -> int | None:
    text = _clean(raw)
    if not text or not text.isdigit():
        return None
    return int(text)


# --- starting -----------------------------------------------------------------------------

def start_application(user, campaign: Campaign, now: datetime | None = None) -> tuple[Application, bool]:
    """The user's draft for this campaign, created when missing. (application, created)."""
    now = now or utcnow()
    applicant = applicant_of(user)
    existing = db.session.scalar(select(Application).where(
        Application.campaign_id == campaign.id, Application.applicant_id == applicant.id))
    if existing is not None:
        return existing, False
    if not window_open(campaign, now):
        raise InvalidTransition("Les candidatures ne sont pas ouvertes pour cette campagne.")
    application = Application.new("applicant", "draft", campaign_id=campaign.id, applicant_id=applicant.id,
                                  email=user.email)
    db.session.add(application)
    db.session.flush()
    record(user, "application.create", application, after={"status": "draft"})
    return application, True


# --- steps --------------------------------------------------------------------------------

def _identity_clash(application: Application, column, value) -> bool:
    if not value:
        return False
    return db.session.scalar(select(Application.id).where(
        Application.campaign_id == application.campaign_id, column == value,
        Application.id != application.id)) is not None


def save_identity(user, application: Application, data: dict, today: date | None = None, *, now: datetime | None = None) -> None:
    _editable(application, now)
    today = today or utcnow().date()
    errors: dict[str, str] = {}
    last_name = _clean(data.get("last_name"), 100)
    first_names = _clean(data.get("first_names"), 150)
    sex = _clean(data.get("sex"))
    birth_place = _clean(data.get("birth_place"), 100)
    if not last_name:
        errors["last_name"] = "Le nom est obligatoire."
    if not first_names:
        errors["first_names"] = "Le ou les prénoms sont obligatoires."
    if sex not in SEXES:
        errors["sex"] = "Indiquez votre sexe."
    if not birth_place:
        errors["birth_place"] = "Le lieu de naissance est obligatoire."
    birth_date = _parse_date(data.get("birth_date"), "Date de naissance", errors, "birth_date")
    if "birth_date" not in errors:
        problems = identity.check_birth_date(birth_date, today)
        if problems:
            errors["birth_date"] = problems[0]
    nina = identity.normalise_nina(data.get("nina"))
    nina_errors = identity.check_nina(nina)
    if nina_errors:
        errors["nina"] = " ".join(nina_errors)
    passport, passport_error = identity.normalise_passport(data.get("passport_number"))
    if passport_error:
        errors["passport_number"] = passport_error
    expiry = _parse_date(data.get("passport_expiry"), "Date d'expiration du passeport", errors, "passport_expiry")
    if passport and expiry is None and "passport_expiry" not in errors:
        errors["passport_expiry"] = "Indiquez la date d'expiration du passeport."
    if not errors:
        if _identity_clash(application, Application.nina, nina):
            errors["nina"] = DUPLICATE_IDENTITY
        if _identity_clash(application, Application.passport_number, passport):
            errors["passport_number"] = DUPLICATE_IDENTITY
    if errors:
        raise ValidationFailed(errors=errors)
    before = snapshot(application, _IDENTITY_FIELDS)
    application.last_name = last_name.upper()
    application.first_names = first_names
    application.sex = sex
    application.birth_date = birth_date
    application.birth_place = birth_place
    application.nina = nina
    application.passport_number = passport
    application.passport_expiry = expiry if passport else None
    warnings = identity.nina_warnings(nina, birth_date)
    warnings += identity.check_passport_expiry(application.passport_expiry, application.campaign.reference_date)
    application.identity_warnings = warnings or None
    record(user, "application.identity", application, before=before, after=snapshot(application, _IDENTITY_FIELDS))


def save_contact(user, application: Application, data: dict, *, now: datetime | None = None) -> None:
    _editable(application, now)
    errors: dict[str, str] = {}
    phone, phone_error = identity.normalise_phone(data.get("phone"))
    if phone_error:
        errors["phone"] = phone_error
    address = _clean(data.get("address"), 250)
    if not address:
        errors["address"] = "L'adresse est obligatoire."
    region = None
    region_id = _parse_int(data.get("region_id"))
    if region_id is not None:
        region = db.session.get(Region, region_id)
    if region is None or not region.active:
        errors["region_id"] = "Choisissez votre région dans la liste."
    if errors:
        raise ValidationFailed(errors=errors)
    application.phone = phone
    application.address = address
    application.region_id = region.id
    record(user, "application.contact", application, after={"phone": phone, "region_id": region.id})


def save_schooling(user, application: Application, data: dict, today: date | None = None, *, now: datetime | None = None) -> None:
    _editable(application, now)
    today = today or utcnow().date()
    errors: dict[str, str] = {}
    diploma = None
    diploma_id = _parse_int(data.get("diploma_id"))
    if diploma_id is not None:
        diploma = db.session.get(Diploma, diploma_id)
    if diploma is None or not diploma.active:
        errors["diploma_id"] = "Choisissez votre diplôme le plus élevé dans la liste."
    series = None
    series_id = _parse_int(data.get("series_id"))
    if diploma is not None and diploma.has_series:
        if series_id is not None:
            series = db.session.get(Series, series_id)
        if series is None or series.diploma_id != diploma.id:
            errors["series_id"] = "Choisissez la série de votre baccalauréat."
    year = _parse_int(data.get("diploma_year"))
    if year is None or year < 1970 or year > today.year:
        errors["diploma_year"] = f"Indiquez l'année d'obtention (entre 1970 et {today.year})."
    average = None
    raw_average = _clean(data.get("diploma_average")).replace(",", ".")
    try:
        average = Decimal(raw_average)
    except (InvalidOperation, ValueError):
        errors["diploma_average"] = "Indiquez la moyenne obtenue, sur 20 (par exemple 12,50)."
    if average is not None and not average.is_finite():
        average = None
        errors["diploma_average"] = "Indiquez la moyenne obtenue, sur 20 (par exemple 12,50)."
    if average is not None and (average < 0 or average > 20):
        errors["diploma_average"] = "La moyenne doit être comprise entre 0 et 20."
    school = _clean(data.get("school"), 200)
    if errors:
        raise ValidationFailed(errors=errors)
    application.diploma_id = diploma.id
    application.series_id = series.id if series else None
    application.diploma_year = year
    application.diploma_average = average.quantize(Decimal("0.01"))
    application.school = school or None
    record(user, "application.schooling", application,
           after={"diploma_id": diploma.id, "diploma_year": year, "diploma_average": str(average)})


def save_employment(user, application: Application, data: dict, *, now: datetime | None = None) -> None:
    """Capacity building: the employer (a listed Malian training establishment), the position,
    the years of experience in training and the subject of the training asked for."""
    _editable(application, now)
    if not kind_of(application.campaign).has_step("emploi"):
        raise ValidationFailed("Cette étape n'existe pas pour cet appel.")
    errors: dict[str, str] = {}
    employer = None
    employer_id = _parse_int(data.get("employer_id"))
    if employer_id is not None:
        employer = db.session.get(MalianEstablishment, employer_id)
    if employer is None or not employer.active:
        errors["employer_id"] = "Choisissez dans la liste l'établissement de formation qui vous emploie."
    position = _clean(data.get("job_position"), 120)
    if not position:
        errors["job_position"] = "Indiquez le poste que vous occupez (par exemple formateur en électricité)."
    years = _parse_int(data.get("years_experience"))
    if years is None or years < 0 or years > 60:
        errors["years_experience"] = "Indiquez vos années d'expérience dans la formation, en nombre entier (0 à 60)."
    subject = _clean(data.get("training_subject"), 200)
    if not subject:
        errors["training_subject"] = ("Indiquez le sujet de la formation demandée (par exemple formation de "
                                      "formateurs, ingénierie de formation, une spécialité technique).")
    if errors:
        raise ValidationFailed(errors=errors)
    application.employer_id = employer.id
    application.job_position = position
    application.years_experience = years
    application.training_subject = subject
    record(user, "application.employment", application,
           after={"employer_id": employer.id, "job_position": position, "years_experience": years,
                  "training_subject": subject})


def allowed_offers(application: Application) -> list[Offer]:
    """The campaign's offers whose level the applicant's diploma opens (none before the diploma
    is given); every offer where the campaign's kind has no diploma rule."""
    offers = list(db.session.scalars(
        select(Offer).join(Programme).where(Offer.campaign_id == application.campaign_id).order_by(Offer.code)))
    if not kind_of(application.campaign).has_rule("diploma"):
        return offers
    if application.diploma is None:
        return []
    rank = application.diploma.rank
    return [o for o in offers if rank >= o.programme.level.min_diploma.rank]


def offer_label(offer: Offer) -> str:
    return f"{offer.programme.level.code} {offer.programme.title} — {offer.establishment.name} ({offer.establishment.city})"


def save_choices(user, application: Application, offer_ids: list, *, now: datetime | None = None) -> None:
    """Ranked choices: the list order is the rank; empty entries are skipped."""
    _editable(application, now)
    wanted = [str(v).strip() for v in offer_ids if v is not None and str(v).strip()]
    if not wanted:
        raise ValidationFailed(errors={"choices": "Choisissez au moins une formation."})
    if len(wanted) > MAX_CHOICES:
        raise ValidationFailed(errors={"choices": f"Vous pouvez faire {MAX_CHOICES} choix au maximum."})
    if application.diploma is None and kind_of(application.campaign).has_rule("diploma"):
        raise ValidationFailed(errors={"choices": "Indiquez d'abord votre diplôme (étape Parcours scolaire)."})
    allowed = {o.id: o for o in allowed_offers(application)}
    offers = []
    for raw in wanted:
        offer_id = int(raw) if raw.isdigit() else None
        offer = db.session.get(Offer, offer_id) if offer_id is not None else None
        if offer is None or offer.campaign_id != application.campaign_id:
            raise ValidationFailed(errors={"choices": "Une des formations choisies n'existe pas dans cette campagne."})
        if offer.id not in allowed:
            raise ValidationFailed(errors={"choices": (
                f"Votre diplôme ne donne pas accès à la formation « {offer_label(offer)} ».")})
        offers.append(offer)
    if len({o.id for o in offers}) != len(offers):
        raise ValidationFailed(errors={"choices": "Vous avez choisi deux fois la même formation : chaque choix doit être différent."})
    before = [c.offer_id for c in application.choices]
    application.choices.clear()
    db.session.flush()
    for rank, offer in enumerate(offers, start=1):
        application.choices.append(ApplicationChoice(offer_id=offer.id, rank=rank))
    db.session.flush()
    record(user, "application.choices", application, before={"offers": before},
           after={"offers": [o.id for o in offers]})


def save_motivation(user, application: Application, data: dict, *, now: datetime | None = None) -> None:
    _editable(application, now)
    text = (data.get("motivation") or "").strip() if isinstance(data.get("motivation"), str) else ""
    if len(text) < MOTIVATION_MIN:
        raise ValidationFailed(errors={"motivation": (
            f"Votre texte est trop court ({len(text)} caractères) : écrivez au moins {MOTIVATION_MIN} caractères.")})
    if len(text) > MOTIVATION_MAX:
        raise ValidationFailed(errors={"motivation": (
            f"Votre texte est trop long ({len(text)} caractères) : {MOTIVATION_MAX} caractères au maximum.")})
    application.motivation = text
    record(user, "application.motivation", application, after={"length": len(text)})


# --- documents ----------------------------------------------------------------------------

def campaign_document_types(campaign: Campaign) -> list:
    """[(DocumentType, required)] for the campaign, in a stable order."""
    rows = sorted(campaign.required_documents, key=lambda r: r.document_type.id)
    return [(r.document_type, r.required) for r in rows if r.document_type.active]


def _applicant_facts(application: Application) -> eligibility.ApplicantFacts:
    diploma = application.diploma
    return eligibility.ApplicantFacts(
        birth_date=application.birth_date, nationality=application.nationality,
        diploma_rank=diploma.rank if diploma else None,
        diploma_code=diploma.code if diploma else None,
        diploma_name=diploma.name if diploma else None,
        diploma_has_series=bool(diploma and diploma.has_series),
        series_code=application.series.code if application.series else None,
        documents=frozenset(d.document_type.code for d in application.documents),
        passport_declared=bool(application.passport_number),
        employer_name=application.employer.name if application.employer else None,
        employer_listed=application.employer.active if application.employer else None,
        years_experience=application.years_experience,
    )


def document_needs(application: Application) -> list[tuple]:
    """[(DocumentType, eligibility.DocumentNeed)]: the campaign's documents as they concern
    this applicant (the passport copy is asked only when a passport is declared), with why."""
    types = campaign_document_types(application.campaign)
    needs = eligibility.document_needs(((t.code, t.name, required) for t, required in types),
                                       _applicant_facts(application))
    return list(zip((t for t, _required in types), needs))


def upload_document(user, application: Application, document_type_id, content: bytes, filename: str | None,
                    upload_dir: str, max_bytes: int, *, size: int | None = None,
                    now: datetime | None = None) -> tuple[ApplicationDocument, str | None]:
    """Store (or replace) the document of this type. The file is written only when valid.

    Returns (document, stored name of the replaced file or None): the caller deletes the
    replaced file after the commit, or the new one (document.stored_name) if the commit fails.
    `size`: the whole file's size when `content` is only its first bytes (a file over the limit).
    """
    _editable(application, now)
    types = {t.id: t for t, _required in campaign_document_types(application.campaign)}
    type_id = document_type_id if isinstance(document_type_id, int) else _parse_int(document_type_id)
    doc_type = types.get(type_id)
    if doc_type is None:
        raise ValidationFailed("Cette pièce n'est pas demandée pour cette campagne.")
    original = display_name(filename, default=doc_type.name)
    content_type, error = filetypes.validate_upload(content, original if filename else None,
                                                    doc_type.accepted_types, max_bytes, size=size)
    if error:
        raise ValidationFailed(error)
    try:
        clean = filetypes.strip_image_metadata(content, content_type)
    except filetypes.UploadError as exc:
        raise ValidationFailed(str(exc)) from exc
    stored_name = storage.save(upload_dir, clean)
    existing = next((d for d in application.documents if d.document_type_id == doc_type.id), None)
    old_stored = None
    if existing is not None:
        old_stored = existing.stored_name
        document = existing
    else:
        document = ApplicationDocument(application_id=application.id, document_type_id=doc_type.id)
        application.documents.append(document)
    document.original_name = original
    document.stored_name = stored_name
    document.content_type = content_type
    document.size_bytes = len(clean)
    document.sha256 = hashlib.sha256(clean).hexdigest()
    document.uploaded_at = utcnow()
    db.session.flush()
    record(user, "application.document.upload", application,
           after={"document_type": doc_type.code, "size_bytes": len(clean), "replaced": existing is not None})
    return document, old_stored


def own_document(user, application: Application, document_id) -> ApplicationDocument:
    document = db.session.get(ApplicationDocument, document_id) if isinstance(document_id, int) else None
    if document is None or document.application_id != application.id:
        raise NotFound("Pièce introuvable.")
    return document


def remove_document(user, application: Application, document: ApplicationDocument, *,
                    now: datetime | None = None) -> str:
    """Remove the document row; returns the stored name, for the caller to delete after commit."""
    _editable(application, now)
    stored = document.stored_name
    code = document.document_type.code
    application.documents.remove(document)
    db.session.flush()
    record(user, "application.document.remove", application, before={"document_type": code})
    return stored


# --- eligibility --------------------------------------------------------------------------

def _level_facts() -> list:
    return [
        eligibility.LevelFacts(code=lv.code, name=lv.name, min_diploma_rank=lv.min_diploma.rank,
                               min_diploma_name=lv.min_diploma.name, default_min_age=lv.default_min_age,
                               default_max_age=lv.default_max_age)
        for lv in db.session.scalars(select(Level))
    ]


def checks_for(application: Application, now: datetime | None = None, today: date | None = None) -> list:
    campaign = application.campaign
    applicant = _applicant_facts(application)
    campaign_facts = eligibility.CampaignFacts(
        reference_date=campaign.reference_date, opens_at=campaign.opens_at, closes_at=campaign.closes_at,
        age_bounds={r.level.code: (r.min_age, r.max_age) for r in campaign.level_rules},
        allowed_series=frozenset(s.code for s in campaign.allowed_series),
        required_documents={t.code: t.name for t, required in campaign_document_types(campaign) if required},
        max_choices=MAX_CHOICES,
        rules=frozenset(kind_of(campaign).rules), min_experience_years=campaign.min_experience_years,
        level_age_defaults=kind_of(campaign).level_age_defaults,
    )
    choices = [eligibility.ChoiceFacts(rank=c.rank, offer_code=c.offer.code,
                                       level_code=c.offer.programme.level.code, label=offer_label(c.offer))
               for c in application.choices]
    return eligibility.evaluate(applicant, campaign_facts, _level_facts(), choices, today=today, now=now)


# Where the applicant fixes a failed check: the step of each check code (before any ":").
CHECK_STEPS = {"birth_date": "identite", "nationality": "identite", "age": "choix",
               "diploma": "parcours", "series": "parcours", "documents": "pieces",
               "employer": "emploi", "experience": "emploi",
               "choices_count": "choix", "choices_distinct": "choix", "choices_consistent": "choix"}


def check_step(check) -> str | None:
    """The step where a failed check can be fixed (None for the window); an age outside the
    bounds is fixed (if the date is wrong) at the identity step, else by another choice."""
    code = check.code.split(":", 1)[0]
    if code == "diploma" and ":" in check.code:
        return "choix"
    return CHECK_STEPS.get(code)


def failed_first(checks: list) -> list:
    """The checks that fail, then those that pass, each group in its order."""
    return [c for c in checks if not c.ok] + [c for c in checks if c.ok]


def warnings_of(application: Application, today: date | None = None) -> list:
    """The file's warnings (warnings.file_warnings) for an Application: shown to the applicant
    before submitting and to the screening manager."""
    return file_warnings(nina=application.nina, birth_date=application.birth_date,
                         passport_number=application.passport_number,
                         passport_expiry=application.passport_expiry,
                         reference_date=application.campaign.reference_date,
                         today=today or utcnow().date())


def missing_steps(application: Application) -> list[str]:
    """Names of the steps of the file's form still incomplete, in the current language."""
    return [str(STEP_LABELS[code]) for code in kind_of(application.campaign).steps
            if code in STEP_COMPLETE and not STEP_COMPLETE[code](application)]


# What makes each step complete (the documents are the eligibility checks' business).
STEP_COMPLETE = {
    "identite": lambda a: bool(a.last_name and a.birth_date and a.nina and a.sex),
    "contact": lambda a: bool(a.phone and a.region_id and a.address),
    "parcours": lambda a: a.diploma_id is not None and a.diploma_average is not None,
    "emploi": lambda a: bool(a.employer_id and a.job_position and a.years_experience is not None
                             and a.training_subject),
    "choix": lambda a: bool(a.choices),
    "motivation": lambda a: bool(a.motivation),
}


# --- submission ---------------------------------------------------------------------------

def _next_reference(campaign: Campaign) -> str:
    """Increment the campaign's counter atomically (the UPDATE takes the row lock until commit),
    then read it back. The first reference of a campaign inserts the row in a savepoint; if a
    concurrent submission inserted it first, the increment is retried."""
    from sqlalchemy.exc import IntegrityError

    def increment() -> bool:
        result = db.session.execute(
            update(ReferenceCounter).where(ReferenceCounter.campaign_id == campaign.id)
            .values(last_value=ReferenceCounter.last_value + 1)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1

    if not increment():
        try:
            with db.session.begin_nested():
                db.session.add(ReferenceCounter(campaign_id=campaign.id, last_value=0))
        except IntegrityError:
            pass
        if not increment():  # pragma: no cover - the row exists by now
            raise InvalidTransition("La référence du dossier n'a pas pu être attribuée : réessayez.")
    value = db.session.scalar(select(ReferenceCounter.last_value).where(
        ReferenceCounter.campaign_id == campaign.id).execution_options(populate_existing=True))
    return f"{campaign.reference_prefix}-{campaign.year}-{value:06d}"


def _lock_for_submission(application: Application) -> None:
    """Serialise the submissions of one file, then read it again: its row FOR UPDATE on
    PostgreSQL (a second request waits until the first has committed or rolled back); on
    SQLite the write lock taken now (BEGIN IMMEDIATE) unless this transaction already writes.
    What the request read before (a draft, its version) is replaced by what the database
    holds once the lock is held, so that a double click or a second tab finds the file
    submitted (False: its receipt, nothing changed) instead of failing at the flush."""
    db.session.flush()   # nothing pending is lost by the refresh below
    if db.engine.dialect.name == "sqlite":
        driver = db.session.connection().connection.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")
    else:
        db.session.execute(select(Application.id).where(Application.id == application.id).with_for_update())
    db.session.refresh(application)


def submit(user, application: Application, now: datetime | None = None) -> bool:
    """Submit the draft. True when submitted now, False when it was already submitted (by
    this request's twin as well: the file's row is locked and read again first)."""
    now = now or utcnow()
    _lock_for_submission(application)
    if application.status != "draft":
        if application.submitted_at is not None:
            return False
        raise InvalidTransition("Ce dossier ne peut plus être soumis.")
    campaign = application.campaign
    if not window_open(campaign, now):
        raise InvalidTransition("La période de candidature est close (ou pas encore ouverte) : le dossier ne peut pas être soumis.")
    missing = missing_steps(application)
    if missing:
        raise InvalidTransition("Votre dossier est incomplet.", reasons=[f"Étape à compléter : {m}." for m in missing])
    failed = eligibility.failed(checks_for(application, now=now))
    if failed:
        raise InvalidTransition("Votre dossier ne remplit pas encore toutes les conditions.",
                                reasons=[c.message_fr for c in failed])
    application.reference = _next_reference(campaign)
    application.submitted_at = now
    application.transition_to("submitted", user, "applicant", action="application.submit",
                              after={"reference": application.reference})
    db.session.flush()
    from ..notifications.services import notify
    from .contact import applicant_contact
    notify(
        applicant_contact(application), f"Dossier {application.reference} soumis",
        f"Bonjour {application.full_name},\n\n"
        f"Votre dossier de candidature « {campaign.title} » a bien été soumis le "
        f"{now.strftime('%d/%m/%Y à %H:%M')} (heure de Bamako).\n"
        f"Référence : {application.reference}\n\n"
        "Conservez cette référence. Vous pourrez suivre l'état de votre dossier dans votre espace candidat.\n",
        f"Quota DNFP : votre dossier {application.reference} est bien soumis le {now:%d/%m}.",
        application_id=application.id, reference=application.reference,
        link_path=f"/candidat/dossier/{application.id}")
    from .tasks import after_submission
    after_submission(application.id, getattr(user, "id", None))
    return True


# Once the placements are published, a file with a result may still be withdrawn: its seat,
# or its places on the waiting lists, go to the next candidates.
AFTER_PUBLICATION_PHASES = ("published",)
AFTER_PUBLICATION_STATUSES = ("placed", "accepted", "waiting_list", "not_selected")


def can_withdraw(application: Application) -> bool:
    if application.status not in WITHDRAWABLE_STATUSES:
        return False
    phase = application.campaign.phase
    if application.status in AFTER_PUBLICATION_STATUSES:
        return phase in AFTER_PUBLICATION_PHASES
    return phase in WITHDRAW_PHASES + (("draft",) if application.status == "draft" else ())


def withdraw(user, application: Application, now: datetime | None = None) -> None:
    if application.status == "withdrawn":
        return
    if not can_withdraw(application):
        raise InvalidTransition("Il n'est plus possible de retirer ce dossier : la délibération a commencé.")
    application.transition_to("withdrawn", user, "applicant", action="application.withdraw")
    application.withdrawn_at = now or utcnow()
    application_withdrawn(user, application, application.withdrawn_at)


TIMELINE = (("draft", _l("Brouillon")), ("submitted", _l("Soumis")), ("eligible", _l("Recevabilité")),
            ("evaluated", _l("Évalué par le comité")), ("placed", _l("Affectation")), ("accepted", _l("Réponse")))
_ORDER = {"draft": 0, "submitted": 1, "eligible": 2, "ineligible": 2, "evaluated": 3, "placed": 4,
          "waiting_list": 4, "not_selected": 4, "accepted": 5, "declined": 5, "enrolled": 6}


def _status_dates(application: Application) -> dict[str, datetime]:
    """When the file last reached each status, from its audit trail (every move is recorded)."""
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.after).where(
            AuditEvent.object_type == Application.__tablename__, AuditEvent.object_id == str(application.id))
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    dates: dict[str, datetime] = {}
    for at, after in rows:
        status = after.get("status") if isinstance(after, dict) else None
        if status:
            dates[status] = at
    if application.submitted_at is not None:
        dates["submitted"] = application.submitted_at
    if application.withdrawn_at is not None:
        dates["withdrawn"] = application.withdrawn_at
    return dates


def timeline(application: Application) -> list[dict]:
    """The steps of the file, each done / current / to come, with the date it was reached
    (withdrawn stops the line)."""
    position = _ORDER.get(application.status, 0)
    dates = _status_dates(application)
    reached: dict[int, datetime] = {0: application.created_at} if application.created_at else {}
    for status, at in dates.items():
        if status in _ORDER and _ORDER[status] <= position:
            reached[_ORDER[status]] = at
    steps = []
    for index, (_code, label) in enumerate(TIMELINE):
        state = "done" if index < position else ("current" if index == position else "todo")
        if index == position and application.status != "draft":
            label = application.status_label
        steps.append({"label": label, "state": state, "date": reached.get(index) if state != "todo" else None})
    if application.status == "withdrawn":
        steps = [s for s in steps if s["state"] == "done"] + [
            {"label": application.status_label, "state": "current", "date": dates.get("withdrawn")}]
    return steps


def _when(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y à %H:%M") if moment else ""


def what_next(application: Application, now: datetime | None = None) -> str:
    """What happens next to the file, in a sentence for the applicant (in the page's language; French
    outside a request)."""
    now = now or utcnow()
    campaign = application.campaign
    status = application.status
    if status == "draft":
        closed = closed_message(campaign, now)
        if closed:
            return closed
        return _("Complétez les étapes puis soumettez votre dossier avant le %(d)s (heure de Bamako).",
                 d=_when(campaign.closes_at))
    if status == "placed":
        if campaign.decision_deadline:
            return _("Une place vous est proposée : répondez sur la page « Mon affectation » avant le %(d)s "
                     "(heure de Bamako). Sans réponse, la place est proposée à un autre candidat.",
                     d=_when(campaign.decision_deadline))
        return _("Une place vous est proposée : répondez sur la page « Mon affectation ». Sans réponse, la "
                 "place est proposée à un autre candidat.")
    texts = {
        "submitted": _l("La DNFP examine votre dossier et vos pièces (examen de recevabilité). Vous recevrez "
                        "un courriel quand il sera déclaré recevable ou non ; vous pouvez aussi suivre son "
                        "état ici."),
        "eligible": _l("Votre dossier est recevable. Le comité de sélection va l'évaluer ; les résultats "
                       "seront publiés après sa délibération."),
        "ineligible": _l("Votre dossier n'a pas été déclaré recevable : le motif vous a été envoyé par "
                         "courriel. Pour une erreur, utilisez « Mes données » pour demander une correction."),
        "evaluated": _l("Le comité a évalué votre dossier. Les affectations seront publiées ensuite : vous "
                        "recevrez un courriel."),
        "waiting_list": _l("Vous êtes sur liste d'attente : si une place se libère, elle vous sera proposée "
                           "par courriel. Suivez votre position sur la page « Mon affectation »."),
        "not_selected": _l("Votre dossier n'a pas été retenu cette année."),
        "accepted": _l("Vous avez accepté votre place. L'AMCI et la DNFP vous contacteront pour la bourse, le "
                       "visa et le voyage."),
        "declined": _l("Vous avez renoncé à la place proposée."),
        "enrolled": _l("Votre inscription dans l'établissement est enregistrée."),
        "withdrawn": _l("Vous avez retiré votre dossier : il ne sera pas examiné."),
    }
    return str(texts.get(status, ""))


# --- the receipt (récépissé) ---------------------------------------------------------------

RECEIPT_TEMPLATE = "applications/receipt_pdf.html"
NOT_SUBMITTED = "Ce dossier n'a pas été soumis : il n'a pas de récépissé."


def receipt_title(campaign: Campaign) -> str:
    """The sealed receipt's public title: the campaign's code only, never a name."""
    return f"Récépissé de dépôt de candidature — campagne {campaign.code}"


def receipt_of(application: Application) -> SealedDocument | None:
    """The file's sealed receipt still in force, if one was issued."""
    if application.receipt_document_id is None:
        return None
    document = db.session.get(SealedDocument, application.receipt_document_id)
    return None if document is None or document.is_revoked else document


def receipt_data(application: Application) -> dict:
    """What the receipt prints: the issuer is the template's (DNFP)."""
    campaign = application.campaign
    return {
        "reference": application.reference,
        "campaign": {"code": campaign.code, "title": campaign.title, "year": campaign.year},
        "applicant": {"last_name": application.last_name, "first_names": application.first_names,
                      "birth_date": application.birth_date, "birth_place": application.birth_place,
                      "nina": application.nina, "passport_number": application.passport_number,
                      "nationality": application.nationality},
        "nationality_name": country_name(application.nationality, "fr"),
        "submitted_at": application.submitted_at,
        "choices": [{"rank": c.rank, "offer": c.offer.code, "label": offer_label(c.offer)} for c in application.choices],
        "documents": sorted(({"type": d.document_type.code, "name": d.document_type.name,
                              "file": d.original_name, "size": filetypes.format_size(d.size_bytes),
                              "sha256": d.sha256, "received_at": d.uploaded_at} for d in application.documents),
                            key=lambda d: d["type"]),
    }


def _canonical_receipt(data: dict) -> dict:
    """What the receipt's content hash vouches for (dates as ISO text)."""
    return {
        "reference": data["reference"], "campaign": data["campaign"]["code"],
        "applicant": {k: _iso(v) for k, v in data["applicant"].items()},
        "submitted_at": _iso(data["submitted_at"]),
        "choices": [{"rank": c["rank"], "offer": c["offer"]} for c in data["choices"]],
        "documents": [{"type": d["type"], "sha256": d["sha256"]} for d in data["documents"]],
    }


def issue_receipt(actor, application: Application, now: datetime | None = None) -> SealedDocument:
    """The file's sealed receipt: issued once (at submission, or on the first download of a file
    submitted before receipts were sealed), then the same document. The caller commits."""
    if application.submitted_at is None or not application.reference:
        raise InvalidTransition(NOT_SUBMITTED)
    existing = receipt_of(application)
    if existing is not None:
        return existing
    data = receipt_data(application)
    document, _pdf = seal("receipt", application.reference, receipt_title(application.campaign),
                          _canonical_receipt(data),
                          lambda s: render_pdf(RECEIPT_TEMPLATE, seal=s, receipt=data),
                          created_by=actor, sealed_at=now)
    application.receipt_document_id = document.id
    db.session.flush()
    return document


# --- personal data ------------------------------------------------------------------------

def _iso(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def personal_data(user) -> dict:
    """Everything held about the user, as plain JSON data."""
    from ..auth.models import Consent
    consents = db.session.scalars(select(Consent).where(Consent.user_id == user.id)).all()
    apps = []
    for a in user_applications(user):
        fields = ("reference", "status", "last_name", "first_names", "sex", "birth_date", "birth_place",
                  "nationality", "nina", "passport_number", "passport_expiry", "phone", "email", "address",
                  "diploma_year", "diploma_average", "school", "motivation", "submitted_at", "withdrawn_at",
                  "correction_request", "created_at")
        item = {f: _iso(getattr(a, f, None)) for f in fields}
        item["campaign"] = a.campaign.title
        item["region"] = a.region.name if a.region else None
        item["diploma"] = a.diploma.name if a.diploma else None
        item["series"] = a.series.code if a.series else None
        item["choices"] = [{"rank": c.rank, "offer": offer_label(c.offer)} for c in a.choices]
        item["documents"] = [{"type": d.document_type.name, "original_name": d.original_name,
                              "content_type": d.content_type, "size_bytes": d.size_bytes,
                              "sha256": d.sha256, "uploaded_at": _iso(d.uploaded_at)} for d in a.documents]
        apps.append(item)
    return {
        "account": {"email": user.email, "phone": getattr(user, "phone", None),
                    "contact_preference": getattr(user, "contact_preference", None),
                    "full_name": user.full_name, "role": user.role,
                    "created_at": _iso(getattr(user, "created_at", None))},
        "consents": [{"version": c.text_version, "given_at": _iso(c.given_at)} for c in consents],
        "applications": apps,
    }


def request_correction(user, application: Application, text: str) -> None:
    text = (text or "").strip() if isinstance(text, str) else ""
    if len(text) < 10:
        raise ValidationFailed(errors={"text": "Décrivez la correction demandée (10 caractères au moins)."})
    if len(text) > 2000:
        raise ValidationFailed(errors={"text": "2000 caractères au maximum."})
    before = application.correction_request
    application.correction_request = text
    record(user, "application.correction_request", application, before={"correction_request": before},
           after={"correction_request": text})


