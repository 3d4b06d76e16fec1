"""The inventory extension: runs the sources on its own slow thread and on command, and sends a
full inventory first and differences afterwards.

The last reported inventory is remembered per source in ``state_dir/inventory.json``, saved only
after the report was handed to the spool (``put_report`` + ``flush``): a crash before that means
the same differences are computed and sent again, and the collector's exactly-once ingest makes
that harmless. Without a state file (first start, or it was lost) the report is a full one.
Commands: ``inventory.collect`` (run now, send differences) and ``inventory.full`` (run now,
send everything).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.extensions import ExtensionContext, ReportSink
from agent.inventory import collect, state
from agent.inventory.diff import BySource, diff, flatten, merge
from agent.inventory.facade import HostIO, LocalHost
from agent.inventory.settings import Settings
from agent.inventory.sources import Source, for_platform
from eus.names import CommandKind
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

_STOP_JOIN_S = 5.0


@dataclass(frozen=True)
class RunSummary:
    """What one run sent, for logs and command results."""

    full: bool
    upserts: int
    removals: int
    failed: tuple[str, ...]

    def describe(self) -> str:
        if self.full:
            text = f"full inventory sent: {self.upserts} item(s)"
        elif self.upserts or self.removals:
            text = f"inventory changes sent: {self.upserts} added or changed, {self.removals} removed"
        else:
            text = "inventory unchanged"
        if self.failed:
            text += f"; could not read: {', '.join(self.failed)} (previous items kept)"
        return text


class InventoryExtension:
    name = "inventory"

    def __init__(
        self,
        settings: Settings,
        *,
        state_dir: Path,
        reports: ReportSink,
        clock: Callable[[], float],
        io: HostIO | None = None,
        sources: list[Source] | None = None,
    ) -> None:
        self.settings = settings
        self._state_dir = state_dir
        self._reports = reports
        self._clock = clock
        self._io: HostIO = io or LocalHost()
        self._sources = for_platform(self._io.platform, settings.sources) if sources is None else sources
        self._lock = threading.Lock()  # one run at a time: the schedule and commands share state
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._remembered: BySource | None = None
        self._loaded = False

    # ------------------------------------------------------------------ Extension protocol

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="eus-inventory", daemon=True)
        self._thread.start()

    def apply_config(self, config: eus_pb2.AgentConfig) -> None:
        """Nothing in AgentConfig concerns the inventory (yet)."""

    def handle_command(self, command: eus_pb2.Command) -> eus_pb2.CommandResult | None:
        if command.kind not in (CommandKind.INVENTORY_COLLECT, CommandKind.INVENTORY_FULL):
            return None
        try:
            summary = self.run_now(full=command.kind == CommandKind.INVENTORY_FULL)
        except Exception as exc:
            log.exception("inventory command %s failed", command.id)
            return self._result(command, ok=False, message=f"inventory failed: {type(exc).__name__}: {exc}")
        return self._result(command, ok=True, message=summary.describe())

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=_STOP_JOIN_S)
            if self._thread.is_alive():
                log.warning("inventory run still busy at shutdown; its result is not saved")
            self._thread = None

    # ------------------------------------------------------------------ work

    def run_now(self, *, full: bool = False) -> RunSummary:
        """Read every source, send a full report or the differences, then remember what was sent."""
        with self._lock:
            previous = self._previous()
            outcomes = collect.run_sources(self._sources, self._io, self._clock)
            succeeded = {o.source: o.items for o in outcomes if o.items is not None}
            failed = tuple(o.source for o in outcomes if o.error is not None)
            by_source = merge(previous or {}, succeeded, failed)
            current = flatten(by_source)
            ts_ms = int(self._clock() * 1000)
            send_full = full or previous is None
            reports: list[eus_pb2.InventoryReport] = []
            if send_full:
                reports.append(collect.full_report(current, ts_ms))
                upserts, removals = len(current), 0
            else:
                changes = diff(flatten(previous or {}), current)
                upserts, removals = len(changes.upserts), len(changes.removals)
                if changes:
                    reports.append(collect.changes_report(changes, ts_ms))
            self._reports.put_report(functions=collect.function_results(outcomes), inventory=reports)
            self._reports.flush()
            if reports or by_source != previous:
                state.save(self._state_dir, by_source)
            self._remembered = by_source
            summary = RunSummary(send_full, upserts, removals, failed)
            log.info("%s", summary.describe())
            return summary

    def _previous(self) -> BySource | None:
        if not self._loaded:
            self._remembered = state.load(self._state_dir)
            self._loaded = True
        return self._remembered

    def _loop(self) -> None:
        delay = self.settings.start_delay_s
        while not self._stop.wait(delay):
            try:
                self.run_now(full=False)
            except Exception:  # the schedule must outlive one bad run
                log.exception("inventory run failed; trying again in %g s", self.settings.interval_s)
            delay = self.settings.interval_s

    def _result(self, command: eus_pb2.Command, *, ok: bool, message: str) -> eus_pb2.CommandResult:
        return eus_pb2.CommandResult(id=command.id, ok=ok, message=message, ts_ms=int(self._clock() * 1000))


def create(ctx: ExtensionContext, settings: Settings) -> InventoryExtension:
    return InventoryExtension(settings, state_dir=ctx.state_dir, reports=ctx.reports, clock=ctx.clock)
