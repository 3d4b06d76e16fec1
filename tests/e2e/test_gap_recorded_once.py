"""A spool overflow reaches the collector as one gap row, with real processes: Hello announces
the seqs a head gap stands for, so the collector does not record them again as lost data."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from support.procs import AgentProc, CollectorProc, eus
from support.tsdb import query
from support.waits import wait_for

from agent.spool import REASON_MAX_BYTES, Spool
from eus.v1 import eus_pb2


def _event_batch(i: int) -> eus_pb2.Batch:
    now_ms = int(time.time() * 1000)
    return eus_pb2.Batch(events=[eus_pb2.Event(ts_ms=now_ms, kind="test.fill", message=f"{i} " + "x" * 2000)])


def _lowest_held(agent: AgentProc) -> int:
    con = sqlite3.connect(agent.state_dir / "spool.sqlite3")
    try:
        row = con.execute("SELECT min(seq) FROM batches").fetchone()
        return int(row[0]) if row[0] is not None else 1 << 62
    finally:
        con.close()


@pytest.mark.slow
def test_an_overflow_gap_is_recorded_once(tmp_path: Path) -> None:
    data = tmp_path / "collector"
    eus(data, "init")
    eus(data, "customer", "create", "Acme")
    collector = CollectorProc(data).start()
    agent = AgentProc(tmp_path / "agent", "agent", {"EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.2"})
    try:
        token = eus(data, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
        agent.enroll(collector, token)
        # Offline, the spool overflowed: seqs 1..2 became one gap row numbered 2.
        spool = Spool(agent.state_dir / "spool.sqlite3", journal_path=agent.journal)
        for i in range(3):
            spool.append(_event_batch(i))
        spool.max_bytes = spool.stats().nbytes * 3 // 4
        spool.append(_event_batch(3))
        head = eus_pb2.Batch.FromString(spool.read_after(0, 1)[0].payload)
        assert (head.seq, head.gap.from_seq) == (2, 1), "the test spool did not overflow as planned"
        spool.close()
        agent.start()
        wait_for(lambda: "streaming to" in agent.log_path.read_text(), 60, "the agent to stream")
        wait_for(lambda: _lowest_held(agent) > 4, 60, "the acks of the spooled batches")
        assert agent.stop() == 0, agent.log_tail()
    finally:
        if agent.alive:
            agent.stop()
        if collector.alive:
            assert collector.stop() == 0, collector.log_tail()
    gaps = query(data, "SELECT from_seq, to_seq, reason FROM gaps")
    assert [(g[0], g[1]) for g in gaps] == [(1, 2)]
    assert gaps[0][2] == REASON_MAX_BYTES
    assert "no longer holds" not in collector.log_path.read_text()
    assert query(data, "SELECT count(*) FROM events WHERE kind = 'test.fill'") == [(2,)]  # seqs 3 and 4
