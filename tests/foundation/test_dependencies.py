"""The packages of quota_app depend one way (ARCHITECTURE.md, "Directions"): a test reads every
import of the code (module level and inside functions) and fails on a cycle between packages
and on any import that goes up the chain."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "quota_app"

# The features, lowest first: a feature may import the shared modules and the features of a
# lower rank, never one of its own rank or above.
FEATURES = {
    "auth": 0, "reference": 0,
    "campaigns": 1,
    "applications": 2,
    "screening": 3,
    "committee": 4,
    "placement": 5,
    "amci": 6,
    "dashboard": 7,
    "retention": 8,  # anonymises the rows of every feature below it
}
# Shared by every feature, knowing none: they may import each other, never a feature.
SHARED = {
    "extensions", "errors", "timeutil", "modelutil", "gcpause", "i18n", "msgid", "urls", "security", "requestlog",
    "viewhelpers", "permissions", "registry", "formfields", "identity",
    "audit", "notifications", "spreadsheets", "jobs", "imports", "exports", "documents", "ops", "uploads_names",
}
# Where the application is put together: they may import anything; nothing imports them.
TOP = {"__init__", "features", "blueprints", "cli", "models", "web", "seed", "main"}


def _package_of(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imported_packages(path: Path, root: Path = ROOT) -> set[str]:
    """The quota_app packages a file imports, relative or absolute, wherever the import is."""
    parts = path.relative_to(root).parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("quota_app."):
                    found.add(alias.name.split(".")[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if (node.module or "").startswith("quota_app."):
                    found.add(node.module.split(".")[1])
                elif node.module == "quota_app":
                    found.update(alias.name for alias in node.names)
                continue
            base = list(parts[:-1])[: len(parts) - node.level] if node.level > 1 else list(parts[:-1])
            target = base + (node.module.split(".") if node.module else [])
            if target:
                found.add(target[0])
            else:  # "from .. import identity": the names are the modules
                found.update(alias.name for alias in node.names)
    return found


def _edges() -> dict[str, dict[str, set[str]]]:
    edges: dict[str, dict[str, set[str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        source = _package_of(path)
        for target in _imported_packages(path):
            if target != source:
                edges.setdefault(source, {}).setdefault(target, set()).add(str(path.relative_to(ROOT)))
    return edges


def _known(package: str) -> bool:
    return package in FEATURES or package in SHARED or package in TOP


def test_every_package_has_a_place_in_the_chain():
    packages = {_package_of(p) for p in ROOT.rglob("*.py")}
    unplaced = sorted(p for p in packages if not _known(p))
    assert not unplaced, f"Packages sans place dans la chaîne (FEATURES, SHARED ou TOP) : {unplaced}"


def test_no_import_goes_up_the_chain():
    wrong = []
    for source, targets in _edges().items():
        for target, files in targets.items():
            if not _known(target):
                continue
            if target in TOP and source not in TOP:
                wrong.append(f"{source} → {target} (l'assemblage) dans {sorted(files)}")
            elif source in SHARED and target in FEATURES:
                wrong.append(f"{source} (partagé) → {target} (fonctionnalité) dans {sorted(files)}")
            elif source in FEATURES and target in FEATURES and FEATURES[target] >= FEATURES[source]:
                wrong.append(f"{source} → {target} (même rang ou au-dessus) dans {sorted(files)}")
    assert not wrong, "Dépendances à contre-sens :\n" + "\n".join(sorted(wrong))


def test_no_cycle_between_packages():
    edges = {s: set(t) for s, t in _edges().items()}
    cycles = sorted(f"{a} ↔ {b}" for a in edges for b in edges[a] if a < b and a in edges.get(b, set()))
    assert not cycles, f"Dépendances dans les deux sens : {cycles}"


@pytest.mark.parametrize("source, expected", [
    ("from ..applications.models import Application", {"applications"}),
    ("from . import services", {"campaigns"}),
    ("from .. import identity", {"identity"}),
    ("import quota_app.jobs.queue", {"jobs"}),
    ("def f():\n    from ..placement.models import Placement", {"placement"}),
])
def test_the_reader_sees_every_form_of_import(tmp_path, source, expected):
    package = tmp_path / "quota_app" / "campaigns"
    package.mkdir(parents=True)
    module = package / "probe.py"
    module.write_text(source + "\n", encoding="utf-8")
    assert _imported_packages(module, tmp_path / "quota_app") == expected
