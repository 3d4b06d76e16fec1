"""Inventory of an SNMP device: a full report after each discovery, differences after (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from eus.v1 import eus_pb2

Items = dict[tuple[str, str], dict[str, str]]


def index_items(items: Iterable[eus_pb2.InventoryItem]) -> Items:
    """(kind, key) -> attrs; a later duplicate of the same key wins."""
    return {(i.kind, i.key): dict(i.attrs) for i in items}


def report(
    subject: str, ts_ms: int, new: Mapping[tuple[str, str], Mapping[str, str]], old: Items | None
) -> eus_pb2.InventoryReport | None:
    """The report that brings the collector from ``old`` to ``new``: everything when ``old``
    is None (full), else only what changed; None when nothing did."""

    def to_item(k: tuple[str, str]) -> eus_pb2.InventoryItem:
        return eus_pb2.InventoryItem(kind=k[0], key=k[1], attrs=new[k])

    if old is None:
        return eus_pb2.InventoryReport(
            full=True, ts_ms=ts_ms, subject=subject, upserts=[to_item(k) for k in sorted(new)]
        )
    upserts = [to_item(k) for k in sorted(new) if old.get(k) != dict(new[k])]
    removals = [eus_pb2.InventoryKey(kind=k[0], key=k[1]) for k in sorted(old) if k not in new]
    if not upserts and not removals:
        return None
    return eus_pb2.InventoryReport(
        full=False, ts_ms=ts_ms, subject=subject, upserts=upserts, removals=removals
    )
