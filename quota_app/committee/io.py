"""The committee member's offline score sheet: download, then upload through the import machinery.

The sheet (xlsx, written by the Excel engine's build_template): one row per file assigned to
the member in one committee, by code — the candidate's name beside it only outside blind mode,
never the reference —, the state of their review, one column per criterion whose header gives
the maximum (« Motivation (sur 20) ») with Excel's data validation 0..max, a comment column,
and a « Soumettre » column (Oui/Non), with an instructions sheet. Drafts and the prefill (the
diploma average) are filled in.

The upload (import kind "score_sheet", the member's own runs only: permissions) goes through
the dry run, then the confirmation, all or nothing, like every import:
  - each row's code must be one of the uploader's own live assignments in the campaign
    (another code, a withdrawn file, another member's file: an error naming the row); a code
    twice is an error; rows left out of the sheet change nothing;
  - each score within 0..max, two decimals at most; a blank cell is no score for that criterion
    (the row states the member's whole draft for that file: the sheet was downloaded with it);
  - « Soumettre » = Oui submits the file's scores (every weighted criterion scored, else an
    error per missing cell) and locks them, exactly as the page's « Soumettre »; blank or Non
    saves a draft;
  - a file already submitted must come back unchanged (it counts as unchanged); a change is
    refused;
  - after the deliberation's validation every row is refused (access.ensure_open), and the
    writer checks the lock again before each write.
The commit writes through reviewing.write_review (the page's own writer: audit, gap rule and
third review). The same file twice changes nothing the second time. The dry run fingerprints
the assignments' versions (counts["plan"]): if a page save happens before the confirmation,
the machinery analyses again instead of writing.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import record as audit
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import N_
from ..imports.common import (
    ImportResult, column_positions, open_upload, record_if, row_error, settle_analysis,
)
from ..imports.models import ImportRun
from ..imports.registry import ImportKind
from ..permissions import is_own_assignment
from ..spreadsheets import parsers
from ..spreadsheets.headers import find_header_row, match_columns
from ..spreadsheets.spec import ColumnSpec, SheetSpec, validate_rows
from ..spreadsheets.writer import build_template, safe_value
from ..timeutil import utcnow
from ..uploads_names import display_name
from . import access, reviewing
from .models import Committee, CommitteeMember, ReviewAssignment
from .scoring import CriterionSpec, fr_number, parse_score, prefill_scores, validate_scores

KIND = "score_sheet"
SHEET_NAME = "Notes"
LABEL = N_("Feuille de notes du comité")
STATE_LABELS = {"pending": "À noter", "draft": "Brouillon", "submitted": "Soumis"}
NOT_YOURS = ("Ce code n'est pas celui d'un dossier qui vous est attribué pour cette campagne : vérifiez "
             "la colonne « Code du dossier » (ne la modifiez pas).")


# --- the columns -----------------------------------------------------------------------------

def criterion_key(criterion: CriterionSpec) -> str:
    return f"c{criterion.id}"


def criterion_header(criterion: CriterionSpec) -> str:
    return f"{criterion.name} (sur {fr_number(criterion.max_score)})"


def _code(value) -> tuple[Any, str | None]:
    text, error = parsers.parse_text(value, max_length=20)
    if error or text is None:
        return text, error
    return text.replace(" ", "").upper(), None


def _comment(value) -> tuple[Any, str | None]:
    """Kept as typed (line breaks too): the page's comment comes back unchanged."""
    if value is None:
        return None, None
    text = str(value).replace("\r\n", "\n").strip()
    if len(text) > reviewing.COMMENT_MAX:
        return None, f"Commentaire trop long ({len(text)} caractères, au plus {reviewing.COMMENT_MAX})."
    return text or None, None


def _score(criterion: CriterionSpec) -> Callable[[Any], tuple[Any, str | None]]:
    def parse(value):
        try:
            number = parse_score(value)
        except ValueError as error:
            return None, f"{criterion.name} : {error} (valeur lue : « {value} »)."
        if number is None:
            return None, None
        checked = validate_scores([criterion], {criterion.id: number}, submit=False)
        if checked.errors:
            return None, checked.errors[criterion.id]
        return number, None
    return parse


def build_spec(criteria: list[CriterionSpec], *, with_names: bool = True) -> SheetSpec:
    columns = [ColumnSpec("code", "Code du dossier", required=True, parser=_code, width=16,
                          synonyms=("Code", "Code dossier"), help="Le code du dossier : ne le modifiez pas")]
    if with_names:
        columns.append(ColumnSpec("name", "Candidat", width=28, help="Pour information (non relu)"))
    columns.append(ColumnSpec("state", "État", width=12, help="Pour information (non relu)"))
    for criterion in criteria:
        columns.append(ColumnSpec(
            criterion_key(criterion), criterion_header(criterion), kind="decimal", parser=_score(criterion),
            synonyms=(criterion.name, criterion.code), width=max(14, len(criterion_header(criterion)) + 2),
            help=f"Note de 0 à {fr_number(criterion.max_score)}, deux décimales au plus"
                 + (" (préremplie d'après les données du dossier)" if criterion.prefill_source else "")))
    columns.append(ColumnSpec("comment", "Commentaire", parser=_comment, width=50))
    columns.append(ColumnSpec("submit", "Soumettre", kind="boolean", width=12,
                              help="Oui : soumettre et verrouiller les notes du dossier ; vide ou Non : brouillon"))
    return SheetSpec(SHEET_NAME, columns)


def _instructions(committee: Committee, blind: bool, member_name: str) -> list[str]:
    campaign = committee.campaign
    lines = [
        f"Feuille de notes — {committee.name} — campagne {campaign.code} : {campaign.title}",
        f"Évaluateur : {member_name}. Feuille téléchargée le {utcnow():%d/%m/%Y à %H:%M} (heure de Bamako).",
        "Une ligne par dossier qui vous est attribué : ne modifiez pas la colonne « Code du dossier ».",
        ("Notes : un nombre de 0 au maximum indiqué dans l'en-tête de la colonne, deux décimales au plus "
         "(virgule acceptée). Une cellule vide : pas de note pour ce critère."),
        ("Soumettre : « Oui » soumet les notes du dossier (tous les critères notés) et les verrouille ; "
         "vide ou « Non » : brouillon, modifiable ensuite."),
        "Un dossier déjà soumis doit rester tel quel ; une ligne supprimée ne change rien à son dossier.",
        ("Déposez la feuille dans votre espace du comité : elle est d'abord analysée sans rien enregistrer, "
         "puis vous validez ; elle est enregistrée en entier ou pas du tout."),
        "Cette feuille est confidentielle : ne la transmettez à personne.",
    ]
    if blind:
        lines.append("Évaluation anonyme : les dossiers sont désignés par leur code.")
    return lines


# --- the download ----------------------------------------------------------------------------

def member_sheet(actor, committee_id):
    """The member's sheet for one committee (a Workbook) and its download name; the download is
    recorded in the audit trail. NotFound for another committee, NotAllowed before the statement."""
    member = reviewing.signed_member(actor, committee_id)
    committee = member.committee
    campaign = committee.campaign
    blind = bool(campaign.blind_review)
    criteria = reviewing.criteria_of(campaign.id)
    assignments = reviewing.live_assignments(member)
    spec = build_spec(criteria, with_names=not blind)
    workbook = build_template(spec, _instructions(committee, blind, getattr(actor, "full_name", "") or ""),
                              rows=max(len(assignments), 1))
    sheet = workbook[SHEET_NAME]
    keys = [c.key for c in spec.columns]
    position = {key: index for index, key in enumerate(keys, start=1)}
    for row, assignment in enumerate(assignments, start=2):
        values = reviewing.stored_values(assignment)
        if assignment.status != "submitted":
            for criterion_id, value in prefill_scores(criteria, reviewing.prefill_data(assignment.application)).items():
                values.setdefault(criterion_id, value)
        state = "submitted" if assignment.status == "submitted" else "draft" if assignment.saved_at else "pending"
        cells = {"code": assignment.code, "state": STATE_LABELS[state], "comment": assignment.comment or None,
                 "submit": "Oui" if assignment.status == "submitted" else None}
        if not blind:
            cells["name"] = assignment.application.full_name
        for criterion in criteria:
            cells[criterion_key(criterion)] = values.get(criterion.id)
        for key, value in cells.items():
            if value is None:
                continue
            cell = sheet.cell(row=row, column=position[key], value=safe_value(value))
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text, never a formula
            if key == "comment":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    last = max(len(assignments), 1) + 1
    for criterion in criteria:
        letter = get_column_letter(position[criterion_key(criterion)])
        check = DataValidation(type="decimal", operator="between", formula1="0",
                               formula2=format(Decimal(criterion.max_score).normalize(), "f"), allow_blank=True)
        check.error = f"Saisissez une note de 0 à {fr_number(criterion.max_score)}."
        check.errorTitle = criterion.name
        check.showErrorMessage = True
        check.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(check)
    audit(actor, "committee.score_sheet.download", member, campaign_id=campaign.id,
          after={"files": len(assignments), "blind": blind})
    db.session.flush()
    return workbook, f"feuille-de-notes-{campaign.code}-comite-{committee.id}.xlsx"


def template_workbook(campaign):
    """The registry's blank template (criteria columns, no row): a member downloads their own
    filled sheet from their committee page instead."""
    criteria = reviewing.criteria_of(campaign.id)
    return build_template(build_spec(criteria, with_names=not campaign.blind_review),
                          [f"Feuille de notes — campagne {campaign.code} : {campaign.title}",
                           "Téléchargez votre feuille remplie de vos dossiers depuis votre espace du comité."])


def my_runs(actor, campaign_id: int, limit: int = 10) -> list[ImportRun]:
    """The member's own latest score-sheet imports in the campaign."""
    return list(db.session.scalars(select(ImportRun).where(
        ImportRun.kind == KIND, ImportRun.campaign_id == campaign_id, ImportRun.created_by_id == actor.id)
        .order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(limit)))


def dry_run(actor, committee_id, data: bytes, filename: str) -> ImportResult:
    """The upload from the member's page: kept, then analysed (nothing written but the run)."""
    from flask import current_app

    from ..imports import services as imports

    member = reviewing.signed_member(actor, committee_id)
    limit = current_app.config.get("IMPORT_BACKGROUND_BYTES", imports.DEFAULT_BACKGROUND_BYTES)
    if len(data) > limit:
        raise NotAllowed("Ce fichier est bien trop volumineux pour une feuille de notes : déposez la feuille "
                         "téléchargée depuis cette page.")
    stored = imports.store_upload(data)
    return imports.run_import(KIND, member.committee.campaign, data, display_name(filename, "feuille.xlsx"), actor,
                              commit=False, stored_name=stored)


# --- the import ------------------------------------------------------------------------------

def _own_assignments(actor, campaign_id: int) -> dict[str, ReviewAssignment]:
    """code -> the uploader's live assignments in the campaign (active memberships)."""
    if actor is None or not getattr(actor, "id", None):
        return {}
    rows = db.session.scalars(
        select(ReviewAssignment).join(CommitteeMember, CommitteeMember.id == ReviewAssignment.member_id)
        .join(Committee, Committee.id == CommitteeMember.committee_id)
        .where(Committee.campaign_id == campaign_id, CommitteeMember.user_id == actor.id,
               CommitteeMember.active.is_(True), ReviewAssignment.status != "withdrawn")
        .options(selectinload(ReviewAssignment.scores), selectinload(ReviewAssignment.member)))
    return {a.code: a for a in rows if is_own_assignment(actor, a)}


def _first_rows(rows, spec: SheetSpec) -> dict[str, int]:
    """code -> the first Excel row that names it, rows in error included (a code twice is an
    error on the later rows, whatever the first one holds)."""
    header = find_header_row(rows, spec, spec.header_search_rows)
    if header is None:
        return {}
    index = match_columns(rows[header], spec)[0].get("code")
    if index is None:
        return {}
    first: dict[str, int] = {}
    for number, cells in enumerate(rows[header + 1:], start=header + 2):
        code, _error = _code(cells[index] if cells and index < len(cells) else None)
        if code:
            first.setdefault(code, number)
    return first


def import_score_sheet(campaign, data: bytes, filename: str, actor=None, commit: bool = False,
                       progress: Callable[[int], None] | None = None, stored_name: str | None = None,
                       job_id: int | None = None, record: bool = True) -> ImportResult:
    sheet, result = open_upload(KIND, campaign, data, filename, actor, record, stored_name, job_id, progress)
    if sheet is None:
        return result
    criteria = reviewing.criteria_of(campaign.id)
    spec = build_spec(criteria, with_names=True)
    records, errors = validate_rows(sheet.rows, spec)
    mapping = column_positions(sheet.rows, spec)
    own = _own_assignments(actor, campaign.id)
    locked: dict[int, bool] = {}
    seen = _first_rows(sheet.rows, spec)
    planned = []
    counts = {"new": 0, "updated": 0, "unchanged": 0, "submitted": 0}
    for rec in records:
        row = rec["_row"]
        code = rec["code"]
        if seen.get(code, row) != row:
            errors.append(row_error(spec, row, "code", code, f"Même dossier que la ligne {seen[code]}.", mapping))
            continue
        assignment = own.get(code)
        if assignment is None:
            errors.append(row_error(spec, row, "code", code, NOT_YOURS, mapping))
            continue
        member = assignment.member
        if member.committee_id not in locked:
            locked[member.committee_id] = access.is_locked(member.committee_id)
        if locked[member.committee_id]:
            errors.append(row_error(spec, row, "code", code, access.LOCKED, mapping))
            continue
        if member.statement_signed_at is None:
            errors.append(row_error(spec, row, "code", code, reviewing.NOT_SIGNED, mapping))
            continue
        values = {c.id: rec.get(criterion_key(c)) for c in criteria if rec.get(criterion_key(c)) is not None}
        comment = rec.get("comment") or ""
        submit = bool(rec.get("submit"))
        if assignment.status == "submitted":
            if reviewing.same_content(assignment, values, comment):
                counts["unchanged"] += 1
            else:
                errors.append(row_error(spec, row, "code", code, reviewing.ALREADY_SUBMITTED, mapping))
            continue
        if campaign.phase not in reviewing.SCORING_PHASES:
            errors.append(row_error(spec, row, "code", code, reviewing.NOT_SCORING, mapping))
            continue
        if submit:
            missing = validate_scores(criteria, values, submit=True).missing
            if missing:
                for criterion in criteria:
                    if criterion.id in missing:
                        errors.append(row_error(spec, row, criterion_key(criterion), None,
                                                f"{criterion.name} : note manquante (« Soumettre » vaut Oui).",
                                                mapping))
                continue
        elif reviewing.same_content(assignment, values, comment):
            counts["unchanged"] += 1
            continue
        planned.append((assignment, values, comment, submit))
        counts["updated"] += 1
        counts["submitted"] += int(submit)
    counts["plan"] = reviewing.plan_fingerprint((a.id, a.version, int(s)) for a, _v, _c, s in planned)
    if not settle_analysis(result, records, errors, counts, planned=len(planned), commit=commit, progress=progress,
                           record=record, campaign=campaign, actor=actor, stored_name=stored_name, job_id=job_id):
        return result
    reason = f"Feuille de notes {filename}"
    for assignment, values, comment, submit in planned:
        reviewing.write_review(actor, assignment, criteria, values, comment, submit=submit, reason=reason)
        if progress is not None:
            progress(1)
    db.session.flush()
    result.committed = True
    record_if(record, result, campaign, actor, "committed", stored_name, job_id)
    return result


IMPORT = ImportKind(KIND, LABEL, import_score_sheet, template_workbook, "feuille-de-notes",
                    "Feuille de notes d'un membre du comité (--actor : son adresse e-mail).")
