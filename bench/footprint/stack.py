"""The processes the footprint bench runs: a real collector, an enrolled agent, node_exporter.

Started as systemd would start them (their own process, environment, log file), stopped with
SIGTERM. The bench does not import the tests' helpers.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_without_eus() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EUS_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait(predicate: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 60) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode


@dataclass
class Collector:
    data: Path
    stream_port: int
    enroll_port: int
    web_port: int
    proc: subprocess.Popen[bytes]

    def eus(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "eus"), "--data", str(self.data), *args],
            capture_output=True,
            text=True,
            env=env_without_eus(),
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"eus {' '.join(args)}: {done.stderr}")
        return done.stdout

    @property
    def ca_fingerprint(self) -> str:
        return str(json.loads((self.data / "run" / "endpoints.json").read_text())["ca_fingerprint"])


def start_collector(workdir: Path) -> Collector:
    data = workdir / "collector"
    for args in (("init", "--admin", "admin"), ("customer", "create", "Bench")):
        subprocess.run(
            [str(BIN / "eus"), "--data", str(data), *args],
            capture_output=True,
            env=env_without_eus(),
            timeout=120,
            check=True,
        )
    ports = [free_port() for _ in range(3)]
    env = env_without_eus()
    env.update(
        {
            "EUS_DATA_DIR": str(data),
            "EUS_LISTEN_HOST": "127.0.0.1",
            "EUS_STREAM_PORT": str(ports[0]),
            "EUS_ENROLL_PORT": str(ports[1]),
            "EUS_WEB_HOST": "127.0.0.1",
            "EUS_WEB_PORT": str(ports[2]),
        }
    )
    with (workdir / "collector.log").open("ab") as log:
        proc = subprocess.Popen([str(BIN / "eus-collector")], env=env, stdout=log, stderr=subprocess.STDOUT)

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"collector exited with {proc.returncode}; see {workdir / 'collector.log'}")
        try:
            return bool(json.loads((data / "run" / "endpoints.json").read_text())["pid"] == proc.pid)
        except (OSError, ValueError, KeyError):
            return False

    wait(ready, 120, "the collector")
    return Collector(data, ports[0], ports[1], ports[2], proc)


def agent_config(workdir: Path, collector: Collector, state: Path, proxy_port: int, ne_port: int) -> Path:
    """The default configuration (host metrics every 10 s, inventory hourly) plus 10 functions at
    the default 60 s, all against things running here, streaming through the counting proxy."""
    ping = (
        'kind = "ping"\nhost = "127.0.0.1"'
        if shutil.which("ping")
        else f'kind = "tcp"\nhost = "127.0.0.1"\nport = {collector.enroll_port}'
    )
    text = f"""
[agent]
state_dir = "{state}"
stream_address = "127.0.0.1:{proxy_port}"

[functions.collector-process]
kind = "process"
cmdline = "eus-collector"

[functions.node-exporter-process]
kind = "process"
cmdline = "prometheus-node-exporter"

[functions.stream-port]
kind = "tcp"
host = "127.0.0.1"
port = {collector.stream_port}

[functions.dashboard]
kind = "http"
url = "http://127.0.0.1:{collector.web_port}/healthz"

[functions.node-exporter-page]
kind = "http"
url = "http://127.0.0.1:{ne_port}/"
body_match = "Node Exporter"

[functions.enrollment-certificate]
kind = "tls"
host = "127.0.0.1"
port = {collector.enroll_port}
ca_file = "{state / "ca.crt"}"

[functions.identity-file]
kind = "file"
path = "{state / "identity.json"}"
max_age_s = "3650d"

[functions.collector-log]
kind = "log"
path = "{workdir / "collector.log"}"
pattern = "ERROR|Traceback"

[functions.loopback]
{ping}

[functions.collector-unit]
kind = "systemd"
unit = "eus-collector"
"""
    path = workdir / "agent.toml"
    path.write_text(text)
    return path


def enroll_agent(workdir: Path, collector: Collector, state: Path) -> str:
    state.mkdir(parents=True, exist_ok=True)
    token = collector.eus("token", "create", "--customer", "Bench", "--uses", "1").strip()
    env = env_without_eus()
    env["EUS_AGENT_STATE_DIR"] = str(state)
    done = subprocess.run(
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
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"enrollment failed: {done.stderr}")
    return str(json.loads((state / "identity.json").read_text())["agent_id"])


def start_agent(workdir: Path, config: Path) -> subprocess.Popen[bytes]:
    env = env_without_eus()
    env["EUS_AGENT_CONFIG"] = str(config)
    with (workdir / "agent.log").open("ab") as log:
        return subprocess.Popen(
            [str(BIN / "eus-agent"), "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


def start_node_exporter(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    with (workdir / "node_exporter.log").open("ab") as log:
        proc = subprocess.Popen(
            [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT
        )
    wait(lambda: scrape_ok(port), 30, "node_exporter")
    return proc


def scrape_ok(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
            return True
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class Scrape:
    wire_bytes: int  # the response body as sent (gzip, as Prometheus asks for it)
    plain_bytes: int  # the same body uncompressed
    series: int


def scrape(port: int) -> Scrape:
    """One scrape of /metrics the way Prometheus does it (gzip accepted)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics",
        headers={"Accept-Encoding": "gzip", "Accept": "text/plain;version=0.0.4"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        raw = resp.read()
        gzipped = resp.headers.get("Content-Encoding") == "gzip"
    text = gzip.decompress(raw) if gzipped else raw
    series = sum(1 for line in text.splitlines() if line and not line.startswith(b"#"))
    return Scrape(len(raw), len(text), series)
