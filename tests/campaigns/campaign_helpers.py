"""Shared helpers of the campaign console tests."""
import html

import factories
from factories import NOW, campaign_data  # noqa: F401  (the campaign tests import them from here)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def form_data(**overrides) -> dict:
    """The create/edit form as a browser posts it."""
    values = {
        "title": "Quota annuel 2026-2027", "code": "QUOTA-2026", "year": "2026", "kind": "quota",
        "reference_date": "2026-09-01", "opens_at": "2026-06-02T08:00", "closes_at": "2026-07-01T23:59",
        "announced_quota": "10", "reviewers_per_file": "2", "score_gap_threshold": "4",
        "decision_deadline": "",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def first(db, model, **filters):
    return db.session.execute(db.select(model).filter_by(**filters).order_by(model.id)).scalars().first()


def make_campaign(db, actor=None, **overrides):
    """A bare draft campaign (factories.make_draft_campaign)."""
    return factories.make_draft_campaign(actor, **overrides)


def make_ready_campaign(db, actor=None, seats=10, **overrides):
    """A draft campaign that may open (factories.make_ready_campaign)."""
    return factories.make_ready_campaign(actor, seats=seats, **overrides)
