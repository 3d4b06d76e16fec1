"""The SNMP gateway extension: targets from agent.toml plus those the collector pushes,
and the trap listener. Idle (no thread, pysnmp not imported) until there is something to
poll or listen for; pushed targets take effect at once, without a restart.

Targets: the file's ``[[snmp.targets]]`` always; every ``AgentConfig`` replaces the
previous pushed list, and a pushed target with a file target's id replaces it. A target
that fails validation is not polled: its reachability function says why (CRITICAL).
Trap listener: the pushed one when it is enabled, else the file's.

File target list: once per process, when the first ``AgentConfig`` has been applied (the
collector sends one after Hello to every agent it knows as a gateway), the extension
reports the file's complete target list — ids and names, the empty list included — as an
event of kind :attr:`eus.names.EventKind.SNMP_FILE_TARGETS`. That is how the collector
learns a target was removed from the file (``collector/snmp/lifecycle.py``); the file is read once per
process, so the list cannot change before the next start.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from agent.extensions import ExtensionContext
from agent.snmp.settings import SettingsError, SnmpSettings, TargetSpec, TrapSettings, check_target
from eus.names import EventKind
from eus.v1 import eus_pb2

if TYPE_CHECKING:
    from agent.snmp.gateway import Gateway

log = logging.getLogger(__name__)

SHOWN_IDS = 20  # target ids in the event's message; attrs carry them all


def file_targets_event(targets: tuple[eus_pb2.SnmpTarget, ...], ts_ms: int) -> eus_pb2.Event:
    """The complete list of the file's targets, as the event the collector reconciles with (pure)."""
    ids = [t.id for t in targets]
    if ids:
        more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
        message = f"{len(ids)} SNMP target(s) in agent.toml: {', '.join(ids[:SHOWN_IDS])}{more}"
    else:
        message = "no SNMP targets in agent.toml"
    return eus_pb2.Event(
        ts_ms=ts_ms,
        kind=EventKind.SNMP_FILE_TARGETS,
        source="agent.toml",
        severity="info",
        message=message,
        attrs={t.id: t.name or t.host for t in targets},
    )


def effective_targets(
    file_targets: tuple[eus_pb2.SnmpTarget, ...], pushed: list[eus_pb2.SnmpTarget]
) -> tuple[list[TargetSpec], list[tuple[eus_pb2.SnmpTarget, str]]]:
    """The targets to poll and the refused ones with the reason (pure)."""
    merged = {t.id: t for t in file_targets}
    merged.update({t.id: t for t in pushed})
    specs: list[TargetSpec] = []
    refused: list[tuple[eus_pb2.SnmpTarget, str]] = []
    for target in merged.values():
        try:
            specs.append(check_target(target))
        except SettingsError as exc:
            refused.append((target, str(exc)))
    return specs, refused


def effective_traps(file_traps: TrapSettings, pushed: eus_pb2.TrapListener | None) -> TrapSettings:
    """The pushed listener when it is enabled, else the file's (pure)."""
    if pushed is None or not pushed.enabled:
        return file_traps
    return TrapSettings(
        enabled=True,
        host=pushed.host or file_traps.host,
        port=pushed.port or file_traps.port,
        communities=tuple(pushed.communities),
        v3_users=tuple(pushed.v3_users),
    )


class SnmpExtension:
    name = "snmp"

    def __init__(self, ctx: ExtensionContext, settings: SnmpSettings) -> None:
        self.ctx = ctx
        self.settings = settings
        self._pushed_targets: list[eus_pb2.SnmpTarget] = []
        self._pushed_traps: eus_pb2.TrapListener | None = None
        self._lock = threading.Lock()
        self._started = False
        self._stopped = False
        self._listed = False  # the file's target list was reported
        self.gateway: Gateway | None = None

    def start(self) -> None:
        with self._lock:
            self._started = True
            self._reconcile()

    def apply_config(self, config: eus_pb2.AgentConfig) -> None:
        with self._lock:
            self._pushed_targets = list(config.snmp_targets)
            self._pushed_traps = eus_pb2.TrapListener()
            if config.HasField("trap_listener"):
                self._pushed_traps.CopyFrom(config.trap_listener)
            if self._started and not self._stopped:
                self._reconcile()

    def handle_command(self, command: eus_pb2.Command) -> eus_pb2.CommandResult | None:
        return None

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self.gateway is not None:
                self.gateway.stop()

    def _reconcile(self) -> None:
        specs, refused = effective_targets(self.settings.targets, self._pushed_targets)
        traps = effective_traps(self.settings.traps, self._pushed_traps)
        now_ms = int(self.ctx.clock() * 1000)
        if self._pushed_traps is not None and not self._listed:  # the collector has spoken
            self.ctx.reports.put_report(events=[file_targets_event(self.settings.targets, now_ms)])
            self._listed = True
            log.info(
                "reporting the %d SNMP target(s) of agent.toml to the collector", len(self.settings.targets)
            )
        for target, reason in refused:
            log.warning("SNMP target %r not polled: %s", target.id, reason)
            self.ctx.reports.put_report(
                functions=[
                    eus_pb2.FunctionResult(
                        id=f"{target.id}:reachability",
                        kind="snmp",
                        name=target.name or target.host or target.id,
                        status=eus_pb2.HEALTH_CRITICAL,
                        message=f"configuration refused: {reason}",
                        ts_ms=now_ms,
                        subject=target.id,
                    )
                ]
            )
        if self.gateway is None:
            if not specs and not traps.enabled:
                return  # idle: nothing to poll, nothing to listen for
            from agent.snmp.gateway import Gateway  # pysnmp is imported from here on

            self.gateway = Gateway(
                self.ctx.reports,
                max_concurrency=self.settings.max_concurrency,
                max_repetitions=self.settings.max_repetitions,
                clock=self.ctx.clock,
            )
        self.gateway.apply(specs, traps)


def create(ctx: ExtensionContext, settings: SnmpSettings) -> SnmpExtension | None:
    if not settings.enabled:
        return None
    return SnmpExtension(ctx, settings)


__all__ = ["SnmpExtension", "create", "effective_targets", "effective_traps", "file_targets_event"]
