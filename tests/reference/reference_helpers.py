"""Shared helpers of the reference data tests."""
import html


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def first(db, model, **filters):
    return db.session.execute(db.select(model).filter_by(**filters).order_by(model.id)).scalars().first()


def count(db, model, **filters):
    return len(db.session.execute(db.select(model).filter_by(**filters)).scalars().all())
