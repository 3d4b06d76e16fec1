"""Layered agent configuration: defaults -> TOML -> EUS_AGENT_* environment."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from support.procs import base_env, run_script

from agent.config import (
    AgentSection,
    BatchSection,
    CollectorOverride,
    Config,
    ConfigError,
    SpoolSection,
    TransportSection,
    load,
)
from eus.settings import Layer, build


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.toml"
    path.write_text(text)
    return path


def test_defaults(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, ""), env={})
    assert cfg.agent.state_dir == Path("/var/lib/eus-agent")
    assert cfg.spool_path == Path("/var/lib/eus-agent/spool.sqlite3")
    assert (cfg.spool.max_bytes, cfg.spool.max_age_s, cfg.spool.journal_path) == (
        256 * 2**20,
        7 * 86400.0,
        "",
    )
    assert (cfg.transport.window, cfg.transport.backoff_initial_s, cfg.transport.backoff_max_s) == (
        32,
        0.5,
        30.0,
    )
    assert cfg.transport.drain_timeout_s == 5.0
    assert (cfg.batch.max_batch_samples, cfg.batch.flush_interval_s) == (5000, 1.0)
    assert cfg.collectors == {}
    assert Config().agent.log_level == "INFO"


def test_file_then_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [agent]
        state_dir = "/srv/agent"
        log_level = "debug"
        stream_address = "collector:7443"

        [spool]
        max_bytes = 1000
        journal_path = "/tmp/j.jsonl"

        [transport]
        window = 8
        backoff_max_s = 10

        [collectors.cpu]
        interval_s = 2.5

        [collectors.disk]
        enabled = false
        """,
    )
    env = {
        "EUS_AGENT_STATE_DIR": "/override",
        "EUS_AGENT_SPOOL_MAX_BYTES": "2000",
        "EUS_AGENT_TRANSPORT_DRAIN_TIMEOUT_S": "1.5",
        "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.2",
        "EUS_AGENT_COLLECTOR_CPU_ENABLED": "no",
        "EUS_AGENT_COLLECTOR_DISK_IO_INTERVAL_S": "0.3",
        "OTHER": "ignored",
    }
    cfg = load(path, env=env)
    assert cfg.source == path
    assert cfg.agent.state_dir == Path("/override")
    assert (cfg.agent.log_level, cfg.agent.stream_address) == ("DEBUG", "collector:7443")
    assert (cfg.spool.max_bytes, cfg.spool.journal_path) == (2000, "/tmp/j.jsonl")
    assert (cfg.transport.window, cfg.transport.backoff_max_s, cfg.transport.drain_timeout_s) == (
        8,
        10.0,
        1.5,
    )
    assert cfg.batch.flush_interval_s == 0.2
    assert cfg.collectors == {
        "cpu": CollectorOverride(enabled=False, interval_s=2.5),
        "disk": CollectorOverride(enabled=False),
        "disk_io": CollectorOverride(interval_s=0.3),
    }


def test_config_file_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[batch]\nmax_batch_samples = 7\n")
    assert load(env={"EUS_AGENT_CONFIG": str(path)}).batch.max_batch_samples == 7


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[agent]\nstate_dri = '/x'\n", {}, "unknown setting"),
        ("[spooll]\n", {}, "unknown section"),
        ("[collectors.cpu]\ninterval = 3\n", {}, "unknown setting"),
        ("[transport]\nwindow = 'many'\n", {}, "window"),
        ("[transport]\nwindow = 2.5\n", {}, "transport.window = 2.5 in .*: must be a whole number"),
        ("[transport]\nwindow = 0\n", {}, "transport.window = 0 in .*: must be at least 1"),
        ("[agent]\nlog_level = 'chatty'\n", {}, "log_level"),
        (
            "[collectors.cpu]\nenabled = 'maybe'\n",
            {},
            'collectors.cpu.enabled = "maybe" in .*: must be true or false',
        ),
        ("[collectors.cpu]\ninterval_s = -1\n", {}, "interval_s"),
        ("this is = not toml", {}, "invalid TOML"),
        (
            "",
            {"EUS_AGENT_SPOOL_MAX_BYTE": "1"},
            "unknown setting \\(did you mean EUS_AGENT_SPOOL_MAX_BYTES\\?\\)",
        ),
        ("", {"EUS_AGENT_COLLECTOR_CPU": "1"}, "EUS_AGENT_COLLECTOR_<NAME>"),
        (
            "",
            {"EUS_AGENT_SPOOL_MAX_BYTES": "lots"},
            "EUS_AGENT_SPOOL_MAX_BYTES=lots \\(environment\\): must be a whole number",
        ),
    ],
)
def test_errors_are_clear(tmp_path: Path, text: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(write(tmp_path, text), env=env)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load(tmp_path / "nope.toml", env={})


def test_durations_take_units_and_every_problem_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[spool]\nmax_age_s = '3d'\n[transport]\nbackoff_max_s = '1m30s'\n")
    cfg = load(path, env={"EUS_AGENT_COLLECTOR_CPU_INTERVAL_S": "5m"})
    assert (cfg.spool.max_age_s, cfg.transport.backoff_max_s) == (3 * 86400.0, 90.0)
    assert cfg.collectors["cpu"].interval_s == 300.0
    path = write(
        tmp_path, "[transport]\nwindow = 0\nbackoff_initial_s = 'soon'\n[collectors.cpu]\nenabled = 2\n"
    )
    with pytest.raises(ConfigError) as info:
        load(path, env={"EUS_AGENT_BATCH_MAX_BATCH_SAMPLES": "0", "EUS_AGENT_WINDOW": "1"})
    assert [line.split(":")[0] for line in info.value.lines] == [
        "EUS_AGENT_WINDOW (environment)",
        "transport.window = 0 in " + str(path),
        'transport.backoff_initial_s = "soon" in ' + str(path),
        "EUS_AGENT_BATCH_MAX_BATCH_SAMPLES=0 (environment)",
        "collectors.cpu.enabled = 2 in " + str(path),
    ]


def test_backoff_bounds_are_checked_together(tmp_path: Path) -> None:
    path = write(tmp_path, "[transport]\nbackoff_initial_s = 10\nbackoff_max_s = 5\n")
    with pytest.raises(ConfigError, match=r"backoff_max_s = 5: must be at least transport.backoff_initial_s"):
        load(path, env={})


def test_the_agent_refuses_to_start_with_one_line_per_bad_setting(tmp_path: Path) -> None:
    path = write(tmp_path, "[transport]\nwindow = 0\n[spool]\nmax_age_s = 'forever'\n")
    env = {
        **base_env(),
        "EUS_AGENT_STATE_DIR": str(tmp_path / "state"),
        "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0",
    }
    proc = run_script("eus-agent", "run", "--config", str(path), env=env)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f'eus-agent: spool.max_age_s = "forever" in {path}: '
        "must be a duration such as 90, 30s, 5m, 2h, 1d, 1w or 1h30m",
        f"eus-agent: transport.window = 0 in {path}: must be at least 1",
        "eus-agent: EUS_AGENT_BATCH_FLUSH_INTERVAL_S=0 (environment): must be more than 0",
    ]
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize(
    "cls", [AgentSection, SpoolSection, TransportSection, BatchSection, CollectorOverride]
)
def test_every_default_passes_its_own_declaration(cls: type[Any]) -> None:
    defaults = cls()
    values = {f.name: getattr(defaults, f.name) for f in fields(cls) if getattr(defaults, f.name) is not None}
    assert build(cls, [Layer(values, "defaults", from_file=False)]) == defaults
