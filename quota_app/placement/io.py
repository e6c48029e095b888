"""The placement's spreadsheets (exports, served by the exports page): the main list
(« affectation ») and the waiting lists (« listes-attente »).

The main list has every placement of the campaign's real rounds (the publication, then each
waiting-list round), the candidate's rank first: a candidate who moved up has a row per seat
offered, each with its status now. The waiting lists are round 1's, offer by offer in position
order, each entry active or left, and why. Rows are read with Core queries (no ORM object per
candidate); the final scores and ranks come from the campaign's one standing.
"""
from __future__ import annotations

from sqlalchemy import select

from ..applications.models import SEX_LABELS, Application
from ..campaigns.models import Offer
from ..exports.registry import ExportKind
from ..extensions import db
from ..i18n import N_
from ..reference.models import Establishment, Programme, Region
from .models import AllocationRound, Placement, WaitingListEntry
from .labels import LEFT_REASON_LABELS, SEAT_KIND_LABELS, STATUS_LABELS
from .pv import ranks

BATCH = 2000

ACTIVE_LABEL, LEFT_LABEL = "En attente", "Sorti de la liste"

MAIN_COLUMNS = (
    "Rang", "Référence", "Nom", "Prénoms", "Sexe", "Région", "Note finale (/20)", "Code de l'offre", "Filière",
    "Établissement", "Rang du choix", "Type de place", "Statut de l'affectation", "Date limite de réponse",
    "Tour", "Proposée le",
)
WAITING_COLUMNS = (
    "Code de l'offre", "Position", "Rang", "Référence", "Nom", "Prénoms", "Sexe", "Note finale (/20)",
    "Situation", "Motif de sortie", "Sortie le",
)


def _real_rounds(campaign_id: int):
    return (AllocationRound.campaign_id == campaign_id, AllocationRound.kind.in_(("initial", "waiting_list")))


def main_list_rows(campaign):
    """Every placement of the real rounds, in rank order (then round, then seat offered)."""
    standing = ranks(campaign)
    statement = (
        select(Placement.id, Placement.application_id, Application.reference, Application.last_name,
               Application.first_names, Application.sex, Region.name, Offer.code, Programme.title,
               Establishment.name, Placement.choice_rank, Placement.seat_kind, Placement.status,
               Placement.deadline, AllocationRound.number, Placement.offered_at)
        .join(AllocationRound, AllocationRound.id == Placement.round_id)
        .join(Application, Application.id == Placement.application_id)
        .join(Offer, Offer.id == Placement.offer_id)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .outerjoin(Region, Region.id == Application.region_id)
        .where(*_real_rounds(campaign.id))
        .execution_options(yield_per=BATCH))
    rows = []
    for (placement_id, app_id, reference, last_name, first_names, sex, region, offer_code, programme,
         establishment, choice_rank, seat_kind, status, deadline, round_number, offered_at) in db.session.execute(statement):
        rank, score = standing.get(app_id, (None, None))
        rows.append(((rank is None, rank or 0, round_number, placement_id),
                     (rank, reference, last_name, first_names, SEX_LABELS.get(sex or "", ""), region, score,
                      offer_code, programme, establishment, choice_rank, SEAT_KIND_LABELS.get(seat_kind, seat_kind),
                      STATUS_LABELS.get(status, status), deadline, round_number, offered_at)))
    rows.sort(key=lambda item: item[0])
    for _key, row in rows:
        yield row


def waiting_list_rows(campaign):
    """Round 1's waiting lists, offer by offer (by code), in position order."""
    standing = ranks(campaign)
    statement = (
        select(Offer.code, WaitingListEntry.position, WaitingListEntry.application_id, Application.reference,
               Application.last_name, Application.first_names, Application.sex, WaitingListEntry.active,
               WaitingListEntry.left_reason, WaitingListEntry.left_at)
        .join(AllocationRound, AllocationRound.id == WaitingListEntry.round_id)
        .join(Offer, Offer.id == WaitingListEntry.offer_id)
        .join(Application, Application.id == WaitingListEntry.application_id)
        .where(AllocationRound.campaign_id == campaign.id, AllocationRound.kind == "initial")
        .order_by(Offer.code, Offer.id, WaitingListEntry.position)
        .execution_options(yield_per=BATCH))
    for (offer_code, position, app_id, reference, last_name, first_names, sex, active, left_reason,
         left_at) in db.session.execute(statement):
        rank, score = standing.get(app_id, (None, None))
        yield (offer_code, position, rank, reference, last_name, first_names, SEX_LABELS.get(sex or "", ""), score,
               ACTIVE_LABEL if active else LEFT_LABEL,
               None if active else LEFT_REASON_LABELS.get(left_reason or "", left_reason or ""),
               None if active else left_at)


MAIN_EXPORT = ExportKind("affectation", N_("Liste principale d'affectation"), "Liste principale d'affectation",
                         "Affectation", lambda campaign: MAIN_COLUMNS, main_list_rows, "placements")
WAITING_EXPORT = ExportKind("listes-attente", N_("Listes d'attente"), "Listes d'attente", "Listes d'attente",
                            lambda campaign: WAITING_COLUMNS, waiting_list_rows, "waiting_lists")
