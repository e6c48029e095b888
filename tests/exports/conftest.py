import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "screening"))


@pytest.fixture
def data(app, db, reference):
    from screening_data import build_dataset

    return build_dataset(db)


@pytest.fixture
def results(db, data):
    """Scores for A4 (rank 1), A1 (rank 2), A2 (rank 3)."""
    from decimal import Decimal

    from quota_app.committee.models import EvaluationResult

    for rank, key in enumerate(("A4", "A1", "A2"), start=1):
        db.session.add(EvaluationResult(application_id=data[key], campaign_id=data["campaign"],
                                        final_score=Decimal("18") - rank, rank=rank))
    db.session.commit()
    return data


@pytest.fixture
def placed(db, results):
    """A1 accepted a seat in MI-RABAT, A2 was offered one in MI-RABAT; a simulation does not count."""
    from quota_app.placement.models import AllocationRound, Placement

    data = results
    real = AllocationRound(campaign_id=data["campaign"], number=1, kind="initial")
    simulation = AllocationRound(campaign_id=data["campaign"], number=2, kind="simulation")
    db.session.add_all([real, simulation])
    db.session.flush()
    db.session.add_all([
        Placement(application_id=data["A1"], offer_id=data["offers"]["MI"], round_id=real.id, choice_rank=2,
                  status="accepted"),
        Placement(application_id=data["A2"], offer_id=data["offers"]["MI"], round_id=real.id, choice_rank=1,
                  seat_number=2),
        Placement(application_id=data["A4"], offer_id=data["offers"]["DD"], round_id=simulation.id, choice_rank=1),
    ])
    db.session.commit()
    return data
