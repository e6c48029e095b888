"""Helpers of the slips' and lists' tests: bare campaigns whose nominations are written as rows
(no placement: what a slip reads is the nomination), an earlier campaign's scholar."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

_numbers = itertools.count(1)


def bare_campaign(db, code: str, year: int, phase: str = "published"):
    from quota_app.campaigns.models import Campaign

    campaign = Campaign(code=code, title=f"Quota {year}-{year + 1} ({code})", year=year, phase=phase,
                        reference_date=date(year, 9, 1), opens_at=datetime(year, 3, 1, 8, 0),
                        closes_at=datetime(year, 4, 1, 8, 0), reference_prefix="MLI")
    db.session.add(campaign)
    db.session.flush()
    return campaign


def person_file(db, campaign, status: str = "accepted", **identity):
    """An application of `campaign` (typed from paper: no account)."""
    from quota_app.applications.models import Applicant, Application

    n = next(_numbers)
    applicant = Applicant(source="import")
    db.session.add(applicant)
    db.session.flush()
    values = dict(last_name="Keïta", first_names=f"Moussa {n}", sex="M", birth_date=date(2004, 5, 2),
                  birth_place="Ségou", nina=f"1104{n:07d}009B", passport_number=None, passport_expiry=None,
                  reference=f"{campaign.reference_prefix}-{campaign.year}-9{n:05d}")
    values.update(identity)
    application = Application(campaign_id=campaign.id, applicant_id=applicant.id, status=status, **values)
    db.session.add(application)
    db.session.flush()
    return application


def add_nominations(db, campaign, n: int, status: str = "proposed", start: int = 1) -> list[int]:
    """`n` new files of the campaign, nominated (positions start, start+1, ...)."""
    from quota_app.amci.models import Nomination

    ids = []
    for position in range(start, start + n):
        application = person_file(db, campaign)
        nomination = Nomination(campaign_id=campaign.id, application_id=application.id, position=position,
                                status=status)
        db.session.add(nomination)
        db.session.flush()
        ids.append(nomination.id)
    return ids


def earlier_scholar(db, year: int, granted=True, nomination_status=None, **identity):
    """A file of an earlier campaign (its own, year `year`) whose follow-up says the scholarship
    was granted (`granted`), and/or whose nomination has `nomination_status`."""
    from quota_app.amci.models import FollowUp, Nomination

    campaign = bare_campaign(db, f"OLD-{year}-{next(_numbers)}", year, phase="closed")
    application = person_file(db, campaign, status="enrolled", **identity)
    if granted is not None:
        db.session.add(FollowUp(application_id=application.id, scholarship_granted=granted))
    if nomination_status:
        db.session.add(Nomination(campaign_id=campaign.id, application_id=application.id, position=1,
                                  status=nomination_status))
    db.session.flush()
    return application


def days(moment: datetime, n: int) -> datetime:
    return moment + timedelta(days=n)
