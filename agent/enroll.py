"""Enrollment: trade a one-time token for a client certificate, and the identity it leaves behind.

``eus-agent enroll --collector HOST:PORT --token T --ca-fingerprint SHA256``:

1. Read the certificate chain [server leaf, CA] that the enrollment port presents, with the
   stdlib ``ssl`` module and no verification, and pick the certificate whose SHA-256 (of its
   DER encoding) equals the pinned fingerprint. Nothing matches -> refuse.
2. Generate an EC P-256 key locally (``cryptography`` is imported here only, never by
   ``eus-agent run``) and a CSR; call ``Enrollment.Enroll`` over TLS that trusts only the
   pinned CA.
3. Write the identity under ``state_dir``: ``agent.key`` (0600), ``agent.crt``, ``ca.crt`` and
   ``identity.json`` ``{agent_id, customer, stream_address}``.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from eus.atomic import write_atomic
from eus.v1 import eus_pb2, eus_pb2_grpc

DEFAULT_STREAM_PORT = 7443  # the collector's default stream port (collector.config)
KEY_FILE = "agent.key"
CERT_FILE = "agent.crt"
CA_FILE = "ca.crt"
IDENTITY_FILE = "identity.json"


class EnrollmentError(Exception):
    """Enrollment was refused or could not be done; the message is meant for the operator."""


class NotEnrolled(Exception):
    """No usable identity in the state directory."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who this agent is, as the collector's CA certified it."""

    state_dir: Path
    agent_id: str
    customer: str
    stream_address: str

    @property
    def key_path(self) -> Path:
        return self.state_dir / KEY_FILE

    @property
    def cert_path(self) -> Path:
        return self.state_dir / CERT_FILE

    @property
    def ca_path(self) -> Path:
        return self.state_dir / CA_FILE


def load_identity(state_dir: Path) -> Identity:
    """The identity written by :func:`enroll`; :class:`NotEnrolled` if missing or incomplete."""
    try:
        data = json.loads((state_dir / IDENTITY_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotEnrolled(f"not enrolled: no {state_dir / IDENTITY_FILE} (run `eus-agent enroll`)") from None
    except (OSError, ValueError) as exc:
        raise NotEnrolled(f"cannot read {state_dir / IDENTITY_FILE}: {exc}") from None
    try:
        identity = Identity(
            state_dir, str(data["agent_id"]), str(data["customer"]), str(data["stream_address"])
        )
    except (KeyError, TypeError) as exc:
        raise NotEnrolled(f"{state_dir / IDENTITY_FILE} is incomplete: missing {exc}") from None
    for path in (identity.key_path, identity.cert_path, identity.ca_path):
        if not path.is_file():
            raise NotEnrolled(f"not enrolled: {path} is missing (run `eus-agent enroll`)")
    return identity


# ---------------------------------------------------------------------- addresses and pins


def split_host_port(address: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` -> (host, port)."""
    match = re.fullmatch(r"\[(?P<v6>[^\]]+)\]:(?P<port>\d+)|(?P<host>[^:\[\]]+):(?P<port2>\d+)", address)
    if not match:
        raise EnrollmentError(f"expected HOST:PORT, got {address!r}")
    host = match.group("v6") or match.group("host")
    port = int(match.group("port") or match.group("port2"))
    if not 0 < port < 65536:
        raise EnrollmentError(f"port out of range in {address!r}")
    return host, port


def join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def resolve_stream_address(value: str, enrolled_host: str) -> str:
    """The stream address from the response: ``":PORT"`` and ``""`` mean the host we enrolled at."""
    if not value:
        return join_host_port(enrolled_host, DEFAULT_STREAM_PORT)
    if value.startswith(":") and value[1:].isdigit():
        return join_host_port(enrolled_host, int(value[1:]))
    host, port = split_host_port(value)
    return join_host_port(host, port)


def normalize_fingerprint(fingerprint: str) -> str:
    """SHA-256 fingerprint as 64 lower-case hex digits; colons, spaces and case are ignored."""
    text = re.sub(r"[\s:]", "", fingerprint).lower()
    text = text.removeprefix("sha256")
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise EnrollmentError(f"--ca-fingerprint must be a SHA-256 in hex (64 digits), got {fingerprint!r}")
    return text


def fetch_chain(host: str, port: int, timeout_s: float = 10.0) -> list[bytes]:
    """The certificate chain (DER, leaf first) the TLS server at host:port presents, unverified."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the pin, not a trust store, decides (see pick_pinned)
    ctx.set_alpn_protocols(["h2"])  # gRPC servers expect HTTP/2
    try:
        with (
            socket.create_connection((host, port), timeout=timeout_s) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            chain: list[Any]
            if hasattr(tls, "get_unverified_chain"):  # Python 3.13+
                chain = list(tls.get_unverified_chain())
            else:  # 3.11/3.12 have it on the private SSLObject
                sslobj: Any = getattr(tls, "_sslobj")  # noqa: B009 - private attribute, deliberate
                chain = list(sslobj.get_unverified_chain() or [])
    except (OSError, ssl.SSLError) as exc:
        raise EnrollmentError(f"cannot reach the collector's enrollment port {host}:{port}: {exc}") from None
    # 3.13 returns DER bytes; 3.11 returns _ssl.Certificate objects.
    return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER) for c in chain]  # type: ignore[attr-defined]


def pick_pinned(chain_der: list[bytes], fingerprint: str) -> bytes:
    """The PEM of the certificate in ``chain_der`` matching ``fingerprint``; else refuse."""
    want = normalize_fingerprint(fingerprint)
    seen = []
    for der in chain_der:
        digest = hashlib.sha256(der).hexdigest()
        if digest == want:
            return ssl.DER_cert_to_PEM_cert(der).encode("ascii")
        seen.append(digest)
    raise EnrollmentError(
        f"refusing to enroll: no certificate presented by the collector matches the pinned fingerprint {want}"
        f" (seen: {', '.join(seen) or 'none'})"
    )


# ---------------------------------------------------------------------- key, CSR, files


def _key_and_csr(common_name: str) -> tuple[bytes, bytes]:
    """A fresh EC P-256 key (PKCS#8 PEM) and a CSR for it (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64] or "eus-agent")]))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, csr.public_bytes(serialization.Encoding.PEM)


def write_identity(
    state_dir: Path, response: eus_pb2.EnrollResponse, key_pem: bytes, ca_pem: bytes, stream_address: str
) -> Identity:
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    identity = Identity(state_dir, response.agent_id, response.customer, stream_address)
    write_atomic(identity.key_path, key_pem, mode=0o600)
    write_atomic(identity.cert_path, response.certificate_pem, mode=0o644)
    write_atomic(identity.ca_path, response.ca_pem or ca_pem, mode=0o644)
    record = {"agent_id": identity.agent_id, "customer": identity.customer, "stream_address": stream_address}
    write_atomic(state_dir / IDENTITY_FILE, json.dumps(record, indent=2) + "\n", mode=0o644)
    return identity


# ---------------------------------------------------------------------- the whole exchange


def rpc_error_text(exc: grpc.RpcError) -> str:
    """``CODE: details`` on one line (the raised error is also a ``grpc.Call``)."""
    call: Any = exc
    code = call.code() if hasattr(call, "code") else None
    details = call.details() if hasattr(call, "details") else str(exc)
    text = " ".join(str(details or "").split())
    return f"{code.name}: {text}" if code is not None else text


def enroll(
    collector: str,
    token: str,
    ca_fingerprint: str,
    state_dir: Path,
    *,
    agent_version: str,
    host: eus_pb2.HostFacts,
    timeout_s: float = 15.0,
) -> Identity:
    """Enroll with the collector's enrollment port at ``collector`` (HOST:PORT); see the module doc.

    Raises :class:`EnrollmentError` with a one-line, operator-facing message on any refusal.
    Files are written only after the collector issued the certificate.
    """
    fingerprint = normalize_fingerprint(ca_fingerprint)
    target_host, port = split_host_port(collector)
    ca_pem = pick_pinned(fetch_chain(target_host, port, timeout_s), fingerprint)
    key_pem, csr_pem = _key_and_csr(host.hostname or socket.gethostname())
    request = eus_pb2.EnrollRequest(token=token, csr_pem=csr_pem, host=host, agent_version=agent_version)
    credentials = grpc.ssl_channel_credentials(root_certificates=ca_pem)
    with grpc.secure_channel(join_host_port(target_host, port), credentials) as channel:
        stub = eus_pb2_grpc.EnrollmentStub(channel)
        try:
            response = stub.Enroll(request, timeout=timeout_s)
        except grpc.RpcError as exc:
            raise EnrollmentError(f"enrollment refused: {rpc_error_text(exc)}") from None
    if not response.agent_id or not response.certificate_pem:
        raise EnrollmentError("the collector's answer has no agent id or certificate")
    stream_address = resolve_stream_address(response.stream_address, target_host)
    return write_identity(state_dir, response, key_pem, ca_pem, stream_address)
