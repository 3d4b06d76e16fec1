"""The durable spool: numbering, acks, reopen, bounds and gaps, journal, SIGKILL safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent.spool import REASON_MAX_AGE, REASON_MAX_BYTES, Spool
from eus.v1 import eus_pb2


def batch(n: int, ts0: int = 1_000, sid: int = 1) -> eus_pb2.Batch:
    return eus_pb2.Batch(
        series_id=[sid] * n, ts_ms=[ts0 + i for i in range(n)], value=[float(i) for i in range(n)]
    )


def rows(spool: Spool) -> list[eus_pb2.Batch]:
    return [eus_pb2.Batch.FromString(r.payload) for r in spool.read_after(0, 1_000_000)]


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_seq_starts_at_one_and_epoch_is_fixed(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db", clock=Clock(1_700_000_000.123))
    assert spool.epoch == 1_700_000_000_123
    assert [spool.append(batch(2)) for _ in range(3)] == [1, 2, 3]
    stored = rows(spool)
    assert [(b.epoch, b.seq, len(b.series_id)) for b in stored] == [(spool.epoch, i, 2) for i in (1, 2, 3)]
    assert spool.stats().rows == 3
    spool.close()


def test_batches_with_series_defs_are_refused(spool: Spool) -> None:
    b = batch(1)
    b.series.add(id=1, name="x")
    with pytest.raises(ValueError, match="series definitions"):
        spool.append(b)


def test_ack_deletes_up_to_seq_and_seq_is_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    spool = Spool(path)
    for _ in range(5):
        spool.append(batch(1))
    assert spool.ack(3) == 3
    assert [r.seq for r in spool.read_after(0, 10)] == [4, 5]
    assert [r.seq for r in spool.read_after(4, 10)] == [5]
    assert spool.ack(3) == 0
    assert spool.ack(99) == 2
    assert spool.stats() == spool.stats().__class__(rows=0, nbytes=0, first_seq=0, last_seq=5)
    epoch = spool.epoch
    spool.close()

    reopened = Spool(path)
    assert reopened.epoch == epoch
    assert reopened.append(batch(1)) == 6  # emptied by acks, yet seq 1..5 are never reissued
    reopened.close()


def test_reopen_keeps_rows_and_epoch(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    spool = Spool(path)
    for i in range(4):
        spool.append(batch(i + 1))
    epoch, nbytes = spool.epoch, spool.stats().nbytes
    spool.close()

    again = Spool(path, clock=Clock(2_000_000_000.0))
    assert again.epoch == epoch
    assert again.stats().nbytes == nbytes
    assert [len(b.series_id) for b in rows(again)] == [1, 2, 3, 4]
    assert again.append(batch(1)) == 5
    again.close()


def test_size_overflow_replaces_the_oldest_rows_by_one_gap(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    for i in range(3):
        spool.append(batch(10, ts0=1_000 * (i + 1)))
    one = spool.stats().nbytes // 3
    spool.max_bytes = one * 3 + one // 2  # room for three batches and a gap row, not four batches
    spool.enforce_limits()
    assert spool.stats().rows == 3 and not any(b.HasField("gap") for b in rows(spool))

    spool.append(batch(10, ts0=4_000))  # 4 rows > 3.5 rows' worth: seq 1 goes
    first, *rest = rows(spool)
    assert first.seq == 1 and first.HasField("gap")
    assert (first.gap.from_seq, first.gap.samples_dropped) == (1, 10)
    assert (first.gap.first_ts_ms, first.gap.last_ts_ms) == (1_000, 1_009)
    assert first.gap.reason == REASON_MAX_BYTES
    assert len(first.series_id) == 0
    assert [b.seq for b in rest] == [2, 3, 4]

    spool.append(batch(10, ts0=5_000))  # seq 2 goes and merges into the gap at the head
    first, *rest = rows(spool)
    assert (first.seq, first.gap.from_seq, first.gap.samples_dropped) == (2, 1, 20)
    assert (first.gap.first_ts_ms, first.gap.last_ts_ms) == (1_000, 2_009)
    assert [b.seq for b in rest] == [3, 4, 5]
    assert spool.stats().nbytes <= spool.max_bytes
    # Seqs stay contiguous: the gap row stands for 1..2, then 3, 4, 5.
    spool.close()


def test_a_single_batch_larger_than_the_bound_is_kept(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db", max_bytes=10)
    spool.append(batch(100))
    assert spool.stats().rows == 1
    spool.append(batch(100))
    stored = rows(spool)
    assert [(b.seq, b.HasField("gap")) for b in stored] == [(1, True), (2, False)]
    spool.close()


def test_age_overflow_gaps_old_rows_and_merges_with_size(tmp_path: Path) -> None:
    clock = Clock()
    spool = Spool(tmp_path / "s.db", max_age_s=60, clock=clock)
    spool.append(batch(3, ts0=10))
    spool.append(batch(4, ts0=20))
    clock.t += 30
    spool.append(batch(5, ts0=30))
    clock.t += 45  # seq 1 and 2 are now 75 s old, seq 3 is 45 s old
    spool.append(batch(6, ts0=40))
    first, *rest = rows(spool)
    assert (first.seq, first.gap.from_seq, first.gap.samples_dropped) == (2, 1, 7)
    assert first.gap.reason == REASON_MAX_AGE
    assert [b.seq for b in rest] == [3, 4]

    spool.max_bytes = spool.stats().nbytes - 1  # now over size too: seq 3 goes
    clock.t += 1
    spool.enforce_limits()
    first, *rest = rows(spool)
    assert (first.seq, first.gap.from_seq, first.gap.samples_dropped) == (3, 1, 12)
    assert first.gap.reason == f"{REASON_MAX_AGE}; {REASON_MAX_BYTES}"
    assert [b.seq for b in rest] == [4]
    spool.close()


def test_ack_of_a_gap_deletes_it(tmp_path: Path) -> None:
    clock = Clock()
    spool = Spool(tmp_path / "s.db", max_age_s=1, clock=clock)
    spool.append(batch(1))
    clock.t += 5
    spool.append(batch(1))
    spool.append(batch(1))
    assert [(b.seq, b.HasField("gap")) for b in rows(spool)] == [(1, True), (2, False), (3, False)]
    assert spool.ack(1) == 1
    assert [b.seq for b in rows(spool)] == [2, 3]
    spool.close()


def test_journal_has_one_line_per_batch_after_commit(tmp_path: Path) -> None:
    journal = tmp_path / "j" / "journal.jsonl"
    spool = Spool(tmp_path / "s.db", journal_path=journal, max_bytes=10)
    spool.append(batch(7))
    spool.append(batch(2))
    spool.close()
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert lines[0] == {"epoch": spool.epoch, "seq": 1, "samples": 7}
    assert lines[1] == {"epoch": spool.epoch, "seq": 2, "samples": 2}
    assert lines[2]["seq"] == 1 and lines[2]["samples"] == 0
    assert lines[2]["gap"] == {"from_seq": 1, "samples_dropped": 7, "reason": REASON_MAX_BYTES}


def test_a_batch_a_kill_left_out_of_the_journal_is_listed_at_the_next_start(tmp_path: Path) -> None:
    """SIGKILL between a batch's commit and its journal line: the next start adds the line
    (and cuts a line the kill tore), so the journal lists exactly what the spool held."""
    journal = tmp_path / "journal.jsonl"
    spool = Spool(tmp_path / "s.db", journal_path=journal)
    for n in (4, 5, 6):
        spool.append(batch(n))
    epoch = spool.epoch
    spool.close()
    kept = journal.read_text().splitlines(keepends=True)[:2]  # seq 3's line never written ...
    journal.write_text("".join(kept) + '{"epoch":' + str(epoch) + ',"se')  # ... but begun
    spool = Spool(tmp_path / "s.db", journal_path=journal)
    spool.append(batch(7))
    spool.close()
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert lines == [{"epoch": epoch, "seq": s, "samples": n} for s, n in ((1, 4), (2, 5), (3, 6), (4, 7))]


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from agent.spool import Spool
    from eus.v1 import eus_pb2

    spool = Spool(Path(sys.argv[1]))
    while True:
        seq = spool.append(eus_pb2.Batch(series_id=[1] * 50, ts_ms=list(range(50)), value=[1.5] * 50))
        print(seq, flush=True)
    """
)


def test_sigkill_loses_nothing_that_was_spooled(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout is not None
    confirmed: list[int] = []
    try:
        for line in proc.stdout:
            confirmed.append(int(line))
            if len(confirmed) >= 40:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert confirmed == list(range(1, 41))

    spool = Spool(path)
    stored = rows(spool)
    seqs = [b.seq for b in stored]
    assert seqs[:40] == confirmed  # every append that returned is there, in order
    assert seqs == list(range(1, len(seqs) + 1))
    assert all(len(b.series_id) == 50 and b.value[0] == 1.5 for b in stored)
    assert spool.append(batch(1)) == seqs[-1] + 1
    spool.close()


def test_low_seq_accounts_for_the_seqs_a_head_gap_replaced(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    assert spool.low_seq() == 1  # empty: the next seq
    for i in range(3):
        spool.append(batch(10, ts0=1_000 * (i + 1)))
    assert spool.low_seq() == 1
    one = spool.stats().nbytes // 3
    spool.max_bytes = one * 2 + one // 2
    spool.append(batch(10, ts0=4_000))  # seqs 1..2 become one gap row numbered 2
    head = rows(spool)[0]
    assert (head.seq, head.gap.from_seq) == (2, 1)
    assert spool.stats().first_seq == 2
    assert spool.low_seq() == 1  # Hello must not announce 2: seq 1 is in the gap, not lost
    spool.ack(4)
    assert spool.low_seq() == 5
    spool.close()


def test_a_refused_batch_is_set_aside_as_a_gap_without_its_times(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db", journal_path=tmp_path / "j.jsonl")
    spool.append(batch(3))
    seq = spool.append(batch(5, ts0=1 << 62))
    before = spool.stats()
    assert spool.set_aside(seq, "refused by the collector: ts_ms[0]")
    first, second = rows(spool)
    assert not first.HasField("gap")
    assert second.seq == seq and len(second.series_id) == 0
    assert (second.gap.from_seq, second.gap.samples_dropped) == (seq, 5)
    assert (second.gap.first_ts_ms, second.gap.last_ts_ms) == (0, 0)
    assert second.gap.reason == "refused by the collector: ts_ms[0]"
    assert spool.stats().rows == before.rows
    assert spool.stats().nbytes < before.nbytes
    assert spool.low_seq() == 1
    assert not spool.set_aside(99, "not held")
    journal = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert journal[-1]["gap"]["from_seq"] == seq
    spool.close()
