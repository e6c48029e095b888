"""Applicants typed from paper forms: one row per applicant, imported into one campaign.

`import_applicants(campaign, data, filename, actor, commit=False)`:
- reads the file (safety checks first), validates every row against the sheet's spec and
  against the campaign (offer codes of Choix 1/2/3, NINA or passport present, no duplicate in
  the file) and sorts each valid row into:
    new        no application of the campaign carries its NINA (nor, without NINA, its passport);
    unchanged  the same NINA/passport with exactly the same data: nothing to do (re-import);
    conflict   the same NINA/passport with different data: reported, never overwritten.
- dry run (commit=False): writes nothing but the ImportRun (status "dry_run") and its audit event.
- commit: all or nothing. With any error, no applicant is written (run "rejected"); otherwise
  the new rows go in with SQLAlchemy Core executemany, in chunks, ids computed here, and the
  references are taken from the campaign's ReferenceCounter in one atomic increment.
The caller commits once (or rolls back).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import JSON, func, insert, select, text, update

from ..applications.models import (
    MAX_CHOICES, Applicant, Application, ApplicationChoice, ReferenceCounter, search_key,
)
from ..campaigns.models import Campaign, Offer
from ..errors import ImportRejected
from ..extensions import db
from ..reference.models import Diploma, Region, Series
from ..spreadsheets import parsers
from ..spreadsheets.spec import ColumnSpec, SheetSpec, iter_records
from ..timeutil import utcnow
from .common import (
    ImportResult, column_positions, file_digest, read_upload, record_run, rejected_result, row_error,
    sort_errors,
)

KIND = "applicants"
SHEET_NAME = "Candidats"
CHUNK_SIZE = 2000
SEX_CHOICES = {"M": "Homme", "F": "Femme"}
# Application columns compared to tell "unchanged" from "conflict".
COMPARED = ("last_name", "first_names", "sex", "birth_date", "birth_place", "nina",
            "passport_number", "phone", "region_id", "diploma_id", "series_id", "diploma_year",
            "diploma_average")
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


def _parse_passport(value: Any):
    text_value, error = parsers.parse_text(value, max_length=20)
    if error or text_value is None:
        return text_value, error
    passport = "".join(text_value.split()).upper()
    if not passport.isalnum() or len(passport) < 5:
        return None, f"Numéro de passeport invalide : « {value} » (lettres et chiffres, 5 à 20 caractères)."
    return passport, None


def _parse_offer_code(codes: dict[str, int]) -> Callable[[Any], tuple]:
    by_key = {c.upper().replace(" ", ""): c for c in codes}
    seen: dict[str, tuple] = {}  # a campaign has a few dozen codes: parse each spelling once

    def parse(value: Any):
        if type(value) is str and len(seen) < 10_000:
            if value not in seen:
                seen[value] = check(value)
            return seen[value]
        return check(value)

    def check(value: Any):
        text_value, error = parsers.parse_text(value, max_length=40)
        if error or text_value is None:
            return text_value, error
        code = by_key.get(text_value.upper().replace(" ", ""))
        if code is None:
            return None, f"Code d'offre inconnu dans cette campagne : « {text_value} »."
        return code, None

    return parse


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
                   parser=_parse_passport, help="Lettres et chiffres (obligatoire sans NINA)"),
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
    try:
        sheet = read_upload(data)
    except ImportRejected as error:
        result = rejected_result(KIND, filename, data, error)
        _record(record, result, campaign, actor, "rejected", stored_name, job_id)
        return result
    result = ImportResult(kind=KIND, filename=filename, sha256=file_digest(data), rows=sheet.rows)
    ctx = _Context(campaign)
    spec = build_spec(ctx)
    mapping = column_positions(sheet.rows, spec)
    by_nina, by_passport, existing_choices = _existing(campaign)

    # Records are streamed and each new row kept as a tuple of its values (keys in
    # `value_keys`): 100,000 dicts would double the import's peak memory.
    errors: list[dict] = []
    new_rows: list[tuple[tuple, list[int]]] = []
    value_keys: tuple = ()
    unchanged = valid = 0
    flagged_rows: set[int] = set()  # rows that parsed but failed a cross-column check
    seen_nina: dict[str, int] = {}
    seen_passport: dict[str, int] = {}
    for row in iter_records(sheet.rows, spec, errors):
        valid += 1
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
            flagged_rows.add(row["_row"])
            continue
        values = _values(row, ctx)
        offer_ids = [ctx.offer_ids[row[f"choice{r}"]] for r in range(1, MAX_CHOICES + 1)
                     if row.get(f"choice{r}")]
        current = by_nina.get(nina) if nina else by_passport.get(passport)
        if current is None and nina and passport and passport in by_passport:
            current = by_passport[passport]  # the passport is already someone's file
        if current is None:
            value_keys = value_keys or tuple(values)
            new_rows.append((tuple(values.values()), offer_ids))
            continue
        diffs = _differences(current, values, existing_choices.get(current["id"], []), offer_ids)
        if diffs:
            key = "NINA" if nina and current.get("nina") == nina else "N° passeport"
            result.conflicts.append({
                "sheet": spec.name, "row": row["_row"], "key": key,
                "value": nina if key == "NINA" else passport,
                "fields": diffs,
                "message": (f"{key} déjà enregistré dans la campagne avec d'autres données "
                            f"({', '.join(diffs)}) : la ligne n'est pas importée, le dossier "
                            "existant n'est pas modifié."),
            })
        else:
            unchanged += 1
    sort_errors(errors)
    result.errors = errors
    result.counts = {"new": len(new_rows), "unchanged": unchanged, "conflicts": len(result.conflicts),
                     "errors": len(errors),
                     "rows": valid + len({e["row"] for e in errors if e.get("row")} - flagged_rows)}

    if not commit:
        if progress is not None:
            progress(result.counts["rows"])
        _record(record, result, campaign, actor, "dry_run", stored_name, job_id)
        return result
    if errors:
        _record(record, result, campaign, actor, "rejected", stored_name, job_id)
        return result
    if progress is not None:
        progress(result.counts["rows"] - len(new_rows))
    _insert(campaign, new_rows, value_keys, progress)
    result.committed = True
    _record(record, result, campaign, actor, "committed", stored_name, job_id)
    return result


def _allocate_ids(table, count: int) -> list[int]:
    """`count` fresh ids for `table`: from its sequence on PostgreSQL (safe alongside the web
    forms' inserts), else max(id) + 1... (SQLite: the caller already holds the write lock)."""
    if count == 0:
        return []
    if db.engine.dialect.name == "postgresql":
        # The sequence is looked up once (not once per id), and the ids come back as one array.
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        return db.session.scalar(text(
            "SELECT array_agg(nextval(CAST(:s AS regclass))) FROM generate_series(1, :n)"),
            {"s": sequence, "n": count})
    start = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


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


def _insert(campaign: Campaign, new_rows: list, value_keys: tuple, progress) -> None:
    tables = {"applicants": Applicant.__table__, "applications": Application.__table__,
              "choices": ApplicationChoice.__table__}
    # The counter's UPDATE comes first: it serialises two imports into the same campaign.
    first_ref = _reserve_references(campaign, len(new_rows))
    ids = {
        "applicants": iter(_allocate_ids(tables["applicants"], len(new_rows))),
        "applications": iter(_allocate_ids(tables["applications"], len(new_rows))),
        "choices": iter(_allocate_ids(tables["choices"], sum(len(r[1]) for r in new_rows))),
    }
    prefix = f"{campaign.reference_prefix}-{campaign.year}-"
    now = utcnow()
    if not new_rows:
        return
    nina_at, birth_at = value_keys.index("nina"), value_keys.index("birth_date")
    for start in range(0, len(new_rows), CHUNK_SIZE):
        chunk = new_rows[start:start + CHUNK_SIZE]
        rows = {name: [] for name in tables}
        for offset, (values, offer_ids) in enumerate(chunk):
            applicant_id = next(ids["applicants"])
            application_id = next(ids["applications"])
            rows["applicants"].append(dict(id=applicant_id, user_id=None, source="import",
                                           created_at=now, updated_at=now))
            warning = parsers.nina_birth_year_warning(values[nina_at], values[birth_at])
            rows["applications"].append(dict(
                id=application_id, reference=f"{prefix}{first_ref + start + offset:06d}",
                campaign_id=campaign.id, applicant_id=applicant_id, status="submitted",
                nationality="MLI", submitted_at=now, identity_warnings=[warning] if warning else None,
                version=1, created_at=now, updated_at=now, **dict(zip(value_keys, values)),
                search_name=search_key(values[value_keys.index("last_name")], values[value_keys.index("first_names")])))
            for rank, offer_id in enumerate(offer_ids, start=1):
                rows["choices"].append(dict(id=next(ids["choices"]), application_id=application_id,
                                            offer_id=offer_id, rank=rank))
        for name in ("applicants", "applications", "choices"):
            if rows[name]:
                _write(tables[name], rows[name])
        if progress is not None:
            progress(len(chunk))


def _write(table, rows: list[dict]) -> None:
    """One chunk's rows, in the session's transaction, without Core's per-row parameter
    handling (it cost as much as the inserts): COPY on PostgreSQL; on SQLite the DB-API
    executemany, each value through its column type's own bind processor, so that what is
    stored is what Core would store. Any other case goes through Core executemany."""
    columns = list(rows[0])
    absent = [c for c in table.c if c.name not in rows[0] and c.default is not None]
    dialect = db.engine.dialect
    if dialect.name not in ("postgresql", "sqlite") or any(not c.default.is_scalar for c in absent):
        db.session.execute(insert(table), rows)
        return
    defaults = [c.default.arg for c in absent]  # Core fills them in for absent keys: so do we
    names = [*columns, *(c.name for c in absent)]
    quoted = ", ".join(f'"{name}"' for name in names)
    driver = db.session.connection().connection.driver_connection
    if dialect.name == "sqlite":
        processors = [(i, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                      for i, name in enumerate(names)]
        processors = [(i, process) for i, process in processors if process is not None]
        params = []
        for row in rows:
            values = [row[name] for name in columns] + defaults
            for i, process in processors:
                values[i] = process(values[i])
            params.append(values)
        driver.cursor().executemany(
            f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})', params)
        return
    # JSON as text, None included: Core stores None as JSON null (none_as_null=False).
    as_json = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            values = [row[name] for name in columns] + defaults
            for i in as_json:
                values[i] = json.dumps(values[i])
            copy.write_row(values)


def _record(enabled: bool, result, campaign, actor, status, stored_name, job_id):
    """`record=False` re-analyses a stored file (preview page, error report) without a new run."""
    if enabled:
        record_run(result, campaign, actor, status, stored_name, job_id)
