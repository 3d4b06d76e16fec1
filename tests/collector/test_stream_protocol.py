"""The stream's protocol decisions, as tables: message order, the Hello handshake, batch headers."""

from __future__ import annotations

import pytest

from collector.rpc.stream_protocol import (
    DEFAULT_GAP_REASON,
    LOST_REASON,
    BatchHeader,
    Problem,
    StreamProtocol,
)
from collector.tsdb.ingest.writer import GapInfo
from eus.v1 import eus_pb2

EPOCH = 1_700_000_000_000


def opened() -> StreamProtocol:
    p = StreamProtocol()
    assert p.open(eus_pb2.Hello(spool_epoch=EPOCH)) is None
    return p


@pytest.mark.parametrize(
    ("after_hello", "kind", "expected"),
    [
        (False, "hello", None),
        (False, "batch", "the first message on a stream must be hello"),
        (False, "goodbye", "the first message on a stream must be hello"),
        (False, None, "the first message on a stream must be hello"),
        (True, "hello", "hello sent twice on one stream"),
        (True, "batch", None),
        (True, "goodbye", None),
        (True, None, "empty AgentMessage"),
    ],
)
def test_message_order(after_hello: bool, kind: str | None, expected: str | None) -> None:
    p = opened() if after_hello else StreamProtocol()
    problem = p.admit(kind)
    assert (problem.message if problem else None) == expected


def test_hello_without_epoch_is_a_problem_and_leaves_the_stream_unopened() -> None:
    p = StreamProtocol()
    assert p.open(eus_pb2.Hello()) == Problem("hello.spool_epoch must be set")
    assert p.epoch is None


@pytest.mark.parametrize(
    ("low", "hwm", "offer", "lost", "lost_to"),
    [
        (0, 0, True, None, 0),  # a fresh agent
        (1, 0, True, None, 0),  # holds everything from 1
        (11, 10, False, None, 0),  # holds everything after our mark
        (5, 10, True, None, 0),  # holds seqs we have: they are resent and deduplicated
        (21, 10, True, GapInfo(11, 0, 0, 0, LOST_REASON), 20),  # 11..20 nobody holds
        (2, 0, True, GapInfo(1, 0, 0, 0, LOST_REASON), 1),
    ],
)
def test_hello_reply(low: int, hwm: int, offer: bool, lost: GapInfo | None, lost_to: int) -> None:
    p = opened()
    hello = eus_pb2.Hello(spool_epoch=EPOCH, spool_low_seq=low, deflate_stream=offer)
    reply = p.reply(hello, hwm, deflate=True)
    assert (reply.ack.epoch, reply.ack.seq, reply.ack.deflate_stream) == (EPOCH, hwm, offer)
    assert (reply.lost, reply.lost_to_seq) == (lost, lost_to)


def test_deflate_is_declined_when_the_collector_does_not_offer_it() -> None:
    hello = eus_pb2.Hello(spool_epoch=EPOCH, deflate_stream=True)
    assert not opened().reply(hello, 0, deflate=False).ack.deflate_stream


@pytest.mark.parametrize(
    ("batch", "expected"),
    [
        (eus_pb2.Batch(epoch=EPOCH, seq=1), BatchHeader(None)),
        (
            eus_pb2.Batch(epoch=EPOCH + 1, seq=1),
            Problem(f"batch epoch {EPOCH + 1} does not match the stream's epoch {EPOCH}"),
        ),
        (eus_pb2.Batch(epoch=EPOCH, seq=0), Problem("batch.seq must start at 1")),
        (
            eus_pb2.Batch(epoch=EPOCH, seq=9, gap=eus_pb2.Gap(from_seq=3, samples_dropped=40, reason="x")),
            BatchHeader(GapInfo(3, 40, 0, 0, "x")),
        ),
        (
            eus_pb2.Batch(epoch=EPOCH, seq=9, gap=eus_pb2.Gap(from_seq=9, first_ts_ms=5, last_ts_ms=6)),
            BatchHeader(GapInfo(9, 0, 5, 6, DEFAULT_GAP_REASON)),
        ),
        (
            eus_pb2.Batch(epoch=EPOCH, seq=9, gap=eus_pb2.Gap(from_seq=0)),
            Problem("batch 9: gap.from_seq 0 must be in 1..9"),
        ),
        (
            eus_pb2.Batch(epoch=EPOCH, seq=9, gap=eus_pb2.Gap(from_seq=10)),
            Problem("batch 9: gap.from_seq 10 must be in 1..9"),
        ),
    ],
)
def test_batch_header(batch: eus_pb2.Batch, expected: BatchHeader | Problem) -> None:
    assert opened().batch(batch) == expected


@pytest.mark.parametrize(("reason", "expected"), [("SIGTERM", "SIGTERM"), ("", "goodbye")])
def test_goodbye_is_remembered(reason: str, expected: str) -> None:
    p = opened()
    assert p.goodbye is None
    p.said_goodbye(reason)
    assert p.goodbye == expected


def test_agent_and_collector_agree_on_the_refused_seq_trailer() -> None:
    from agent.transport import REFUSED_SEQ_KEY as AGENT_KEY
    from collector.rpc.stream_protocol import REFUSED_SEQ_KEY

    assert AGENT_KEY == REFUSED_SEQ_KEY
