"""One open agent stream: its protocol state, decoding state and outbound queue.

The servicer's handler reads from the agent; everything that goes back to it (acks, config,
commands, the final status) passes through the session's queue, so other threads (the writer,
the revocation sweep, central configuration) reach the stream safely.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
import numpy as np
import numpy.typing as npt

from collector.rpc.inflate import StreamInflater
from collector.rpc.presence import DeviceRef
from collector.rpc.stream_protocol import StreamProtocol
from eus.v1 import eus_pb2


@dataclass(frozen=True)
class Abort:
    """End the stream with this status."""

    code: grpc.StatusCode
    message: str
    trailers: tuple[tuple[str, str], ...] = ()


class End:
    """The agent half-closed its side."""


class StreamSession:
    """One open stream: its protocol state, decoding state and outbound queue. Also the writer's sink."""

    def __init__(self, loop: asyncio.AbstractEventLoop, device: DeviceRef, peer: str) -> None:
        self.loop = loop
        self.device = device
        self.device_id = device.device_id
        self.peer = peer
        self.out: asyncio.Queue[eus_pb2.CollectorMessage | Abort | End] = asyncio.Queue()
        self.protocol = StreamProtocol()
        self.inflater: StreamInflater | None = None  # set when Hello's deflate_stream is accepted
        self.lut: npt.NDArray[np.uint32] = np.zeros(1024, dtype=np.uint32)  # local id -> global id
        self._acked: dict[int, int] = {}

    # -- CommitSink (writer thread) ---------------------------------------------------
    def committed(self, epoch: int, hwm: int) -> None:
        self.loop.call_soon_threadsafe(self._ack, epoch, hwm)

    def failed(self, message: str) -> None:
        self.loop.call_soon_threadsafe(self.out.put_nowait, Abort(grpc.StatusCode.UNAVAILABLE, message))

    # -- LiveStream (any thread) ------------------------------------------------------
    def kick(self, code_name: str, message: str) -> None:
        code = getattr(grpc.StatusCode, code_name)
        self.loop.call_soon_threadsafe(self.out.put_nowait, Abort(code, message))

    def send(self, message: eus_pb2.CollectorMessage) -> None:
        self.loop.call_soon_threadsafe(self.out.put_nowait, message)

    # -- loop thread ------------------------------------------------------------------
    def _ack(self, epoch: int, hwm: int) -> None:
        if hwm <= self._acked.get(epoch, 0):
            return
        self._acked[epoch] = hwm
        self.out.put_nowait(eus_pb2.CollectorMessage(ack=eus_pb2.Ack(epoch=epoch, seq=hwm)))
