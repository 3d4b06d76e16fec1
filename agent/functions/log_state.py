"""Where each log check has read up to, kept across agent restarts.

``state_dir/functions/log_offsets.json`` maps each log function's id to
``{"path", "inode", "offset", "count"}``: the file it watches, the inode it was reading, the byte
after the last complete line it counted, and the matches counted so far. (Keyed by function
rather than by path: two functions may watch one file for different patterns.)

The file is replaced atomically (write a temporary file, fsync, rename, fsync the directory),
and a position is saved only after the run's result has been spooled, so a restart neither
loses nor re-counts lines. A corrupt file is set aside (``.corrupt``) and reading starts over
from the end of each log, which is logged.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from eus.atomic import write_atomic

log = logging.getLogger(__name__)

FILE_NAME = "log_offsets.json"


@dataclass(frozen=True, slots=True)
class Position:
    path: str
    inode: int
    offset: int
    count: int


class OffsetStore:
    """The saved positions of every log function (thread-safe)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME
        self._lock = threading.Lock()
        self._positions: dict[str, Position] = self._load()

    def _load(self) -> dict[str, Position]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {
                fid: Position(str(v["path"]), int(v["inode"]), int(v["offset"]), int(v["count"]))
                for fid, v in raw.items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            aside = self.path.with_suffix(".corrupt")
            log.warning("log offsets in %s unreadable (%s); set aside as %s", self.path, exc, aside)
            try:
                os.replace(self.path, aside)
            except OSError:
                log.warning("could not set %s aside", self.path)
            return {}

    def get(self, function_id: str) -> Position | None:
        with self._lock:
            return self._positions.get(function_id)

    def put(self, function_id: str, position: Position) -> None:
        """Record and durably save one function's position."""
        with self._lock:
            self._positions[function_id] = position
            self._save()

    def forget(self, keep: set[str]) -> None:
        """Drop positions of functions that no longer exist."""
        with self._lock:
            if set(self._positions) - keep:
                self._positions = {k: v for k, v in self._positions.items() if k in keep}
                self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({k: asdict(v) for k, v in sorted(self._positions.items())}, indent=1)
        write_atomic(self.path, data)
