"""SNMP traps and informs as the gateways forwarded them: rows of the ``events`` table.

Scoping is the caller's job and explicit: every query takes the agent device ids whose
events the caller may see (a customer's agents), and none has an "all" default.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from collector.tsdb.timestamps import naive_utc
from eus.names import EventKind
from eus.snmp_target import mask_secret_varbinds

MAX_EVENTS = 1000
DEFAULT_SPAN = timedelta(days=7)
# Attributes the page shows as columns; the rest are the trap's varbinds.
HEADER_ATTRS = ("trap_oid", "version", "user", "community", "target")


@dataclass(frozen=True, slots=True)
class EventRow:
    device_id: int  # the gateway agent that received it
    ts: datetime
    kind: str
    source: str
    severity: str
    message: str
    attrs: dict[str, str]

    @property
    def target(self) -> str:
        return self.attrs.get("target", "")

    @property
    def varbinds(self) -> list[tuple[str, str]]:
        return sorted((k, v) for k, v in self.attrs.items() if k not in HEADER_ATTRS)


def _attrs(raw: object) -> dict[str, str]:
    try:
        data = json.loads(str(raw)) if raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    # masked on the way out too: rows stored before the agent masked snmpTrapCommunity.0
    return mask_secret_varbinds({str(k): str(v) for k, v in data.items()})


def trap_events(
    cur: duckdb.DuckDBPyConnection,
    gateway_ids: Collection[int],
    *,
    since: datetime | None = None,
    target: str | None = None,
    limit: int = 200,
) -> list[EventRow]:
    """Traps received by ``gateway_ids`` (newest first), optionally only those about ``target``."""
    if not gateway_ids:
        return []
    start = naive_utc(since or datetime.now(UTC) - DEFAULT_SPAN)
    sql = (
        "SELECT device_id, ts, kind, source, severity, message, attrs FROM events "
        "WHERE list_contains(?, device_id) AND kind = ? AND ts >= ?"
    )
    params: list[object] = [sorted(gateway_ids), EventKind.SNMP_TRAP.value, start]
    if target is not None:
        sql += " AND json_extract_string(attrs, '$.target') = ?"
        params.append(target)
    sql += " ORDER BY ts DESC LIMIT ?"
    params.append(max(1, min(limit, MAX_EVENTS)))
    return [
        EventRow(int(d), ts, str(k), str(src), str(sev), str(msg), _attrs(a))
        for d, ts, k, src, sev, msg, a in cur.execute(sql, params).fetchall()
    ]
