"""The automatic checks in the staff's words.

applications/eligibility.py writes its messages for the applicant (« Vous aurez 27 ans... »); on
a manager's page the same checks speak of the candidate in the third person. A pure mapping from
the applicant's sentence to the staff's, applied on display only: the applicant's messages and
those stored with a decision stay as they are.
"""
from __future__ import annotations

import re

# (pattern, replacement), in order; whole sentences first, then phrases, then words.
_RULES: tuple[tuple[str, str], ...] = (
    # Whole sentences asking the applicant to do something.
    (r"Indiquez votre nationalité : ce programme est réservé aux jeunes Malien\(ne\)s\.",
     "Nationalité non indiquée : ce programme est réservé aux jeunes Malien(ne)s."),
    (r"Indiquez votre diplôme le plus élevé\.", "Diplôme le plus élevé non indiqué."),
    (r"Indiquez votre diplôme pour savoir quelles formations vous pouvez choisir\.",
     "Diplôme non indiqué : les formations accessibles ne peuvent pas être vérifiées."),
    (r"Choisissez au moins une formation\.", "Aucune formation choisie."),
    (r" Retirez-en pour garder vos préférés\.", ""),
    (r" Chaque choix doit être différent\.", ""),
    (r" Choisissez une autre formation\.", ""),
    (r"Vos choix doivent être classés 1, 2, 3 sans doublon ni trou dans l'ordre de préférence\.",
     "Les choix ne sont pas classés 1, 2, 3 sans doublon ni trou."),
    (r"Vos choix sont tous différents et bien classés\.", "Les choix sont tous différents et bien classés."),
    (r"Tous vos choix correspondent à votre diplôme\.", "Tous les choix correspondent au diplôme du candidat."),
    (r"Toutes les pièces demandées sont jointes\.", "Toutes les pièces demandées sont présentes."),
    (r"Il manque (une pièce|\d+ pièces) à joindre :", r"Il manque \1 :"),
    # Phrases.
    (r"pensez à le renouveler", "il faudra le renouveler"),
    (r"indiquez votre diplôme pour vérifier l'accès",
     "diplôme non indiqué, l'accès ne peut pas être vérifié"),
    (r"Indiquez la série de votre ([^:]+) :", r"Série du \1 non indiquée :"),
    (r"Votre série \(", "La série du candidat ("),
    (r"Vous aurez (\d+) ans", r"Le candidat aura \1 ans"),
    (r"Vous aviez (\d+) ans", r"Le candidat avait \1 ans"),
    (r"Vous avez fait (\d+) choix", r"Le candidat a fait \1 choix"),
    (r"Vous avez choisi plusieurs fois", "Le candidat a choisi plusieurs fois"),
    (r"Votre âge", "L'âge du candidat"),
    (r", vous pouvez choisir les niveaux", ", le candidat peut choisir les niveaux"),
    (r"Avec votre diplôme", "Avec son diplôme"),
    (r"Votre diplôme", "Son diplôme"),
    (r"votre diplôme", "son diplôme"),
    (r"Vous", "Le candidat"),
    (r"\bvotre\b", "son"),
    (r"\bvos\b", "ses"),
    (r"\bvous\b", "le candidat"),
)
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in _RULES)


def staff_message(message: str) -> str:
    """The applicant's sentence about a check, in the third person for the staff."""
    for pattern, replacement in _COMPILED:
        message = pattern.sub(replacement, message)
    return message
