"""The shipped systemd units: they load cleanly, are sandboxed as claimed, and say what they must.

``systemd-analyze verify`` checks that an ExecStart= binary exists. The units name
``/opt/eus/venv/bin/...``, which is not installed here, so each unit is verified
byte-for-byte inside a throwaway root (``--root``) holding a copy of the host's unit
directory, the unit in ``/etc/systemd/system`` and a stub executable at the exact
ExecStart path. A control test proves verify does report defects in that set-up.

``systemd-analyze`` is required, not optional: ``make test`` installs it
(``scripts/system-deps.sh``), so its absence fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.units import UNIT_DIR, Unit, load_unit

REPO = Path(__file__).resolve().parents[2]
HOST_UNITS = Path("/usr/lib/systemd/system")

COLLECTOR = "eus-collector.service"
AGENT = "eus-agent.service"
UNITS = (COLLECTOR, AGENT)
MAX_EXPOSURE = {COLLECTOR: 2.0, AGENT: 5.0}
EXPECTED = {
    COLLECTOR: {
        "user": "eus",
        "state": "eus-collector",
        "exec": "/opt/eus/venv/bin/eus-collector --config /etc/eus/collector.toml",
        "caps": "",  # none at all
    },
    AGENT: {
        "user": "eus-agent",
        "state": "eus-agent",
        "exec": "/opt/eus/venv/bin/eus-agent run --config /etc/eus/agent.toml",
        "caps": "CAP_NET_BIND_SERVICE",  # a gateway agent receives SNMP traps on UDP 162
    },
}


def load(name: str) -> Unit:
    return load_unit(name)


def one(unit: Unit, key: str, section: str = "Service") -> str:
    values = unit.get((section, key), [])
    assert len(values) == 1, f"[{section}] {key}= should be set exactly once, found {values}"
    return values[0]


def exec_path(unit: Unit) -> str:
    return one(unit, "ExecStart").split()[0].lstrip("-@:+!")


def analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.fail(
            "systemd-analyze not found: install the Debian package 'systemd' "
            "(scripts/system-deps.sh test does it as root)"
        )
    return path


@dataclass(frozen=True)
class Result:
    returncode: int
    output: str


def run_analyze(*args: str, cwd: Path) -> Result:
    env = dict(os.environ, SYSTEMD_COLORS="0", SYSTEMD_PAGER="", SYSTEMD_LOG_COLOR="0")
    proc = subprocess.run(
        [analyze(), "--no-pager", *args],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    output = (proc.stdout + proc.stderr).decode("utf-8", errors="replace")
    return Result(proc.returncode, output)


def make_root(root: Path) -> Path:
    """A file-system root where our units, their ExecStart binaries and the host's units exist."""
    assert HOST_UNITS.is_dir(), f"{HOST_UNITS} missing: is the 'systemd' package installed?"
    shutil.copytree(HOST_UNITS, root / HOST_UNITS.relative_to("/"), symlinks=True)
    etc = root / "etc/systemd/system"
    etc.mkdir(parents=True)
    for name in UNITS:
        shutil.copyfile(UNIT_DIR / name, etc / name)
        stub = root / exec_path(load(name)).lstrip("/")
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        stub.chmod(0o755)
    return root


def verify(root: Path, names: tuple[str, ...]) -> Result:
    files = [str(root / "etc/systemd/system" / n) for n in names]
    return run_analyze("verify", f"--root={root}", *files, cwd=root)


def about_us(output: str, names: tuple[str, ...]) -> list[str]:
    return [line for line in output.splitlines() if any(n in line for n in names)]


def test_systemd_analyze_supports_offline_security() -> None:
    result = run_analyze("--help", cwd=REPO)
    assert result.returncode == 0, result.output
    assert "--offline=" in result.output, f"systemd-analyze too old for --offline:\n{result.output}"
    version = run_analyze("--version", cwd=REPO).output
    match = re.search(r"systemd (\d+)", version)
    assert match, version
    assert int(match.group(1)) >= 250, f"need systemd >= 250 for security --offline: {version}"


def test_units_verify_cleanly(tmp_path: Path) -> None:
    root = make_root(tmp_path / "root")
    result = verify(root, UNITS)
    assert result.returncode == 0, result.output
    assert about_us(result.output, UNITS) == [], result.output


def test_verify_setup_does_catch_defects(tmp_path: Path) -> None:
    """Control: in the fake root, verify still reports unknown keys and missing binaries."""
    root = make_root(tmp_path / "root")
    unit_file = root / "etc/systemd/system" / AGENT
    unit_file.write_text(
        unit_file.read_text(encoding="utf-8").replace("[Service]\n", "[Service]\nProtectEverything=yes\n"),
        encoding="utf-8",
    )
    (root / exec_path(load(COLLECTOR)).lstrip("/")).unlink()
    result = verify(root, UNITS)
    lines = about_us(result.output, UNITS)
    assert any("ProtectEverything" in line for line in lines), result.output
    assert any("eus-collector" in line and "not executable" in line for line in lines), result.output


@pytest.mark.parametrize("name", UNITS)
def test_exposure_level(name: str, tmp_path: Path) -> None:
    result = run_analyze("security", "--offline=true", str(UNIT_DIR / name), cwd=tmp_path)
    assert result.returncode == 0, result.output
    match = re.search(rf"Overall exposure level for {re.escape(name)}: (\d+(?:\.\d+)?)", result.output)
    assert match, f"no exposure level in:\n{result.output}"
    score = float(match.group(1))
    assert score <= MAX_EXPOSURE[name], f"{name}: exposure {score} > {MAX_EXPOSURE[name]}\n{result.output}"


@pytest.mark.parametrize("name", UNITS)
def test_static_requirements(name: str) -> None:
    unit = load(name)
    want = EXPECTED[name]
    dynamic = unit.get(("Service", "DynamicUser"), ["no"])[-1] in {"yes", "true", "1", "on"}
    user = unit.get(("Service", "User"), [""])[-1]
    assert dynamic or user, "User= or DynamicUser=yes is required"
    assert user not in {"root", "0"}
    assert user == want["user"]
    assert one(unit, "Restart") == "on-failure"
    assert one(unit, "RestartSec") == "5"
    assert one(unit, "StateDirectory") == want["state"]
    assert one(unit, "ConfigurationDirectory") == "eus"
    assert one(unit, "Type") == "simple"  # neither program speaks sd_notify
    assert one(unit, "ExecStart") == want["exec"]
    assert one(unit, "UMask") == "0077"
    assert one(unit, "NoNewPrivileges") == "yes"
    assert one(unit, "ProtectSystem") == "strict"
    assert one(unit, "CapabilityBoundingSet") == want["caps"]
    assert one(unit, "AmbientCapabilities") == want["caps"]
    assert one(unit, "KillSignal") == "SIGTERM"
    assert one(unit, "WantedBy", section="Install") == "multi-user.target"


@pytest.mark.parametrize("name", UNITS)
def test_a_crash_loop_ends_and_shows_as_failed(name: str) -> None:
    """systemd refuses the start that exceeds StartLimitBurst within StartLimitIntervalSec: with
    RestartSec between restarts, a program that dies at once must reach the burst inside it."""
    unit = load(name)
    interval = int(one(unit, "StartLimitIntervalSec", section="Unit"))
    burst = int(one(unit, "StartLimitBurst", section="Unit"))
    restart_sec = int(one(unit, "RestartSec"))
    assert 2 <= burst <= 10
    assert burst * restart_sec * 2 <= interval, "a loop with a few seconds of start-up still trips the limit"
    # In [Service] these keys are the deprecated spellings that systemd ignores for the limit.
    assert ("Service", "StartLimitIntervalSec") not in unit
    assert ("Service", "StartLimitBurst") not in unit


def test_a_damaged_database_is_not_restarted() -> None:
    from collector.startup_checks import EXIT_DAMAGED_FILE

    assert one(load(COLLECTOR), "RestartPreventExitStatus") == str(EXIT_DAMAGED_FILE)


def test_collector_is_sealed_off() -> None:
    unit = load(COLLECTOR)
    assert one(unit, "ProtectHome") == "yes"
    assert one(unit, "ProtectProc") == "invisible"
    assert one(unit, "ProcSubset") == "pid"
    assert one(unit, "PrivateUsers") == "yes"
    assert one(unit, "TimeoutStopSec") == "30"
    assert one(unit, "RestrictAddressFamilies").split() == ["AF_INET", "AF_INET6", "AF_UNIX"]


def test_agent_can_still_see_the_system() -> None:
    """The agent reports on the whole machine: these settings would falsify its data."""
    unit = load(AGENT)
    assert one(unit, "ProtectHome") == "read-only"  # statvfs of /home still sees the real mount
    for key in ("ProtectProc", "ProcSubset", "PrivateUsers", "PrivateNetwork", "ProtectHostname"):
        assert ("Service", key) not in unit, f"{key}= would hide what the agent must report"
    families = one(unit, "RestrictAddressFamilies").split()
    assert "AF_NETLINK" in families  # getifaddrs() for psutil.net_if_addrs()
    assert "AF_PACKET" not in families


def test_readme_matches_units() -> None:
    readme = (UNIT_DIR / "README.md").read_text(encoding="utf-8")
    for name in UNITS:
        unit = load(name)
        assert name in readme
        assert exec_path(unit) in readme
        user = re.escape(one(unit, "User"))
        assert re.search(rf"^useradd --system .* {user}$", readme, re.MULTILINE), f"no useradd for {user}"
        assert f"/var/lib/{one(unit, 'StateDirectory')}" in readme
