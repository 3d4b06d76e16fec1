"""The SNMP extension on a real spool and batcher, and what it spooled, read back."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.waits import wait_for

import agent.snmp
from agent.batcher import Batcher
from agent.extensions import ExtensionContext
from agent.series import SeriesRegistry
from agent.snmp.extension import SnmpExtension
from agent.spool import Spool
from eus.v1 import eus_pb2


@dataclass(frozen=True)
class Point:
    name: str
    labels: dict[str, str]
    unit: str
    monotonic: bool
    ts_ms: int
    value: float


class Harness:
    def __init__(
        self, tmp_path: Path, settings: Mapping[str, Any], clock: Callable[[], float] = time.time
    ) -> None:
        self.spool = Spool(tmp_path / "spool.sqlite3", max_bytes=1 << 28, max_age_s=3600)
        self.registry = SeriesRegistry(self.spool)
        self.batcher = Batcher(self.spool, self.registry, flush_interval_s=0.2)
        ext = agent.snmp.create(ExtensionContext(settings, tmp_path, self.batcher, clock))
        assert isinstance(ext, SnmpExtension)
        self.ext = ext
        self._stopped = False

    def start(self) -> Harness:
        self.batcher.start()
        self.ext.start()
        return self

    def push(self, config: eus_pb2.AgentConfig) -> None:
        self.ext.apply_config(config)

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self.ext.stop()
            self.batcher.close()

    def close(self) -> None:
        self.stop()
        self.spool.close()

    # ------------------------------------------------------------------ reading back

    def batches(self) -> list[eus_pb2.Batch]:
        self.batcher.flush()
        return [eus_pb2.Batch.FromString(r.payload) for r in self.spool.read_after(0, 1_000_000)]

    def points(self, target: str | None = None) -> list[Point]:
        out = []
        for batch in self.batches():
            for sid, ts, value in zip(batch.series_id, batch.ts_ms, batch.value, strict=True):
                d = self.registry.definition(sid)
                labels = dict(d.labels)
                if target is None or labels.get("target") == target:
                    out.append(Point(d.name, labels, d.unit, d.monotonic, ts, value))
        return out

    def functions(self, fid: str | None = None) -> list[eus_pb2.FunctionResult]:
        return [f for b in self.batches() for f in b.functions if fid is None or f.id == fid]

    def inventory(self, subject: str) -> list[eus_pb2.InventoryReport]:
        return [r for b in self.batches() for r in b.inventory if r.subject == subject]

    def items(self, subject: str, kind: str) -> dict[str, dict[str, str]]:
        """The latest state of one kind of inventory item, replaying full reports and diffs."""
        state: dict[tuple[str, str], dict[str, str]] = {}
        for report in self.inventory(subject):
            if report.full:
                state = {}
            for item in report.upserts:
                state[(item.kind, item.key)] = dict(item.attrs)
            for key in report.removals:
                state.pop((key.kind, key.key), None)
        return {k: v for (kd, k), v in state.items() if kd == kind}

    def events(self) -> list[eus_pb2.Event]:
        return [e for b in self.batches() for e in b.events]

    def runs(self) -> list[eus_pb2.CollectorRun]:
        return [r for b in self.batches() for r in b.runs]

    def wait_polls(self, fid: str, n: int, timeout: float) -> list[eus_pb2.FunctionResult]:
        """Wait for ``n`` results of a function (e.g. ``<target>:reachability``)."""
        found: list[eus_pb2.FunctionResult] = []

        def enough() -> bool:
            found[:] = self.functions(fid)
            return len(found) >= n

        wait_for(enough, timeout, f"{n} results of {fid}", interval=0.2)
        return found


def target(tid: str, port: int, **fields: Any) -> dict[str, Any]:
    """A ``[[snmp.targets]]`` table on 127.0.0.1."""
    return {"id": tid, "host": "127.0.0.1", "port": port, **fields}


def v2c(tid: str, port: int, community: str, **fields: Any) -> dict[str, Any]:
    return target(tid, port, version="2c", legacy=True, community=community, **fields)


def latest(points: list[Point], name: str) -> dict[tuple[tuple[str, str], ...], Point]:
    """The last point of each series called ``name``, by its labels (minus ``target``)."""
    out: dict[tuple[tuple[str, str], ...], Point] = {}
    for p in sorted(points, key=lambda x: x.ts_ms):
        if p.name == name:
            out[tuple(sorted((k, v) for k, v in p.labels.items() if k != "target"))] = p
    return out
