"""The demonstration year: campaigns at every stage, run through the same services a user
triggers (the demo is also a test of them), so that every demonstration account lands on a page
with real work.

`seed_year(report, today)` builds, each guarded by its campaign's code (a campaign that exists is kept,
never built twice; everything of one run is one transaction, committed by the caller):

* last year's youth campaign, DEMO-<year-1>, run to the end with dates of that year: opened,
  files filled and submitted by their applicants, screened, scored by the committee and
  deliberated (the PV sealed), placements published (their PV sealed), answered (declines,
  a silence that expires, waiting-list promotions that are accepted), nominated, sent to the AMCI
  on a transmittal slip, the returned list reconciled (one re-orientation, one refusal whose seat
  goes to the next on the waiting list, who accepts and goes on a supplementary slip),
  scholarships and follow-up, enrolment, one abandonment; then closed;
* this year's complementary youth call, DEMO-<year>-C, published, run the same way up to the
  AMCI's answer: its trainees leave for Morocco in three weeks (visas still awaited and arrivals
  not recorded raise the AMCI's alerts); a trainee who gave the seat up was replaced from the
  waiting list, on a supplementary slip sent to the embassy and not received yet; a visa refused
  two days ago freed a seat, now offered to candidat@demo.ml, first on its waiting list, to answer
  within ten days;
* this year's capacity-building call for trainers, RC-<year>-FORM, in « Évaluation par le
  comité »: files assigned to the demo member and the demo chair, conflicts declared, some scores in;
* this year's capacity-building call for training managers, RC-<year>-GEST, in « Délibération »:
  every review submitted, the session recorded: the demo chair has the deliberation to validate.

(This year's youth call open for applications, DEMO-<year>, is seed/demo.py's.)

Dates: last year's are fixed dates of that year (always in the past); this year's are counted
back from `today`, so that deadlines, phases and alerts fall right whatever the day of the run.
Every service is given its `now`, and the journal's events are dated at the moment of the act
they record (the demo's calendar, `demo_clock`), not at the moment of the run: the timeline an
applicant reads and the audit journal tell the same year as the phases and the deadlines.
"""
from __future__ import annotations

import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from flask import current_app
from sqlalchemy import event, func, select

from ..amci import effects, nominations, reconcile_service, slips
from ..amci.models import FollowUp, Nomination, Transmittal
from ..applications import services as applying
from ..applications.models import Applicant, Application
from ..audit.models import AuditEvent
from ..audit.services import record
from ..auth.models import Consent, User
from ..auth.passwords import hash_password
from ..auth.session import new_session_token
from ..campaigns import services as campaigns
from ..campaigns.models import Campaign, Offer, campaign_series
from ..committee import deliberating, reviewing
from ..committee import services as committees
from ..committee.models import CommitteeMember, ReviewAssignment
from ..extensions import db
from ..placement import cascade
from ..placement import pv as placement_pv
from ..placement import services as placing
from ..placement.models import Placement, WaitingListEntry
from ..reference.models import IneligibilityReason
from ..screening import services as screening
from . import people
from .demo import DEMO_CRITERIA, DEMO_OFFERS, SeedReport, demo_campaign_code


YOUTH_DOCUMENTS = ("PHOTO", "BIRTH", "DIPLOMA", "TRANSCRIPT", "PASSPORT", "MEDICAL")
CAPACITY_DOCUMENTS = ("PHOTO", "CV", "PASSPORT", "EMPLOYER_LETTER")
YOUTH_LEVELS = ("S", "Q", "T", "TS")
ALLOWED_SERIES = ("TSE", "TSEXP", "STI", "STG")
CAPACITY_CRITERIA = [
    ("EXPERIENCE", "Expérience professionnelle", Decimal("40"), Decimal("20"), None),
    ("PROJET", "Projet pédagogique et plan de restitution", Decimal("30"), Decimal("20"), None),
    ("ENTRETIEN", "Entretien", Decimal("30"), Decimal("20"), None),
]
STIPEND_MINOR = 75_000  # 750 MAD a month, the last public figure, in centimes
DNFP = "Bamako, DNFP (salle de réunion)"
# The committee's other members (the demo member and the demo chair sit with them).
REVIEWERS = [("ibrahim.maiga@comite.demo.ml", "Ibrahim Maïga"), ("mariam.toure@comite.demo.ml", "Mariam Touré")]

# This year's complementary call: the offer whose seat freed by a visa refusal goes to
# candidat@demo.ml, first on its waiting list.
COMPLEMENTARY_OFFERS = [
    ("TS-DD", "ISTA-RABAT", 2, 0),
    ("TS-IA", "ISTA-CASA", 4, 2),
    ("T-MI", "ISTA-FES", 3, 1),
    ("TS-AGRO", "ITSA-MEKNES", 3, 1),
]
TRAINERS_OFFERS = [("RC-FF", "ISTA-CASA", 4, 0), ("RC-ELEC", "ISTA-TANGER", 3, 0), ("RC-NUM", "ISTA-CASA", 3, 0)]
MANAGERS_OFFERS = [("RC-GEF", "ISTA-RABAT", 3, 0), ("RC-IF", "ISTA-CASA", 3, 0)]


def last_year_code(today: date) -> str:
    return demo_campaign_code(today.year - 1)


def complementary_code(today: date) -> str:
    return f"DEMO-{today.year}-C"


def trainers_code(today: date) -> str:
    return f"RC-{today.year}-FORM"


def managers_code(today: date) -> str:
    return f"RC-{today.year}-GEST"


def year_codes(today: date) -> dict[str, str]:
    return {"last_year": last_year_code(today), "complementary": complementary_code(today),
            "trainers": trainers_code(today), "managers": managers_code(today)}


# --- the demo's calendar ------------------------------------------------------------------------

class _Clock:
    moment: datetime | None = None


CLOCK = _Clock()


def _tick(moment: datetime) -> datetime:
    """The moment of the next acts: their audit events are dated then."""
    CLOCK.moment = moment.replace(microsecond=0)
    return moment


def _date_event(target, _args, _kwargs) -> None:
    if CLOCK.moment is not None:
        target.at = CLOCK.moment


@contextmanager
def demo_clock():
    """While the year is built, each audit event is dated at its act's moment (set by _tick)."""
    event.listen(AuditEvent, "init", _date_event)
    try:
        yield CLOCK
    finally:
        event.remove(AuditEvent, "init", _date_event)
        CLOCK.moment = None


def _move(cast, campaign: Campaign, target: str, when: datetime) -> None:
    """The manager moves the campaign to its next phase (the phase guard decides)."""
    _tick(when)
    campaigns.transition(campaign, target, cast.manager, when)


# --- who acts ---------------------------------------------------------------------------------

@dataclass
class Cast:
    manager: User
    amci: User
    member: User
    chair: User
    candidate: User
    reviewers: list[User]
    unusable_hash: str


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def _account(email: str, role: str, full_name: str, password_hash: str) -> User:
    """An account nobody logs into (its password is a random secret forgotten at once)."""
    user = _user(email)
    if user is None:
        user = User(email=email, password_hash=password_hash, full_name=full_name, role=role,
                    session_token=new_session_token(), is_active_account=True)
        db.session.add(user)
        db.session.flush()
    return user


def _cast(users: dict[str, User]) -> Cast:
    unusable = hash_password(secrets.token_urlsafe(32))
    reviewers = [_account(email, "committee", name, unusable) for email, name in REVIEWERS]
    return Cast(manager=users["gestionnaire@demo.ml"], amci=users["amci@demo.ml"], member=users["membre@demo.ml"],
                chair=users["president@demo.ml"], candidate=users["candidat@demo.ml"], reviewers=reviewers,
                unusable_hash=unusable)


def _applicant_account(cast: Cast, person: people.Person, when: datetime) -> User:
    user = _user(person.email)
    if user is None:
        user = User(email=person.email, password_hash=cast.unusable_hash, full_name=person.full_name,
                    role="applicant", session_token=new_session_token(), is_active_account=True)
        db.session.add(user)
        db.session.flush()
        db.session.add(Consent(user_id=user.id, text_version=current_app.config["CONSENT_VERSION"], given_at=when))
    applying.applicant_of(user)
    return user


def _owner(application: Application) -> User:
    return db.session.get(User, db.session.get(Applicant, application.applicant_id).user_id)


# --- the campaign's settings, through the managers' services ------------------------------------

@dataclass
class Plan:
    """One campaign to build: its settings and the people who apply. `key` (without the year)
    seeds its people and their choices: the demo is the same whatever the year it is loaded."""

    key: str
    code: str
    title: str
    kind: str
    year: int
    description: str
    prefix: str
    reference_date: date
    created_at: datetime
    opens_at: datetime
    closes_at: datetime
    decision_deadline: datetime
    offers: list
    criteria: list
    documents: tuple
    answer_hours: int = 72
    min_experience: int | None = None
    training_starts_on: date | None = None
    scoring_deadline: datetime | None = None


def _create(cast: Cast, ref: dict, plan: Plan) -> Campaign:
    manager = cast.manager
    youth = plan.kind == "quota"
    _tick(plan.created_at)
    campaign = campaigns.create_campaign(manager, dict(
        title=plan.title, code=plan.code, year=plan.year, kind=plan.kind, reference_date=plan.reference_date,
        opens_at=plan.opens_at, closes_at=plan.closes_at, announced_quota=sum(o[2] for o in plan.offers),
        reviewers_per_file=2, score_gap_threshold=Decimal("4"), blind_review=False, normalise_scores=False,
        decision_deadline=plan.decision_deadline, tie_break_rule=None, quorum_percent=None,
        min_experience_years=plan.min_experience))
    # Settings no service writes yet (no form field): the call's text, its references' prefix,
    # the reserved seats' beneficiaries, the start of the training (the AMCI's alerts count from it).
    campaign.description = plan.description
    campaign.reference_prefix = plan.prefix
    campaign.reserved_sex = "F"
    campaign.training_starts_on = plan.training_starts_on
    for programme, establishment, seats, reserved in plan.offers:
        campaigns.add_offer(manager, campaign, {
            "programme_id": ref["programmes"][programme].id,
            "establishment_id": ref["establishments"][establishment].id,
            "code": f"{programme}-{establishment}", "seats": seats, "reserved_seats": reserved})
    campaigns.set_criteria(manager, campaign, [
        campaigns.CriterionInput(code, name, weight, maximum, prefill)
        for code, name, weight, maximum, prefill in plan.criteria])
    campaigns.set_required_documents(manager, campaign, [ref["document_types"][c].id for c in plan.documents])
    if youth:
        campaigns.set_level_rules(manager, campaign, {ref["levels"][c].id: (16, 25) for c in YOUTH_LEVELS})
        db.session.execute(campaign_series.insert(), [
            {"campaign_id": campaign.id, "series_id": ref["series"][c].id} for c in ALLOWED_SERIES])
        db.session.expire(campaign, ["allowed_series"])
    else:
        campaigns.set_level_rules(manager, campaign, {ref["levels"]["RC"].id: (25, 55)})
    campaigns.set_answer_settings(manager, campaign, plan.decision_deadline, plan.answer_hours, now=plan.created_at)
    db.session.flush()
    return campaign


def _offer_ids(campaign: Campaign) -> dict[str, int]:
    return dict(db.session.execute(select(Offer.code, Offer.id).where(Offer.campaign_id == campaign.id)).all())


# --- applying, through the applicant's services -----------------------------------------------

_PNG = None


def _photo() -> bytes:
    global _PNG
    if _PNG is None:
        _PNG = people.png_bytes()
    return _PNG


def _apply(cast: Cast, ref: dict, campaign: Campaign, person: people.Person, choices: list[int],
           when: datetime, *, user: User | None = None, submit: bool = True, subject: str = "") -> Application:
    """The applicant's file, step by step, its documents, then (unless `submit` is False) submitted."""
    _tick(when)
    user = user or _applicant_account(cast, person, when - timedelta(minutes=30))
    application, _created = applying.start_application(user, campaign, now=when)
    today = when.date()
    applying.save_identity(user, application, person.identity_form(), today=today, now=when)
    applying.save_contact(user, application, {"phone": person.phone, "address": person.address,
                                              "region_id": str(ref["regions"][person.region_code].id)}, now=when)
    if campaign.kind == "quota":
        applying.save_schooling(user, application, {
            "diploma_id": str(ref["diplomas"][person.diploma_code].id),
            "series_id": str(ref["series"][person.series_code].id) if person.series_code else "",
            "diploma_year": str(min(person.diploma_year, today.year)), "diploma_average": str(person.diploma_average),
            "school": person.school}, today=today, now=when)
    else:
        employers = sorted(ref["employers"].values(), key=lambda e: e.code)
        applying.save_employment(user, application, {
            "employer_id": str(employers[person.index % len(employers)].id), "job_position": person.job_position,
            "years_experience": str(person.years_experience), "training_subject": subject}, now=when)
    if not submit:
        return application
    applying.save_choices(user, application, choices, now=when)
    applying.save_motivation(user, application, {"motivation": person.motivation}, now=when)
    upload_dir, max_bytes = current_app.config["UPLOAD_DIR"], current_app.config["MAX_UPLOAD_BYTES"]
    for doc_type, need in applying.document_needs(application):
        if not need.needed:
            continue
        pdf = "application/pdf" in doc_type.accepted_types
        applying.upload_document(user, application, doc_type.id, people.PDF_BYTES if pdf else _photo(),
                                 f"{doc_type.code.lower()}.pdf" if pdf else "photo.png", upload_dir, max_bytes,
                                 now=when)
    applying.submit(user, application, now=_tick(when + timedelta(minutes=20)))
    return application


# --- screening, committee, deliberation -------------------------------------------------------

def _screen(cast: Cast, campaign: Campaign, refused: dict[int, tuple[str, str]], when: datetime) -> None:
    """« Examen de recevabilité »: every submitted file decided by the manager; `refused`:
    application id -> (reason code, comment)."""
    _move(cast, campaign, "screening", when)
    reasons = {r.code: r.id for r in db.session.scalars(select(IneligibilityReason))}
    files = db.session.scalars(select(Application).where(
        Application.campaign_id == campaign.id, Application.status == "submitted").order_by(Application.id)).all()
    for index, application in enumerate(files):
        _tick(when + timedelta(hours=1, minutes=6 * index))
        if application.id in refused:
            code, comment = refused[application.id]
            screening.decide(application.id, application.version, "ineligible", cast.manager,
                             reason_id=reasons[code], comment=comment)
        else:
            screening.decide(application.id, application.version, "eligible", cast.manager)


def _committee(cast: Cast, campaign: Campaign, members: list[User], deadline: datetime | None, when: datetime):
    """The selection committee, its chair first in `members`."""
    _tick(when)
    committee = committees.create_committee(cast.manager, campaign, f"Comité de sélection {campaign.code}",
                                            None, deadline)
    for index, user in enumerate(members):
        committees.add_member(cast.manager, committee, user, chair=index == 0)
    return committee


def _ready(committee, members: list[User], conflicts: dict[int, tuple[int, str]], when: datetime) -> None:
    """Each member signs the statement and declares their conflicts of interest; `conflicts`:
    index in `members` -> (application id, reason)."""
    for index, user in enumerate(members):
        reviewing.sign_statement(user, committee.id, now=_tick(when + timedelta(minutes=10 * index)))
        if index in conflicts:
            application_id, reason = conflicts[index]
            reviewing.declare_conflict(user, committee.id, application_id, reason,
                                       now=_tick(when + timedelta(hours=1, minutes=10 * index)))
        reviewing.finish_declaration(user, committee.id, now=_tick(when + timedelta(hours=2, minutes=10 * index)))


def _assignments(committee_id: int, user: User | None = None, status: str = "pending") -> list[ReviewAssignment]:
    query = (select(ReviewAssignment).join(CommitteeMember, CommitteeMember.id == ReviewAssignment.member_id)
             .where(CommitteeMember.committee_id == committee_id, ReviewAssignment.status == status)
             .order_by(ReviewAssignment.id))
    if user is not None:
        query = query.where(CommitteeMember.user_id == user.id)
    return list(db.session.scalars(query))


def _values(campaign: Campaign, application: Application, merit: Decimal, rng: random.Random) -> dict[int, Decimal]:
    """One reviewer's scores, near the file's merit (never far enough apart to call for a third
    review); a criterion prefilled from the diploma's average keeps it."""
    values = {}
    for criterion in sorted(campaign.criteria, key=lambda c: c.position):
        if criterion.prefill_source == "diploma_average" and application.diploma_average is not None:
            value = Decimal(application.diploma_average)
        else:
            value = merit + Decimal(rng.randint(-3, 3)) / 4
        values[criterion.id] = min(Decimal(criterion.max_score), max(Decimal(0), value)).quantize(Decimal("0.01"))
    return values


def _score(campaign: Campaign, committee_id: int, merits: dict[int, Decimal], start: datetime, *,
           only: User | None = None, limit: int | None = None, draft: int = 0) -> int:
    """The reviewers submit their scores (through the members' services), one file after the
    other from `start`; `only`: that reviewer's files; `limit`: how many; `draft`: how many more
    saved as drafts, not submitted. Returns how many were submitted."""
    done = 0
    assignments = _assignments(committee_id, only)
    for index, assignment in enumerate(assignments):
        if limit is not None and index >= limit + draft:
            break
        user = db.session.get(User, db.session.get(CommitteeMember, assignment.member_id).user_id)
        application = db.session.get(Application, assignment.application_id)
        # Seeded without the year: the same demo, whatever the year it is loaded.
        rng = random.Random(f"{campaign.reference_prefix}:{application.reference.rsplit('-', 1)[-1]}:{user.email}")
        values = _values(campaign, application, merits[application.id], rng)
        moment = _tick(start + timedelta(hours=3 * index))
        if limit is not None and index >= limit:
            reviewing.save_draft(user, assignment.id, assignment.version, values,
                                 "Entretien à compléter.", now=moment)
            continue
        reviewing.submit_review(user, assignment.id, assignment.version, values, "", now=moment)
        done += 1
    return done


def _hold_session(cast: Cast, committee, held_on: datetime, now: datetime) -> None:
    deliberating.open_deliberation(cast.chair, committee.id, now=_tick(held_on - timedelta(hours=1)))
    present = [m.id for m in db.session.scalars(select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id, CommitteeMember.active.is_(True)))]
    deliberating.record_session(cast.chair, committee.id, held_on, DNFP, present,
                                "Séance de délibération du comité de sélection.", now=_tick(now))


def _to_deliberation(cast: Cast, campaign: Campaign, committee, merits: dict[int, Decimal], *,
                     review_at: datetime, scores_from: datetime, deliberation_at: datetime,
                     conflicts: dict[int, tuple[int, str]]) -> None:
    """« Évaluation par le comité », every file scored, then « Délibération »."""
    members = [db.session.get(User, m.user_id) for m in db.session.scalars(select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id).order_by(CommitteeMember.id))]
    _move(cast, campaign, "review", review_at)
    _ready(committee, members, conflicts, review_at + timedelta(hours=1))
    committees.assign_files(cast.manager, campaign, now=_tick(review_at + timedelta(hours=4)))
    _score(campaign, committee.id, merits, scores_from)
    _move(cast, campaign, "deliberation", deliberation_at)


# --- placements and answers -------------------------------------------------------------------

def _offered(campaign: Campaign) -> list[Placement]:
    return list(db.session.scalars(
        select(Placement).join(Application, Application.id == Placement.application_id)
        .where(Application.campaign_id == campaign.id, Placement.status == "offered")
        .order_by(Placement.offered_at, Placement.id)))


def _answer(placement: Placement, choice: str, now: datetime) -> None:
    application = db.session.get(Application, placement.application_id)
    placing.answer(_owner(application), placement, choice, now=_tick(now))


def _accept_offers(campaign: Campaign, after: timedelta = timedelta(days=1), keep: set[int] = frozenset()) -> int:
    """Every candidate offered a seat accepts it, a day after the offer (the promotions that
    their answers cause are answered in turn); `keep`: files left to answer later."""
    accepted = 0
    while True:
        pending = [p for p in _offered(campaign) if p.application_id not in keep]
        if not pending:
            return accepted
        for placement in pending:
            db.session.refresh(placement)
            if placement.status == "offered":
                _answer(placement, "accept", placement.offered_at + after)
                accepted += 1


def _round_one(campaign: Campaign, declines: int, silent: int, answers_from: datetime,
               keep: set[int] = frozenset()) -> dict:
    """The answers to round 1: `declines` candidates decline, `silent` ones let the deadline
    pass (their offers expire: silence is a decline), the others accept; the seats freed go
    down the waiting lists, whose candidates accept too."""
    offers = [p for p in _offered(campaign) if p.application_id not in keep]
    # The declines and the silences from the middle of the list: not the best candidates.
    middle = offers[len(offers) // 3:]
    declining = {p.id for p in middle[:declines]}
    quiet = {p.id for p in middle[declines:declines + silent]}
    for index, placement in enumerate(offers):
        if placement.id in quiet:
            continue
        db.session.refresh(placement)
        if placement.status != "offered":
            continue
        when = answers_from + timedelta(hours=5 * index)
        _answer(placement, "decline" if placement.id in declining else "accept", when)
    _accept_offers(campaign, keep=keep | {p.application_id for p in offers if p.id in quiet})
    expired = placing.expire_overdue(now=_tick(campaign.decision_deadline + timedelta(hours=1)),
                                     campaign_id=campaign.id)
    _accept_offers(campaign, keep=keep)
    return {"declined": len(declining), "expired": expired}


# --- AMCI: nominations, slips, the returned list, follow-up -------------------------------------

def _slip(cast: Cast, campaign: Campaign, prepared: datetime, sent: datetime, received: datetime | None,
          notes: str) -> Transmittal:
    slip = slips.prepare_slip(cast.manager, campaign.id, now=_tick(prepared), notes=notes)
    slips.mark_sent(cast.manager, slip, sent.date(), now=_tick(sent))
    if received is not None:
        slips.mark_received(cast.manager, slip, now=_tick(received))
    return slip


def _live_nominations(campaign: Campaign, status: str | None = None) -> list[Nomination]:
    query = select(Nomination).where(Nomination.campaign_id == campaign.id, Nomination.status != "withdrawn")
    if status:
        query = query.where(Nomination.status == status)
    return list(db.session.scalars(query.order_by(Nomination.position, Nomination.id)))


def _waiting(offer_id: int) -> int:
    return db.session.scalar(select(func.count(WaitingListEntry.id)).join(
        Application, Application.id == WaitingListEntry.application_id).where(
        WaitingListEntry.offer_id == offer_id, WaitingListEntry.active.is_(True),
        Application.status == "waiting_list")) or 0


def _returned_list(campaign: Campaign, decisions: dict[int, tuple[str, str, str]]) -> bytes:
    """The list the AMCI sends back, in its own words: one row per nominated candidate;
    `decisions`: nomination id -> (decision, reason, offer code); the others « Retenu »."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Liste retournée"
    sheet.append(["Référence", "Nom", "Prénoms", "Décision de la commission mixte", "Motif", "Code offre"])
    for nomination in _live_nominations(campaign, "proposed"):
        application = db.session.get(Application, nomination.application_id)
        decision, reason, offer = decisions.get(nomination.id, ("Retenu", "", ""))
        sheet.append([application.reference, application.last_name, application.first_names, decision, reason, offer])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _reconcile(cast: Cast, campaign: Campaign, slip: Transmittal | None, data: bytes, filename: str,
               when: datetime):
    """The returned list: its dry run (the AMCI officer imports it), then applied by the manager."""
    dry = reconcile_service.dry_run(cast.amci, campaign.id, data, filename,
                                    transmittal_id=slip.id if slip is not None else None, now=_tick(when))
    return reconcile_service.apply(cast.manager, dry.id, now=_tick(when + timedelta(hours=2)))


def _follow_up(cast: Cast, application: Application, values: dict, comment: str, when: datetime) -> FollowUp:
    """The trainee's scholarship and follow-up as the AMCI reports them, through the follow-up
    service (amci/followup.py: checked, audited with the AMCI's comment); the demo moves the
    file itself, at its own moments (move_file=False)."""
    from ..amci.followup import update_follow_up

    return update_follow_up(cast.amci, application.id, values, _tick(when), reason=comment, move_file=False)


def _scholarship(campaign: Campaign, nomination: Nomination, number: int) -> dict:
    offer = db.session.get(Offer, nomination.final_offer_id or nomination.offer_id)
    return dict(scholarship_granted=True, stipend_minor=STIPEND_MINOR, stipend_currency="MAD",
                duration_months=offer.programme.duration_months, boarding=offer.establishment.has_boarding,
                amci_file_number=f"AMCI-{campaign.code}-{number:04d}", establishment_id=offer.establishment_id)


# --- last year's youth campaign ----------------------------------------------------------------

def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _trainees(campaign: Campaign) -> list[Nomination]:
    return [n for n in _live_nominations(campaign) if n.status in ("confirmed", "reoriented")]


def build_last_year(cast: Cast, ref: dict, today: date, report: SeedReport) -> Campaign:
    year = today.year - 1
    plan = Plan(
        key="last_year", code=last_year_code(today), title=f"Quota annuel de jeunes {year}-{year + 1} (démonstration)",
        kind="quota", year=year, prefix="MLI",
        description=("Campagne de démonstration de l'année passée, menée jusqu'au bout : formation professionnelle "
                     "au Maroc (OFPPT) avec une bourse de l'AMCI."),
        reference_date=date(year, 9, 1), created_at=_at(date(year, 1, 10)), opens_at=_at(date(year, 2, 1), 8),
        closes_at=_at(date(year, 3, 31), 23, 59), decision_deadline=_at(date(year, 6, 20), 23, 59),
        offers=DEMO_OFFERS, criteria=DEMO_CRITERIA, documents=YOUTH_DOCUMENTS, answer_hours=120,
        training_starts_on=date(year, 10, 1), scoring_deadline=_at(date(year, 5, 10), 18))
    campaign = _create(cast, ref, plan)
    _move(cast, campaign, "open", plan.opens_at)
    offers = _offer_ids(campaign)
    codes = [f"{p}-{e}" for p, e, _s, _r in DEMO_OFFERS]
    weights = [s for _p, _e, s, _r in DEMO_OFFERS]
    rng = random.Random(f"quota-demo-year:{plan.key}:choices")
    merits: dict[int, Decimal] = {}
    files: list[Application] = []
    count = 76
    committee = None
    for index in range(count):
        person = people.young_person(plan.key, 1, index, plan.reference_date)
        wanted = []
        while len(wanted) < rng.choice((1, 2, 3, 3)):
            code = rng.choices(codes, weights=weights)[0]
            if code not in wanted:
                wanted.append(code)
        when = plan.opens_at + timedelta(days=1 + index * 57 // count, hours=rng.randint(0, 9))
        if committee is None and when >= _at(date(year, 3, 1)):
            committee = _committee(cast, campaign, [cast.chair, cast.member, *cast.reviewers],
                                   plan.scoring_deadline, _at(date(year, 3, 1), 9))
        if index in (70, 71):   # two drafts never finished: the call closed before they were submitted
            _apply(cast, ref, campaign, person, [], when, submit=False)
            continue
        application = _apply(cast, ref, campaign, person, [offers[c] for c in wanted], when)
        merits[application.id] = Decimal(f"{min(18.5, max(7.0, rng.gauss(12.6, 2.4))):.2f}")
        files.append(application)
    # One applicant withdraws before the close.
    applying.withdraw(_owner(files[5]), files[5], now=_tick(_at(date(year, 3, 20))))
    refused = {files[i].id: reason for i, reason in zip((9, 23, 41, 58), (
        ("DOCS_INVALID", "Relevé de notes illisible : la pièce n'a pas été fournie de nouveau."),
        ("IDENTITY", "La date de naissance de l'acte ne correspond pas à celle du formulaire."),
        ("DOCS_MISSING", "Certificat médical manquant à la vérification des originaux."),
        ("DOCS_INVALID", "Diplôme présenté sans l'authentification demandée."),
    ))}
    _screen(cast, campaign, refused, _at(date(year, 4, 1), 9))
    eligible = [a for a in files if a.status == "eligible"]
    _to_deliberation(cast, campaign, committee, merits, review_at=_at(date(year, 4, 7), 9),
                     scores_from=_at(date(year, 4, 9), 9), deliberation_at=_at(date(year, 5, 12), 9),
                     conflicts={1: (eligible[3].id, "Voisine de la famille du candidat."),
                                2: (eligible[11].id, "Cousin du candidat.")})
    _hold_session(cast, committee, _at(date(year, 5, 20), 9, 30), _at(date(year, 5, 20), 12))
    deliberating.validate(cast.chair, committee.id, now=_tick(_at(date(year, 5, 20), 16)))
    published = _at(date(year, 6, 2), 10)
    _move(cast, campaign, "published", published)
    placement_pv.seal_pv(cast.manager, campaign.id, now=_tick(published + timedelta(hours=1)))
    answers = _round_one(campaign, declines=3, silent=1, answers_from=_at(date(year, 6, 3), 9))

    # The AMCI: the list of nominated candidates, its slip through the embassy.
    nominations.nominate(cast.manager, campaign.id, now=_tick(_at(date(year, 7, 1))))
    slip = _slip(cast, campaign, _at(date(year, 7, 2)), _at(date(year, 7, 3)), _at(date(year, 7, 10)),
                 "Liste nominative des candidats retenus, dossiers complets joints.")
    # The joint committee's answer: one re-orientation, one refusal (its seat to the waiting list).
    live = _live_nominations(campaign, "proposed")
    # The refusal where someone waits for the seat (the replacement), from the second half of the list.
    refusal = next((n for n in live[len(live) // 2:] if _waiting(n.offer_id)),
                   next((n for n in live if _waiting(n.offer_id)), live[-1]))
    # The re-orientation towards an offer with a free seat (else the joint committee adds one).
    all_offers = list(db.session.scalars(select(Offer).where(Offer.campaign_id == campaign.id).order_by(Offer.code)))
    targets = [o for o in all_offers if cascade.free_seat_numbers(o)] or all_offers
    reoriented = next(n for n in live if n.id != refusal.id and any(o.id != n.offer_id for o in targets))
    target = next(o for o in targets if o.id != reoriented.offer_id)
    data = _returned_list(campaign, {
        refusal.id: ("Non retenu", "Certificat médical non conforme aux exigences de l'établissement d'accueil.", ""),
        reoriented.id: ("Réorienté", "Places disponibles dans une filière voisine, avec l'accord du candidat.",
                        target.code)})
    result = _reconcile(cast, campaign, slip, data, f"liste-retournee-amci-{year}.xlsx", _at(date(year, 8, 1), 9))
    # The replacement called from the waiting list accepts; a supplementary slip carries them.
    _accept_offers(campaign)
    nominations.nominate(cast.manager, campaign.id, now=_tick(_at(date(year, 8, 5))))
    supplementary = _slip(cast, campaign, _at(date(year, 8, 6)), _at(date(year, 8, 6), 15), _at(date(year, 8, 12)),
                          "Bordereau complémentaire : remplaçants appelés sur la liste d'attente.")
    for nomination in _live_nominations(campaign, "proposed"):
        effects.confirm(cast.manager, nomination, "manager", now=_tick(_at(date(year, 8, 20))),
                        note="Confirmé par lettre de l'AMCI.")
    if supplementary is not None:
        slips.mark_answered(cast.manager, supplementary, now=_tick(_at(date(year, 8, 20), 11)))

    # Scholarships, visas, travel, arrival, enrolment; one abandonment.
    trainees = _trainees(campaign)
    for number, nomination in enumerate(trainees, start=1):
        application = db.session.get(Application, nomination.application_id)
        _follow_up(cast, application, {
            **_scholarship(campaign, nomination, number), "visa_status": "granted", "visa_date": date(year, 9, 8),
            "travel_date": date(year, 9, 26), "arrival_date": date(year, 9, 27), "enrolled_on": date(year, 10, 2),
        }, "Bourse accordée ; arrivée et inscription confirmées par l'établissement.", _at(date(year, 10, 3)))
        application.transition_to("enrolled", cast.amci, "amci", action="amci.enrolment",
                                  reason="Inscription confirmée par l'établissement (suivi AMCI)")
    _move(cast, campaign, "closed", _at(date(year, 10, 31)))
    leaving = db.session.get(Application, trainees[len(trainees) // 3].application_id)
    reason = "Raisons familiales : retour au Mali."
    _follow_up(cast, leaving, {"abandoned_on": date(year, 12, 5), "abandonment_reason": reason},
               "Abandon signalé par l'établissement.", _at(date(year, 12, 8)))
    leaving.transition_to("abandoned", cast.amci, "amci", action="amci.abandon", reason=reason)
    db.session.flush()
    report.created.append(
        f"campagne {campaign.code} menée jusqu'au bout : {len(files)} dossiers soumis, {len(eligible)} recevables, "
        f"{answers['declined']} désistements et {answers['expired']} silence(s), {len(trainees)} stagiaires "
        f"({result.applied.get('reoriented', 0)} réorienté, {result.applied.get('refused', 0)} refusé et remplacé), "
        "1 abandon")
    return campaign


# --- this year's complementary youth call: published, a seat to answer for candidat@demo.ml ----

def _days(today: date, days: int, hour: int = 10) -> datetime:
    return _at(today + timedelta(days=days), hour)


RABAT = "TS-DD-ISTA-RABAT"


def build_complementary(cast: Cast, ref: dict, today: date, report: SeedReport) -> Campaign:
    year = today.year
    plan = Plan(
        key="complementary", code=complementary_code(today),
        title=f"Appel complémentaire {year} : quota de jeunes (démonstration)",
        kind="quota", year=year, prefix="MLC",
        description=("Appel complémentaire de démonstration pour les places restées vacantes : les stagiaires "
                     "partent pour le Maroc dans trois semaines."),
        reference_date=today - timedelta(days=120), created_at=_days(today, -160), opens_at=_days(today, -150, 8),
        closes_at=_days(today, -110, 23), decision_deadline=_days(today, -45, 23),
        offers=COMPLEMENTARY_OFFERS, criteria=DEMO_CRITERIA, documents=YOUTH_DOCUMENTS, answer_hours=240,
        training_starts_on=today + timedelta(days=20), scoring_deadline=_days(today, -85, 18))
    campaign = _create(cast, ref, plan)
    _move(cast, campaign, "open", plan.opens_at)
    committee = _committee(cast, campaign, [cast.chair, cast.member, *cast.reviewers], plan.scoring_deadline,
                           plan.opens_at + timedelta(days=2))
    offers = _offer_ids(campaign)
    rabat, others = offers[RABAT], [offers[c] for c in ("TS-IA-ISTA-CASA", "T-MI-ISTA-FES", "TS-AGRO-ITSA-MEKNES")]
    rng = random.Random(f"quota-demo-year:{plan.key}:choices")
    merits: dict[int, Decimal] = {}
    count = 22
    candidate_file = None
    for index in range(count):
        when = plan.opens_at + timedelta(days=3 + index * 35 // count, hours=rng.randint(0, 9))
        if index == 0:   # the two best take the two seats of TS Développement Digital at Rabat
            person, wanted, merit = people.young_person(plan.key, 2, index, plan.reference_date,
                                                        average=Decimal("16.20")), [rabat, others[0]], "17.50"
        elif index == 1:
            person, wanted, merit = people.young_person(plan.key, 2, index, plan.reference_date,
                                                        average=Decimal("15.80")), [rabat, others[0]], "16.75"
        elif index == 2:  # last on the same waiting list
            person, wanted, merit = people.young_person(plan.key, 2, index, plan.reference_date,
                                                        average=Decimal("11.00")), [others[2], rabat], "9.00"
        else:            # nobody else asks for Rabat
            person = people.young_person(plan.key, 2, index, plan.reference_date)
            wanted = rng.sample(others, rng.choice((1, 2, 2, 3)))
            merit = f"{min(18.0, max(8.0, rng.gauss(12.4, 2.2))):.2f}"
        application = _apply(cast, ref, campaign, person, wanted, when)
        merits[application.id] = Decimal(merit)
        if index == 3:   # candidat@demo.ml applies for Rabat only: third for its two seats
            awa = people.young_person(plan.key, 2, 99, plan.reference_date, female=True, average=Decimal("14.60"))
            awa.last_name, awa.first_names = "Diarra", "Awa"
            candidate_file = _apply(cast, ref, campaign, awa, [rabat], when + timedelta(hours=2), user=cast.candidate)
            merits[candidate_file.id] = Decimal("14.25")
    files = db.session.scalars(select(Application).where(Application.campaign_id == campaign.id)
                               .order_by(Application.id)).all()
    refused = {files[-2].id: ("DOCS_INVALID", "Copie du passeport illisible.")}
    _screen(cast, campaign, refused, plan.closes_at + timedelta(hours=10))
    _to_deliberation(cast, campaign, committee, merits, review_at=_days(today, -100, 9),
                     scores_from=_days(today, -99, 9), deliberation_at=_days(today, -80, 9), conflicts={})
    _hold_session(cast, committee, _days(today, -76, 9), _days(today, -76, 12))
    deliberating.validate(cast.chair, committee.id, now=_tick(_days(today, -76, 16)))
    published = _days(today, -60)
    _move(cast, campaign, "published", published)
    placement_pv.seal_pv(cast.manager, campaign.id, now=_tick(published + timedelta(hours=1)))
    answers = _round_one(campaign, declines=2, silent=1, answers_from=_days(today, -59, 9))
    nominations.nominate(cast.manager, campaign.id, now=_tick(_days(today, -40)))
    slip = _slip(cast, campaign, _days(today, -39), _days(today, -38), _days(today, -30),
                 "Liste nominative de l'appel complémentaire, dossiers complets joints.")
    _reconcile(cast, campaign, slip, _returned_list(campaign, {}), f"liste-retournee-amci-{year}-complementaire.xlsx",
               _days(today, -25, 9))

    # A confirmed trainee gives the seat up; the next on its waiting list accepts, goes on a
    # supplementary slip, sent to the embassy five days ago: the AMCI has it to receive.
    trainees = _trainees(campaign)
    leaving = next((n for n in trainees[len(trainees) // 2:]
                    if db.session.get(Offer, n.offer_id).code != RABAT and _waiting(n.offer_id)), None)
    if leaving is not None:
        placement = db.session.get(Placement, leaving.placement_id)
        placing.give_up(_owner(db.session.get(Application, leaving.application_id)), placement,
                        now=_tick(_days(today, -20, 11)))
        _accept_offers(campaign, keep={candidate_file.id})
        nominations.nominate(cast.manager, campaign.id, now=_tick(_days(today, -15)))
        _slip(cast, campaign, _days(today, -6), _days(today, -5), None,
              "Bordereau complémentaire : remplaçant appelé sur la liste d'attente après un désistement.")

    # Scholarships and the preparation of the departure: training in three weeks.
    refused_visa = None
    trainees = _trainees(campaign)
    for number, nomination in enumerate(trainees, start=1):
        application = db.session.get(Application, nomination.application_id)
        values = {**_scholarship(campaign, nomination, number), "visa_status": "granted",
                  "visa_date": today - timedelta(days=12)}
        comment = "Bourse accordée ; visa délivré."
        if db.session.get(Offer, nomination.offer_id).code == RABAT and refused_visa is None:
            refused_visa = nomination
            values.update(visa_status="refused", visa_date=today - timedelta(days=3))
            comment = "Visa refusé par le consulat."
        elif number % 4 == 1:     # the visa still awaited, three weeks before the training starts
            values.update(visa_status="requested", visa_date=None)
            comment = "Bourse accordée ; demande de visa déposée, en attente."
        elif number % 4 == 2:     # travelled ten days ago: no arrival recorded since
            values.update(travel_date=today - timedelta(days=10))
            comment = "Bourse accordée ; départ pour le Maroc."
        elif number % 4 == 3:
            values.update(travel_date=today - timedelta(days=5), arrival_date=today - timedelta(days=4))
            comment = "Bourse accordée ; arrivée à l'établissement."
        _follow_up(cast, application, values, comment, _days(today, -4 if number % 4 == 3 else -12, 15))
    # The visa refused frees the seat at Rabat: offered to the next on its waiting list.
    effects.free_seat(cast.amci, refused_visa, "visa_refused", "Visa refusé par le consulat du Royaume du Maroc.",
                      "amci", now=_tick(_days(today, -2, 9)))
    db.session.refresh(candidate_file)
    offered = placing.live_placement(candidate_file)
    if offered is None or offered.status != "offered":
        raise RuntimeError("Démonstration : la place libérée à Rabat n'est pas allée à candidat@demo.ml.")
    db.session.flush()
    report.created.append(
        f"campagne {campaign.code} publiée : {len(trainees)} stagiaires nommés, formation le "
        f"{plan.training_starts_on:%d/%m/%Y} ; {answers['declined']} désistements ; place proposée à "
        f"candidat@demo.ml jusqu'au {offered.deadline:%d/%m/%Y %H:%M}")
    return campaign


# --- this year's capacity-building calls -------------------------------------------------------

def _capacity_plan(today: date, key: str, code: str, title: str, description: str, offers: list, opens: int,
                   closes: int, scoring_deadline: datetime) -> Plan:
    return Plan(key=key, code=code, title=title, kind="capacity_building", year=today.year,
                prefix=code.split("-")[-1][:4], description=description,
                reference_date=today + timedelta(days=opens), created_at=_days(today, opens - 10),
                opens_at=_days(today, opens, 8), closes_at=_days(today, closes, 23),
                decision_deadline=_days(today, 40, 23), offers=offers, criteria=CAPACITY_CRITERIA,
                documents=CAPACITY_DOCUMENTS, min_experience=3, scoring_deadline=scoring_deadline)


def _capacity_files(cast: Cast, ref: dict, campaign: Campaign, plan: Plan, number: int,
                    count: int) -> dict[int, Decimal]:
    offers = _offer_ids(campaign)
    codes = [f"{p}-{e}" for p, e, _s, _r in plan.offers]
    rng = random.Random(f"quota-demo-year:{plan.key}:choices")
    merits = {}
    for index in range(count):
        person = people.trainer(plan.key, number, index, plan.reference_date)
        wanted = rng.sample(codes, rng.choice((1, 1, 2)))
        when = plan.opens_at + timedelta(days=3 + index * 30 // count, hours=rng.randint(0, 9))
        application = _apply(cast, ref, campaign, person, [offers[c] for c in wanted], when,
                             subject=people.TRAINING_SUBJECTS[wanted[0].split("-ISTA")[0]])
        merits[application.id] = Decimal(f"{min(18.0, max(9.0, rng.gauss(13.0, 2.0))):.2f}")
    return merits


def build_trainers(cast: Cast, ref: dict, today: date, report: SeedReport) -> Campaign:
    """In « Évaluation par le comité »: the demo member and the demo chair have files to score."""
    year = today.year
    plan = _capacity_plan(
        today, "trainers", trainers_code(today), f"Renforcement de capacités {year} : formateurs (démonstration)",
        "Formation courte à l'OFPPT pour les formateurs des établissements maliens de formation professionnelle.",
        TRAINERS_OFFERS, -75, -35, _days(today, 10, 18))
    campaign = _create(cast, ref, plan)
    _move(cast, campaign, "open", plan.opens_at)
    members = [cast.chair, cast.member, cast.reviewers[0]]
    committee = _committee(cast, campaign, members, plan.scoring_deadline, plan.opens_at + timedelta(days=2))
    merits = _capacity_files(cast, ref, campaign, plan, 3, 14)
    files = db.session.scalars(select(Application).where(Application.campaign_id == campaign.id)
                               .order_by(Application.id)).all()
    _screen(cast, campaign, {files[6].id: ("DOCS_INVALID", "Lettre de l'employeur non signée par le directeur.")},
            plan.closes_at + timedelta(hours=10))
    eligible = [a for a in files if a.status == "eligible"]
    review_at = _days(today, -25, 9)
    _move(cast, campaign, "review", review_at)
    _ready(committee, members, {
        0: (eligible[2].id, "Ancien collègue direct dans le même établissement."),
        1: (eligible[5].id, "Membre de ma famille."),
    }, review_at + timedelta(hours=1))
    committees.assign_files(cast.manager, campaign, now=_tick(review_at + timedelta(hours=4)))
    scored = _score(campaign, committee.id, merits, _days(today, -22, 9), only=cast.reviewers[0])
    scored += _score(campaign, committee.id, merits, _days(today, -15, 9), only=cast.chair, limit=4)
    scored += _score(campaign, committee.id, merits, _days(today, -10, 9), only=cast.member, limit=2, draft=1)
    db.session.flush()
    pending = len(_assignments(committee.id))
    report.created.append(f"campagne {campaign.code} en évaluation : {len(eligible)} dossiers recevables, "
                          f"{scored} évaluations soumises, {pending} à faire")
    return campaign


def build_managers(cast: Cast, ref: dict, today: date, report: SeedReport) -> Campaign:
    """In « Délibération »: every review in, the session recorded; the chair validates."""
    year = today.year
    plan = _capacity_plan(
        today, "managers", managers_code(today),
        f"Renforcement de capacités {year} : gestionnaires de la formation (démonstration)",
        "Formation courte à l'OFPPT pour les directeurs et les responsables pédagogiques des établissements maliens.",
        MANAGERS_OFFERS, -120, -80, _days(today, -45, 18))
    campaign = _create(cast, ref, plan)
    _move(cast, campaign, "open", plan.opens_at)
    committee = _committee(cast, campaign, [cast.chair, cast.member, cast.reviewers[1]], plan.scoring_deadline,
                           plan.opens_at + timedelta(days=2))
    merits = _capacity_files(cast, ref, campaign, plan, 4, 9)
    files = db.session.scalars(select(Application).where(Application.campaign_id == campaign.id)
                               .order_by(Application.id)).all()
    _screen(cast, campaign, {files[4].id: ("DOCS_MISSING", "Curriculum vitae manquant.")},
            plan.closes_at + timedelta(hours=10))
    eligible = [a for a in files if a.status == "eligible"]
    _to_deliberation(cast, campaign, committee, merits, review_at=_days(today, -70, 9),
                     scores_from=_days(today, -68, 9), deliberation_at=_days(today, -40, 9),
                     conflicts={2: (eligible[1].id, "A travaillé sous ma direction l'an dernier.")})
    _hold_session(cast, committee, _days(today, -3, 9), _days(today, -2, 12))
    db.session.flush()
    report.created.append(f"campagne {campaign.code} en délibération : {len(eligible)} dossiers notés, séance "
                          "enregistrée, validation à faire par le président")
    return campaign


# --- the whole year ----------------------------------------------------------------------------

# The complementary call last: the most recent campaign, the one the managers' pages (the
# dashboard) open on.
BUILDERS = (("last_year", build_last_year), ("trainers", build_trainers), ("managers", build_managers),
            ("complementary", build_complementary))


@contextmanager
def quiet_outbox():
    """The fake applicants' messages (receipts, decisions, offers) stay in the outbox: neither
    printed on the console nor handed to an SMTP server or an SMS gateway."""
    config = current_app.config
    saved = {key: config.get(key) for key in QUIET}
    config.update(QUIET)
    try:
        yield
    finally:
        config.update(saved)


QUIET = {"MAIL_TO_CONSOLE": False, "MAIL_SERVER": "", "SMS_GATEWAY_URL": ""}


def seed_year(report: SeedReport, today: date) -> None:
    """Every stage of the year not built yet (guarded by its campaign's code); the caller commits."""
    codes = year_codes(today)
    existing = set(db.session.scalars(select(Campaign.code).where(Campaign.code.in_(list(codes.values())))))
    for key, _build in BUILDERS:
        if codes[key] in existing:
            report.kept.append(f"campagne {codes[key]}")
    missing = [build for key, build in BUILDERS if codes[key] not in existing]
    if not missing:
        return
    before = len(report.created)
    with quiet_outbox(), demo_clock():
        cast = _cast(report.users)
        for build in missing:
            build(cast, report.ref, today, report)
    record(None, "seed_demo.year", object_type="campaigns", after={"created": report.created[before:]},
           reason="Année de démonstration (flask seed-demo)")
    db.session.flush()
