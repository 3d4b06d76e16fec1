"""A stream's side of the ingest writer for tests: what it was told, and an event to wait on;
and a batch that carries no samples, only what else batches bring (function results, say)."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from collector.tsdb.ingest.writer import PendingBatch
from eus.v1 import eus_pb2


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


def function_result(
    fid: str, kind: str, status: int, message: str, ts_ms: int, *, subject: str = ""
) -> eus_pb2.FunctionResult:
    """A function result as an agent sends it (named by its id)."""
    return eus_pb2.FunctionResult(
        id=fid,
        kind=kind,
        name=fid,
        status=eus_pb2.Health.ValueType(status),
        message=message,
        ts_ms=ts_ms,
        subject=subject,
    )


def function_batches(
    results: Iterable[tuple[int, str, str, int, int, str]], seq: int, kind: str = "http"
) -> list[PendingBatch]:
    """One sampleless batch per device (number ``seq``) carrying the function results given as
    (device, subject, function id, status, ts_ms, message)."""
    by_device: dict[int, list[eus_pb2.FunctionResult]] = defaultdict(list)
    for device, subject, fid, status, ts_ms, message in results:
        by_device[device].append(function_result(fid, kind, status, message, ts_ms, subject=subject))
    return [sampleless_batch(d, seq, RecordingSink(), functions=fns) for d, fns in by_device.items()]
