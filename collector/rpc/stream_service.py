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
from typing import Any

import grpc
import numpy as np
import numpy.typing as npt

from collector.bus import AgentReported, Bus, StreamClosed, StreamOpened
from collector.ingest.refusals import record_refusal
from collector.ingest.validation import Limits, validate
from collector.rpc.agent_config import AgentConfigs
from collector.rpc.agent_messages import Refusal, decode
from collector.rpc.backpressure import Backpressure
from collector.rpc.inflate import StreamInflater
from collector.rpc.live import LiveStreams
from collector.rpc.peer import peer_certificate
from collector.rpc.presence import DeviceRef, Presence
from collector.rpc.stream_protocol import REFUSED_SEQ_KEY, Problem
from collector.rpc.stream_session import Abort, End, StreamSession
from collector.store.db import Store
from collector.store.models import StreamState
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.ingest.writer import IngestWriter, PendingBatch, RunInfo
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

MAX_LOCAL_SERIES_ID = 1 << 20
MAX_SAMPLES_PER_BATCH = 1_000_000
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


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
        limits: Limits | None = None,
        presence: Presence | None = None,
    ) -> None:
        self._store = store
        self._presence = presence or Presence(store, live)
        self._limits = limits or Limits()
        self._max_message_bytes = max_message_bytes
        self._writer = writer
        self._backpressure = Backpressure(writer)
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
        found = await asyncio.to_thread(self._presence.admit, cert.common_name, cert.serial_hex)
        if not isinstance(found, DeviceRef):
            log.warning("stream refused from %s: %s", context.peer(), found.message)
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, found.message)
        assert isinstance(found, DeviceRef)
        session = StreamSession(asyncio.get_running_loop(), found, context.peer())
        self._live.register(session)
        reader = asyncio.create_task(self._read(request_iterator, session))
        try:
            while True:
                item = await session.out.get()
                if isinstance(item, End):
                    return
                if isinstance(item, Abort):
                    await context.abort(item.code, item.message, trailing_metadata=item.trailers)
                assert isinstance(item, eus_pb2.CollectorMessage)
                yield item
        finally:
            reader.cancel()
            if (
                self._live.unregister(session)
                and not self.shutting_down
                and session.protocol.epoch is not None
            ):
                # State and event in one worker call: if this task is cancelled while it
                # waits (the client vanished), the thread still finishes both.
                await asyncio.shield(asyncio.to_thread(self._close_out, session))

    # -- reading ----------------------------------------------------------------------
    async def _read(self, requests: AsyncIterator[bytes], session: StreamSession) -> None:
        try:
            async for raw in requests:
                msg = decode(raw, session.inflater)
                if isinstance(msg, Refusal):
                    session.out.put_nowait(Abort(msg.code, msg.message))
                    return
                self._live.seen(session.device_id)
                problem = await self._handle(msg, session)
                if problem is not None:
                    session.out.put_nowait(await self._refuse(problem, session))
                    return
        except asyncio.CancelledError:
            raise
        except (grpc.RpcError, grpc.aio.BaseError) as exc:
            # The transport: the agent went away, or this side already ended the call
            # (AbortError after a kick or refusal). Nothing to add to the status sent.
            log.debug("stream from %s ended: %r", session.device.agent_id, exc)
        except Exception:  # a bug, not the network: it ends this stream, with its traceback
            log.exception("stream from %s failed", session.device.agent_id)
            session.out.put_nowait(Abort(grpc.StatusCode.INTERNAL, "collector error; reconnect"))
            return
        session.out.put_nowait(End())

    async def _refuse(self, problem: Problem, session: StreamSession) -> Abort:
        """Log the problem; a refused batch is also recorded for the device page."""
        log.warning("stream from %s refused: %s", session.device.agent_id, problem.message)
        if problem.refused_seq is None:
            return Abort(grpc.StatusCode.INVALID_ARGUMENT, problem.message)
        epoch = session.protocol.epoch or 0
        await asyncio.to_thread(
            record_refusal,
            self._store,
            customer_id=session.device.customer_id,
            device_id=session.device_id,
            epoch=epoch,
            seq=problem.refused_seq,
            reason=problem.message,
        )
        trailers = ((REFUSED_SEQ_KEY, str(problem.refused_seq)),)
        return Abort(grpc.StatusCode.INVALID_ARGUMENT, problem.message, trailers)

    async def _handle(self, msg: eus_pb2.AgentMessage, session: StreamSession) -> Problem | None:
        kind = msg.WhichOneof("body")
        problem = session.protocol.admit(kind)
        if problem is not None:
            return problem
        if kind == "hello":
            return await self._hello(msg.hello, session)
        if kind == "batch":
            return await self._batch(msg.batch, session)
        session.protocol.said_goodbye(msg.goodbye.reason)
        return None

    async def _hello(self, hello: eus_pb2.Hello, session: StreamSession) -> Problem | None:
        problem = session.protocol.open(hello)
        if problem is not None:
            return problem
        epoch = session.protocol.epoch
        assert epoch is not None
        await asyncio.to_thread(self._presence.online, session.device_id, hello, session.peer)
        reply = session.protocol.reply(hello, self._writer.hwm(session.device_id, epoch), deflate=True)
        if reply.ack.deflate_stream:
            session.inflater = StreamInflater(self._max_message_bytes)
        session.out.put_nowait(eus_pb2.CollectorMessage(ack=reply.ack))
        if reply.lost is not None:
            log.warning(
                "agent %s no longer holds seqs %d..%d of epoch %d, which this collector has no record of",
                session.device.agent_id,
                reply.lost.from_seq,
                reply.lost_to_seq,
                epoch,
            )
            empty = (np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
            self._writer.submit(
                PendingBatch(session.device_id, epoch, reply.lost_to_seq, *empty, session, reply.lost)
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

    async def _batch(self, batch: eus_pb2.Batch, session: StreamSession) -> Problem | None:
        header = session.protocol.batch(batch)
        if isinstance(header, Problem):
            return header
        unfit = validate(
            batch,
            now_ms=int(time.time() * 1000),
            new_series=self._series.count_new(session.device_id, ((d.name, d.labels) for d in batch.series)),
            limits=self._limits,
        )
        if unfit is not None:
            return Problem(f"batch {batch.seq} refused: {unfit}", refused_seq=batch.seq)
        problem = self._define_series(batch, session)
        if problem is not None:
            return Problem(problem)
        cols = self._columns(batch, session)
        if isinstance(cols, str):
            return Problem(cols)
        runs = None
        if batch.runs:  # one pass; the per-run tuples die at once, the five columns are kept
            runs = RunInfo(
                *zip(
                    *[(r.collector, r.started_ms, r.duration_s, r.ok, r.error) for r in batch.runs],
                    strict=True,
                )
            )
        if self._bus is not None and batch.HasField("sent_ms"):  # older agents do not stamp it
            self._bus.publish(
                AgentReported(session.device_id, batch.sent_ms, batch.spool_backlog, time.time())
            )
        await self._backpressure.wait()  # the agent's window stalls meanwhile; nothing is lost
        self._writer.submit(
            PendingBatch(
                session.device_id,
                batch.epoch,
                batch.seq,
                *cols,
                session,
                header.gap,
                runs,
                functions=list(batch.functions),
                inventory=list(batch.inventory),
                events=list(batch.events),
                command_results=list(batch.command_results),
            )
        )
        return None

    # -- device state (worker threads) --------------------------------------------------
    def _close_out(self, session: StreamSession) -> None:
        """Record the device offline, then tell the bus (alerting tells crash from shutdown)."""
        goodbye = session.protocol.goodbye
        state = StreamState.OFFLINE_CLEAN if goodbye is not None else StreamState.OFFLINE_UNEXPECTED
        log.info("stream from %s closed: %s", session.device.agent_id, goodbye or "without goodbye")
        self._presence.offline(session.device_id, state, session.peer, goodbye or "")
        if self._bus is not None:
            self._bus.publish(
                StreamClosed(
                    session.device_id,
                    session.device.customer_id,
                    clean=goodbye is not None,
                    reason=goodbye or "stream dropped without goodbye",
                    at=time.time(),
                )
            )
