"""A committee whose members score, for the members' tests (reviewing pages, blind mode, score
sheet): a campaign walked to « Évaluation par le comité » through the services, its eligible
files made with identities of our choosing, a committee of members who signed their statement,
and assignments given with access.new_assignment.

    world = review_world(n_files=3, n_members=3, blind=True)
    world.members[0] (User), world.member_rows[0] (CommitteeMember), world.files (Applications)
    assignment = world.assign(file_index=0, member_index=1)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import factories

DEADLINE = datetime(2026, 7, 15, 18, 0)
CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"')


def identity_of(n: int) -> dict:
    """A distinctive identity per file: each value is searched for in the pages' HTML."""
    return factories.identity(n, last_name=f"Zoumanigui{n}", first_names=f"Kadiatou{n}",
                              birth_place=f"Kolokani{n}", birth_date="2004-11-2" + str(n % 8 + 1),
                              passport_number=f"BX{n:07d}", passport_expiry="2030-01-31", sex="F")


def _db():
    from quota_app.extensions import db
    return db


def walk_to(campaign, target: str) -> None:
    """The campaign moves on through the services, as make_campaign does (its phase steps)."""
    from quota_app.campaigns import phases, services

    index = phases.PHASES.index(target)
    for phase in phases.PHASES[phases.PHASES.index(campaign.phase) + 1:index + 1]:
        before, after = factories.PHASE_STEPS.get(phase, (None, None))
        if before:
            before(campaign, None)
        services.transition(campaign, phase, None, factories._phase_moment(campaign, phase))
        if after:
            after(campaign, None)
        _db().session.commit()


def add_document(application, code: str, content: bytes = factories.PDF_BYTES,
                 content_type: str = "application/pdf", name: str | None = None):
    """A stored document of that type on the file (its own name holds the candidate's)."""
    import hashlib

    from flask import current_app

    from quota_app.applications import storage
    from quota_app.applications.models import ApplicationDocument
    from quota_app.reference.models import DocumentType

    db = _db()
    kind = db.session.execute(db.select(DocumentType).filter_by(code=code)).scalar_one()
    existing = db.session.execute(db.select(ApplicationDocument).filter_by(
        application_id=application.id, document_type_id=kind.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    stored = storage.save(current_app.config["UPLOAD_DIR"], content)
    document = ApplicationDocument(
        application_id=application.id, document_type_id=kind.id,
        original_name=name or f"{code.lower()}-{application.last_name}.pdf", stored_name=stored,
        content_type=content_type, size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest())
    db.session.add(document)
    db.session.commit()
    return document


@dataclass
class World:
    campaign_id: int
    committee_id: int
    member_user_ids: list[int]
    member_ids: list[int]
    file_ids: list[int]

    @property
    def campaign(self):
        from quota_app.campaigns.models import Campaign
        return _db().session.get(Campaign, self.campaign_id)

    @property
    def committee(self):
        from quota_app.committee.models import Committee
        return _db().session.get(Committee, self.committee_id)

    @property
    def members(self):
        from quota_app.auth.models import User
        return [_db().session.get(User, i) for i in self.member_user_ids]

    @property
    def member_rows(self):
        from quota_app.committee.models import CommitteeMember
        return [_db().session.get(CommitteeMember, i) for i in self.member_ids]

    @property
    def files(self):
        from quota_app.applications.models import Application
        return [_db().session.get(Application, i) for i in self.file_ids]

    def assign(self, file_index: int, member_index: int, *, third: bool = False):
        from quota_app.committee.access import new_assignment

        assignment = new_assignment(self.file_ids[file_index], self.member_ids[member_index], third=third)
        _db().session.commit()
        return assignment

    def criteria(self):
        from quota_app.campaigns.models import Criterion
        db = _db()
        return {c.code: c for c in db.session.scalars(
            db.select(Criterion).where(Criterion.campaign_id == self.campaign_id))}


def review_world(n_files: int = 3, n_members: int = 3, *, blind: bool = False, signed: bool = True,
                 declared: bool = True, documents=("PHOTO", "BIRTH", "PASSPORT", "DIPLOMA"),
                 committee_name: str = "Comité de sélection", **campaign_overrides) -> World:
    """A campaign in « review » with `n_files` eligible files (identity_of(i)), one committee of
    `n_members` committee accounts (the first one chair), each with the statement signed and the
    conflicts declared unless told otherwise; no assignment yet."""
    from quota_app.committee.models import Committee, CommitteeMember
    from quota_app.timeutil import utcnow

    db = _db()
    campaign = factories.make_campaign("open", blind_review=blind, **campaign_overrides)
    files = []
    for i in range(n_files):
        application = factories.make_application("eligible", campaign=campaign, identity_data=identity_of(i))
        for code in documents:
            add_document(application, code)
        files.append(application.id)
    committee = Committee(campaign_id=campaign.id, name=committee_name, scoring_deadline=DEADLINE)
    db.session.add(committee)
    db.session.flush()
    users, members = [], []
    for i in range(n_members):
        user = factories.make_user("committee", full_name=f"Évaluateur {i}")
        member = CommitteeMember(committee_id=committee.id, user_id=user.id, role="chair" if i == 0 else "member",
                                 statement_signed_at=utcnow() if signed else None,
                                 conflicts_declared_at=utcnow() if signed and declared else None)
        db.session.add(member)
        db.session.flush()
        users.append(user.id)
        members.append(member.id)
    db.session.commit()
    walk_to(campaign, "review")
    return World(campaign.id, committee.id, users, members, files)


def second_committee(world: World, n_files: int = 1):
    """Committee B: another campaign's committee, with a member of its own and one assignment
    (a member of committee A must get 404 on all of it)."""
    other = review_world(n_files=n_files, n_members=1, committee_name="Comité B")
    assignment = other.assign(0, 0)
    return other, assignment


def validate_deliberation(committee_id: int) -> None:
    """The validation lock, as the chair's validation leaves it (status "validated")."""
    from quota_app.committee.access import deliberation_of
    from quota_app.committee.models import Deliberation
    from quota_app.timeutil import utcnow

    db = _db()
    deliberation = deliberation_of(committee_id)
    if deliberation is None:
        deliberation = Deliberation(committee_id=committee_id, status="open")
        db.session.add(deliberation)
    deliberation.status = "validated"
    deliberation.validated_at = utcnow()
    db.session.commit()


def strip_tokens(html: str) -> str:
    """A page without its CSRF tokens (they change on every request)."""
    return CSRF.sub("csrf", html)


def audit_actions(action_prefix: str) -> list:
    from quota_app.audit.models import AuditEvent
    db = _db()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.startswith(action_prefix))
                                   .order_by(AuditEvent.id)))
