"""Offers import: create, update, unchanged, reserved seats over seats refused."""
from sqlalchemy import select

from conftest import xlsx_bytes
from quota_app.campaigns.models import Offer
from quota_app.campaigns.io import import_offers

HEADERS = ["Code offre", "Code filière", "Code établissement", "Places", "Places réservées"]


def offers(db, campaign):
    return {o.code: (o.seats, o.reserved_seats) for o in db.session.execute(
        select(Offer).where(Offer.campaign_id == campaign.id)).scalars()}


def test_create_update_unchanged(db, campaign, manager):
    rows = [
        [None, "TS-IA", "ISTA-CASA", 12, 4],            # new, default code
        ["TS-DD-CASA", "ts-dd", "ista-casa", 30, 10],   # update
        ["TS-IA-RABAT", "TS-IA", "ISTA-RABAT", 20, 5],  # unchanged
    ]
    dry = import_offers(campaign, xlsx_bytes(rows, HEADERS), "offres.xlsx", manager)
    assert dry.counts == {"new": 1, "updated": 1, "unchanged": 1, "errors": 0, "rows": 3}
    assert offers(db, campaign)["TS-DD-CASA"] == (20, 5)
    result = import_offers(campaign, xlsx_bytes(rows, HEADERS), "offres.xlsx", manager, commit=True)
    db.session.commit()
    assert result.committed
    got = offers(db, campaign)
    assert got["TS-IA-ISTA-CASA"] == (12, 4) and got["TS-DD-CASA"] == (30, 10)
    again = import_offers(campaign, xlsx_bytes(rows, HEADERS), "offres.xlsx", manager, commit=True)
    assert again.counts["unchanged"] == 3 and again.counts["new"] == again.counts["updated"] == 0


def test_reserved_over_seats_and_unknown_codes_refuse_everything(db, campaign, manager):
    rows = [
        ["TS-DD-CASA", "TS-DD", "ISTA-CASA", 30, 10],
        [None, "TS-DD", "ISTA-CASA", 5, 6],
        [None, "NOPE", "ISTA-CASA", 5, 1],
    ]
    result = import_offers(campaign, xlsx_bytes(rows, HEADERS), "offres.xlsx", manager, commit=True)
    db.session.commit()
    assert not result.committed
    got = [(e["row"], e["column"]) for e in result.errors]
    assert got == [(3, "Code filière"), (3, "Places réservées"), (4, "Code filière")]
    assert "supérieures au nombre de places" in result.errors[1]["message"]
    assert "Code filière inconnu" in result.errors[2]["message"]
    assert offers(db, campaign)["TS-DD-CASA"] == (20, 5)
