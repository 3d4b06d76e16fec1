"""One inventory run: every source read with its failures fenced, then the wire messages.

A source that raises is recorded with a clear message and the others go on; what reaches the
collector is an ``InventoryReport`` (full, or the differences) and one ``FunctionResult`` per
source that ran, so a source that cannot be read shows as an UNKNOWN function with the reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from agent.inventory.diff import Changes, everything
from agent.inventory.facade import HostIO
from agent.inventory.model import Item, NotApplicable, ParseError, SourceError
from agent.inventory.sources import Source
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

_MESSAGE_CHARS = 500


@dataclass(frozen=True)
class Outcome:
    """How one source went: items when it worked, an error when not, neither when skipped."""

    source: str
    started_ms: int
    duration_s: float
    items: tuple[Item, ...] | None = None
    error: str | None = None

    @property
    def skipped(self) -> bool:
        return self.items is None and self.error is None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ParseError):
        text = f"unexpected output: {exc}"
    elif isinstance(exc, SourceError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:_MESSAGE_CHARS]


def run_source(source: Source, io: HostIO, clock: Callable[[], float]) -> Outcome:
    started = clock()
    t0 = time.monotonic()
    try:
        items = tuple(source.read(io))
    except NotApplicable as exc:
        log.debug("inventory source %s skipped: %s", source.name, exc)
        return Outcome(source.name, int(started * 1000), time.monotonic() - t0)
    except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
        log.warning("inventory source %s failed: %s", source.name, _describe(exc))
        return Outcome(source.name, int(started * 1000), time.monotonic() - t0, error=_describe(exc))
    return Outcome(source.name, int(started * 1000), time.monotonic() - t0, items=items)


def run_sources(sources: Iterable[Source], io: HostIO, clock: Callable[[], float]) -> list[Outcome]:
    return [run_source(s, io, clock) for s in sources]


def function_results(outcomes: Sequence[Outcome]) -> list[eus_pb2.FunctionResult]:
    """OK with the item count, or UNKNOWN with the reason, for every source that ran."""
    out: list[eus_pb2.FunctionResult] = []
    for o in outcomes:
        if o.skipped:
            continue
        ok = o.error is None
        count = len(o.items or ())
        out.append(
            eus_pb2.FunctionResult(
                id=f"inventory:{o.source}",
                kind="inventory",
                name=f"Inventory: {o.source}",
                status=eus_pb2.HEALTH_OK if ok else eus_pb2.HEALTH_UNKNOWN,
                message=f"{count} item(s) read" if ok else f"{o.source} could not be read: {o.error}",
                ts_ms=o.started_ms,
                duration_s=o.duration_s,
                metrics={"items": float(count)} if ok else {},
            )
        )
    return out


def _wire(it: Item) -> eus_pb2.InventoryItem:
    return eus_pb2.InventoryItem(kind=it.kind, key=it.key, attrs=dict(it.attrs))


def full_report(current: dict[tuple[str, str], dict[str, str]], ts_ms: int) -> eus_pb2.InventoryReport:
    return eus_pb2.InventoryReport(full=True, ts_ms=ts_ms, upserts=[_wire(i) for i in everything(current)])


def changes_report(changes: Changes, ts_ms: int) -> eus_pb2.InventoryReport:
    return eus_pb2.InventoryReport(
        full=False,
        ts_ms=ts_ms,
        upserts=[_wire(i) for i in changes.upserts],
        removals=[eus_pb2.InventoryKey(kind=kind, key=key) for kind, key in changes.removals],
    )
