"""The stream's shared deflate context (``AgentMessage.deflated``) against a real collector
process over loopback TLS: what the agent sends arrives, what no agent would send is refused
with a specific status, and a small frame cannot inflate past the message limit."""

from __future__ import annotations

import zlib

import grpc
import pytest
from support import rawclient
from support.procs import CollectorProc
from support.tsdb import query, samples_per_device
from test_stream_security import device_ids, enroll, open_stream

from agent.stream_deflate import StreamDeflater
from eus.v1 import eus_pb2


def deflated(deflater: StreamDeflater, msg: eus_pb2.AgentMessage) -> eus_pb2.AgentMessage:
    return eus_pb2.AgentMessage(deflated=deflater.frame(msg.SerializeToString()))


def offering_hello(epoch: int) -> eus_pb2.AgentMessage:
    hello = rawclient.hello(epoch)
    hello.hello.deflate_stream = True
    return hello


def refused(stream: rawclient.RawStream) -> grpc.RpcError:
    def drain() -> None:
        while True:
            stream.next()

    with pytest.raises(grpc.RpcError) as info:
        drain()
    return info.value


def test_batches_in_the_shared_context_are_stored_and_acked(collector: CollectorProc) -> None:
    a = enroll(collector)
    s = open_stream(collector, a.key, a.cert)
    s.send(offering_hello(3))
    assert s.next().ack == eus_pb2.Ack(epoch=3, seq=0, deflate_stream=True)
    d = StreamDeflater()
    for seq in (1, 2, 3):
        s.send(deflated(d, rawclient.batch(3, seq, n=40, define=seq == 1)))
    while s.next().ack.seq < 3:
        pass
    s.send(deflated(d, eus_pb2.AgentMessage(goodbye=eus_pb2.Goodbye(reason="test"))))
    s.close()
    collector.stop()
    ids = device_ids(collector.data_dir)
    assert samples_per_device(collector.data_dir) == {ids[a.agent_id]: 120}
    assert query(collector.data_dir, "SELECT seq FROM batches ORDER BY seq") == [(1,), (2,), (3,)]


def test_a_hello_without_the_offer_is_not_answered_with_it(collector: CollectorProc) -> None:
    a = enroll(collector)
    s = open_stream(collector, a.key, a.cert)
    s.send(rawclient.hello(5))
    assert s.next().ack == eus_pb2.Ack(epoch=5, seq=0)  # deflate_stream false: plain messages only
    s.send(deflated(StreamDeflater(), rawclient.batch(5, 1, n=3)))
    err = refused(s)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "deflated message before Hello offered deflate_stream" in (err.details() or "")


@pytest.mark.parametrize(
    ("frame", "code", "says"),
    [
        (b"\xff\xfe garbage", grpc.StatusCode.INVALID_ARGUMENT, "malformed deflate frame"),
        # A final block: the context may not end while the stream goes on.
        (
            zlib.compress(b"x", wbits=-15),
            grpc.StatusCode.INVALID_ARGUMENT,
            "ended the stream's deflate context",
        ),
        # 40 kB of zeros squeezed into a frame that inflates to 20 MiB: over the 16 MiB limit.
        (None, grpc.StatusCode.RESOURCE_EXHAUSTED, "inflates to more than"),
        # Valid deflate, but what it carries is not an AgentMessage.
        (b"notproto", grpc.StatusCode.INVALID_ARGUMENT, "malformed AgentMessage inside a deflate frame"),
    ],
    ids=["garbage", "final-block", "bomb", "not-protobuf-inside"],
)
def test_frames_no_agent_would_send_get_a_specific_status(
    collector: CollectorProc, frame: bytes | None, code: grpc.StatusCode, says: str
) -> None:
    a = enroll(collector)
    s = open_stream(collector, a.key, a.cert)
    s.send(offering_hello(9))
    s.next()
    if frame is None:
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        frame = (z.compress(b"\0" * (20 << 20)) + z.flush(zlib.Z_SYNC_FLUSH))[:-4]
        assert len(frame) < 64 << 10
    elif frame == b"notproto":
        frame = StreamDeflater().frame(b"\xff\xff\xff\xff\x0f not a protobuf")
    s.send(eus_pb2.AgentMessage(deflated=frame))
    err = refused(s)
    assert err.code() == code, err.details()
    assert says in (err.details() or "")
    collector.stop()
    assert query(collector.data_dir, "SELECT count(*) FROM batches") == [(0,)]
