"""The managers' committee tests (test_setup_*, test_assign_*): a campaign walked to
« Évaluation par le comité » through the services, its factory committee grown to `members`
members who signed the statement and declared their conflicts, and a manager.

    world = committee_world(files=6, members=3)
    world.campaign, world.committee, world.member_rows (CommitteeMember, chair first), world.files
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal

import factories
import review_helpers


def _db():
    from quota_app.extensions import db
    return db


@dataclass
class World(review_helpers.World):
    """review_helpers.World (campaign, committee, members as User / member_rows, files) and the
    manager who sets the committee up."""

    manager_id: int = 0

    @property
    def manager(self):
        from quota_app.auth.models import User
        return _db().session.get(User, self.manager_id)


def committee_world(files: int = 6, members: int = 3, *, ready: bool = True, **campaign_overrides) -> World:
    from quota_app.committee.models import Committee

    campaign = factories.make_campaign("review", files=("eligible",) * files, seats=max(files, 1),
                                       **campaign_overrides)
    committee = factories.first(Committee, campaign_id=campaign.id)
    current = factories.committee_members(committee)
    while len(current) < members:
        current.append(factories.add_committee_member(committee))
    if ready:
        for member in current:
            factories.make_ready(member)
    manager = factories.make_user("manager")
    _db().session.commit()
    return World(campaign.id, committee.id, [m.user_id for m in current], [m.id for m in current],
                 [a.id for a in factories._files(campaign, "eligible")], manager.id)


IMPORT_HEADERS = ["Nom", "Prénom(s)", "Sexe", "Né(e) le", "Lieu de naissance", "NINA", "N° passeport",
                  "Téléphone", "Région", "Diplôme", "Série", "Année du diplôme", "Moyenne",
                  "Choix 1", "Choix 2", "Choix 3"]


def file_made_eligible_later(world: World, n: int, last_name: str = "Keïta"):
    """A paper file typed in a regional office, imported during the evaluation (applications/io)
    and then screened eligible (screening.decide): a file the committee gets after its first
    assignment."""
    import datetime as dt
    import io

    from openpyxl import Workbook

    from quota_app.applications.io import import_applicants
    from quota_app.applications.models import Application
    from quota_app.screening import services as screening

    db = _db()
    campaign, manager = world.campaign, world.manager
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(IMPORT_HEADERS)
    sheet.append([last_name, f"Fanta {n}", "F", dt.date(2005, 3, 4), "Kayes", f"{10000000000000 + n:014d}A", None,
                  "76 12 34 56", "Kayes", "BAC", "TSE", 2024, "14,5", campaign.offers[0].code, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert import_applicants(campaign, buffer.getvalue(), "saisie.xlsx", manager, commit=True).committed
    application = db.session.scalars(db.select(Application).filter_by(campaign_id=campaign.id, status="submitted")
                                     .order_by(Application.id.desc())).first()
    screening.decide(application.id, application.version, "eligible", manager,
                     override_reason="Pièces vérifiées sur le dossier papier")
    db.session.commit()
    world.file_ids.append(application.id)
    return application


def live(member=None, application=None) -> list:
    """Live (not withdrawn) assignments, of a member or of a file."""
    from quota_app.committee.models import ReviewAssignment

    stmt = _db().select(ReviewAssignment).where(ReviewAssignment.status != "withdrawn")
    if member is not None:
        stmt = stmt.where(ReviewAssignment.member_id == member.id)
    if application is not None:
        stmt = stmt.where(ReviewAssignment.application_id == application.id)
    return list(_db().session.scalars(stmt.order_by(ReviewAssignment.id)))


def submit(assignment, total="12.5") -> None:
    """Stand-in for the members' side: the review submitted with that weighted total."""
    from quota_app.campaigns.models import Criterion
    from quota_app.committee.models import Score

    criterion = factories.first(Criterion)
    if not assignment.scores:
        assignment.scores.append(Score(criterion_id=criterion.id, value=Decimal("10")))
    assignment.status, assignment.weighted_total = "submitted", Decimal(str(total))
    assignment.submitted_at = factories.NOW
    _db().session.flush()


def events(action: str) -> list:
    from quota_app.audit.models import AuditEvent
    db = _db()
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))
