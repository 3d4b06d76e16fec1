"""Global series ids: (device, name, labels) -> id, allocated once and persisted.

Agents define series with local ids once per stream; the stream handler resolves each
definition here. A new series gets its id at once (under a lock) and its row is written
by the ingest writer in the same transaction as the first samples that use it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True, slots=True)
class SeriesRow:
    id: int
    device_id: int
    name: str
    labels: str  # canonical JSON
    unit: str
    monotonic: bool


def canonical_labels(labels: Mapping[str, str]) -> str:
    """Labels as JSON with sorted keys: the stable identity of a label set."""
    return json.dumps(dict(sorted(labels.items())), separators=(",", ":"), ensure_ascii=False)


MAX_NAME = 200
MAX_LABELS = 32
MAX_LABEL_CHARS = 200


class SeriesRegistry:
    """Thread-safe id allocation; ``take_pending`` hands new rows to the writer."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        rows = cursor.execute("SELECT id, device_id, name, labels FROM series").fetchall()
        self._ids: dict[tuple[int, str, str], int] = {(d, n, lab): int(i) for i, d, n, lab in rows}
        self._next = max((int(r[0]) for r in rows), default=0) + 1
        self._pending: list[SeriesRow] = []
        self._lock = threading.Lock()

    def resolve(
        self, device_id: int, name: str, labels: Mapping[str, str], unit: str, monotonic: bool
    ) -> int:
        """The global id of a series, allocating it on first sight. Raises ValueError on garbage."""
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"series name must be 1..{MAX_NAME} characters")
        if len(labels) > MAX_LABELS:
            raise ValueError(f"series {name!r} has more than {MAX_LABELS} labels")
        if any(len(k) > MAX_LABEL_CHARS or len(v) > MAX_LABEL_CHARS for k, v in labels.items()):
            raise ValueError(f"series {name!r} has a label longer than {MAX_LABEL_CHARS} characters")
        key = (device_id, name, canonical_labels(labels))
        with self._lock:
            found = self._ids.get(key)
            if found is not None:
                return found
            sid = self._next
            self._next += 1
            self._ids[key] = sid
            self._pending.append(SeriesRow(sid, device_id, name, key[2], unit[:50], monotonic))
            return sid

    def count_new(self, device_id: int, defs: Iterable[tuple[str, Mapping[str, str]]]) -> int:
        """How many of ``defs`` (name, labels) the device has no id for yet."""
        keys = {(device_id, name, canonical_labels(labels)) for name, labels in defs}
        with self._lock:
            return sum(1 for k in keys if k not in self._ids)

    def take_pending(self) -> list[SeriesRow]:
        with self._lock:
            rows, self._pending = self._pending, []
            return rows

    def requeue(self, rows: list[SeriesRow]) -> None:
        """Give back rows whose transaction rolled back, so the next commit writes them."""
        with self._lock:
            self._pending[:0] = rows
