"""The last-reported inventory, per source, in ``state_dir/inventory.json``.

Written atomically (temporary file, fsync, rename) and only after the report it describes was
handed to the spool, so a restart sends only differences and a lost or unreadable file means a
full report. A file this version cannot read is treated as missing, never as fatal.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from agent.inventory.diff import BySource
from eus.atomic import write_atomic

log = logging.getLogger(__name__)

STATE_FILE = "inventory.json"
FORMAT_VERSION = 1


def encode(by_source: BySource) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "sources": {
            name: [[kind, key, attrs] for (kind, key), attrs in sorted(snap.items())]
            for name, snap in sorted(by_source.items())
        },
    }


def decode(data: Any) -> BySource:
    """The per-source snapshots in ``data``; ValueError says what is wrong with it."""
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise ValueError(f"not an inventory state of version {FORMAT_VERSION}")
    sources = data.get("sources")
    if not isinstance(sources, dict):
        raise ValueError("'sources' is not an object")
    out: BySource = {}
    for name, rows in sources.items():
        if not isinstance(rows, list):
            raise ValueError(f"source {name!r} is not a list")
        snap = out.setdefault(str(name), {})
        for row in rows:
            if not (isinstance(row, list) and len(row) == 3 and isinstance(row[2], dict)):
                raise ValueError(f"source {name!r} has a malformed item {row!r:.80}")
            kind, key, attrs = row
            snap[(str(kind), str(key))] = {str(k): str(v) for k, v in attrs.items()}
    return out


def load(state_dir: Path) -> BySource | None:
    """The saved state, or None when there is none (or it cannot be used: then say why)."""
    path = state_dir / STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read %s (%s): the next inventory report is a full one", path, exc)
        return None
    try:
        return decode(json.loads(text))
    except ValueError as exc:
        log.warning("ignoring %s (%s): the next inventory report is a full one", path, exc)
        return None


def save(state_dir: Path, by_source: BySource) -> None:
    """Replace the saved state atomically; the old file stays intact if anything fails."""
    state_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(state_dir / STATE_FILE, json.dumps(encode(by_source), separators=(",", ":"), sort_keys=True))
