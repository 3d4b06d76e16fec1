"""The collector's strict configuration: every setting validated, one line per error, exit 2."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from support.procs import REPO, base_env, run_script

from collector.config import CollectorConfig, ConfigError, load
from eus.settings import Layer, build


def toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "collector.toml"
    path.write_text(text)
    return path


def test_defaults_file_environment_overrides_in_that_order(tmp_path: Path) -> None:
    path = toml(tmp_path, '[collector]\nweb_port = 9000\nweb_threads = 4\nserver_names = ["eus.example"]\n')
    cfg = load(path, env={"EUS_WEB_PORT": "9001", "EUS_OFFLINE_AFTER_S": "2m"}, overrides={"web_threads": 2})
    assert (cfg.web_port, cfg.web_threads, cfg.server_names, cfg.offline_after_s) == (
        9001,
        2,
        ("eus.example",),
        120.0,
    )
    assert cfg.stream_port == CollectorConfig().stream_port
    assert load(None, env={}) == CollectorConfig()


def test_the_file_comes_from_eus_config_and_may_omit_the_section(tmp_path: Path) -> None:
    path = toml(tmp_path, "smtp_starttls = false\n")
    assert load(None, env={"EUS_CONFIG": str(path)}).smtp_starttls is False


def test_agent_variables_in_the_same_environment_are_not_the_collectors() -> None:
    assert load(None, env={"EUS_AGENT_STATE_DIR": "/x", "EUS_CONFIG": ""}) == CollectorConfig()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("stream_port = 70000", "stream_port = 70000 in {path}: must be 1..65535"),
        ("max_message_bytes = -1", "max_message_bytes = -1 in {path}: must be 1048576..2147483647"),
        ("max_message_bytes = 0", "max_message_bytes = 0 in {path}: must be 1048576..2147483647"),
        ("web_threads = 0", "web_threads = 0 in {path}: must be at least 1"),
        ("agent_cert_days = -1", "agent_cert_days = -1 in {path}: must be 1..3650"),
        ('smtp_starttls = "sometimes"', 'smtp_starttls = "sometimes" in {path}: must be true or false'),
        ('offline_after_s = "soon"', 'offline_after_s = "soon" in {path}: must be a duration such as'),
        (
            'business_timezone = "Mars/Olympus"',
            'business_timezone = "Mars/Olympus" in {path}: must be a time',
        ),
        ('business_hours = "weekdays"', 'business_hours = "weekdays" in {path}: must be days and hours'),
        (
            'advertised_stream_address = "eus"',
            'advertised_stream_address = "eus" in {path}: must be "host:port"',
        ),
        ('webhook_url = "ftp://x"', 'webhook_url = "ftp://x" in {path}: must be an http:// or https:// URL'),
        ('listen_host = ""', 'listen_host = "" in {path}: must be a host name or address'),
        ("ack_window = 64", "ack_window in {path}: unknown setting"),
        ("stream_prot = 1", "stream_prot in {path}: unknown setting (did you mean stream_port?)"),
        ("[other]\nx = 1", "other in {path}: unknown setting"),
        ("smtp_password = 1", "smtp_password = *** in {path}: must be a string"),
        ("server_names = []", "server_names = [] in {path}: must name at least one host name or address"),
    ],
)
def test_a_bad_file_value_is_one_line_naming_setting_and_file(tmp_path: Path, text: str, line: str) -> None:
    path = toml(tmp_path, text + "\n")
    with pytest.raises(ConfigError) as info:
        load(path, env={})
    assert len(info.value.lines) == 1
    assert info.value.lines[0].startswith(line.format(path=path))


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"EUS_WEB_THREADS": "0"}, "EUS_WEB_THREADS=0 (environment): must be at least 1"),
        ({"EUS_STREAM_PORT": "x"}, "EUS_STREAM_PORT=x (environment): must be a whole number"),
        ({"EUS_SMTP_STARTTLS": "nah"}, "EUS_SMTP_STARTTLS=nah (environment): must be true or false"),
        ({"EUS_SMTP_PASWORD": "hunter2"}, "EUS_SMTP_PASWORD (environment): unknown setting (did you mean"),
        ({"EUS_EXTRA": "1"}, "EUS_EXTRA (environment): unknown setting"),
    ],
)
def test_a_bad_variable_is_one_line_naming_the_variable(env: dict[str, str], line: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(None, env=env)
    assert info.value.lines[0].startswith(line)
    assert "hunter2" not in str(info.value)


def test_every_bad_setting_is_reported_at_once(tmp_path: Path) -> None:
    path = toml(tmp_path, "[collector]\nstream_port = 0\nweb_port = 65536\n")
    with pytest.raises(ConfigError) as info:
        load(path, env={"EUS_REVOCATION_POLL_S": "0"})
    assert [line.split(" ", 1)[0] for line in info.value.lines] == [
        "stream_port",
        "web_port",
        "EUS_REVOCATION_POLL_S=0",
    ]


def test_the_two_agent_ports_must_differ() -> None:
    with pytest.raises(ConfigError, match="enroll_port = 7443: must differ from stream_port"):
        load(None, env={"EUS_ENROLL_PORT": "7443"})


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [f.name for f in fields(CollectorConfig) if f"`{f.name}`" not in readme]
    assert missing == []


def test_the_collector_refuses_to_start_with_one_line_per_bad_setting(tmp_path: Path) -> None:
    path = toml(tmp_path, "[collector]\nstream_port = 70000\nmax_message_bytes = 0\n")
    env = {**base_env(), "EUS_WEB_THREADS": "0", "EUS_DATA_DIR": str(tmp_path / "data")}
    proc = run_script("eus-collector", "--config", str(path), env=env)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"eus-collector: stream_port = 70000 in {path}: must be 1..65535",
        f"eus-collector: max_message_bytes = 0 in {path}: must be 1048576..2147483647",
        "eus-collector: EUS_WEB_THREADS=0 (environment): must be at least 1",
    ]
    assert not (tmp_path / "data").exists()  # refused before touching anything


def test_the_admin_cli_reports_the_same_way(tmp_path: Path) -> None:
    path = toml(tmp_path, "agent_cert_days = 0\n")
    proc = run_script("eus", "--config", str(path), "--data", str(tmp_path / "data"), "customer", "list")
    assert (proc.returncode, proc.stderr) == (2, f"eus: agent_cert_days = 0 in {path}: must be 1..3650\n")


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^cannot read .*missing\.toml: No such file"):
        load(tmp_path / "missing.toml", env={})
    with pytest.raises(ConfigError, match=r"invalid TOML"):
        load(toml(tmp_path, "stream_port = = 1"), env={})


def test_every_default_passes_its_own_declaration() -> None:
    defaults = CollectorConfig()
    values = {f.name: getattr(defaults, f.name) for f in fields(CollectorConfig)}
    assert build(CollectorConfig, [Layer(values, "defaults", from_file=False)]) == defaults
