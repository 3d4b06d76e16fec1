"""The real eus-agent process with functions from its config file and from the collector,
streaming to the real collector: results land in ``function_results``, the log check counts
every line exactly once across an agent restart, and a hung check is cut at its timeout."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from support.procs import AgentProc, CollectorProc, eus
from support.tsdb import query
from support.waits import wait_for

from agent_functions.targets import closed_port, silent_listener
from collector.functions.central import add_spec
from collector.functions.specs import validate
from collector.store.db import Store
from collector.store.models import Device

OK, WARNING, CRITICAL, UNKNOWN = 1, 2, 3, 0


def _count(state: Path) -> int:
    try:
        return int(json.loads((state / "functions" / "log_offsets.json").read_text())["app"]["count"])
    except (OSError, ValueError, KeyError):
        return -1


def _add_central_spec(collector: CollectorProc, agent_id: str, marker: Path) -> None:
    store = Store(f"sqlite:///{collector.data_dir / 'eus.sqlite3'}")
    try:
        with store.session() as s:
            device = s.query(Device).filter_by(agent_id=agent_id).one()
            spec = validate("file", "Backup marker", "5", "", f"path={marker}\nmax_age_s=3600")
            add_spec(s, device, spec, actor="test")
    finally:
        store.dispose()


@pytest.mark.slow
def test_agent_checks_functions_and_the_collector_keeps_every_result(
    collector: CollectorProc, tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    log.write_text("ERROR from before the agent\n")
    marker = tmp_path / "backup.done"
    marker.write_text("ok\n")
    with silent_listener() as silent, closed_port() as closed:
        config = tmp_path / "agent.toml"
        config.write_text(
            f"""
[functions.app]
kind = "log"
path = "{log}"
pattern = "ERROR"
interval_s = 1

[functions.port]
kind = "tcp"
name = "Database port"
host = "127.0.0.1"
port = {closed}
interval_s = 1

[functions.hang]
kind = "http"
url = "http://127.0.0.1:{silent}/health"
interval_s = 2
timeout_s = 1
"""
        )
        state = tmp_path / "agent"
        agent = AgentProc(
            state, "fn", {"EUS_AGENT_CONFIG": str(config), "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.2"}
        )
        token = eus(collector.data_dir, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
        agent_id = agent.enroll(collector, token)
        _add_central_spec(collector, agent_id, marker)  # pushed to the agent after its Hello
        try:
            agent.start()
            wait_for(lambda: _count(state) == 0, 60, f"the first look at the log:\n{agent.log_tail()}")
            with log.open("a") as fh:
                fh.write("ERROR one\nall fine\nERROR two\nERROR three\n")
            wait_for(lambda: _count(state) == 3, 30, "three matches")
            wait_for(lambda: (state / "functions" / "pushed.binpb").exists(), 30, "the pushed function")
            assert agent.stop() == 0, agent.log_tail()

            with log.open("a") as fh:  # while the agent is down
                fh.write("ERROR four\n")
            agent.start()
            wait_for(lambda: _count(state) == 4, 60, f"the fourth match:\n{agent.log_tail()}")
            wait_for(lambda: agent.log_tail(1000).count("streaming to") >= 2, 30, "the second stream")
            assert agent.stop() == 0, agent.log_tail()
        finally:
            agent.stop()
    collector.stop()

    rows = query(
        collector.data_dir,
        "SELECT function_id, kind, name, status, message, metrics FROM function_results ORDER BY ts",
    )
    by_id: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_id[str(row[0])].append(row)
    assert {"app", "port", "hang", "file:backup-marker"} <= set(by_id), sorted(by_id)

    app = [json.loads(str(r[5])) for r in by_id["app"]]
    assert sum(m["matches"] for m in app) == 4  # each line once, across the restart
    assert max(m["total"] for m in app) == 4

    port = by_id["port"]
    assert all(r[3] == CRITICAL and "connection refused" in str(r[4]) for r in port)
    assert port[0][2] == "Database port"

    hang = by_id["hang"]
    assert all(r[3] == CRITICAL for r in hang)
    assert "timed out after 1 s" in {str(r[4]) for r in hang}

    central = by_id["file:backup-marker"]
    assert central[-1][3] == OK
    assert central[-1][2] == "Backup marker"
    assert str(marker) in str(central[-1][4])
