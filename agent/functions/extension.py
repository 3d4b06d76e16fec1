"""The functions extension: specs from agent.toml and from the collector, run by the scheduler.

Functions come from the ``[functions.<id>]`` tables of the agent's config file and from the
``functions`` of each ``AgentConfig`` the collector pushes. A push replaces the previously
pushed set; the file's functions stay, and a pushed function whose id equals a file function's
id overrides it. The last pushed set is kept in ``state_dir/functions/pushed.binpb``, so after
a restart the agent checks them even before (or without) reaching the collector.

Every run's result goes to the batcher with ``put_report(functions=[...])``. A result whose
check keeps durable state (the log check's offsets) is spooled at once and only then is the
state saved: spooled results survive a crash, so a restart never counts a log line twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.extensions import ExtensionContext, ExtensionError, ReportSink
from agent.functions.base import Resources
from agent.functions.log_state import OffsetStore
from agent.functions.params import ParamError, ParamReader
from agent.functions.scheduler import Scheduler
from agent.functions.spec import Defaults, Spec, from_proto, from_table
from eus.atomic import write_atomic
from eus.names import CommandKind
from eus.settings import unknown_keys
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

SETTINGS = ("enabled", "interval_s", "timeout_s", "workers")
PUSHED_FILE = "pushed.binpb"


@dataclass(frozen=True, slots=True)
class Settings:
    """``[functions]`` keys that are not function tables."""

    enabled: bool = True
    defaults: Defaults = field(default_factory=Defaults)
    workers: int = 16


def read_section(section: Mapping[str, Any]) -> tuple[Settings, list[Spec]]:
    """Split ``[functions]`` into settings and specs; raises ExtensionError for bad settings."""
    scalars = {k: v for k, v in section.items() if not isinstance(v, Mapping)}
    unknown = unknown_keys(scalars, SETTINGS)
    if unknown:
        raise ExtensionError(
            f"[functions]: unknown setting(s) {', '.join(unknown)} (known: {', '.join(SETTINGS)};"
            " a function is a table [functions.<id>] with a kind)"
        )
    reader = ParamReader("functions", scalars)
    try:
        interval = reader.duration("interval_s", 60.0, low=1) or 60.0
        settings = Settings(
            enabled=reader.boolean("enabled", True),
            defaults=Defaults(interval, min(reader.duration("timeout_s", 10.0, low=0.001) or 10.0, interval)),
            workers=reader.integer("workers", 16, low=1, high=64),
        )
    except ParamError as exc:
        raise ExtensionError(f"[functions]: {exc}") from None
    specs = [
        spec
        for fid, table in section.items()
        if isinstance(table, Mapping) and (spec := from_table(fid, table, defaults=settings.defaults))
    ]
    return settings, specs


def merge(file_specs: Sequence[Spec], pushed: Sequence[Spec]) -> list[Spec]:
    """File functions, overridden (by id) and extended by pushed ones."""
    by_id = {s.id: s for s in file_specs}
    by_id.update({s.id: s for s in pushed})
    return list(by_id.values())


class FunctionsExtension:
    name = "functions"

    def __init__(
        self,
        settings: Settings,
        file_specs: Sequence[Spec],
        *,
        state_dir: Path,
        reports: ReportSink,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self._file_specs = list(file_specs)
        self._reports = reports
        self._clock = clock
        self._dir = state_dir / "functions"
        self._resources = Resources(state_dir)
        self._pushed = self._load_pushed()
        self.scheduler = Scheduler(self._deliver, self._resources, workers=settings.workers, clock=clock)

    @property
    def specs(self) -> list[Spec]:
        return merge(self._file_specs, self._pushed)

    def start(self) -> None:
        specs = self.specs
        bad = [s for s in specs if not s.valid]
        log.info(
            "checking %d function(s): %s",
            len(specs),
            ", ".join(f"{s.id} ({s.kind})" for s in specs) or "none",
        )
        for spec in bad:
            log.warning("function %s is invalid and reported as UNKNOWN: %s", spec.id, spec.error)
        self.scheduler.set_functions(specs)
        self.scheduler.start()

    def apply_config(self, config: eus_pb2.AgentConfig) -> None:
        pushed = [from_proto(f, defaults=self.settings.defaults) for f in config.functions]
        ids = [s.id for s in pushed]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            log.warning("the collector pushed function %s more than once; the last one is used", dup)
        self._pushed = pushed
        self._save_pushed(config.functions)
        specs = self.specs
        self.scheduler.set_functions(specs)
        store = self._resources.peek("log.offsets")
        if isinstance(store, OffsetStore):
            store.forget({s.id for s in specs})
        log.info("collector config generation %d: %d pushed function(s)", config.generation, len(pushed))

    def handle_command(self, command: eus_pb2.Command) -> eus_pb2.CommandResult | None:
        """``functions.check`` with ``args.id``: run that function now ("check again")."""
        if command.kind != CommandKind.FUNCTIONS_CHECK:
            return None
        fid = command.args.get("id", "")
        spec = self.scheduler.spec(fid)
        if spec is None:
            return eus_pb2.CommandResult(
                id=command.id, ok=False, message=f"no function {fid!r} on this agent", ts_ms=self._now_ms()
            )
        try:
            result = self.scheduler.check_now(spec)
        except (RuntimeError, TimeoutError) as exc:
            return eus_pb2.CommandResult(
                id=command.id, ok=False, message=f"could not check {fid}: {exc}", ts_ms=self._now_ms()
            )
        status = eus_pb2.Health.Name(result.status).removeprefix("HEALTH_")
        return eus_pb2.CommandResult(
            id=command.id, ok=True, message=f"{status}: {result.message}", ts_ms=self._now_ms()
        )

    def stop(self) -> None:
        self.scheduler.stop()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _deliver(self, result: eus_pb2.FunctionResult, commit: Callable[[], None] | None) -> None:
        self._reports.put_report(functions=[result])
        if commit is not None:
            self._reports.flush()  # the result is spooled before the state that depends on it moves
            commit()

    # ------------------------------------------------------------------ pushed specs on disk

    def _load_pushed(self) -> list[Spec]:
        path = self._dir / PUSHED_FILE
        try:
            stored = eus_pb2.AgentConfig.FromString(path.read_bytes())
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:  # DecodeError is a ValueError
            log.warning("ignoring unreadable %s: %s", path, exc)
            return []
        return [from_proto(f, defaults=self.settings.defaults) for f in stored.functions]

    def _save_pushed(self, functions: Sequence[eus_pb2.FunctionSpec]) -> None:
        data = eus_pb2.AgentConfig(functions=functions).SerializeToString()
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            # specs may carry URLs or hosts the customer considers private: 0600
            write_atomic(self._dir / PUSHED_FILE, data, mode=0o600)
        except OSError as exc:
            log.warning("could not keep the pushed functions in %s: %s", self._dir, exc)


def create(ctx: ExtensionContext) -> FunctionsExtension | None:
    settings, specs = read_section(ctx.settings)
    if not settings.enabled:
        return None
    return FunctionsExtension(settings, specs, state_dir=ctx.state_dir, reports=ctx.reports, clock=ctx.clock)
