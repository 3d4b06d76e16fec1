"""``eus-agent doctor`` against a real TLS gRPC server and a closed port: each check's verdict,
and the CA pin told right from wrong."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from support.waits import free_port

from agent.doctor import Check, check_address, report
from agent_core.pki import TestCA
from eus.v1 import eus_pb2, eus_pb2_grpc


class Refusing(eus_pb2_grpc.EnrollmentServicer):
    def Enroll(self, request: eus_pb2.EnrollRequest, context: Any) -> eus_pb2.EnrollResponse:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "doctor only checks the handshake")
        raise AssertionError("unreachable")


@pytest.fixture
def tls_port(ca: TestCA) -> Iterator[int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    eus_pb2_grpc.add_EnrollmentServicer_to_server(Refusing(), server)
    port = server.add_secure_port(
        "127.0.0.1:0", grpc.ssl_server_credentials([(ca.server_key_pem, ca.server_chain_pem)])
    )
    server.start()
    try:
        yield port
    finally:
        server.stop(grace=None).wait(5)


def _verdicts(checks: list[Check]) -> list[tuple[str, bool]]:
    return [(c.check, c.ok) for c in checks]


def test_a_reachable_collector_with_the_pinned_ca_passes_every_check(ca: TestCA, tls_port: int) -> None:
    checks = check_address(f"127.0.0.1:{tls_port}", ca.fingerprint)
    assert _verdicts(checks) == [("dns", True), ("tcp", True), ("tls", True), ("ca-pin", True)]


def test_another_ca_fails_the_pin(ca: TestCA, tls_port: int) -> None:
    checks = check_address(f"127.0.0.1:{tls_port}", "ab" * 32)
    assert _verdicts(checks)[-1] == ("ca-pin", False)


def test_a_closed_port_and_a_bad_address_are_reported(tmp_path: Path) -> None:
    port = free_port()
    found = report([f"127.0.0.1:{port}", "no-port-here"], state_dir=tmp_path)
    checks = [(c["check"], c["target"], c["ok"]) for c in found["checks"]]
    assert checks == [
        ("identity", str(tmp_path), False),
        ("dns", "127.0.0.1", True),
        ("tcp", f"127.0.0.1:{port}", False),
        ("address", "no-port-here", False),
    ]
    assert found["ok"] is False and found["format"] == "eus-doctor/1"
