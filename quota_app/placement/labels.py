"""The placement's words for managers (pages and spreadsheets): the candidate's own labels,
models.PLACEMENT_STATUS_LABELS and my_placement.LEFT_REASONS, say « votre » and « vous »."""

STATUS_LABELS = {
    "offered": "Proposée, en attente de réponse",
    "accepted": "Acceptée",
    "declined": "Refusée (désistement)",
    "expired": "Expirée (pas de réponse avant la date limite)",
    "superseded": "Remplacée par une meilleure affectation",
    "withdrawn": "Libérée (dossier retiré)",
}
SEAT_KIND_LABELS = {"open": "Place ouverte", "reserved": "Place réservée"}
ROUND_KIND_LABELS = {"initial": "Publication (tour 1)", "waiting_list": "Liste d'attente",
                     "simulation": "Simulation"}
LEFT_REASON_LABELS = {
    "offered": "Une place lui a été proposée sur cette offre",
    "moved_up": "A accepté une formation mieux classée dans ses choix",
    "gave_up": "A renoncé à la liste d'attente",
    "expired": "N'a pas répondu à temps à une place proposée",
    "withdrawn": "Dossier retiré",
    "declined": "A refusé une place proposée",
}
