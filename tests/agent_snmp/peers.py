"""Real SNMP peers for tests, started the way an operator would run them: Debian's snmpd
(as ``nobody``), snmpsim with snmpsim-data recordings, net-snmp's snmptrap; plus a UDP
socket that never answers (a black-hole device) and a relay that notes the SNMP version
of every message it forwards (to prove a target is never downgraded)."""

from __future__ import annotations

import bz2
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import ClassVar

import snmpsim_data  # type: ignore[import-untyped]
from support.procs import BIN, ChildProcess
from support.waits import free_udp_port, wait_for

RECORDINGS = Path(snmpsim_data.__file__).parent / "data"
FIXTURES = Path(__file__).parent / "fixtures"
SNMPD = "/usr/sbin/snmpd"


def _as_nobody(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *argv] if os.geteuid() == 0 else argv


class _Daemon(ChildProcess):
    """A peer started in its own session (runuser forks it), so it is stopped as a group."""

    def stop(self, timeout: float = 15) -> int:
        code = 0
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                code = self.proc.wait(10)
        self.proc = None
        return code


class Snmpd(_Daemon):
    """net-snmp's snmpd on 127.0.0.1:<port> with v2c ``public`` and a few v3 users."""

    USERS: ClassVar[dict[str, tuple[str, str]]] = {
        # user: (auth protocol, priv protocol) -- keys are AUTH_KEY / PRIV_KEY for all
        "monuser": ("SHA", "AES"),
        "mon256": ("SHA-256", "AES-256"),
    }
    AUTH_KEY = "authpass123"
    PRIV_KEY = "privpass123"
    COMMUNITY = "public"

    def __init__(self, port: int | None = None) -> None:
        # snmpd runs as nobody: its directory must be readable by it (pytest's tmp is 0700).
        self.dir = Path(tempfile.mkdtemp(prefix="eus-snmpd-"))
        self.dir.chmod(0o755)
        self.port = port or free_udp_port()
        self.log_path = self.dir / "snmpd.log"
        self.persist = self.dir / "persist"
        self.persist.mkdir()
        shutil.chown(self.persist, "nobody") if os.geteuid() == 0 else None

    def config(self, engine_id: str, trap_sink: str = "") -> str:
        lines = [
            f"agentAddress udp:127.0.0.1:{self.port}",
            f"rocommunity {self.COMMUNITY} 127.0.0.1",
            f"smuxsocket 127.0.0.1:{free_udp_port()}",
            "master no",
            f"engineID {engine_id}",
        ]
        for user, (auth, priv) in self.USERS.items():
            lines += [
                f'createUser {user} {auth} "{self.AUTH_KEY}" {priv} "{self.PRIV_KEY}"',
                f"rouser {user} priv",
            ]
        if trap_sink:
            lines.append(trap_sink)
        return "\n".join(lines) + "\n"

    def start(self, engine_id: str = "eustest1", trap_sink: str = "") -> Snmpd:
        conf = self.dir / "snmpd.conf"
        conf.write_text(self.config(engine_id, trap_sink))
        conf.chmod(0o644)
        env = {**os.environ, "MIBS": "", "SNMP_PERSISTENT_DIR": str(self.persist)}
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            _as_nobody([SNMPD, "-f", "-C", "-c", str(conf), "-Lo"]),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        log.close()
        wait_for(self._answers, 20, f"snmpd on port {self.port} to answer\n{self.log_tail()}", interval=0.2)
        return self

    def _answers(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"snmpd exited with {self.proc.returncode}:\n{self.log_tail()}")
        return snmpget(self.port, "public", "1.3.6.1.2.1.1.3.0") is not None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def snmpget(port: int, community: str, oid: str) -> str | None:
    proc = subprocess.run(
        ["snmpget", "-v2c", "-c", community, "-On", "-Oqv", "-t", "1", "-r", "0", f"127.0.0.1:{port}", oid],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
        env={**os.environ, "MIBS": ""},
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def snmpwalk(port: int, community: str, oid: str) -> dict[str, str]:
    """net-snmp's own view of a subtree: numeric OID -> value as snmpwalk prints it."""
    proc = subprocess.run(
        ["snmpbulkwalk", "-v2c", "-c", community, "-On", "-Oq", "-Oe", "-t", "2", f"127.0.0.1:{port}", oid],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={**os.environ, "MIBS": ""},
    )
    out = {}
    for line in proc.stdout.splitlines():
        name, _, value = line.partition(" ")
        out[name.lstrip(".")] = value.strip().strip('"')
    return out


class Snmpsim(_Daemon):
    """snmpsim-command-responder serving recordings (the community / v3 context is the
    recording's file name without extension)."""

    V3_USER = "simuser"
    V3_AUTH_KEY = "authpass123"
    V3_PRIV_KEY = "privpass123"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.data = workdir / "data"
        self.cache = workdir / "cache"
        self.data.mkdir(parents=True, exist_ok=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.port = port or free_udp_port()
        self.log_path = workdir / "snmpsim.log"

    def add_recording(
        self, source: Path, name: str | None = None, *, replace: dict[str, str] | None = None
    ) -> str:
        """Copy a recording (decompressed: snmpsim seeks slowly in bz2) under ``name``;
        ``replace`` maps an OID to a new ``tag|value`` (e.g. a variation module)."""
        name = name or source.name.removesuffix(".bz2").removesuffix(".snmprec")
        opener = bz2.open if source.suffix == ".bz2" else open
        with opener(source, "rt", encoding="utf-8", errors="surrogateescape") as fh:
            lines = fh.readlines()
        if replace:
            lines = [_replaced(line, replace) for line in lines]
        (self.data / f"{name}.snmprec").write_text("".join(lines), encoding="utf-8", errors="surrogateescape")
        return name

    def start(self, *extra: str, timeout: float = 120) -> Snmpsim:
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                str(BIN / "snmpsim-command-responder"),
                f"--data-dir={self.data}",
                f"--cache-dir={self.cache}",
                f"--agent-udpv4-endpoint=127.0.0.1:{self.port}",
                f"--v3-user={self.V3_USER}",
                f"--v3-auth-key={self.V3_AUTH_KEY}",
                "--v3-auth-proto=SHA",
                f"--v3-priv-key={self.V3_PRIV_KEY}",
                "--v3-priv-proto=AES",
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        log.close()

        def listening() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"snmpsim exited with {self.proc.returncode}:\n{self.log_tail()}")
            return "Listening at" in self.log_path.read_text(errors="replace")

        wait_for(listening, timeout, "snmpsim to index its recordings and listen", interval=0.2)
        return self


def _replaced(line: str, replace: dict[str, str]) -> str:
    name = line.split("|", 1)[0]
    return f"{name}|{replace[name]}\n" if name in replace else line


def recording(*parts: str) -> Path:
    return RECORDINGS.joinpath(*parts)


class BlackHole:
    """A UDP port that receives and never answers: an unreachable device."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])

    def close(self) -> None:
        self.sock.close()


class CountingBlackHole(BlackHole):
    """A black hole that counts the datagrams (SNMP requests, retries included) it swallows."""

    def __init__(self) -> None:
        super().__init__()
        self.sock.settimeout(0.2)
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            self.count += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        super().close()


class VersionTap:
    """A UDP relay to ``127.0.0.1:<upstream>`` that records the SNMP version field
    (0 = v1, 1 = v2c, 3 = v3) of every request it forwards."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.versions: list[int] = []
        self._stop = threading.Event()
        self._clients: dict[int, tuple[str, int]] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        upstream_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        upstream_sock.settimeout(0.05)
        last_client: tuple[str, int] | None = None
        while not self._stop.is_set():
            try:
                data, client = self.sock.recvfrom(65535)
                self.versions.append(snmp_version(data))
                last_client = client
                upstream_sock.sendto(data, ("127.0.0.1", self.upstream))
            except TimeoutError:
                pass
            try:
                while True:
                    reply, _ = upstream_sock.recvfrom(65535)
                    if last_client is not None:
                        self.sock.sendto(reply, last_client)
            except (TimeoutError, BlockingIOError):
                pass
        upstream_sock.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def snmp_version(message: bytes) -> int:
    """The version INTEGER at the start of an SNMP message (SEQUENCE, then INTEGER)."""
    i = 1
    length = message[i]
    i += 1 + (length & 0x7F if length & 0x80 else 0)
    if message[i] != 0x02:
        return -1
    return message[i + 2]


def snmptrap(*args: str) -> None:
    """Send one notification with net-snmp's snmptrap (or snmpinform: ``-Ci``)."""
    subprocess.run(
        ["snmptrap", *args], check=True, timeout=30, capture_output=True, env={**os.environ, "MIBS": ""}
    )
