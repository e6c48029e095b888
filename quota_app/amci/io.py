"""The AMCI's spreadsheets: the follow-up import and the nomination list export.

AMCI / OFPPT follow-up: what the AMCI or the OFPPT send back about each trainee.

One row per trainee: AMCI file number, visa, travel, arrival, enrolment, establishment,
abandonment. `import_followup(campaign, data, filename, actor, commit=False)`:
- matches each row to an application of the campaign by its reference, else its NINA, else its
  passport; every other identifier given on the row must designate the same file;
- only placed, accepted or enrolled candidates receive a follow-up (DOMAIN.md: "for each
  confirmed candidate");
- an empty cell leaves the stored value as it is (a partial file from the AMCI never erases
  what is known); the import can therefore not blank a value: that is a correction by hand;
- counts: new (follow-up created), updated, unchanged, errors. Dry run writes nothing but the
  ImportRun; the commit is all or nothing and goes through the FollowUp version column, so a
  change made meanwhile by someone else raises Conflict instead of being overwritten.
  `counts["plan"]` fingerprints the planned writes (with the versions read): the confirm page
  compares it with the dry run's to refuse a plan that went stale between the two.
The caller commits once (or rolls back).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..applications.io import parse_passport  # the same passport rules as the applicants sheet
from ..applications.models import SEX_LABELS, STATUS_LABELS, Application, ApplicationChoice
from ..audit.services import record as audit
from ..campaigns.models import Campaign, Offer
from ..committee.models import EvaluationResult
from ..errors import Conflict
from ..exports.registry import ExportKind
from ..extensions import db
from ..imports.common import (
    ImportResult, open_upload, record_if, row_error, sheet_spec, sort_errors,
)
from ..imports.registry import ImportKind
from ..placement.seats import placed_offers
from ..reference.models import Diploma, Establishment, Programme, Series
from ..spreadsheets import parsers
from ..spreadsheets.spec import ColumnSpec, SheetSpec, validate_rows
from .models import FollowUp

KIND = "followup"
SHEET_NAME = "Suivi AMCI"
IN_CHUNK = 500  # identifiers per IN (...) query
FOLLOWABLE = ("placed", "accepted", "enrolled")
IDENTIFIERS = ("reference", "nina", "passport_number")
ID_LABELS = {"reference": "la référence", "nina": "le NINA", "passport_number": "le passeport"}
VISA_LABELS = {"not_started": "Non demandé", "requested": "Demandé", "granted": "Accordé",
               "refused": "Refusé"}
# Words met in AMCI and OFPPT files for the same four states (normalised form).
VISA_SYNONYMS = {
    "non commence": "not_started", "pas demande": "not_started", "a demander": "not_started",
    "en cours": "requested", "depose": "requested", "demande deposee": "requested",
    "en attente": "requested", "obtenu": "granted", "delivre": "granted", "accorde": "granted",
    "rejete": "refused", "refuse": "refused",
}
FIELDS = ("amci_file_number", "visa_status", "visa_date", "travel_date", "arrival_date",
          "enrolled_on", "establishment_id", "abandoned_on", "abandonment_reason")
DEFAULTS = {name: None for name in FIELDS} | {"visa_status": "not_started", "abandonment_reason": ""}
INSTRUCTIONS = [
    "Une ligne par stagiaire, à partir de la ligne 2.",
    "Chaque ligne est rattachée à un dossier de la campagne par sa référence (ex. MLI-2026-000123), "
    "à défaut par le NINA, à défaut par le numéro de passeport. Si plusieurs sont remplis, ils "
    "doivent désigner le même dossier.",
    "Seuls les candidats affectés, ayant accepté ou inscrits reçoivent un suivi.",
    "Une cellule vide laisse la valeur déjà enregistrée telle quelle. Dates au format jj/mm/aaaa ; "
    "Établissement : code de l'établissement (liste déroulante).",
    "Réimporter le même fichier ne modifie rien.",
]


def _parse_reference(value: Any):
    text_value, error = parsers.parse_text(value, max_length=30)
    if error or text_value is None:
        return text_value, error
    return "".join(text_value.split()).upper(), None


def _parse_file_number(value: Any):
    text_value, error = parsers.parse_text(value, max_length=40)
    if error or text_value is None:
        return text_value, error
    return text_value.upper(), None  # "amci-1" and "AMCI-1" are one file


_parse_visa = parsers.choice_parser(VISA_LABELS, VISA_SYNONYMS, noise=("visa",))


def _establishment_parser(codes: dict[str, int], names: dict[str, str]) -> Callable[[Any], tuple]:
    """Code (any case, spaces, hyphens ignored) or the establishment's full name."""
    return parsers.code_parser(codes, "Établissement inconnu : « {value} » (code attendu, ex. ISTA-CASA).",
                               max_length=200, names=names)


def _establishments() -> tuple[dict[str, int], dict[str, str]]:
    rows = db.session.execute(select(Establishment.code, Establishment.id, Establishment.name)
                              .where(Establishment.active.is_(True)).order_by(Establishment.code)).all()
    return {code: id_ for code, id_, _ in rows}, {code: name for code, _, name in rows}


def build_spec(codes: dict[str, int], names: dict[str, str]) -> SheetSpec:
    return SheetSpec(SHEET_NAME, [
        ColumnSpec("reference", "Référence", parser=_parse_reference, width=20,
                   synonyms=("Référence du dossier", "Réf. dossier", "Réf", "N° de référence",
                             "Référence DNFP", "Référence candidat"),
                   help="Référence du dossier (ex. MLI-2026-000123)"),
        ColumnSpec("nina", "NINA", kind="nina", width=20, help="Sans référence : le NINA du candidat"),
        ColumnSpec("passport_number", "N° passeport", parser=parse_passport,
                   synonyms=("Passeport", "Numéro de passeport", "N° de passeport"),
                   help="Sans référence ni NINA : le numéro de passeport"),
        ColumnSpec("amci_file_number", "N° dossier AMCI", parser=_parse_file_number, width=20,
                   synonyms=("Numéro de dossier AMCI", "Dossier AMCI", "N° AMCI", "Numéro AMCI",
                             "Réf. AMCI", "Référence AMCI"),
                   help="Numéro attribué par l'AMCI (unique par stagiaire)"),
        ColumnSpec("visa_status", "Statut visa", kind="choice", choices=VISA_LABELS, parser=_parse_visa,
                   synonyms=("Visa", "Statut du visa", "État du visa", "Situation visa")),
        ColumnSpec("visa_date", "Date du visa", kind="date",
                   synonyms=("Date visa", "Date de délivrance du visa", "Visa obtenu le")),
        ColumnSpec("travel_date", "Date de voyage", kind="date",
                   synonyms=("Date du voyage", "Date de départ", "Départ le", "Voyage le")),
        ColumnSpec("arrival_date", "Date d'arrivée", kind="date",
                   synonyms=("Date arrivée", "Arrivée le", "Arrivé(e) le", "Arrivée au Maroc")),
        ColumnSpec("enrolled_on", "Date d'inscription", kind="date",
                   synonyms=("Date inscription", "Inscrit(e) le", "Inscrit le", "Inscription le")),
        ColumnSpec("establishment", "Établissement", kind="choice", choices=list(codes) or ["-"],
                   parser=_establishment_parser(codes, names), width=22,
                   synonyms=("Code établissement", "Établissement d'accueil", "Établissement OFPPT",
                             "Institut"),
                   help="Code de l'établissement d'inscription"),
        ColumnSpec("abandoned_on", "Date d'abandon", kind="date", synonyms=("Abandon le", "Abandon")),
        ColumnSpec("abandonment_reason", "Motif d'abandon", options={"max_length": 500}, width=30,
                   synonyms=("Motif de l'abandon", "Raison de l'abandon", "Motif")),
    ])


def template_workbook(campaign: Campaign):
    from ..spreadsheets.writer import build_template

    lines = [f"Suivi AMCI / OFPPT des stagiaires — campagne {campaign.code} : {campaign.title}",
             *INSTRUCTIONS]
    return build_template(build_spec(*_establishments()), lines)


# --- matching (lookups read once, then pure) --------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    id: int
    reference: str | None
    nina: str | None
    passport_number: str | None
    status: str


def _chunks(values: Iterable, size: int = IN_CHUNK):
    values = sorted(set(values))
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _candidates(campaign: Campaign, records: list[dict]) -> dict[str, dict[str, Candidate]]:
    """The campaign's applications named by the sheet, keyed by each identifier."""
    cols = (Application.id, Application.reference, Application.nina, Application.passport_number,
            Application.status)
    found: dict[str, dict[str, Candidate]] = {key: {} for key in IDENTIFIERS}
    for key in IDENTIFIERS:
        column = getattr(Application, key)
        for chunk in _chunks(r[key] for r in records if r.get(key)):
            for row in db.session.execute(select(*cols).where(
                    Application.campaign_id == campaign.id, column.in_(chunk))):
                found[key][getattr(row, key)] = Candidate(*row)
    return found


def match(record: dict, found: dict[str, dict[str, Candidate]]) -> tuple[Candidate | None, str | None, str]:
    """(application, None, key) or (None, French message, key of the column to blame).

    The first identifier given (reference, NINA, passport) chooses the file; any other one given
    must designate the same file."""
    given = [key for key in IDENTIFIERS if record.get(key)]
    if not given:
        return None, "Renseignez la référence du dossier, le NINA ou le numéro de passeport.", "reference"
    first = given[0]
    chosen = found[first].get(record[first])
    if chosen is None:
        return None, (f"Aucun dossier de la campagne avec {ID_LABELS[first]} « {record[first]} »."), first
    for key in given[1:]:
        other = found[key].get(record[key])
        if other is None:
            return None, (f"{ID_LABELS[key].capitalize()} « {record[key]} » ne correspond à aucun dossier "
                          f"de la campagne, alors que {ID_LABELS[first]} désigne le dossier "
                          f"{chosen.reference}."), key
        if other.id != chosen.id:
            return None, (f"{ID_LABELS[first].capitalize()} et {ID_LABELS[key]} désignent deux dossiers "
                          f"différents ({chosen.reference} et {other.reference})."), key
    return chosen, None, first


def consistency_errors(merged: dict) -> list[tuple[str, Any, str]]:
    """Rules across columns, on the values as they will be stored: [(key, value, message)]."""
    errors = []
    travel, arrival = merged.get("travel_date"), merged.get("arrival_date")
    if travel and arrival and arrival < travel:
        errors.append(("arrival_date", arrival.strftime("%d/%m/%Y"),
                       f"La date d'arrivée précède la date de voyage ({travel:%d/%m/%Y})."))
    if merged.get("abandonment_reason") and not merged.get("abandoned_on"):
        errors.append(("abandoned_on", None, "Un motif d'abandon est donné sans date d'abandon."))
    return errors


# --- the import -------------------------------------------------------------------------------

def _followups(application_ids: Iterable[int]) -> dict[int, FollowUp]:
    result = {}
    for chunk in _chunks(application_ids):
        for fu in db.session.execute(select(FollowUp).where(FollowUp.application_id.in_(chunk))).scalars():
            result[fu.application_id] = fu
    return result


def _file_number_holders(numbers: Iterable[str]) -> dict[str, tuple[int, str | None]]:
    """AMCI file number -> (application id, its reference), across every campaign."""
    held = {}
    for chunk in _chunks(numbers):
        for number, app_id, reference in db.session.execute(
                select(FollowUp.amci_file_number, FollowUp.application_id, Application.reference)
                .join(Application, Application.id == FollowUp.application_id)
                .where(FollowUp.amci_file_number.in_(chunk))):
            held[number] = (app_id, reference)
    return held


def _plan_digest(planned: list) -> str:
    items = [[cand.id, current.version if current is not None else 0,
              sorted((k, str(v)) for k, v in changed.items())] for cand, current, changed in planned]
    return hashlib.sha256(json.dumps(sorted(items), ensure_ascii=False).encode()).hexdigest()


def _plan(records: list[dict], matched: dict, followups: dict[int, FollowUp], held: dict,
          codes: dict[str, int], error_at: Callable) -> tuple[list, dict, list]:
    """Sorts the matched rows into new, updated and unchanged follow-ups, with the errors that only
    the whole sheet and the stored follow-ups can tell. An empty cell keeps the stored value.
    `error_at(row, key, value, message)` builds an error; returns (planned, counts, errors)."""
    errors: list[dict] = []
    planned: list[tuple[Candidate, FollowUp | None, dict]] = []
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    seen_files: dict[int, int] = {}
    seen_numbers: dict[str, int] = {}
    for rec in records:
        row = rec["_row"]
        if row not in matched:
            continue
        candidate, id_key = matched[row]
        row_errors = []

        def fail(key, value, message):
            row_errors.append(error_at(row, key, value, message))

        if candidate.id in seen_files:
            fail(id_key, rec.get(id_key),
                 f"Le dossier {candidate.reference} figure déjà ligne {seen_files[candidate.id]} du fichier.")
        seen_files.setdefault(candidate.id, row)
        number = rec.get("amci_file_number")
        if number:
            if number in seen_numbers:
                fail("amci_file_number", number, f"N° dossier AMCI déjà présent ligne {seen_numbers[number]} "
                                                 "du fichier.")
            seen_numbers.setdefault(number, row)
            holder = held.get(number)
            if holder is not None and holder[0] != candidate.id:
                fail("amci_file_number", number, f"Ce N° dossier AMCI est déjà celui d'un autre stagiaire "
                                                 f"(dossier {holder[1]}).")
        current = followups.get(candidate.id)
        values = {k: rec.get(k) for k in FIELDS if k != "establishment_id" and rec.get(k) is not None}
        if rec.get("establishment"):
            values["establishment_id"] = codes[rec["establishment"]]
        before = DEFAULTS if current is None else {k: getattr(current, k) for k in FIELDS}
        for key, value, message in consistency_errors({**before, **values}):
            fail(key, value, message)
        changed = {k: v for k, v in values.items() if before.get(k) != v}
        if changed and candidate.status not in FOLLOWABLE:
            fail(id_key, rec.get(id_key),
                 f"Le dossier {candidate.reference} n'a pas de suivi AMCI (statut : "
                 f"{STATUS_LABELS.get(candidate.status, candidate.status)}) : seuls les candidats "
                 "affectés, ayant accepté ou inscrits en reçoivent un.")
        if row_errors:
            errors.extend(row_errors)
        elif not changed:
            counts["unchanged"] += 1
        else:
            counts["new" if current is None else "updated"] += 1
            planned.append((candidate, current, changed))
    return planned, counts, errors


def import_followup(campaign: Campaign, data: bytes, filename: str, actor=None, commit: bool = False,
                    progress: Callable[[int], None] | None = None,
                    stored_name: str | None = None, job_id: int | None = None,
                    record: bool = True) -> ImportResult:
    """Dry run (commit=False) or all-or-nothing commit. `progress(n)` is called as rows are done."""
    codes, names = _establishments()
    spec = build_spec(codes, names)
    sheet, result = open_upload(KIND, campaign, data, filename, actor, record, stored_name, job_id, progress,
                                spec=spec)
    if sheet is None:
        return result
    spec = sheet_spec(spec, result)
    records, errors = validate_rows(sheet.rows, spec, header=result.header)
    mapping = result.header.mapping
    if mapping and not any(key in mapping for key in IDENTIFIERS):
        records, errors = [], [{"sheet": spec.name, "row": None, "column": None, "value": None,
                                "column_index": None, "key": None,
                                "message": "Aucune colonne pour reconnaître les dossiers : ajoutez "
                                           "« Référence », « NINA » ou « N° passeport »."}]

    found = _candidates(campaign, records)
    matched = {}
    for rec in records:
        candidate, message, key = match(rec, found)
        if message:
            errors.append(row_error(spec, rec["_row"], key, rec.get(key), message, mapping))
        else:
            matched[rec["_row"]] = (candidate, key)
    followups = _followups(c.id for c, _ in matched.values())
    held = _file_number_holders(r["amci_file_number"] for r in records
                                if r.get("amci_file_number") and r["_row"] in matched)

    planned, counts, plan_errors = _plan(
        records, matched, followups, held, codes,
        lambda row, key, value, message: row_error(spec, row, key, value, message, mapping))
    errors.extend(plan_errors)

    sort_errors(errors)
    result.errors = errors
    counts["errors"] = len(errors)
    counts["rows"] = len({r["_row"] for r in records} | {e["row"] for e in errors if e.get("row")})
    counts["plan"] = _plan_digest(planned)
    result.counts = counts
    if not commit or errors:
        if progress is not None:
            progress(counts["rows"])
        record_if(record, result, campaign, actor, "rejected" if commit else "dry_run", stored_name, job_id)
        return result
    if progress is not None:
        progress(counts["rows"] - len(planned))
    _write(planned, campaign, actor, filename, progress)
    result.committed = True
    record_if(record, result, campaign, actor, "committed", stored_name, job_id)
    return result


def _write(planned: list, campaign: Campaign, actor, filename: str, progress) -> None:
    """ORM writes (follow-up volumes are small): the version column guards every UPDATE."""
    audits = []
    for candidate, current, changed in planned:
        if current is None:
            current = FollowUp(application_id=candidate.id, **changed)
            db.session.add(current)
            audits.append(("follow_up.create", current, None, changed))
        else:
            before = {k: getattr(current, k) for k in changed}
            for key, value in changed.items():
                setattr(current, key, value)
            audits.append(("follow_up.update", current, before, changed))
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict("Un suivi de ce fichier a été modifié par quelqu'un d'autre pendant l'import ; "
                       "aucune donnée n'a été enregistrée. Relancez l'analyse du fichier.") from exc
    for action, follow_up, before, after in audits:
        audit(actor, action, follow_up, before=before, after=after, reason=f"Import {filename}",
              campaign_id=campaign.id)
        if progress is not None:
            progress(1)
    db.session.flush()


IMPORT = ImportKind(KIND, "Suivi AMCI / OFPPT", import_followup, template_workbook, "modele-import-suivi-amci",
                    "Suivi AMCI / OFPPT (n° dossier AMCI, visa, voyage, arrivée, inscription, abandon), "
                    "rattaché aux dossiers par référence, NINA ou passeport.")


# --- the nomination list (export) ----------------------------------------------------------

NOMINATION_COLUMNS = (
    "N°", "Référence", "Nom", "Prénoms", "Sexe", "Date de naissance", "NINA", "Passeport",
    "Diplôme", "Série", "Moyenne /20", "Choix 1", "Choix 2", "Choix 3", "Affectation",
    "Note finale", "Rang",
)
NOMINATION_BATCH = 1000


def nomination_rows(campaign: Campaign):
    """Plain columns streamed in batches, each batch's choices in one query (no ORM objects)."""
    placed = placed_offers(campaign.id)
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


EXPORT = ExportKind("nomination", "Liste nominative AMCI", "Liste nominative AMCI", "Liste AMCI",
                    lambda campaign: NOMINATION_COLUMNS, nomination_rows, "nomination")
