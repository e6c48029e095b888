"""The list the AMCI or the OFPPT sends back: its dry run, then its all-or-nothing application.

- `dry_run(actor, campaign_id, data, filename, transmittal_id=None, now)`: reads the workbook
  (the safety checks of every import, the sheet holding the headers, tolerant header matching,
  typed cells), matches its rows to the campaign's nominations and reads each decision
  (amci/reconcile.py, pure), and stores the plan as a Reconciliation (status « dry_run »). It
  writes nothing else.
- `apply(actor, reconciliation_id, confirmed_probable, expected_version, now)`: applies the
  plan through amci/effects.py — confirm, reorient (creating the offer, with no seat of its
  own, when the plan says « offre à créer »: the re-orientation adds the candidate's seat to
  it), free_seat « refused » (the seat goes to the waiting list) — the probable matches only
  when the manager confirmed them, the unknown rows never. All or nothing: anything refused
  raises, and the caller's rollback undoes every row. A plan gone stale (a nomination or a file
  changed since the dry run) is refused; applying twice, or two managers at once, applies once:
  the campaign's lock, then the Reconciliation's row, are taken before anything is read.
  The slip the list answers is marked answered.

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..applications.io import parse_passport
from ..applications.models import Application
from ..applications.status import STATUS_LABELS as APPLICATION_STATUS_LABELS
from ..audit.services import record
from ..campaigns.models import Campaign, Offer
from ..errors import Conflict, ImportRejected, InvalidTransition, NotFound, ValidationFailed
from ..extensions import db
from ..imports.common import data_rows, file_digest, pick_sheet
from ..placement import cascade
from ..reference.models import Establishment, Programme
from ..spreadsheets import parsers
from ..spreadsheets.spec import ColumnSpec, SheetSpec, validate_rows
from ..timeutil import utcnow
from ..uploads_names import display_name
from . import effects, reconcile
from .io import _parse_reference
from .models import Nomination, Reconciliation, Transmittal

SHEET_NAME = "Liste retournée"
MAX_ROWS = 5_000  # a returned list is a campaign's nominations: hundreds of rows
ANSWERABLE = ("sent", "received", "answered")  # the slips a returned list may answer
DEFAULT_NAME = "liste-retournee.xlsx"
DECISION_CHOICES = ("Confirmé", "Réorienté", "Refusé", "En attente")
INSTRUCTIONS = [
    "Une ligne par candidat de la liste nominative, à partir de la ligne 2 (les candidats de la campagne "
    "sont déjà inscrits : complétez la décision).",
    "Le candidat est reconnu par la référence de son dossier (ex. MLI-2026-000123), à défaut le NINA, à "
    "défaut le numéro de passeport ; si plusieurs sont remplis, ils doivent être ceux du même dossier. "
    "Sans aucun d'eux, par le nom, les prénoms et la date de naissance : un gestionnaire confirme ce "
    "rapprochement avant qu'il soit appliqué.",
    "Décision : Confirmé (ou Retenu, Accepté), Réorienté, Refusé (ou Non retenu, Rejeté), En attente. "
    "Un refus doit donner son motif (colonne « Motif » ou « Observations ») ; la place est alors proposée "
    "au suivant de la liste d'attente.",
    "Réorientation : la filière retenue et l'établissement d'accueil (nom ou code, la ville si besoin), "
    "ou le code de l'offre. Une filière qui n'est pas offerte dans cet établissement sera créée à la "
    "confirmation, avec la place du candidat.",
    "Rien n'est enregistré avant que la simulation ait été vérifiée et confirmée ; réimporter la même "
    "liste ne modifie rien.",
]


def _parse_text(max_length: int):
    return lambda value: parsers.parse_text(value, max_length=max_length)


def build_spec(offer_codes=()) -> SheetSpec:
    """The columns of a returned list, under the names met in AMCI and OFPPT files."""
    c = reconcile.COLUMNS
    return SheetSpec(SHEET_NAME, [
        ColumnSpec("reference", c["reference"], parser=_parse_reference, width=20,
                   synonyms=("Référence du dossier", "Réf. dossier", "Réf", "N° de référence", "Référence DNFP",
                             "Référence candidat", "N° dossier DNFP", "Numéro de dossier"),
                   help="Référence du dossier (ex. MLI-2026-000123)"),
        ColumnSpec("nina", c["nina"], kind="nina", width=20, help="Sans référence : le NINA du candidat"),
        ColumnSpec("passport_number", c["passport_number"], parser=parse_passport, width=16,
                   synonyms=("Passeport", "Numéro de passeport", "N° de passeport", "N° du passeport"),
                   help="Sans référence ni NINA : le numéro de passeport"),
        ColumnSpec("last_name", c["last_name"], parser=_parse_text(100),
                   synonyms=("Nom de famille", "Noms", "Nom du candidat")),
        ColumnSpec("first_names", c["first_names"], parser=_parse_text(150),
                   synonyms=("Prénom", "Prénom(s)", "Prénoms du candidat")),
        ColumnSpec("full_name", c["full_name"], parser=_parse_text(250), width=30,
                   synonyms=("Nom et prénom", "Nom et prénom(s)", "Nom & prénoms", "Prénoms et nom",
                             "Nom complet", "Candidat", "Nom prénom")),
        ColumnSpec("birth_date", c["birth_date"], kind="date",
                   synonyms=("Date naissance", "Né(e) le", "Né le", "Née le")),
        ColumnSpec("decision", c["decision"], kind="choice", choices=list(DECISION_CHOICES),
                   parser=_parse_text(200), width=16,
                   synonyms=("Avis de la commission", "Avis de la commission mixte", "Statut", "Avis",
                             "Décision de la commission", "Décision de la commission mixte", "Résultat",
                             "Statut AMCI", "Statut de la candidature", "Décision AMCI"),
                   help="Confirmé / Retenu, Réorienté, Refusé / Non retenu, En attente"),
        ColumnSpec("reason", c["reason"], parser=_parse_text(2000), width=30,
                   synonyms=("Motif du refus", "Motif de la décision", "Motif de refus", "Raison",
                             "Motif de réorientation"),
                   help="Obligatoire pour un refus"),
        ColumnSpec("observations", c["observations"], parser=_parse_text(2000), width=30,
                   synonyms=("Observation", "Remarques", "Remarque", "Commentaires", "Commentaire")),
        ColumnSpec("offer_code", c["offer_code"], kind="choice" if offer_codes else "text",
                   choices=list(offer_codes) or None, parser=_parse_text(40), width=20,
                   synonyms=("Code de l'offre", "Code formation", "Code offre retenue"),
                   help="Réorientation : le code de l'offre de la campagne (sinon filière et établissement)"),
        ColumnSpec("programme", c["programme"], parser=_parse_text(200), width=30,
                   synonyms=("Filière", "Filière d'accueil", "Formation retenue", "Filière de réorientation",
                             "Nouvelle filière", "Spécialité", "Spécialité retenue", "Formation"),
                   help="Titre ou code de la filière"),
        ColumnSpec("establishment", c["establishment"], parser=_parse_text(200), width=30,
                   synonyms=("Établissement", "Établissement retenu", "Établissement de formation",
                             "Établissement d'affectation", "Institut", "Centre de formation"),
                   help="Nom ou code de l'établissement"),
        ColumnSpec("city", c["city"], parser=_parse_text(80),
                   synonyms=("Ville d'accueil", "Localité", "Ville de l'établissement")),
    ])


# --- what the plan is read against ------------------------------------------------------------

def _campaign(campaign_id) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
    if campaign is None:
        raise NotFound("Campagne introuvable.")
    return campaign


def nomination_records(campaign_id: int) -> list[reconcile.NominationRecord]:
    rows = db.session.execute(
        select(Nomination.id, Nomination.application_id, Nomination.status, Nomination.offer_id,
               Nomination.final_offer_id, Nomination.version, Application.reference, Application.nina,
               Application.passport_number, Application.last_name, Application.first_names,
               Application.birth_date, Application.status.label("application_status"))
        .join(Application, Application.id == Nomination.application_id)
        .where(Nomination.campaign_id == campaign_id).order_by(Nomination.id)
        .execution_options(**cascade.FRESH)).all()
    offers = {o.id: o for o in offer_records(campaign_id)}
    records = []
    for r in rows:
        offer_id = r.final_offer_id or r.offer_id
        offer = offers.get(offer_id)
        records.append(reconcile.NominationRecord(
            nomination_id=r.id, application_id=r.application_id, reference=r.reference, nina=r.nina,
            passport_number=r.passport_number, last_name=r.last_name, first_names=r.first_names,
            birth_date=r.birth_date, status=r.status, offer_id=offer_id,
            offer_code=offer.code if offer else "", programme=offer.programme_title if offer else "",
            establishment=offer.establishment_name if offer else "",
            application_status=r.application_status,
            application_status_label=APPLICATION_STATUS_LABELS.get(r.application_status, r.application_status),
            version=r.version))
    return records


def offer_records(campaign_id: int) -> list[reconcile.OfferRecord]:
    return [reconcile.OfferRecord(*row) for row in db.session.execute(
        select(Offer.id, Offer.code, Programme.id, Programme.code, Programme.title, Establishment.id,
               Establishment.code, Establishment.name, Establishment.city)
        .join(Programme, Programme.id == Offer.programme_id)
        .join(Establishment, Establishment.id == Offer.establishment_id)
        .where(Offer.campaign_id == campaign_id).order_by(Offer.code))]


def _programmes() -> list[reconcile.Reference]:
    return [reconcile.Reference(*row) for row in db.session.execute(
        select(Programme.id, Programme.code, Programme.title).where(Programme.active.is_(True)))]


def _establishments() -> list[reconcile.Reference]:
    return [reconcile.Reference(*row) for row in db.session.execute(
        select(Establishment.id, Establishment.code, Establishment.name, Establishment.city)
        .where(Establishment.active.is_(True)))]


def _slip(campaign: Campaign, transmittal_id) -> Transmittal | None:
    if not transmittal_id:
        return None
    slip = db.session.get(Transmittal, transmittal_id)
    if slip is None or slip.campaign_id != campaign.id:
        message = "Ce bordereau n'appartient pas à cette campagne."
        raise ValidationFailed(message, errors={"transmittal_id": message})
    if slip.status not in ANSWERABLE:
        message = (f"Le bordereau {slip.number} n'a pas encore été envoyé à l'ambassade : aucune liste ne peut "
                   "encore y répondre.")
        raise ValidationFailed(message, errors={"transmittal_id": message})
    return slip


# --- the dry run ------------------------------------------------------------------------------

def read_plan(campaign: Campaign, data: bytes) -> dict:
    """The plan of a returned list (refused in French: a hostile or unreadable file, no header row,
    no column to recognise the candidates or to read the decision)."""
    spec = build_spec()
    sheet, header, _names = pick_sheet(data, spec)
    if header is None or header.index is None:
        raise ImportRejected(
            f"Ligne d'en-têtes introuvable dans les {spec.header_search_rows} premières lignes du classeur. "
            "Colonnes attendues : « Référence » (ou « NINA », « N° passeport », ou « Nom », « Prénoms » et "
            "« Date de naissance »), « Décision », « Motif », « Filière retenue », « Établissement d'accueil ».")
    mapping = header.mapping
    if not any(key in mapping for key in (*reconcile.IDENTIFIERS, "last_name", "full_name")):
        raise ImportRejected("Aucune colonne pour reconnaître les candidats : ajoutez « Référence », « NINA » ou "
                             "« N° passeport » (à défaut « Nom », « Prénoms » et « Date de naissance »).")
    if "decision" not in mapping:
        raise ImportRejected("Aucune colonne de décision : ajoutez « Décision » (ou « Avis de la commission », "
                             "« Statut »).")
    if data_rows(sheet.rows) > MAX_ROWS:
        raise ImportRejected(f"La liste compte plus de {MAX_ROWS:,} lignes".replace(",", "\u202f")
                             + " : ce n'est pas une liste retournée par l'AMCI (une ligne par candidat nommé).")
    records, errors = validate_rows(sheet.rows, spec, sheet=sheet.name, header=header)
    plan = reconcile.build_plan(records, nomination_records(campaign.id), offer_records(campaign.id),
                                _programmes(), _establishments(), cell_errors=errors)
    plan["sheet"] = sheet.name
    plan["header_row"] = header.excel_row
    plan["columns"] = {key: reconcile.COLUMNS[key] for key in mapping}
    plan["ignored"] = [cell["header"] for cell in (*header.ignored, *header.questions)]
    return plan


def dry_run(actor, campaign_id, data: bytes, filename: str, transmittal_id=None,
            now: datetime | None = None) -> Reconciliation:
    """Reads the list and stores its plan; changes nothing else."""
    now = now or utcnow()
    campaign = _campaign(campaign_id)
    slip = _slip(campaign, transmittal_id)
    plan = read_plan(campaign, data)
    reconciliation = Reconciliation(
        campaign_id=campaign.id, transmittal_id=slip.id if slip else None,
        filename=display_name(filename, DEFAULT_NAME)[:255], sha256=file_digest(data), status="dry_run",
        plan=plan, counts=dict(plan["counts"]), created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(reconciliation)
    db.session.flush()
    record(actor, "amci.reconcile.dry_run", reconciliation, campaign_id=campaign.id,
           after={"filename": reconciliation.filename, "sha256": reconciliation.sha256,
                  "transmittal": slip.number if slip else None, "counts": reconciliation.counts})
    return reconciliation


# --- applying ---------------------------------------------------------------------------------

ALREADY_APPLIED = "Cette liste a déjà été appliquée{when} : rien n'a été modifié une seconde fois."
STALE = ("La liste nominative a changé depuis l'analyse de ce fichier ({detail}) : rien n'a été appliqué. "
         "Importez le fichier de nouveau pour voir les différences à jour.")


@dataclass
class ApplyResult:
    reconciliation: Reconciliation
    applied: dict = field(default_factory=dict)   # confirmed / reoriented / refused: rows applied
    offers_created: list[str] = field(default_factory=list)
    ignored_unknown: int = 0
    slip_answered: bool = False


def get(reconciliation_id) -> Reconciliation:
    reconciliation = db.session.get(Reconciliation, reconciliation_id) if reconciliation_id else None
    if reconciliation is None:
        raise NotFound("Liste retournée introuvable.")
    return reconciliation


def _locked(reconciliation_id: int) -> Reconciliation:
    """The campaign's lock (every seat move waits for it), then the reconciliation's row, re-read."""
    campaign_id = get(reconciliation_id).campaign_id
    cascade.lock(campaign_id)
    return db.session.scalars(select(Reconciliation).where(Reconciliation.id == reconciliation_id)
                              .with_for_update().execution_options(**cascade.FRESH)).one()


def _check_fresh(rows: list[dict]) -> None:
    """Every nomination the plan relies on is as the dry run read it."""
    ids = [r["nomination_id"] for r in rows]
    if not ids:
        return
    now = {n.id: (n.version, status) for n, status in db.session.execute(
        select(Nomination, Application.status).join(Application, Application.id == Nomination.application_id)
        .where(Nomination.id.in_(ids)).execution_options(**cascade.FRESH))}
    for r in rows:
        current = now.get(r["nomination_id"])
        if current is None:
            raise Conflict(STALE.format(detail=f"le dossier {r['reference']} n'est plus nominé"))
        if current[0] != r["version"] or current[1] != r["application_status"]:
            raise Conflict(STALE.format(detail=f"le dossier {r['reference']}, ligne {r['row']}, a été modifié"))


def _offer_for(actor, campaign: Campaign, new_offer: dict, reason: str, created: list[str]) -> Offer:
    """The offer a re-orientation goes to when the campaign had none for that programme at that
    establishment: created with no seat (the re-orientation adds the candidate's, in the ledger).
    campaigns.services.add_offer is for the offer's phases (draft, open); this is the joint
    committee's decision after the publication, recorded the same way (offer.create)."""
    programme = db.session.get(Programme, new_offer["programme_id"])
    establishment = db.session.get(Establishment, new_offer["establishment_id"])
    if programme is None or establishment is None:
        raise Conflict(STALE.format(detail="une filière ou un établissement a été supprimé"))
    existing = db.session.scalars(select(Offer).where(
        Offer.campaign_id == campaign.id, Offer.programme_id == programme.id,
        Offer.establishment_id == establishment.id)).first()
    if existing is not None:
        return existing
    base = f"{programme.code}-{establishment.code}".upper()[:40]
    taken = set(db.session.scalars(select(Offer.code).where(Offer.campaign_id == campaign.id)))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base[:36]}-{n}"
    offer = Offer(campaign_id=campaign.id, programme_id=programme.id, establishment_id=establishment.id,
                  code=code, seats=0, reserved_seats=0)
    db.session.add(offer)
    db.session.flush()
    record(actor, "offer.create", offer, campaign_id=campaign.id, reason=reason,
           after={"programme_id": programme.id, "establishment_id": establishment.id, "code": code,
                  "seats": 0, "reserved_seats": 0})
    created.append(code)
    return offer


def _mark_slip_answered(actor, slip: Transmittal, now: datetime) -> bool:
    """The slip's last step: the AMCI's answer received (an answer is proof the slip arrived)."""
    try:
        from . import slips
    except ImportError:  # pragma: no cover - amci/slips.py (the slip's life) is another part of the work
        slips = None
    if slips is not None:
        if slip.status == "sent":
            slips.mark_received(actor, slip, now)
        return bool(slips.mark_answered(actor, slip, now))
    # Without amci/slips.py: its last step set here (the apply's audit event names the slip).
    if slip.status == "answered":
        return False
    if slip.received_at is None:
        slip.received_at, slip.received_by_id = now, getattr(actor, "id", None)
    slip.status, slip.answered_at, slip.answered_by_id = "answered", now, getattr(actor, "id", None)
    return True


def apply(actor, reconciliation_id: int, confirmed_probable=frozenset(), expected_version=None,
          now: datetime | None = None) -> ApplyResult:
    """Applies the plan, all or nothing (see the module's docstring). Raises in French."""
    now = now or utcnow()
    reconciliation = _locked(reconciliation_id)
    if reconciliation.status == "applied":
        when = f" le {reconciliation.applied_at:%d/%m/%Y à %H:%M} (UTC)" if reconciliation.applied_at else ""
        raise Conflict(ALREADY_APPLIED.format(when=when))
    if reconciliation.status != "dry_run":
        raise InvalidTransition("Cette analyse a été abandonnée : importez le fichier de nouveau.")
    if expected_version not in (None, "") and str(expected_version) != str(reconciliation.version):
        raise Conflict("Cette analyse a changé depuis que vous l'avez ouverte : relisez-la avant de l'appliquer.")
    plan_rows = list((reconciliation.plan or {}).get("rows") or [])
    counts = reconcile.count(plan_rows) if plan_rows else dict(reconciliation.counts or {})
    if counts.get("errors"):
        raise InvalidTransition(
            f"Le fichier contient {counts['errors']} ligne(s) en erreur : corrigez-les dans le fichier et "
            "importez-le de nouveau. Rien n'a été appliqué.")
    probable = {r["row"] for r in plan_rows if r["category"] == "probable"}
    confirmed = {int(n) for n in confirmed_probable}
    if confirmed - probable:
        raise ValidationFailed("Seuls les rapprochements probables de cette analyse peuvent être confirmés "
                               f"(ligne(s) {', '.join(map(str, sorted(confirmed - probable)))}).")
    todo = reconcile.to_apply(plan_rows, confirmed)
    _check_fresh([r for r in plan_rows if r["nomination_id"] and (r["match"] == "exact" or r["row"] in confirmed)
                  and r["category"] != "unknown"])
    campaign = db.session.get(Campaign, reconciliation.campaign_id)
    result = ApplyResult(reconciliation, {"confirmed": 0, "reoriented": 0, "refused": 0},
                         ignored_unknown=counts.get("unknown", 0))
    because = f"Liste retournée par l'AMCI ({reconciliation.filename})"
    for row in todo:
        nomination = db.session.get(Nomination, row["nomination_id"])
        action = row["action"]
        if action == "confirm":
            done = effects.confirm(actor, nomination, "manager", now, note=row["reason"] or "")
        elif action == "refuse":
            done = effects.free_seat(actor, nomination, "refused", row["reason"], "manager", now)
        elif action == "reorient":
            reason = row["reason"] or reconcile.DEFAULT_REORIENTATION_REASON
            offer = (db.session.get(Offer, row["offer_id"]) if row.get("offer_id") is not None
                     else _offer_for(actor, campaign, row["new_offer"], f"Réorientation : {because}",
                                     result.offers_created))
            if offer is None or offer.campaign_id != campaign.id:
                raise Conflict(STALE.format(detail=f"l'offre de la ligne {row['row']} n'existe plus"))
            done = effects.reorient(actor, nomination, offer, reason, "manager", now)
        else:  # pragma: no cover - to_apply gives these three only
            continue
        if done:
            result.applied[reconcile.ACTION_CATEGORY[action]] += 1
    slip = db.session.get(Transmittal, reconciliation.transmittal_id) if reconciliation.transmittal_id else None
    if slip is not None:
        result.slip_answered = _mark_slip_answered(actor, slip, now)
    reconciliation.status, reconciliation.applied_at = "applied", now
    reconciliation.applied_by_id = getattr(actor, "id", None)
    reconciliation.counts = {**(reconciliation.counts or {}), "applied": dict(result.applied),
                             "probable_confirmed": sorted(confirmed), "offers_created": list(result.offers_created)}
    db.session.flush()
    record(actor, "amci.reconcile.apply", reconciliation, campaign_id=reconciliation.campaign_id,
           after={"filename": reconciliation.filename, "applied": result.applied,
                  "transmittal": slip.number if slip is not None else None,
                  "slip_answered": result.slip_answered,
                  "probable_confirmed": len(confirmed), "unknown_ignored": result.ignored_unknown,
                  "offers_created": result.offers_created})
    return result


# --- lists and the template -------------------------------------------------------------------

def history(campaign_id: int | None = None):
    """The reconciliations, newest first (a query, to paginate)."""
    query = select(Reconciliation).order_by(Reconciliation.created_at.desc(), Reconciliation.id.desc())
    if campaign_id:
        query = query.where(Reconciliation.campaign_id == campaign_id)
    return query


def slips_of(campaign_id: int) -> list[Transmittal]:
    """The campaign's slips a returned list may answer (sent to the embassy)."""
    return list(db.session.scalars(select(Transmittal).where(Transmittal.campaign_id == campaign_id,
                                                             Transmittal.status.in_(ANSWERABLE))
                                   .order_by(Transmittal.year.desc(), Transmittal.sequence.desc())))


def template_workbook(campaign: Campaign):
    """The model of a returned list: the columns, with the campaign's nominated candidates written
    in (reference, name, birth date): the AMCI fills the decision."""
    from ..spreadsheets.writer import DATE_FORMAT, build_template, safe_value

    codes = [o.code for o in offer_records(campaign.id)]
    full = build_spec(codes)
    spec = SheetSpec(full.name, [c for c in full.columns if c.key != "full_name"])
    wb = build_template(spec, [f"Liste retournée par l'AMCI ou l'OFPPT — campagne {campaign.code} : "
                               f"{campaign.title}", *INSTRUCTIONS])
    ws = wb[spec.name[:31]]
    columns = {c.key: i for i, c in enumerate(spec.columns, start=1)}
    rows = db.session.execute(
        select(Application.reference, Application.last_name, Application.first_names, Application.birth_date)
        .join(Nomination, Nomination.application_id == Application.id)
        .where(Nomination.campaign_id == campaign.id, Nomination.status != "withdrawn")
        .order_by(Nomination.position.asc().nulls_last(), Nomination.id)).all()
    for r, (reference, last_name, first_names, birth_date) in enumerate(rows, start=2):
        for key, value in (("reference", reference), ("last_name", last_name), ("first_names", first_names)):
            if value:
                cell = ws.cell(row=r, column=columns[key], value=safe_value(value))
                cell.data_type = "s"
        if birth_date:
            ws.cell(row=r, column=columns["birth_date"], value=birth_date).number_format = DATE_FORMAT
    return wb


def template_name(campaign: Campaign) -> str:
    return f"modele-liste-retournee-amci-{campaign.code}.xlsx"
