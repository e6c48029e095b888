"""The applications' spreadsheets: the applicants import and the applications list export.

Applicants typed from paper forms: one row per applicant, imported into one campaign.

`import_applicants(campaign, data, filename, actor, commit=False)`:
- reads the file (safety checks first), validates every row against the sheet's spec and
  against the campaign (offer codes of Choix 1/2/3, NINA or passport present, no duplicate in
  the file) and sorts each valid row into:
    new        no application of the campaign carries its NINA (nor, without NINA, its passport);
    unchanged  the same NINA/passport with the same data: nothing to do (re-import). Names are
               compared as people recognise them: case, accents, spaces and hyphens aside
               ("TRAORE" is "Traoré"), e-mails without case;
    conflict   the same NINA/passport with different data: reported with the stored and the
               file's values, never overwritten unless a manager chooses to apply the file's
               values to that row (`corrections`: Excel row numbers, or "all"): then, at the
               commit and in the same all-or-nothing transaction, the file is corrected and
               each correction audited ("application.import_correction").
- coded columns (sex, region, diploma, series, offers) accept the usual spellings: « Féminin »,
  « Fille », « H », « Garçon »; region « 1 » (Excel's number for « 01 »), « Bamako »; a diploma
  or a series by code or name; offer codes whatever their case, spaces or hyphens.
- the sheet read is the one holding the headers (imports.common.pick_sheet); a header that is
  near a known one is matched or raised as a question, the others are listed as ignored.
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
from sqlalchemy.orm.exc import StaleDataError

from ..audit.services import record as audit
from ..campaigns.models import Campaign, Offer
from ..errors import Conflict
from ..extensions import db
from ..i18n import N_
from ..imports.bulk import BulkTable, InBackground, allocate_ids, begin_savepoint, page_cache
from ..imports.common import (
    ImportResult, open_upload, record_if, row_error, sheet_spec, sort_errors,
)
from ..imports.registry import ImportKind
from ..reference.models import Diploma, Region, Series
from ..spreadsheets import parsers
from ..spreadsheets.headers import normalise_header, resolve_header
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
# How regional offices write the sex (normalised forms: case and accents never matter).
SEX_ALIASES = {
    "femme": "F", "feminin": "F", "feminine": "F", "fille": "F", "fem": "F", "female": "F",
    "madame": "F", "mme": "F", "mademoiselle": "F", "mlle": "F", "sexe feminin": "F",
    "homme": "M", "masculin": "M", "masculine": "M", "garcon": "M", "g": "M", "h": "M", "masc": "M",
    "male": "M", "monsieur": "M", "mr": "M", "sexe masculin": "M",
}
SEX_EXPECTED = ("Valeurs possibles : F (ou Femme, Féminin, Fille), M (ou H, Homme, Masculin, "
                "Garçon).")
# Region words that say nothing of which region; usual names -> the seeded region's name.
REGION_NOISE = ("district de", "district du", "district", "region de", "region du", "region des",
                "region", "cercle de", "cercle", "ville de")
REGION_ALIASES = {"BKO": "District de Bamako", "Taoudeni": "Taoudénit", "Taoudenni": "Taoudénit",
                  "Taoudenit": "Taoudénit", "Timbuktu": "Tombouctou", "Tombouctu": "Tombouctou"}
# Diplomas: usual spellings -> the seeded code (only those codes that exist are used).
DIPLOMA_ALIASES = {
    "bacc": "BAC", "bac malien": "BAC", "baccalaureat malien": "BAC", "bachelier": "BAC",
    "bac general": "BAC", "bac technique": "BAC", "diplome du baccalaureat": "BAC",
    "license": "LIC", "licence professionnelle": "LIC", "licence pro": "LIC", "bac 3": "LIC",
    "diplome d etudes fondamentales": "DEF", "certificat d etudes primaires": "CEP",
    "certificat de fin d etudes primaires": "CEP", "cfepcef": "CEP",
}
DIPLOMA_NOISE = ("diplome de", "diplome du", "diplome d", "diplome", "niveau")
SERIES_NOISE = ("serie", "bac", "baccalaureat", "terminale", "option")
# Words of series names as they are shortened on paper forms ("Sc. Exp.", "Sciences éco").
SERIES_WORDS = {
    "sciences": ("sc", "sci", "science"), "experimentales": ("exp", "experimentale", "experimental"),
    "exactes": ("exacte", "exact"), "economiques": ("eco", "economie", "economique"),
    "sociales": ("soc", "sociale"), "langues": ("lang", "langue"), "lettres": ("let", "lettre"),
    "technologies": ("techno", "tech", "technologie"), "industrielles": ("indus", "industrielle"),
}
# Application columns compared to tell "unchanged" from "conflict".
COMPARED = ("last_name", "first_names", "sex", "birth_date", "birth_place", "nina",
            "passport_number", "phone", "email", "region_id", "diploma_id", "series_id", "diploma_year",
            "diploma_average")
# Compared as people recognise names: case, accents, spaces and hyphens aside.
NAME_FIELDS = ("last_name", "first_names", "birth_place")
# A conflict's choices are corrected only while the file has not gone to the committee.
CHOICES_CORRECTABLE = ("draft", "submitted", "eligible", "ineligible")
CHOICE_KEYS = tuple(f"choice{rank}" for rank in range(1, MAX_CHOICES + 1))
ORDINALS = {1: "Premier", 2: "Deuxième", 3: "Troisième", 4: "Quatrième", 5: "Cinquième"}
VALUE_KEYS = COMPARED  # the keys of _values(), in its order: a new row is kept as their tuple
FIELD_LABELS = {
    "last_name": "Nom", "first_names": "Prénom(s)", "sex": "Sexe", "birth_date": "Date de naissance",
    "birth_place": "Lieu de naissance", "nina": "NINA", "passport_number": "N° passeport",
    "phone": "Téléphone", "email": "E-mail", "region_id": "Région", "diploma_id": "Diplôme", "series_id": "Série",
    "diploma_year": "Année du diplôme", "diploma_average": "Moyenne", "choices": "Choix",
}
INSTRUCTIONS = [
    "Une ligne par candidat, à partir de la ligne 2. Les colonnes marquées * sont obligatoires.",
    "Renseignez le NINA ou, à défaut, le numéro de passeport : c'est lui qui identifie le candidat.",
    "Sexe : F ou M (Femme, Fille, Homme, Garçon… sont acceptés). Région : code (00, 01…) ou nom. "
    "Diplôme et série : code ou nom.",
    "Dates au format jj/mm/aaaa. Choix 1, 2 et 3 : codes des offres de la campagne (liste déroulante).",
    "Réimporter le même fichier ne crée rien de nouveau ; un NINA déjà connu avec d'autres "
    "données est signalé comme conflit : le dossier n'est modifié que si un gestionnaire "
    "choisit d'appliquer les valeurs du fichier à cette ligne.",
]


def parse_passport(value: Any):
    text_value, error = parsers.parse_text(value, max_length=20)
    if error or text_value is None:
        return text_value, error
    passport = "".join(text_value.split()).upper()
    if not passport.isalnum() or len(passport) < 5:
        return None, f"Numéro de passeport invalide : « {value} » (lettres et chiffres, 5 à 20 caractères)."
    return passport, None


def parse_email(value: Any):
    text_value, error = parsers.parse_text(value, max_length=254)
    if error or text_value is None:
        return text_value, error
    from email_validator import EmailNotValidError, validate_email

    email = text_value.replace(" ", "").lower()
    if email.startswith("mailto:"):
        email = email[len("mailto:"):]
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return None, f"Adresse e-mail invalide : « {text_value} » (ex. awa.traore@exemple.ml)."
    return email, None


def _parse_offer_code(codes: dict[str, int]) -> Callable[[Any], tuple]:
    return parsers.code_parser(codes, "Code d'offre inconnu dans cette campagne : « {value} ».")


def _by_name(names: dict[str, str], aliases: dict[str, str]) -> dict[str, str]:
    """{spelling: code} for aliases given as {spelling: name}, for the names that exist."""
    code_of = {normalise_header(name): code for code, name in names.items()}
    found = {}
    for spelling, name in aliases.items():
        code = code_of.get(normalise_header(name))
        if code is not None:
            found[spelling] = code
    return found


def _series_aliases(series: dict[str, str]) -> dict[str, str]:
    """Series by their code without the T of « Terminale » (« SE », « SExp », « LL »), and by
    their name shortened as on paper forms (« Sc. Exp. », « Sciences éco »)."""
    from itertools import product

    aliases: dict[str, str] = {}
    for code, name in series.items():
        if len(code) >= 3 and code[:1].upper() == "T":
            aliases.setdefault(code[1:], code)
        words = normalise_header(name).split()
        if words and words[0] == "terminale":
            words = words[1:]
        options = [(w, *SERIES_WORDS.get(w, ())) for w in words]
        if len(options) <= 4:
            for combination in product(*options):
                aliases.setdefault(" ".join(combination), code)
    return aliases


def _known(aliases: dict[str, str], codes) -> dict[str, str]:
    return {spelling: code for spelling, code in aliases.items() if code in codes}


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
        # For the conflicts' values, shown as the sheet writes them.
        every = lambda model: db.session.execute(select(model.id, model.code)).all()  # noqa: E731
        self.region_codes = dict(every(Region))
        self.diploma_codes = dict(every(Diploma))
        self.series_codes = dict(every(Series))
        self.offer_codes = dict(db.session.execute(
            select(Offer.id, Offer.code).where(Offer.campaign_id == campaign.id)).all())


def build_spec(ctx: _Context) -> SheetSpec:
    year = dt.date.today().year
    offer_codes = list(ctx.offer_ids) or ["(aucune offre)"]
    offer_parser = _parse_offer_code(ctx.offer_ids)
    columns = [
        ColumnSpec("last_name", "Nom", required=True, options={"max_length": 100}, synonyms=("Nom de famille",)),
        ColumnSpec("first_names", "Prénom(s)", required=True, options={"max_length": 150},
                   synonyms=("Prénom", "Prénoms")),
        ColumnSpec("sex", "Sexe", kind="choice", required=True, choices=SEX_CHOICES, width=10,
                   synonyms=("Sexe (M/F)", "Sexe (F/M)", "Genre", "Sexe H/F"), aliases=SEX_ALIASES,
                   expected=SEX_EXPECTED, help="F ou M (Femme, Fille, Homme, Garçon… acceptés)"),
        ColumnSpec("birth_date", "Date de naissance", kind="date", required=True,
                   synonyms=("Né(e) le", "Né le", "Née le", "Ne(e) le")),
        ColumnSpec("birth_place", "Lieu de naissance", options={"max_length": 100}, synonyms=("Né(e) à",)),
        ColumnSpec("nina", "NINA", kind="nina", width=20),
        ColumnSpec("passport_number", "N° passeport", synonyms=("Passeport", "Numéro de passeport"),
                   parser=parse_passport, help="Lettres et chiffres (obligatoire sans NINA)"),
        ColumnSpec("phone", "Téléphone", kind="phone", width=16),
        ColumnSpec("email", "E-mail", parser=parse_email, width=28,
                   synonyms=("Courriel", "Adresse e-mail", "Adresse électronique", "Email", "Mail",
                             "Adresse mail"),
                   help="Adresse e-mail (facultative), ex. awa.traore@exemple.ml"),
        ColumnSpec("region", "Région", kind="choice", choices=ctx.regions or {"00": "District de Bamako"},
                   synonyms=("Région d'origine", "Région de résidence", "Code région"),
                   aliases=_by_name(ctx.regions, REGION_ALIASES), noise=REGION_NOISE,
                   help="Code (00, 01…) ou nom de la région"),
        ColumnSpec("diploma", "Diplôme", kind="choice", required=True,
                   choices=ctx.diplomas or {"BAC": "Baccalauréat"},
                   synonyms=("Diplôme obtenu", "Dernier diplôme", "Dernier diplôme obtenu", "Diplôme le plus élevé",
                             "Niveau d'études", "Niveau d'étude", "Niveau scolaire"),
                   aliases=_known(DIPLOMA_ALIASES, ctx.diplomas), noise=DIPLOMA_NOISE,
                   help="Code (" + ", ".join(ctx.diplomas or {"BAC": ""}) + ") ou nom du diplôme"),
        ColumnSpec("series", "Série", kind="choice", choices=ctx.series or {"-": "-"},
                   synonyms=("Série du bac", "Série du baccalauréat", "Option"),
                   aliases=_series_aliases(ctx.series), noise=SERIES_NOISE,
                   help="Code (" + ", ".join(ctx.series or {"-": ""}) + ") ou nom de la série"),
        ColumnSpec("diploma_year", "Année du diplôme", kind="integer",
                   synonyms=("Année d'obtention", "Année d'obtention du diplôme", "Année obtention",
                             "Année du bac", "Session"),
                   options={"min_value": 1960, "max_value": year}),
        ColumnSpec("diploma_average", "Moyenne", kind="decimal",
                   synonyms=("Moyenne /20", "Moyenne sur 20", "Moyenne générale", "Moy", "Moy."),
                   options={"min_value": 0, "max_value": 20, "places": 2, "out_of": 20}, help="Sur 20, ex. 12,5"),
    ]
    for rank in range(1, MAX_CHOICES + 1):
        columns.append(ColumnSpec(f"choice{rank}", f"Choix {rank}", kind="choice", required=rank == 1,
                                  choices=offer_codes, parser=offer_parser, width=22,
                                  synonyms=(f"Choix n° {rank}", f"{rank}er choix" if rank == 1 else f"{rank}e choix",
                                            f"{ORDINALS.get(rank, rank)} choix", f"Offre {rank}", f"Code offre {rank}",
                                            f"Vœu {rank}", f"{ORDINALS.get(rank, rank)} vœu", f"Offre choisie {rank}"),
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
        "phone": record.get("phone"), "email": record.get("email"),
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
    cols = [Application.id, Application.version, Application.status,
            *(getattr(Application, name) for name in COMPARED)]
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


def name_key(value: str | None) -> str:
    """A name as people recognise it: "TRAORÉ", "Traore", "traoré " are one name, and
    "Marie-Claire" is "Marie Claire" (case, accents, spaces, hyphens, apostrophes aside)."""
    return normalise_header(value).replace(" ", "") if value else ""


def _same(name: str, old, new) -> bool:
    if name in NAME_FIELDS:
        return name_key(old) == name_key(new)
    if name == "email":
        return (old or "").lower() == (new or "").lower()
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        old = None if old is None else Decimal(old).quantize(Decimal("0.01"))
        new = None if new is None else Decimal(new).quantize(Decimal("0.01"))
    return old == new


def _differences(current: dict, values: dict, current_choices: list[int], offer_ids: list[int]) -> list[str]:
    """The keys that differ (COMPARED names, then "choices")."""
    diffs = [name for name in COMPARED if not _same(name, current.get(name), values.get(name))]
    if current_choices != offer_ids:
        diffs.append("choices")
    return diffs


def _shown(name: str, value, ctx: _Context):
    """A stored value as the sheet writes it (codes, dd/mm/yyyy, 13,50), for a conflict."""
    if value is None or value == []:
        return ""
    if name == "region_id":
        return ctx.region_codes.get(value, value)
    if name == "diploma_id":
        return ctx.diploma_codes.get(value, value)
    if name == "series_id":
        return ctx.series_codes.get(value, value)
    if name == "choices":
        return ", ".join(str(ctx.offer_codes.get(v, v)) for v in value)
    if name == "sex":
        return SEX_CHOICES.get(value, value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{Decimal(value).quantize(Decimal('0.01'))}".replace(".", ",")
    return str(value)


def _corrections(corrections) -> tuple[bool, set[int]]:
    """(all rows?, the Excel rows chosen) from "all", an iterable of row numbers or None."""
    if corrections is None:
        return False, set()
    if isinstance(corrections, str):
        if corrections.strip().lower() in ("all", "tout", "tous"):
            return True, set()
        corrections = [c for c in corrections.replace(";", ",").split(",") if c.strip()]
    rows = set()
    for value in corrections:
        try:
            rows.add(int(value))
        except (TypeError, ValueError):
            continue
    return False, rows


def import_applicants(campaign: Campaign, data: bytes, filename: str, actor=None, commit: bool = False,
                      progress: Callable[[int], None] | None = None,
                      stored_name: str | None = None, job_id: int | None = None,
                      record: bool = True, corrections=None) -> ImportResult:
    """Dry run (commit=False) or all-or-nothing commit. `progress(n)` is called as rows are done.
    `corrections` ("all" or Excel row numbers): the conflicts whose file values are applied at
    the commit (audited); the other conflicts leave their files as they are."""
    ctx = _Context(campaign)
    spec = build_spec(ctx)
    sheet, result = open_upload(KIND, campaign, data, filename, actor, record, stored_name, job_id, progress,
                                spec=spec)
    if sheet is None:
        return result
    spec = sheet_spec(spec, result)
    # A commit consumes the sheet's rows as it validates them (its error report, if any, comes
    # from analysing the stored file again, as for every import).
    plan = _Plan(campaign, sheet.rows, result, consume=commit, ctx=ctx, spec=spec, header=result.header,
                 corrections=corrections if commit else None)
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
        result.counts["corrected"] = 0
        record_if(record, result, campaign, actor, "rejected", stored_name, job_id)
        return result
    if savepoint is not None:
        savepoint.commit()
    _apply_corrections(plan, campaign, actor, filename)
    if progress is not None:
        progress(result.counts["rows"] - written)
    result.committed = True
    record_if(record, result, campaign, actor, "committed", stored_name, job_id)
    return result


def _apply_corrections(plan: "_Plan", campaign: Campaign, actor, filename: str) -> None:
    """The file's values written into the conflicts chosen, each file's change audited. The
    version column guards each UPDATE: a file changed meanwhile raises Conflict."""
    chosen = [c for c in plan.result.conflicts if c.get("apply")]
    for conflict in chosen:
        application = db.session.get(Application, conflict["application_id"])
        values, offer_ids = plan.pending[conflict["row"]]
        if application is None or application.version != conflict["version"]:
            raise Conflict(N_("Un dossier en conflit a été modifié pendant l'import ; aucune donnée n'a été "
                              "enregistrée. Relancez l'analyse du fichier."))
        before, after = {}, {}
        for name in conflict["keys"]:
            if name == "choices":
                continue
            before[name], after[name] = _shown(name, getattr(application, name), plan.ctx), \
                _shown(name, values[name], plan.ctx)
            setattr(application, name, values[name])
        if {"nina", "birth_date"} & set(conflict["keys"]):
            warning = parsers.nina_birth_year_warning(application.nina, application.birth_date)
            application.identity_warnings = [warning] if warning else None
        if "choices" in conflict["keys"]:
            before["choices"] = _shown("choices", [c.offer_id for c in application.choices], plan.ctx)
            after["choices"] = _shown("choices", offer_ids, plan.ctx)
            application.choices.clear()
            db.session.flush()
            for rank, offer_id in enumerate(offer_ids, start=1):
                application.choices.append(ApplicationChoice(offer_id=offer_id, rank=rank))
        application.updated_at = utcnow()
        audit(actor, "application.import_correction", application, before=before, after=after,
              reason=f"Import {filename}, ligne {conflict['row']} : valeurs du fichier appliquées",
              campaign_id=campaign.id)
        plan.result.corrections.append(conflict)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(N_("Un dossier en conflit a été modifié pendant l'import ; aucune donnée n'a été "
                          "enregistrée. Relancez l'analyse du fichier.")) from exc


class _Plan:
    """Validates the sheet's rows and sorts them into new, unchanged, conflicts and errors.

    `chunks()` yields the new rows, CHUNK_SIZE at a time, each as (values in VALUE_KEYS order,
    offer ids by rank); it touches no database, so it may run in another thread. Errors and
    conflicts accumulate in `result` as they are found; `finish()` sorts them and sets the
    counts. New rows are tuples, never kept as dicts: 100,000 dicts would double the peak memory.
    The values of the conflicts to correct are kept (`pending`, by Excel row)."""

    def __init__(self, campaign: Campaign, rows: list, result: ImportResult, consume: bool = False,
                 ctx: _Context | None = None, spec: SheetSpec | None = None, header=None, corrections=None):
        self.rows = rows
        self.consume = consume
        self.result = result
        self.ctx = ctx or _Context(campaign)
        self.spec = spec or build_spec(self.ctx)
        self.header = header if header is not None else resolve_header(rows, self.spec)
        self.mapping = self.header.mapping
        self.by_nina, self.by_passport, self.existing_choices = _existing(campaign)
        self.errors: list[dict] = []
        self.new = self.unchanged = self.valid = 0
        self.flagged_rows: set[int] = set()  # rows that parsed but failed a cross-column check
        self.apply_all, self.apply_rows = _corrections(corrections)
        self.pending: dict[int, tuple[dict, list[int]]] = {}

    def chunks(self):
        ctx, spec, mapping, errors = self.ctx, self.spec, self.mapping, self.errors
        by_nina, by_passport, offer_of = self.by_nina, self.by_passport, self.ctx.offer_ids
        seen_nina: dict[str, int] = {}
        seen_passport: dict[str, int] = {}
        chunk: list[tuple[tuple, list[int]]] = []
        for row in iter_records(self.rows, spec, errors, consume=self.consume, header=self.header):
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
        current_choices = self.existing_choices.get(current["id"], [])
        keys = _differences(current, values, current_choices, offer_ids)
        if not keys:
            self.unchanged += 1
            return
        key = "NINA" if nina and current.get("nina") == nina else "N° passeport"
        ctx = self.ctx
        changes = [{"key": name, "field": FIELD_LABELS[name],
                    "old": _shown(name, current_choices if name == "choices" else current.get(name), ctx),
                    "new": _shown(name, offer_ids if name == "choices" else values.get(name), ctx)}
                   for name in keys]
        blocked = self._blocked(current, values, keys)
        excel_row = row["_row"]
        apply = not blocked and (self.apply_all or excel_row in self.apply_rows)
        if apply:
            self.pending[excel_row] = (values, offer_ids)
        fields = [FIELD_LABELS[name] for name in keys]
        self.result.conflicts.append({
            "sheet": self.spec.name, "row": excel_row, "key": key,
            "value": nina if key == "NINA" else passport,
            "fields": fields, "keys": keys, "changes": changes,
            "application_id": current["id"], "version": current["version"],
            "applicable": not blocked, "blocked": blocked, "apply": apply,
            "message": (f"{key} déjà enregistré dans la campagne avec d'autres données "
                        f"({', '.join(fields)}) : " + (
                            "les valeurs du fichier seront appliquées au dossier existant." if apply else
                            "la ligne n'est pas importée, le dossier existant n'est pas modifié.")),
        })

    def _blocked(self, current: dict, values: dict, keys: list[str]) -> str:
        """Why the file's values cannot be applied to this file, or ""."""
        if "choices" in keys and current.get("status") not in CHOICES_CORRECTABLE:
            return ("Les choix d'un dossier déjà transmis au comité ne se corrigent pas par import "
                    f"(statut : {STATUS_LABELS.get(current.get('status'), current.get('status'))}).")
        for name, index, label in (("nina", self.by_nina, "Ce NINA"),
                                   ("passport_number", self.by_passport, "Ce numéro de passeport")):
            if name in keys and values.get(name):
                other = index.get(values[name])
                if other is not None and other["id"] != current["id"]:
                    return f"{label} est déjà celui d'un autre dossier de la campagne."
        return ""

    def finish(self) -> None:
        errors, result = self.errors, self.result
        sort_errors(errors)
        result.errors = errors
        corrected = sum(1 for c in result.conflicts if c.get("apply"))
        result.counts = {"new": self.new, "unchanged": self.unchanged, "conflicts": len(result.conflicts),
                         "corrected": corrected, "errors": len(errors),
                         "rows": self.valid + len({e["row"] for e in errors if e.get("row")} - self.flagged_rows),
                         "plan": self._fingerprint()}

    def _fingerprint(self) -> str:
        """The analysis as a digest, whatever corrections are chosen: a commit whose digest
        differs from its dry run's read other data (imports.services.plan_changed)."""
        import hashlib
        import json

        items = [[c["row"], c["application_id"], c["version"], c["keys"], [ch["new"] for ch in c["changes"]]]
                 for c in self.result.conflicts]
        text = json.dumps([self.new, self.unchanged, items], ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


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


IMPORT = ImportKind(KIND, N_("Candidats"), import_applicants, template_workbook, "modele-import-candidats",
                    "Candidats saisis depuis les fiches papier.")
