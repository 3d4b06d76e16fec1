"""The collector's subpackages depend on each other one way only.

Every ``import collector.X`` / ``from collector.X import`` in a module of subpackage ``A``
(a folder under ``collector/``) is an edge ``A -> X``. A pair of edges both ways would mean
neither can be read, tested or replaced without the other. The one allowed exception is the
model aggregator ``collector/store/schema.py``, which imports every area's models so that
Alembic sees one metadata. Imports inside functions count too: a lazy import is still a
dependency.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLECTOR = ROOT / "collector"
AGGREGATORS = {COLLECTOR / "store" / "schema.py"}


def _subpackage(path: Path) -> str | None:
    """The subpackage a module belongs to (its first folder under collector/), if any."""
    parts = path.relative_to(COLLECTOR).parts
    return parts[0] if len(parts) > 1 else None


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def edges() -> dict[tuple[str, str], list[str]]:
    """(from, to) -> the modules that make the edge."""
    subpackages = {p.name for p in COLLECTOR.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(COLLECTOR.rglob("*.py")):
        source = _subpackage(path)
        if source is None or path in AGGREGATORS:
            continue
        for name in _imported(ast.parse(path.read_text(), str(path))):
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "collector" and parts[1] in subpackages and parts[1] != source:
                found[(source, parts[1])].append(str(path.relative_to(ROOT)))
    return found


def test_no_two_collector_subpackages_import_each_other() -> None:
    found = edges()
    both_ways = sorted((a, b) for (a, b) in found if a < b and (b, a) in found)
    detail = [
        f"{a} <-> {b}: {sorted(set(found[(a, b)]))[:3]} / {sorted(set(found[(b, a)]))[:3]}"
        for a, b in both_ways
    ]
    assert not both_ways, "two-way dependencies:\n" + "\n".join(detail)


def test_the_scan_sees_the_known_one_way_edges() -> None:
    """A guard against a scan that finds nothing: these edges exist by design."""
    found = edges()
    assert ("web", "alerting") in found
    assert ("alerting", "notify") in found
    assert ("helpdesk", "notify") in found
