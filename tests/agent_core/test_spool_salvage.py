"""A damaged spool file is moved aside and salvaged: real SQLite files, real damage."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.collectors.base import SeriesKey
from agent.series import SeriesRegistry
from agent.spool import Spool
from agent.spool_salvage import damage, open_spool
from eus.v1 import eus_pb2

PAGE = 4096
N_BATCHES = 300
ACKED = 20
SAMPLES = 200


def fill(path: Path) -> list[int]:
    """A spool of ``N_BATCHES`` batches of which the first ``ACKED`` were acknowledged."""
    spool = Spool(path)
    registry = SeriesRegistry(spool)
    ids = registry.ids([SeriesKey(f"m{i}", (("k", str(i)),), "", False) for i in range(50)])
    for i in range(N_BATCHES):
        ts = [1_000_000 + 1000 * i + j for j in range(SAMPLES)]
        spool.append(eus_pb2.Batch(series_id=ids * (SAMPLES // 50), ts_ms=ts, value=[float(i)] * SAMPLES))
    spool.ack(ACKED)
    spool.close()  # checkpoints the WAL into the file: the damage below hits real rows
    return ids


def overwrite(path: Path, offset: int, length: int) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        fh.write(os.urandom(length))


def middle_pages(path: Path) -> None:
    size = path.stat().st_size
    overwrite(path, size // 2 // PAGE * PAGE, 3 * PAGE)


def truncated(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size * 2 // 3 // PAGE * PAGE)


def header(path: Path) -> None:
    overwrite(path, 0, 100)


def everything(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def contents(spool: Spool) -> list[eus_pb2.Batch]:
    return [eus_pb2.Batch.FromString(r.payload) for r in spool.read_after(0, 1_000_000)]


# name, damage, whether some data batches can be read back
CASES: list[tuple[str, Callable[[Path], None], bool]] = [
    ("middle pages overwritten", middle_pages, True),
    ("file truncated", truncated, True),
    ("header overwritten", header, False),
    ("whole file garbage", everything, False),
]


@pytest.mark.parametrize(("name", "harm", "readable"), CASES, ids=[c[0] for c in CASES])
def test_a_damaged_spool_is_moved_aside_and_salvaged_in_order_with_the_loss_as_a_gap(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    name: str,
    harm: Callable[[Path], None],
    readable: bool,
) -> None:
    path = tmp_path / "spool.sqlite3"
    ids = fill(path)
    old_epoch = Spool(path).epoch
    harm(path)
    before = path.read_bytes()
    assert damage(path), name

    with caplog.at_level(logging.ERROR, logger="agent.spool_salvage"):
        spool = open_spool(path)
    asides = sorted(tmp_path.glob("spool.sqlite3.damaged-*[0-9]Z"))
    assert len(asides) == 1
    assert asides[0].read_bytes() == before, "the damaged file is kept as it was"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and str(path) in lines[0] and str(asides[0]) in lines[0]

    assert spool.epoch != old_epoch, "a new epoch: no seq can collide with the old numbering"
    got = contents(spool)
    assert [b.seq for b in got] == list(range(1, len(got) + 1)), "contiguous seqs in the new epoch"
    assert all(b.epoch == spool.epoch for b in got)
    gaps = [b for b in got if b.HasField("gap")]
    data = [b for b in got if not b.HasField("gap")]
    assert gaps, "the loss reaches the collector"
    assert all(g.gap.from_seq == g.seq and "damaged" in g.gap.reason for g in gaps)
    assert len(data) < N_BATCHES - ACKED
    assert bool(data) == readable
    # Salvaged batches keep their original order and content, and their series ids still resolve.
    firsts = [b.ts_ms[0] for b in data]
    assert firsts == sorted(firsts)
    assert all(len(b.ts_ms) == SAMPLES for b in data)
    assert all((t - 1_000_000) // 1000 >= ACKED for t in firsts), "acknowledged batches stay gone"
    registry = SeriesRegistry(spool)
    for b in data:
        assert {registry.definition(s).name for s in b.series_id} == {f"m{i}" for i in range(50)}
    assert set(ids) <= {int(s) for b in data for s in b.series_id} or not readable
    # Each gap lies between the data batches around it.
    for g in gaps:
        before_gap = [b for b in data if b.seq < g.seq]
        if before_gap:
            assert g.gap.first_ts_ms == max(before_gap[-1].ts_ms)
    # The new spool is an ordinary one: it takes new batches and reopens cleanly.
    spool.append(eus_pb2.Batch(series_id=[ids[0]], ts_ms=[9], value=[1.0]))
    spool.close()
    assert damage(path) is None
    again = Spool(path)
    assert again.stats().rows == len(got) + 1
    again.close()


def test_a_sound_spool_is_opened_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite3"
    fill(path)
    epoch = Spool(path).epoch
    spool = open_spool(path)
    assert spool.epoch == epoch and spool.stats().rows == N_BATCHES - ACKED
    spool.close()
    assert not list(tmp_path.glob("*.damaged-*"))


def test_a_missing_or_empty_file_is_not_damage(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite3"
    assert damage(path) is None
    sqlite3.connect(path).close()  # created, never initialised (a crash during the first start)
    assert damage(path) is None
    open_spool(path).close()
    assert not list(tmp_path.glob("*.damaged-*"))


def test_a_locked_spool_is_not_called_damaged(tmp_path: Path) -> None:
    """Another agent holding the file is not damage: it must not be moved aside."""
    path = tmp_path / "spool.sqlite3"
    fill(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert damage(path) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
