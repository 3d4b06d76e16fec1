"""Global search over the inventory: which devices have a hardware item (system, BIOS, disk,
network interface) whose key or attributes hold the text — serial numbers, MAC and IP
addresses. Packages are left out (software inventory is a category of its own)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import duckdb

from eus.values import ilike, like_literal

HARDWARE_KINDS = ("system", "bios", "disk", "nic", "baseboard", "chassis", "snmp_system")


@dataclass(frozen=True, slots=True)
class InventoryHit:
    device_id: int
    kind: str
    key: str
    attrs: str  # the item's attributes as stored (JSON)


def hardware_matching(
    cur: duckdb.DuckDBPyConnection, text: str, device_ids: Collection[int] | None, limit: int = 20
) -> list[InventoryHit]:
    """Hardware items of ``device_ids`` (None: every device) whose key or attributes contain
    ``text``, case-insensitively; at most ``limit``, one per device and kind."""
    if not text or (device_ids is not None and not device_ids):
        return []
    pattern = f"%{like_literal(text)}%"
    rows = cur.execute(
        "SELECT device_id, kind, arg_min(key, key), arg_min(attrs, key) FROM inventory_items "  # noqa: S608
        "WHERE kind IN (SELECT unnest(?::VARCHAR[])) "
        f"AND ({ilike('key', pattern)} OR {ilike('attrs', pattern)}) "
        "AND (? OR device_id IN (SELECT unnest(?::INTEGER[]))) "
        "GROUP BY device_id, kind ORDER BY device_id, kind LIMIT ?",
        [list(HARDWARE_KINDS), pattern, pattern, device_ids is None, sorted(device_ids or ()), limit],
    ).fetchall()
    return [InventoryHit(int(d), str(k), str(key), str(a)) for d, k, key, a in rows]
