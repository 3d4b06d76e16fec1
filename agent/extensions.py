"""Agent extensions: parts of the agent with a life of their own (function checks,
inventory, the SNMP gateway). One module each, listed explicitly in :data:`EXTENSIONS`.

An extension module exposes ``create(ctx: ExtensionContext) -> Extension | None``; it
returns None when its configuration leaves it off. Modules are imported only when the
agent starts, and an extension should import its heavy dependencies (pysnmp, ...) only
when it is really enabled: the agent's footprint is a feature. An extension that fails
to load or start is logged and left out while the rest of the agent runs.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agent.batcher import RunInfo
from agent.collectors.base import Sample
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

# Module paths, in start order. Adding an extension is one file plus one line here.
EXTENSIONS: tuple[str, ...] = ("agent.functions", "agent.inventory", "agent.snmp")


class ReportSink(Protocol):
    """Where extensions hand their results: they ride in the next spooled batch.

    ``put`` takes metric samples exactly like the runner's sink (``agent.batcher.Batcher.put``):
    samples of one run, the run's timestamp, and a record of the run (``agent.runner.RunRecord``).
    """

    def put(self, samples: Sequence[Sample], ts_ms: int, run: RunInfo) -> None: ...

    def put_report(
        self,
        *,
        functions: Sequence[eus_pb2.FunctionResult] = (),
        inventory: Sequence[eus_pb2.InventoryReport] = (),
        events: Sequence[eus_pb2.Event] = (),
        command_results: Sequence[eus_pb2.CommandResult] = (),
    ) -> None: ...

    def flush(self) -> int: ...


@dataclass(frozen=True)
class ExtensionContext:
    """What an extension may use. ``settings`` is its own raw config section."""

    settings: Mapping[str, Any]
    state_dir: Path
    reports: ReportSink
    clock: Callable[[], float]


class Extension(Protocol):
    name: str

    def start(self) -> None:
        """Begin work (threads, schedules). Must return promptly."""

    def apply_config(self, config: eus_pb2.AgentConfig) -> None:
        """Configuration pushed by the collector (may arrive before or after start)."""

    def handle_command(self, command: eus_pb2.Command) -> eus_pb2.CommandResult | None:
        """A command addressed to this extension's kinds; None when not ours."""

    def stop(self) -> None:
        """Stop work and hand any last results to the sink. Must return within seconds."""


class ExtensionError(ValueError):
    """An extension's configuration is invalid (the agent refuses to start)."""


def load_extensions(
    sections: Mapping[str, Mapping[str, Any]],
    *,
    state_dir: Path,
    reports: ReportSink,
    clock: Callable[[], float],
    modules: tuple[str, ...] = EXTENSIONS,
) -> list[Extension]:
    """Create every enabled extension. Bad configuration raises; a broken module is skipped."""
    out: list[Extension] = []
    for path in modules:
        section = path.rsplit(".", 1)[-1]
        ctx = ExtensionContext(sections.get(section, {}), state_dir, reports, clock)
        try:
            module = importlib.import_module(path)
            ext = module.create(ctx)
        except ExtensionError:
            raise
        except Exception:
            log.exception("extension %s failed to load; the agent runs without it", path)
            continue
        if ext is not None:
            out.append(ext)
    return out
