"""The pure snapshot arithmetic, table-driven: what a change on the machine puts on the wire."""

from __future__ import annotations

import pytest

from agent.inventory.diff import diff, everything, flatten, merge
from agent.inventory.model import Item, Snapshot

NGINX_122 = {("package", "nginx"): {"version": "1.22.1-9", "arch": "amd64", "source": "dpkg"}}
NGINX_124 = {("package", "nginx"): {"version": "1.24.0-1", "arch": "amd64", "source": "dpkg"}}
CURL = {("package", "curl"): {"version": "7.88.1-10", "arch": "amd64", "source": "dpkg"}}
DISK_A = {("disk", "S3Z9NB0K"): {"device": "/dev/sda", "serial": "S3Z9NB0K", "size_bytes": "500107862016"}}
DISK_B = {("disk", "WD-WCC4N"): {"device": "/dev/sda", "serial": "WD-WCC4N", "size_bytes": "500107862016"}}
SYSTEM_1 = {("system", "system"): {"vendor": "Dell Inc.", "model": "PowerEdge R7525", "serial": "J70FG53"}}
SYSTEM_2 = {("system", "system"): {"vendor": "Dell Inc.", "model": "PowerEdge R7525", "serial": "J70FG54"}}


def _items(snap: Snapshot) -> tuple[Item, ...]:
    return everything(snap)


@pytest.mark.parametrize(
    ("case", "before", "after", "upserts", "removals"),
    [
        ("nothing changed", {**NGINX_122, **CURL}, {**NGINX_122, **CURL}, (), ()),
        ("package installed", NGINX_122, {**NGINX_122, **CURL}, _items(CURL), ()),
        ("package removed", {**NGINX_122, **CURL}, NGINX_122, (), (("package", "curl"),)),
        ("package upgraded: all attrs sent", NGINX_122, NGINX_124, _items(NGINX_124), ()),
        ("disk swapped: new serial is a new key", DISK_A, DISK_B, _items(DISK_B), (("disk", "S3Z9NB0K"),)),
        ("system serial changed", SYSTEM_1, SYSTEM_2, _items(SYSTEM_2), ()),
        ("from nothing", {}, {**CURL, **NGINX_122}, _items({**CURL, **NGINX_122}), ()),
    ],
)
def test_diff(
    case: str,
    before: Snapshot,
    after: Snapshot,
    upserts: tuple[Item, ...],
    removals: tuple[tuple[str, str], ...],
) -> None:
    changes = diff(before, after)
    assert changes.upserts == upserts, case
    assert changes.removals == removals, case
    assert bool(changes) == bool(upserts or removals)


def test_a_failed_source_keeps_its_previous_items_and_a_skipped_one_loses_them() -> None:
    previous = {"dpkg": {**NGINX_122, **CURL}, "disks": DISK_A, "rpm": {("package", "x"): {"version": "1"}}}
    by_source = merge(
        previous, {"disks": [Item("disk", "WD-WCC4N", DISK_B[("disk", "WD-WCC4N")])]}, failed=["dpkg"]
    )
    assert by_source == {"dpkg": {**NGINX_122, **CURL}, "disks": DISK_B}
    changes = diff(flatten(previous), flatten(by_source))
    assert changes.upserts == _items(DISK_B)
    assert changes.removals == (("disk", "S3Z9NB0K"), ("package", "x"))


def test_a_failed_source_without_history_reports_nothing() -> None:
    assert merge({}, {}, failed=["dpkg"]) == {}
