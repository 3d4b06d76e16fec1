"""What feeds the engine: bus events and scheduled checks, each turned into verdicts of the
rule kinds that apply to the device (most specific rule per family).

A kind is picked by its parameters' type (``_rules(dev, threshold_rule.Params)``), so each
evaluation gets its own kind's parameters, checked by mypy."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from collector.alerting.engine import AlertEngine
from collector.alerting.records import DeviceInfo
from collector.alerting.rules import (
    data_gap,
    forecast,
    function_status,
    instance_offline,
    inventory_change,
    snmp_trap,
)
from collector.alerting.rules import threshold as threshold_rule
from collector.alerting.rules.scope import RuleDef
from collector.alerting.series import SeriesFacts
from collector.alerting.state import CLEARED, Verdict
from collector.bus import BatchCommitted, InventoryChanged, StreamClosed, StreamOpened
from collector.store.models import Device, StreamState
from eus.names import EventKind
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

HEALTH_NAMES = {0: "unknown", 1: "ok", 2: "warning", 3: "critical"}
Connection = instance_offline.Connection
P = TypeVar("P")


class Feeds:
    def __init__(
        self, engine: AlertEngine, series: SeriesFacts | None, *, offline_after_s: float = 30.0
    ) -> None:
        self.engine = engine
        self.series = series
        self.offline_after_s = offline_after_s
        self._streaks: dict[tuple[int, str], int] = {}
        self._admin_down: set[threshold_rule.PortKey] = set()  # ports shut on purpose
        # (gateway id, SNMP target id) -> the device's name; set by the composition root
        self.name_of: Callable[[int, str], str] | None = None
        self.started_at = datetime.fromtimestamp(engine.clock(), UTC)

    def _named(self, dev: DeviceInfo, target: str, verdict: Verdict) -> Verdict:
        """The verdict's summary led by the SNMP device it is about, not only its gateway."""
        name = self.name_of(dev.id, target) if self.name_of and target and verdict.summary else ""
        return replace(verdict, summary=f"{name}: {verdict.summary}") if name else verdict

    def _rules(self, dev: DeviceInfo, kind: type[P]) -> list[tuple[RuleDef, P]]:
        """The rules in force for ``dev`` whose parameters are of ``kind``, with them."""
        return [
            (r, r.params)
            for r in self.engine.rules.for_device(dev.customer_id, dev.site_id, dev.id)
            if isinstance(r.params, kind)
        ]

    # -- committed batches --------------------------------------------------------------------
    def on_batch(self, ev: BatchCommitted) -> None:
        """Samples, function results and gaps of one committed batch."""
        dev = self.engine.device(int(ev.device_id))
        if dev is None:
            return
        source = float(ev.committed_at) or time.time()
        if ev.series_ids.shape[0]:
            self.samples(dev, ev.series_ids, ev.ts_ms, ev.values, source)
        for fr in ev.functions:
            health = HEALTH_NAMES.get(int(fr.status), "unknown")
            self.function_result(
                dev, fr.id, fr.name or fr.id, health, message=fr.message, source=source, target=fr.subject
            )
        if ev.gap is not None:
            for r, p in self._rules(dev, data_gap.Params):
                v = data_gap.evaluate(p, ev.gap.samples_dropped, ev.gap.reason, r.severity)
                if v is not None:
                    self.engine.observe(r, dev, "", v, source_at=source)
        traps = [e for e in ev.events if e.kind == EventKind.SNMP_TRAP]
        if traps:
            self.traps(dev, traps, source)

    def traps(self, dev: DeviceInfo, events: list[eus_pb2.Event], source: float) -> None:
        """Traps a gateway forwarded: one alert per sender and trap OID, for mapped traps."""
        rules = self._rules(dev, snmp_trap.Params)
        for e in events:
            trap_oid = e.attrs.get("trap_oid", "")
            sender = e.attrs.get("target") or e.source
            for r, p in rules:
                v = snmp_trap.evaluate(p, trap_oid, e.message, sender)
                if v is not None:
                    self.engine.observe(r, dev, f"{sender} {trap_oid}", v, source_at=source)

    def samples(
        self,
        dev: DeviceInfo,
        series_ids: npt.NDArray[np.uint32],
        ts_ms: npt.NDArray[np.int64],
        values: npt.NDArray[np.float64],
        source: float,
    ) -> None:
        rules = self._rules(dev, threshold_rule.Params)
        if not rules or self.series is None:
            return
        order = np.argsort(ts_ms, kind="stable")
        latest = dict(
            zip(series_ids[order].tolist(), values[order].tolist(), strict=True)
        )  # the last one wins
        names = {p.metric for _, p in rules} | {threshold_rule.IF_ADMIN_STATUS}
        meta = self.series.lookup(latest)
        for sid, value in latest.items():  # admin states first: they come in the same poll
            m = meta.get(sid)
            if m is not None and m.name == threshold_rule.IF_ADMIN_STATUS:
                port = threshold_rule.port_key(dev.id, m.name, m.labels)
                if port is not None and value == threshold_rule.ADMIN_DOWN:
                    self._admin_down.add(port)
                elif port is not None:
                    self._admin_down.discard(port)
        for sid, value in latest.items():
            m = meta.get(sid)
            if m is None or m.name not in names:
                continue
            subject = ",".join(f"{k}={v}" for k, v in sorted(m.labels.items()))
            shut = threshold_rule.port_key(dev.id, m.name, m.labels) in self._admin_down
            for r, p in rules:
                if (
                    shut
                    and threshold_rule.admin_down_exempt(p, m.name)
                    and threshold_rule.matches(p, m.name, m.labels)
                ):
                    if self.engine.current_severity(r, dev.id, subject) is not None:
                        self.engine.observe(r, dev, subject, CLEARED, source_at=source)
                elif threshold_rule.matches(p, m.name, m.labels):
                    current = self.engine.current_severity(r, dev.id, subject)
                    v = threshold_rule.evaluate(p, float(value), current)
                    v = self._named(dev, m.labels.get("target", ""), v)
                    self.engine.observe(r, dev, subject, v, source_at=source)

    def function_result(
        self,
        dev: DeviceInfo,
        fid: str,
        name: str,
        health: str,
        *,
        message: str,
        source: float,
        target: str = "",
    ) -> None:
        rules = [
            (r, p) for r, p in self._rules(dev, function_status.Params) if function_status.matches(p, fid)
        ]
        for r, p in rules:
            counted = function_status.counts(p, health)
            streak = self._streaks.get((dev.id, f"{r.id}:{fid}"), 0) + 1 if counted else 0
            self._streaks[(dev.id, f"{r.id}:{fid}")] = streak
            v = function_status.evaluate(p, health, streak, name, message)
            if v is not None:
                v = self._named(dev, target, v)
                self.engine.observe(r, dev, fid, v, source_at=source)

    # -- connections ---------------------------------------------------------------------------
    def on_stream_opened(self, ev: StreamOpened) -> None:
        self.connection(ev.device_id, Connection.OPENED, ev.peer, ev.at)

    def on_stream_closed(self, ev: StreamClosed) -> None:
        with self.engine.store.session() as s:
            if s.scalar(select(Device.revoked_at).where(Device.id == ev.device_id)) is not None:
                return  # revoked: disconnected on purpose
        fact = Connection.CLOSED_CLEAN if ev.clean else Connection.CLOSED_UNEXPECTED
        self.connection(ev.device_id, fact, ev.reason, ev.at)

    def connection(self, device_id: int, fact: Connection, detail: str, at: float) -> None:
        dev = self.engine.device(device_id)
        if dev is None:
            return
        for r, p in self._rules(dev, instance_offline.Params):
            v = instance_offline.evaluate(p, fact, detail, r.severity)
            self.engine.observe(r, dev, "", v, source_at=at)

    def check_silent(self) -> None:
        """Scheduler job: connection facts the stream events did not deliver.

        - An open stream that has sent nothing for ``offline_after_s``: a network loss the
          TCP stack has not noticed yet.
        - A device the store shows offline since this process started, with no offline
          alert: its close event was lost (a stream handler cancelled mid-cleanup).
        - A device still offline ``offline_after_s`` after this process started (the
          previous process died or stopped with it connected): it did not come back.
        Revoked devices were disconnected on purpose and never page.
        """
        now = self.engine.clock()
        cutoff = datetime.fromtimestamp(now, UTC) - timedelta(seconds=self.offline_after_s)
        offline = (StreamState.OFFLINE_UNEXPECTED.value, StreamState.OFFLINE_CLEAN.value)
        with self.engine.store.session() as s:
            silent = s.scalars(
                select(Device.id)
                .where(Device.stream_state == StreamState.ONLINE.value)
                .where(Device.last_seen < cutoff)
                .where(Device.revoked_at.is_(None))
            ).all()
            closed = s.execute(
                select(Device.id, Device.stream_state, Device.last_seen)
                .where(Device.stream_state.in_(offline))
                .where(Device.revoked_at.is_(None))
            ).all()
        for device_id in silent:
            detail = f"nothing received for {self.offline_after_s:.0f} s"
            self.connection(int(device_id), Connection.SILENT, detail, now)
        settled = now - self.started_at.timestamp() >= self.offline_after_s
        known = self.engine.offline_devices()
        for device_id, state, last_seen in closed:
            if int(device_id) in known:
                continue
            since_start = last_seen is not None and last_seen >= self.started_at
            if since_start:
                detail = "stream closed (from the recorded device state)"
            elif settled and state == StreamState.OFFLINE_UNEXPECTED.value:
                detail = "not reconnected since the collector started"
            else:
                continue
            clean = state == StreamState.OFFLINE_CLEAN.value
            self.connection(
                int(device_id),
                Connection.CLOSED_CLEAN if clean else Connection.CLOSED_UNEXPECTED,
                detail,
                now,
            )

    # -- inventory --------------------------------------------------------------------------
    def on_inventory(self, ev: InventoryChanged) -> None:
        """Inventory items that appeared, went or changed on one subject of a device."""
        dev = self.engine.device(ev.device_id)
        if dev is None:
            return
        changes = [
            inventory_change.Change(
                str(c.kind),
                str(c.key),
                str(c.change),
                ("serial",) if str(c.change) == "serial_changed" else (),
            )
            for c in ev.changes
        ]
        for r, p in self._rules(dev, inventory_change.Params):
            for cls, v in inventory_change.evaluate(p, changes, r.severity).items():
                self.engine.observe(
                    r, dev, f"{ev.subject}:{cls}" if ev.subject else cls, v, source_at=time.time()
                )

    # -- forecasts --------------------------------------------------------------------------
    def run_forecasts(self) -> int:
        """Scheduler job: evaluate every forecast rule over its metric's stored history."""
        if self.series is None:
            return 0
        windows: dict[str, float] = {}
        for r in self.engine.rules.all():
            if isinstance(r.params, forecast.Params):
                p = r.params
                windows[p.metric] = max(windows.get(p.metric, 0.0), p.window_s)
        done = 0
        now = self.engine.clock()
        for metric, window in windows.items():
            for meta, ts_s, values in self.series.history(metric, now - window).values():
                dev = self.engine.device(meta.device_id)
                if dev is None:
                    continue
                subject = ",".join(f"{k}={v}" for k, v in sorted(meta.labels.items()))
                for r, p in self._rules(dev, forecast.Params):
                    if p.metric != metric or not threshold_like_match(p.labels, meta.labels):
                        continue
                    keep = ts_s >= now - p.window_s
                    v = forecast.evaluate(p, ts_s[keep], values[keep], r.severity)
                    if v is not None:
                        self.engine.observe(r, dev, subject, v, source_at=now)
                        done += 1
        return done


def threshold_like_match(wanted: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in wanted.items())
