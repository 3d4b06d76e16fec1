"""Start the collector and agents as real processes, the way systemd would, and stop them."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from support.waits import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
BIN = Path(sys.executable).parent


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EUS_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_script(
    script: str, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a console script (``eus``, ``eus-agent``, ``eus-collector``) to its end."""
    return subprocess.run(
        [str(BIN / script), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(base_env() if env is None else env),
        timeout=60,
        check=False,
    )


def eus(
    data_dir: Path, *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the admin CLI against a data directory."""
    proc = run_script("eus", "--data", str(data_dir), *args, stdin=stdin)
    if check and proc.returncode != 0:
        raise AssertionError(f"eus {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


class ChildProcess:
    """A child process with a log file: stop it cleanly (SIGTERM) or crash it (SIGKILL)."""

    name = "process"
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """SIGKILL: the crash case."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait: the clean case. Returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError(f"{self.name} did not stop on SIGTERM:\n{self.log_tail()}") from None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


PORT_RACE_ATTEMPTS = 3


class _PortTaken(Exception):
    """The collector could not bind a port free_port() had found free."""


class CollectorProc(ChildProcess):
    """An ``eus-collector`` process on fixed loopback ports (so agents find it after a restart)."""

    name = "collector"

    def __init__(self, data_dir: Path, env: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.stream_port = free_port()
        self.enroll_port = free_port()
        self.web_port = free_port()
        self.extra_env = dict(env or {})
        self.log_path = data_dir.parent / f"{data_dir.name}-collector.log"
        self.started = False  # once started, its ports are known to agents: keep them

    @property
    def env(self) -> dict[str, str]:
        env = base_env()
        env.update(
            {
                "EUS_DATA_DIR": str(self.data_dir),
                "EUS_LISTEN_HOST": "127.0.0.1",
                "EUS_STREAM_PORT": str(self.stream_port),
                "EUS_ENROLL_PORT": str(self.enroll_port),
                "EUS_WEB_HOST": "127.0.0.1",
                "EUS_WEB_PORT": str(self.web_port),
                "EUS_REVOCATION_POLL_S": "0.5",
                # Tests write the rules they assert on; the default rules are on where tested.
                "EUS_ALERT_DEFAULT_RULES": "false",
            }
        )
        env.update(self.extra_env)
        return env

    @property
    def endpoints_file(self) -> Path:
        return self.data_dir / "run" / "endpoints.json"

    def start(self, timeout: float = 60) -> CollectorProc:
        """Start and wait until ready. free_port() can lose a race: another process (an agent's
        outgoing connection, say) may take the port before the collector binds it. Then the
        first start tries fresh ports, and a restart (whose agents know the ports) tries again."""
        for attempt in range(PORT_RACE_ATTEMPTS):
            try:
                self._start_once(timeout)
            except _PortTaken:
                if attempt == PORT_RACE_ATTEMPTS - 1:
                    raise
                if self.started:
                    time.sleep(1.0)
                else:
                    self.stream_port, self.enroll_port, self.web_port = free_port(), free_port(), free_port()
                continue
            self.started = True
            return self
        raise AssertionError("unreachable")

    def _start_once(self, timeout: float) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(BIN / "eus-collector")], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        proc = self.proc

        def ready() -> bool:
            if proc.poll() is not None:
                with self.log_path.open("rb") as fh:
                    fh.seek(offset)
                    if b"Address already in use" in fh.read():
                        raise _PortTaken
                raise AssertionError(f"collector exited with {proc.returncode}:\n{self.log_tail()}")
            try:
                return bool(json.loads(self.endpoints_file.read_text())["pid"] == proc.pid)
            except (OSError, ValueError, KeyError):
                return False

        wait_for(ready, timeout, "the collector to become ready")

    @property
    def ca_fingerprint(self) -> str:
        return str(json.loads(self.endpoints_file.read_text())["ca_fingerprint"])


class AgentProc(ChildProcess):
    """An enrolled ``eus-agent`` with its own state directory and a journal of what it spooled."""

    def __init__(self, state_dir: Path, name: str, env: Mapping[str, str] | None = None) -> None:
        self.state_dir = state_dir
        self.name = name
        self.journal = state_dir / "journal.jsonl"
        self.log_path = state_dir.parent / f"{name}-agent.log"
        self.extra_env = dict(env or {})

    @property
    def env(self) -> dict[str, str]:
        env = base_env()
        env.update(
            {
                "EUS_AGENT_STATE_DIR": str(self.state_dir),
                "EUS_AGENT_SPOOL_JOURNAL_PATH": str(self.journal),
                "EUS_AGENT_LOG_LEVEL": "INFO",
            }
        )
        env.update(self.extra_env)
        return env

    def enroll(self, collector: CollectorProc, token: str) -> str:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [
                str(BIN / "eus-agent"),
                "enroll",
                "--collector",
                f"127.0.0.1:{collector.enroll_port}",
                "--token",
                token,
                "--ca-fingerprint",
                collector.ca_fingerprint,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            raise AssertionError(f"enrollment failed: {proc.stderr}{proc.stdout}")
        return str(json.loads((self.state_dir / "identity.json").read_text())["agent_id"])

    def start(self) -> AgentProc:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(BIN / "eus-agent"), "run"], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        return self

    @property
    def spool_path(self) -> Path:
        return self.state_dir / "spool.sqlite3"

    def spooled_seqs(self) -> list[int]:
        """The seqs still in the spool (not yet acknowledged), read beside the running agent."""
        db = sqlite3.connect(f"file:{self.spool_path}?mode=ro", uri=True)
        try:
            return [int(seq) for (seq,) in db.execute("SELECT seq FROM batches ORDER BY seq")]
        finally:
            db.close()

    def produced(self) -> list[dict[str, int]]:
        """Every batch the agent spooled, from its journal."""
        if not self.journal.exists():
            return []
        return [json.loads(line) for line in self.journal.read_text().splitlines() if line.strip()]
