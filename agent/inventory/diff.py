"""Pure snapshot arithmetic: what changed since the last report, and what to remember.

The agent remembers the last reported snapshot *per source*. A source that failed this time
keeps its previous items (a dpkg database that cannot be read is not a machine with no
packages), so its packages are neither re-sent nor reported as removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from agent.inventory.model import Item, ItemId, Snapshot, snapshot

BySource = dict[str, Snapshot]


@dataclass(frozen=True)
class Changes:
    """Items added or changed (with all their attrs) and ids gone, both sorted by id."""

    upserts: tuple[Item, ...]
    removals: tuple[ItemId, ...]

    def __bool__(self) -> bool:
        return bool(self.upserts or self.removals)


def diff(
    previous: Mapping[ItemId, Mapping[str, str]], current: Mapping[ItemId, Mapping[str, str]]
) -> Changes:
    """Upserts for new ids and for ids whose attrs differ in any way; removals for ids gone."""
    upserts = tuple(
        Item(kind, key, dict(attrs))
        for (kind, key), attrs in sorted(current.items())
        if previous.get((kind, key)) != attrs
    )
    removals = tuple(sorted(set(previous) - set(current)))
    return Changes(upserts, removals)


def everything(current: Mapping[ItemId, Mapping[str, str]]) -> tuple[Item, ...]:
    """All items of a snapshot, sorted by id: the body of a full report."""
    return tuple(Item(kind, key, dict(attrs)) for (kind, key), attrs in sorted(current.items()))


def merge(
    previous: Mapping[str, Snapshot],
    succeeded: Mapping[str, Iterable[Item]],
    failed: Iterable[str],
) -> BySource:
    """The per-source state after a run: fresh items of the sources that reported, the previous
    items of the sources that failed. Sources that were skipped (not applicable, or no longer
    configured) are absent, so their previous items count as gone."""
    out: BySource = {name: snapshot(items) for name, items in succeeded.items()}
    for name in failed:
        if name in previous:
            out[name] = {ident: dict(attrs) for ident, attrs in previous[name].items()}
    return out


def flatten(by_source: Mapping[str, Snapshot]) -> Snapshot:
    """One snapshot of every source; sources are applied in name order, so a clash is stable."""
    out: Snapshot = {}
    for name in sorted(by_source):
        out.update(by_source[name])
    return out
