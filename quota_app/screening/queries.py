"""What the screening pages read beside services.py: the automatic checks and warnings of the
files shown (documents received on paper counted, loaded once for the page), in the staff's
words, and the history of a file's decisions with the reasons kept in the journal."""
from dataclasses import dataclass

from sqlalchemy import select

from ..applications.models import Application
from ..audit.models import AuditEvent
from ..extensions import db
from . import services
from .wording import staff_message


@dataclass(frozen=True)
class StaffCheck:
    """A check as a manager reads it."""

    code: str
    ok: bool
    message: str


def staff_checks(checks) -> list[StaffCheck]:
    """Failed checks first (in their order), then those that pass."""
    ordered = [c for c in checks if not c.ok] + [c for c in checks if c.ok]
    return [StaffCheck(c.code, c.ok, staff_message(c.message_fr)) for c in ordered]


def checked(campaign, applications: list[Application]) -> list[tuple]:
    """(application, assessment, staff checks) for each file of one campaign's page, in order."""
    context = services.check_context(campaign)
    paper = services.paper_codes(a.id for a in applications)
    rows = []
    for application in applications:
        assessment = services.assess(application, context, paper.get(application.id, frozenset()))
        rows.append((application, assessment, staff_checks(assessment.checks)))
    return rows


def assessment_of(application: Application):
    """The automatic checks and warnings of one file, and the checks in the staff's words."""
    assessment = services.assess(application, services.check_context(application.campaign))
    return assessment, staff_checks(assessment.checks)


def decision_notes(application: Application) -> dict[int, str]:
    """{index of the decision in application.screenings: the manager's reason for declaring
    eligible a file whose checks failed}, read from the journal in one query."""
    events = db.session.execute(
        select(AuditEvent.at, AuditEvent.after).where(
            AuditEvent.object_type == "applications", AuditEvent.object_id == str(application.id),
            AuditEvent.action == "application.screening.eligible").order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    overrides = [(after or {}).get("override_reason") for _at, after in events]
    notes, eligible_seen = {}, 0
    for index, decision in enumerate(application.screenings):
        if decision.decision == "eligible":
            if eligible_seen < len(overrides) and overrides[eligible_seen]:
                notes[index] = overrides[eligible_seen]
            eligible_seen += 1
    return notes
