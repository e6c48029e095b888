"""Who is who in a committee, which committee is in charge of a file, and the lock that the
validated deliberation puts on every score. Shared by the committee's services (set-up,
reviewing, deliberation) and its score-sheet import, so that each path checks the same way.
"""
from __future__ import annotations

import secrets

from sqlalchemy import and_, or_, select

from ..applications.models import Application, ApplicationChoice
from ..campaigns.models import Offer
from ..errors import NotAllowed, NotFound
from ..extensions import db
from ..reference.models import Programme
from ..timeutil import utcnow
from .models import Committee, CommitteeMember, Deliberation, ReviewAssignment

LOCKED = "La délibération est validée : les notes, les évaluations et les ajustements sont verrouillés."
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and retyped from paper


def memberships(user) -> list[CommitteeMember]:
    """The user's active memberships, each committee once."""
    if user is None or not getattr(user, "id", None):
        return []
    return list(db.session.scalars(
        select(CommitteeMember).where(CommitteeMember.user_id == user.id, CommitteeMember.active.is_(True))
        .order_by(CommitteeMember.committee_id)))


def membership(user, committee_id) -> CommitteeMember:
    """The user's active membership of that committee, or NotFound: a member of committee A
    sees committee B exactly as a committee that does not exist."""
    found = db.session.scalar(select(CommitteeMember).where(
        CommitteeMember.committee_id == committee_id, CommitteeMember.user_id == getattr(user, "id", None),
        CommitteeMember.active.is_(True))) if isinstance(committee_id, int) else None
    if found is None:
        raise NotFound("Comité introuvable.")
    return found


def chair_membership(user, committee_id) -> CommitteeMember:
    """The user's membership as chair of that committee, or NotFound."""
    found = membership(user, committee_id)
    if found.role != "chair":
        raise NotFound("Comité introuvable.")
    return found


def first_sector():
    """The sector of the file's first choice (a scalar subquery correlated to Application)."""
    return (select(Programme.sector_id).join(Offer, Offer.programme_id == Programme.id)
            .join(ApplicationChoice, ApplicationChoice.offer_id == Offer.id)
            .where(ApplicationChoice.application_id == Application.id, ApplicationChoice.rank == 1)
            .correlate(Application).scalar_subquery())


def in_charge_condition(committee: Committee, committees: list[Committee] | None = None):
    """The SQL condition on Application of the files this committee is in charge of: those whose
    first choice is in its sector; for the campaign-wide committee, the others (a campaign's
    only committee takes every file)."""
    if committees is None:
        committees = list(db.session.scalars(select(Committee).where(Committee.campaign_id == committee.campaign_id)))
    base = Application.campaign_id == committee.campaign_id
    if len(committees) <= 1:
        return base
    sector = first_sector()
    if committee.sector_id is not None:
        return and_(base, sector == committee.sector_id)
    claimed = [c.sector_id for c in committees if c.sector_id is not None]
    return and_(base, or_(sector.is_(None), sector.not_in(claimed)))


def files_in_charge(committee: Committee, statuses=("eligible",)) -> list[int]:
    """The ids of the campaign's files in those statuses that this committee is in charge of."""
    return list(db.session.scalars(select(Application.id).where(
        in_charge_condition(committee), Application.status.in_(statuses)).order_by(Application.id)))


def deliberation_of(committee_id: int) -> Deliberation | None:
    return db.session.scalar(select(Deliberation).where(Deliberation.committee_id == committee_id))


def is_locked(committee_id: int) -> bool:
    deliberation = deliberation_of(committee_id)
    return deliberation is not None and deliberation.status == "validated"


def ensure_open(committee_id: int) -> None:
    """Every write of a score, a review, an assignment or an adjustment calls this first.

    The deliberation's row is read with a share lock (FOR SHARE on PostgreSQL; SQLite has one
    writer at a time anyway): a validation, which updates that row, waits for the writes that
    passed this check to commit, and a write that comes after it waits for the validation and
    then reads it validated."""
    status = db.session.scalar(select(Deliberation.status).where(Deliberation.committee_id == committee_id)
                               .with_for_update(read=True))
    if status == "validated":
        raise NotAllowed(LOCKED)


def new_code() -> str:
    """A random code for a file as a reviewer sees it: never derived from the reference."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if db.session.scalar(select(ReviewAssignment.id).where(ReviewAssignment.code == code)) is None:
            return code


def new_assignment(application_id: int, member_id: int, *, third: bool = False, now=None) -> ReviewAssignment:
    assignment = ReviewAssignment(application_id=application_id, member_id=member_id, status="pending",
                                  code=new_code(), is_third_review=third, assigned_at=now or utcnow())
    db.session.add(assignment)
    return assignment
