"""docs/ARCHITECTURE.md's module table matches the tree: every path it names exists, and every
module and package of the programs is named there (itself, or the package it lives in)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"
PROGRAMS = ("agent", "collector", "eus")
SKIP = {"__init__.py", "__main__.py", "py.typed"}


def _expand(token: str) -> list[str]:
    """``a/{b,c}.py`` -> ``a/b.py``, ``a/c.py``."""
    m = re.search(r"\{([^}]*)\}", token)
    if not m:
        return [token]
    return [p for alt in m.group(1).split(",") for p in _expand(token[: m.start()] + alt + token[m.end() :])]


def named_paths() -> set[str]:
    text = DOC.read_text()
    table = text.split("## Modules", 1)[1].split("\n## ", 1)[0]
    paths: set[str] = set()
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        for token in re.findall(r"`([^`]+)`", first_cell):
            paths.update(_expand(token))
    return paths


def tree_entries() -> set[str]:
    """Top-level modules and packages of each program, as the table would name them."""
    entries: set[str] = set()
    for program in PROGRAMS:
        for child in (ROOT / program).iterdir():
            if child.name in SKIP or child.name.startswith((".", "_")):
                continue
            if child.is_dir() and any(child.rglob("*.py")):
                entries.add(f"{program}/{child.name}/")
            elif child.suffix == ".py":
                entries.add(f"{program}/{child.name}")
    return entries


def test_every_path_in_the_table_exists() -> None:
    missing = sorted(p for p in named_paths() if not (ROOT / p.rstrip("/")).exists())
    assert not missing, f"ARCHITECTURE.md names paths that do not exist: {missing}"


def test_every_module_and_package_is_in_the_table() -> None:
    named = named_paths()
    unnamed = sorted(
        e
        for e in tree_entries()
        if e not in named and not any(n.startswith(e) for n in named)  # a file of the package
    )
    assert not unnamed, f"not in ARCHITECTURE.md's module table: {unnamed}"
