"""Before the collector opens its databases: refuse to start on a damaged one, in one line.

A corrupt ``metrics.duckdb`` or ``eus.sqlite3`` used to end the process with a traceback,
and systemd restarted it every 5 s forever. Nothing the collector could do at start repairs
such a file, and guessing (starting empty, say) would hide the loss, so it names the file,
says why and points to the README's recovery section, then exits with
:data:`EXIT_DAMAGED_FILE`, a code the unit does not restart on (``RestartPreventExitStatus=``).

Only damage is reported this way. A file another process holds, a permission problem or a
file from a newer version is not damage, and goes on to fail as before, with its own message.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from collector.config import CollectorConfig
from collector.tsdb.damage import duckdb_damage
from eus.sqlite_check import is_damage, open_read_only, quick_check

EXIT_DAMAGED_FILE = 3  # 2 is a configuration error (collector/cli.py)
RECOVERY = 'see "Recovering from a damaged file" in the README'


@dataclass(frozen=True, slots=True)
class DamagedFile:
    path: Path
    reason: str

    def line(self) -> str:
        """The one line the operator reads in ``systemctl status`` and the journal."""
        return f"eus-collector: {self.path} is damaged ({self.reason}): {RECOVERY}"


def sqlite_damage(path: Path) -> str | None:
    """Why the SQLite file at ``path`` is damaged, or None (also when absent or just busy)."""
    if not path.exists():
        return None
    try:
        db = open_read_only(path)
    except sqlite3.Error:
        return None
    try:
        return quick_check(db)
    except sqlite3.Error as exc:
        return str(exc) if is_damage(exc) else None
    finally:
        db.close()


def damaged_files(cfg: CollectorConfig) -> list[DamagedFile]:
    """Every damaged database of this collector (the relational store only when it is SQLite)."""
    found: list[DamagedFile] = []
    url = make_url(cfg.store_url_resolved)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        store = Path(str(url.database))
        if (reason := sqlite_damage(store)) is not None:
            found.append(DamagedFile(store, reason))
    if (reason := duckdb_damage(cfg.tsdb_path)) is not None:
        found.append(DamagedFile(cfg.tsdb_path, reason))
    return found


def refuse_damaged_files(cfg: CollectorConfig) -> None:
    """Exit with one line per damaged file and :data:`EXIT_DAMAGED_FILE`; return when all are sound."""
    damaged = damaged_files(cfg)
    for item in damaged:
        print(item.line(), file=sys.stderr, flush=True)
    if damaged:
        raise SystemExit(EXIT_DAMAGED_FILE)
