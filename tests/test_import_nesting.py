"""Imports flow down the pipeline only (cf. mne/tests/test_import_nesting.py).

io -> preprocessing -> detection -> context -> classification -> neurophysiology -> reporting;
cli, pipeline, demo, batch, review sit on top. A module may import its own layer and the
layers before it, never a later one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "myosleep"
ORDER = ["io", "preprocessing", "detection", "context", "classification", "neurophysiology", "reporting"]
BASE = {"errors", "vocab", "_atomic", "_version", "age", "_json", "_lazy", "schema", "provenance", "_intervals"}


def _layer(module_path: Path) -> str | None:
    rel = module_path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 and rel.parts[0] in ORDER else None


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg_parts = ["myosleep", *path.relative_to(SRC).parent.parts]
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg_parts[: len(pkg_parts) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "myosleep" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_layers_import_downward_only():
    bad = []
    for path in SRC.rglob("*.py"):
        layer = _layer(path)
        if layer is None:
            continue
        allowed = set(ORDER[: ORDER.index(layer) + 1]) | BASE
        for imported in _imported_layers(path):
            if imported in ORDER and imported not in allowed:
                bad.append(f"{path.relative_to(SRC)} imports myosleep.{imported}")
            if imported in {"cli", "pipeline", "demo", "batch", "review", "simulate"} and layer != "reporting":
                bad.append(f"{path.relative_to(SRC)} imports the top-level myosleep.{imported}")
    assert not bad, "\n".join(bad)


def test_import_is_light():
    """``import myosleep`` and the CLI module do not pull in numpy-heavy stacks."""
    code = ("import sys, myosleep, myosleep.cli; "
            "heavy = [m for m in ('mne', 'yasa', 'scipy', 'pandas', 'matplotlib', 'edfio') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
