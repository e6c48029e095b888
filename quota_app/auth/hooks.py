"""What other features do when auth opens an applicant's account: applications adds the person's
Applicant row (auth sits below applications and never imports it; quota_app/features.py)."""
from __future__ import annotations

from typing import Callable

from ..registry import Registry

applicant_account_hooks: Registry[Callable[[object], None]] = Registry("L'action à l'ouverture d'un compte")


def applicant_account_opened(user) -> None:
    """Called in the transaction that created the account, after its flush."""
    for hook in applicant_account_hooks.values():
        hook(user)
