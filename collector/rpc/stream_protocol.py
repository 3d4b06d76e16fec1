"""The stream's protocol decisions, pure: the Hello handshake, message order, batch headers.

The servicer does the I/O (decoding, the store, the writer, gRPC); this object only decides,
so every rule is tested as a table (tests/collector/test_stream_protocol.py). One object per
stream: it remembers the epoch Hello fixed and whether the agent said Goodbye.
"""

from __future__ import annotations

from dataclasses import dataclass

from collector.tsdb.ingest.writer import GapInfo
from eus.v1 import eus_pb2

# Hello.spool_low_seq above the collector's mark: the agent deleted seqs this collector
# never recorded (its data was restored from a backup, or lost).
LOST_REASON = "acknowledged before, but unknown to this collector (restored or lost collector data)"
DEFAULT_GAP_REASON = "spool overflow"


# Trailing metadata of an INVALID_ARGUMENT that refuses one batch as unfit to store: its seq.
# The agent sets that batch aside as a gap instead of resending it (agent.transport).
REFUSED_SEQ_KEY = "eus-refused-seq"


@dataclass(frozen=True)
class Problem:
    """The stream ends with INVALID_ARGUMENT and this message.

    ``refused_seq`` is set when the problem is one batch's content (not the protocol): the
    refusal is recorded and the agent told which batch to set aside.
    """

    message: str
    refused_seq: int | None = None


@dataclass(frozen=True)
class HelloReply:
    """What to answer a Hello: the first Ack, and a gap to record for seqs nobody holds."""

    ack: eus_pb2.Ack
    lost: GapInfo | None  # covers lost.from_seq .. lost_to_seq
    lost_to_seq: int


@dataclass(frozen=True)
class BatchHeader:
    """A batch whose numbering fits the stream, and the gap it reports, if any."""

    gap: GapInfo | None


class StreamProtocol:
    """Per-stream state and decisions; no I/O."""

    def __init__(self) -> None:
        self.epoch: int | None = None
        self.goodbye: str | None = None

    def admit(self, kind: str | None) -> Problem | None:
        """May a message of this ``kind`` (the AgentMessage body) come now?"""
        if kind == "hello":
            return Problem("hello sent twice on one stream") if self.epoch is not None else None
        if self.epoch is None:
            return Problem("the first message on a stream must be hello")
        if kind in ("batch", "goodbye"):
            return None
        return Problem("empty AgentMessage")

    def open(self, hello: eus_pb2.Hello) -> Problem | None:
        """Fix the stream's epoch from Hello."""
        if hello.spool_epoch == 0:
            return Problem("hello.spool_epoch must be set")
        self.epoch = hello.spool_epoch
        return None

    def reply(self, hello: eus_pb2.Hello, hwm: int, *, deflate: bool) -> HelloReply:
        """The first Ack (``hwm``: the highest contiguous committed seq of the epoch)."""
        assert self.epoch is not None, "open() first"
        ack = eus_pb2.Ack(epoch=self.epoch, seq=hwm, deflate_stream=deflate and hello.deflate_stream)
        low = hello.spool_low_seq
        if low > hwm + 1:
            return HelloReply(ack, GapInfo(hwm + 1, 0, 0, 0, LOST_REASON), low - 1)
        return HelloReply(ack, None, 0)

    def batch(self, batch: eus_pb2.Batch) -> BatchHeader | Problem:
        """Check a batch's epoch, seq and gap range."""
        if batch.epoch != self.epoch:
            return Problem(f"batch epoch {batch.epoch} does not match the stream's epoch {self.epoch}")
        if batch.seq == 0:
            return Problem("batch.seq must start at 1")
        if not batch.HasField("gap"):
            return BatchHeader(None)
        g = batch.gap
        if g.from_seq == 0 or g.from_seq > batch.seq:
            return Problem(f"batch {batch.seq}: gap.from_seq {g.from_seq} must be in 1..{batch.seq}")
        return BatchHeader(
            GapInfo(
                g.from_seq, g.samples_dropped, g.first_ts_ms, g.last_ts_ms, g.reason or DEFAULT_GAP_REASON
            )
        )

    def said_goodbye(self, reason: str) -> None:
        self.goodbye = reason or "goodbye"
