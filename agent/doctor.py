"""``eus-agent doctor``: can this machine reach the collector, and does TLS work?

For each address (the enrollment port named on the command line and, once enrolled, the stream
address in the identity) it resolves the name, opens a TCP connection and completes a TLS
handshake, pinning the CA by fingerprint when one is given (or the enrolled CA). The report is
one JSON object (``REPORT_FORMAT``) printed for the technician to paste into the collector's
Installation Trouble-Shooter, which explains each failed check and its fix. Never a secret.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.enroll import (
    EnrollmentError,
    NotEnrolled,
    fetch_chain,
    load_identity,
    normalize_fingerprint,
    split_host_port,
)

REPORT_FORMAT = "eus-doctor/1"


@dataclass(frozen=True, slots=True)
class Check:
    check: str  # "address", "dns", "tcp", "tls", "ca-pin", "identity"
    target: str
    ok: bool
    detail: str


def _dns(host: str, port: int) -> Check:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return Check("dns", host, False, str(exc))
    return Check("dns", host, True, ", ".join(sorted({str(i[4][0]) for i in infos})))


def _tcp(host: str, port: int, timeout_s: float) -> Check:
    target = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return Check("tcp", target, True, "connected")
    except OSError as exc:
        return Check("tcp", target, False, exc.strerror or str(exc))


def _tls(host: str, port: int, fingerprint: str, timeout_s: float) -> list[Check]:
    target = f"{host}:{port}"
    try:
        chain = fetch_chain(host, port, timeout_s)
    except EnrollmentError as exc:
        return [Check("tls", target, False, str(exc))]
    checks = [Check("tls", target, True, f"handshake completed, {len(chain)} certificate(s)")]
    if fingerprint:
        seen = {hashlib.sha256(der).hexdigest() for der in chain}
        ok = fingerprint in seen
        detail = (
            "the pinned CA is in the chain"
            if ok
            else "no certificate in the chain has the pinned fingerprint"
        )
        checks.append(Check("ca-pin", target, ok, detail))
    return checks


def check_address(address: str, fingerprint: str = "", timeout_s: float = 5.0) -> list[Check]:
    """DNS, TCP and TLS (and the CA pin) for one ``host:port``; later checks only after earlier pass."""
    try:
        host, port = split_host_port(address)
    except EnrollmentError as exc:
        return [Check("address", address, False, str(exc))]
    checks = [_dns(host, port)]
    if checks[-1].ok:
        checks.append(_tcp(host, port, timeout_s))
    if checks[-1].ok:
        checks += _tls(host, port, fingerprint, timeout_s)
    return checks


def _ca_fingerprint(path: Path) -> str:
    der = ssl.PEM_cert_to_DER_cert(path.read_text(encoding="ascii"))
    return hashlib.sha256(der).hexdigest()


def report(
    addresses: Sequence[str],
    *,
    state_dir: Path,
    fingerprint: str = "",
    agent_version: str = "",
    hostname: str = "",
) -> dict[str, Any]:
    """Every check, as the JSON object the Trouble-Shooter reads."""
    checks: list[Check] = []
    pin = ""
    if fingerprint:
        try:
            pin = normalize_fingerprint(fingerprint)
        except EnrollmentError as exc:
            checks.append(Check("ca-pin", "--ca-fingerprint", False, str(exc)))
    targets = list(addresses)
    try:
        identity = load_identity(state_dir)
    except NotEnrolled as exc:
        checks.append(Check("identity", str(state_dir), False, str(exc)))
    else:
        checks.append(Check("identity", str(state_dir), True, f"enrolled as {identity.agent_id}"))
        pin = pin or _ca_fingerprint(identity.ca_path)
        targets.append(identity.stream_address)
    for address in targets:
        checks += check_address(address, pin)
    return {
        "format": REPORT_FORMAT,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "hostname": hostname,
        "agent_version": agent_version,
        "checks": [asdict(c) for c in checks],
        "ok": all(c.ok for c in checks if c.check != "identity"),
    }
