"""What later stages do when an applicant withdraws their file: the committee withdraws the
file's pending reviews (applications sits below committee and never imports it; the handlers
are registered in quota_app/features.py)."""
from __future__ import annotations

from typing import Callable

from ..registry import Registry

withdrawal_hooks: Registry[Callable[..., None]] = Registry("L'action au retrait d'un dossier")


def application_withdrawn(actor, application, now) -> None:
    """Called in the transaction that withdrew the file, after its status changed."""
    for hook in withdrawal_hooks.values():
        hook(actor, application, now)
