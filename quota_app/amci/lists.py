"""The nominative list in the AMCI's model: the rows of the list sent to the AMCI, as xlsx and PDF.

Only nominated candidates are on it: the campaign's nominations not withdrawn (a candidate who
gave the seat up is off the list; one on a waiting list, or merely evaluated, never was on it),
optionally only those of one transmittal slip, in the nominations' order (the campaign's
standing). With no nomination the list is empty.

Each row: N°, reference, surname, first names, sex, date and place of birth, nationality,
passport number and expiry, diploma, series, year, average, the three choices in order of
priority (each: programme, level, establishment, city), the placement obtained (the joint
committee's re-orientation when there is one, else the offer of the accepted placement),
phone, e-mail, and what the AMCI must look at (`flags`):

- « Passeport manquant »: no passport number;
- « Date d'expiration du passeport manquante »: a number without its expiry date;
- « Passeport expire avant la formation »: the passport expires before the training starts
  (`training_start`);
- « ancien boursier 2024-2025 »: the person held a scholarship in an earlier campaign
  (amci/earlier.py).

Rows are read with Core queries in batches of BATCH nominations (the choices and the earlier
scholars of a batch in one query each), never one ORM object per row.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..applications.models import SEX_LABELS, Application, ApplicationChoice
from ..campaigns.models import Campaign, Offer
from ..extensions import db
from ..reference.models import Diploma, Establishment, Level, Programme, Series
from .earlier import earlier_scholars
from .models import Nomination

BATCH = 1000
PASSPORT_MISSING = "Passeport manquant"
EXPIRY_MISSING = "Date d'expiration du passeport manquante"
PASSPORT_EXPIRES = "Passeport expire avant la formation"
NATIONALITIES = {"MLI": "Malienne"}
CHOICES = 3


@dataclass(frozen=True, slots=True)
class Training:
    """An offer as the AMCI reads it."""

    code: str
    programme: str
    level: str
    establishment: str
    city: str

    @property
    def text(self) -> str:
        return f"{self.programme} ({self.level}) — {self.establishment}, {self.city}"


@dataclass(frozen=True, slots=True)
class ListRow:
    number: int
    nomination_id: int
    application_id: int
    reference: str
    last_name: str
    first_names: str
    sex: str
    birth_date: date | None
    birth_place: str
    nationality: str
    passport_number: str
    passport_expiry: date | None
    diploma: str
    series: str
    diploma_year: int | None
    average: Decimal | None
    choices: tuple[Training | None, ...]
    placement: Training | None
    phone: str
    email: str
    flags: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name.upper(), self.first_names) if p)

    @property
    def flag_text(self) -> str:
        return " ; ".join(self.flags)


def add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def training_start(campaign: Campaign) -> date:
    """The day the passport must still be valid on: the campaign's training start
    (Campaign.training_starts_on) when it is set; otherwise, as an estimate, the campaign's
    reference date plus one year (the reference date of the ages is set before the school year
    the candidates are recruited for, and the training starts within the year after it)."""
    if campaign.training_starts_on is not None:
        return campaign.training_starts_on
    return add_year(campaign.reference_date)


def passport_flags(passport_number: str | None, expiry: date | None, starts_on: date) -> list[str]:
    """The passport's flags for the AMCI (pure)."""
    if not (passport_number or "").strip():
        return [PASSPORT_MISSING]
    if expiry is None:
        return [EXPIRY_MISSING]
    if expiry < starts_on:
        return [PASSPORT_EXPIRES]
    return []


def trainings(campaign_id: int) -> dict[int, Training]:
    """The campaign's offers (one query: a campaign has tens of offers, not thousands)."""
    return {offer_id: Training(code, programme, level or "", establishment, city or "")
            for offer_id, code, programme, level, establishment, city in db.session.execute(
                select(Offer.id, Offer.code, Programme.title, Level.name, Establishment.name, Establishment.city)
                .join(Programme, Programme.id == Offer.programme_id)
                .outerjoin(Level, Level.id == Programme.level_id)
                .join(Establishment, Establishment.id == Offer.establishment_id)
                .where(Offer.campaign_id == campaign_id))}


def nominations_statement(campaign_id: int, transmittal_id: int | None = None):
    """The nominations on the list (not withdrawn), in the list's order, as plain columns."""
    statement = (
        select(Nomination.id, Nomination.application_id, Nomination.offer_id, Nomination.final_offer_id,
               Application.reference, Application.last_name, Application.first_names, Application.sex,
               Application.birth_date, Application.birth_place, Application.nationality,
               Application.passport_number, Application.passport_expiry, Diploma.name, Series.code,
               Application.diploma_year, Application.diploma_average, Application.phone, Application.email)
        .join(Application, Application.id == Nomination.application_id)
        .outerjoin(Diploma, Diploma.id == Application.diploma_id)
        .outerjoin(Series, Series.id == Application.series_id)
        .where(Nomination.campaign_id == campaign_id, Nomination.status != "withdrawn")
        .order_by(Nomination.position.asc().nulls_last(), Nomination.id))
    if transmittal_id is not None:
        statement = statement.where(Nomination.transmittal_id == transmittal_id)
    return statement


def list_rows(campaign: Campaign, transmittal_id: int | None = None, batch: int = BATCH) -> Iterator[ListRow]:
    """The list's rows, streamed (see the module's docstring)."""
    offers = trainings(campaign.id)
    starts_on = training_start(campaign)
    statement = nominations_statement(campaign.id, transmittal_id).execution_options(yield_per=batch)
    number = 0
    for part in db.session.execute(statement).partitions(batch):
        application_ids = [row[1] for row in part]
        choices: dict[int, list[Training | None]] = {}
        for application_id, offer_id in db.session.execute(
                select(ApplicationChoice.application_id, ApplicationChoice.offer_id)
                .where(ApplicationChoice.application_id.in_(application_ids))
                .order_by(ApplicationChoice.application_id, ApplicationChoice.rank)):
            choices.setdefault(application_id, []).append(offers.get(offer_id))
        scholars = earlier_scholars(application_ids)
        for (nomination_id, application_id, offer_id, final_offer_id, reference, last_name, first_names, sex,
             birth_date, birth_place, nationality, passport_number, passport_expiry, diploma, series,
             diploma_year, average, phone, email) in part:
            number += 1
            flags = passport_flags(passport_number, passport_expiry, starts_on)
            if application_id in scholars:
                flags.append(scholars[application_id])
            yield ListRow(
                number=number, nomination_id=nomination_id, application_id=application_id,
                reference=reference or "", last_name=last_name or "", first_names=first_names or "",
                sex=SEX_LABELS.get(sex or "", ""), birth_date=birth_date, birth_place=birth_place or "",
                nationality=NATIONALITIES.get(nationality or "", nationality or ""),
                passport_number=passport_number or "", passport_expiry=passport_expiry, diploma=diploma or "",
                series=series or "", diploma_year=diploma_year, average=average,
                choices=tuple((choices.get(application_id, []) + [None] * CHOICES)[:CHOICES]),
                placement=offers.get(final_offer_id or offer_id), phone=phone or "", email=email or "",
                flags=tuple(flags))


# --- the spreadsheet (the export kind "nomination", and a slip's list) -------------------------

def _choice_columns(rank: int) -> tuple[str, ...]:
    return (f"Choix {rank} — filière", f"Choix {rank} — niveau", f"Choix {rank} — établissement",
            f"Choix {rank} — ville")


COLUMNS: tuple[str, ...] = (
    "N°", "Référence", "Nom", "Prénoms", "Sexe", "Date de naissance", "Lieu de naissance", "Nationalité",
    "N° passeport", "Expiration du passeport", "Diplôme", "Série", "Année du diplôme", "Moyenne /20",
    *(column for rank in range(1, CHOICES + 1) for column in _choice_columns(rank)),
    "Affectation — filière", "Affectation — niveau", "Affectation — établissement", "Affectation — ville",
    "Téléphone", "E-mail", "À vérifier",
)


def _training_cells(training: Training | None) -> tuple:
    if training is None:
        return (None, None, None, None)
    return (training.programme, training.level, training.establishment, training.city)


def spreadsheet_row(row: ListRow) -> tuple:
    return (
        row.number, row.reference, row.last_name, row.first_names, row.sex, row.birth_date, row.birth_place,
        row.nationality, row.passport_number or None, row.passport_expiry, row.diploma or None, row.series or None,
        row.diploma_year, row.average,
        *(cell for choice in row.choices for cell in _training_cells(choice)),
        *_training_cells(row.placement), row.phone or None, row.email or None, row.flag_text or None,
    )


def spreadsheet_rows(campaign: Campaign, transmittal_id: int | None = None) -> Iterator[tuple]:
    for row in list_rows(campaign, transmittal_id):
        yield spreadsheet_row(row)


# --- the PDF (templates/amci/list_pdf.html, A4 landscape) --------------------------------------

PDF_TEMPLATE = "amci/list_pdf.html"


def list_pdf(campaign: Campaign, transmittal=None, now=None) -> tuple[bytes, int]:
    """The list as a PDF (not sealed: the slip that carries it is), and its number of rows."""
    from ..documents import render_pdf

    rows = list(list_rows(campaign, transmittal.id if transmittal is not None else None))
    title = (f"Liste nominative — bordereau {transmittal.number}" if transmittal is not None
             else f"Liste nominative AMCI — campagne {campaign.code}")
    pdf = render_pdf(PDF_TEMPLATE, created=now, title=title, campaign=campaign, transmittal=transmittal,
                     rows=rows, starts_on=training_start(campaign), date=now,
                     number=transmittal.number if transmittal is not None else None)
    return pdf, len(rows)
