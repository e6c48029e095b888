"""Shared helpers of the campaign console tests."""
import html
from datetime import date, datetime, timedelta
from decimal import Decimal

NOW = datetime(2026, 6, 1, 12, 0)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def campaign_data(**overrides) -> dict:
    values = dict(
        title="Quota annuel 2026-2027", code="QUOTA-2026", year=2026, kind="quota",
        reference_date=date(2026, 9, 1), opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=30),
        announced_quota=10, reviewers_per_file=2, score_gap_threshold=Decimal("4"), blind_review=False,
        normalise_scores=False, decision_deadline=None,
    )
    values.update(overrides)
    return values


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
    from quota_app.campaigns import services

    campaign = services.create_campaign(actor, campaign_data(**overrides))
    db.session.commit()
    return campaign


def make_ready_campaign(db, actor=None, seats=10, **overrides):
    """A draft campaign that may open: one offer with all the seats, criteria, documents."""
    from quota_app.campaigns import services
    from quota_app.reference.models import DocumentType, Establishment, Programme

    campaign = make_campaign(db, actor, announced_quota=seats, **overrides)
    programme = first(db, Programme)
    establishment = first(db, Establishment)
    services.add_offer(actor, campaign, {"programme_id": programme.id, "establishment_id": establishment.id,
                                         "code": "", "seats": seats, "reserved_seats": 2})
    services.set_criteria(actor, campaign, [
        services.CriterionInput("dossier", "Dossier scolaire", Decimal("40"), Decimal("20"), "diploma_average"),
        services.CriterionInput("motivation", "Motivation", Decimal("60"), Decimal("20")),
    ])
    services.set_required_documents(actor, campaign, [first(db, DocumentType).id])
    db.session.commit()
    return campaign
