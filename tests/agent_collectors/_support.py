"""Shared test helpers: captured host snapshots and a readable rendering of samples.

Fixtures in ``fixtures/`` are ``capture_snapshot`` output (``python -m
agent.collectors.psutil_facade``): ``vm_debian12_virtio.json`` was captured on the 2-core
Debian 12 build VM; ``server_nvme_2nic.json`` is an invented 8-core database server with two
NVMe disks, LVM, a USB stick it may not read, snaps, a CD, two NICs and docker0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.collectors.base import Sample
from agent.collectors.psutil_facade import SnapshotReader
from eus.catalogue import spec

FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOTS = ("vm_debian12_virtio", "server_nvme_2nic")


def load_snapshot(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def snapshot_reader(name: str) -> SnapshotReader:
    return SnapshotReader(load_snapshot(name))


def series_id(sample: Sample) -> str:
    """``name{k=v,...}``: one readable string per series."""
    lbl = ",".join(f"{k}={v}" for k, v in sample.key.labels)
    return f"{sample.key.name}{{{lbl}}}" if lbl else sample.key.name


def render(samples: Iterable[Sample]) -> dict[str, float]:
    """Samples as ``{series_id: value}``; fails on a duplicate series."""
    out: dict[str, float] = {}
    for sample in samples:
        sid = series_id(sample)
        assert sid not in out, f"duplicate series {sid}"
        out[sid] = sample.value
    return out


def assert_contract(samples: Iterable[Sample]) -> None:
    """Every sample is a catalogued metric with its unit, counter flag and labels."""
    for sample in samples:
        known = spec(sample.key.name)
        assert known is not None, sample.key.name
        assert (sample.key.unit, sample.key.monotonic) == (known.unit, known.monotonic), sample.key
        assert known.accepts(frozenset(k for k, _ in sample.key.labels)), sample.key
        assert isinstance(sample.value, float), sample
