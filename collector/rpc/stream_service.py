"""``eus.v1.AgentStream``: authenticate the peer, decode batches, hand them to the writer, ack.

Messages arrive as raw bytes (no deserializer is registered) so that a malformed message
gets a specific INVALID_ARGUMENT instead of a generic failure. The device is whatever the
verified client certificate says; identifiers inside messages are never trusted. A Hello that
offers ``deflate_stream`` is accepted in the first Ack; the agent's later messages may then be
``deflated`` frames of the stream's one deflate context (collector.rpc.inflate), bounded by the
message limit after inflation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from collector.bus import Bus, StreamClosed, StreamOpened
from collector.ingest.series import SeriesRegistry
from collector.ingest.writer import GapInfo, IngestWriter, PendingBatch, RunInfo
from collector.rpc.agent_config import AgentConfigs
from collector.rpc.agent_messages import Refusal, decode
from collector.rpc.inflate import StreamInflater
from collector.rpc.live import LiveStreams
from collector.rpc.peer import peer_certificate
from collector.store.db import Store, audit
from collector.store.models import Device, StreamState
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

MAX_LOCAL_SERIES_ID = 1 << 20
MAX_SAMPLES_PER_BATCH = 1_000_000
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class _Abort:
    code: grpc.StatusCode
    message: str


class _End:
    """The agent half-closed its side."""


@dataclass(frozen=True)
class DeviceRef:
    device_id: int
    customer_id: int
    agent_id: str


class StreamSession:
    """One open stream: its decoding state and its outbound queue. Also the writer's sink."""

    def __init__(self, loop: asyncio.AbstractEventLoop, device: DeviceRef, peer: str) -> None:
        self.loop = loop
        self.device = device
        self.device_id = device.device_id
        self.peer = peer
        self.out: asyncio.Queue[eus_pb2.CollectorMessage | _Abort | _End] = asyncio.Queue()
        self.epoch: int | None = None
        self.goodbye: str | None = None
        self.inflater: StreamInflater | None = None  # set when Hello's deflate_stream is accepted
        self.lut: npt.NDArray[np.uint32] = np.zeros(1024, dtype=np.uint32)  # local id -> global id
        self._acked: dict[int, int] = {}
        self._ack_queued = False

    # -- CommitSink (writer thread) ---------------------------------------------------
    def committed(self, epoch: int, hwm: int) -> None:
        self.loop.call_soon_threadsafe(self._ack, epoch, hwm)

    def failed(self, message: str) -> None:
        self.loop.call_soon_threadsafe(self.out.put_nowait, _Abort(grpc.StatusCode.UNAVAILABLE, message))

    # -- LiveStream (any thread) ------------------------------------------------------
    def kick(self, code_name: str, message: str) -> None:
        code = getattr(grpc.StatusCode, code_name)
        self.loop.call_soon_threadsafe(self.out.put_nowait, _Abort(code, message))

    def send(self, message: eus_pb2.CollectorMessage) -> None:
        self.loop.call_soon_threadsafe(self.out.put_nowait, message)

    # -- loop thread ------------------------------------------------------------------
    def _ack(self, epoch: int, hwm: int) -> None:
        if hwm <= self._acked.get(epoch, 0):
            return
        self._acked[epoch] = hwm
        self.out.put_nowait(eus_pb2.CollectorMessage(ack=eus_pb2.Ack(epoch=epoch, seq=hwm)))


class StreamService:
    """Implements ``/eus.v1.AgentStream/Stream`` over raw bytes."""

    def __init__(
        self,
        store: Store,
        writer: IngestWriter,
        series: SeriesRegistry,
        live: LiveStreams,
        *,
        configs: AgentConfigs | None = None,
        bus: Bus | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self._store = store
        self._max_message_bytes = max_message_bytes
        self._writer = writer
        self._series = series
        self._live = live
        self._configs = configs
        self._bus = bus
        self.shutting_down = False

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            "eus.v1.AgentStream",
            {
                "Stream": grpc.stream_stream_rpc_method_handler(
                    self.stream,
                    request_deserializer=None,
                    response_serializer=eus_pb2.CollectorMessage.SerializeToString,
                )
            },
        )

    # -- authentication ---------------------------------------------------------------
    def _lookup(self, agent_id: str, serial_hex: str) -> DeviceRef | _Abort:
        with self._store.session() as s:
            dev = s.scalars(select(Device).where(Device.agent_id == agent_id)).one_or_none()
            if dev is None:
                return _Abort(grpc.StatusCode.PERMISSION_DENIED, f"unknown agent {agent_id}")
            if dev.revoked_at is not None:
                return _Abort(grpc.StatusCode.PERMISSION_DENIED, f"agent {agent_id} was revoked")
            if dev.cert_serial and dev.cert_serial != serial_hex:
                return _Abort(
                    grpc.StatusCode.PERMISSION_DENIED, "this certificate was superseded; enrol again"
                )
            return DeviceRef(dev.id, dev.customer_id, dev.agent_id)

    async def stream(
        self, request_iterator: AsyncIterator[bytes], context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[eus_pb2.CollectorMessage]:
        cert = peer_certificate(context)
        if cert is None:
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "a client certificate issued by this collector is required (use the stream port)",
            )
        assert cert is not None
        found = await asyncio.to_thread(self._lookup, cert.common_name, cert.serial_hex)
        if isinstance(found, _Abort):
            log.warning("stream refused from %s: %s", context.peer(), found.message)
            await context.abort(found.code, found.message)
        assert isinstance(found, DeviceRef)
        session = StreamSession(asyncio.get_running_loop(), found, context.peer())
        self._live.register(session)
        reader = asyncio.create_task(self._read(request_iterator, session))
        try:
            while True:
                item = await session.out.get()
                if isinstance(item, _End):
                    return
                if isinstance(item, _Abort):
                    await context.abort(item.code, item.message)
                assert isinstance(item, eus_pb2.CollectorMessage)
                yield item
        finally:
            reader.cancel()
            if self._live.unregister(session) and not self.shutting_down and session.epoch is not None:
                state = (
                    StreamState.OFFLINE_CLEAN
                    if session.goodbye is not None
                    else StreamState.OFFLINE_UNEXPECTED
                )
                # State and event in one worker call: if this task is cancelled while it
                # waits (the client vanished), the thread still finishes both.
                await asyncio.shield(asyncio.to_thread(self._close_out, session, state))

    # -- reading ----------------------------------------------------------------------
    async def _read(self, requests: AsyncIterator[bytes], session: StreamSession) -> None:
        try:
            async for raw in requests:
                msg = decode(raw, session.inflater)
                if isinstance(msg, Refusal):
                    session.out.put_nowait(_Abort(msg.code, msg.message))
                    return
                self._live.seen(session.device_id)
                problem = await self._handle(msg, session)
                if problem is not None:
                    log.warning("stream from %s refused: %s", session.device.agent_id, problem)
                    session.out.put_nowait(_Abort(grpc.StatusCode.INVALID_ARGUMENT, problem))
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken transport ends the stream, nothing else
            log.info("stream from %s ended: %s", session.device.agent_id, exc)
        session.out.put_nowait(_End())

    async def _handle(self, msg: eus_pb2.AgentMessage, session: StreamSession) -> str | None:
        kind = msg.WhichOneof("body")
        if kind == "hello":
            if session.epoch is not None:
                return "hello sent twice on one stream"
            if msg.hello.spool_epoch == 0:
                return "hello.spool_epoch must be set"
            session.epoch = msg.hello.spool_epoch
            await asyncio.to_thread(self._set_online, session, msg.hello)
            hwm = self._writer.hwm(session.device_id, session.epoch)
            if msg.hello.deflate_stream:
                session.inflater = StreamInflater(self._max_message_bytes)
            ack = eus_pb2.Ack(epoch=session.epoch, seq=hwm, deflate_stream=session.inflater is not None)
            session.out.put_nowait(eus_pb2.CollectorMessage(ack=ack))
            low = msg.hello.spool_low_seq
            if low > hwm + 1:
                # The agent deleted seqs this collector never recorded (its data was restored
                # or lost): record them as a gap so acks advance, and say so in the log.
                log.warning(
                    "agent %s no longer holds seqs %d..%d of epoch %d, which this collector has no record of",
                    session.device.agent_id,
                    hwm + 1,
                    low - 1,
                    session.epoch,
                )
                empty = (
                    np.zeros(0, dtype=np.uint32),
                    np.zeros(0, dtype=np.int64),
                    np.zeros(0, dtype=np.float64),
                )
                reason = (
                    "acknowledged before, but unknown to this collector (restored or lost collector data)"
                )
                self._writer.submit(
                    PendingBatch(
                        session.device_id,
                        session.epoch,
                        low - 1,
                        *empty,
                        session,
                        GapInfo(hwm + 1, 0, 0, 0, reason),
                    )
                )
            if self._configs is not None:
                config = await asyncio.to_thread(self._configs.build, session.device_id)
                if config is not None:
                    session.out.put_nowait(eus_pb2.CollectorMessage(config=config))
            if self._bus is not None:
                self._bus.publish(
                    StreamOpened(session.device_id, session.device.customer_id, session.peer, time.time())
                )
            return None
        if session.epoch is None:
            return "the first message on a stream must be hello"
        if kind == "batch":
            return await self._batch(msg.batch, session)
        if kind == "goodbye":
            session.goodbye = msg.goodbye.reason or "goodbye"
            return None
        return "empty AgentMessage"

    def _define_series(self, batch: eus_pb2.Batch, session: StreamSession) -> str | None:
        for d in batch.series:
            if d.id == 0 or d.id >= MAX_LOCAL_SERIES_ID:
                return f"series id {d.id} out of range 1..{MAX_LOCAL_SERIES_ID - 1}"
            try:
                gid = self._series.resolve(session.device_id, d.name, dict(d.labels), d.unit, d.monotonic)
            except ValueError as exc:
                return str(exc)
            if d.id >= session.lut.shape[0]:
                grown = np.zeros(max(d.id + 1, session.lut.shape[0] * 2), dtype=np.uint32)
                grown[: session.lut.shape[0]] = session.lut
                session.lut = grown
            session.lut[d.id] = gid
        return None

    @staticmethod
    def _columns(
        batch: eus_pb2.Batch, session: StreamSession
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.float64]] | str:
        """The packed columns as arrays, local series ids mapped to global ones."""
        local = np.array(batch.series_id, dtype=np.uint32)
        ts = np.array(batch.ts_ms, dtype=np.int64)
        values = np.array(batch.value, dtype=np.float64)
        if not (local.shape == ts.shape == values.shape):
            return (
                f"batch {batch.seq}: columns differ in length "
                f"(series_id {local.shape[0]}, ts_ms {ts.shape[0]}, value {values.shape[0]})"
            )
        if local.shape[0] > MAX_SAMPLES_PER_BATCH:
            return f"batch {batch.seq}: more than {MAX_SAMPLES_PER_BATCH} samples"
        if not local.shape[0]:
            return local, ts, values
        if int(local.max()) >= session.lut.shape[0]:
            return f"batch {batch.seq}: series id {int(local.max())} was never defined on this stream"
        glob = session.lut[local]
        if not glob.all():
            missing = int(local[glob == 0][0])
            return f"batch {batch.seq}: series id {missing} was never defined on this stream"
        return glob, ts, values

    async def _batch(self, batch: eus_pb2.Batch, session: StreamSession) -> str | None:
        if batch.epoch != session.epoch:
            return f"batch epoch {batch.epoch} does not match the stream's epoch {session.epoch}"
        if batch.seq == 0:
            return "batch.seq must start at 1"
        problem = self._define_series(batch, session)
        if problem is not None:
            return problem
        cols = self._columns(batch, session)
        if isinstance(cols, str):
            return cols
        gap = None
        if batch.HasField("gap"):
            g = batch.gap
            if g.from_seq == 0 or g.from_seq > batch.seq:
                return f"batch {batch.seq}: gap.from_seq {g.from_seq} must be in 1..{batch.seq}"
            gap = GapInfo(
                g.from_seq, g.samples_dropped, g.first_ts_ms, g.last_ts_ms, g.reason or "spool overflow"
            )
        runs = None
        if batch.runs:  # one pass; the per-run tuples die at once, the five columns are kept
            runs = RunInfo(
                *zip(
                    *[(r.collector, r.started_ms, r.duration_s, r.ok, r.error) for r in batch.runs],
                    strict=True,
                )
            )
        while self._writer.saturated:  # backpressure: the agent's window stalls, nothing is lost
            await asyncio.sleep(0.005)
        self._writer.submit(
            PendingBatch(
                session.device_id,
                batch.epoch,
                batch.seq,
                *cols,
                session,
                gap,
                runs,
                functions=list(batch.functions),
                inventory=list(batch.inventory),
                events=list(batch.events),
                command_results=list(batch.command_results),
            )
        )
        return None

    # -- device state (worker threads) --------------------------------------------------
    def _set_online(self, session: StreamSession, hello: eus_pb2.Hello) -> None:
        with self._store.session() as s:
            dev = s.get(Device, session.device_id)
            if dev is None:
                return
            h = hello.host
            if h.hostname:
                dev.hostname = h.hostname[:255]
            dev.os, dev.os_version, dev.kernel, dev.arch = (
                h.os[:100],
                h.os_version[:200],
                h.kernel[:200],
                h.arch[:50],
            )
            dev.agent_version = hello.agent_version[:50]
            dev.last_address = session.peer[:100]
            dev.last_seen = datetime.now(UTC)
            was = dev.stream_state
            dev.stream_state = StreamState.ONLINE.value
            if was != StreamState.ONLINE.value:
                audit(
                    s,
                    f"agent:{dev.agent_id}",
                    "agent.online",
                    f"device:{dev.id}",
                    customer_id=dev.customer_id,
                    address=session.peer,
                    previous=was,
                )

    def _close_out(self, session: StreamSession, state: StreamState) -> None:
        """Record the device offline, then tell the bus (alerting tells crash from shutdown)."""
        self._set_offline(session, state)
        if self._bus is not None:
            self._bus.publish(
                StreamClosed(
                    session.device_id,
                    session.device.customer_id,
                    clean=session.goodbye is not None,
                    reason=session.goodbye or "stream dropped without goodbye",
                    at=time.time(),
                )
            )

    def _set_offline(self, session: StreamSession, state: StreamState) -> None:
        with self._store.session() as s:
            dev = s.get(Device, session.device_id)
            if dev is None:
                return
            dev.stream_state = state.value
            dev.last_seen = datetime.now(UTC)
            audit(
                s,
                f"agent:{dev.agent_id}",
                "agent.offline",
                f"device:{dev.id}",
                customer_id=dev.customer_id,
                address=session.peer,
                state=state.value,
                reason=session.goodbye or "",
            )
