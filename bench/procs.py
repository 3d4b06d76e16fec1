"""Real processes for the bench: the ``eus`` CLI, an ``eus-collector``, enrollment over the real RPC.

A small equivalent of ``tests/support/procs.py`` (the bench must not depend on the tests).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from eus.v1 import eus_pb2, eus_pb2_grpc

BIN = Path(sys.executable).parent


def own_peak_rss_mb() -> float:
    """This process's peak RSS in MB (VmHWM: it starts afresh at exec, unlike ``ru_maxrss``
    of a forked child)."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM:"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dir_bytes(path: Path) -> int:
    """Bytes allocated on disk under ``path`` (like ``du -s``)."""
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_blocks * 512
    return total


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EUS_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def eus(data_dir: Path, *args: str) -> str:
    """Run the admin CLI against a data directory; its stdout."""
    proc = subprocess.run(
        [str(BIN / "eus"), "--data", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=base_env(),
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"eus {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout


class Collector:
    """An ``eus-collector`` process on free loopback ports."""

    def __init__(self, data_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.stream_port = free_port()
        self.enroll_port = free_port()
        self.web_port = free_port()
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def ca_pem(self) -> bytes:
        return (self.data_dir / "pki" / "ca.crt").read_bytes()

    def start(self, timeout: float = 60) -> None:
        env = base_env()
        env.update(
            {
                "EUS_DATA_DIR": str(self.data_dir),
                "EUS_LISTEN_HOST": "127.0.0.1",
                "EUS_STREAM_PORT": str(self.stream_port),
                "EUS_ENROLL_PORT": str(self.enroll_port),
                "EUS_WEB_HOST": "127.0.0.1",
                "EUS_WEB_PORT": str(self.web_port),
                **self.extra_env,
            }
        )
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(BIN / "eus-collector")], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        endpoints = self.data_dir / "run" / "endpoints.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if json.loads(endpoints.read_text())["pid"] == self.proc.pid:
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"collector not ready after {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 120) -> None:
        """SIGTERM: the collector commits what it received, checkpoints and closes DuckDB."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise RuntimeError(f"collector did not stop on SIGTERM; see {self.log_path}") from None
        if self.proc.returncode != 0:
            raise RuntimeError(f"collector exited with {self.proc.returncode}; see {self.log_path}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


@dataclass(frozen=True)
class Identity:
    """An enrolled agent: its id and mutual-TLS material."""

    agent_id: str
    key_pem: bytes
    cert_pem: bytes


def enroll(port: int, ca_pem: bytes, token: str, hostname: str) -> Identity:
    """Enroll like an agent does: a fresh key, a CSR, the Enrollment RPC over server-only TLS."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .sign(key, hashes.SHA256())
    )
    creds = grpc.ssl_channel_credentials(root_certificates=ca_pem)
    with grpc.secure_channel(f"127.0.0.1:{port}", creds) as ch:
        resp: eus_pb2.EnrollResponse = eus_pb2_grpc.EnrollmentStub(ch).Enroll(
            eus_pb2.EnrollRequest(
                token=token,
                csr_pem=csr.public_bytes(serialization.Encoding.PEM),
                agent_version="bench",
                host=eus_pb2.HostFacts(hostname=hostname, os="Linux"),
            ),
            timeout=30,
        )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Identity(resp.agent_id, key_pem, resp.certificate_pem)


def enroll_flood_env(agents: int) -> dict[str, str]:
    """The collector's environment for ``agents`` simulated agents that all enroll from one
    address with one token: the enrolment flood limits lifted to that many."""
    flood = str(max(agents, 10))
    return {"EUS_ENROLL_LIMIT_PER_ADDRESS": flood, "EUS_ENROLL_LIMIT_PER_TOKEN": flood}


def enroll_agents(
    data_dir: Path, enroll_port: int, customer: str, agents: int, prefix: str
) -> list[Identity]:
    """``agents`` agents of ``customer`` (which exists) enrolled through the Enrollment RPC with
    one token made for them, named ``<prefix>-000`` on."""
    token = eus(data_dir, "token", "create", "--customer", customer, "--uses", str(agents)).strip()
    ca_pem = (data_dir / "pki" / "ca.crt").read_bytes()
    return [enroll(enroll_port, ca_pem, token, f"{prefix}-{a:03d}") for a in range(agents)]
