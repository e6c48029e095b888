"""Locale selection: French unless the person chose English (session, then their account).

`N_` marks a French label kept in a dict or a constant and translated where it is shown
(`_(labels[code])`): it returns the text unchanged, and `make messages` extracts what it wraps.
"""
from flask import has_request_context, session
from flask_login import current_user

from .msgid import N_  # noqa: F401  (where the features import it from)

SUPPORTED = ("fr", "en")


def select_locale() -> str:
    if not has_request_context():  # the worker, the CLI, the services under test: French
        return "fr"
    chosen = session.get("lang")
    if chosen in SUPPORTED:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        if current_user.locale in SUPPORTED:
            return current_user.locale
    return "fr"


# Labels shown through `_()` whose own module cannot carry the marker: applications/status.py and
# errors.py import nothing (their purity is tested), and some modules belong to another part of
# the work (permissions.py, exports/, amci/followup*.py). tests/foundation/test_translations.py
# checks that every value of these dicts is in the catalogue, so a new label there fails until
# it is added below (or marked in its own module).
BORROWED_LABELS = (
    # permissions.ROLE_LABELS
    N_("Candidat"), N_("Gestionnaire"), N_("Membre du comité"), N_("Agent AMCI"), N_("Administrateur"),
    # applications/status.STATES
    N_("Brouillon"), N_("Soumis"), N_("Recevable"), N_("Non recevable"), N_("Évalué"),
    N_("Liste principale : affecté"), N_("Liste d'attente"), N_("Non retenu"), N_("Accepté"), N_("Désisté"),
    N_("Inscrit"), N_("Retiré par le candidat"), N_("Refusé par la commission mixte"),
    N_("Départ annulé (visa refusé ou désistement avant le départ)"), N_("Abandon en cours de formation"),
    # errors.Conflict.message (an import's clash shows it through _())
    N_("Ce dossier a été modifié par quelqu'un d'autre entre-temps. Rechargez la page et recommencez."),
    # amci/followup_queries.FILTERS
    N_("Arrivés"), N_("Pas encore arrivés"), N_("Inscrits"), N_("Pas encore inscrits"), N_("Abandons"),
    N_("Sans abandon"),
    # amci/followup_rules.KIND_LABELS (the alerts)
    N_("Documents de réinscription manquants"), N_("Visa non accordé à un mois de la formation"),
    N_("Arrivée non enregistrée une semaine après le voyage"),
    # exports/views.OTHER_WORKBOOKS
    N_("Parcours de l'année, comparé aux années précédentes (statistiques)"),
)
