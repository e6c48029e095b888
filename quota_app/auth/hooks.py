"""What other features do for auth, which sits below them and never imports them
(quota_app/features.py registers the entries):

- applicant_account_hooks: when auth opens an applicant's account, applications adds the
  person's Applicant row.
- paper_files: a file typed from paper that its applicant claims with its phone number.
    "find": (reference: str, phone: "+223XXXXXXXX") -> PaperFile | None — the imported file of
            that reference, carrying that very number, whose applicant has no account yet
    "link": (applicant_id: int, user) -> None — the applicant becomes the account's (raises
            ValidationFailed if someone claimed it meanwhile), audited
  Without them (not registered), no file can be claimed: the claim pages answer as for a file
  that does not match.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..registry import Registry

applicant_account_hooks: Registry[Callable[[object], None]] = Registry("L'action à l'ouverture d'un compte")
paper_files: Registry[Callable] = Registry("La recherche des dossiers papier")


@dataclass(frozen=True)
class PaperFile:
    applicant_id: int
    full_name: str = ""


def applicant_account_opened(user) -> None:
    """Called in the transaction that created the account, after its flush."""
    for hook in applicant_account_hooks.values():
        hook(user)
