import pytest


@pytest.fixture
def data(app, db, reference):
    from tests.screening.screening_data import build_dataset

    return build_dataset(db)
