"""A stream's side of the ingest writer for tests: what it was told, and an event to wait on;
and a batch that carries no samples, only what else batches bring."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from collector.tsdb.ingest.writer import PendingBatch


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


def sampleless_batch(device_id: int, seq: int, sink: RecordingSink, **parts: Any) -> PendingBatch:
    """A batch of the stream (``device_id``, epoch 1) with no samples; ``parts`` are its
    ``functions``, ``inventory``, ``events`` or ``command_results``."""
    return PendingBatch(
        device_id=device_id,
        epoch=1,
        seq=seq,
        series_ids=np.zeros(0, np.uint32),
        ts_ms=np.zeros(0, np.int64),
        values=np.zeros(0, np.float64),
        sink=sink,
        **parts,
    )
