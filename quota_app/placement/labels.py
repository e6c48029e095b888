"""The placement's words for managers (pages and spreadsheets): the candidate's own labels,
models.PLACEMENT_STATUS_LABELS and my_placement.LEFT_REASONS, say « votre » and « vous »."""

from ..i18n import N_

STATUS_LABELS = {
    "offered": N_("Proposée, en attente de réponse"),
    "accepted": N_("Acceptée"),
    "declined": N_("Refusée (désistement)"),
    "expired": N_("Expirée (pas de réponse avant la date limite)"),
    "superseded": N_("Remplacée par une meilleure affectation"),
    "withdrawn": N_("Libérée (dossier retiré)"),
}
SEAT_KIND_LABELS = {"open": "Place ouverte", "reserved": "Place réservée"}
ROUND_KIND_LABELS = {"initial": N_("Publication (tour 1)"), "waiting_list": N_("Liste d'attente"),
                     "simulation": N_("Simulation")}
LEFT_REASON_LABELS = {
    "offered": N_("Une place lui a été proposée sur cette offre"),
    "moved_up": N_("A accepté une formation mieux classée dans ses choix"),
    "gave_up": N_("A renoncé à la liste d'attente"),
    "expired": N_("N'a pas répondu à temps à une place proposée"),
    "withdrawn": N_("Dossier retiré"),
    "declined": N_("A refusé une place proposée"),
}
