"""Damaged files end in a diagnosis, not a restart loop: real files, real damage, and the
programs started as the shipped units start them (ExecStart= and Environment=)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from support.procs import AgentProc, CollectorProc, eus
from support.tsdb import query
from support.units import start_unit, unit_command, unit_env
from support.waits import free_port, wait_for

from collector.startup_checks import EXIT_DAMAGED_FILE, RECOVERY

COLLECTOR_UNIT = "eus-collector.service"
AGENT_UNIT = "eus-agent.service"
PAGE = 4096
README = Path(__file__).resolve().parents[2] / "README.md"


def overwrite(path: Path, offset: int, length: int) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        fh.write(os.urandom(length))


def truncate_half(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


@pytest.fixture(scope="module")
def used_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collector data directory with both databases, written by a real collector run."""
    data = tmp_path_factory.mktemp("used") / "collector"
    eus(data, "init")
    eus(data, "customer", "create", "Acme")
    CollectorProc(data).start().stop()
    assert (data / "metrics.duckdb").stat().st_size > 0 and (data / "eus.sqlite3").stat().st_size > 0
    return data


def collector_toml(path: Path, data: Path) -> Path:
    path.write_text(
        f'data_dir = "{data}"\nlisten_host = "127.0.0.1"\nstream_port = {free_port()}\n'
        f"enroll_port = {free_port()}\nweb_port = {free_port()}\n"
    )
    return path


# file, damage, what the reason names
COLLECTOR_CASES: list[tuple[str, Callable[[Path], None]]] = [
    ("metrics.duckdb", lambda p: overwrite(p, PAGE, 2 * PAGE)),  # a checksummed block
    ("metrics.duckdb", lambda p: overwrite(p, 0, PAGE)),  # the header
    ("metrics.duckdb", truncate_half),
    ("eus.sqlite3", lambda p: overwrite(p, 0, 100)),  # the header
    ("eus.sqlite3", lambda p: overwrite(p, p.stat().st_size // 2 // PAGE * PAGE, 2 * PAGE)),
    ("eus.sqlite3", truncate_half),
]


@pytest.mark.parametrize(
    ("name", "harm"),
    COLLECTOR_CASES,
    ids=[f"{n}-{i}" for i, (n, _) in enumerate(COLLECTOR_CASES)],
)
def test_the_collector_refuses_a_damaged_database_with_one_line(
    tmp_path: Path, used_data_dir: Path, name: str, harm: Callable[[Path], None]
) -> None:
    data = tmp_path / "collector"
    shutil.copytree(used_data_dir, data)
    damaged = data / name
    harm(damaged)
    before = damaged.read_bytes()
    proc = subprocess.run(
        unit_command(COLLECTOR_UNIT, collector_toml(tmp_path / "collector.toml", data)),
        env=unit_env(COLLECTOR_UNIT),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == EXIT_DAMAGED_FILE, output
    assert "Traceback" not in output
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith(f"eus-collector: {damaged} is damaged (")
    assert lines[0].endswith(f"): {RECOVERY}")
    assert damaged.read_bytes() == before, "the check must not change the damaged file"
    assert not (data / "run" / "endpoints.json").exists()


def test_the_readme_has_the_recovery_section_the_line_points_to() -> None:
    text = README.read_text(encoding="utf-8")
    assert "## Recovering from a damaged file" in text
    for name in ("metrics.duckdb", "eus.sqlite3", ".damaged-"):
        assert name in text


def agent_toml(path: Path, agent: AgentProc) -> Path:
    fast = "\n".join(f"[collectors.{n}]\ninterval_s = 0.3" for n in ("cpu", "memory", "netio", "diskio"))
    path.write_text(
        f'[agent]\nstate_dir = "{agent.state_dir}"\nlog_level = "INFO"\n'
        f'[spool]\njournal_path = "{agent.journal}"\n'
        "[transport]\nbackoff_max_s = 1.0\ndrain_timeout_s = 2.0\n"
        "[batch]\nflush_interval_s = 0.2\n" + fast + "\n"
    )
    return path


def integrity(path: Path) -> str:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(db.execute("PRAGMA quick_check").fetchall()[0][0])
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        db.close()


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.terminate()
    return proc.wait(60)


@pytest.mark.slow
def test_the_agent_salvages_a_damaged_spool_and_the_collector_records_the_loss(tmp_path: Path) -> None:
    data = tmp_path / "collector"
    eus(data, "init")
    eus(data, "customer", "create", "Acme")
    collector = CollectorProc(data).start()
    agent = AgentProc(tmp_path / "agent", "agent")
    token = eus(data, "token", "create", "--customer", "Acme").stdout.strip()
    agent.enroll(collector, token)
    collector.stop()  # the agent spools what it cannot send
    config = agent_toml(tmp_path / "agent.toml", agent)
    spool = agent.state_dir / "spool.sqlite3"

    proc = start_unit(AGENT_UNIT, config, agent.log_path)
    try:
        wait_for(lambda: len(agent.produced()) >= 120, 90, "120 spooled batches")
    finally:
        assert stop(proc) == 0, agent.log_tail()
    old = {(int(p["epoch"]), int(p["seq"])) for p in agent.produced()}
    assert len(agent.spooled_seqs()) == len(old), "nothing was sent: every batch is still spooled"
    overwrite(spool, spool.stat().st_size // 2 // PAGE * PAGE, 4 * PAGE)
    assert integrity(spool) != "ok"

    collector.start()
    offset = agent.log_path.stat().st_size
    proc = start_unit(AGENT_UNIT, config, agent.log_path)
    try:
        wait_for(lambda: "is damaged" in agent.log_tail(200), 60, "the agent's line about its spool")
        wait_for(lambda: not agent.spooled_seqs(), 90, "the collector to acknowledge the new spool")
        assert proc.poll() is None, "the agent keeps running on its new spool"
    finally:
        assert stop(proc) == 0, agent.log_tail()
        collector.stop()

    log = agent.log_path.read_text()[offset:]
    assert "Traceback" not in log
    (line,) = [x for x in log.splitlines() if "is damaged" in x]
    asides = list(spool.parent.glob("spool.sqlite3.damaged-*[0-9]Z"))
    assert len(asides) == 1 and str(spool) in line and str(asides[0]) in line

    match = re.search(r"; (\d+) batches salvaged into a new spool \(epoch (\d+)\), (\d+) unreadable", line)
    assert match, line
    kept, new_epoch, lost = (int(g) for g in match.groups())
    assert kept > 0 and kept + lost <= len(old)
    # Everything of the new epoch reached the collector once: the salvaged batches, the gap and
    # what was collected since.
    journal = sorted(int(p["seq"]) for p in agent.produced() if int(p["epoch"]) == new_epoch)
    rows = query(data, "SELECT seq FROM batches WHERE epoch = ? ORDER BY seq", [new_epoch])
    stored = [int(str(s)) for (s,) in rows]
    assert stored == journal == list(range(1, len(journal) + 1))
    gaps = query(data, "SELECT from_seq, to_seq, reason FROM gaps WHERE epoch = ?", [new_epoch])
    assert gaps and all("damaged" in str(g[2]) and asides[0].name in str(g[2]) for g in gaps), gaps
