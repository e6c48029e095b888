"""The list the AMCI or the OFPPT sends back, read against the campaign's nominations. Pure.

Plain data in (the rows of the sheet as parsed dicts, the nominations, the campaign's offers,
the programmes and establishments of the reference data), a plan out (JSON-able dicts), and
nothing else: no Flask, no session. amci/reconcile_service.py reads the workbook, stores the
plan (a Reconciliation) and applies it through amci/effects.py.

For each row of the file:

- **who**: the nomination whose reference, else NINA, else passport number the row gives
  (« exact »); every identifier the row gives must be that candidate's, else the row is an
  error. Failing those, a nomination with the same name and birth date, accents, case,
  hyphens, apostrophes and word order ignored (« probable »: a manager confirms it before it
  is applied); failing that, « unknown » (the row matches no one: listed, ignored).
- **what**: the decision read from the row's words (« Retenu », « Confirmé », « Réorienté »,
  « Refusé », « Non retenu »...), and the offer it names (« Filière retenue »,
  « Établissement d'accueil », « Ville », or the offer's code): the candidate's own offer, or
  another one (a re-orientation: to an offer of the campaign, or to an offer to create when the
  campaign has none for that programme at that establishment). A « Retenu » for another
  programme is a re-orientation; a « Réorienté » to the candidate's own offer a confirmation.
  A refusal needs its reason (« Motif », else « Observations »).
- **the difference**: each change as before → after; a row already in the state it asks for
  is « unchanged », so that re-importing the same list changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from ..i18n import N_
from ..identity import normalise_nina
from ..spreadsheets.headers import normalise_header

IDENTIFIERS = ("reference", "nina", "passport_number")
ID_LABELS = {"reference": "la référence", "nina": "le NINA", "passport_number": "le numéro de passeport"}
# The French headers of the columns, as the template writes them and as errors name them.
COLUMNS = {
    "reference": "Référence", "nina": "NINA", "passport_number": "N° passeport", "last_name": "Nom",
    "first_names": "Prénoms", "full_name": "Nom et prénoms", "birth_date": "Date de naissance",
    "decision": "Décision", "reason": "Motif", "observations": "Observations", "offer_code": "Code offre",
    "programme": "Filière retenue", "establishment": "Établissement d'accueil", "city": "Ville",
}
DECISIONS = ("confirmed", "reoriented", "refused", "pending")
DECISION_LABELS = {"confirmed": "Confirmé", "reoriented": "Réorienté", "refused": "Refusé",
                   "pending": "En attente"}
STATUS_LABELS = {"proposed": "Proposé (en attente de la commission mixte)", "confirmed": "Confirmé",
                 "reoriented": "Réorienté", "refused": "Refusé", "withdrawn": "Retiré de la liste"}
# What a row comes to, and the counts shown on the diff page (in this order).
CATEGORIES = ("confirmed", "reoriented", "refused", "unchanged", "probable", "unknown", "error")
CATEGORY_LABELS = {"confirmed": N_("Confirmés"), "reoriented": N_("Réorientés"), "refused": N_("Refusés"),
                   "unchanged": N_("Inchangés"), "probable": N_("Rapprochements probables à confirmer"),
                   "unknown": N_("Inconnus (ignorés)"), "error": N_("Erreurs")}
ACTION_CATEGORY = {"confirm": "confirmed", "reorient": "reoriented", "refuse": "refused"}
DEFAULT_REORIENTATION_REASON = "Réorientation décidée par la commission mixte"

# The words of a decision, normalised (accents, case, punctuation dropped), by their start.
_REORIENTED = ("reorient", "re orient")
_REFUSED = ("refus", "rejet", "defavorable", "ajourn", "irrecevable", "ecart", "elimin", "recale")
_NEGATIONS = ("non", "pas")
_CONFIRMED = ("retenu", "confirm", "accept", "admis", "favorable", "valid", "selectionn", "oui", "ok",
              "accord")
_PENDING = ("en attente", "attente", "en cours", "a l etude", "propose", "a statuer", "sursis")


@dataclass(frozen=True)
class NominationRecord:
    """A nomination as the reconciliation reads it (the service builds these from the tables)."""

    nomination_id: int
    application_id: int
    reference: str | None
    nina: str | None
    passport_number: str | None
    last_name: str | None
    first_names: str | None
    birth_date: date | None
    status: str                       # the nomination's: proposed, confirmed, reoriented, refused, withdrawn
    offer_id: int | None = None       # the offer the candidate holds now (re-oriented: the new one)
    offer_code: str = ""
    programme: str = ""
    establishment: str = ""
    application_status: str = "accepted"
    application_status_label: str = ""
    version: int = 1


@dataclass(frozen=True)
class OfferRecord:
    id: int
    code: str
    programme_id: int
    programme_code: str
    programme_title: str
    establishment_id: int
    establishment_code: str
    establishment_name: str
    city: str = ""


@dataclass(frozen=True)
class Reference:
    """A programme (name: its title) or an establishment (with its city) of the reference data."""

    id: int
    code: str
    name: str
    city: str = ""


# --- reading words ----------------------------------------------------------------------------

def _key(value: Any) -> str:
    """Case, accents, punctuation and spaces ignored: « ISTA-NTIC » and « ista ntic » are one."""
    return normalise_header(value).replace(" ", "")


def name_key(*parts: str | None) -> str:
    """The name's words, sorted: accents, case, hyphens, apostrophes and word order ignored
    (« N'DIAYE Aïssata-Marie » and « Marie Aissata Ndiaye » give the same key)."""
    text = " ".join(p for p in parts if p).replace("'", "").replace("’", "").replace("`", "")
    return " ".join(sorted(normalise_header(text).split()))


def read_decision(value: Any) -> str | None:
    """confirmed / reoriented / refused / pending, or None for words that say none of them."""
    text = normalise_header(value)
    if not text:
        return None
    words = text.split()
    if any(text.startswith(p) or f" {p}" in f" {text}" for p in _REORIENTED):
        return "reoriented"
    if any(w.startswith(_REFUSED) for w in words) or (words[0] in _NEGATIONS and len(words) > 1):
        return "refused"
    if any(text == p or text.startswith(p + " ") for p in _PENDING):
        return "pending"
    if any(w.startswith(_CONFIRMED) for w in words):
        return "confirmed"
    return None


def _identifier(key: str, value: Any) -> str:
    if not value:
        return ""
    if key == "nina":
        return normalise_nina(str(value))
    return "".join(str(value).split()).upper()


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def _date_fr(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else ""


# --- the offer a row names --------------------------------------------------------------------

def offer_label(offer: OfferRecord | None) -> str:
    if offer is None:
        return "—"
    where = offer.establishment_name + (f", {offer.city}" if offer.city else "")
    return f"{offer.code} — {offer.programme_title} ({where})"


class _Offers:
    """The campaign's offers and the reference data, indexed once for every row."""

    def __init__(self, offers: Iterable[OfferRecord], programmes: Iterable[Reference],
                 establishments: Iterable[Reference]):
        self.offers = list(offers)
        self.by_id = {o.id: o for o in self.offers}
        self.by_code = {_key(o.code): o for o in self.offers}
        self.by_pair = {(o.programme_id, o.establishment_id): o for o in self.offers}
        programmes = {p.id: p for p in programmes}
        establishments = {e.id: e for e in establishments}
        for o in self.offers:  # what the offers know, when no reference list is given
            programmes.setdefault(o.programme_id, Reference(o.programme_id, o.programme_code, o.programme_title))
            establishments.setdefault(o.establishment_id, Reference(
                o.establishment_id, o.establishment_code, o.establishment_name, o.city))
        self.programmes, self.establishments = programmes, establishments

    @staticmethod
    def _named(items: Mapping[int, Reference], text: str) -> set[int]:
        key = _key(text)
        return {i for i, item in items.items() if key and key in (_key(item.code), _key(item.name))}

    def resolve(self, row: dict, current: OfferRecord | None) -> tuple[dict | None, str | None, str | None]:
        """(target, error message, column to blame). target: {"offer_id"} of an offer of the
        campaign, or {"new_offer": {...}} for one to create; None when the row names no offer."""
        code, programme = _text(row.get("offer_code")), _text(row.get("programme"))
        establishment, city = _text(row.get("establishment")), _text(row.get("city"))
        if code:
            offer = self.by_code.get(_key(code))
            if offer is None:
                return None, f"Aucune offre de la campagne n'a le code « {code} ».", "offer_code"
            return {"offer_id": offer.id}, None, None
        if not programme and not establishment:
            return None, None, None
        if programme:
            programme_ids = self._named(self.programmes, programme)
            if not programme_ids:
                return None, f"Filière inconnue : « {programme} » (titre ou code de la filière).", "programme"
        elif current is not None:
            programme_ids = {current.programme_id}
        else:
            return None, "Indiquez la filière retenue.", "programme"
        if establishment:
            establishment_ids = self._named(self.establishments, establishment)
            if city and establishment_ids:
                in_city = {i for i in establishment_ids if _key(self.establishments[i].city) == _key(city)}
                if not in_city:
                    return None, f"L'établissement « {establishment} » n'est pas à « {city} ».", "city"
                establishment_ids = in_city
            if not establishment_ids:
                return None, f"Établissement inconnu : « {establishment} » (nom ou code).", "establishment"
        elif current is not None:
            establishment_ids = {current.establishment_id}
        else:
            return None, "Indiquez l'établissement d'accueil.", "establishment"
        found = [self.by_pair[(p, e)] for p in sorted(programme_ids) for e in sorted(establishment_ids)
                 if (p, e) in self.by_pair]
        if len(found) == 1:
            return {"offer_id": found[0].id}, None, None
        if len(found) > 1 or len(programme_ids) > 1 or len(establishment_ids) > 1:
            return None, ("Plusieurs offres correspondent à cette filière et cet établissement : indiquez le "
                          "code de l'offre (colonne « Code offre ») ou la ville."), "programme"
        p, e = self.programmes[next(iter(programme_ids))], self.establishments[next(iter(establishment_ids))]
        where = e.name + (f", {e.city}" if e.city else "")
        return {"new_offer": {"programme_id": p.id, "establishment_id": e.id,
                              "label": f"{p.name} ({where}) — offre à créer"}}, None, None


# --- the plan ---------------------------------------------------------------------------------

class _Nominations:
    def __init__(self, nominations: Iterable[NominationRecord]):
        self.all = list(nominations)
        self.by_key = {key: {} for key in IDENTIFIERS}
        self.by_name: dict[tuple[str, date], list[NominationRecord]] = {}
        for n in self.all:
            for key in IDENTIFIERS:
                value = _identifier(key, getattr(n, key))
                if value:
                    self.by_key[key].setdefault(value, n)
            if n.birth_date and name_key(n.last_name, n.first_names):
                self.by_name.setdefault((name_key(n.last_name, n.first_names), n.birth_date), []).append(n)


def _who(row: dict, index: _Nominations) -> tuple[str, NominationRecord | None, str | None, list, list]:
    """("exact" | "probable" | "unknown" | "error", nomination, matched_by, errors, notes)."""
    given = [(key, _identifier(key, row.get(key))) for key in IDENTIFIERS if row.get(key)]
    notes: list[str] = []
    for key, value in given:
        chosen = index.by_key[key].get(value)
        if chosen is None:
            continue
        errors = []
        for other_key, other_value in given:
            if other_key == key:
                continue
            stored = _identifier(other_key, getattr(chosen, other_key))
            if not stored or stored == other_value:
                continue  # the file completes an identifier the nomination lacks: no contradiction
            other = index.by_key[other_key].get(other_value)
            if other is not None and other.nomination_id != chosen.nomination_id:
                message = (f"{ID_LABELS[key].capitalize()} et {ID_LABELS[other_key]} désignent deux dossiers "
                           f"différents ({chosen.reference} et {other.reference}).")
            else:
                message = (f"{ID_LABELS[other_key].capitalize()} « {row.get(other_key)} » n'est pas celui du "
                           f"dossier {chosen.reference}, que désigne {ID_LABELS[key]}.")
            errors.append({"column": COLUMNS[other_key], "message": message})
        return ("error" if errors else "exact"), chosen, key, errors, notes
    for key, value in given:
        notes.append(f"{ID_LABELS[key].capitalize()} « {row.get(key)} » ne figure sur aucune nomination de la campagne.")
    name = name_key(row.get("last_name"), row.get("first_names")) or name_key(row.get("full_name"))
    birth = row.get("birth_date")
    if not given and not name:
        return "error", None, None, [{"column": COLUMNS["reference"], "message": (
            "Rien pour reconnaître le candidat : renseignez la référence du dossier, le NINA, le numéro de "
            "passeport, ou le nom et la date de naissance.")}], notes
    if name and not isinstance(birth, date):
        if given:
            return "unknown", None, None, [], notes
        return "error", None, None, [{"column": COLUMNS["birth_date"], "message": (
            "Sans identifiant, le candidat est reconnu par son nom et sa date de naissance : "
            "la date de naissance manque.")}], notes
    if not name:
        return "unknown", None, None, [], notes
    same = index.by_name.get((name, birth), [])
    if len(same) > 1:
        return "error", None, None, [{"column": COLUMNS["last_name"], "message": (
            "Plusieurs dossiers portent ce nom et cette date de naissance "
            f"({', '.join(str(n.reference) for n in same)}) : indiquez la référence du dossier.")}], notes
    if not same:
        return "unknown", None, None, [], notes
    chosen = same[0]
    notes.append(f"Rapproché par le nom et la date de naissance du dossier {chosen.reference} : à confirmer.")
    return "probable", chosen, "name_birth_date", [], notes


def _change(field: str, before: str, after: str) -> dict:
    return {"field": field, "before": before or "—", "after": after or "—"}


def _decide(row: dict, n: NominationRecord, offers: _Offers) -> dict:
    """The action a matched row asks for: {"action", "offer_id"/"new_offer", "reason", "changes",
    "errors", "notes", "decision"}."""
    out: dict[str, Any] = {"action": None, "offer_id": None, "new_offer": None, "reason": "", "changes": [],
                           "errors": [], "notes": [], "decision": None}

    def fail(key: str, message: str) -> dict:
        out["errors"].append({"column": COLUMNS[key], "message": message})
        return out

    raw = _text(row.get("decision"))
    if not raw:
        return fail("decision", "Décision manquante (Retenu / Confirmé, Réorienté, Refusé / Non retenu, ou "
                                "En attente).")
    decision = read_decision(raw)
    out["decision"] = decision
    if decision is None:
        return fail("decision", f"Décision non reconnue : « {raw} » (attendu : Retenu / Confirmé, Réorienté, "
                                "Refusé / Non retenu, ou En attente).")
    reason = _text(row.get("reason")) or _text(row.get("observations"))
    out["reason"] = reason
    before_status = STATUS_LABELS.get(n.status, n.status)
    if n.status == "withdrawn":
        return fail("decision", f"Le dossier {n.reference} a été retiré de la liste nominative (le candidat a "
                                "renoncé à sa place) : rien à appliquer.")
    if decision == "pending":
        out["action"] = "unchanged"
        out["notes"].append("Pas encore de décision de la commission mixte pour ce candidat.")
        return out
    accepted = n.application_status == "accepted"
    status_text = n.application_status_label or n.application_status
    if decision == "refused":
        if n.status == "refused":
            out["action"] = "unchanged"
            return out
        if not reason:
            return fail("reason", "Un refus doit donner son motif (colonne « Motif » ou « Observations ») : il "
                                  "figure au dossier et dans le message au candidat.")
        if not accepted:
            return fail("decision", f"Le dossier {n.reference} ne peut pas être refusé : seul un candidat qui a "
                                    f"accepté sa place et n'est pas encore inscrit peut l'être (statut : {status_text}).")
        out["action"] = "refuse"
        out["changes"] = [_change("Décision", before_status, "Refusé"), _change("Motif", "", reason),
                          _change("Place", offers_label(offers, n.offer_id), "libérée : proposée à la liste d'attente")]
        return out
    current = offers.by_id.get(n.offer_id) if n.offer_id is not None else None
    target, message, column = offers.resolve(row, current)
    if message:
        return fail(column, message)
    if n.status == "refused":
        return fail("decision", f"La candidature du dossier {n.reference} a déjà été refusée : un import ne revient "
                                "pas sur un refus (enregistrez la décision à la main si la commission l'a changée).")
    if target is None:
        if decision == "reoriented":
            return fail("programme", "Réorientation sans formation : indiquez la « Filière retenue » et "
                                     "l'« Établissement d'accueil », ou le « Code offre ».")
        target = {"offer_id": n.offer_id}
    if target.get("offer_id") is not None and target["offer_id"] == n.offer_id:
        if decision == "reoriented":
            out["notes"].append("La formation indiquée est déjà celle de l'affectation : c'est une confirmation.")
        if n.status in ("confirmed", "reoriented"):
            out["action"] = "unchanged"
            return out
        out["action"], out["offer_id"] = "confirm", n.offer_id
        out["changes"] = [_change("Décision", before_status, "Confirmé")]
        if reason:
            out["changes"].append(_change("Observations", "", reason))
        return out
    if not accepted:
        return fail("programme", f"Le dossier {n.reference} ne peut pas être réorienté : seul un candidat qui a "
                                 f"accepté sa place et n'est pas encore inscrit peut l'être (statut : {status_text}).")
    if decision == "confirmed":
        out["notes"].append("« Retenu » pour une autre formation que celle de l'affectation : c'est une réorientation.")
    out["action"] = "reorient"
    out["offer_id"], out["new_offer"] = target.get("offer_id"), target.get("new_offer")
    after = (offer_label(offers.by_id[target["offer_id"]]) if target.get("offer_id") is not None
             else target["new_offer"]["label"])
    out["changes"] = [_change("Décision", before_status, "Réorienté"),
                      _change("Formation", offers_label(offers, n.offer_id), after)]
    if reason:
        out["changes"].append(_change("Motif", "", reason))
    return out


def offers_label(offers: _Offers, offer_id: int | None) -> str:
    return offer_label(offers.by_id.get(offer_id)) if offer_id is not None else "—"


def _file_identity(row: dict) -> str:
    name = " ".join(p for p in (_text(row.get("last_name")).upper(), _text(row.get("first_names"))) if p) \
        or _text(row.get("full_name"))
    birth = _date_fr(row.get("birth_date"))
    ids = ", ".join(f"{COLUMNS[k]} {row[k]}" for k in IDENTIFIERS if row.get(k))
    return " ; ".join(p for p in (name, f"né(e) le {birth}" if birth else "", ids) if p)


def build_plan(rows: Sequence[dict], nominations: Iterable[NominationRecord], offers: Iterable[OfferRecord] = (),
               programmes: Iterable[Reference] = (), establishments: Iterable[Reference] = (),
               cell_errors: Iterable[dict] = ()) -> dict:
    """{"rows": [one dict per row of the file, in row order], "counts": {...}}.

    `rows`: the parsed rows ({column key: value, "_row": Excel row number}); `cell_errors`: the
    cells that could not be parsed ({"row", "column", "message", "value"}), whose rows are errors.
    Each plan row: row, category (CATEGORIES), match (exact/probable/None), matched_by,
    nomination_id, application_id, version, reference, candidate, file (what the row says of the
    person), decision, action (confirm/reorient/refuse/unchanged/None), offer_id, new_offer,
    reason, changes [{field, before, after}], notes, errors [{column, message}]."""
    index = _Nominations(nominations)
    catalogue = _Offers(offers, programmes, establishments)
    by_row: dict[int, dict] = {}
    for error in cell_errors:
        if error.get("row") is None:
            continue
        plan_row = by_row.setdefault(error["row"], _blank(error["row"]))
        plan_row["category"] = "error"
        value = error.get("value")
        shown = f" (valeur : « {value} »)" if value not in (None, "") and str(value) not in error["message"] else ""
        plan_row["errors"].append({"column": error.get("column"), "message": f"{error['message']}{shown}"})
    seen: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: r["_row"]):
        plan_row = by_row.setdefault(row["_row"], _blank(row["_row"]))
        plan_row["file"] = _file_identity(row)
        plan_row["decision_text"] = _text(row.get("decision"))
        kind, n, matched_by, errors, notes = _who(row, index)
        plan_row["notes"].extend(notes)
        plan_row["errors"].extend(errors)
        if n is not None:
            plan_row.update(nomination_id=n.nomination_id, application_id=n.application_id, version=n.version,
                            application_status=n.application_status, reference=n.reference,
                            candidate=" ".join(p for p in ((n.last_name or "").upper(), n.first_names or "") if p),
                            matched_by=matched_by, match=kind if kind in ("exact", "probable") else None)
        if kind in ("error", "unknown"):
            plan_row["category"] = kind
            continue
        if n.nomination_id in seen:
            plan_row["errors"].append({"column": COLUMNS[matched_by] if matched_by in COLUMNS else COLUMNS["last_name"],
                                       "message": f"Le dossier {n.reference} figure déjà ligne {seen[n.nomination_id]} "
                                                  "du fichier."})
            plan_row["category"] = "error"
            continue
        seen[n.nomination_id] = row["_row"]
        decided = _decide(row, n, catalogue)
        plan_row["errors"].extend(decided.pop("errors"))
        plan_row["notes"].extend(decided.pop("notes"))
        plan_row.update(decided)
        if plan_row["errors"]:
            plan_row["category"], plan_row["action"] = "error", None
        elif plan_row["action"] == "unchanged":
            plan_row["category"] = "unchanged"
        elif kind == "probable":
            plan_row["category"] = "probable"
        else:
            plan_row["category"] = ACTION_CATEGORY[plan_row["action"]]
    plan_rows = [by_row[r] for r in sorted(by_row)]
    return {"rows": plan_rows, "counts": count(plan_rows)}


def _blank(row: int) -> dict:
    return {"row": row, "category": "error", "match": None, "matched_by": None, "nomination_id": None,
            "application_id": None, "version": None, "application_status": None, "reference": None,
            "candidate": "", "file": "", "decision_text": "", "decision": None, "action": None, "offer_id": None,
            "new_offer": None, "reason": "", "changes": [], "notes": [], "errors": []}


def count(plan_rows: Sequence[dict]) -> dict:
    counts = {category: 0 for category in CATEGORIES}
    for row in plan_rows:
        counts[row["category"]] += 1
    counts["rows"] = len(plan_rows)
    counts["errors"] = counts.pop("error")
    counts["changes"] = counts["confirmed"] + counts["reoriented"] + counts["refused"] + counts["probable"]
    counts["offers_to_create"] = len({(r["new_offer"]["programme_id"], r["new_offer"]["establishment_id"])
                                      for r in plan_rows if r.get("new_offer") and r["category"] != "error"})
    return counts


def to_apply(plan_rows: Sequence[dict], confirmed_probable: Iterable[int] = ()) -> list[dict]:
    """The rows to apply, in file order: the exact matches that change something, and the
    probable ones the manager confirmed (by their row number)."""
    confirmed = set(confirmed_probable)
    return [r for r in plan_rows if r["category"] in ACTION_CATEGORY.values()
            or (r["category"] == "probable" and r["row"] in confirmed)]
