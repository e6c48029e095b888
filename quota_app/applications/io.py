"""The applications' spreadsheets: the applicants import and the applications list export.

Applicants typed from paper forms: one row per applicant, imported into one campaign.

`import_applicants(campaign, data, filename, actor, commit=False)`:
- reads the file (safety checks first), validates every row against the sheet's spec and
  against the campaign (offer codes of Choix 1/2/3, NINA or passport present, no duplicate in
  the file) and sorts each valid row into:
    new        no application of the campaign carries its NINA (nor, without NINA, its passport);
    unchanged  the same NINA/passport with exactly the same data: nothing to do (re-import);
    conflict   the same NINA/passport with different data: reported, never overwritten.
- dry run (commit=False): writes nothing but the ImportRun (status "dry_run") and its audit event.
- commit: all or nothing. The rows are validated and built into insert rows in a second
  thread while this one writes the chunks already built, inside a savepoint (COPY on
  PostgreSQL, multi-row INSERTs on SQLite; no ORM object per row, ids computed here,
  references taken from the campaign's ReferenceCounter). With any error the savepoint is rolled back: no applicant is
  written (run "rejected").
The caller commits once (or rolls back).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import func, insert, select, update

from ..campaigns.models import Campaign, Offer
from ..extensions import db
from ..imports.bulk import BulkTable, InBackground, allocate_ids, begin_savepoint, page_cache
from ..imports.common import (
    ImportResult, column_positions, open_upload, record_if, row_error, sort_errors,
)
from ..imports.registry import ImportKind
from ..reference.models import Diploma, Region, Series
from ..spreadsheets import parsers
from ..spreadsheets.spec import ColumnSpec, SheetSpec, iter_records
from ..timeutil import age_on, utcnow
from . import status
from .models import (
    MAX_CHOICES, SEARCH_NAME_LENGTH, SEX_LABELS, STATUS_LABELS, Applicant, Application, ApplicationChoice,
    ReferenceCounter, search_key,
)

KIND = "applicants"
# A paper file typed in a regional office arrives submitted (applications/status.py allows the
# import to create it so).
IMPORTED_STATUS = "submitted"
SHEET_NAME = "Candidats"
CHUNK_SIZE = 2000
CACHE_MB = 24  # SQLite's page cache while the commit writes (bulk.page_cache); memory stays < 300 MB
SEX_CHOICES = {"M": "Homme", "F": "Femme"}
# Application columns compared to tell "unchanged" from "conflict".
COMPARED = ("last_name", "first_names", "sex", "birth_date", "birth_place", "nina",
            "passport_number", "phone", "region_id", "diploma_id", "series_id", "diploma_year",
            "diploma_average")
CHOICE_KEYS = tuple(f"choice{rank}" for rank in range(1, MAX_CHOICES + 1))
VALUE_KEYS = COMPARED  # the keys of _values(), in its order: a new row is kept as their tuple
FIELD_LABELS = {
    "last_name": "Nom", "first_names": "Prénom(s)", "sex": "Sexe", "birth_date": "Date de naissance",
    "birth_place": "Lieu de naissance", "nina": "NINA", "passport_number": "N° passeport",
    "phone": "Téléphone", "region_id": "Région", "diploma_id": "Diplôme", "series_id": "Série",
    "diploma_year": "Année du diplôme", "diploma_average": "Moyenne", "choices": "Choix",
}
INSTRUCTIONS = [
    "Une ligne par candidat, à partir de la ligne 2. Les colonnes marquées * sont obligatoires.",
    "Renseignez le NINA ou, à défaut, le numéro de passeport : c'est lui qui identifie le candidat.",
    "Dates au format jj/mm/aaaa. Choix 1, 2 et 3 : codes des offres de la campagne (liste déroulante).",
    "Réimporter le même fichier ne crée rien de nouveau ; un NINA déjà connu avec d'autres "
    "données est signalé comme conflit et n'est jamais écrasé.",
]


def parse_passport(value: Any):
    text_value, error = parsers.parse_text(value, max_length=20)
    if error or text_value is None:
        return text_value, error
    passport = "".join(text_value.split()).upper()
    if not passport.isalnum() or len(passport) < 5:
        return None, f"Numéro de passeport invalide : « {value} » (lettres et chiffres, 5 à 20 caractères)."
    return passport, None


def _parse_offer_code(codes: dict[str, int]) -> Callable[[Any], tuple]:
    return parsers.code_parser(codes, "Code d'offre inconnu dans cette campagne : « {value} ».")


class _Context:
    """The campaign's lookup tables, read once."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.today = dt.date.today()
        regions = db.session.execute(select(Region).where(Region.active.is_(True)).order_by(Region.code)).scalars().all()
        diplomas = db.session.execute(select(Diploma).where(Diploma.active.is_(True)).order_by(Diploma.rank)).scalars().all()
        series = db.session.execute(select(Series).where(Series.active.is_(True)).order_by(Series.code)).scalars().all()
        self.regions = {r.code: r.name for r in regions}
        self.region_ids = {r.code: r.id for r in regions}
        self.diplomas = {d.code: d.name for d in diplomas}
        self.diploma_ids = {d.code: d.id for d in diplomas}
        self.diploma_has_series = {d.code: d.has_series for d in diplomas}
        self.series = {s.code: s.name for s in series}
        self.series_ids = {s.code: s.id for s in series}
        self.series_diploma = {s.code: s.diploma_id for s in series}
        self.offer_ids = dict(db.session.execute(
            select(Offer.code, Offer.id).where(Offer.campaign_id == campaign.id).order_by(Offer.code)).all())


def build_spec(ctx: _Context) -> SheetSpec:
    year = dt.date.today().year
    offer_codes = list(ctx.offer_ids) or ["(aucune offre)"]
    offer_parser = _parse_offer_code(ctx.offer_ids)
    columns = [
        ColumnSpec("last_name", "Nom", required=True, options={"max_length": 100}, synonyms=("Nom de famille",)),
        ColumnSpec("first_names", "Prénom(s)", required=True, options={"max_length": 150},
                   synonyms=("Prénom", "Prénoms")),
        ColumnSpec("sex", "Sexe", kind="choice", required=True, choices=SEX_CHOICES, width=10),
        ColumnSpec("birth_date", "Date de naissance", kind="date", required=True,
                   synonyms=("Né(e) le", "Né le", "Née le", "Ne(e) le")),
        ColumnSpec("birth_place", "Lieu de naissance", options={"max_length": 100}, synonyms=("Né(e) à",)),
        ColumnSpec("nina", "NINA", kind="nina", width=20),
        ColumnSpec("passport_number", "N° passeport", synonyms=("Passeport", "Numéro de passeport"),
                   parser=parse_passport, help="Lettres et chiffres (obligatoire sans NINA)"),
        ColumnSpec("phone", "Téléphone", kind="phone", width=16),
        ColumnSpec("region", "Région", kind="choice", choices=ctx.regions or {"00": "District de Bamako"},
                   help="Code (00, 01…) ou nom de la région"),
        ColumnSpec("diploma", "Diplôme", kind="choice", required=True,
                   choices=ctx.diplomas or {"BAC": "Baccalauréat"}),
        ColumnSpec("series", "Série", kind="choice", choices=ctx.series or {"-": "-"}),
        ColumnSpec("diploma_year", "Année du diplôme", kind="integer",
                   options={"min_value": 1960, "max_value": year}),
        ColumnSpec("diploma_average", "Moyenne", kind="decimal",
                   options={"min_value": 0, "max_value": 20, "places": 2}, help="Sur 20, ex. 12,5"),
    ]
    for rank in range(1, MAX_CHOICES + 1):
        columns.append(ColumnSpec(f"choice{rank}", f"Choix {rank}", kind="choice", required=rank == 1,
                                  choices=offer_codes, parser=offer_parser, width=22,
                                  help="Code d'une offre de la campagne"))
    return SheetSpec(SHEET_NAME, columns)


def template_workbook(campaign: Campaign):
    from ..spreadsheets.writer import build_template

    ctx = _Context(campaign)
    lines = [f"Import des candidats (fiches papier) — campagne {campaign.code} : {campaign.title}", *INSTRUCTIONS]
    return build_template(build_spec(ctx), lines)


def _values(record: dict, ctx: _Context) -> dict:
    series_code = record.get("series")
    return {
        "last_name": record["last_name"], "first_names": record["first_names"], "sex": record["sex"],
        "birth_date": record["birth_date"], "birth_place": record.get("birth_place"),
        "nina": record.get("nina"), "passport_number": record.get("passport_number"),
        "phone": record.get("phone"),
        "region_id": ctx.region_ids.get(record.get("region")) if record.get("region") else None,
        "diploma_id": ctx.diploma_ids.get(record["diploma"]),
        "series_id": ctx.series_ids.get(series_code) if series_code else None,
        "diploma_year": record.get("diploma_year"),
        "diploma_average": (Decimal(record["diploma_average"]).quantize(Decimal("0.01"))
                            if record.get("diploma_average") is not None else None),
    }


def _check_row(record: dict, spec: SheetSpec, ctx: _Context, mapping: dict) -> list[dict]:
    """Cross-column rules that a single cell cannot tell."""
    row = record["_row"]
    errors = []
    if not record.get("nina") and not record.get("passport_number"):
        errors.append(row_error(spec, row, "nina", None,
                                 "Renseignez le NINA ou, à défaut, le numéro de passeport.", mapping))
    series = record.get("series")
    diploma = record.get("diploma")
    if series and diploma and ctx.series_diploma.get(series) != ctx.diploma_ids.get(diploma):
        errors.append(row_error(spec, row, "series", series,
                                 f"La série « {series} » ne correspond pas au diplôme « {diploma} ».", mapping))
    birth = record.get("birth_date")
    if birth and birth > ctx.today:
        errors.append(row_error(spec, row, "birth_date", birth.strftime("%d/%m/%Y"),
                                 "La date de naissance est dans le futur.", mapping))
    codes = [record.get(key) for key in CHOICE_KEYS]
    filled = [code for code in codes if code]
    if len(set(filled)) == len(filled) and all(codes[:len(filled)]):
        return errors  # the usual row: distinct choices, no gap (the checks below find nothing)
    seen = {}
    for rank in range(1, MAX_CHOICES + 1):
        code = record.get(f"choice{rank}")
        if not code:
            continue
        if code in seen:
            errors.append(row_error(spec, row, f"choice{rank}", code,
                                     f"Offre « {code} » déjà choisie en choix {seen[code]}.", mapping))
        seen[code] = rank
    ranks = [r for r in range(1, MAX_CHOICES + 1) if record.get(f"choice{r}")]
    if ranks and ranks != list(range(1, len(ranks) + 1)):
        missing = next(r for r in range(1, MAX_CHOICES + 1) if r not in ranks)
        errors.append(row_error(spec, row, f"choice{missing}", None,
                                 f"Choix {missing} vide alors qu'un choix suivant est rempli.", mapping))
    return errors


def _existing(campaign: Campaign) -> tuple[dict, dict, dict]:
    """Existing applications of the campaign keyed by NINA and by passport, and their choices."""
    cols = [Application.id, *(getattr(Application, name) for name in COMPARED)]
    by_nina, by_passport = {}, {}
    for row in db.session.execute(select(*cols).where(Application.campaign_id == campaign.id)):
        data = dict(row._mapping)
        if data["nina"]:
            by_nina[data["nina"]] = data
        if data["passport_number"]:
            by_passport[data["passport_number"]] = data
    choices: dict[int, list[int]] = {}
    for app_id, offer_id, _rank in db.session.execute(
            select(ApplicationChoice.application_id, ApplicationChoice.offer_id, ApplicationChoice.rank)
            .join(Application, Application.id == ApplicationChoice.application_id)
            .where(Application.campaign_id == campaign.id)
            .order_by(ApplicationChoice.application_id, ApplicationChoice.rank)):
        choices.setdefault(app_id, []).append(offer_id)
    return by_nina, by_passport, choices


def _differences(current: dict, values: dict, current_choices: list[int], offer_ids: list[int]) -> list[str]:
    diffs = []
    for name in COMPARED:
        old, new = current.get(name), values.get(name)
        if isinstance(old, Decimal) or isinstance(new, Decimal):
            old = None if old is None else Decimal(old).quantize(Decimal("0.01"))
            new = None if new is None else Decimal(new).quantize(Decimal("0.01"))
        if old != new:
            diffs.append(FIELD_LABELS[name])
    if current_choices != offer_ids:
        diffs.append(FIELD_LABELS["choices"])
    return diffs


def import_applicants(campaign: Campaign, data: bytes, filename: str, actor=None, commit: bool = False,
                      progress: Callable[[int], None] | None = None,
                      stored_name: str | None = None, job_id: int | None = None,
                      record: bool = True) -> ImportResult:
    """Dry run (commit=False) or all-or-nothing commit. `progress(n)` is called as rows are done."""
    sheet, result = open_upload(KIND, campaign, data, filename, actor, record, stored_name, job_id, progress)
    if sheet is None:
        return result
    # A commit consumes the sheet's rows as it validates them (its error report, if any, comes
    # from analysing the stored file again, as for every import).
    plan = _Plan(campaign, sheet.rows, result, consume=commit)
    if not commit:
        for _chunk in plan.chunks():
            pass
        plan.finish()
        if progress is not None:
            progress(result.counts["rows"])
        record_if(record, result, campaign, actor, "dry_run", stored_name, job_id)
        return result

    # The commit validates and writes at the same time: the rows are checked and turned into
    # insert rows in a second thread while this one writes the chunks already done (the
    # database works while Python validates). The writes go inside a savepoint: an error in
    # any later row undoes them all, and the rejected run is still recorded.
    status.check_initial(IMPORTED_STATUS, "import")  # the files it creates, through the one table
    result.rows = []
    writer = _Writer(campaign)
    savepoint = None
    written = 0
    with page_cache(CACHE_MB), InBackground(writer.builder.build(chunk) for chunk in plan.chunks()) as chunks:
        for chunk in chunks:
            if plan.errors:  # the import is rejected: what remains is only validated
                continue
            if savepoint is None:
                savepoint = begin_savepoint()
            writer.write(chunk)
            written += chunk.count
            if progress is not None:
                progress(chunk.count)
    plan.finish()
    if plan.errors:
        if savepoint is not None:
            savepoint.rollback()
        record_if(record, result, campaign, actor, "rejected", stored_name, job_id)
        return result
    if savepoint is not None:
        savepoint.commit()
    if progress is not None:
        progress(result.counts["rows"] - written)
    result.committed = True
    record_if(record, result, campaign, actor, "committed", stored_name, job_id)
    return result


class _Plan:
    """Validates the sheet's rows and sorts them into new, unchanged, conflicts and errors.

    `chunks()` yields the new rows, CHUNK_SIZE at a time, each as (values in VALUE_KEYS order,
    offer ids by rank); it touches no database, so it may run in another thread. Errors and
    conflicts accumulate in `result` as they are found; `finish()` sorts them and sets the
    counts. New rows are tuples, never kept as dicts: 100,000 dicts would double the peak memory."""

    def __init__(self, campaign: Campaign, rows: list, result: ImportResult, consume: bool = False):
        self.rows = rows
        self.consume = consume
        self.result = result
        self.ctx = _Context(campaign)
        self.spec = build_spec(self.ctx)
        self.mapping = column_positions(rows, self.spec)
        self.by_nina, self.by_passport, self.existing_choices = _existing(campaign)
        self.errors: list[dict] = []
        self.new = self.unchanged = self.valid = 0
        self.flagged_rows: set[int] = set()  # rows that parsed but failed a cross-column check

    def chunks(self):
        ctx, spec, mapping, errors = self.ctx, self.spec, self.mapping, self.errors
        by_nina, by_passport, offer_of = self.by_nina, self.by_passport, self.ctx.offer_ids
        seen_nina: dict[str, int] = {}
        seen_passport: dict[str, int] = {}
        chunk: list[tuple[tuple, list[int]]] = []
        for row in iter_records(self.rows, spec, errors, consume=self.consume):
            self.valid += 1
            row_errors = _check_row(row, spec, ctx, mapping)
            nina, passport = row.get("nina"), row.get("passport_number")
            if nina and nina in seen_nina:
                row_errors.append(row_error(spec, row["_row"], "nina", nina,
                                             f"NINA déjà présent ligne {seen_nina[nina]} du fichier.", mapping))
            if passport and passport in seen_passport:
                row_errors.append(row_error(spec, row["_row"], "passport_number", passport,
                                             f"Passeport déjà présent ligne {seen_passport[passport]} du fichier.",
                                             mapping))
            if nina:
                seen_nina.setdefault(nina, row["_row"])
            if passport:
                seen_passport.setdefault(passport, row["_row"])
            if row_errors:
                errors.extend(row_errors)
                self.flagged_rows.add(row["_row"])
                continue
            values = _values(row, ctx)
            offer_ids = [offer_of[code] for code in [row.get(key) for key in CHOICE_KEYS] if code]
            current = by_nina.get(nina) if nina else by_passport.get(passport)
            if current is None and nina and passport and passport in by_passport:
                current = by_passport[passport]  # the passport is already someone's file
            if current is None:
                self.new += 1
                chunk.append((tuple(values.values()), offer_ids))
                if len(chunk) == CHUNK_SIZE:
                    yield chunk
                    chunk = []
                continue
            self._compare(row, nina, passport, current, values, offer_ids)
        if chunk:
            yield chunk

    def _compare(self, row: dict, nina, passport, current: dict, values: dict, offer_ids: list[int]) -> None:
        diffs = _differences(current, values, self.existing_choices.get(current["id"], []), offer_ids)
        if not diffs:
            self.unchanged += 1
            return
        key = "NINA" if nina and current.get("nina") == nina else "N° passeport"
        self.result.conflicts.append({
            "sheet": self.spec.name, "row": row["_row"], "key": key,
            "value": nina if key == "NINA" else passport,
            "fields": diffs,
            "message": (f"{key} déjà enregistré dans la campagne avec d'autres données "
                        f"({', '.join(diffs)}) : la ligne n'est pas importée, le dossier "
                        "existant n'est pas modifié."),
        })

    def finish(self) -> None:
        errors, result = self.errors, self.result
        sort_errors(errors)
        result.errors = errors
        result.counts = {"new": self.new, "unchanged": self.unchanged, "conflicts": len(result.conflicts),
                         "errors": len(errors),
                         "rows": self.valid + len({e["row"] for e in errors if e.get("row")} - self.flagged_rows)}


def _reserve_references(campaign: Campaign, count: int) -> int:
    """Takes `count` references in one atomic increment; returns the first number."""
    if count == 0:
        return 0
    stmt = (update(ReferenceCounter).where(ReferenceCounter.campaign_id == campaign.id)
            .values(last_value=ReferenceCounter.last_value + count)
            .execution_options(synchronize_session=False))
    if db.session.execute(stmt).rowcount != 1:
        prefix = f"{campaign.reference_prefix}-{campaign.year}-"
        used = db.session.scalar(select(func.max(Application.reference)).where(
            Application.campaign_id == campaign.id, Application.reference.like(prefix + "%")))
        start = int(used[len(prefix):]) if used and used[len(prefix):].isdigit() else 0
        db.session.execute(insert(ReferenceCounter.__table__),
                           [{"campaign_id": campaign.id, "last_value": start + count}])
        return start + 1
    last = db.session.scalar(select(ReferenceCounter.last_value).where(
        ReferenceCounter.campaign_id == campaign.id))
    return last - count + 1


class _SearchNames:
    """search_key(last_name, first_names), with each name folded once per import.

    search_key folds every character on its own (NFKD, accents, case, apostrophes, then any
    other run of punctuation becomes one space) and the two names are joined by a space, a
    separator for every step: so the key of the pair is the keys of the two names joined by a
    space, dropping an empty one. Names repeat (a few thousand for 100,000 rows), so their
    keys are cached. A key long enough to be cut at SEARCH_NAME_LENGTH is computed whole."""

    def __init__(self):
        self.cache: dict[str, str] = {}

    def part(self, name: str | None) -> str:
        if not name:
            return ""
        key = self.cache.get(name)
        if key is None:
            key = search_key(name)
            if len(self.cache) < 50_000:
                self.cache[name] = key
        return key

    def __call__(self, last_name: str | None, first_names: str | None) -> str:
        last, first = self.part(last_name), self.part(first_names)
        key = f"{last} {first}" if last and first else last or first
        if len(key) >= SEARCH_NAME_LENGTH - 1:
            return search_key(last_name, first_names)
        return key


class _Chunk:
    """One chunk's insert rows, built off the database; ids and references come at writing.
    Until then each choice row holds its application's offset in the chunk."""

    __slots__ = ("count", "applicants", "applications", "choices")

    def __init__(self, applicants: list, applications: list, choices: list):
        self.count = len(applications)
        self.applicants, self.applications, self.choices = applicants, applications, choices


APPLICANT_NAMES = ("id", "user_id", "source", "created_at", "updated_at")
APPLICATION_NAMES = ("id", "reference", "campaign_id", "applicant_id", "status", "nationality", "submitted_at",
                     "identity_warnings", "version", "created_at", "updated_at", *VALUE_KEYS, "search_name")
CHOICE_NAMES = ("id", "application_id", "offer_id", "rank")


class _RowBuilder:
    """Turns _Plan.chunks() items into insert rows, values converted for the database: the
    work that needs no database, done in the validation thread."""

    def __init__(self, campaign: Campaign, dialect):
        self.campaign_id = campaign.id
        self.now = utcnow()
        self.search_name = _SearchNames()
        self.applicants = BulkTable(Applicant.__table__, APPLICANT_NAMES, dialect, filled_later=("id",))
        self.applications = BulkTable(Application.__table__, APPLICATION_NAMES, dialect,
                                      filled_later=("id", "reference", "applicant_id"))
        self.choices = BulkTable(ApplicationChoice.__table__, CHOICE_NAMES, dialect,
                                 filled_later=("id", "application_id"))

    def build(self, chunk: list[tuple]) -> _Chunk:
        now, campaign_id, search_name = self.now, self.campaign_id, self.search_name
        nina_at, birth_at = VALUE_KEYS.index("nina"), VALUE_KEYS.index("birth_date")
        last_at, first_at = VALUE_KEYS.index("last_name"), VALUE_KEYS.index("first_names")
        warning_of = parsers.nina_birth_year_warning
        applicant_rows = [[None, None, "import", now, now] for _ in chunk]
        application_rows, choice_rows = [], []
        for offset, (values, offer_ids) in enumerate(chunk):
            warning = warning_of(values[nina_at], values[birth_at])
            application_rows.append([
                None, None, campaign_id, None, IMPORTED_STATUS, "MLI", now, [warning] if warning else None, 1, now, now,
                *values, search_name(values[last_at], values[first_at])])
            for rank, offer_id in enumerate(offer_ids, start=1):
                choice_rows.append([None, offset, offer_id, rank])
        return _Chunk(self.applicants.prepare(applicant_rows), self.applications.prepare(application_rows),
                      self.choices.prepare(choice_rows))


class _Writer:
    """Writes built chunks: applicants, applications and their choices, with ids and
    references taken chunk by chunk (the counter's row stays locked by the first UPDATE until
    the commit, so a chunk's references follow the previous chunk's)."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.prefix = f"{campaign.reference_prefix}-{campaign.year}-"
        self.sequences: dict[str, str] = {}
        self.builder = _RowBuilder(campaign, db.engine.dialect)

    def write(self, chunk: _Chunk) -> None:
        rows = self.builder
        # The counter's UPDATE comes first: it serialises two imports into the same campaign.
        first_ref = _reserve_references(self.campaign, chunk.count)
        applicant_ids = allocate_ids(rows.applicants.table, chunk.count, self.sequences)
        application_ids = allocate_ids(rows.applications.table, chunk.count, self.sequences)
        choice_ids = allocate_ids(rows.choices.table, len(chunk.choices), self.sequences)
        for row, applicant_id in zip(chunk.applicants, applicant_ids):
            row[0] = applicant_id
        prefix = self.prefix
        for offset, row in enumerate(chunk.applications):
            row[0], row[1], row[3] = application_ids[offset], f"{prefix}{first_ref + offset:06d}", applicant_ids[offset]
        for row, choice_id in zip(chunk.choices, choice_ids):
            row[0], row[1] = choice_id, application_ids[row[1]]
        rows.applicants.send(chunk.applicants)
        rows.applications.send(chunk.applications)
        rows.choices.send(chunk.choices)


# --- the list of applications (export) ----------------------------------------------------

LIST_COLUMNS = (
    "Référence", "Nom", "Prénoms", "Sexe", "Date de naissance", "Âge à la date de référence",
    "NINA", "Passeport", "Téléphone", "E-mail", "Région (code)", "Région", "Diplôme", "Série",
    "Année du diplôme", "Moyenne /20", "Choix 1", "Choix 2", "Choix 3", "Statut", "Déposé le",
)


LIST_BATCH = 2000


def _choice_codes(application_ids: list[int], offer_codes: dict[int, str]) -> dict[int, list[str]]:
    """Offer codes of each application's choices, by rank: one query for a whole batch."""
    codes: dict[int, list[str]] = {}
    for application_id, offer_id in db.session.execute(
            select(ApplicationChoice.application_id, ApplicationChoice.offer_id)
            .where(ApplicationChoice.application_id.in_(application_ids))
            .order_by(ApplicationChoice.application_id, ApplicationChoice.rank)):
        codes.setdefault(application_id, []).append(offer_codes[offer_id])
    return codes


def list_rows(campaign: Campaign, applications):
    """The rows of a list of the campaign's applications (`applications`: a select of them, with
    its filters and order, such as the managers' search builds), streamed in batches.

    Plain columns from one joined query, and each batch's choices in one more query: no ORM
    object per row (building them cost as much as writing the file)."""
    stmt = applications.with_only_columns(
        Application.id, Application.reference, Application.last_name, Application.first_names,
        Application.sex, Application.birth_date, Application.nina, Application.passport_number,
        Application.phone, Application.email, Region.code, Region.name, Diploma.code, Series.code,
        Application.diploma_year, Application.diploma_average, Application.status,
        Application.submitted_at, maintain_column_froms=False,
    ).outerjoin(Region, Region.id == Application.region_id) \
        .outerjoin(Diploma, Diploma.id == Application.diploma_id) \
        .outerjoin(Series, Series.id == Application.series_id)
    reference_date = campaign.reference_date
    # Choices may name any offer (of this campaign, by the schema's rules): all codes, read once.
    offer_codes = dict(db.session.execute(select(Offer.id, Offer.code)).all())
    result = db.session.execute(stmt.execution_options(yield_per=LIST_BATCH))
    for batch in result.partitions():
        choices = _choice_codes([row[0] for row in batch], offer_codes)
        for (application_id, reference, last_name, first_names, sex, birth_date, nina, passport,
             phone, email, region_code, region_name, diploma_code, series_code, diploma_year,
             average, status, submitted_at) in batch:
            picked = choices.get(application_id, [])
            yield (
                reference, last_name, first_names, SEX_LABELS.get(sex or "", ""), birth_date,
                age_on(birth_date, reference_date) if birth_date else None,
                nina, passport, phone, email, region_code, region_name, diploma_code, series_code,
                diploma_year, average, *(picked + [None, None, None])[:3],
                STATUS_LABELS[status], submitted_at,
            )


IMPORT = ImportKind(KIND, "Candidats", import_applicants, template_workbook, "modele-import-candidats",
                    "Candidats saisis depuis les fiches papier.")
