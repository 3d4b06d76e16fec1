"""Change classification and report application: pure, table-driven."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from collector.inventory.changes import (
    ChangeKind,
    ItemKey,
    apply_report,
    classify,
)
from eus.v1 import eus_pb2

deb = {"source": "dpkg", "arch": "amd64"}
rpm = {"source": "rpm", "arch": "x86_64"}


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        # software
        ("package", None, {"version": "1.0"}, ChangeKind.INSTALLED),
        ("package", {"version": "1.0"}, None, ChangeKind.REMOVED),
        ("package", {"version": "1.0", **deb}, {"version": "1.1", **deb}, ChangeKind.UPGRADED),
        ("package", {"version": "1.1", **deb}, {"version": "1.0", **deb}, ChangeKind.DOWNGRADED),
        # dpkg ordering: ~ sorts before everything, epochs dominate
        ("package", {"version": "1.0~rc1", **deb}, {"version": "1.0", **deb}, ChangeKind.UPGRADED),
        ("package", {"version": "1:0.9", **deb}, {"version": "2.0", **deb}, ChangeKind.DOWNGRADED),
        ("package", {"version": "3.0.11-1~deb12u2", **deb}, {"version": "3.0.11-1~deb12u3", **deb},
         ChangeKind.UPGRADED),
        # RPM ordering: the release is compared too; ^ sorts after the base version
        ("package", {"version": "1.0-9.el9", **rpm}, {"version": "1.0-10.el9", **rpm}, ChangeKind.UPGRADED),
        ("package", {"version": "1.0^git1-1", **rpm}, {"version": "1.0-1", **rpm}, ChangeKind.DOWNGRADED),
        # PEP 440 for Python distributions: 1.0rc1 < 1.0
        ("package", {"version": "1.0", "source": "pip"}, {"version": "1.0rc1", "source": "pip"},
         ChangeKind.DOWNGRADED),
        # same version, other attributes: changed; a version that cannot be ordered: changed
        ("package", {"version": "1.0", "arch": "amd64"}, {"version": "1.0", "arch": "all"},
         ChangeKind.CHANGED),
        ("package", {"version": "1.0"}, {"version": ""}, ChangeKind.CHANGED),
        ("package", {"version": "1.0"}, {"version": "1.0"}, None),
        # hardware and everything else
        ("disk", None, {"serial": "S1"}, ChangeKind.ADDED),
        ("disk", {"serial": "S1"}, None, ChangeKind.REMOVED),
        ("memory_module", {"serial": "A", "size_bytes": "8"}, {"serial": "B", "size_bytes": "8"},
         ChangeKind.SERIAL_CHANGED),
        ("system", {"serial": "", "model": "X"}, {"serial": "S9", "model": "X"}, ChangeKind.SERIAL_CHANGED),
        ("nic", {"mac": "aa"}, {"mac": "bb"}, ChangeKind.CHANGED),
        ("bios", {"version": "1.2"}, {"version": "1.3"}, ChangeKind.CHANGED),
        ("cpu", {"model": "X"}, {"model": "X"}, None),
        ("cpu", None, None, None),
    ],
)  # fmt: skip
def test_classify(
    kind: str, old: Mapping[str, str] | None, new: Mapping[str, str] | None, expected: ChangeKind | None
) -> None:
    assert classify(kind, old, new) == expected


def item(kind: str, key: str, **attrs: str) -> eus_pb2.InventoryItem:
    return eus_pb2.InventoryItem(kind=kind, key=key, attrs=attrs)


def full(*items: eus_pb2.InventoryItem, subject: str = "") -> eus_pb2.InventoryReport:
    return eus_pb2.InventoryReport(full=True, ts_ms=1, subject=subject, upserts=list(items))


def delta(*items: eus_pb2.InventoryItem, removals: tuple[ItemKey, ...] = ()) -> eus_pb2.InventoryReport:
    return eus_pb2.InventoryReport(
        full=False,
        ts_ms=2,
        upserts=list(items),
        removals=[eus_pb2.InventoryKey(kind=k, key=v) for k, v in removals],
    )


BASE = {
    ("package", "bash:amd64"): {"version": "5.2-1", "source": "dpkg"},
    ("package", "curl:amd64"): {"version": "7.88-1", "source": "dpkg"},
    ("disk", "S1"): {"serial": "S1", "model": "SSD"},
}


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # a full report equal to the snapshot changes nothing
        (full(item("package", "bash:amd64", version="5.2-1", source="dpkg"),
              item("package", "curl:amd64", version="7.88-1", source="dpkg"),
              item("disk", "S1", serial="S1", model="SSD")), []),
        # a full report: one package upgraded, one gone, one new, a disk gone and another added
        (full(item("package", "bash:amd64", version="5.2-2", source="dpkg"),
              item("package", "vim:amd64", version="9.0", source="dpkg"),
              item("disk", "S2", serial="S2", model="SSD")),
         [("disk", "S1", ChangeKind.REMOVED), ("disk", "S2", ChangeKind.ADDED),
          ("package", "bash:amd64", ChangeKind.UPGRADED), ("package", "curl:amd64", ChangeKind.REMOVED),
          ("package", "vim:amd64", ChangeKind.INSTALLED)]),
        # differences only
        (delta(item("package", "jq:amd64", version="1.6", source="dpkg")),
         [("package", "jq:amd64", ChangeKind.INSTALLED)]),
        (delta(removals=(("package", "curl:amd64"),)), [("package", "curl:amd64", ChangeKind.REMOVED)]),
        # removing what is not there, or upserting what is, changes nothing (a resend)
        (delta(removals=(("package", "nothere"),)), []),
        (delta(item("package", "bash:amd64", version="5.2-1", source="dpkg")), []),
        # the same key twice in one report: the last one counts
        (delta(item("package", "bash:amd64", version="5.1", source="dpkg"),
               item("package", "bash:amd64", version="5.3", source="dpkg")),
         [("package", "bash:amd64", ChangeKind.UPGRADED)]),
    ],
)  # fmt: skip
def test_apply_report(report: eus_pb2.InventoryReport, expected: list[tuple[str, str, ChangeKind]]) -> None:
    applied = apply_report(BASE, report)
    assert [(c.kind, c.key, c.change) for c in applied.changes] == expected
    assert not applied.baseline
    assert not applied.rejected


def test_apply_report_leaves_the_snapshot_alone_and_returns_the_new_one() -> None:
    before = {k: dict(v) for k, v in BASE.items()}
    applied = apply_report(
        BASE, delta(item("package", "jq:amd64", version="1.6"), removals=(("disk", "S1"),))
    )
    assert before == BASE
    assert set(applied.snapshot) == {
        ("package", "bash:amd64"),
        ("package", "curl:amd64"),
        ("package", "jq:amd64"),
    }
    change = applied.changes[0]
    assert (change.kind, change.old, change.new) == ("disk", {"serial": "S1", "model": "SSD"}, None)
    upgrade = apply_report(
        BASE, delta(item("package", "curl:amd64", version="8.0-1", source="dpkg"))
    ).changes[0]
    assert (upgrade.old_version, upgrade.new_version) == ("7.88-1", "8.0-1")


def test_first_full_report_is_the_baseline() -> None:
    report = full(item("package", "bash:amd64", version="5.2-1"), item("cpu", "0", model="X"))
    applied = apply_report({}, report)
    assert applied.baseline
    assert applied.changes == []
    assert len(applied.snapshot) == 2
    # ... unless the subject is known (it was reported before and emptied): then it counts
    again = apply_report({}, report, known=True)
    assert [c.change for c in again.changes] == [ChangeKind.ADDED, ChangeKind.INSTALLED]


def test_first_report_that_is_not_full_records_changes() -> None:
    applied = apply_report({}, delta(item("package", "jq", version="1.6")))
    assert not applied.baseline
    assert [c.change for c in applied.changes] == [ChangeKind.INSTALLED]


def test_invalid_items_are_refused_with_a_reason_and_never_turn_into_removals() -> None:
    report = full(
        item("package", "bash:amd64", version="5.2-1", source="dpkg"),
        item("package", "curl:amd64", **{"x" * 200: "y"}),  # the stored curl stays
        item("disk", "", serial="S9"),
        item("package", "k" * 600, version="1"),
        item("disk", "S1", serial="S1", model="SSD"),
    )
    report.removals.append(eus_pb2.InventoryKey(kind="disk", key="S1"))
    applied = apply_report(BASE, report)
    assert applied.changes == []
    assert ("package", "curl:amd64") in applied.snapshot
    reasons = " | ".join(applied.rejected)
    assert "attribute 'xxx" in reasons
    assert "empty kind or key" in reasons
    assert "key longer than 512" in reasons
    assert "full report with 1 removals" in reasons
    assert len(applied.rejected) == 4
