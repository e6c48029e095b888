"""The AMCI's spreadsheets: the follow-up import and the nominative list export (its rows:
amci/lists.py).

AMCI / OFPPT follow-up: what the AMCI or the OFPPT send back about each trainee.

One row per trainee: AMCI file number, scholarship (monthly stipend in MAD, stored as minor
units through amci/money.py), visa, travel, arrival, enrolment, establishment, departure
cancelled, abandonment, completion, return to Mali, situation 6 and 12 months after the training,
the year's re-enrolment documents. `import_followup(campaign, data, filename, actor, commit=False)`:
- matches each row to an application of the campaign by its reference, else its NINA, else its
  passport; every other identifier given on the row must designate the same file;
- only placed, accepted or enrolled candidates receive a follow-up (DOMAIN.md: "for each
  confirmed candidate");
- an empty cell leaves the stored value as it is (a partial file from the AMCI never erases
  what is known); the import can therefore not blank a value: that is a correction by hand;
- the merged values go through the follow-up's rules (amci/followup_rules.py), and what they say
  moves the file as on the follow-up page (amci/followup.py `file_effects`): a visa refused or a
  departure cancelled before the training starts frees the seat for the waiting list, an
  enrolment and an abandonment move the file;
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
from ..applications.models import STATUS_LABELS, Application
from ..audit.services import record as audit
from ..campaigns.models import Campaign
from ..errors import Conflict
from ..exports.registry import ExportKind
from ..extensions import db
from ..i18n import N_
from ..imports.common import (
    ImportResult, open_upload, record_if, row_error, sheet_spec, sort_errors,
)
from ..imports.registry import ImportKind
from ..reference.models import Establishment
from ..spreadsheets import parsers
from ..spreadsheets.spec import ColumnSpec, SheetSpec, validate_rows
from ..timeutil import utcnow
from . import followup, followup_rules, lists, money
from .models import SITUATION_LABELS, VISA_LABELS, FollowUp, ReenrolmentRecord

KIND = "followup"
SHEET_NAME = "Suivi AMCI"
IN_CHUNK = 500  # identifiers per IN (...) query
FOLLOWABLE = ("placed", "accepted", "enrolled")
IDENTIFIERS = ("reference", "nina", "passport_number")
ID_LABELS = {"reference": "la référence", "nina": "le NINA", "passport_number": "le passeport"}
# Words met in AMCI and OFPPT files for the same four states (normalised form).
VISA_SYNONYMS = {
    "non commence": "not_started", "pas demande": "not_started", "a demander": "not_started",
    "en cours": "requested", "depose": "requested", "demande deposee": "requested",
    "en attente": "requested", "obtenu": "granted", "delivre": "granted", "accorde": "granted",
    "rejete": "refused", "refuse": "refused",
}
SITUATION_SYNONYMS = {
    "emploi": "employed", "employe": "employed", "salarie": "employed", "en emploi": "employed", "insere": "employed",
    "etudes": "further_study", "poursuite d etudes": "further_study", "formation": "further_study",
    "recherche": "seeking", "chomage": "seeking", "sans emploi": "seeking", "en recherche": "seeking",
    "autre": "other",
}
FIELDS = ("amci_file_number", "visa_status", "visa_date", "travel_date", "arrival_date",
          "enrolled_on", "establishment_id", "abandoned_on", "abandonment_reason", "stipend_minor",
          "departure_cancelled_on", "departure_cancelled_reason", "completed_on", "returned_on",
          "situation_6m", "situation_6m_sector", "situation_12m", "situation_12m_sector")
DEFAULTS = {name: followup_rules.DEFAULTS.get(name) for name in FIELDS}
# The rules' fields that are the sheet's columns under another name.
COLUMN_OF = {"establishment_id": "establishment", "stipend_minor": "stipend"}
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
_parse_situation = parsers.choice_parser(SITUATION_LABELS, SITUATION_SYNONYMS)


def _parse_stipend(value: Any):
    """A monthly amount in dirhams (« 750 », « 1 500,00 MAD ») as minor units."""
    return money.parse_amount(value)


def _parse_academic_year(value: Any):
    text_value, error = parsers.parse_text(value, max_length=20)
    if error or text_value is None:
        return text_value, error
    return followup_rules.check_academic_year(text_value)


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
        ColumnSpec("stipend", "Allocation mensuelle (MAD)", parser=_parse_stipend, width=18,
                   synonyms=("Allocation mensuelle", "Allocation", "Bourse mensuelle", "Montant de la bourse",
                             "Montant bourse (MAD)", "Bourse (MAD)"),
                   help="Montant mensuel en dirhams, par exemple 750,00"),
        ColumnSpec("departure_cancelled_on", "Départ annulé le", kind="date",
                   synonyms=("Date d'annulation du départ", "Annulation du départ", "Départ annulé")),
        ColumnSpec("departure_cancelled_reason", "Motif de l'annulation", options={"max_length": 500}, width=30,
                   synonyms=("Motif d'annulation du départ", "Motif de l'annulation du départ")),
        ColumnSpec("completed_on", "Fin de formation le", kind="date",
                   synonyms=("Date de fin de formation", "Fin de formation", "Diplômé le")),
        ColumnSpec("returned_on", "Retour au Mali le", kind="date",
                   synonyms=("Date de retour au Mali", "Retour au Mali", "Date de retour")),
        ColumnSpec("situation_6m", "Situation à 6 mois", kind="choice", choices=SITUATION_LABELS,
                   parser=_parse_situation, synonyms=("Situation 6 mois", "Insertion à 6 mois")),
        ColumnSpec("situation_6m_sector", "Secteur à 6 mois", options={"max_length": 120},
                   synonyms=("Secteur 6 mois", "Secteur d'emploi à 6 mois")),
        ColumnSpec("situation_12m", "Situation à 12 mois", kind="choice", choices=SITUATION_LABELS,
                   parser=_parse_situation, synonyms=("Situation 12 mois", "Insertion à 12 mois")),
        ColumnSpec("situation_12m_sector", "Secteur à 12 mois", options={"max_length": 120},
                   synonyms=("Secteur 12 mois", "Secteur d'emploi à 12 mois")),
        ColumnSpec("reenrolment_year", "Année de réinscription", parser=_parse_academic_year,
                   synonyms=("Année de formation", "Année académique", "Année scolaire"),
                   help="Année de formation des documents, ex. 2026-2027 (sinon déduite de la date)"),
        ColumnSpec("reenrolment_received_on", "Documents de réinscription reçus le", kind="date",
                   synonyms=("Réinscription reçue le", "Date de réinscription", "Dossier de réinscription reçu le",
                             "Documents de réinscription")),
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


def _shown(value):
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else value


def consistency_errors(merged: dict) -> list[tuple[str, Any, str]]:
    """The follow-up's rules (followup_rules.validate) on the values as they will be stored:
    [(column key, value, message)]."""
    return [(COLUMN_OF.get(key, key), _shown(merged.get(key)), message)
            for key, message in followup_rules.validate(merged).items()]


def _reenrolment_of(rec: dict) -> tuple[str, Any] | None:
    """(academic year, documents received on) from a row, or None when the row says nothing of it."""
    received, year = rec.get("reenrolment_received_on"), rec.get("reenrolment_year")
    if received is None and year is None:
        return None
    return year or followup_rules.academic_year_of(received), received


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


def _reenrolled(followups: Iterable[FollowUp]) -> dict[tuple[int, str], Any]:
    """(application id, academic year) -> documents received on, for the follow-ups read."""
    by_id = {f.id: f.application_id for f in followups}
    found = {}
    for chunk in _chunks(by_id):
        for follow_up_id, year, received in db.session.execute(
                select(ReenrolmentRecord.follow_up_id, ReenrolmentRecord.academic_year,
                       ReenrolmentRecord.documents_received_on).where(ReenrolmentRecord.follow_up_id.in_(chunk))):
            found[(by_id[follow_up_id], year)] = received
    return found


def _plan_digest(planned: list) -> str:
    items = [[cand.id, current.version if current is not None else 0,
              sorted((k, str(v)) for k, v in changed.items())] for cand, current, changed in planned]
    return hashlib.sha256(json.dumps(sorted(items), ensure_ascii=False).encode()).hexdigest()


def _plan(records: list[dict], matched: dict, followups: dict[int, FollowUp], held: dict,
          codes: dict[str, int], error_at: Callable, reenrolled: dict | None = None) -> tuple[list, dict, list]:
    """Sorts the matched rows into new, updated and unchanged follow-ups, with the errors that only
    the whole sheet and the stored follow-ups can tell. An empty cell keeps the stored value.
    `error_at(row, key, value, message)` builds an error; returns (planned, counts, errors)."""
    reenrolled = reenrolled or {}
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
        values = {k: rec.get(k) for k in FIELDS if k not in COLUMN_OF and rec.get(k) is not None}
        if rec.get("establishment"):
            values["establishment_id"] = codes[rec["establishment"]]
        if rec.get("stipend") is not None:
            values["stipend_minor"] = rec["stipend"]
        stored = followup_rules.DEFAULTS if current is None else {k: getattr(current, k) for k in followup_rules.FIELDS}
        before = {k: stored.get(k) for k in FIELDS}
        for key, value, message in consistency_errors({**stored, **values}):
            fail(key, value, message)
        changed = {k: v for k, v in values.items() if before.get(k) != v}
        reenrolment = _reenrolment_of(rec)
        if reenrolment is not None:
            year, received = reenrolment
            enrolled = values.get("enrolled_on") or stored.get("enrolled_on")
            if not enrolled:
                fail("reenrolment_received_on", _shown(received), "Une réinscription suit une inscription : "
                                                                  "renseignez la date d'inscription.")
            elif received is not None and received < enrolled:
                fail("reenrolment_received_on", _shown(received), "Les documents de réinscription sont datés "
                                                                  "avant l'inscription.")
            known = reenrolled.get((candidate.id, year)) if current is not None else None
            if known != received:
                changed["_reenrolment"] = (year, received)
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
        lambda row, key, value, message: row_error(spec, row, key, value, message, mapping),
        _reenrolled(followups.values()))
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
        changed = dict(changed)
        reenrolment = changed.pop("_reenrolment", None)
        stored = followup_rules.DEFAULTS if current is None else {k: getattr(current, k) for k in followup_rules.FIELDS}
        if current is None:
            current = FollowUp(application_id=candidate.id, **changed)
            db.session.add(current)
            audits.append(("follow_up.create", current, None, changed, stored, reenrolment))
        else:
            before = {k: getattr(current, k) for k in changed}
            for key, value in changed.items():
                setattr(current, key, value)
            audits.append(("follow_up.update", current, before, changed, stored, reenrolment))
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(N_("Un suivi de ce fichier a été modifié par quelqu'un d'autre pendant l'import ; "
                          "aucune donnée n'a été enregistrée. Relancez l'analyse du fichier.")) from exc
    reason = f"Import {filename}"
    for action, follow_up, before, after, stored, reenrolment in audits:
        if after:
            audit(actor, action, follow_up, before=before, after=after, reason=reason, campaign_id=campaign.id)
        if reenrolment is not None:
            _write_reenrolment(actor, follow_up, reenrolment, reason, campaign)
        if after:
            _move_file(actor, follow_up, stored)
        if progress is not None:
            progress(1)
    db.session.flush()


def _write_reenrolment(actor, follow_up: FollowUp, reenrolment: tuple, reason: str, campaign: Campaign) -> None:
    year, received = reenrolment
    row = db.session.scalars(select(ReenrolmentRecord).where(
        ReenrolmentRecord.follow_up_id == follow_up.id, ReenrolmentRecord.academic_year == year)).first()
    before = None if row is None else {"academic_year": year, "documents_received_on": row.documents_received_on}
    if row is None:
        row = ReenrolmentRecord(follow_up_id=follow_up.id, academic_year=year)
        db.session.add(row)
    row.documents_received_on = received
    db.session.flush()
    audit(actor, "amci.reenrolment", follow_up, before=before,
          after={"academic_year": year, "documents_received_on": received}, reason=reason, campaign_id=campaign.id)


def _move_file(actor, follow_up: FollowUp, stored: dict) -> None:
    """What the imported values say moves the file, as on the follow-up page (amci/followup.py)."""
    application = db.session.get(Application, follow_up.application_id)
    after = {k: getattr(follow_up, k) for k in followup_rules.FIELDS}
    followup.file_effects(actor, application, followup.nomination_for(application.id), stored, after,
                          utcnow(), "", kind="amci" if getattr(actor, "role", None) == "amci" else "manager")


IMPORT = ImportKind(KIND, N_("Suivi AMCI / OFPPT"), import_followup, template_workbook, "modele-import-suivi-amci",
                    "Suivi AMCI / OFPPT (n° dossier AMCI, allocation, visa, voyage, arrivée, inscription, départ "
                    "annulé, abandon, fin de formation, retour, situation à 6 et 12 mois, réinscription), "
                    "rattaché aux dossiers par référence, NINA ou passeport.")


# --- the nomination list (export) ----------------------------------------------------------
# The nominative list in the AMCI's model (amci/lists.py): nominated candidates only, none
# while nobody is nominated.

NOMINATION_COLUMNS = lists.COLUMNS


def nomination_rows(campaign: Campaign):
    """The campaign's list, nominations only, streamed in batches (amci/lists.py)."""
    return lists.spreadsheet_rows(campaign)


EXPORT = ExportKind("nomination", N_("Liste nominative AMCI"), "Liste nominative AMCI", "Liste AMCI",
                    lambda campaign: NOMINATION_COLUMNS, nomination_rows, "nomination")
