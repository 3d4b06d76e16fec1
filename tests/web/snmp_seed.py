"""The SNMP pages' test fixtures: the views wired to a real secret box and config pushes
(``snmp``), and what a gateway would have reported written straight into the real DuckDB
file (series and samples, inventory items, function results, trap events)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from collector_functions.results import add_result
from flask import Flask

from collector.rpc.agent_config import AgentConfigs
from collector.rpc.live import LiveStreams
from collector.snmp.secrets import SecretBox
from collector.snmp.targets import SnmpTargets
from collector.store.db import Store
from collector.tsdb.timestamps import naive_utc
from collector.web import snmp_views
from eus.v1 import eus_pb2

from .conftest import Seed


class DuckSeed:
    def __init__(self, cur: duckdb.DuckDBPyConnection, now: datetime | None = None) -> None:
        self.cur = cur
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self._next = 1000

    def series(
        self, gateway: int, target: str, name: str, points: list[tuple[float, float]], **labels: str
    ) -> int:
        """A series with samples ``(seconds ago, value)``."""
        sid = self._next
        self._next += 1
        self.cur.execute(
            "INSERT INTO series (id, device_id, name, labels, unit, monotonic) "
            "VALUES (?, ?, ?, ?, '', false)",
            [sid, gateway, name, json.dumps({"target": target, **labels}, sort_keys=True)],
        ).fetchall()
        for ago, value in points:
            self.cur.execute(
                "INSERT INTO samples VALUES (?, ?, ?)",
                [sid, naive_utc(self.now - timedelta(seconds=ago)), value],
            ).fetchall()
        return sid

    def item(self, gateway: int, subject: str, kind: str, key: str, **attrs: str) -> None:
        now = naive_utc(self.now)
        self.cur.execute(
            "INSERT INTO inventory_items VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)",
            [gateway, subject, kind, key, key, json.dumps(attrs, sort_keys=True), now, now],
        ).fetchall()

    def function(
        self, gateway: int, target: str, function_id: str, *, kind: str, status: int, message: str
    ) -> None:
        add_result(
            self.cur, gateway, function_id, status, naive_utc(self.now - timedelta(seconds=5)),
            subject=target, message=message, kind=kind, duration_s=0.1,
        )  # fmt: skip

    def trap(self, gateway: int, source: str, message: str, severity: str = "info", **attrs: str) -> None:
        ts = naive_utc(self.now - timedelta(seconds=30))
        self.cur.execute(
            "INSERT INTO events VALUES (?, ?, 'snmp.trap', ?, ?, ?, ?, ?)",
            [gateway, ts, source, severity, message, json.dumps(attrs, sort_keys=True), ts],
        ).fetchall()


OK, WARNING, CRITICAL = eus_pb2.HEALTH_OK, eus_pb2.HEALTH_WARNING, eus_pb2.HEALTH_CRITICAL


class RecordingStream:
    """A connected gateway as the live-stream registry sees it: it keeps what it is sent."""

    def __init__(self, device_id: int) -> None:
        self.device_id = device_id
        self.sent: list[eus_pb2.CollectorMessage] = []

    def kick(self, code_name: str, message: str) -> None:
        raise AssertionError(f"kicked: {code_name} {message}")

    def send(self, message: eus_pb2.CollectorMessage) -> None:
        self.sent.append(message)

    def targets(self) -> list[eus_pb2.SnmpTarget]:
        return list(self.sent[-1].config.snmp_targets)


@dataclass
class Snmp:
    targets: SnmpTargets
    gateway_a: RecordingStream
    gateway_b: RecordingStream


@pytest.fixture(name="snmp")
def snmp_fixture(app: Flask, store: Store, seed: Seed, tmp_path: Path) -> Snmp:
    live = LiveStreams()
    streams = RecordingStream(seed.device_a), RecordingStream(seed.device_b)
    for stream in streams:
        live.register(stream)
    targets = SnmpTargets(store, SecretBox.open(tmp_path / "data"))
    targets.attach(AgentConfigs(live))
    snmp_views.init_app(app, targets)
    return Snmp(targets, *streams)
