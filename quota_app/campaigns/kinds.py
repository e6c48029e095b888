"""What differs between the kinds of campaign, in one place and as data.

A youth quota campaign and a capacity-building campaign (renforcement de capacités: Malian
trainers and training managers trained in Morocco) run the same pipeline — screening,
committee, placement, AMCI. They differ in the applicant's form (its steps), the automatic
rules that apply, the documents every file must hold, and the way their statistics are kept
(never mixed). The packages read a campaign's kind here (`kind_of`) instead of testing its code.

Pure: no Flask, no session.
"""
from __future__ import annotations

from dataclasses import dataclass

# Families of automatic checks (applications/eligibility.py): "diploma" — the diploma opens
# the levels chosen, and the Bac's series is one the call accepts; "employment" — the
# employer is a Malian training establishment of the list and the experience reaches the
# campaign's minimum. Identity, nationality, age bounds (where the campaign sets them), the
# documents and the choices are checked for every kind.
RULE_FAMILIES = ("diploma", "employment")


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    # The applicant's form, in order (step codes; applications/services.py names them).
    steps: tuple[str, ...]
    rules: tuple[str, ...]
    # Document type codes every campaign of this kind asks for, required (added at creation).
    documents: tuple[str, ...]
    # Who applies, for the pages (« candidat », « formateur ou gestionnaire »).
    applicant: str
    # Whether the age bounds of the OFPPT levels apply by default (a kind may have none).
    level_age_defaults: bool = True

    def has_rule(self, family: str) -> bool:
        return family in self.rules

    def has_step(self, step: str) -> bool:
        return step in self.steps


QUOTA = Kind(
    "quota", "Quota annuel de jeunes",
    steps=("identite", "contact", "parcours", "choix", "motivation", "pieces"),
    rules=("diploma",), documents=(), applicant="jeune candidat")
CAPACITY_BUILDING = Kind(
    "capacity_building", "Renforcement de capacités",
    steps=("identite", "contact", "emploi", "choix", "motivation", "pieces"),
    rules=("employment",), documents=("EMPLOYER_LETTER",), applicant="formateur ou gestionnaire de formation",
    level_age_defaults=False)

KINDS: dict[str, Kind] = {kind.code: kind for kind in (QUOTA, CAPACITY_BUILDING)}


def kind_of(campaign_or_code) -> Kind:
    """The kind of a campaign (or of a kind code); an unknown code is the youth quota's."""
    code = campaign_or_code if isinstance(campaign_or_code, str) else getattr(campaign_or_code, "kind", None)
    return KINDS.get(code or "", QUOTA)
