"""The plain install of each role starts without the dev extras.

The wheel is built from this tree and installed into fresh virtual environments, as an
operator would: ``pip install eus.whl`` for an agent (customer PCs get nothing else) and
``pip install 'eus.whl[collector]'`` for the collector. Every module of each role must import
there (an import nothing declares fails here, not on a customer's machine), and the programs
start for real: the collector from its install, the agent from the agent-only install,
enrolled against it and streaming over mutual TLS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.procs import REPO, base_env
from support.waits import free_port, wait_for

pytestmark = pytest.mark.slow


IMPORT_ALL = r"""
import importlib, pkgutil, sys
failed = []
for package in sys.argv[1:]:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if info.name.endswith((".__main__", ".migrations.env")):  # programs, not modules
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # noqa: BLE001 - report every failure, not the first
            failed.append(f"{info.name}: {exc!r}")
print("\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=base_env(), timeout=600, check=False, **kwargs
    )  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(REPO)])
    (built,) = out.glob("eus-*.whl")
    return built


def _venv(root: Path, requirement: str) -> Path:
    _run([sys.executable, "-m", "venv", str(root)])
    _run([str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", requirement])
    return root / "bin"


@pytest.fixture(scope="module")
def agent_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _venv(tmp_path_factory.mktemp("agent-venv") / "venv", str(wheel))


@pytest.fixture(scope="module")
def collector_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _venv(tmp_path_factory.mktemp("collector-venv") / "venv", f"{wheel}[collector]")


def _imports_everything(bin_dir: Path, *packages: str) -> None:
    _run([str(bin_dir / "python"), "-c", IMPORT_ALL, *packages])


def test_the_agent_only_install_imports_every_agent_module_and_holds_no_collector_library(
    agent_bin: Path,
) -> None:
    _imports_everything(agent_bin, "agent", "eus")
    libraries = ("duckdb", "pyarrow", "numpy", "flask", "sqlalchemy")
    probe = f"import importlib.util as u; print([m for m in {libraries!r} if u.find_spec(m)])"
    assert _run([str(agent_bin / "python"), "-c", probe]).stdout.strip() == "[]"


def test_the_collector_install_imports_every_collector_module(collector_bin: Path) -> None:
    _imports_everything(collector_bin, "collector", "agent", "eus")


def test_the_collector_install_carries_every_shipped_dashboard_file(collector_bin: Path) -> None:
    probe = "from collector.dashboards.loader import load; print(sorted(d.name for d in load().all))"
    shipped = sorted(p.stem for p in (REPO / "dashboards").glob("*.toml"))
    assert _run([str(collector_bin / "python"), "-c", probe], cwd="/").stdout.strip() == str(shipped)


@pytest.fixture
def installed_collector(collector_bin: Path, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    data = tmp_path / "collector"
    env = base_env() | {
        "EUS_DATA_DIR": str(data),
        "EUS_LISTEN_HOST": "127.0.0.1",
        "EUS_STREAM_PORT": str(free_port()),
        "EUS_ENROLL_PORT": str(free_port()),
        "EUS_WEB_HOST": "127.0.0.1",
        "EUS_WEB_PORT": str(free_port()),
    }
    _run([str(collector_bin / "eus"), "--data", str(data), "init", "--admin", "admin"])
    _run([str(collector_bin / "eus"), "--data", str(data), "customer", "create", "Acme"])
    log = (tmp_path / "collector.log").open("wb")
    proc = subprocess.Popen(
        [str(collector_bin / "eus-collector")], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    endpoints = data / "run" / "endpoints.json"

    def ready() -> bool:
        assert proc.poll() is None, (tmp_path / "collector.log").read_text()
        try:
            return bool(json.loads(endpoints.read_text())["pid"] == proc.pid)
        except (OSError, ValueError, KeyError):
            return False

    try:
        wait_for(ready, 120, "the installed collector to become ready")
        yield data, env
    finally:
        proc.terminate()
        proc.wait(60)
        log.close()


def test_an_agent_only_install_enrolls_with_an_installed_collector_and_streams(
    agent_bin: Path, collector_bin: Path, installed_collector: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data, env = installed_collector
    token_file = tmp_path / "token"
    token = _run([str(collector_bin / "eus"), "--data", str(data), "token", "create", "--customer", "Acme"])
    token_file.write_text(token.stdout.strip())
    fingerprint = json.loads((data / "run" / "endpoints.json").read_text())["ca_fingerprint"]
    state = tmp_path / "agent"
    agent_env = base_env() | {"EUS_AGENT_STATE_DIR": str(state), "EUS_AGENT_LOG_LEVEL": "INFO"}
    enroll = subprocess.run(
        [
            str(agent_bin / "eus-agent"),
            "enroll",
            "--collector",
            f"127.0.0.1:{env['EUS_ENROLL_PORT']}",
            "--token",
            token_file.read_text(),
            "--ca-fingerprint",
            fingerprint,
        ],
        env=agent_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert enroll.returncode == 0, enroll.stderr + enroll.stdout
    log_path = tmp_path / "agent.log"
    with log_path.open("wb") as log:
        agent = subprocess.Popen(
            [str(agent_bin / "eus-agent"), "run"], env=agent_env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: "streaming to" in log_path.read_text(), 120, "the agent's stream")
        assert agent.poll() is None, log_path.read_text()
    finally:
        agent.terminate()
        assert agent.wait(60) == 0, log_path.read_text()
    assert os.path.exists(state / "identity.json")
