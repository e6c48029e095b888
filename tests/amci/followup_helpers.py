"""A nominated, confirmed year for the follow-up tests: amci_world's accepted candidates
nominated and confirmed, the training starting on START, and an AMCI officer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import factories

ANSWERED = factories.NOW + timedelta(days=31)     # 2 July 2026
START = date(2026, 10, 1)
JULY = datetime(2026, 7, 10, 10, 0)


@dataclass
class Year:
    w: object            # the AmciWorld
    manager: object
    amci: object
    trainees: list[int]  # nominated and confirmed, best first

    @property
    def campaign_id(self):
        return self.w.campaign_id


def confirmed_year(db, amci_world, start=START, **kwargs) -> Year:
    from quota_app.amci import effects
    from quota_app.amci.models import Nomination
    from quota_app.amci.nominations import nominate

    w = amci_world(**kwargs)
    manager = w.world.manager(db)
    campaign = w.world.campaign(db)
    campaign.training_starts_on = start
    nominate(manager, w.campaign_id, now=ANSWERED)
    for nomination in db.session.scalars(db.select(Nomination).where(Nomination.campaign_id == w.campaign_id)):
        effects.confirm(manager, nomination, "manager", now=ANSWERED)
    db.session.commit()
    amci = factories.make_user("amci", email=f"amci{w.campaign_id}@amci.ma")
    return Year(w, manager, amci, list(w.accepted))
