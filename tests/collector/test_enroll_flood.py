"""Enrollment under a flood: limited per address and per token, and the attempt record bounded.

The flood runs against a real collector process over loopback TLS; the per-token limit,
which needs many addresses, is checked on the servicer's own decision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import create_engine, text
from support import rawclient
from support.certs import csr_pem, new_key
from support.procs import CollectorProc, eus

from collector.pki import CertificateAuthority
from collector.rpc.enroll_service import EnrollLimits, EnrollmentService
from collector.store.db import Store
from eus.v1 import eus_pb2, eus_pb2_grpc

FLOOD = 300
KEPT = 5


@pytest.fixture
def guarded_collector(tmp_path: Path) -> Iterator[CollectorProc]:
    data = tmp_path / "collector"
    eus(data, "init", "--admin", "admin")
    eus(data, "customer", "create", "Acme")
    proc = CollectorProc(data, env={"EUS_ENROLL_ATTEMPTS_KEPT": str(KEPT)}).start()
    try:
        yield proc
    finally:
        if proc.alive:
            proc.stop()


def attempt_rows(data: Path) -> int:
    engine = create_engine(f"sqlite:///{data / 'eus.sqlite3'}")
    with engine.connect() as conn:
        count = int(conn.execute(text("SELECT count(*) FROM enrollment_attempts")).scalar_one())
    engine.dispose()
    return count


def test_a_flood_of_bogus_attempts_is_cut_off_and_leaves_a_bounded_record(
    guarded_collector: CollectorProc,
) -> None:
    c = guarded_collector
    ca_pem = (c.data_dir / "pki" / "ca.crt").read_bytes()
    csr = csr_pem(new_key())
    codes: Counter[grpc.StatusCode] = Counter()
    with rawclient.channel(c.enroll_port, ca_pem) as ch:
        stub = eus_pb2_grpc.EnrollmentStub(ch)
        for i in range(FLOOD):
            request = eus_pb2.EnrollRequest(token=f"eus_bogus-{i}", csr_pem=csr, agent_version="x")
            with pytest.raises(grpc.RpcError) as info:
                stub.Enroll(request, timeout=20)
            codes[info.value.code()] += 1
    # The default limit lets 10 a minute through from one address; everything else is refused
    # before a token is looked up or a row is written.
    assert codes[grpc.StatusCode.UNAUTHENTICATED] == 10
    assert codes[grpc.StatusCode.RESOURCE_EXHAUSTED] == FLOOD - 10
    assert attempt_rows(c.data_dir) == KEPT

    # A real token from the flooding address waits too (the agent retries later).
    good = eus(c.data_dir, "token", "create", "--customer", "Acme").stdout.strip()
    with pytest.raises(grpc.RpcError) as info:
        rawclient.enroll(c.enroll_port, ca_pem, good, csr)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "try again" in (info.value.details() or "")


def test_one_token_is_limited_across_addresses(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    ca = CertificateAuthority(tmp_path / "pki", ("localhost",))
    service = EnrollmentService(
        store, ca, stream_port=1, advertised="", cert_days=1, limits=EnrollLimits(per_address=3, per_token=5)
    )
    token = "eus_one-token-many-addresses"
    refused = [service._limited(f"ipv4:198.51.100.{i}:4000", token) for i in range(8)]
    assert refused == [""] * 5 + ["token"] * 3
    assert service._limited("ipv6:[2001:db8::1]:4000", "eus_another") == ""
    for _ in range(2):
        assert service._limited("ipv6:[2001:db8::1]:4001", f"eus_other-{_}") == ""
    assert service._limited("ipv6:[2001:db8::1]:4002", "eus_yet-another") == "address"
    store.dispose()
