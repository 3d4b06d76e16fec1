"""Telling a damaged SQLite file from a busy or missing one, shared by the agent (its spool)
and the collector (its store): both open read-only, run ``PRAGMA quick_check`` and name the
first problem in one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26


def is_damage(exc: sqlite3.Error) -> bool:
    """True when SQLite says the file itself is corrupt (not locked, missing or unwritable)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)


def open_read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: neither a check nor a salvage may checkpoint the WAL into a damaged file.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def one_line(report: str, limit: int = 160) -> str:
    """SQLite's check reports span lines ("*** in database main ***", one per problem): the
    reason must fit the one log line that names the file."""
    words = " ".join(w for w in report.split() if w != "***")
    return words if len(words) <= limit else words[: limit - 3] + "..."


def quick_check(db: sqlite3.Connection) -> str | None:
    """The first problem ``PRAGMA quick_check`` finds, in one line, or None when it says ok."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
    return None if problems == ["ok"] else one_line(problems[0])
