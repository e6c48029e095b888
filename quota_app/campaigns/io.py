"""The campaign's spreadsheets: the offers import and the offers export with their fill.

Offers of seats: one row per programme × establishment of the campaign.

Each valid row creates the campaign's offer for that programme and establishment ("new"), or
updates its seats, reserved seats and code ("updated"), or finds it identical ("unchanged").
Reserved seats over seats are refused, as are unknown programme or establishment codes and an
offer code already used by another offer. Dry run writes nothing but the ImportRun; commit is
all or nothing. The caller commits.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select

from ..audit.services import record as audit
from ..exports.registry import ExportKind
from ..extensions import db
from ..i18n import N_
from ..imports.common import (
    ImportResult, open_upload, record_if, row_error, sheet_spec, sort_errors,
)
from ..imports.registry import ImportKind
from ..reference.models import Establishment, Level, Programme, Sector
from ..registry import lookup
from ..spreadsheets import parsers
from ..spreadsheets.spec import ColumnSpec, SheetSpec, validate_rows
from .models import Campaign, Offer

KIND = "offers"
SHEET_NAME = "Offres"
INSTRUCTIONS = [
    "Une ligne par offre (filière × établissement), à partir de la ligne 2.",
    "Places réservées : au plus le nombre de places. Code offre : facultatif "
    "(par défaut « code filière-code établissement »).",
    "Une offre qui existe déjà pour la même filière et le même établissement est mise à jour.",
]


def _code_parser(known: dict[str, int], label: str, names: dict[str, str] | None = None) -> Callable[[Any], tuple]:
    """A code whatever its case, spaces or hyphens (« ts dd », « TS_DD »), or the full name."""
    return parsers.code_parser(known, f"{label} inconnu : « {{value}} ».", max_length=30, names=names)


def _lookups() -> tuple[dict, dict]:
    programmes = dict(db.session.execute(
        select(Programme.code, Programme.id).where(Programme.active.is_(True)).order_by(Programme.code)).all())
    establishments = dict(db.session.execute(
        select(Establishment.code, Establishment.id).where(Establishment.active.is_(True))
        .order_by(Establishment.code)).all())
    return programmes, establishments


def _names() -> tuple[dict, dict]:
    programmes = dict(db.session.execute(select(Programme.code, Programme.title)
                                         .where(Programme.active.is_(True))).all())
    establishments = dict(db.session.execute(select(Establishment.code, Establishment.name)
                                             .where(Establishment.active.is_(True))).all())
    return programmes, establishments


def build_spec(programmes: dict, establishments: dict, names: tuple[dict, dict] | None = None) -> SheetSpec:
    programme_names, establishment_names = names or ({}, {})
    return SheetSpec(SHEET_NAME, [
        ColumnSpec("code", "Code offre", options={"max_length": 40}, width=22,
                   synonyms=("Code de l'offre", "Offre")),
        ColumnSpec("programme", "Code filière", kind="choice", required=True,
                   choices=list(programmes) or ["-"], synonyms=("Filière", "Code programme", "Code de la filière"),
                   parser=_code_parser(programmes, "Code filière", programme_names or None),
                   help="Code de la filière (ou son intitulé)"),
        ColumnSpec("establishment", "Code établissement", kind="choice", required=True,
                   choices=list(establishments) or ["-"],
                   synonyms=("Établissement", "Code de l'établissement", "Institut"),
                   parser=_code_parser(establishments, "Code établissement", establishment_names or None), width=22,
                   help="Code de l'établissement (ou son nom)"),
        ColumnSpec("seats", "Places", kind="integer", required=True,
                   options={"min_value": 0, "max_value": 10_000},
                   synonyms=("Nombre de places", "Nb places", "Nombre places", "Places offertes", "Quota")),
        ColumnSpec("reserved_seats", "Places réservées", kind="integer",
                   options={"min_value": 0, "max_value": 10_000},
                   synonyms=("Places réservées aux femmes", "Places filles", "Réservées", "Dont filles",
                             "Dont femmes")),
    ])


def template_workbook(campaign: Campaign):
    from ..spreadsheets.writer import build_template

    programmes, establishments = _lookups()
    lines = [f"Import des offres de places — campagne {campaign.code} : {campaign.title}", *INSTRUCTIONS]
    return build_template(build_spec(programmes, establishments), lines)


def import_offers(campaign: Campaign, data: bytes, filename: str, actor=None, commit: bool = False,
                  progress: Callable[[int], None] | None = None,
                  stored_name: str | None = None, job_id: int | None = None,
                  record: bool = True) -> ImportResult:
    programmes, establishments = _lookups()
    spec = build_spec(programmes, establishments, _names())
    sheet, result = open_upload(KIND, campaign, data, filename, actor, record, stored_name, job_id, progress,
                                spec=spec)
    if sheet is None:
        return result
    spec = sheet_spec(spec, result)
    records, errors = validate_rows(sheet.rows, spec, header=result.header)
    mapping = result.header.mapping

    offers = db.session.execute(select(Offer).where(Offer.campaign_id == campaign.id)).scalars().all()
    by_pair = {(o.programme_id, o.establishment_id): o for o in offers}
    by_code = {o.code: o for o in offers}
    seen_pairs: dict[tuple, int] = {}
    seen_codes: dict[str, int] = {}
    planned = []
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    for rec in records:
        row = rec["_row"]
        reserved = rec.get("reserved_seats") or 0
        pair = (programmes[rec["programme"]], establishments[rec["establishment"]])
        # Without a code, an existing offer keeps its own; a new one gets "programme-establishment".
        code = rec.get("code") or (by_pair[pair].code if pair in by_pair else
                                   f"{rec['programme']}-{rec['establishment']}")
        row_errors = []
        if reserved > rec["seats"]:
            row_errors.append(row_error(spec, row, "reserved_seats", rec.get("reserved_seats"),
                                     f"Places réservées ({reserved}) supérieures au nombre de places "
                                     f"({rec['seats']}).", mapping))
        if pair in seen_pairs:
            row_errors.append(row_error(spec, row, "programme", rec["programme"],
                                     f"Même filière et même établissement que la ligne {seen_pairs[pair]}.",
                                     mapping))
        if code in seen_codes and pair not in seen_pairs:  # the same pair is said above
            row_errors.append(row_error(spec, row, "code", code,
                                     f"Code offre déjà utilisé ligne {seen_codes[code]}.", mapping))
        current = by_pair.get(pair)
        other = by_code.get(code)
        if other is not None and other is not current:
            row_errors.append(row_error(spec, row, "code", code,
                                     "Ce code est déjà celui d'une autre offre de la campagne.", mapping))
        seen_pairs.setdefault(pair, row)
        seen_codes.setdefault(code, row)
        if row_errors:
            errors.extend(row_errors)
            continue
        values = {"code": code, "seats": rec["seats"], "reserved_seats": reserved}
        if current is None:
            counts["new"] += 1
            planned.append((None, pair, values))
        elif all(getattr(current, k) == v for k, v in values.items()):
            counts["unchanged"] += 1
        else:
            counts["updated"] += 1
            planned.append((current, pair, values))
    sort_errors(errors)
    result.errors = errors
    counts["errors"] = len(errors)
    counts["rows"] = len({r["_row"] for r in records} | {e["row"] for e in errors if e.get("row")})
    result.counts = counts
    if progress is not None:
        progress(counts["rows"] if not commit or errors else counts["rows"] - len(planned))
    if not commit or errors:
        record_if(record, result, campaign, actor, "dry_run" if not commit else "rejected", stored_name, job_id)
        return result
    for current, pair, values in planned:
        if current is None:
            offer = Offer(campaign_id=campaign.id, programme_id=pair[0], establishment_id=pair[1], **values)
            db.session.add(offer)
            db.session.flush()
            audit(actor, "offer.create", offer, after=values, reason=f"Import {filename}")
        else:
            before = {k: getattr(current, k) for k in values}
            for key, value in values.items():
                setattr(current, key, value)
            audit(actor, "offer.update", current, before=before, after=values, reason=f"Import {filename}")
        if progress is not None:
            progress(1)
    db.session.flush()
    result.committed = True
    record_if(record, result, campaign, actor, "committed", stored_name, job_id)
    return result


IMPORT = ImportKind(KIND, N_("Offres de places"), import_offers, template_workbook, "modele-import-offres",
                    "Offres de places (filière, établissement, places, places réservées).")


# --- the offers with their fill (export) -----------------------------------------------------

OFFER_COLUMNS = (
    "Code de l'offre", "Filière", "Niveau", "Secteur", "Établissement", "Ville", "Places",
    "Places réservées", "Affectations proposées", "Affectations acceptées", "Taux de remplissage",
)


def offer_rows(campaign: Campaign):
    # The placements are a later stage's: it lends the seats it holds ("held_seats").
    held = lookup("held_seats")(campaign.id)
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


EXPORT = ExportKind("offres", N_("Offres de places et remplissage"), "Offres de places", "Offres",
                    lambda campaign: OFFER_COLUMNS, offer_rows, "offers")
