"""The series registry: a stable local uint32 id per :class:`SeriesKey`, kept in the spool DB.

Ids are what batches carry (``Batch.series_id``); the transport turns an id back into its
``SeriesDef`` the first time a stream uses it. Because spooled batches outlive the process,
the mapping must too: it is stored in the spool's SQLite file and committed before any batch
that uses a new id.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from agent.collectors.base import SeriesKey
from agent.spool import Spool
from eus.v1 import eus_pb2

MAX_SERIES_ID = 2**32 - 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id        INTEGER PRIMARY KEY,
    key_json  TEXT NOT NULL UNIQUE,   -- canonical [name, [[k, v], ...], unit, monotonic]
    name      TEXT NOT NULL,
    labels    TEXT NOT NULL,          -- JSON object
    unit      TEXT NOT NULL,
    monotonic INTEGER NOT NULL
)
"""


def _key_json(key: SeriesKey) -> str:
    return json.dumps([key.name, [list(kv) for kv in key.labels], key.unit, key.monotonic])


def restore_definitions(spool: Spool, rows: Iterable[tuple[Any, ...]]) -> None:
    """Write series rows ``(id, key_json, name, labels, unit, monotonic)`` read from another spool
    file, ids unchanged: batches salvaged from a damaged spool refer to them. Call before a
    registry is built on ``spool``."""
    with spool.transaction() as db:
        db.execute(_SCHEMA)
        db.executemany(
            "INSERT INTO series (id, key_json, name, labels, unit, monotonic) VALUES (?, ?, ?, ?, ?, ?)", rows
        )


class SeriesRegistry:
    """Maps series keys to ids and ids to definitions; thread-safe."""

    def __init__(self, spool: Spool) -> None:
        self._spool = spool
        self._lock = threading.Lock()
        self._ids: dict[SeriesKey, int] = {}
        self._defs: dict[int, eus_pb2.SeriesDef] = {}
        with spool.transaction() as db:
            db.execute(_SCHEMA)
            rows = db.execute("SELECT id, name, labels, unit, monotonic FROM series").fetchall()
        for sid, name, labels_json, unit, monotonic in rows:
            labels: dict[str, str] = json.loads(labels_json)
            key = SeriesKey(name, tuple(sorted(labels.items())), unit, bool(monotonic))
            self._remember(int(sid), key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)

    def ids(self, keys: Iterable[SeriesKey]) -> list[int]:
        """The id of each key, in order; new keys are registered (one commit for all of them)."""
        keys = list(keys)
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._ids))
            if missing:
                self._register(missing)
            return [self._ids[k] for k in keys]

    def id(self, key: SeriesKey) -> int:
        return self.ids([key])[0]

    def definition(self, series_id: int) -> eus_pb2.SeriesDef:
        """The wire definition of ``series_id``; KeyError if it was never registered."""
        with self._lock:
            return self._defs[series_id]

    def _register(self, keys: list[SeriesKey]) -> None:
        added: list[tuple[int, SeriesKey]] = []
        with self._spool.transaction() as db:
            for key in keys:
                cursor = db.execute(
                    "INSERT INTO series (key_json, name, labels, unit, monotonic) VALUES (?, ?, ?, ?, ?)",
                    (_key_json(key), key.name, json.dumps(dict(key.labels)), key.unit, int(key.monotonic)),
                )
                sid = cursor.lastrowid
                if sid is None or sid > MAX_SERIES_ID:
                    raise OverflowError("series id space exhausted")
                added.append((sid, key))
        for sid, key in added:  # only once committed: a rolled-back id must not be handed out
            self._remember(sid, key)

    def _remember(self, sid: int, key: SeriesKey) -> None:
        self._ids[key] = sid
        self._defs[sid] = eus_pb2.SeriesDef(
            id=sid, name=key.name, labels=dict(key.labels), unit=key.unit, monotonic=key.monotonic
        )
