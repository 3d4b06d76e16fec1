"""One agent's unfit batch (a timestamp of 2^62) among honest agents, with real processes:
the collector refuses it naming the field and records the refusal, the honest agents' batches
commit on time on their first stream, and the sender sets the batch aside as a gap and goes on."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from support.procs import AgentProc, CollectorProc, eus
from support.tsdb import query
from support.waits import wait_for

from agent.spool import Spool
from eus.v1 import eus_pb2

FAST = {
    **{
        f"EUS_AGENT_COLLECTOR_{name}_INTERVAL_S": "0.3"
        for name in ("CPU", "MEMORY", "NETIO", "DISKIO", "HOST")
    },
    "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.2",
    "EUS_AGENT_TRANSPORT_BACKOFF_MAX_S": "2",
}
POISON_TS = 1 << 62
# Honest batches are flushed every 0.2 s and committed at once: a longer pause between two of
# one agent's commits means its stream was held up.
ON_TIME_S = 3.0


def _store(data: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(data / "eus.sqlite3")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _spool_rows(agent: AgentProc) -> list[tuple[int, int | None]]:
    con = sqlite3.connect(agent.state_dir / "spool.sqlite3")
    try:
        return [(int(s), g) for s, g in con.execute("SELECT seq, gap_from_seq FROM batches ORDER BY seq")]
    finally:
        con.close()


@pytest.mark.slow
def test_a_poisoned_batch_is_refused_set_aside_and_blocks_no_one(tmp_path: Path) -> None:
    data = tmp_path / "collector"
    eus(data, "init")
    eus(data, "customer", "create", "Acme")
    collector = CollectorProc(data).start()
    honest = [AgentProc(tmp_path / f"agent{i}", f"agent{i}", FAST) for i in range(3)]
    poisoned = AgentProc(tmp_path / "poisoned", "poisoned", FAST)
    ids: dict[str, str] = {}
    try:
        for a in [*honest, poisoned]:
            token = eus(data, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
            ids[a.name] = a.enroll(collector, token)
        # The poisoned agent's first spooled batch carries an event from a broken clock.
        spool = Spool(poisoned.state_dir / "spool.sqlite3", journal_path=poisoned.journal)
        bad_seq = spool.append(
            eus_pb2.Batch(events=[eus_pb2.Event(ts_ms=POISON_TS, kind="test.poison", message="bad clock")])
        )
        spool.close()
        poisoned.start()
        for a in honest:
            a.start()

        def refused() -> bool:
            return bool(_store(data, "SELECT 1 FROM refused_batches"))

        wait_for(refused, 60, "the collector to record the refusal")
        # The sender is not stuck: the refused batch leaves its spool and later ones are acked.
        wait_for(
            lambda: all(seq > bad_seq for seq, _ in _spool_rows(poisoned)), 30, "the set-aside gap's ack"
        )
        start = len(poisoned.produced())
        wait_for(lambda: len(poisoned.produced()) > start + 20, 60, "the poisoned agent to go on")
        wait_for(lambda: all(len(a.produced()) >= 40 for a in honest), 60, "honest batches")
        for a in [*honest, poisoned]:
            assert a.stop() == 0, a.log_tail()
    finally:
        for a in [*honest, poisoned]:
            if a.alive:
                a.stop()
        if collector.alive:
            assert collector.stop() == 0, collector.log_tail()

    devices = {str(a): int(str(d)) for a, d in _store(data, "SELECT agent_id, id FROM devices")}
    bad_device = devices[ids["poisoned"]]
    (row,) = _store(data, "SELECT device_id, seq, reason, attempts FROM refused_batches")
    assert row[:2] == (bad_device, bad_seq)
    assert f"events.ts_ms[0] = {POISON_TS}" in str(row[2])
    assert row[3] == 1, "the agent resent a refused batch"

    # The refused batch became a gap; everything else the poisoned agent spooled is stored.
    gaps = query(data, "SELECT from_seq, to_seq, reason FROM gaps WHERE device_id = ?", [bad_device])
    assert [(g[0], g[1]) for g in gaps] == [(bad_seq, bad_seq)]
    assert str(gaps[0][2]).startswith("refused by the collector: batch 1 refused: events.ts_ms[0]")
    stored = {
        int(str(s)): int(str(n))
        for s, n in query(data, "SELECT seq, samples FROM batches WHERE device_id = ?", [bad_device])
    }
    assert set(stored) == {int(p["seq"]) for p in poisoned.produced()}
    assert stored[bad_seq] == 0, "the gap batch stored samples"
    assert query(data, "SELECT count(*) FROM events WHERE kind = 'test.poison'") == [(0,)]

    for a in honest:
        device = devices[ids[a.name]]
        seqs = {int(p["seq"]) for p in a.produced()}
        committed = query(
            data, "SELECT seq, committed FROM batches WHERE device_id = ? ORDER BY committed", [device]
        )
        assert {int(str(s)) for s, _ in committed} == seqs, f"{a.name}: batches missing"
        times: list[datetime] = [c for _, c in committed]  # type: ignore[misc]
        pauses = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert max(pauses) < ON_TIME_S, f"{a.name}: a commit waited {max(pauses):.1f} s"
        # One stream from start to stop: the poison aborted none of the honest streams.
        assert a.log_path.read_text().count("streaming to") == 1, a.log_tail()
