"""What the applicant's pages read besides their own file: the lists of the steps' menus and
the documents a person may download. Reads only; the writes are in services.py."""
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..permissions import can_view_document
from ..reference.models import Diploma, MalianEstablishment, Region, Series
from .models import ApplicationDocument


def active_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.active.is_(True)).order_by(Region.code)))


def active_diplomas() -> list[Diploma]:
    return list(db.session.scalars(select(Diploma).where(Diploma.active.is_(True)).order_by(Diploma.rank)))


def active_series() -> list[Series]:
    return list(db.session.scalars(select(Series).where(Series.active.is_(True)).order_by(Series.code)))


def active_employers() -> list[MalianEstablishment]:
    return list(db.session.scalars(select(MalianEstablishment).where(MalianEstablishment.active.is_(True))
                                   .order_by(MalianEstablishment.name)))


def viewable_document(user, document_id: int) -> ApplicationDocument:
    """A document its owner, a manager or an AMCI officer may download; NotFound for anyone else."""
    document = db.session.get(ApplicationDocument, document_id)
    if document is None or not can_view_document(user, document):
        raise NotFound("Pièce introuvable.")
    return document
