"""Crash the collector and an agent mid-stream, keep the collector down for a minute:
every batch each agent spooled must be in DuckDB exactly once, while compaction moves
samples into blocks and rollups every second."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from support.procs import AgentProc, CollectorProc, eus
from support.tsdb import points_of_device, query
from support.waits import wait_for

FAST = {
    # Every collector every 0.3 s and a flush every 0.2 s: many small batches in flight.
    **{
        f"EUS_AGENT_COLLECTOR_{name}_INTERVAL_S": "0.3"
        for name in ("CPU", "MEMORY", "NETIO", "DISKIO", "HOST")
    },
    "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.2",
    "EUS_AGENT_TRANSPORT_BACKOFF_MAX_S": "2",
    # A clean stop waits this long for the last acks: ample on a busy machine.
    "EUS_AGENT_TRANSPORT_DRAIN_TIMEOUT_S": "30",
}
# Compaction every second on 1-s windows, so it runs (and is killed) beside ingest.
COMPACT_OFTEN = {"EUS_COMPACT_EVERY_S": "1", "EUS_COMPACT_WINDOW_S": "1", "EUS_COMPACT_LAG_S": "0"}


@pytest.mark.slow
def test_no_batch_lost_or_duplicated_across_crashes(tmp_path: Path) -> None:
    data = tmp_path / "collector"
    eus(data, "init")
    eus(data, "customer", "create", "Acme")
    collector = CollectorProc(data, COMPACT_OFTEN).start()
    agents = [AgentProc(tmp_path / f"agent{i}", f"agent{i}", FAST) for i in range(3)]
    ids = {}
    try:
        for a in agents:
            token = eus(data, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
            ids[a.name] = a.enroll(collector, token)
            a.start()

        def all_producing(n: int) -> bool:
            return all(len(a.produced()) >= n for a in agents)

        wait_for(lambda: all_producing(10), 60, "the agents to spool batches")
        collector.kill()  # mid-stream crash
        collector.start()
        wait_for(lambda: all_producing(40), 60, "more batches after the collector restart")
        agents[1].kill()  # an agent crash
        agents[1].start()
        wait_for(lambda: all_producing(60), 60, "more batches after the agent restart")
        collector.kill()
        before = [len(a.produced()) for a in agents]
        time.sleep(60)  # the collector is down for a minute; agents keep spooling
        assert all(len(a.produced()) > b + 50 for a, b in zip(agents, before, strict=True)), (
            "agents stopped spooling"
        )
        assert all(a.alive for a in agents)
        # The last seq each agent spooled while the collector was down (the newest epoch's).
        marks = [
            max(p["seq"] for p in a.produced() if p["epoch"] == a.produced()[-1]["epoch"]) for a in agents
        ]
        collector.start()
        for a, mark in zip(agents, marks, strict=True):  # that backlog is acknowledged, however slowly

            def acked(a: AgentProc = a, mark: int = mark) -> bool:
                return min(a.spooled_seqs(), default=mark + 1) > mark

            wait_for(acked, 120, f"{a.name}'s backlog to be acknowledged")
        for a in agents:  # a clean stop drains: the agent waits for the last acks
            assert a.stop() == 0, a.log_tail()
    finally:
        for a in agents:
            if a.alive:
                a.stop()
        if collector.alive:
            assert collector.stop() == 0, collector.log_tail()

    devices = {str(agent_id): int(dev) for agent_id, dev in _devices(data)}
    for a in agents:
        produced = a.produced()
        assert produced, f"{a.name} produced nothing"
        device = devices[ids[a.name]]
        stored = query(
            data, "SELECT epoch, seq, samples FROM batches WHERE device_id = ? ORDER BY epoch, seq", [device]
        )
        expected = sorted((int(p["epoch"]), int(p["seq"]), int(p["samples"])) for p in produced)
        lost = sorted(set(expected) - set(stored))
        unexpected = sorted(set(stored) - set(expected))
        assert not lost, f"{a.name}: {len(lost)} spooled batch(es) missing from DuckDB, e.g. {lost[:5]}"
        assert not unexpected, f"{a.name}: DuckDB holds batches the agent never spooled: {unexpected[:5]}"
        assert len(stored) == len(expected)
        rows, distinct = points_of_device(data, device)
        assert rows == sum(e[2] for e in expected), (
            f"{a.name}: {rows} rows stored for {sum(e[2] for e in expected)} sampled"
        )
        assert rows == distinct, f"{a.name}: duplicated samples"
    assert len({e for a in agents for e in (int(p["epoch"]) for p in a.produced())}) >= 3
    assert query(data, "SELECT count(*) > 0 FROM sample_blocks") == [(True,)], "compaction never ran"
    assert query(data, "SELECT count(*) > 0 FROM rollup_blocks") == [(True,)]


def _devices(data: Path) -> list[tuple[str, int]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{data / 'eus.sqlite3'}")
    with engine.connect() as conn:
        rows = [(str(r[0]), int(r[1])) for r in conn.execute(text("SELECT agent_id, id FROM devices")).all()]
    engine.dispose()
    return rows
