"""Enrollment against a real gRPC server presenting [leaf, CA] over TLS."""

from __future__ import annotations

import json
import socket
import stat
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509

from agent.cli import main
from agent.enroll import (
    EnrollmentError,
    NotEnrolled,
    enroll,
    fetch_chain,
    load_identity,
    normalize_fingerprint,
    resolve_stream_address,
    split_host_port,
)
from agent_core.pki import TestCA, fingerprint
from eus.v1 import eus_pb2, eus_pb2_grpc

HOST = eus_pb2.HostFacts(hostname="web-01", os="Linux")


@dataclass
class FakeEnrollment(eus_pb2_grpc.EnrollmentServicer):
    ca: TestCA
    stream_address: str = ":7443"
    refuse: tuple[grpc.StatusCode, str] | None = None
    requests: list[eus_pb2.EnrollRequest] = field(default_factory=list)

    def Enroll(self, request: eus_pb2.EnrollRequest, context: Any) -> eus_pb2.EnrollResponse:
        self.requests.append(request)
        if self.refuse is not None:
            context.abort(*self.refuse)
        return eus_pb2.EnrollResponse(
            agent_id="agent-42",
            certificate_pem=self.ca.sign_csr(request.csr_pem, "agent-42"),
            ca_pem=self.ca.ca_pem,
            stream_address=self.stream_address,
            customer="Acme",
        )


@pytest.fixture
def enrollment(ca: TestCA) -> Iterator[tuple[FakeEnrollment, int]]:
    servicer = FakeEnrollment(ca)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    eus_pb2_grpc.add_EnrollmentServicer_to_server(servicer, server)
    port = server.add_secure_port(
        "127.0.0.1:0", grpc.ssl_server_credentials([(ca.server_key_pem, ca.server_chain_pem)])
    )
    server.start()
    try:
        yield servicer, port
    finally:
        server.stop(grace=None).wait(5)


def test_the_chain_is_read_leaf_first(ca: TestCA, enrollment: tuple[FakeEnrollment, int]) -> None:
    _, port = enrollment
    chain = fetch_chain("127.0.0.1", port, timeout_s=5)
    assert len(chain) == 2
    assert x509.load_der_x509_certificate(chain[1]) == x509.load_pem_x509_certificate(ca.ca_pem)
    assert x509.load_der_x509_certificate(chain[0]) == x509.load_pem_x509_certificate(ca.server_cert_pem)


def test_enroll_writes_the_identity(
    ca: TestCA, enrollment: tuple[FakeEnrollment, int], tmp_path: Path
) -> None:
    servicer, port = enrollment
    state = tmp_path / "state"
    pin = ":".join(ca.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()  # colons, upper case
    identity = enroll(
        f"127.0.0.1:{port}", "tok-1", pin, state, agent_version="1.2.3", host=HOST, timeout_s=10
    )

    assert (identity.agent_id, identity.customer) == ("agent-42", "Acme")
    assert identity.stream_address == "127.0.0.1:7443"  # ":PORT" = the host we enrolled at
    assert json.loads((state / "identity.json").read_text()) == {
        "agent_id": "agent-42",
        "customer": "Acme",
        "stream_address": "127.0.0.1:7443",
    }
    assert stat.S_IMODE((state / "agent.key").stat().st_mode) == 0o600
    assert (state / "ca.crt").read_bytes() == ca.ca_pem
    cert = x509.load_pem_x509_certificate((state / "agent.crt").read_bytes())
    key = x509.load_pem_x509_csr(servicer.requests[0].csr_pem).public_key()
    assert cert.public_key() == key  # the certificate is for the key we generated and kept
    assert b"PRIVATE KEY" in (state / "agent.key").read_bytes()

    (request,) = servicer.requests
    assert (request.token, request.agent_version, request.host.hostname) == ("tok-1", "1.2.3", "web-01")
    csr = x509.load_pem_x509_csr(request.csr_pem)
    assert csr.subject.rfc4514_string() == "CN=web-01"
    assert load_identity(state) == identity


def test_wrong_fingerprint_is_refused_before_any_request(
    ca: TestCA, enrollment: tuple[FakeEnrollment, int], tmp_path: Path
) -> None:
    servicer, port = enrollment
    other = TestCA.create("Impostor CA")
    with pytest.raises(EnrollmentError) as refused:
        enroll(f"127.0.0.1:{port}", "tok", other.fingerprint, tmp_path, agent_version="1", host=HOST)
    message = str(refused.value)
    assert "refusing to enroll" in message and other.fingerprint in message
    assert ca.fingerprint in message and fingerprint(ca.server_cert_pem) in message  # what was seen
    assert servicer.requests == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("reason", ["enrollment token already used", "enrollment token expired"])
def test_cli_reports_refusal_on_one_line_with_exit_2(
    *,
    ca: TestCA,
    enrollment: tuple[FakeEnrollment, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reason: str,
) -> None:
    servicer, port = enrollment
    servicer.refuse = (grpc.StatusCode.PERMISSION_DENIED, reason)
    monkeypatch.setenv("EUS_AGENT_STATE_DIR", str(tmp_path / "state"))
    argv = [
        "enroll",
        "--collector",
        f"127.0.0.1:{port}",
        "--token",
        "secret-token",
        "--ca-fingerprint",
        ca.fingerprint,
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and reason in err and "PERMISSION_DENIED" in err
    assert "secret-token" not in err
    assert not (tmp_path / "state" / "identity.json").exists()


def test_cli_enrolls_with_a_token_file(
    ca: TestCA,
    enrollment: tuple[FakeEnrollment, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    servicer, port = enrollment
    servicer.stream_address = "collector.example:9443"
    token = tmp_path / "token"
    token.write_text("tok-from-file\n")
    monkeypatch.setenv("EUS_AGENT_STATE_DIR", str(tmp_path / "state"))
    argv = [
        "enroll",
        "--collector",
        f"127.0.0.1:{port}",
        "--token-file",
        str(token),
        "--ca-fingerprint",
        ca.fingerprint,
    ]
    assert main(argv) == 0
    assert "enrolled as agent-42" in capsys.readouterr().out
    assert servicer.requests[0].token == "tok-from-file"
    assert load_identity(tmp_path / "state").stream_address == "collector.example:9443"


def test_unreachable_collector(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(EnrollmentError, match="cannot reach"):
        enroll(f"127.0.0.1:{port}", "t", "ab" * 32, tmp_path, agent_version="1", host=HOST, timeout_s=2)


def test_not_enrolled(tmp_path: Path) -> None:
    with pytest.raises(NotEnrolled, match="eus-agent enroll"):
        load_identity(tmp_path)


def test_address_and_fingerprint_parsing() -> None:
    assert split_host_port("collector:7444") == ("collector", 7444)
    assert split_host_port("[::1]:7444") == ("::1", 7444)
    for bad in ("collector", "collector:", ":7444", "a:b", "host:70000"):
        with pytest.raises(EnrollmentError):
            split_host_port(bad)
    assert resolve_stream_address(":9000", "10.0.0.5") == "10.0.0.5:9000"
    assert resolve_stream_address("", "10.0.0.5") == "10.0.0.5:7443"
    assert resolve_stream_address(":9000", "::1") == "[::1]:9000"
    assert resolve_stream_address("other:1234", "10.0.0.5") == "other:1234"
    assert normalize_fingerprint("AB:" * 31 + "AB") == "ab" * 32
    assert normalize_fingerprint("sha256:" + "Ab" * 32) == "ab" * 32
    with pytest.raises(EnrollmentError):
        normalize_fingerprint("abc")
