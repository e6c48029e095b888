"""The journal in French: what each action code, object type and field means on screen.

The codes stay what they are in the table (English, stable, searchable); the page shows these
labels. Every action code written anywhere in quota_app has its label here
(tests/audit/test_audit_labels.py reads the code and fails on a missing one). The families built
at run time (« import.<kind>.<status> », « export.<name> », the screening decisions) have their
parts here too.

What the journal cannot know without a feature (a file's reference, a status's label, a reason
code's label, a region's name) is lent by the features through the two registries below, each
entry called once per page with every id or value of that page (no query per row).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from ..registry import Registry

ACTION_LABELS: dict[str, str] = {
    # The applicant's file.
    "application.create": "Création du dossier",
    "application.identity": "Dossier : identité modifiée",
    "application.contact": "Dossier : coordonnées modifiées",
    "application.schooling": "Dossier : scolarité modifiée",
    "application.choices": "Dossier : choix de formations modifiés",
    "application.motivation": "Dossier : motivation modifiée",
    "application.document.upload": "Dossier : pièce déposée",
    "application.document.remove": "Dossier : pièce retirée",
    "application.submit": "Dossier soumis",
    "application.withdraw": "Dossier retiré par le candidat",
    "application.status": "Changement de statut du dossier",
    "application.correction_request": "Demande de correction au candidat",
    "application.export": "Export de la liste des dossiers",
    "application.identity_view": "Affichage du NINA et du passeport complets",
    "application.document_view": "Consultation d'une pièce justificative",
    "application.paper_document.receive": "Pièce reçue sur papier enregistrée",
    "application.paper_document.cancel": "Pièce reçue sur papier : enregistrement annulé",
    "application.screening.eligible": "Décision de recevabilité : recevable",
    "application.screening.ineligible": "Décision de recevabilité : non recevable",
    # Accounts.
    "auth.login": "Connexion",
    "auth.login_failed": "Échec de connexion",
    "auth.logout": "Déconnexion",
    "auth.password_change": "Mot de passe changé",
    "auth.password_rehash": "Mot de passe renforcé (nouveau hachage)",
    "auth.password_reset": "Mot de passe réinitialisé",
    "auth.password_reset_request": "Demande de réinitialisation du mot de passe",
    "auth.register_request": "Demande d'inscription (code envoyé)",
    "auth.claim_request": "Demande d'accès à un dossier papier (code envoyé)",
    "applicant.claim": "Dossier papier rattaché au compte du candidat",
    "consent.give": "Consentement au traitement des données",
    "user.register": "Inscription d'un candidat",
    "user.create": "Création d'un compte",
    "user.change_role": "Changement de rôle d'un compte",
    "user.deactivate": "Désactivation d'un compte",
    "user.reactivate": "Réactivation d'un compte",
    "user.locale": "Changement de langue",
    "user.phone": "Changement de numéro de téléphone",
    "user.contact_preference": "Changement du moyen de contact préféré",
    "user.claim_paper_file": "Un candidat prend possession de son dossier papier",
    # Campaigns and offers.
    "campaign.create": "Création de la campagne",
    "campaign.update": "Modification de la campagne",
    "campaign.phase": "Changement de phase de la campagne",
    "campaign.documents": "Campagne : pièces demandées modifiées",
    "campaign.level_rules": "Campagne : règles d'âge par niveau modifiées",
    "campaign.criteria": "Campagne : critères de notation modifiés",
    "campaign.answer_settings": "Campagne : délais de réponse modifiés",
    "offer.create": "Création d'une offre de places",
    "offer.update": "Modification d'une offre de places",
    "offer.seats": "Offre : nombre de places modifié",
    "offer.delete": "Suppression d'une offre de places",
    # Reference data.
    "reference.create": "Données de référence : ajout",
    "reference.update": "Données de référence : modification",
    "reference.deactivate": "Données de référence : désactivation",
    "reference.reactivate": "Données de référence : réactivation",
    # Committee.
    "committee.create": "Création d'un comité",
    "committee.update": "Modification d'un comité",
    "committee.member.add": "Comité : membre ajouté",
    "committee.member.deactivate": "Comité : membre retiré",
    "committee.chair.change": "Comité : changement de président",
    "committee.conflict.record": "Déclaration de conflit d'intérêts",
    "committee.assignment.run": "Affectation des dossiers aux évaluateurs",
    "committee.assignment.reassign": "Réaffectation d'un dossier à un autre évaluateur",
    "committee.assignment.withdraw": "Retrait d'un dossier d'un évaluateur",
    "committee.third_review.assign": "Troisième évaluation demandée (écart entre notes)",
    "committee.score.adjust": "Note ajustée par le président",
    "committee.reminder": "Relance d'un évaluateur",
    "committee.deliberation.open": "Ouverture de la délibération",
    "committee.deliberation.session": "Séance de délibération (membres présents)",
    "committee.deliberation.normalisation": "Délibération : normalisation des notes",
    "committee.deliberation.validate": "Validation de la délibération",
    "committee.minutes.download": "Téléchargement du procès-verbal du comité",
    # Placement.
    "placement.simulate": "Simulation d'affectation",
    "placement.publish": "Publication de l'affectation",
    "placement.offer": "Place proposée au candidat",
    "placement.promote": "Place libérée proposée au suivant de la liste d'attente",
    "placement.accept": "Place acceptée par le candidat",
    "placement.decline": "Place refusée par le candidat",
    "placement.give_up": "Désistement du candidat",
    "placement.leave_waiting_lists": "Le candidat quitte les listes d'attente",
    "placement.expire": "Délai de réponse dépassé",
    "placement.extend": "Délai de réponse prolongé",
    "placement.reminder": "Rappel 24 heures avant la date limite de réponse",
    "placement.pv.download": "Téléchargement du procès-verbal d'affectation",
    "placement.pv.seal": "Scellement du procès-verbal d'affectation",
    # Documents, exports, demonstration data.
    "document.sealed": "Document scellé (empreinte et QR code)",
    "document.revoked": "Document scellé révoqué",
    "export.committee_ranking": "Export du classement d'un comité",
    "seed_demo": "Données de démonstration créées",
    "seed_demo.applicants": "Candidats fictifs de démonstration créés",
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
    "application": "Dossiers des candidats", "auth": "Connexions et mots de passe", "consent": "Consentements",
    "user": "Comptes", "campaign": "Campagnes", "offer": "Offres de places", "reference": "Données de référence",
    "committee": "Comités", "placement": "Affectation", "document": "Documents scellés", "import": "Imports",
    "export": "Exports", "seed_demo": "Données de démonstration",
}


def action_choices(known: Iterable[str]) -> list[tuple[str, str]]:
    """(value, label) for the action menu: each family (« Comités : toutes les actions »), then
    every labelled code and those met in the journal, sorted by label."""
    codes = set(ACTION_LABELS) | set(known)
    families = [(f"{head}.", f"{label} : toutes les actions") for head, label in
                sorted(FAMILIES.items(), key=lambda item: item[1].lower())]
    return families + sorted(((c, action_label(c) or c) for c in codes), key=lambda item: item[1].lower())


OBJECT_TYPES: dict[str, str] = {
    "applications": "Dossier", "applicants": "Candidat", "application_documents": "Pièce justificative",
    "application_choices": "Choix de formation", "paper_documents": "Pièce reçue sur papier",
    "screening_decisions": "Décision de recevabilité", "users": "Compte", "consents": "Consentement",
    "password_reset_tokens": "Réinitialisation de mot de passe", "campaigns": "Campagne",
    "campaign_documents": "Pièce demandée", "campaign_level_rules": "Règle d'âge", "criteria": "Critère",
    "offers": "Offre de places", "offer_seat_changes": "Modification de places", "offer_cutoffs": "Seuil",
    "programmes": "Filière", "establishments": "Établissement", "regions": "Région", "levels": "Niveau",
    "diplomas": "Diplôme", "series": "Série", "sectors": "Secteur", "document_types": "Type de pièce",
    "ineligibility_reasons": "Motif de non-recevabilité", "committees": "Comité",
    "committee_members": "Membre de comité", "conflicts_of_interest": "Conflit d'intérêts",
    "review_assignments": "Évaluation", "scores": "Note", "score_adjustments": "Ajustement de note",
    "deliberations": "Délibération", "evaluation_results": "Résultat d'évaluation",
    "allocation_rounds": "Tour d'affectation", "placements": "Affectation",
    "waiting_list_entries": "Liste d'attente", "nominations": "Nomination", "transmittals": "Bordereau",
    "follow_ups": "Suivi", "reenrolment_records": "Réinscription", "import_runs": "Import",
    "jobs": "Tâche", "outbox_messages": "Message", "sealed_documents": "Document scellé",
    "system": "Système",
}


def object_type_label(object_type: str) -> str:
    return OBJECT_TYPES.get(object_type, object_type)


FIELD_LABELS: dict[str, str] = {
    "status": "Statut", "reason": "Motif", "reference": "Référence", "last_name": "Nom",
    "first_names": "Prénoms", "sex": "Sexe", "birth_date": "Date de naissance",
    "birth_place": "Lieu de naissance", "nationality": "Nationalité", "nina": "NINA",
    "passport_number": "Numéro de passeport", "passport_expiry": "Expiration du passeport",
    "phone": "Téléphone", "email": "E-mail", "address": "Adresse", "region_id": "Région",
    "diploma_id": "Diplôme", "series_id": "Série", "diploma_year": "Année du diplôme",
    "diploma_average": "Moyenne au diplôme", "school": "Établissement scolaire", "offers": "Choix (offres)",
    "length": "Longueur du texte", "document_type": "Pièce", "document_id": "Pièce (n°)",
    "size_bytes": "Taille (octets)", "replaced": "Remplace une pièce", "correction_request": "Demande de correction",
    "failed_checks": "Contrôles non satisfaits", "warnings": "Avertissements",
    "override_reason": "Motif de la recevabilité malgré les contrôles", "received_at": "Reçue le",
    "received_by": "Reçue par", "note": "Précision", "filters": "Filtres", "rows": "Lignes",
    "title": "Intitulé", "code": "Code", "name": "Nom", "label": "Libellé", "year": "Année", "phase": "Phase",
    "opens_at": "Ouverture", "closes_at": "Clôture", "reference_date": "Date de référence",
    "seats": "Places", "reserved_seats": "Places réservées", "reserved_sex": "Places réservées pour",
    "active": "Actif", "role": "Rôle", "locale": "Langue", "is_active_account": "Compte actif",
    "user_id": "Compte", "application_id": "Dossier", "member_id": "Membre", "committee_id": "Comité",
    "chair_member_id": "Président (membre)", "chair_user_id": "Président (compte)", "criteria": "Critères",
    "rules": "Règles", "documents": "Pièces", "deadline": "Date limite", "placement": "Affectation",
    "round": "Tour", "rank": "Rang", "final_score": "Note finale", "gap": "Écart", "gap_flagged": "Écart signalé",
    "blind": "Évaluation anonyme", "normalised": "Notes normalisées", "adjusted": "Ajustée",
    "tie_break_rule": "Règle de départage", "conflicts": "Conflits d'intérêts",
    "conflicts_declared_at": "Conflits déclarés le", "statement_signed_at": "Déclaration signée le",
    "files": "Dossiers", "moved": "Dossiers déplacés", "unplaced": "Sans affectation",
    "keeps_waiting": "Reste sur les listes d'attente", "lists_left": "Listes quittées", "number": "Numéro",
    "source": "Origine", "counts": "Comptes", "errors": "Erreurs", "filename": "Fichier", "sha256": "Empreinte",
    "created": "Créés", "revoked_at": "Révoqué le", "opened_at": "Ouvert le", "text_version": "Version du texte",
    "overrides": "Dérogations", "duration_months": "Durée (mois)", "city": "Ville", "boarding": "Internat",
    "description": "Description", "sector_id": "Secteur", "level_id": "Niveau", "programme_id": "Filière",
    "establishment_id": "Établissement", "min_age": "Âge minimum", "max_age": "Âge maximum",
    "weight": "Poids", "maximum": "Maximum", "full_name": "Nom complet", "valeur": "Valeur",
}


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


# --- what the features lend ----------------------------------------------------------------

# object_type -> (ids as strings -> {id: "MLI-2026-000005 – TRAORÉ Awa"}), called once per page.
object_describers: Registry[Callable[[list[str]], dict[str, str]]] = Registry("La description d'objets")
# field key -> (values met on the page -> {value: label}), e.g. "status", "reason", "region_id".
value_describers: Registry[Callable[[set], dict]] = Registry("La description de valeurs")


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
