"""Transport security and bad input against a real collector process over loopback TLS."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from support import rawclient
from support.certs import csr_pem, foreign_ca_client, key_pem, new_key, self_signed_client
from support.procs import CollectorProc, eus
from support.tsdb import query, samples_per_device

from eus.v1 import eus_pb2


@dataclass
class Enrolled:
    agent_id: str
    key: bytes
    cert: bytes


def ca_pem(c: CollectorProc) -> bytes:
    return (c.data_dir / "pki" / "ca.crt").read_bytes()


def token(c: CollectorProc, *args: str) -> str:
    return eus(c.data_dir, "token", "create", "--customer", "Acme", *args).stdout.strip()


def enroll(c: CollectorProc, hostname: str = "host-a") -> Enrolled:
    key = new_key()
    resp = rawclient.enroll(c.enroll_port, ca_pem(c), token(c, "--uses", "1"), csr_pem(key), hostname)
    return Enrolled(resp.agent_id, key_pem(key), resp.certificate_pem)


def open_stream(
    c: CollectorProc, key: bytes | None, cert: bytes | None, port: int | None = None
) -> rawclient.RawStream:
    ch = rawclient.channel(port or c.stream_port, ca_pem(c), key, cert)
    return rawclient.RawStream(ch)


def expect_refused(stream: rawclient.RawStream, *codes: grpc.StatusCode) -> grpc.RpcError:
    stream.send(rawclient.hello(42))
    stream.send(rawclient.batch(42, 1))
    with pytest.raises(grpc.RpcError) as info:
        stream.next()
    assert info.value.code() in codes, info.value.details()
    return info.value


def device_ids(data: Path) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{data / 'eus.sqlite3'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT agent_id, id FROM devices")).all()
    engine.dispose()
    return {str(a): int(i) for a, i in rows}


def test_an_enrolled_agent_streams_and_is_acked_after_commit(collector: CollectorProc) -> None:
    a = enroll(collector)
    s = open_stream(collector, a.key, a.cert)
    s.send(rawclient.hello(7))
    assert s.next().ack == eus_pb2.Ack(epoch=7, seq=0)
    for seq in (1, 2, 3):
        s.send(rawclient.batch(7, seq, n=50, define=seq == 1))
    acked = 0
    while acked < 3:
        acked = s.next().ack.seq
    s.send(eus_pb2.AgentMessage(goodbye=eus_pb2.Goodbye(reason="test")))
    s.close()
    collector.stop()
    ids = device_ids(collector.data_dir)
    assert samples_per_device(collector.data_dir) == {ids[a.agent_id]: 150}
    assert query(collector.data_dir, "SELECT seq FROM batches ORDER BY seq") == [(1,), (2,), (3,)]


@pytest.mark.parametrize("kind", ["none", "self-signed", "other-ca"])
def test_stream_without_a_certificate_from_our_ca_is_refused(collector: CollectorProc, kind: str) -> None:
    victim = enroll(collector)  # a real agent id the attacker tries to claim
    if kind == "none":
        key, cert = None, None
    elif kind == "self-signed":
        key, cert = self_signed_client(victim.agent_id)
    else:
        key, cert = foreign_ca_client(victim.agent_id)
    # The mutual-TLS port refuses in the handshake.
    expect_refused(open_stream(collector, key, cert), grpc.StatusCode.UNAVAILABLE)
    # The enrollment port completes TLS without a client certificate, then refuses the call.
    err = expect_refused(
        open_stream(collector, key, cert, port=collector.enroll_port),
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.UNAVAILABLE,
    )
    if kind == "none":
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "client certificate" in (err.details() or "")
    collector.stop()
    assert samples_per_device(collector.data_dir) == {}


def test_revoked_agent_is_disconnected_and_refused(collector: CollectorProc) -> None:
    a = enroll(collector)
    s = open_stream(collector, a.key, a.cert)
    s.send(rawclient.hello(9))
    assert s.next().HasField("ack")
    out = eus(collector.data_dir, "agent", "revoke", a.agent_id).stdout
    assert "revoked" in out
    with pytest.raises(grpc.RpcError) as info:
        s.next()  # the live stream is closed by the collector
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "revoked" in (info.value.details() or "")
    err = expect_refused(open_stream(collector, a.key, a.cert), grpc.StatusCode.PERMISSION_DENIED)
    assert "revoked" in (err.details() or "")
    collector.stop()
    assert samples_per_device(collector.data_dir) == {}


def test_reused_and_expired_tokens_are_refused_with_a_clear_message(collector: CollectorProc) -> None:
    once = token(collector, "--uses", "1")
    rawclient.enroll(collector.enroll_port, ca_pem(collector), once, csr_pem(new_key()))
    with pytest.raises(grpc.RpcError) as info:
        rawclient.enroll(collector.enroll_port, ca_pem(collector), once, csr_pem(new_key()))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert info.value.details() == "enrollment token already used"

    short = token(collector, "--ttl", "1s")
    time.sleep(1.5)
    with pytest.raises(grpc.RpcError) as info:
        rawclient.enroll(collector.enroll_port, ca_pem(collector), short, csr_pem(new_key()))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "enrollment token expired" in (info.value.details() or "")

    with pytest.raises(grpc.RpcError) as info:
        rawclient.enroll(collector.enroll_port, ca_pem(collector), "eus_not-a-token", csr_pem(new_key()))
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert info.value.details() == "unknown enrollment token"

    with pytest.raises(grpc.RpcError) as info:
        rawclient.enroll(collector.enroll_port, ca_pem(collector), token(collector), b"garbage")
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_batch_naming_another_agent_is_stored_under_the_sender(collector: CollectorProc) -> None:
    a = enroll(collector, "host-a")
    b = enroll(collector, "host-b")
    s = open_stream(collector, a.key, a.cert)
    s.send(rawclient.hello(5, agent_id=b.agent_id))  # claims to be B
    s.next()
    s.send(rawclient.batch(5, 1, n=20))
    while s.next().ack.seq < 1:
        pass
    s.close()
    collector.stop()
    ids = device_ids(collector.data_dir)
    assert samples_per_device(collector.data_dir) == {ids[a.agent_id]: 20}


def test_malformed_and_oversized_messages_get_a_clear_status_and_others_keep_streaming(
    collector: CollectorProc,
) -> None:
    good, bad = enroll(collector, "good"), enroll(collector, "bad")
    ok = open_stream(collector, good.key, good.cert)
    ok.send(rawclient.hello(1))
    ok.next()

    s = open_stream(collector, bad.key, bad.cert)
    s.send(rawclient.hello(1))
    s.next()
    s.send(b"\xff\xff\xff\xff\x0f not a protobuf")
    with pytest.raises(grpc.RpcError) as info:
        s.next()
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "malformed AgentMessage" in (info.value.details() or "")

    s = open_stream(collector, bad.key, bad.cert)
    s.send(rawclient.hello(1))
    s.next()
    s.send(rawclient.batch(1, 1, n=3_000_000))  # ~40 MB, over the 16 MiB limit
    with pytest.raises(grpc.RpcError) as info:
        s.next()
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

    s = open_stream(collector, bad.key, bad.cert)
    s.send(rawclient.hello(1))
    s.next()
    s.send(rawclient.batch(1, 1, n=5, define=False))  # uses a series it never defined
    with pytest.raises(grpc.RpcError) as info:
        s.next()
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "never defined" in (info.value.details() or "")

    ok.send(rawclient.batch(1, 1, n=10))  # the well-behaved agent was never disturbed
    while ok.next().ack.seq < 1:
        pass
    ok.close()
    collector.stop()
    ids = device_ids(collector.data_dir)
    assert samples_per_device(collector.data_dir) == {ids[good.agent_id]: 10}


def test_seqs_the_agent_no_longer_holds_become_a_gap_so_acks_advance(collector: CollectorProc) -> None:
    """A collector restored from an old backup has no record of batches the agent already saw
    acknowledged and deleted: it records them as a gap instead of waiting for them forever."""
    a = enroll(collector)
    s = open_stream(collector, a.key, a.cert)
    hello = rawclient.hello(11)
    hello.hello.spool_low_seq = 5  # seqs 1..4 were acknowledged by "another" collector
    s.send(hello)
    assert s.next().ack == eus_pb2.Ack(epoch=11, seq=0)
    assert s.next().ack == eus_pb2.Ack(epoch=11, seq=4)  # after the gap's commit
    s.send(rawclient.batch(11, 5, n=10))
    assert s.next().ack == eus_pb2.Ack(epoch=11, seq=5)
    s.close()
    collector.stop()
    gaps = query(collector.data_dir, "SELECT from_seq, to_seq, samples_dropped, reason FROM gaps")
    assert len(gaps) == 1
    assert gaps[0][:3] == (1, 4, 0)
    assert "unknown to this collector" in str(gaps[0][3])
    ids = device_ids(collector.data_dir)
    assert samples_per_device(collector.data_dir) == {ids[a.agent_id]: 10}
