"""What a manager does to reference data: list, create, edit, deactivate and reactivate.

One small spec per kind (fields, columns, search) drives one generic set of views and templates.
Services flush and never commit; every write records an audit event in the same transaction.
The reference tables have no version column: an edit carries a fingerprint of the row as it was
shown, and a save over a row changed meanwhile is refused (optimistic locking).
"""
import hashlib
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from ..audit.services import changes, record, snapshot
from ..errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import N_
from ..modelutil import escape_like
from .models import (Diploma, DocumentType, Establishment, IneligibilityReason, Level, MalianEstablishment, Programme, Region,
                     Sector, Series)

MIME_TYPES = ("application/pdf", "image/jpeg", "image/png")
MIME_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
SERIES_KINDS = ("scientifique", "technique", "économique", "littéraire", "général")
REGION_CODE = re.compile(r"^[0-9]{2}$")


@dataclass(frozen=True)
class FieldSpec:
    """A form field: `type` is one of str, text, int, bool, fk, choice, mimes."""

    name: str
    label: str
    type: str = "str"
    required: bool = True
    max_length: int | None = None
    hint: str | None = None
    model: object = None           # for fk: the referenced model
    choices: tuple = ()            # for choice


@dataclass(frozen=True)
class KindSpec:
    slug: str
    model: type
    title: str          # plural, for the list page
    singular: str       # "une filière"
    fields: tuple
    columns: tuple      # (label, attribute path or callable name)
    search: tuple       # columns searched by q
    order: tuple = ("code",)
    unique: tuple = ("code",)
    messages: dict = field(default_factory=dict)

    @property
    def has_active(self) -> bool:
        return hasattr(self.model, "active")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _code(max_length, hint=None):
    return FieldSpec("code", N_("Code"), max_length=max_length, hint=hint)


KINDS: dict[str, KindSpec] = {spec.slug: spec for spec in (
    KindSpec(
        "filieres", Programme, N_("Filières"), N_("une filière"),
        fields=(_code(30, N_("Unique, par exemple TS-DD.")),
                FieldSpec("title", N_("Intitulé"), max_length=200),
                FieldSpec("sector_id", N_("Secteur"), "fk", model=Sector),
                FieldSpec("level_id", N_("Niveau"), "fk", model=Level),
                FieldSpec("duration_months", N_("Durée (en mois)"), "int")),
        columns=((N_("Code"), "code"), (N_("Intitulé"), "title"), (N_("Secteur"), "sector.name"),
                 (N_("Niveau"), "level.code"), (N_("Durée (mois)"), "duration_months")),
        search=("code", "title")),
    KindSpec(
        "etablissements", Establishment, N_("Établissements"), N_("un établissement"),
        fields=(_code(30, N_("Unique, par exemple ISTA-CASA.")),
                FieldSpec("name", N_("Nom"), max_length=200),
                FieldSpec("city", N_("Ville"), max_length=80),
                FieldSpec("has_boarding", N_("Internat disponible"), "bool", required=False)),
        columns=((N_("Code"), "code"), (N_("Nom"), "name"), (N_("Ville"), "city"), (N_("Internat"), "has_boarding")),
        search=("code", "name", "city")),
    KindSpec(
        "niveaux", Level, N_("Niveaux"), N_("un niveau"),
        fields=(_code(10, N_("Par exemple TS.")),
                FieldSpec("name", N_("Libellé"), max_length=120),
                FieldSpec("min_diploma_id", N_("Diplôme minimum exigé"), "fk", model=Diploma),
                FieldSpec("default_min_age", N_("Âge minimum par défaut"), "int", required=False,
                          hint=N_("Facultatif ; chaque campagne peut fixer ses propres limites.")),
                FieldSpec("default_max_age", N_("Âge maximum par défaut"), "int", required=False),
                FieldSpec("position", N_("Ordre d'affichage"), "int")),
        columns=((N_("Code"), "code"), (N_("Libellé"), "name"), (N_("Diplôme minimum"), "min_diploma.code"),
                 (N_("Âge min."), "default_min_age"), (N_("Âge max."), "default_max_age")),
        search=("code", "name"), order=("position", "code")),
    KindSpec(
        "diplomes", Diploma, N_("Diplômes maliens"), N_("un diplôme"),
        fields=(_code(20, N_("Par exemple BAC.")),
                FieldSpec("name", N_("Libellé"), max_length=120),
                FieldSpec("rank", N_("Rang"), "int",
                          hint=N_("Ordre croissant des diplômes (CEP 1 < DEF 2 < ...) ; deux diplômes n'ont pas le même rang.")),
                FieldSpec("has_series", N_("Ce diplôme a des séries (baccalauréat)"), "bool", required=False)),
        columns=((N_("Rang"), "rank"), (N_("Code"), "code"), (N_("Libellé"), "name"), (N_("Séries"), "has_series")),
        search=("code", "name"), order=("rank",), unique=("code", "rank")),
    KindSpec(
        "series", Series, N_("Séries du baccalauréat"), N_("une série"),
        fields=(_code(20, N_("Par exemple TSE.")),
                FieldSpec("name", N_("Libellé"), max_length=120),
                FieldSpec("kind", N_("Type de série"), "choice", choices=SERIES_KINDS,
                          hint=N_("Un appel peut n'admettre que les séries scientifiques ou techniques.")),
                FieldSpec("diploma_id", N_("Diplôme"), "fk", model=Diploma)),
        columns=((N_("Code"), "code"), (N_("Libellé"), "name"), (N_("Type"), "kind"), (N_("Diplôme"), "diploma.code")),
        search=("code", "name", "kind")),
    KindSpec(
        "secteurs", Sector, N_("Secteurs"), N_("un secteur"),
        fields=(_code(20, N_("Par exemple DIG.")),
                FieldSpec("name", N_("Libellé"), max_length=120),
                FieldSpec("priority", N_("Secteur prioritaire"), "bool", required=False)),
        columns=((N_("Code"), "code"), (N_("Libellé"), "name"), (N_("Prioritaire"), "priority")),
        search=("code", "name"), unique=("code", "name")),
    KindSpec(
        "regions", Region, N_("Régions du Mali"), N_("une région"),
        fields=(_code(2, N_("Exactement deux chiffres, par exemple 01.")),
                FieldSpec("name", N_("Nom"), max_length=80)),
        columns=((N_("Code"), "code"), (N_("Nom"), "name")),
        search=("code", "name"), unique=("code", "name")),
    KindSpec(
        "etablissements-maliens", MalianEstablishment, N_("Établissements de formation maliens (employeurs)"),
        N_("un établissement malien"),
        fields=(_code(30, N_("Unique, par exemple CFP-SEGOU.")),
                FieldSpec("name", N_("Nom"), max_length=200),
                FieldSpec("city", N_("Ville"), max_length=80, required=False),
                FieldSpec("region_id", N_("Région"), "fk", model=Region, required=False)),
        columns=((N_("Code"), "code"), (N_("Nom"), "name"), (N_("Ville"), "city"), (N_("Région"), "region.name")),
        search=("code", "name", "city")),
    KindSpec(
        "pieces", DocumentType, N_("Types de pièces justificatives"), N_("un type de pièce"),
        fields=(_code(30, N_("Par exemple PHOTO.")),
                FieldSpec("name", N_("Libellé"), max_length=120),
                FieldSpec("description", N_("Description"), "text", required=False, max_length=2000),
                FieldSpec("accepted_types", N_("Formats acceptés"), "mimes")),
        columns=((N_("Code"), "code"), (N_("Libellé"), "name"), (N_("Formats"), "accepted_types")),
        search=("code", "name")),
    KindSpec(
        "motifs", IneligibilityReason, N_("Motifs de non-recevabilité"), N_("un motif"),
        fields=(_code(30, N_("Par exemple AGE.")),
                FieldSpec("label", N_("Libellé"), max_length=200)),
        columns=((N_("Code"), "code"), (N_("Libellé"), "label")),
        search=("code", "label")),
)}

UNIQUE_MESSAGES = {
    "code": "Ce code est déjà utilisé par un autre élément.",
    "name": "Ce libellé est déjà utilisé par un autre élément.",
}


def get_kind(slug: str) -> KindSpec:
    spec = KINDS.get(slug)
    if spec is None:
        raise NotFound("Type de donnée de référence inconnu.")
    return spec


def get_item(spec: KindSpec, item_id: int):
    obj = db.session.get(spec.model, item_id)
    if obj is None:
        raise NotFound("Élément introuvable.")
    return obj


def list_statement(spec: KindSpec, q: str = "", status: str = ""):
    """The list query: search in the spec's columns, filter on active/inactive, ordered."""
    model = spec.model
    stmt = select(model).order_by(*(getattr(model, name) for name in spec.order), model.id)
    q = (q or "").strip()
    if q:
        pattern = f"%{escape_like(q)}%"
        stmt = stmt.where(or_(*(func.lower(getattr(model, name)).like(pattern, escape="\\")
                                for name in spec.search)))
    if spec.has_active and status in ("actifs", "inactifs"):
        stmt = stmt.where(model.active.is_(status == "actifs"))
    return stmt


def counts() -> list[tuple[KindSpec, int]]:
    return [(spec, db.session.execute(select(func.count()).select_from(spec.model)).scalar_one())
            for spec in KINDS.values()]


def fk_choices(model) -> list[tuple[int, str]]:
    """(id, label) of the rows a reference field may point to, in their natural order."""
    order = {Diploma: (Diploma.rank,), Level: (Level.position, Level.code)}.get(model, (model.code,))
    rows = db.session.execute(select(model).order_by(*order)).scalars()
    result = []
    for row in rows:
        label = f"{row.code} · {getattr(row, 'name', None) or getattr(row, 'title', '')}"
        if getattr(row, "active", True) is False:
            label += " (inactif)"
        result.append((row.id, label))
    return result


def fingerprint(obj) -> str:
    """A short digest of the row as stored: the edit form carries it back."""
    data = json.dumps(snapshot(obj), sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def _check_fingerprint(obj, expected) -> None:
    if expected and expected != fingerprint(obj):
        raise Conflict("Cet élément a été modifié par quelqu'un d'autre entre-temps. "
                       "Rechargez la page et recommencez.")


def _clean_mimes(value) -> tuple[str | None, str | None]:
    if isinstance(value, str):
        items = [v.strip().lower() for v in value.split(",")]
    else:
        items = [str(v).strip().lower() for v in (value or [])]
    items = [v for v in items if v]
    if not items:
        return None, "Choisissez au moins un format accepté."
    unknown = [v for v in items if v not in MIME_TYPES]
    if unknown:
        return None, ("Format non accepté : " + ", ".join(unknown)
                      + ". Formats possibles : application/pdf, image/jpeg, image/png.")
    return ",".join(m for m in MIME_TYPES if m in items), None


def _validate(spec: KindSpec, data: dict, obj=None) -> dict:
    errors: dict[str, str] = {}
    clean: dict = {}
    for f in spec.fields:
        value = data.get(f.name)
        if f.type in ("str", "text"):
            value = (value or "").strip()
            if f.name == "code":
                value = value.upper()
            if f.required and not value:
                errors[f.name] = "Ce champ est obligatoire."
            elif f.max_length and len(value) > f.max_length:
                errors[f.name] = f"Ce champ ne peut dépasser {f.max_length} caractères."
        elif f.type == "bool":
            value = bool(value)
        elif f.type == "int":
            if value in (None, ""):
                value = None
                if f.required:
                    errors[f.name] = "Ce champ est obligatoire."
            else:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    errors[f.name] = "Saisissez un nombre entier."
                    value = None
        elif f.type == "fk":
            try:
                value = int(value) if value not in (None, "", 0, "0") else None
            except (TypeError, ValueError):
                value = None
            if value is None:
                errors[f.name] = "Ce champ est obligatoire."
            elif db.session.get(f.model, value) is None:
                errors[f.name] = "Choix inconnu."
        elif f.type == "choice":
            value = (value or "").strip()
            if value not in f.choices:
                errors[f.name] = "Choix inconnu."
        elif f.type == "mimes":
            value, message = _clean_mimes(value)
            if message:
                errors[f.name] = message
        clean[f.name] = value

    _specific_rules(spec, clean, errors)

    for name in spec.unique:
        if name in errors or clean.get(name) in (None, ""):
            continue
        column = getattr(spec.model, name)
        condition = (func.lower(column) == str(clean[name]).lower()) if name != "rank" else (column == clean[name])
        clash = db.session.execute(select(spec.model).where(condition)).scalars().first()
        if clash is not None and (obj is None or clash.id != obj.id):
            if name == "rank":
                errors[name] = f"Ce rang est déjà attribué au diplôme « {clash.code} »."
            else:
                errors[name] = UNIQUE_MESSAGES.get(name, "Cette valeur est déjà utilisée.")
    if errors:
        raise ValidationFailed(errors=errors)
    return clean


def _specific_rules(spec: KindSpec, clean: dict, errors: dict) -> None:
    if spec.model is Region and clean.get("code") and not REGION_CODE.match(clean["code"]):
        errors["code"] = "Le code de région doit comporter exactement deux chiffres (par exemple 01)."
    if spec.model is Programme and clean.get("duration_months") is not None and clean["duration_months"] <= 0:
        errors["duration_months"] = "La durée doit être supérieure à zéro (en mois)."
    if spec.model is Diploma and clean.get("rank") is not None and clean["rank"] < 0:
        errors["rank"] = "Le rang doit être un nombre positif ou nul."
    if spec.model is Level:
        low, high = clean.get("default_min_age"), clean.get("default_max_age")
        for name, age in (("default_min_age", low), ("default_max_age", high)):
            if age is not None and not 1 <= age <= 99 and name not in errors:
                errors[name] = "L'âge doit être compris entre 1 et 99 ans."
        if (low is not None and high is not None and "default_min_age" not in errors
                and "default_max_age" not in errors and low > high):
            errors["default_max_age"] = "L'âge maximum doit être supérieur ou égal à l'âge minimum."
        if clean.get("position") is not None and clean["position"] < 0 and "position" not in errors:
            errors["position"] = "L'ordre doit être un nombre positif ou nul."


def _audit_fields(spec: KindSpec) -> list[str]:
    return spec.field_names + (["active"] if spec.has_active else [])


def create_item(actor, spec: KindSpec, data: dict):
    clean = _validate(spec, data)
    obj = spec.model(**clean)
    if spec.has_active:
        obj.active = True
    db.session.add(obj)
    db.session.flush()
    record(actor, "reference.create", obj, after=snapshot(obj, _audit_fields(spec)))
    return obj


def update_item(actor, spec: KindSpec, obj, data: dict, expected_fingerprint: str | None = None):
    _check_fingerprint(obj, expected_fingerprint)
    clean = _validate(spec, data, obj)
    before = snapshot(obj, _audit_fields(spec))
    for name, value in clean.items():
        setattr(obj, name, value)
    db.session.flush()
    old, new = changes(before, snapshot(obj, _audit_fields(spec)))
    if new:
        record(actor, "reference.update", obj, before=old, after=new)
    return obj


def set_active(actor, spec: KindSpec, obj, active: bool, expected_fingerprint: str | None = None):
    """Deactivate (kept for history, no longer offered) or reactivate an element."""
    if not spec.has_active:
        raise NotAllowed("Ce type de donnée ne se désactive pas.")
    _check_fingerprint(obj, expected_fingerprint)
    if obj.active == active:
        raise NotAllowed("Cet élément est déjà actif." if active else "Cet élément est déjà désactivé.")
    obj.active = active
    db.session.flush()
    record(actor, "reference.reactivate" if active else "reference.deactivate", obj,
           before={"active": not active}, after={"active": active})
    return obj


def display(obj, path: str):
    """The value of `a.b` on a row, for list columns."""
    value = obj
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value
