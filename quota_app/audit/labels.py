"""The journal in French: what each action code, object type and field means on screen.

The codes stay what they are in the table (English, stable, searchable); the page shows these
labels. Every action code written anywhere in quota_app has its label here
(tests/audit/test_audit_labels.py reads the code and fails on a missing one). The families built
at run time (« import.<kind>.<status> », « export.<name> », the screening decisions) have their
parts here too.

What the journal cannot know without a feature (a file's reference, a status's label, a reason
code's label, a region's name) is lent by the features through the registries below, each
entry called once per page with every id or value of that page (no query per row); so is what
it may show of a candidate's object (`object_access`: a reference without a name, a draft
withheld, the file's audited « show in full » action).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from ..msgid import N_, as_is
from ..registry import Registry

ACTION_LABELS: dict[str, str] = {
    # The applicant's file.
    "application.create": N_("Création du dossier"),
    "application.import_correction": N_("Dossier corrigé par un import (lignes choisies)"),
    "application.identity": N_("Dossier : identité modifiée"),
    "application.contact": N_("Dossier : coordonnées modifiées"),
    "application.schooling": N_("Dossier : scolarité modifiée"),
    "application.employment": N_("Dossier : emploi modifié"),
    "application.choices": N_("Dossier : choix de formations modifiés"),
    "application.motivation": N_("Dossier : motivation modifiée"),
    "application.document.upload": N_("Dossier : pièce déposée"),
    "application.document.remove": N_("Dossier : pièce retirée"),
    "application.submit": N_("Dossier soumis"),
    "application.withdraw": N_("Dossier retiré par le candidat"),
    "application.status": N_("Changement de statut du dossier"),
    "application.correction_request": N_("Demande de correction au candidat"),
    "application.export": N_("Export de la liste des dossiers"),
    "application.identity_view": N_("Affichage du NINA et du passeport complets"),
    "application.document_view": N_("Consultation d'une pièce justificative"),
    "application.paper_document.receive": N_("Pièce reçue sur papier enregistrée"),
    "application.paper_document.cancel": N_("Pièce reçue sur papier : enregistrement annulé"),
    "application.screening.eligible": N_("Décision de recevabilité : recevable"),
    "application.screening.ineligible": N_("Décision de recevabilité : non recevable"),
    # Accounts.
    "auth.login": N_("Connexion"),
    "auth.login_failed": N_("Échec de connexion"),
    "auth.logout": N_("Déconnexion"),
    "auth.password_change": N_("Mot de passe changé"),
    "auth.password_rehash": N_("Mot de passe renforcé (nouveau hachage)"),
    "auth.password_reset": N_("Mot de passe réinitialisé"),
    "auth.password_reset_request": N_("Demande de réinitialisation du mot de passe"),
    "auth.register_request": N_("Demande d'inscription (code envoyé)"),
    "auth.claim_request": N_("Demande d'accès à un dossier papier (code envoyé)"),
    "applicant.claim": N_("Dossier papier rattaché au compte du candidat"),
    "consent.give": N_("Consentement au traitement des données"),
    "user.register": N_("Inscription d'un candidat"),
    "user.create": N_("Création d'un compte"),
    "user.change_role": N_("Changement de rôle d'un compte"),
    "user.deactivate": N_("Désactivation d'un compte"),
    "user.reactivate": N_("Réactivation d'un compte"),
    "user.locale": N_("Changement de langue"),
    "user.phone": N_("Changement de numéro de téléphone"),
    "user.contact_preference": N_("Changement du moyen de contact préféré"),
    "user.claim_paper_file": N_("Un candidat prend possession de son dossier papier"),
    # Campaigns and offers.
    "campaign.create": N_("Création de la campagne"),
    "campaign.update": N_("Modification de la campagne"),
    "campaign.phase": N_("Changement de phase de la campagne"),
    "campaign.documents": N_("Campagne : pièces demandées modifiées"),
    "campaign.level_rules": N_("Campagne : règles d'âge par niveau modifiées"),
    "campaign.criteria": N_("Campagne : critères de notation modifiés"),
    "campaign.answer_settings": N_("Campagne : délais de réponse modifiés"),
    "offer.create": N_("Création d'une offre de places"),
    "offer.update": N_("Modification d'une offre de places"),
    "offer.seats": N_("Offre : nombre de places modifié"),
    "offer.delete": N_("Suppression d'une offre de places"),
    # Reference data.
    "reference.create": N_("Données de référence : ajout"),
    "reference.update": N_("Données de référence : modification"),
    "reference.deactivate": N_("Données de référence : désactivation"),
    "reference.reactivate": N_("Données de référence : réactivation"),
    # Committee.
    "committee.create": N_("Création d'un comité"),
    "committee.update": N_("Modification d'un comité"),
    "committee.member.add": N_("Comité : membre ajouté"),
    "committee.member.deactivate": N_("Comité : membre retiré"),
    "committee.chair.change": N_("Comité : changement de président"),
    "committee.conflict.record": N_("Déclaration de conflit d'intérêts"),
    "committee.statement.sign": N_("Comité : déclaration d'impartialité et de confidentialité signée"),
    "committee.conflict.declare": N_("Conflit d'intérêts déclaré par un membre"),
    "committee.conflict.remove": N_("Conflit d'intérêts retiré par un membre"),
    "committee.conflicts.declared": N_("Comité : déclaration des conflits d'intérêts terminée"),
    "committee.review.save": N_("Évaluation enregistrée (brouillon)"),
    "committee.review.submit": N_("Évaluation soumise"),
    "committee.review.document_view": N_("Pièce consultée par un évaluateur"),
    "committee.review.gap_flagged": N_("Écart entre les notes des évaluateurs signalé"),
    "committee.review.third_review_pending": N_("Troisième évaluation en attente"),
    "committee.score_sheet.download": N_("Téléchargement de la feuille de notes (Excel)"),
    "committee.assignment.run": N_("Affectation des dossiers aux évaluateurs"),
    "committee.assignment.reassign": N_("Réaffectation d'un dossier à un autre évaluateur"),
    "committee.assignment.withdraw": N_("Retrait d'un dossier d'un évaluateur"),
    "committee.third_review.assign": N_("Troisième évaluation demandée (écart entre notes)"),
    "committee.score.adjust": N_("Note ajustée par le président"),
    "committee.reminder": N_("Relance d'un évaluateur"),
    "committee.deliberation.open": N_("Ouverture de la délibération"),
    "committee.deliberation.session": N_("Séance de délibération (membres présents)"),
    "committee.deliberation.normalisation": N_("Délibération : normalisation des notes"),
    "committee.deliberation.validate": N_("Validation de la délibération"),
    "committee.minutes.download": N_("Téléchargement du procès-verbal du comité"),
    # Placement.
    "placement.simulate": N_("Simulation d'affectation"),
    "placement.publish": N_("Publication de l'affectation"),
    "placement.offer": N_("Place proposée au candidat"),
    "placement.promote": N_("Place libérée proposée au suivant de la liste d'attente"),
    "placement.accept": N_("Place acceptée par le candidat"),
    "placement.decline": N_("Place refusée par le candidat"),
    "placement.give_up": N_("Désistement du candidat"),
    "placement.leave_waiting_lists": N_("Le candidat quitte les listes d'attente"),
    "placement.expire": N_("Délai de réponse dépassé"),
    "placement.extend": N_("Délai de réponse prolongé"),
    "placement.reminder": N_("Rappel 24 heures avant la date limite de réponse"),
    "placement.pv.download": N_("Téléchargement du procès-verbal d'affectation"),
    "placement.pv.seal": N_("Scellement du procès-verbal d'affectation"),
    # The AMCI: nominations, the joint committee's answers.
    "amci.nominate": N_("Liste nominative AMCI établie ou complétée"),
    "amci.confirm": N_("Candidature confirmée par la commission mixte"),
    "amci.refuse": N_("Candidature refusée par la commission mixte (place libérée)"),
    "amci.visa_refused": N_("Visa refusé (place libérée)"),
    "amci.departure_cancelled": N_("Départ annulé avant la formation (place libérée)"),
    "amci.reorient": N_("Réorientation par la commission mixte"),
    "amci.slip.prepare": N_("Bordereau de transmission préparé et scellé"),
    "amci.slip.send": N_("Bordereau de transmission envoyé à l'ambassade"),
    "amci.slip.receive": N_("Bordereau de transmission reçu par l'AMCI"),
    "amci.slip.answer": N_("Bordereau de transmission : réponse de l'AMCI enregistrée"),
    "amci.slip.download": N_("Téléchargement d'un bordereau de transmission ou de sa liste nominative"),
    "amci.list.download": N_("Téléchargement de la liste nominative AMCI (PDF)"),
    "amci.followup": N_("Suivi du stagiaire mis à jour (bourse, visa, voyage, arrivée, inscription)"),
    "amci.enrolment": N_("Inscription du stagiaire dans l'établissement (suivi AMCI)"),
    "amci.abandon": N_("Abandon de la formation en cours (suivi AMCI)"),
    "amci.reenrolment": N_("Réinscription annuelle du stagiaire (documents reçus, résultats)"),
    "amci.reconcile.dry_run": N_("Liste retournée par l'AMCI analysée (simulation, rien d'appliqué)"),
    "amci.reconcile.apply": N_("Liste retournée par l'AMCI appliquée (confirmations, réorientations, refus)"),
    # Documents, exports, demonstration data.
    "document.sealed": N_("Document scellé (empreinte et QR code)"),
    "document.revoked": N_("Document scellé révoqué"),
    "export.committee_ranking": N_("Export du classement d'un comité"),
    "export.journey": N_("Export du parcours de l'année (statistiques par campagne)"),
    "seed_demo": N_("Données de démonstration créées"),
    "seed_demo.year": N_("Année de démonstration créée (campagnes à chaque étape, par les services)"),
    "seed_demo.applicants": N_("Candidats fictifs de démonstration créés"),
    # Retention (law 2013-015): the purge after the period, the applicant's erasure request.
    "retention.purge": N_("Anonymisation des candidats non retenus (durée de conservation échue)"),
    "retention.erasure.request": N_("Demande d'effacement de ses données par le candidat"),
    "retention.erasure.accept": N_("Demande d'effacement acceptée : données du candidat effacées"),
    "retention.erasure.refuse": N_("Demande d'effacement refusée"),
    "import.files.purge": N_("Fichiers importés supprimés (durée de conservation échue)"),
}

# « import.<kind>.<status> »: the kinds of import and what became of the file.
IMPORT_KINDS: dict[str, str] = {
    "applicants": "des candidats saisis sur papier",
    "offers": "des offres de places",
    "score_sheet": "d'une feuille de notes",
    "followup": "du suivi AMCI / OFPPT",
}
IMPORT_STATUSES: dict[str, str] = {
    "dry_run": "analyse à blanc",
    "committed": "enregistré",
    "rejected": "refusé",
    "failed": "échoué",
}
# « export.<audit name> »: what was exported.
EXPORT_NAMES: dict[str, str] = {
    "committee_rankings": "du classement des comités",
    "committee_ranking": "du classement d'un comité",
    "placements": "de la liste principale d'affectation",
    "waiting_lists": "des listes d'attente",
    "nomination": "de la liste nominative AMCI",
    "followup": "du suivi AMCI des stagiaires",
    "statistics": "des statistiques de la campagne",
    "offers": "des offres de places et de leur remplissage",
    "applications": "de la liste des dossiers",
}


def action_label(code: str) -> str | None:
    """The French label of an action code, None when the journal does not know it."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    head, _sep, rest = code.partition(".")
    if head == "import":
        kind, _sep, status = rest.rpartition(".")
        if kind in IMPORT_KINDS and status in IMPORT_STATUSES:
            return f"Import {IMPORT_KINDS[kind]} : {IMPORT_STATUSES[status]}"
    if head == "export" and rest in EXPORT_NAMES:
        return f"Export {EXPORT_NAMES[rest]}"
    return None


# The first part of a code: the menu offers each family as a whole.
FAMILIES: dict[str, str] = {
    "application": N_("Dossiers des candidats"), "auth": N_("Connexions et mots de passe"), "consent": N_("Consentements"),
    "user": N_("Comptes"), "campaign": N_("Campagnes"), "offer": N_("Offres de places"), "reference": N_("Données de référence"),
    "committee": N_("Comités"), "placement": N_("Affectation"), "document": N_("Documents scellés"), "import": N_("Imports"),
    "export": N_("Exports"), "seed_demo": N_("Données de démonstration"),
    "retention": N_("Conservation et effacement des données"),
}


def action_choices(known: Iterable[str], _=as_is) -> list[tuple[str, str]]:
    """(value, label) for the action menu: each family (« Comités : toutes les actions »), then
    every labelled code and those met in the journal, sorted by label. `_`: the page's gettext
    (the labels come back in the reader's language)."""
    codes = set(ACTION_LABELS) | set(known)
    families = sorted(((f"{head}.", _("%(family)s : toutes les actions", family=_(label)))
                       for head, label in FAMILIES.items()), key=lambda item: item[1].lower())
    return families + sorted(((c, _(action_label(c)) if action_label(c) else c) for c in codes),
                             key=lambda item: item[1].lower())


OBJECT_TYPES: dict[str, str] = {
    "applications": N_("Dossier"), "applicants": N_("Candidat"), "application_documents": N_("Pièce justificative"),
    "application_choices": N_("Choix de formation"), "paper_documents": N_("Pièce reçue sur papier"),
    "screening_decisions": N_("Décision de recevabilité"), "users": N_("Compte"), "consents": N_("Consentement"),
    "password_reset_tokens": N_("Réinitialisation de mot de passe"), "campaigns": N_("Campagne"),
    "campaign_documents": N_("Pièce demandée"), "campaign_level_rules": N_("Règle d'âge"), "criteria": N_("Critère"),
    "offers": N_("Offre de places"), "offer_seat_changes": N_("Modification de places"), "offer_cutoffs": N_("Seuil"),
    "programmes": N_("Filière"), "establishments": N_("Établissement"), "regions": N_("Région"), "levels": N_("Niveau"),
    "diplomas": N_("Diplôme"), "series": N_("Série"), "sectors": N_("Secteur"), "document_types": N_("Type de pièce"),
    "ineligibility_reasons": N_("Motif de non-recevabilité"), "committees": N_("Comité"),
    "committee_members": N_("Membre de comité"), "conflicts_of_interest": N_("Conflit d'intérêts"),
    "review_assignments": N_("Évaluation"), "scores": N_("Note"), "score_adjustments": N_("Ajustement de note"),
    "deliberations": N_("Délibération"), "evaluation_results": N_("Résultat d'évaluation"),
    "allocation_rounds": N_("Tour d'affectation"), "placements": N_("Affectation"),
    "waiting_list_entries": N_("Liste d'attente"), "nominations": N_("Nomination"), "transmittals": N_("Bordereau"),
    "follow_ups": N_("Suivi"), "reenrolment_records": N_("Réinscription"), "import_runs": N_("Import"),
    "jobs": N_("Tâche"), "outbox_messages": N_("Message"), "sealed_documents": N_("Document scellé"),
    "erasure_requests": N_("Demande d'effacement"),
    "system": N_("Système"),
}


def object_type_label(object_type: str) -> str:
    return OBJECT_TYPES.get(object_type, object_type)


FIELD_LABELS: dict[str, str] = {
    # The trainee's follow-up (amci/followup_forms.py says the same).
    "scholarship_granted": N_("Bourse accordée"), "stipend_minor": N_("Allocation mensuelle (MAD)"),
    "amci_file_number": N_("N° dossier AMCI"), "visa_status": N_("Visa"), "visa_date": N_("Date du visa"),
    "travel_date": N_("Date de voyage"), "arrival_date": N_("Date d'arrivée au Maroc"),
    "enrolled_on": N_("Date d'inscription dans l'établissement"), "departure_cancelled_on": N_("Départ annulé le"),
    "departure_cancelled_reason": N_("Motif de l'annulation du départ"), "abandoned_on": N_("Date d'abandon"),
    "abandonment_reason": N_("Motif de l'abandon"), "completed_on": N_("Fin de formation le"),
    "returned_on": N_("Retour au Mali le"), "situation_6m": N_("Situation 6 mois après la formation"),
    "situation_6m_sector": N_("Secteur (6 mois)"), "situation_12m": N_("Situation 12 mois après la formation"),
    "situation_12m_sector": N_("Secteur (12 mois)"),
    "status": N_("Statut"), "reason": N_("Motif"), "reference": N_("Référence"), "last_name": N_("Nom"),
    "first_names": N_("Prénoms"), "sex": N_("Sexe"), "birth_date": N_("Date de naissance"),
    "birth_place": N_("Lieu de naissance"), "nationality": N_("Nationalité"), "nina": N_("NINA"),
    "passport_number": N_("Numéro de passeport"), "passport_expiry": N_("Expiration du passeport"),
    "phone": N_("Téléphone"), "email": N_("E-mail"), "address": N_("Adresse"), "region_id": N_("Région"),
    "diploma_id": N_("Diplôme"), "series_id": N_("Série"), "diploma_year": N_("Année du diplôme"),
    "diploma_average": N_("Moyenne au diplôme"), "school": N_("Établissement scolaire"), "offers": N_("Choix (offres)"),
    "length": N_("Longueur du texte"), "document_type": N_("Pièce"), "document_id": N_("Pièce (n°)"),
    "size_bytes": N_("Taille (octets)"), "replaced": N_("Remplace une pièce"), "correction_request": N_("Demande de correction"),
    "failed_checks": N_("Contrôles non satisfaits"), "warnings": N_("Avertissements"),
    "override_reason": N_("Motif de la recevabilité malgré les contrôles"), "received_at": N_("Reçue le"),
    "received_by": N_("Reçue par"), "note": N_("Précision"), "filters": N_("Filtres"), "rows": N_("Lignes"),
    "title": N_("Intitulé"), "code": N_("Code"), "name": N_("Nom"), "label": N_("Libellé"), "year": N_("Année"), "phase": N_("Phase"),
    "opens_at": N_("Ouverture"), "closes_at": N_("Clôture"), "reference_date": N_("Date de référence"),
    "seats": N_("Places"), "reserved_seats": N_("Places réservées"), "reserved_sex": N_("Places réservées pour"),
    "active": N_("Actif"), "role": N_("Rôle"), "locale": N_("Langue"), "is_active_account": N_("Compte actif"),
    "user_id": N_("Compte"), "application_id": N_("Dossier"), "member_id": N_("Membre"), "committee_id": N_("Comité"),
    "chair_member_id": N_("Président (membre)"), "chair_user_id": N_("Président (compte)"), "criteria": N_("Critères"),
    "rules": N_("Règles"), "documents": N_("Pièces"), "deadline": N_("Date limite"), "placement": N_("Affectation"),
    "round": N_("Tour"), "rank": N_("Rang"), "final_score": N_("Note finale"), "gap": N_("Écart"), "gap_flagged": N_("Écart signalé"),
    "blind": N_("Évaluation anonyme"), "normalised": N_("Notes normalisées"), "adjusted": N_("Ajustée"),
    "tie_break_rule": N_("Règle de départage"), "conflicts": N_("Conflits d'intérêts"),
    "conflicts_declared_at": N_("Conflits déclarés le"), "statement_signed_at": N_("Déclaration signée le"),
    "files": N_("Dossiers"), "moved": N_("Dossiers déplacés"), "unplaced": N_("Sans affectation"),
    "keeps_waiting": N_("Reste sur les listes d'attente"), "lists_left": N_("Listes quittées"), "number": N_("Numéro"),
    "source": N_("Origine"), "counts": N_("Comptes"), "errors": N_("Erreurs"), "filename": N_("Fichier"), "sha256": N_("Empreinte"),
    "created": N_("Créés"), "revoked_at": N_("Révoqué le"), "opened_at": N_("Ouvert le"), "text_version": N_("Version du texte"),
    "overrides": N_("Dérogations"), "duration_months": N_("Durée (mois)"), "city": N_("Ville"), "boarding": N_("Internat"),
    "description": N_("Description"), "sector_id": N_("Secteur"), "level_id": N_("Niveau"), "programme_id": N_("Filière"),
    "establishment_id": N_("Établissement"), "min_age": N_("Âge minimum"), "max_age": N_("Âge maximum"),
    "weight": N_("Poids"), "maximum": N_("Maximum"), "full_name": N_("Nom complet"), "valeur": N_("Valeur"),
    "anonymised": N_("Dossiers anonymisés"), "kept": N_("Dossiers retenus conservés"), "closed_at": N_("Clôturée le"),
    "years": N_("Durée (années)"), "days": N_("Durée (jours)"), "runs": N_("Imports"), "applications": N_("Dossiers"),
    "phone_number": N_("Téléphone"), "audit_event_id": N_("Depuis l'événement du journal n°"),
}


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


# --- what the features lend ----------------------------------------------------------------

# object_type -> (ids as strings -> {id: "MLI-2026-000005 – TRAORÉ Awa"}), called once per page.
object_describers: Registry[Callable[[list[str]], dict[str, str]]] = Registry("La description d'objets")
# field key -> (values met on the page -> {value: label}), e.g. "status", "reason", "region_id".
value_describers: Registry[Callable[[set], dict]] = Registry("La description de valeurs")


@dataclass(frozen=True)
class ObjectAccess:
    """What the journal may show of one object, whoever reads it: a feature's answer."""

    reference: str | None = None  # a label without personal data (« MLI-2026-000005 », « n° 5 (brouillon) »)
    about_applicant: bool = False  # the object is a candidate's (their file, their account)
    hidden: bool = False  # its details are withheld from managers too (a draft never submitted)
    reveal_url: str | None = None  # the audited action that shows its identity numbers in full


# object_type -> (ids as strings -> {id: ObjectAccess}), called once per page like the describers.
object_access: Registry[Callable[[list[str]], dict[str, ObjectAccess]]] = Registry("L'accès aux objets")

# Objects that are a candidate's whatever their id: an administrator sees the action, the time,
# the actor and the object's number or reference only, never their details.
APPLICANT_OBJECT_TYPES: frozenset[str] = frozenset({
    "applications", "applicants", "application_documents", "application_choices", "paper_documents",
    "screening_decisions", "consents", "review_assignments", "scores", "score_adjustments",
    "evaluation_results", "placements", "waiting_list_entries", "nominations", "follow_ups",
    "reenrolment_records", "outbox_messages",
})
# Families of actions about candidates' files (an export of the list records the search typed).
APPLICANT_FAMILIES: frozenset[str] = frozenset({"application", "applicant", "placement", "amci", "consent"})
# Keys whose values an administrator never sees, in any event (a candidate's name, birth,
# address, documents, free text, the search typed in a list; identity numbers and contact).
PERSONAL_KEYS: frozenset[str] = frozenset({
    "last_name", "first_names", "birth_date", "birth_place", "address", "original_name", "comment",
    "motivation", "correction_request", "override_reason", "note", "q", "filters", "nina",
    "passport_number", "passport_expiry",
})


def format_value(value):
    """A plain value in French: yes/no, dates dd/mm/yyyy (hh:mm), lists joined."""
    if value is True:
        return "Oui"
    if value is False:
        return "Non"
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return moment.strftime("%d/%m/%Y")
        return moment.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y %H:%M" if isinstance(value, datetime) else "%d/%m/%Y")
    return value
