"""A stream's side of the ingest writer for tests: what it was told, and an event to wait on."""

from __future__ import annotations

import threading


class RecordingSink:
    """Records the writer's answer for one stream: the committed mark, or the failures."""

    def __init__(self) -> None:
        self.acked = 0
        self.errors: list[str] = []
        self.done = threading.Event()

    def committed(self, epoch: int, hwm: int) -> None:
        self.acked = hwm
        self.done.set()

    def failed(self, message: str) -> None:
        self.errors.append(message)
        self.done.set()
