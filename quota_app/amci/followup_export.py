"""The follow-up of the trainees as a spreadsheet, in the columns of the follow-up import
(amci/io.py): the AMCI officer downloads it, completes it and brings it back through the
import, and a sheet brought back untouched changes nothing.

One row per nominated candidate (the AMCI's need to know: nobody else), in the list's order,
with the surname and first names beside the reference so that a person can read it (the import
lists those two columns as ignored). Each value is written in the form the import reads back:
dates, the visa and situation labels, the establishment's code, the stipend in dirhams, and the
latest academic year of re-enrolment documents. Rows are read in batches with Core queries.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import select

from ..applications.models import Application
from ..campaigns.models import Campaign
from ..exports.registry import ExportKind
from ..extensions import db
from ..i18n import N_
from ..reference.models import Establishment
from . import money
from .io import build_spec
from .models import SITUATION_LABELS, VISA_LABELS, FollowUp, Nomination, ReenrolmentRecord

BATCH = 1000
NAME_COLUMNS = ("Nom", "Prénoms")
# The import's columns this export leaves out: the reference designates the file, and the AMCI
# officer has no use for the NINA (the passport is on the nominative list).
LEFT_OUT = ("nina", "passport_number")


def columns(campaign: Campaign) -> list[str]:
    spec = build_spec({}, {})
    headers = [c.header for c in spec.columns if c.key not in LEFT_OUT]
    return [headers[0], *NAME_COLUMNS, *headers[1:]]


def _latest_reenrolments(follow_up_ids: list[int]) -> dict[int, tuple]:
    latest: dict[int, tuple] = {}
    if not follow_up_ids:
        return latest
    for follow_up_id, year, received in db.session.execute(
            select(ReenrolmentRecord.follow_up_id, ReenrolmentRecord.academic_year,
                   ReenrolmentRecord.documents_received_on)
            .where(ReenrolmentRecord.follow_up_id.in_(follow_up_ids))):
        if follow_up_id not in latest or year > latest[follow_up_id][0]:
            latest[follow_up_id] = (year, received)
    return latest


def _stipend(minor: int | None) -> Decimal | None:
    return None if minor is None else Decimal(minor) / money.MINOR_PER_UNIT


def _situation(code: str | None) -> str | None:
    return str(SITUATION_LABELS[code]) if code in SITUATION_LABELS else None


FOLLOW_UP_COLUMNS = (
    FollowUp.id, FollowUp.amci_file_number, FollowUp.visa_status, FollowUp.visa_date, FollowUp.travel_date,
    FollowUp.arrival_date, FollowUp.enrolled_on, Establishment.code, FollowUp.abandoned_on,
    FollowUp.abandonment_reason, FollowUp.stipend_minor, FollowUp.departure_cancelled_on,
    FollowUp.departure_cancelled_reason, FollowUp.completed_on, FollowUp.returned_on, FollowUp.situation_6m,
    FollowUp.situation_6m_sector, FollowUp.situation_12m, FollowUp.situation_12m_sector)


def _cells(f) -> tuple:
    return (f.amci_file_number, VISA_LABELS.get(f.visa_status), f.visa_date, f.travel_date, f.arrival_date,
            f.enrolled_on, f.code, f.abandoned_on, f.abandonment_reason or None, _stipend(f.stipend_minor),
            f.departure_cancelled_on, f.departure_cancelled_reason or None, f.completed_on, f.returned_on,
            _situation(f.situation_6m), f.situation_6m_sector or None, _situation(f.situation_12m),
            f.situation_12m_sector or None)


def rows(campaign: Campaign) -> Iterator[tuple]:
    width = len(columns(campaign)) - 1 - len(NAME_COLUMNS)
    statement = (
        select(Application.reference, Application.last_name, Application.first_names, *FOLLOW_UP_COLUMNS)
        .select_from(Nomination)
        .join(Application, Application.id == Nomination.application_id)
        .outerjoin(FollowUp, FollowUp.application_id == Nomination.application_id)
        .outerjoin(Establishment, Establishment.id == FollowUp.establishment_id)
        .where(Nomination.campaign_id == campaign.id, Nomination.status != "withdrawn")
        .order_by(Nomination.position.asc().nulls_last(), Nomination.id)
        .execution_options(yield_per=BATCH))
    for part in db.session.execute(statement).partitions(BATCH):
        reenrolments = _latest_reenrolments([row.id for row in part if row.id is not None])
        for row in part:
            person = (row.reference, row.last_name, row.first_names)
            if row.id is None:
                yield person + (None,) * width
            else:
                yield person + _cells(row) + reenrolments.get(row.id, (None, None))


EXPORT = ExportKind("suivi", N_("Suivi AMCI des stagiaires (à compléter et réimporter)"), "Suivi AMCI des stagiaires",
                    "Suivi AMCI", columns, rows, "followup")
