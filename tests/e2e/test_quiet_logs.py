"""Routine disconnects and clean stops are quiet, with real processes: no tracebacks, one line
each, and an agent stopping while the collector is down backs off instead of spinning."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from support.procs import AgentProc, CollectorProc, eus
from support.waits import wait_for

FAST = {
    "EUS_AGENT_COLLECTOR_CPU_INTERVAL_S": "0.3",
    "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.2",
    "EUS_AGENT_TRANSPORT_BACKOFF_MAX_S": "2",
}


def _since(path: Path, offset: int) -> str:
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read().decode(errors="replace")


@pytest.mark.slow
def _says(log: Path, text: str, since: int = 0) -> Callable[[], bool]:
    """A predicate: ``log`` holds ``text`` after byte ``since``."""
    return lambda: text in _since(log, since)


def test_clean_stops_and_disconnects_log_no_tracebacks(tmp_path: Path) -> None:
    data = tmp_path / "collector"
    eus(data, "init")
    eus(data, "customer", "create", "Acme")
    collector = CollectorProc(data).start()
    agents = [AgentProc(tmp_path / f"agent{i}", f"agent{i}", FAST) for i in range(2)]
    try:
        for a in agents:
            token = eus(data, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
            a.enroll(collector, token)
            a.start()
        for a in agents:
            wait_for(_says(a.log_path, "streaming to"), 60, f"{a.name} to stream")
        marks = {a.name: a.log_path.stat().st_size for a in agents}
        # A page served just before the stop: the web server's thread must not die of it.
        with urllib.request.urlopen(f"http://127.0.0.1:{collector.web_port}/login", timeout=30) as page:
            assert page.status == 200
        assert collector.stop() == 0, collector.log_tail()
        collector_log = collector.log_path.read_text()
        assert "Traceback" not in collector_log, collector_log[-3000:]
        assert "CancelledError" not in collector_log
        assert "Bad file descriptor" not in collector_log, collector_log[-3000:]
        for a in agents:  # the agents saw a routine disconnect
            wait_for(_says(a.log_path, "reconnecting", marks[a.name]), 30, "the disconnect")
        # Agents stop while the collector is unreachable: they back off for the drain time.
        for a in agents:
            marks[a.name] = a.log_path.stat().st_size
            assert a.stop() == 0, a.log_tail()
        for a in agents:
            text = _since(a.log_path, marks[a.name])
            assert "Traceback" not in text, text[-3000:]
            assert "RPC already finished" not in text
            lines = [line for line in text.splitlines() if line.strip()]
            assert len(lines) < 15, "\n".join(lines[-30:])
        everything = "".join(a.log_path.read_text() for a in agents)
        assert "Traceback" not in everything, everything[-3000:]
    finally:
        for a in agents:
            if a.alive:
                a.stop()
        if collector.alive:
            collector.stop()
