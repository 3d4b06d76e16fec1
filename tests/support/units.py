"""The shipped systemd units, read as data, and programs started the way those units start them.

Units cannot run here (PID 1 is not systemd), so a test that must start a program "as systemd
would" takes the unit's ExecStart= command line, with the virtualenv's bin directory for
``/opt/eus/venv/bin`` and the test's own file for the unit's ``--config``, and the unit's
Environment= on top of a clean environment.
"""

from __future__ import annotations

import shlex
import subprocess
from collections import defaultdict
from pathlib import Path

from support.procs import BIN, REPO, base_env

UNIT_DIR = REPO / "systemd"
INSTALLED_BIN = "/opt/eus/venv/bin/"

Unit = dict[tuple[str, str], list[str]]


def parse_unit(text: str) -> Unit:
    """(section, key) -> every value in file order (keys such as SystemCallFilter= repeat)."""
    unit: Unit = defaultdict(list)
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        assert not line.endswith("\\"), f"continuation lines are not expected: {raw!r}"
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {raw!r}"
        unit[(section, key.strip())].append(value.strip())
    return unit


def load_unit(name: str) -> Unit:
    return parse_unit((UNIT_DIR / name).read_text(encoding="utf-8"))


def unit_command(name: str, config: Path) -> list[str]:
    """The unit's ExecStart= as argv, run from this virtualenv with ``config`` as its --config."""
    (exec_start,) = load_unit(name)[("Service", "ExecStart")]
    argv = shlex.split(exec_start.lstrip("-@:+!"))
    assert argv[0].startswith(INSTALLED_BIN), argv
    argv[0] = str(BIN / argv[0].removeprefix(INSTALLED_BIN))
    assert "--config" in argv, f"{name}: ExecStart= names no --config"
    argv[argv.index("--config") + 1] = str(config)
    return argv


def unit_env(name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment (no EUS_* from the test runner) plus the unit's Environment=."""
    env = base_env()
    for assignment in load_unit(name).get(("Service", "Environment"), []):
        for word in shlex.split(assignment):
            key, _, value = word.partition("=")
            env[key] = value
    env.update(extra or {})
    return env


def start_unit(
    name: str, config: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start the unit's program as a process, its output appended to ``log_path`` (the journal)."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            unit_command(name, config), env=unit_env(name, extra_env), stdout=log, stderr=subprocess.STDOUT
        )
