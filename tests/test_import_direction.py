"""DESIGN.md's import direction, enforced on the source tree (AST, no imports executed)."""

from __future__ import annotations

import ast
from pathlib import Path

import rocktop

PACKAGE_ROOT = Path(rocktop.__file__).parent

# layer -> rocktop layers it may import (besides itself). `common` is the shared base every
# layer may use; `testing` holds test helpers and is imported by no library layer.
ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "audio": {"common"},
    "features": {"common", "audio"},
    "models": {"common", "audio"},
    "evaluation": {"common", "audio", "features"},
    "storage": {"common"},
    "data": {"common", "audio", "features", "evaluation", "storage"},
    "inference": {"common", "audio", "features", "models", "storage"},
    "training": {
        "common",
        "audio",
        "features",
        "models",
        "inference",
        "data",
        "evaluation",
        "storage",
        "conf",  # builders.compose_config reads the shipped Hydra tree and its schemas
    },
    "serve": {"common", "audio", "features", "models", "inference", "storage", "evaluation"},
    "cli": {
        "common",
        "audio",
        "features",
        "models",
        "inference",
        "training",
        "data",
        "serve",
        "storage",
        "evaluation",
        "conf",
    },
    "conf": {"common"},
    "testing": {"common", "audio", "features", "models", "inference"},
}
NEVER_LIGHTNING = {"inference", "serve", "models", "features", "audio"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT).parts
    return parts[0] if len(parts) > 1 else "root"


def test_every_layer_imports_only_what_design_allows() -> None:
    violations = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        layer = _layer(path)
        if layer == "root":
            continue
        allowed = ALLOWED[layer] | {layer}
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "rocktop" or len(parts) < 2 or parts[1] == "__init__":
                continue
            if parts[1] not in allowed:
                violations.append(f"{path.relative_to(PACKAGE_ROOT)} imports {name}")
    assert not violations, "\n".join(violations)


def test_inference_side_never_imports_lightning_or_training() -> None:
    offenders = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        if _layer(path) not in NEVER_LIGHTNING:
            continue
        for name in _imports(path):
            if name.split(".")[0] in {"lightning", "pytorch_lightning", "hydra"}:
                offenders.append(f"{path.relative_to(PACKAGE_ROOT)} imports {name}")
            if name.startswith("rocktop.training"):
                offenders.append(f"{path.relative_to(PACKAGE_ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_every_layer_is_known() -> None:
    layers = {p.name for p in PACKAGE_ROOT.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert layers <= set(ALLOWED) | {"__pycache__"}, layers - set(ALLOWED)
