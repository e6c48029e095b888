"""Transmittal slips (bordereaux de transmission): the envelope that takes the nominative list
and the candidates' files to the AMCI through the Embassy of the Kingdom of Morocco in Bamako.

`prepare_slip` puts every live nomination not yet on a slip onto a new slip: the campaign's
first is « initial », the next ones « supplementary » (the replacements promoted from the
waiting lists since). Its number is BT-<year>-<nnn>, the sequence counted per calendar year of
the preparation across every campaign ((year, sequence) unique). Numbering is max + 1 under
locks: the campaign's (placement.cascade.lock: two managers preparing the same campaign's slip
at once make one slip, the second finds nothing left to send) and, on PostgreSQL, a
transaction-level advisory lock on the year (two campaigns' slips prepared at once get
distinct numbers); should a number still clash (the unique constraint), the preparation is
refused in French (Conflict) and nothing is written.

The slip's PDF is sealed when it is prepared (documents.seal, kind « transmittal »,
templates/documents/transmittal_pdf.html: the header, the enclosures with their counts, the
nominations by N°, reference, name and placement) and verifiable at /verifier/<token>. Its
content hash vouches for the slip's facts and the nominations by reference (no names).

Its life, each step with who and when, audited: prepared → sent to the embassy (`mark_sent`,
with the date it left) → received by the AMCI (`mark_received`) → answer received
(`mark_answered`). A second click changes nothing (the services return False); a step out of
order is refused in French (InvalidTransition); the version column guards against two people
moving the same slip at once (Conflict, the page answers 409).

Explicit arguments, no request; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from ..applications.models import Application, ApplicationDocument
from ..audit.services import record
from ..campaigns.models import Campaign
from ..documents import render_pdf, seal
from ..documents.models import SealedDocument
from ..documents.sealing import verification_url
from ..errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import N_
from ..placement import cascade
from ..reference.models import DocumentType
from ..timeutil import utcnow
from .lists import Training, trainings
from .models import TRANSMITTAL_STATUS_LABELS, Nomination, Transmittal
from .nominations import LIVE

KIND = "transmittal"
TEMPLATE = "documents/transmittal_pdf.html"
SENDER = "Direction Nationale de la Formation Professionnelle (DNFP), Bamako"
RECIPIENT = ("Agence Marocaine de Coopération Internationale (AMCI), Rabat — par l'Ambassade du Royaume "
             "du Maroc à Bamako")
KIND_LABELS = {"initial": N_("Bordereau initial"),
               "supplementary": N_("Bordereau complémentaire (remplaçants des listes d'attente)")}
PASSPORT_DOCUMENT = "PASSPORT"
ADVISORY_NAMESPACE = 0x4254  # "BT": pg_advisory_xact_lock(namespace, year)
# The life of a slip: each status and the one that follows it.
NEXT = {"prepared": "sent", "sent": "received", "received": "answered"}
ORDER = ("prepared", "sent", "received", "answered")
STEP_ACTIONS = {"sent": "amci.slip.send", "received": "amci.slip.receive", "answered": "amci.slip.answer"}
NOTHING_TO_SEND = ("Aucune nomination à transmettre : tous les candidats nommés de cette campagne figurent "
                   "déjà sur un bordereau. Complétez d'abord la liste nominative.")
NUMBER_CLASH = ("Un autre bordereau a reçu le même numéro au même moment ; rien n'a été enregistré. "
                "Recommencez la préparation.")
STALE = "Ce bordereau a été modifié entre-temps par quelqu'un d'autre. Relisez la page et recommencez."
NOTES_MAX = 2000
ENCLOSURES_MAX = 20


def slip_number(year: int, sequence: int) -> str:
    return f"BT-{year}-{sequence:03d}"


def slip_title(slip: Transmittal, campaign: Campaign) -> str:
    """The sealed document's public title: number and campaign code, no name."""
    return f"Bordereau de transmission {slip.number} — campagne {campaign.code}"


def check_step(current: str, target: str) -> bool:
    """Pure: True when `target` is the step after `current`, False when the slip is already
    there (a second click); any other move raises InvalidTransition in French."""
    if current == target:
        return False
    if NEXT.get(current) == target:
        return True
    current_label, target_label = TRANSMITTAL_STATUS_LABELS[current], TRANSMITTAL_STATUS_LABELS[target]
    if ORDER.index(target) < ORDER.index(current):
        raise InvalidTransition(f"Ce bordereau est déjà à l'étape « {current_label} » : il ne peut pas revenir "
                                f"à l'étape « {target_label} ».")
    expected = TRANSMITTAL_STATUS_LABELS[NEXT[current]] if current in NEXT else None
    raise InvalidTransition(f"Étape impossible : le bordereau est à l'étape « {current_label} » ; l'étape "
                            f"suivante est « {expected} », pas « {target_label} ».")


# --- reading -----------------------------------------------------------------------------------

def _campaign(campaign_id) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("Campagne introuvable.")
    return campaign


def get_slip(slip_id: int) -> Transmittal:
    slip = db.session.get(Transmittal, slip_id)
    if slip is None:
        raise NotFound("Bordereau introuvable.")
    return slip


def slips_statement(campaign_id: int, sent_only: bool = False):
    """A campaign's slips, newest first (the AMCI officer's: sent to the embassy or later)."""
    statement = select(Transmittal).where(Transmittal.campaign_id == campaign_id)
    if sent_only:
        statement = statement.where(Transmittal.status != "prepared")
    return statement.order_by(Transmittal.year.desc(), Transmittal.sequence.desc(), Transmittal.id.desc())


def slip_counts(slip_ids: list[int]) -> dict[int, int]:
    """Nominations carried by each slip (withdrawn ones included: they were in the envelope)."""
    if not slip_ids:
        return {}
    return dict(db.session.execute(select(Nomination.transmittal_id, func.count(Nomination.id))
                                   .where(Nomination.transmittal_id.in_(slip_ids))
                                   .group_by(Nomination.transmittal_id)).all())


def pending_statement(campaign_id: int):
    """The nominations the next slip would carry: live, on no slip yet, in the list's order."""
    return (select(Nomination).join(Application, Application.id == Nomination.application_id)
            .options(contains_eager(Nomination.application))
            .where(Nomination.campaign_id == campaign_id, Nomination.transmittal_id.is_(None),
                   Nomination.status.in_(LIVE))
            .order_by(Nomination.position.asc().nulls_last(), Nomination.id))


def carried_statement(slip_id: int):
    """The nominations a slip carries, in the list's order (for its page)."""
    return (select(Nomination).join(Application, Application.id == Nomination.application_id)
            .options(contains_eager(Nomination.application)).where(Nomination.transmittal_id == slip_id)
            .order_by(Nomination.position.asc().nulls_last(), Nomination.id))


@dataclass(frozen=True, slots=True)
class SlipLine:
    """One nomination as the slip prints it."""

    number: int
    nomination_id: int
    application_id: int
    reference: str
    name: str
    placement: Training | None

    @property
    def placement_text(self) -> str:
        return self.placement.text if self.placement is not None else "—"


def _lines(campaign_id: int, where) -> list[SlipLine]:
    offers = trainings(campaign_id)
    rows = db.session.execute(
        select(Nomination.id, Nomination.application_id, Application.reference, Application.last_name,
               Application.first_names, Nomination.offer_id, Nomination.final_offer_id)
        .join(Application, Application.id == Nomination.application_id)
        .where(Nomination.campaign_id == campaign_id, *where)
        .order_by(Nomination.position.asc().nulls_last(), Nomination.id)
        .execution_options(**cascade.FRESH)).all()
    return [SlipLine(n, nomination_id, application_id, reference or f"#{application_id}",
                     " ".join(p for p in ((last or "").upper(), first or "") if p),
                     offers.get(final_offer_id or offer_id))
            for n, (nomination_id, application_id, reference, last, first, offer_id, final_offer_id)
            in enumerate(rows, 1)]


def pending_lines(campaign_id: int) -> list[SlipLine]:
    return _lines(campaign_id, (Nomination.transmittal_id.is_(None), Nomination.status.in_(LIVE)))


def passport_copies(application_ids: list[int]) -> int:
    """How many of these files hold a passport copy (the document of type PASSPORT)."""
    total = 0
    for start in range(0, len(application_ids), 500):
        chunk = application_ids[start:start + 500]
        total += db.session.scalar(
            select(func.count(ApplicationDocument.id))
            .join(DocumentType, DocumentType.id == ApplicationDocument.document_type_id)
            .where(DocumentType.code == PASSPORT_DOCUMENT, ApplicationDocument.application_id.in_(chunk))) or 0
    return total


def standard_enclosures(candidates: int, passports: int) -> list[dict]:
    """What every slip encloses, with its counts."""
    return [
        {"label": "Liste nominative des candidats (modèle AMCI)", "count": candidates,
         "detail": f"{candidates} candidat(s)"},
        {"label": "Dossiers de candidature des candidats", "count": candidates,
         "detail": f"{candidates} dossier(s)"},
        {"label": "Copies de passeport", "count": passports,
         "detail": f"{passports} présente(s) sur {candidates}"},
    ]


def parse_enclosures(text: str) -> list[dict]:
    """Other enclosures typed one per line, « label » or « label : count » (pure)."""
    found = []
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        label, count = line, None
        head, sep, tail = line.rpartition(":")
        if sep and tail.strip().isdigit() and head.strip():
            label, count = head.strip(), int(tail.strip())
        found.append({"label": label[:200], "count": count, "detail": "" if count is None else str(count)})
    return found


def _clean_enclosures(enclosures) -> list[dict]:
    cleaned = []
    for item in enclosures or ():
        if isinstance(item, str):
            cleaned.extend(parse_enclosures(item))
            continue
        label = " ".join(str(item.get("label") or "").split())[:200]
        if not label:
            continue
        count = item.get("count")
        if count is not None and (not isinstance(count, int) or count < 0):
            raise ValidationFailed("Le nombre d'exemplaires d'une pièce jointe doit être un entier positif.",
                                   errors={"enclosures": "Nombre invalide : un entier positif."})
        cleaned.append({"label": label, "count": count,
                        "detail": str(item.get("detail") or ("" if count is None else count))[:200]})
    if len(cleaned) > ENCLOSURES_MAX:
        raise ValidationFailed(f"{ENCLOSURES_MAX} autres pièces jointes au plus.",
                               errors={"enclosures": f"{ENCLOSURES_MAX} lignes au plus."})
    return cleaned


@dataclass(frozen=True)
class SlipPreview:
    """What « prepare a slip » would do now (the confirmation page)."""

    campaign: Campaign
    kind: str
    number: str            # provisional: another slip of the year may take it first
    candidates: int
    passports: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def enclosures(self) -> list[dict]:
        return standard_enclosures(self.candidates, self.passports)


def _kind(campaign_id: int) -> str:
    existing = db.session.scalar(select(func.count(Transmittal.id)).where(Transmittal.campaign_id == campaign_id))
    return "supplementary" if existing else "initial"


def _next_sequence(year: int) -> int:
    return (db.session.scalar(select(func.max(Transmittal.sequence)).where(Transmittal.year == year)) or 0) + 1


def preview(campaign_id: int, now: datetime | None = None) -> SlipPreview:
    campaign = _campaign(campaign_id)
    year = (now or utcnow()).year
    ids = list(db.session.scalars(select(Nomination.application_id).where(
        Nomination.campaign_id == campaign.id, Nomination.transmittal_id.is_(None), Nomination.status.in_(LIVE))))
    return SlipPreview(campaign, _kind(campaign.id), slip_number(year, _next_sequence(year)), len(ids),
                       passport_copies(ids))


# --- the sealed PDF ----------------------------------------------------------------------------

@dataclass
class SlipDocument:
    """Everything the sealed slip prints (templates/documents/transmittal_pdf.html)."""

    slip: Transmittal
    campaign: Campaign
    lines: list[SlipLine]
    prepared_by: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.slip.kind]

    def canonical(self) -> dict:
        """What the seal's content hash vouches for: the slip's facts, the nominations by
        reference and placement code (no names)."""
        s = self.slip
        return {"document": KIND, "number": s.number, "campaign": self.campaign.code, "kind": s.kind,
                "prepared_at": s.created_at, "sender": s.sender, "recipient": s.recipient,
                "via_embassy": s.via_embassy, "notes": s.notes, "enclosures": s.enclosures,
                "nominations": [[line.number, line.reference, line.placement.code if line.placement else None]
                                for line in self.lines]}


def _user_name(user_id: int | None) -> str:
    if user_id is None:
        return ""
    from ..auth.models import User

    user = db.session.get(User, user_id)
    return (user.full_name or user.email or "") if user is not None else ""


def user_names(slips_) -> dict[int, str]:
    """{user id: name} of everyone who moved these slips (one query)."""
    from ..auth.models import User

    ids = {i for s in slips_ for i in (s.created_by_id, s.sent_by_id, s.received_by_id, s.answered_by_id) if i}
    if not ids:
        return {}
    return {uid: full_name or email or "" for uid, full_name, email in db.session.execute(
        select(User.id, User.full_name, User.email).where(User.id.in_(sorted(ids))))}


def _lock_year(year: int) -> None:
    """On PostgreSQL, one numbering at a time per calendar year (across campaigns); SQLite's
    write lock (cascade.lock) already serialises every writer."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(ADVISORY_NAMESPACE, year)))


def prepare_slip(actor, campaign_id, now: datetime | None = None, notes: str = "",
                 enclosures=None) -> Transmittal:
    """A new slip carrying every live nomination of the campaign not yet on a slip, sealed.
    `enclosures`: other pieces in the envelope, [{"label": ..., "count": ...}] or lines of
    text (parse_enclosures). Refused in French when there is nothing to send."""
    now = (now or utcnow()).replace(microsecond=0)
    campaign = _campaign(campaign_id)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationFailed("Les observations dépassent 2 000 caractères.",
                               errors={"notes": "2 000 caractères au plus."})
    extra = _clean_enclosures(enclosures)
    cascade.lock(campaign.id)
    _lock_year(now.year)
    lines = pending_lines(campaign.id)
    if not lines:
        raise NotAllowed(NOTHING_TO_SEND)
    application_ids = [line.application_id for line in lines]
    passports = passport_copies(application_ids)
    sequence = _next_sequence(now.year)
    slip = Transmittal(campaign_id=campaign.id, number=slip_number(now.year, sequence), year=now.year,
                       sequence=sequence, kind=_kind(campaign.id), status="prepared", sender=SENDER,
                       recipient=RECIPIENT, via_embassy=True, notes=notes,
                       enclosures=standard_enclosures(len(lines), passports) + extra,
                       created_by_id=getattr(actor, "id", None), created_at=now)
    db.session.add(slip)
    try:
        db.session.flush()
    except IntegrityError as clash:   # the (year, sequence) or number taken meanwhile
        raise Conflict(NUMBER_CLASH) from clash
    db.session.execute(update(Nomination).where(Nomination.id.in_([line.nomination_id for line in lines]))
                       .values(transmittal_id=slip.id, version=Nomination.version + 1)
                       .execution_options(synchronize_session="fetch"))
    document_data = SlipDocument(slip, campaign, lines, _user_name(slip.created_by_id))
    document, _pdf = seal(KIND, slip.number, slip_title(slip, campaign), document_data.canonical(),
                          lambda s: render_pdf(TEMPLATE, seal=s, doc=document_data), created_by=actor,
                          sealed_at=now)
    slip.sealed_document_id, slip.file_sha256 = document.id, document.pdf_sha256
    db.session.flush()
    record(actor, "amci.slip.prepare", slip, campaign_id=campaign.id,
           after={"number": slip.number, "kind": slip.kind, "nominations": len(lines), "passports": passports,
                  "sealed_document_id": document.id, "content_sha256": document.content_sha256})
    return slip


# --- its life ----------------------------------------------------------------------------------

def _check_version(slip: Transmittal, version) -> None:
    if version not in (None, "") and str(version) != str(slip.version):
        raise Conflict(STALE)


def _step(actor, slip: Transmittal, target: str, now: datetime, version, changes: dict) -> bool:
    if not check_step(slip.status, target):
        return False
    _check_version(slip, version)
    before = {"status": slip.status}
    slip.status = target
    for key, value in changes.items():
        setattr(slip, key, value)
    db.session.flush()   # the version column: a change made meanwhile raises StaleDataError
    record(actor, STEP_ACTIONS[target], slip, campaign_id=slip.campaign_id, before=before,
           after={"status": target, "number": slip.number, **{k: v for k, v in changes.items() if k == "sent_on"}})
    return True


def mark_sent(actor, slip: Transmittal, sent_on: date | None, now: datetime | None = None,
              version=None) -> bool:
    """prepared → sent to the embassy on `sent_on`. True when done now, False when it already was."""
    now = (now or utcnow()).replace(microsecond=0)
    if slip.status == "prepared":
        if sent_on is None:
            raise ValidationFailed("Indiquez la date d'envoi à l'ambassade.",
                                   errors={"sent_on": "Indiquez la date d'envoi à l'ambassade."})
        if sent_on > now.date():
            raise ValidationFailed("La date d'envoi ne peut pas être dans le futur.",
                                   errors={"sent_on": "La date d'envoi ne peut pas être dans le futur."})
        if sent_on < slip.created_at.date():
            message = (f"La date d'envoi précède la préparation du bordereau "
                       f"({slip.created_at:%d/%m/%Y}).")
            raise ValidationFailed(message, errors={"sent_on": message})
    return _step(actor, slip, "sent", now, version,
                 {"sent_on": sent_on, "sent_at": now, "sent_by_id": getattr(actor, "id", None)})


def mark_received(actor, slip: Transmittal, now: datetime | None = None, version=None) -> bool:
    """sent → received by the AMCI."""
    now = (now or utcnow()).replace(microsecond=0)
    return _step(actor, slip, "received", now, version,
                 {"received_at": now, "received_by_id": getattr(actor, "id", None)})


def mark_answered(actor, slip: Transmittal, now: datetime | None = None, version=None) -> bool:
    """received → the AMCI's answer received."""
    now = (now or utcnow()).replace(microsecond=0)
    return _step(actor, slip, "answered", now, version,
                 {"answered_at": now, "answered_by_id": getattr(actor, "id", None)})


# --- the downloads -----------------------------------------------------------------------------

def sealed_document(slip: Transmittal) -> SealedDocument | None:
    if slip.sealed_document_id is None:
        return None
    return db.session.get(SealedDocument, slip.sealed_document_id)


def slip_download(actor, slip: Transmittal, ip: str | None = None) -> SealedDocument:
    """The slip's sealed PDF, for its download (audited)."""
    document = sealed_document(slip)
    if document is None:
        raise NotAllowed("Ce bordereau n'a pas de PDF scellé.")
    record(actor, "amci.slip.download", slip, campaign_id=slip.campaign_id,
           after={"number": slip.number, "file": "bordereau"}, ip_address=ip)
    return document


def record_list_download(actor, slip: Transmittal | None, campaign: Campaign, file: str, rows: int,
                         ip: str | None = None) -> None:
    """The nominative list downloaded (a slip's, or the campaign's as PDF)."""
    if slip is not None:
        record(actor, "amci.slip.download", slip, campaign_id=slip.campaign_id,
               after={"number": slip.number, "file": file, "rows": rows}, ip_address=ip)
    else:
        record(actor, "amci.list.download", campaign, campaign_id=campaign.id,
               after={"file": file, "rows": rows}, ip_address=ip)


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    done: bool
    at: datetime | None
    by: str
    on: date | None = None


def life(slip: Transmittal) -> list[Step]:
    """The slip's steps with who and when (its page)."""
    reached = ORDER.index(slip.status)
    return [
        Step("prepared", TRANSMITTAL_STATUS_LABELS["prepared"], True, slip.created_at, _user_name(slip.created_by_id)),
        Step("sent", TRANSMITTAL_STATUS_LABELS["sent"], reached >= 1, slip.sent_at, _user_name(slip.sent_by_id),
             slip.sent_on),
        Step("received", TRANSMITTAL_STATUS_LABELS["received"], reached >= 2, slip.received_at,
             _user_name(slip.received_by_id)),
        Step("answered", TRANSMITTAL_STATUS_LABELS["answered"], reached >= 3, slip.answered_at,
             _user_name(slip.answered_by_id)),
    ]


def verification_address(slip: Transmittal) -> str | None:
    document = sealed_document(slip)
    return verification_url(document.token) if document is not None else None
