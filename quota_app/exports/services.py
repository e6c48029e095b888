"""Export services: explicit arguments, streamed through `write_table`, each one audited.

No request or current_user here: the caller passes the actor and commits once.
"""
from __future__ import annotations

from sqlalchemy import func, select

from ..applications.models import SEX_LABELS, Application, ApplicationChoice
from ..audit.services import record
from ..campaigns.models import Campaign, Offer
from ..committee.models import EvaluationResult
from ..dashboard import stats
from ..extensions import db
from ..placement.models import AllocationRound, Placement
from ..reference.models import Diploma, Establishment, Level, Programme, Sector, Series
from ..spreadsheets.writer import write_table
from ..timeutil import utcnow

KINDS = {
    "offres": ("Offres de places et remplissage", ("manager", "amci")),
    "nomination": ("Liste nominative AMCI", ("manager", "amci")),
    "statistiques": ("Statistiques de la campagne", ("manager",)),
}


def file_name(kind: str, campaign: Campaign, when=None) -> str:
    when = when or utcnow()
    return f"{kind}-{campaign.code}-{when:%Y%m%d-%H%M}.xlsx"


def _audit(actor, kind: str, campaign: Campaign, count: int, ip: str | None) -> None:
    record(actor, f"export.{kind}", object_type="campaigns", object_id=campaign.id,
           campaign_id=campaign.id, after={"rows": count}, ip_address=ip)


# --- (a) offers with their fill -------------------------------------------------------------

OFFER_COLUMNS = (
    "Code de l'offre", "Filière", "Niveau", "Secteur", "Établissement", "Ville", "Places",
    "Places réservées", "Affectations proposées", "Affectations acceptées", "Taux de remplissage",
)


def offer_rows(campaign: Campaign):
    held = dict()
    for offer_id, status, n in db.session.execute(
        select(Placement.offer_id, Placement.status, func.count(Placement.id))
        .join(AllocationRound, AllocationRound.id == Placement.round_id)
        .where(AllocationRound.campaign_id == campaign.id, AllocationRound.kind != "simulation",
               Placement.status.in_(stats.SEAT_HOLDING))
        .group_by(Placement.offer_id, Placement.status)
    ):
        held[(offer_id, status)] = n
    offers = db.session.execute(
        select(Offer.id, Offer.code, Programme.title, Level.name, Sector.name, Establishment.name,
               Establishment.city, Offer.seats, Offer.reserved_seats)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Level, Level.id == Programme.level_id)
        .join(Sector, Sector.id == Programme.sector_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.campaign_id == campaign.id).order_by(Offer.code)
    ).all()
    for oid, code, title, level, sector, establishment, city, seats, reserved in offers:
        offered, accepted = held.get((oid, "offered"), 0), held.get((oid, "accepted"), 0)
        rate = round((offered + accepted) / seats, 4) if seats else 0.0
        yield (code, title, level, sector, establishment, city, seats, reserved, offered, accepted, rate)


def export_offers(campaign: Campaign, target, actor, ip: str | None = None) -> int:
    count = write_table(target, f"Offres de places – {campaign.title}", OFFER_COLUMNS,
                        offer_rows(campaign), sheet_title="Offres")
    _audit(actor, "offers", campaign, count, ip)
    return count


# --- (b) AMCI nomination list ---------------------------------------------------------------

NOMINATION_COLUMNS = (
    "N°", "Référence", "Nom", "Prénoms", "Sexe", "Date de naissance", "NINA", "Passeport",
    "Diplôme", "Série", "Moyenne /20", "Choix 1", "Choix 2", "Choix 3", "Affectation",
    "Note finale", "Rang",
)


def _placed_ids(campaign: Campaign) -> dict[int, int]:
    """application id -> offer id of its live placement (offered or accepted)."""
    return dict(db.session.execute(
        select(Placement.application_id, Placement.offer_id)
        .join(AllocationRound, AllocationRound.id == Placement.round_id)
        .where(AllocationRound.campaign_id == campaign.id, AllocationRound.kind != "simulation",
               Placement.status.in_(stats.SEAT_HOLDING))
    ).all())


NOMINATION_BATCH = 1000


def nomination_rows(campaign: Campaign):
    """Plain columns streamed in batches, each batch's choices in one query (no ORM objects)."""
    placed = _placed_ids(campaign)
    labels = {oid: f"{title} — {establishment}" for oid, title, establishment in db.session.execute(
        select(Offer.id, Programme.title, Establishment.name)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.campaign_id == campaign.id))}
    stmt = (
        select(Application.id, Application.reference, Application.last_name, Application.first_names,
               Application.sex, Application.birth_date, Application.nina, Application.passport_number,
               Diploma.name, Series.code, Application.diploma_average,
               EvaluationResult.final_score, EvaluationResult.rank)
        .outerjoin(EvaluationResult, EvaluationResult.application_id == Application.id)
        .outerjoin(Diploma, Diploma.id == Application.diploma_id)
        .outerjoin(Series, Series.id == Application.series_id)
        .where(Application.campaign_id == campaign.id)
        .order_by(EvaluationResult.rank.asc().nulls_last(), Application.last_name, Application.id)
    )
    if placed:
        stmt = stmt.where(Application.id.in_(list(placed)))
    else:
        stmt = stmt.where(EvaluationResult.id.is_not(None))
    n = 0
    for batch in db.session.execute(stmt.execution_options(yield_per=NOMINATION_BATCH)).partitions():
        choices: dict[int, list] = {}
        for application_id, offer_id in db.session.execute(
                select(ApplicationChoice.application_id, ApplicationChoice.offer_id)
                .where(ApplicationChoice.application_id.in_([row[0] for row in batch]))
                .order_by(ApplicationChoice.application_id, ApplicationChoice.rank)):
            choices.setdefault(application_id, []).append(labels.get(offer_id))
        for (application_id, reference, last_name, first_names, sex, birth_date, nina, passport,
             diploma, series, average, final_score, rank) in batch:
            n += 1
            yield (
                n, reference, last_name, first_names, SEX_LABELS.get(sex or "", ""), birth_date,
                nina, passport, diploma, series, average,
                *(choices.get(application_id, []) + [None, None, None])[:3],
                labels.get(placed.get(application_id)), final_score, rank,
            )


def export_nomination(campaign: Campaign, target, actor, ip: str | None = None) -> int:
    count = write_table(target, f"Liste nominative AMCI – {campaign.title}", NOMINATION_COLUMNS,
                        nomination_rows(campaign), sheet_title="Liste AMCI")
    _audit(actor, "nomination", campaign, count, ip)
    return count


# --- (c) statistics -------------------------------------------------------------------------

def statistics_rows(campaign: Campaign):
    """Counts per status, by sex then by region (the dashboard's GROUP BY queries)."""
    statuses = list(stats.FUNNEL)
    for breakdown in (stats.by_sex(campaign.id), stats.by_region(campaign.id)):
        for key, row_label in breakdown.rows:
            yield (breakdown.title, row_label, *[breakdown.count(key, s) for s in statuses],
                   breakdown.total(key))


def statistics_columns() -> tuple:
    return ("Ventilation", "Catégorie", *[stats.status_label(s) for s in stats.FUNNEL], "Total")


def export_statistics(campaign: Campaign, target, actor, ip: str | None = None) -> int:
    count = write_table(target, f"Statistiques – {campaign.title}", statistics_columns(),
                        statistics_rows(campaign), sheet_title="Statistiques")
    _audit(actor, "statistics", campaign, count, ip)
    return count


EXPORTERS = {"offres": export_offers, "nomination": export_nomination, "statistiques": export_statistics}
