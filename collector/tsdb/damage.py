"""Whether the DuckDB file is damaged, asked before the collector opens it
(``collector/startup_checks.py`` turns the answer into one line and exit code 3)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# What DuckDB says when the file itself is bad; its exception classes alone do not tell
# (a lock conflict is an IOException too, a checksum failure the base duckdb.Error).
_DUCKDB_DAMAGE = (
    "not a valid DuckDB database file",
    "Could not read enough bytes",
    "Corrupt database file",
    "Corrupt WAL file",
    "checksum",
    "Failed to load metadata",
)


def duckdb_damage(path: Path) -> str | None:
    """Why the DuckDB file at ``path`` is damaged, or None (also when absent or locked)."""
    if not path.exists():
        return None
    try:
        # read_only: replays the WAL in memory and reads the catalogue, writes nothing.
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        message = str(exc)
        damaged = isinstance(exc, duckdb.SerializationException | duckdb.InternalException) or any(
            sign in message for sign in _DUCKDB_DAMAGE
        )
        return message.splitlines()[0] if damaged else None
    con.close()
    return None
