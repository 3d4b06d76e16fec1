"""In-process events between the collector's parts, delivered off the publisher's thread.

The ingest writer publishes what it committed, the stream servicer publishes streams
opening and closing; alerting, inventory and other areas subscribe at the composition
root (``collector/app.py``). Publishing never blocks and never fails the publisher: each
handler runs on the bus thread, and a handler that raises is logged and skipped.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

E = TypeVar("E")


class ReportedGap(Protocol):
    """Data an agent had to drop, as ingest records it (``collector.tsdb.ingest.writer.GapInfo``).

    A protocol rather than an import: ingest publishes on the bus, so the bus must not
    depend on ingest.
    """

    @property
    def from_seq(self) -> int: ...
    @property
    def samples_dropped(self) -> int: ...
    @property
    def reason(self) -> str: ...


class ItemChange(Protocol):
    """One inventory item's change (``collector.inventory.changes.Change``): what subscribers
    read of it. A protocol for the same reason as :class:`ReportedGap`."""

    @property
    def kind(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def change(self) -> enum.StrEnum: ...


@dataclass(frozen=True)
class BatchCommitted:
    """One agent batch is durably stored (published once, after the commit)."""

    device_id: int
    epoch: int
    seq: int
    series_ids: npt.NDArray[np.uint32]  # global series ids
    ts_ms: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    functions: list[eus_pb2.FunctionResult] = field(default_factory=list)
    inventory: list[eus_pb2.InventoryReport] = field(default_factory=list)
    events: list[eus_pb2.Event] = field(default_factory=list)
    command_results: list[eus_pb2.CommandResult] = field(default_factory=list)
    gap: ReportedGap | None = None  # when the agent reported dropped data
    committed_at: float = 0.0  # time.time() of the commit


@dataclass(frozen=True)
class StreamOpened:
    device_id: int
    customer_id: int
    peer: str
    at: float


@dataclass(frozen=True)
class StreamClosed:
    """A stream ended. ``clean`` when the agent said goodbye first (a shutdown, not a crash)."""

    device_id: int
    customer_id: int
    clean: bool
    reason: str
    at: float


@dataclass(frozen=True)
class AgentReported:
    """What a newer agent stamps on each batch it sends, as the stream received it: its clock
    then (``sent_ms``) and the batches it still holds behind this one (``spool_backlog``)."""

    device_id: int
    sent_ms: int
    spool_backlog: int
    received_at: float  # time.time() on arrival


@dataclass(frozen=True)
class InventoryChanged:
    """One batch changed the inventory of one subject of a device ('' = the agent's host,
    else an SNMP target id). Published once, after the commit that stored the changes."""

    device_id: int
    customer_id: int
    subject: str
    changes: Sequence[ItemChange]


class Bus:
    """Typed publish/subscribe with one delivery thread."""

    def __init__(self) -> None:
        # Each list holds handlers of exactly its key's type (``subscribe`` checks that);
        # the registry as a whole cannot say so, hence Any for the argument here only.
        self._handlers: dict[type[object], list[Callable[[Any], None]]] = defaultdict(list)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._abandon = threading.Event()  # stop delivering: shutdown's time is up

    def subscribe(self, kind: type[E], handler: Callable[[E], None]) -> None:
        self._handlers[kind].append(handler)

    def publish(self, event: object) -> None:
        if self._handlers.get(type(event)):
            self._queue.put(event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="event-bus", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> int:
        """Deliver what is queued for up to ``timeout`` seconds, then stop; returns how many
        events were left undelivered. Returns only once no handler runs: what a handler uses
        (the databases) may be closed next."""
        if self._thread is None:
            return 0
        self._queue.put(_STOP)
        self._thread.join(timeout)
        left = 0
        if self._thread.is_alive():
            left = self._queue.qsize()
            self._abandon.set()
            log.warning(
                "event bus: %d events not delivered in %.0f s; stopping after the current one", left, timeout
            )
            self._thread.join()
        self._thread = None
        return left

    def drain(self) -> None:
        """Deliver everything queued on the calling thread (tests, shutdown without a thread)."""
        while not self._abandon.is_set():
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return
            if event is not _STOP:
                self._deliver(event)

    def _run(self) -> None:
        while not self._abandon.is_set():
            event = self._queue.get()
            if event is _STOP:
                # Handlers may have published more while the stop was queued: deliver those too.
                self.drain()
                return
            self._deliver(event)

    def _deliver(self, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            try:
                handler(event)
            except Exception:
                log.exception(
                    "event handler %s failed on %s",
                    getattr(handler, "__qualname__", handler),
                    type(event).__name__,
                )


_STOP = object()
