"""Write what a gateway would have reported about SNMP targets straight into a real DuckDB
file: series and samples, inventory items, function results and trap events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb

from eus.v1 import eus_pb2


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)


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
                [sid, _naive(self.now - timedelta(seconds=ago)), value],
            ).fetchall()
        return sid

    def item(self, gateway: int, subject: str, kind: str, key: str, **attrs: str) -> None:
        now = _naive(self.now)
        self.cur.execute(
            "INSERT INTO inventory_items VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)",
            [gateway, subject, kind, key, key, json.dumps(attrs, sort_keys=True), now, now],
        ).fetchall()

    def function(
        self, gateway: int, target: str, function_id: str, *, kind: str, status: int, message: str
    ) -> None:
        self.cur.execute(
            "INSERT INTO function_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0.1, '{}')",
            [gateway, target, function_id, kind, function_id, status, message,
             _naive(self.now - timedelta(seconds=5))],
        ).fetchall()  # fmt: skip

    def trap(self, gateway: int, source: str, message: str, severity: str = "info", **attrs: str) -> None:
        ts = _naive(self.now - timedelta(seconds=30))
        self.cur.execute(
            "INSERT INTO events VALUES (?, ?, 'snmp.trap', ?, ?, ?, ?, ?)",
            [gateway, ts, source, severity, message, json.dumps(attrs, sort_keys=True), ts],
        ).fetchall()


OK, WARNING, CRITICAL = eus_pb2.HEALTH_OK, eus_pb2.HEALTH_WARNING, eus_pb2.HEALTH_CRITICAL
