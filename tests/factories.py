"""Test factories: a user, an applicant, a campaign in any phase, an application in any status,
each in one line and each reached the way a person would get there, through the services
(and, for the moves that have no service yet, through `Application.transition_to` with the
actor kind the status table names). Nothing here writes a status or a phase column.

    from factories import make_application, make_campaign
    application = make_application("eligible")          # in a fresh open campaign
    campaign = make_campaign("review")                  # alias: make_campaign("committee")
    make_application("declined", campaign=campaign_open)

They need an application context (the `db` fixture) and create the reference data when it is
missing. Each call commits, like the helpers it replaces; the objects returned belong to the
current session.

Extending: a new application status is one entry in ROUTE (the status it comes from) and one
step function in STEPS; a new campaign stage is one entry in PHASE_STEPS. The committee and
placement issues replace the stand-ins marked "stand-in" (rows written directly, because no
service exists yet) with their services; make_committee / assign come from the committee's.
"""
import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, has_app_context

NOW = datetime(2026, 6, 1, 12, 0)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Motdepasse-solide-2026"
MOTIVATION = "Je veux apprendre un métier au Maroc puis revenir travailler au Mali, dans ma région. " * 2

_numbers = itertools.count(1)


def _db():
    if not has_app_context():
        raise RuntimeError("Les fabriques de test ont besoin d'un contexte d'application (fixture `db`).")
    from quota_app.extensions import db
    return db


def ensure_reference() -> None:
    """The seeded reference data (levels, diplomas, programmes...), created once per test."""
    from quota_app.reference.models import Level
    from quota_app.seed.reference import seed_reference

    db = _db()
    if db.session.query(Level.id).first() is None:
        seed_reference()
        db.session.commit()


def first(model, **filters):
    db = _db()
    return db.session.execute(db.select(model).filter_by(**filters).order_by(model.id)).scalars().first()


# --- people --------------------------------------------------------------------------------

def make_user(role: str = "manager", *, email: str | None = None, password: str = PASSWORD,
              full_name: str | None = None, active: bool = True):
    """A committed User of that role (its session token set, so that a client may log in)."""
    from quota_app.auth.models import User
    from quota_app.auth.passwords import hash_password
    from quota_app.auth.session import new_session_token

    db = _db()
    n = next(_numbers)
    user = User(email=email or f"{role}.{n}@fabrique.ml", password_hash=hash_password(password), role=role,
                full_name=full_name or f"{role.capitalize()} {n}", session_token=new_session_token(),
                is_active_account=active)
    db.session.add(user)
    db.session.commit()
    return user


def make_applicant(user=None, **user_fields):
    """An Applicant with its account (a new applicant user unless one is given)."""
    from quota_app.applications import services

    user = user or make_user("applicant", **user_fields)
    applicant = services.applicant_of(user)
    _db().session.commit()
    return applicant


# --- campaigns -----------------------------------------------------------------------------

def campaign_data(**overrides) -> dict:
    """The fields of create_campaign, valid, with NOW-based dates."""
    values = dict(
        title="Quota annuel 2026-2027", code="QUOTA-2026", year=2026, kind="quota",
        reference_date=date(2026, 9, 1), opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=30),
        announced_quota=10, reviewers_per_file=2, score_gap_threshold=Decimal("4"), blind_review=False,
        normalise_scores=False, decision_deadline=NOW + timedelta(days=60),
    )
    values.update(overrides)
    return values


def _free_year(overrides: dict) -> dict:
    """Without a code or a year, the first year from 2026 that no campaign uses yet: its code,
    title and references (MLI-<year>-000001) cannot clash with another factory campaign's."""
    if "code" in overrides or "year" in overrides:
        return overrides
    from quota_app.campaigns.models import Campaign

    db = _db()
    used_years = set(db.session.scalars(db.select(Campaign.year)))
    used_codes = set(db.session.scalars(db.select(Campaign.code)))
    year = 2026
    while year in used_years or f"QUOTA-{year}" in used_codes:
        year += 1
    values = dict(code=f"QUOTA-{year}", year=year, title=f"Quota annuel {year}-{year + 1}")
    values.update(overrides)
    return values


def make_open_campaign(code: str = "Q2026", title: str = "Quota 2026-2027", *, programmes=("TS-DD",),
                       documents=(), establishment: str = "ISTA-CASA", year: int = 2026):
    """An open campaign whose window is around the real clock (for pages, whose views read
    utcnow): one offer per programme code at `establishment` (5, 6, 7… seats), the `documents`
    (type codes) required. Committed; the Campaign."""
    from quota_app.campaigns.models import Campaign, CampaignDocument, Offer
    from quota_app.reference.models import DocumentType, Establishment, Programme
    from quota_app.timeutil import utcnow

    db = _db()
    now = utcnow()
    campaign = Campaign(code=code, title=title, year=year, phase="open", reference_date=date(now.year, 9, 1),
                        opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=20), reference_prefix="MLI")
    db.session.add(campaign)
    db.session.flush()
    place = db.session.query(Establishment).filter_by(code=establishment).one()
    for index, programme_code in enumerate(programmes):
        programme = db.session.query(Programme).filter_by(code=programme_code).one()
        db.session.add(Offer(campaign_id=campaign.id, programme_id=programme.id, establishment_id=place.id,
                             code=f"{programme_code}-{establishment.split('-')[-1]}", seats=5 + index))
    for document_code in documents:
        document_type = db.session.query(DocumentType).filter_by(code=document_code).one()
        db.session.add(CampaignDocument(campaign_id=campaign.id, document_type_id=document_type.id, required=True))
    db.session.commit()
    return campaign


def make_draft_campaign(actor=None, **overrides):
    """A bare draft campaign (no offers, criteria or documents yet)."""
    from quota_app.campaigns import services

    campaign = services.create_campaign(actor, campaign_data(**_free_year(overrides)))
    _db().session.commit()
    return campaign


def make_ready_campaign(actor=None, seats: int = 10, **overrides):
    """A draft campaign that may open: one offer with all the seats, criteria, documents."""
    from quota_app.campaigns import services
    from quota_app.reference.models import DocumentType, Establishment, Programme

    ensure_reference()
    campaign = make_draft_campaign(actor, announced_quota=seats, **overrides)
    services.add_offer(actor, campaign, {"programme_id": first(Programme).id,
                                         "establishment_id": first(Establishment).id,
                                         "code": "", "seats": seats, "reserved_seats": min(2, seats)})
    services.set_criteria(actor, campaign, [
        services.CriterionInput("dossier", "Dossier scolaire", Decimal("40"), Decimal("20"), "diploma_average"),
        services.CriterionInput("motivation", "Motivation", Decimal("60"), Decimal("20")),
    ])
    services.set_required_documents(actor, campaign, [first(DocumentType).id])
    _db().session.commit()
    return campaign


PHASE_ALIASES = {"committee": "review"}


def _phase_moment(campaign, target: str) -> datetime:
    """When the factory moves the campaign: at opening, then from the closing date on."""
    return campaign.opens_at if target == "open" else campaign.closes_at


def _committee(campaign):
    """The committee a campaign needs for « Évaluation » (committee/services.py): a chair and a
    member, who have not yet signed the statement nor declared their conflicts."""
    return make_committee(campaign, members=2, name="Comité de sélection", ready=False)


def _campaign_committee(campaign):
    from quota_app.committee.models import Committee
    return first(Committee, campaign_id=campaign.id)


def _chair(committee):
    from quota_app.auth.models import User
    from quota_app.committee.models import CommitteeMember
    member = first(CommitteeMember, committee_id=committee.id, role="chair")
    return member, _db().session.get(User, member.user_id)


def _files(campaign, status: str) -> list:
    from quota_app.applications.models import Application

    db = _db()
    return list(db.session.scalars(db.select(Application).where(
        Application.campaign_id == campaign.id, Application.status == status).order_by(Application.id)))


def _before_review(campaign, actor) -> None:
    if _campaign_committee(campaign) is None:
        _committee(campaign)


def _before_deliberation(campaign, actor) -> None:
    """Every eligible file assigned to its N reviewers (committee/services.assign_files, members
    added while the committee has fewer than N, each made ready), then every review submitted
    with the same total (stand-in until a factory scores through committee/reviewing.py)."""
    from quota_app.committee.models import CommitteeMember, ReviewAssignment

    db = _db()
    committee = _campaign_committee(campaign)
    members = list(db.session.scalars(db.select(CommitteeMember).filter_by(committee_id=committee.id, active=True)))
    while len(members) < campaign.reviewers_per_file:
        members.append(add_committee_member(committee))
    for member in members:
        make_ready(member)
    if _files(campaign, "eligible"):
        assign(campaign, actor)
    for assignment in db.session.scalars(db.select(ReviewAssignment).join(CommitteeMember).where(
            CommitteeMember.committee_id == committee.id, ReviewAssignment.status == "pending")):
        assignment.status, assignment.weighted_total = "submitted", Decimal("12.5")
        assignment.submitted_at = campaign.closes_at
    db.session.flush()


def _before_publication(campaign, actor) -> None:
    """The chair validates the deliberation (stand-in rows until a factory deliberates through
    committee/deliberating.py), which makes every eligible file evaluated (through the status
    machine) with its final score; the publication itself is the real one (placement/publication.py,
    the phase's action)."""
    from quota_app.committee.models import Deliberation, EvaluationResult

    db = _db()
    committee = _campaign_committee(campaign)
    _member, chair = _chair(committee)
    db.session.add(Deliberation(committee_id=committee.id, status="validated", validated_by_id=chair.id,
                                validated_at=campaign.closes_at, held_on=campaign.closes_at))
    for rank, application in enumerate(_files(campaign, "eligible"), 1):
        evaluate(application, chair)
        db.session.add(EvaluationResult(application_id=application.id, campaign_id=campaign.id,
                                        committee_id=committee.id, mean_score=Decimal("12.5"),
                                        final_score=Decimal("12.5"), rank=rank))
    db.session.flush()


# target phase -> (what happens before the move, what happens after it)
PHASE_STEPS = {
    "review": (_before_review, None),
    "deliberation": (_before_deliberation, None),
    "published": (_before_publication, None),
}


def make_campaign(phase: str = "draft", *, actor=None, seats: int = 10, files=None, **overrides):
    """A campaign in `phase` (a code of campaigns.phases.PHASES, or "committee" for "review"),
    walked there through campaigns.services.transition, each guard satisfied the way a manager
    would: a draft is bare; from "open" on it has one offer of `seats` seats, criteria and a
    document. `files` are the statuses of the applications made while it is open (default: one
    eligible file from "review" on, which that phase requires); later stages move them on
    (eligible files are evaluated at publication, then placed or waiting).
    Dates: opened at opens_at, moved on at closes_at (campaign_data's NOW-based window)."""
    from quota_app.campaigns import phases, services

    phase = PHASE_ALIASES.get(phase, phase)
    if phase not in phases.PHASES:
        raise ValueError(f"Phase inconnue : {phase!r} (phases : {', '.join(phases.PHASES)}).")
    if phase == "draft":
        return make_draft_campaign(actor, **overrides)
    campaign = make_ready_campaign(actor, seats=seats, **overrides)
    target_index = phases.PHASES.index(phase)
    if files is None:
        files = ("eligible",) if target_index >= phases.PHASES.index("review") else ()
    db = _db()
    for target in phases.PHASES[1:target_index + 1]:
        before, after = PHASE_STEPS.get(target, (None, None))
        if before:
            before(campaign, actor)
        services.transition(campaign, target, actor, _phase_moment(campaign, target))
        if after:
            after(campaign, actor)
        db.session.commit()
        if target == "open":
            for status in files:
                make_application(status, campaign=campaign)
    return campaign


# --- committees ----------------------------------------------------------------------------

def make_committee(campaign, members: int = 3, chair: bool = True, *, name: str | None = None, sector=None,
                   ready: bool = True, actor=None, scoring_deadline: datetime | None = None):
    """A committee of `campaign` (committee/services.py), for the whole campaign or for `sector`,
    with `members` new committee accounts, the first its chair when `chair`; `ready`: each has
    signed the statement and declared their conflicts (committee/reviewing.py). Committed."""
    from quota_app.committee import services

    committee = services.create_committee(actor, campaign, name or f"Comité {next(_numbers)}",
                                          sector.id if sector is not None else None, scoring_deadline)
    for index in range(members):
        add_committee_member(committee, chair=chair and index == 0, ready=ready, actor=actor)
    _db().session.commit()
    return committee


def add_committee_member(committee, user=None, *, chair: bool = False, ready: bool = False, actor=None):
    """A new member (a new committee account unless `user` is given), ready if asked."""
    from quota_app.committee import services

    member = services.add_member(actor, committee, user or make_user("committee"), chair=chair)
    if ready:
        make_ready(member)
    _db().session.flush()
    return member


def make_ready(member, now: datetime | None = None):
    """The member signs the statement and finishes the declaration of conflicts, through the
    members' services (committee/reviewing.py)."""
    from quota_app.auth.models import User
    from quota_app.committee import reviewing

    user = _db().session.get(User, member.user_id)
    reviewing.sign_statement(user, member.committee_id, now=now or NOW)
    reviewing.finish_declaration(user, member.committee_id, now=now or NOW)
    return member


def committee_members(committee, active: bool | None = True) -> list:
    """The committee's members by id (the chair first when made first)."""
    from quota_app.committee.models import CommitteeMember

    db = _db()
    stmt = db.select(CommitteeMember).filter_by(committee_id=committee.id).order_by(CommitteeMember.id)
    if active is not None:
        stmt = stmt.filter_by(active=active)
    return list(db.session.scalars(stmt))


def assign(campaign, actor=None):
    """« Attribuer les dossiers » (committee/services.assign_files), flushed, not committed."""
    from quota_app.committee import services

    run = services.assign_files(actor, campaign)
    _db().session.flush()
    return run


# --- applications --------------------------------------------------------------------------

def applying_moment(campaign) -> datetime:
    """A moment inside the campaign's application window, where the applicant acts."""
    return campaign.opens_at + min(timedelta(hours=1), (campaign.closes_at - campaign.opens_at) / 2)


def identity(n: int | None = None, **overrides) -> dict:
    """Valid identity step data, unique per call (NINA), as the applicant types it."""
    n = next(_numbers) if n is None else n
    values = {"last_name": "Traoré", "first_names": f"Awa {n}", "sex": "F", "birth_date": "2005-03-14",
              "birth_place": "Bamako", "nina": f"1205{n % 10 ** 7:07d}001A", "passport_number": "",
              "passport_expiry": ""}
    values.update(overrides)
    return values


def fill(application, user, identity_data: dict | None = None) -> None:
    """Every step of the draft, valid, through the applicant's services."""
    from quota_app.applications import services
    from quota_app.reference.models import Diploma, Region, Series

    db = _db()
    services.save_identity(user, application, identity_data or identity())
    services.save_contact(user, application, {"phone": "76 12 34 56", "address": "Rue 12, Bamako",
                                              "region_id": str(first(Region, code="00").id)})
    services.save_schooling(user, application, {
        "diploma_id": str(first(Diploma, code="BAC").id), "series_id": str(first(Series, code="TSE").id),
        "diploma_year": "2024", "diploma_average": "13,5"})
    offers = services.allowed_offers(application)
    services.save_choices(user, application, [o.id for o in offers[:2]])
    services.save_motivation(user, application, {"motivation": MOTIVATION})
    for doc_type, required in services.campaign_document_types(application.campaign):
        if not required:
            continue
        pdf = "application/pdf" in doc_type.accepted_types
        services.upload_document(user, application, doc_type.id, PDF_BYTES if pdf else png_bytes(),
                                 "piece.pdf" if pdf else "photo.png", current_app.config["UPLOAD_DIR"],
                                 current_app.config["MAX_UPLOAD_BYTES"])
    db.session.flush()


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image
    out = BytesIO()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def _user_of(applicant):
    from quota_app.auth.models import User
    return _db().session.get(User, applicant.user_id)


def _owner(application):
    return _user_of(application.applicant)


def _submit(application, ctx) -> None:
    from quota_app.applications import services
    services.submit(_owner(application), application, now=applying_moment(application.campaign))


def _withdraw(application, ctx) -> None:
    from quota_app.applications import services
    services.withdraw(_owner(application), application, now=applying_moment(application.campaign))


def _screen(decision: str):
    def step(application, ctx) -> None:
        from quota_app.reference.models import IneligibilityReason
        from quota_app.screening import services

        manager = ctx.get("manager") or make_user("manager")
        reason = first(IneligibilityReason, code="DOCS_INVALID") if decision == "ineligible" else None
        services.decide(application.id, application.version, decision, manager,
                        reason_id=reason.id if reason else None,
                        comment="Pièce illisible." if reason else "")
    return step


def evaluate(application, chair=None) -> None:
    """Stand-in until the deliberation service: the chair's validation evaluates the file."""
    application.transition_to("evaluated", chair or make_user("committee"), "chair",
                              action="committee.deliberation.validate",
                              reason="Délibération validée (fabrique de test)")


def allocate(application, status: str) -> None:
    """Stand-in until placement/services.py: the allocation's verdict on one file."""
    application.transition_to(status, None, "system", action="placement.allocate")


def _allocation_round(campaign):
    """Stand-in until placement/services.py: the campaign's published initial round."""
    from quota_app.placement.models import AllocationRound

    db = _db()
    round_ = first(AllocationRound, campaign_id=campaign.id, kind="initial")
    if round_ is None:
        round_ = AllocationRound(campaign_id=campaign.id, number=1, kind="initial", published_at=campaign.closes_at)
        db.session.add(round_)
        db.session.flush()
    return round_


def _placements(offer) -> list:
    from quota_app.placement.models import Placement
    db = _db()
    return list(db.session.scalars(db.select(Placement).where(
        Placement.offer_id == offer.id, Placement.status.in_(("offered", "accepted")))))


def place(application, round_=None, deadline: datetime | None = None):
    """Stand-in for a file of a campaign that stays open (make_application("placed")): the file
    is placed on its first choice, on the next free numbered seat, and offered it (a Placement
    waiting for the applicant's answer). A published campaign's files are placed by the real
    publication (make_campaign("published", files=...))."""
    from quota_app.placement.models import Placement

    db = _db()
    round_ = round_ or _allocation_round(application.campaign)
    choice = application.choices[0]
    allocate(application, "placed")
    numbers = {p.seat_number for p in _placements(db.session.get(type(choice.offer), choice.offer_id))
               if p.seat_kind == "open"}
    placement = Placement(application_id=application.id, offer_id=choice.offer_id, round_id=round_.id,
                          choice_rank=choice.rank, status="offered", deadline=deadline,
                          seat_number=next(n for n in itertools.count(1) if n not in numbers))
    db.session.add(placement)
    db.session.flush()
    return placement


def live_placement(application):
    from quota_app.placement import services
    return services.live_placement(application)


def _answer(answer: str):
    def step(application, ctx) -> None:
        from quota_app.placement import services
        placement = live_placement(application)
        if application.campaign.phase in services.ANSWER_PHASES:
            services.answer(_owner(application), placement, answer, now=application.campaign.closes_at)
            return
        # Stand-in for a file of a campaign that stays open: the answer as the service records it.
        status = services.ANSWERS[answer]
        application.transition_to(status, _owner(application), "applicant", action=f"placement.{answer}",
                                  subject=placement)
        placement.status = status
        placement.decided_at = application.campaign.closes_at
    return step


def _enrol(application, ctx) -> None:
    application.transition_to("enrolled", ctx.get("amci") or make_user("amci"), "amci",
                              action="amci.enrolment", reason="Inscription confirmée (fabrique de test)")


def _amci_move(target: str, action: str, reason: str):
    """The AMCI's answer on an accepted (or enrolled) file, by the status machine."""
    def step(application, ctx) -> None:
        application.transition_to(target, ctx.get("amci") or make_user("amci"), "amci", action=action,
                                  reason=reason)
    return step


# status -> the status it is reached from (draft is the creation)
ROUTE = {
    "submitted": "draft", "withdrawn": "submitted", "eligible": "submitted", "ineligible": "submitted",
    "evaluated": "eligible", "placed": "evaluated", "waiting_list": "evaluated", "not_selected": "evaluated",
    "accepted": "placed", "declined": "placed", "enrolled": "accepted",
    "amci_refused": "accepted", "not_departed": "accepted", "abandoned": "enrolled",
}
# status -> step(application, ctx) that moves a file there from ROUTE[status]
STEPS = {
    "submitted": _submit,
    "withdrawn": _withdraw,
    "eligible": _screen("eligible"),
    "ineligible": _screen("ineligible"),
    "evaluated": lambda application, ctx: evaluate(application, ctx.get("chair")),
    "placed": lambda application, ctx: place(application),
    "waiting_list": lambda application, ctx: allocate(application, "waiting_list"),
    "not_selected": lambda application, ctx: allocate(application, "not_selected"),
    "accepted": _answer("accept"),
    "declined": _answer("decline"),
    "enrolled": _enrol,
    "amci_refused": _amci_move("amci_refused", "amci.refuse", "Refus de la commission mixte (fabrique de test)"),
    "not_departed": _amci_move("not_departed", "amci.visa_refused", "Visa refusé (fabrique de test)"),
    "abandoned": _amci_move("abandoned", "amci.abandon", "Abandon (fabrique de test)"),
}


def route(status: str) -> list[str]:
    """The statuses a factory file goes through to `status`, from the draft."""
    if status != "draft" and status not in ROUTE:
        raise ValueError(f"Aucun chemin de fabrique vers le statut {status!r}.")
    path = [status]
    while path[-1] != "draft":
        path.append(ROUTE[path[-1]])
    return path[::-1]


def make_application(status: str = "draft", *, campaign=None, applicant=None, identity_data: dict | None = None,
                     filled: bool = True, manager=None, chair=None, amci=None):
    """An application in `status`, reached through the services from a draft: filled, submitted,
    screened, then evaluated, allocated, answered, enrolled. `campaign` must be open (default:
    a new one, make_campaign("open")); it stays in its phase — make_campaign(phase, files=...)
    gives a campaign whose stages match its files. `filled=False` leaves an empty draft. The
    staff who act are made on the way unless given."""
    from quota_app.applications import services

    path = route(status)
    campaign = campaign or make_campaign("open")
    applicant = applicant or make_applicant()
    user = _user_of(applicant)
    application, _created = services.start_application(user, campaign, now=applying_moment(campaign))
    if filled or len(path) > 1:
        fill(application, user, identity_data)
    ctx = {"manager": manager, "chair": chair, "amci": amci}
    for step in path[1:]:
        STEPS[step](application, ctx)
        _db().session.flush()
    _db().session.commit()
    return application
