"""The two halves of the stream's shared deflate context, as pure functions of their input."""

from __future__ import annotations

import random

import pytest

from agent.stream_deflate import StreamDeflater
from collector.rpc.inflate import FrameTooLarge, InflateError, StreamInflater


def test_every_frame_inflates_to_its_message_in_order() -> None:
    rng = random.Random(7)
    d, i = StreamDeflater(), StreamInflater(1 << 20)
    messages = [bytes(rng.randrange(256) for _ in range(rng.randrange(0, 3000))) for _ in range(200)]
    messages += [b"collector=cpu ok " * 40] * 20
    assert [i.message(d.frame(m)) for m in messages] == messages


def test_what_earlier_frames_said_costs_little_the_next_time() -> None:
    d = StreamDeflater()
    text = b"function stream-port tcp OK connected to 127.0.0.1:7443 in 6.71 ms " * 3
    first, again = len(d.frame(text)), len(d.frame(text))
    assert again < first / 5


def test_a_frame_that_refers_to_what_this_context_never_saw_is_refused() -> None:
    d = StreamDeflater()
    d.frame(b"the first message, which this collector never received " * 4)
    later = d.frame(b"the first message, which this collector never received " * 4)
    with pytest.raises(InflateError, match="malformed deflate frame"):
        StreamInflater(1 << 20).message(later)


def test_output_is_bounded_by_the_limit() -> None:
    d, i = StreamDeflater(), StreamInflater(10_000)
    assert i.message(d.frame(b"x" * 10_000)) == b"x" * 10_000
    with pytest.raises(FrameTooLarge, match="inflates to more than 10000 bytes"):
        i.message(d.frame(b"y" * 10_001))
