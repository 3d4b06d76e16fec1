"""``make demo``: the whole system on embedded defaults, on this machine.

Initialises a data directory (collector state, a demo customer, an administrator whose
password is printed), starts ``eus-collector``, enrolls a local ``eus-agent`` against it
with a one-use token and the pinned CA fingerprint, starts the agent, and prints the
dashboard URL. Ctrl-C (or SIGTERM) stops the agent, then the collector, cleanly. Ports come
from ``--stream-port``/``--enroll-port``/``--web-port``, else ``EUS_STREAM_PORT``/
``EUS_ENROLL_PORT``/``EUS_WEB_PORT``, else the usual 7443/7444/8080 (any free one if taken).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import FrameType

from collector.accounts import customers, users
from collector.accounts.errors import NotFound
from collector.config import load
from collector.enrollment import create_token
from collector.pki import CertificateAuthority
from collector.store.db import Store, actor_auditor
from collector.store.models import Role
from eus.settings import ConfigError

DEMO_CUSTOMER = "Demo Customer"
ADMIN = "admin"
BIN = Path(sys.executable).parent


def _port(preferred: int) -> int:
    """The preferred port when it is free, else any free one (the demo must not fail on 8080)."""
    if _free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PORTS = ("stream", "enroll", "web")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def choose_ports(flags: Mapping[str, int | None], env: Mapping[str, str]) -> dict[str, int]:
    """The demo's ports: a port asked for by ``--<name>-port`` or ``EUS_<NAME>_PORT`` (the
    flag wins) exactly, refused when taken; the others at their usual number when free, else
    any free one. A bad value raises ConfigError (one line each), a taken one RuntimeError."""
    overrides = {f"{name}_port": flags[name] for name in PORTS if flags.get(name) is not None}
    env = {k: v for k, v in env.items() if k in {f"EUS_{name.upper()}_PORT" for name in PORTS}}
    cfg = load(env=env, overrides=overrides)
    ports: dict[str, int] = {}
    for name in PORTS:
        value = int(getattr(cfg, f"{name}_port"))
        if f"{name}_port" in overrides or f"EUS_{name.upper()}_PORT" in env:
            if not _free(value):
                raise RuntimeError(f"port {value} (the {name} port asked for) is in use on 127.0.0.1")
            ports[name] = value
        else:
            ports[name] = _port(value)
    if len(set(ports.values())) < len(ports):
        raise RuntimeError(f"the demo needs three different ports, not {ports}")
    return ports


def prepare(data: Path) -> tuple[str, str]:
    """Create or refresh the demo state; returns (admin password, enrollment token)."""
    cfg = load(overrides={"data_dir": data / "collector"})
    cfg.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = Store(cfg.store_url_resolved)
    store.migrate()
    CertificateAuthority(cfg.pki_dir, cfg.server_names)
    password = users.generate_password()  # a fresh demo password on every run
    record = actor_auditor("demo")
    with store.session() as s:
        try:
            customers.find(s, DEMO_CUSTOMER)
        except NotFound:
            customers.create(s, record, DEMO_CUSTOMER)
        try:
            users.update(s, record, users.find(s, ADMIN), password=password, active=True)
        except NotFound:
            users.create(
                s,
                record,
                username=ADMIN,
                password=password,
                role=Role.ADMINISTRATOR.value,
                all_customers=True,
            )
        token, _ = create_token(s, DEMO_CUSTOMER, uses=1, ttl=timedelta(minutes=10), actor="demo")
    store.dispose()
    return password, token


class Demo:
    """The demo's two child processes and how to start and stop them in order."""

    def __init__(self, data: Path, ports: Mapping[str, int]) -> None:
        self.data = data
        self.collector_dir, self.agent_dir, self.logs = data / "collector", data / "agent", data / "logs"
        self.agent_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.logs.mkdir(exist_ok=True)
        self.ports = dict(ports)
        env = {k: v for k, v in os.environ.items() if not k.startswith("EUS_")}
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "EUS_DATA_DIR": str(self.collector_dir),
                "EUS_LISTEN_HOST": "127.0.0.1",
                "EUS_STREAM_PORT": str(self.ports["stream"]),
                "EUS_ENROLL_PORT": str(self.ports["enroll"]),
                "EUS_WEB_PORT": str(self.ports["web"]),
                "EUS_AGENT_STATE_DIR": str(self.agent_dir),
                # The ports may differ from an earlier run: point the enrolled agent at today's.
                "EUS_AGENT_STREAM_ADDRESS": f"127.0.0.1:{self.ports['stream']}",
            }
        )
        self.env = env
        self.collector: subprocess.Popen[bytes] | None = None
        self.agent: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def _spawn(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        # Own session: Ctrl-C reaches only the demo, which stops the children in order.
        with (self.logs / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                [str(BIN / argv[0]), *argv[1:]],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_collector(self) -> str:
        """Start the collector; returns its CA fingerprint once it is ready."""
        self.collector = self._spawn("collector", "eus-collector")
        endpoints = self.collector_dir / "run" / "endpoints.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.collector.poll() is not None:
                raise RuntimeError(f"the collector exited ({self.collector.returncode}); see its log")
            try:
                info = json.loads(endpoints.read_text())
                if info["pid"] == self.collector.pid:
                    return str(info["ca_fingerprint"])
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        raise RuntimeError("the collector did not start in 60 s; see its log")

    def enroll_agent(self, token: str, fingerprint: str) -> None:
        if (self.agent_dir / "identity.json").exists():
            return
        argv = ["enroll", "--collector", f"127.0.0.1:{self.ports['enroll']}", "--token", token]
        done = subprocess.run(
            [str(BIN / "eus-agent"), *argv, "--ca-fingerprint", fingerprint],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"enrolling the local agent failed: {(done.stderr or done.stdout).strip()}")

    def start_agent(self) -> None:
        self.agent = self._spawn("agent", "eus-agent", "run")

    def stop(self, _sig: int = 0, _frame: FrameType | None = None) -> None:
        if self.stopping:
            return
        self.stopping = True
        print("\nstopping the agent and the collector ...", flush=True)
        for proc in (self.agent, self.collector):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def watch(self) -> int:
        assert self.collector is not None
        assert self.agent is not None
        while not self.stopping:
            for name, proc in (("collector", self.collector), ("agent", self.agent)):
                if proc.poll() is not None:
                    print(f"the {name} exited unexpectedly; see {self.logs / (name + '.log')}")
                    self.stop()
                    return 1
            time.sleep(0.5)
        return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m collector.demo", description=__doc__)
    p.add_argument("--data", type=Path, default=Path("var"), help="demo data directory (default ./var)")
    for name in PORTS:
        p.add_argument(
            f"--{name}-port",
            type=int,
            help=f"the collector's {name} port (default: EUS_{name.upper()}_PORT, else the usual one)",
        )
    args = p.parse_args(argv)
    data: Path = args.data.resolve()
    try:
        ports = choose_ports({name: getattr(args, f"{name}_port") for name in PORTS}, os.environ)
    except (ConfigError, RuntimeError) as exc:
        print(f"demo: {exc}", flush=True)
        return 2
    password, token = prepare(data)
    demo = Demo(data, ports)
    signal.signal(signal.SIGINT, demo.stop)
    signal.signal(signal.SIGTERM, demo.stop)
    try:
        fingerprint = demo.start_collector()
        demo.enroll_agent(token, fingerprint)
        demo.start_agent()
        print(
            "\nEUS demo is running.\n"
            f"  dashboard: http://127.0.0.1:{demo.ports['web']}/\n"
            f"  login:     {ADMIN}\n"
            f"  password:  {password}\n"
            f"  data:      {data}   logs: {demo.logs}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        return demo.watch()
    except RuntimeError as exc:
        print(f"demo: {exc} (logs in {demo.logs})", flush=True)
        return 1
    finally:
        demo.stop()


if __name__ == "__main__":
    raise SystemExit(main())
