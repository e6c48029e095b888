"""What the features lend the shared machinery, set up once by create_app (quota_app/features.py).

Shared packages (imports, exports, jobs, audit, notifications) know no feature. Where one needs a
feature's fact — the campaign an import goes into, who an actor is, what a kind of import reads —
it asks a registry here or its own, and the feature that owns the fact has registered the answer.
"""
from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries; registering the same entry again (a second create_app) changes nothing."""

    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, T] = {}

    def register(self, key: str, entry: T) -> T:
        known = self._entries.get(key)
        if known is not None and known != entry:
            raise RuntimeError(f"{self.what} « {key} » est déjà enregistré autrement.")
        self._entries[key] = entry
        return entry

    def get(self, key: str) -> T | None:
        return self._entries.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def items(self):
        return self._entries.items()

    def values(self):
        return self._entries.values()


# Lookups the machinery makes on features' tables: "campaign" (id -> Campaign | None),
# "campaign_by_code" (code -> Campaign | None), "campaigns" (() -> newest first),
# "current_campaign" (() -> the campaign a page is about), "user" (id -> User | None),
# "user_by_email" (e-mail -> User | None).
lookups: Registry[Callable] = Registry("la recherche")


def lookup(name: str) -> Callable:
    found = lookups.get(name)
    if found is None:
        raise RuntimeError(f"Aucune fonction « {name} » n'est enregistrée : create_app l'enregistre.")
    return found
