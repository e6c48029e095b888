import pytest


@pytest.fixture
def data(app, db, reference):
    from screening_data import build_dataset

    return build_dataset(db)
