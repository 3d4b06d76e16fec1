"""Simulated switches for ``bench/snmp``: snmpsim processes serving copies of one real
switch recording cut down to what an IF-MIB poll reads (system group, ifTable, ifXTable).

The recording is snmpsim-data's Cisco Catalyst 3560 (57 interfaces: a 48-port switch with
uplinks and VLAN interfaces). Each copy is one community; many targets may share a copy
(the simulator answers each request alike), so N devices need not mean N files to index.
"""

from __future__ import annotations

import bz2
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

SWITCH = Path(str(files("snmpsim_data"))) / "data" / "network" / "switch" / "cisco-c3560.snmprec.bz2"
KEEP = ("1.3.6.1.2.1.1.", "1.3.6.1.2.1.2.", "1.3.6.1.2.1.31.1.1.")
REPO = Path(__file__).resolve().parents[1]
V3_USER = "bench"
V3_KEY = "benchkey123"  # test credentials of the simulators (authPriv: SHA-256, AES)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def switch_lines() -> list[str]:
    with bz2.open(SWITCH, "rt", encoding="utf-8", errors="surrogateescape") as fh:
        return [line for line in fh if line.startswith(KEEP)]


def interfaces(lines: list[str]) -> int:
    return sum(1 for line in lines if line.startswith("1.3.6.1.2.1.2.2.1.1."))


@dataclass
class Sim:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def start_sims(workdir: Path, communities: list[str], sims: int, max_var_binds: int) -> list[Sim]:
    """``sims`` snmpsim processes, each serving every community, each on its own port."""
    lines = switch_lines()
    out: list[Sim] = []
    for i in range(sims):
        data, cache = workdir / f"sim{i}" / "data", workdir / f"sim{i}" / "cache"
        data.mkdir(parents=True)
        cache.mkdir(parents=True)
        for community in communities:
            (data / f"{community}.snmprec").write_text(
                "".join(lines), encoding="utf-8", errors="surrogateescape"
            )
        port = free_udp_port()
        log = workdir / f"sim{i}.log"
        with log.open("wb") as fh:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.snmpsim_responder",  # snmpsim with --max-var-binds honoured
                    f"--data-dir={data}",
                    f"--cache-dir={cache}",
                    f"--agent-udpv4-endpoint=127.0.0.1:{port}",
                    f"--max-var-binds={max_var_binds}",
                    f"--v3-user={V3_USER}",
                    f"--v3-auth-key={V3_KEY}",
                    "--v3-auth-proto=SHA256",
                    f"--v3-priv-key={V3_KEY}",
                    "--v3-priv-proto=AES",
                ],
                stdout=fh,
                stderr=subprocess.STDOUT,
                env={**os.environ, "SNMPSIM_ALLOW_ROOT": "true", "PYTHONPATH": str(REPO)},
                start_new_session=True,
            )
        out.append(Sim(port, proc, log))
    deadline = time.monotonic() + 300
    for sim in out:
        while "Listening at" not in sim.log.read_text(errors="replace"):
            if sim.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"snmpsim did not start:\n{sim.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
    return out
