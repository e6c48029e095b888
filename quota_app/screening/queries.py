"""What the screening pages read beside services.py: the automatic checks of the files shown,
with their verdict (clean when every check passes)."""
from ..applications.eligibility import is_eligible
from ..applications.models import Application
from . import services


def checked(campaign, applications: list[Application]) -> list[tuple]:
    """(application, checks, clean) for each file of one campaign's page, in order."""
    context = services.check_context(campaign)
    rows = []
    for application in applications:
        checks = services.automatic_checks(application, context)
        rows.append((application, checks, is_eligible(checks)))
    return rows


def checks_of(application: Application) -> tuple[list, bool]:
    """The automatic checks of one file, and whether they are all clean."""
    checks = services.automatic_checks(application, services.check_context(application.campaign))
    return checks, is_eligible(checks)
