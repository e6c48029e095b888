"""Who is who in a committee, which committee is in charge of a file, and the lock that the
validated deliberation puts on every score. Shared by the committee's services (set-up,
reviewing, deliberation) and its score-sheet import, so that each path checks the same way.
"""
from __future__ import annotations

import secrets

from sqlalchemy import select

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


def committee_in_charge(campaign_id: int, sector_id: int | None) -> Committee | None:
    """The committee of the file's sector if the campaign has one, else its campaign-wide one."""
    committees = list(db.session.scalars(select(Committee).where(Committee.campaign_id == campaign_id)))
    by_sector = {c.sector_id: c for c in committees}
    return by_sector.get(sector_id) or by_sector.get(None)


def first_choice_sectors(campaign_id: int) -> dict[int, int | None]:
    """application id -> sector of its first choice (None without choice), for the campaign."""
    rows = db.session.execute(
        select(ApplicationChoice.application_id, Programme.sector_id)
        .join(Offer, Offer.id == ApplicationChoice.offer_id)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Application, Application.id == ApplicationChoice.application_id)
        .where(Application.campaign_id == campaign_id, ApplicationChoice.rank == 1))
    return dict(rows.all())


def files_in_charge(committee: Committee, statuses=("eligible",)) -> list[int]:
    """The ids of the campaign's files in those statuses that this committee is in charge of."""
    ids = list(db.session.scalars(select(Application.id).where(
        Application.campaign_id == committee.campaign_id, Application.status.in_(statuses))
        .order_by(Application.id)))
    committees = list(db.session.scalars(select(Committee).where(Committee.campaign_id == committee.campaign_id)))
    if len(committees) == 1:
        return ids
    sectors = first_choice_sectors(committee.campaign_id)
    by_sector = {c.sector_id: c.id for c in committees}
    fallback = by_sector.get(None)
    return [i for i in ids if by_sector.get(sectors.get(i), fallback) == committee.id]


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
