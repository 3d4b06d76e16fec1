"""The composed agent: in process, and as the real ``eus-agent`` process with signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

import pytest
from support.waits import wait_for

from agent.app import Agent
from agent.cli import main
from agent.collectors.base import Sample, SeriesKey
from agent.config import Config, load
from agent.enroll import Identity, write_identity
from agent_core.fake_collector import FakeCollector, StreamServer
from agent_core.pki import TestCA
from eus.v1 import eus_pb2

REPO = Path(__file__).resolve().parents[2]


def make_identity(ca: TestCA, state_dir: Path, address: str) -> Identity:
    key, cert = ca.client("agent-7")
    response = eus_pb2.EnrollResponse(
        agent_id="agent-7", certificate_pem=cert, ca_pem=ca.ca_pem, customer="Acme"
    )
    return write_identity(state_dir, response, key, ca.ca_pem, address)


def agent_env(state_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EUS_")}
    env.update(
        {
            "EUS_AGENT_STATE_DIR": str(state_dir),
            "EUS_AGENT_SPOOL_JOURNAL_PATH": str(state_dir / "journal.jsonl"),
            "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.1",
            "EUS_AGENT_TRANSPORT_BACKOFF_INITIAL_S": "0.05",
            "EUS_AGENT_TRANSPORT_BACKOFF_MAX_S": "0.3",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def journal(state_dir: Path) -> list[dict[str, int]]:
    path = state_dir / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


class Ticking:
    name = "ticking"
    default_interval_s = 0.05

    def __init__(self) -> None:
        self.runs = 0
        self.lock = threading.Lock()

    def collect(self) -> Iterable[Sample]:
        with self.lock:
            self.runs += 1
            return [Sample(SeriesKey("tick.count", (("n", "a"),), "count"), float(self.runs))]


def test_agent_in_process_streams_applies_config_and_says_goodbye(
    ca: TestCA, fake: FakeCollector, server: StreamServer, tmp_path: Path
) -> None:
    identity = make_identity(ca, tmp_path / "state", server.address)
    config = load(env=agent_env(tmp_path / "state"))
    fake.config = eus_pb2.AgentConfig(collector_interval_s={"ticking": 0.02, "not-here": 1.0})
    ticking = Ticking()
    agent = Agent(config, identity, collectors=[(ticking, 0.05)])
    agent.start()
    try:
        wait_for(lambda: agent.runner.intervals["ticking"] == 0.02, what="the pushed interval")
        wait_for(lambda: fake.hwm(agent.spool.epoch) >= 5, what="batches committed")
    finally:
        drained = agent.stop("SIGTERM")
    assert drained
    (log,) = fake.streams
    assert log.peer_cn == "agent-7" and log.violations == []
    assert log.messages[0].hello.agent_id == "agent-7"
    assert log.goodbye is not None and log.goodbye.reason == "SIGTERM"
    produced = {(j["epoch"], j["seq"]): j["samples"] for j in journal(tmp_path / "state")}
    stored = {k: v for k, v in fake.samples.items() if k[0] == log.messages[0].hello.spool_epoch}
    assert produced == stored
    assert sum(produced.values()) == ticking.runs


def run_agent(state_dir: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agent", "run"],
        cwd=REPO,
        env=agent_env(state_dir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str]:
    proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=10)
        pytest.fail(f"eus-agent did not exit after {sig.name}:\n{out}")
    return proc.returncode, out


def test_eus_agent_run_sigkill_then_sigterm_loses_nothing(
    ca: TestCA, fake: FakeCollector, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    server = StreamServer(ca, fake).start()
    server.stop()  # the collector is down at first: everything goes to the spool
    make_identity(ca, state, server.address)

    first = run_agent(state, EUS_AGENT_COLLECTOR_CPU_INTERVAL_S="0.2")
    try:
        wait_for(
            lambda: len(journal(state)) >= 3, timeout=30, what="batches spooled while the collector is down"
        )
    finally:
        code, out = finish(first, signal.SIGKILL)
    assert code == -signal.SIGKILL
    spooled_before_kill = journal(state)

    with StreamServer(ca, fake, port=server.port):
        second = run_agent(state, EUS_AGENT_COLLECTOR_CPU_INTERVAL_S="0.2")
        try:
            epoch = spooled_before_kill[0]["epoch"]
            last = spooled_before_kill[-1]["seq"]
            wait_for(
                lambda: fake.hwm(epoch) >= last + 1, timeout=30, what="the spool and new batches delivered"
            )
        finally:
            code, out = finish(second, signal.SIGTERM)
        assert code == 0, out
    assert "SIGTERM received" in out and "everything acknowledged" in out

    produced = {(j["epoch"], j["seq"]): j["samples"] for j in journal(state)}
    assert {j["epoch"] for j in journal(state)} == {epoch}  # same spool file, same epoch after SIGKILL
    assert fake.samples == produced  # nothing lost, nothing extra
    assert fake.hwm(epoch) == max(seq for _, seq in produced)
    log = fake.streams[-1]
    assert log.goodbye is not None and log.goodbye.reason == "SIGTERM"
    assert all(s.violations == [] for s in fake.streams)


def test_run_without_identity_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "run"],
        cwd=REPO,
        env=agent_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "not enrolled" in proc.stderr and "eus-agent enroll" in proc.stderr


def test_run_does_not_import_cryptography() -> None:
    code = (
        "import sys, agent.cli, agent.app, agent.transport, agent.collectors.all; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'cryptography'); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_collect_once_prints_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EUS_AGENT_STATE_DIR", str(tmp_path))
    assert main(["collect-once", "--collector", "memory"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and all(r["collector"] == "memory" for r in lines)
    assert {"name", "labels", "unit", "monotonic", "value", "ts_ms"} <= set(lines[0])
    assert main(["collect-once", "--collector", "no-such"]) == 2


def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "agent.toml"
    path.write_text("[agent]\nstate_dri = 'x'\n")
    assert main(["run", "--config", str(path)]) == 2
    assert "unknown setting" in capsys.readouterr().err


def test_config_object_is_what_the_app_uses(tmp_path: Path) -> None:
    cfg = load(env=agent_env(tmp_path))
    assert isinstance(cfg, Config) and cfg.spool_path == tmp_path / "spool.sqlite3"
