"""The gRPC transport: streams spooled batches to the collector and deletes them when acked.

One ``AgentStream.Stream`` call at a time, over mutual TLS, on an asyncio loop in its own
thread. Per stream: ``Hello`` first; the collector answers ``Ack`` (its highest contiguous
committed seq for our epoch) and the rows up to it are deleted; then spooled batches go out in
seq order with at most ``window`` unacknowledged, each carrying the ``SeriesDef`` of every id
not yet defined on this stream. Acks are cumulative and may skip values. Hello offers the
stream's shared deflate context (agent.stream_deflate); when the first Ack accepts it, every
later message goes out ``deflated`` (gRPC's per-message gzip is then off: it would only add
bytes).

On any stream failure the agent keeps collecting into the spool and reconnects with
exponential backoff and full jitter (reset by a successful Hello -> Ack). UNAUTHENTICATED and
PERMISSION_DENIED (a revoked agent, say) are logged as errors and retried at the maximum
backoff. :meth:`Transport.stop` drains: it waits up to ``drain_timeout_s`` for the acks of
everything spooled, then sends ``Goodbye`` and half-closes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable

import grpc
import grpc.aio

from agent.series import SeriesRegistry
from agent.spool import Spool, SpooledBatch
from agent.stream_deflate import StreamDeflater
from eus.v1 import eus_pb2, eus_pb2_grpc

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
CHANNEL_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
)
# Every spool write and every ack wakes the write loop; this re-check is only a safety net.
IDLE_RECHECK_S = 60.0
_AUTH_CODES = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
# A collector stopping or unreachable: routine, logged at INFO.
_ROUTINE_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
# Trailing metadata naming the batch the collector refused (collector.rpc.stream_protocol).
REFUSED_SEQ_KEY = "eus-refused-seq"


class StreamEnded(Exception):
    """The collector ended the stream, or broke the protocol; the transport reconnects."""


class Backoff:
    """Exponential backoff with full jitter: sleep uniform(0, min(max, initial * 2**n))."""

    def __init__(
        self, initial_s: float, max_s: float, rng: Callable[[float, float], float] = random.uniform
    ) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self._rng = rng
        self._attempt = 0

    def next(self) -> float:
        ceiling = min(self.max_s, self.initial_s * 2 ** min(self._attempt, 62))
        self._attempt += 1
        return self._rng(0.0, ceiling)

    def reset(self) -> None:
        self._attempt = 0


def _refused_seq(exc: grpc.aio.AioRpcError) -> int | None:
    """The seq of the batch an INVALID_ARGUMENT refused as unfit to store, if it names one."""
    if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
        return None
    for key, value in exc.trailing_metadata() or ():
        if key == REFUSED_SEQ_KEY and str(value).isdigit():
            return int(value)
    return None


async def _status_error(call: grpc.aio.Call) -> grpc.aio.AioRpcError:
    """The finished ``call``'s status as the error a read would have raised."""
    return grpc.aio.AioRpcError(
        await call.code(),
        await call.initial_metadata(),
        await call.trailing_metadata(),
        await call.details(),
    )


def mtls_credentials(*, key_pem: bytes, cert_pem: bytes, ca_pem: bytes) -> grpc.ChannelCredentials:
    """Client credentials for the stream port: our key and certificate, the collector's CA."""
    return grpc.ssl_channel_credentials(
        root_certificates=ca_pem, private_key=key_pem, certificate_chain=cert_pem
    )


class Transport:
    """Sends the spool to the collector; one background thread running an asyncio loop."""

    def __init__(
        self,
        spool: Spool,
        registry: SeriesRegistry,
        *,
        target: str,
        credentials: grpc.ChannelCredentials,
        agent_version: str,
        host: eus_pb2.HostFacts,
        agent_id: str = "",
        window: int = 32,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        hello_timeout_s: float = 30.0,
        on_config: Callable[[eus_pb2.AgentConfig], None] | None = None,
        on_command: Callable[[eus_pb2.Command], None] | None = None,
    ) -> None:
        if window < 1:
            raise ValueError("window must be >= 1")
        self._spool = spool
        self._registry = registry
        self.target = target
        self._credentials = credentials
        self._agent_version = agent_version
        self._host = host
        self._agent_id = agent_id
        self.window = window
        self._backoff = Backoff(backoff_initial_s, backoff_max_s)
        self._hello_timeout_s = hello_timeout_s
        self._on_config = on_config
        self._on_command = on_command

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._wake_event: asyncio.Event | None = None
        self._session_task: asyncio.Future[None] | None = None
        self._deflater: StreamDeflater | None = None  # this stream's, once the collector accepted it
        # The newest configuration generation applied on this stream: the collector numbers each
        # configuration before reading it, so an older one that arrives later is stale.
        self._config_generation = 0
        # Shutdown, set on the loop thread by _begin_stop.
        self._stopping = False
        self._stop_target = 0
        self._stop_deadline = 0.0
        self._stop_reason = "SIGTERM"
        self._last_problem = ""
        # Observable state (read from other threads; plain attribute reads are atomic).
        self.acked_seq = 0
        self.connected = False
        self.sessions = 0  # successful Hello -> Ack exchanges
        self.goodbye_sent = False

    # ------------------------------------------------------------------ thread API

    def start(self) -> None:
        """Start the transport thread; returns once its loop is running."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._thread_main, name="eus-transport", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)

    def wake(self) -> None:
        """New data was spooled (thread-safe; cheap)."""
        loop, event = self._loop, self._wake_event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing left to wake
                loop.call_soon_threadsafe(event.set)

    def stop(self, drain_timeout_s: float = 5.0, reason: str = "SIGTERM") -> bool:
        """Drain for up to ``drain_timeout_s``, say Goodbye, close. True if everything was acked.

        Call after the batcher's final flush: everything spooled so far is the drain target.
        """
        target = self._spool.last_seq()
        deadline = time.monotonic() + drain_timeout_s
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to stop
                loop.call_soon_threadsafe(self._begin_stop, target, deadline, reason)
            thread.join(timeout=drain_timeout_s + 10)
            if thread.is_alive():
                log.warning("transport thread did not finish in time")
        self._thread = None
        return self._drained(target)

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # the thread must not die silently
            log.exception("transport failed")
        finally:
            self._ready.set()

    # ------------------------------------------------------------------ connection loop

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake_event = asyncio.Event()
        self._ready.set()
        try:
            while not self._finished():
                delay = await self._attempt()
                if delay is None or self._finished():
                    break
                await self._sleep(delay)
        finally:
            self._wake_event = None
            self._loop = None

    async def _attempt(self) -> float | None:
        """Run one stream; return the delay before the next attempt, None when shut down."""
        task = asyncio.ensure_future(self._session())
        self._session_task = task
        await asyncio.wait((task,))
        self._session_task = None
        if task.cancelled():
            return None  # cut short at the drain deadline
        exc = task.exception()
        if isinstance(exc, grpc.aio.AioRpcError):
            code, details = exc.code(), exc.details() or ""
            refused = _refused_seq(exc)
            if refused is not None:
                # The collector will never store this batch: set it aside as a gap and go on.
                if await asyncio.to_thread(
                    self._spool.set_aside, refused, f"refused by the collector: {details}"
                ):
                    return 0.0
                log.error("the collector refused batch %d, which this spool does not hold", refused)
            if code in _AUTH_CODES:
                log.error(
                    "collector %s refused this agent: %s: %s (retrying every %g s)",
                    self.target,
                    code.name,
                    details,
                    self._backoff.max_s,
                )
                return self._backoff.max_s
            routine = code in _ROUTINE_CODES
            self._problem(f"stream to {self.target} failed: {code.name}: {details}", routine=routine)
        elif isinstance(exc, StreamEnded):
            self._problem(f"stream to {self.target} ended: {exc}", routine=True)
        elif exc is not None:
            log.error("stream to %s failed", self.target, exc_info=exc)
        if self._stopping and time.monotonic() >= self._stop_deadline:
            return None
        # Backoff while draining too: a collector that is down stays down for the drain time,
        # and retrying at once made ~70 attempts (and log lines) in 5 s.
        return self._backoff.next()

    def _cancel_session(self) -> None:
        """Backstop at the drain deadline: a stream stuck connecting must not hold up exit."""
        if self._session_task is not None:
            self._session_task.cancel()

    def _problem(self, message: str, *, routine: bool = False) -> None:
        # Repeats of the same failure every backoff period would drown the log; a routine
        # disconnect (the collector restarting, the network dropping) is not a warning.
        if message != self._last_problem:
            log.log(logging.INFO if routine else logging.WARNING, "%s; reconnecting with backoff", message)
        else:
            log.debug("%s", message)
        self._last_problem = message

    async def _sleep(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or until the drain deadline when shutting down."""
        if self._stopping:
            delay = min(delay, max(0.0, self._stop_deadline - time.monotonic()))
        end = time.monotonic() + delay
        while (remaining := end - time.monotonic()) > 0 and not self._finished():
            event = self._wake_event
            if event is None:
                return
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), timeout=remaining)
            except TimeoutError:
                return
            if self._stopping:
                end = min(end, self._stop_deadline)

    def _begin_stop(self, target: int, deadline: float, reason: str) -> None:
        self._stopping = True
        self._stop_target = target
        self._stop_deadline = deadline
        self._stop_reason = reason
        if self._wake_event is not None:
            self._wake_event.set()
        if self._loop is not None:
            self._loop.call_later(max(0.0, deadline - time.monotonic()) + 1.0, self._cancel_session)

    def _drained(self, target: int) -> bool:
        first = self._spool.stats().first_seq
        return first == 0 or first > target

    def _finished(self) -> bool:
        """Shutting down and either everything is acked (while disconnected) or time is up."""
        return self._stopping and (
            time.monotonic() >= self._stop_deadline
            or (not self.connected and self._drained(self._stop_target))
        )

    # ------------------------------------------------------------------ one stream

    async def _session(self) -> None:
        async with grpc.aio.secure_channel(
            self.target, self._credentials, options=CHANNEL_OPTIONS
        ) as channel:
            stub = eus_pb2_grpc.AgentStreamStub(channel)
            call = stub.Stream()
            try:
                await self._converse(call)
            except asyncio.InvalidStateError:
                # A write raced the end of the call ("RPC already finished"): report the
                # call's own status instead, as when a read had seen it first.
                raise await _status_error(call) from None
            finally:
                self.connected = False
                if not call.done():
                    call.cancel()

    async def _converse(
        self, call: grpc.aio.StreamStreamCall[eus_pb2.AgentMessage, eus_pb2.CollectorMessage]
    ) -> None:
        low = await asyncio.to_thread(self._spool.low_seq)
        hello = eus_pb2.Hello(
            agent_version=self._agent_version,
            spool_epoch=self._spool.epoch,
            agent_id=self._agent_id,
            spool_low_seq=low,
            deflate_stream=True,
        )
        hello.host.CopyFrom(self._host)
        self._deflater = None
        self._config_generation = 0  # generations count per collector process: a new stream starts over
        await call.write(eus_pb2.AgentMessage(hello=hello))
        first = await asyncio.wait_for(call.read(), timeout=self._hello_timeout_s)
        if not isinstance(first, eus_pb2.CollectorMessage):  # EOF
            raise StreamEnded("collector closed the stream before acknowledging Hello")
        if first.WhichOneof("body") != "ack":
            raise StreamEnded(f"collector answered Hello with {first.WhichOneof('body')}, not ack")
        self.acked_seq = 0
        self._deflater = StreamDeflater() if first.ack.deflate_stream else None
        await self._apply_ack(first.ack)
        self._backoff.reset()
        self._last_problem = ""
        self.connected = True
        self.sessions += 1
        log.info(
            "streaming to %s (epoch %d, collector has up to seq %d)",
            self.target,
            self._spool.epoch,
            self.acked_seq,
        )
        reader = asyncio.ensure_future(self._read_loop(call))
        try:
            await self._write_loop(call, reader)
        finally:
            if not reader.done():
                reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def _write_loop(
        self,
        call: grpc.aio.StreamStreamCall[eus_pb2.AgentMessage, eus_pb2.CollectorMessage],
        reader: asyncio.Future[None],
    ) -> None:
        assert self._wake_event is not None
        defined: set[int] = set()  # series ids defined on THIS stream
        in_flight: collections.deque[int] = collections.deque()
        sent = self.acked_seq
        while True:
            self._wake_event.clear()  # before looking: a wake after this point is not lost
            if reader.done():
                reader.result()  # raises the stream's error, if any
                raise StreamEnded("collector closed the stream")
            while in_flight and in_flight[0] <= self.acked_seq:
                in_flight.popleft()
            sent = max(sent, self.acked_seq)
            if self._stopping and (
                time.monotonic() >= self._stop_deadline or self._drained(self._stop_target)
            ):
                await self._goodbye(call, reader)
                return
            free = self.window - len(in_flight)
            rows = self._spool.read_after(sent, free) if free > 0 else []
            for row in rows:
                await call.write(self._wire(self._message(row, defined)))
                in_flight.append(row.seq)
                sent = row.seq
            if rows:
                continue
            timeout = IDLE_RECHECK_S
            if self._stopping:
                timeout = max(0.0, min(timeout, self._stop_deadline - time.monotonic()))
            waiter = asyncio.ensure_future(self._wake_event.wait())
            await asyncio.wait((waiter, reader), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if not waiter.done():
                waiter.cancel()
                await asyncio.gather(waiter, return_exceptions=True)

    async def _read_loop(
        self, call: grpc.aio.StreamStreamCall[eus_pb2.AgentMessage, eus_pb2.CollectorMessage]
    ) -> None:
        while True:
            msg = await call.read()
            if not isinstance(msg, eus_pb2.CollectorMessage):  # EOF: the collector closed its side
                return
            kind = msg.WhichOneof("body")
            if kind == "ack":
                await self._apply_ack(msg.ack)
            elif kind == "config":
                self._apply_config(msg.config)
            elif kind == "command":
                self._dispatch_command(msg.command)
            if self._wake_event is not None:
                self._wake_event.set()

    async def _goodbye(
        self,
        call: grpc.aio.StreamStreamCall[eus_pb2.AgentMessage, eus_pb2.CollectorMessage],
        reader: asyncio.Future[None],
    ) -> None:
        await call.write(self._wire(eus_pb2.AgentMessage(goodbye=eus_pb2.Goodbye(reason=self._stop_reason))))
        await call.done_writing()
        self.goodbye_sent = True
        # Give the collector a moment to close its side, so the stream ends cleanly.
        await asyncio.wait((reader,), timeout=2.0)

    # ------------------------------------------------------------------ messages

    async def _apply_ack(self, ack: eus_pb2.Ack) -> None:
        if ack.epoch != self._spool.epoch:
            if ack.epoch:
                log.warning("ignoring ack for epoch %d (ours is %d)", ack.epoch, self._spool.epoch)
            return
        if ack.seq <= self.acked_seq:
            return
        self.acked_seq = ack.seq
        # The delete commits with fsync: keep it off the loop so reading and sending go on.
        await asyncio.to_thread(self._spool.ack, ack.seq)

    def _dispatch_command(self, command: eus_pb2.Command) -> None:
        """Run the handler off the loop: a command may take a while (e.g. an inventory)."""
        if self._on_command is None:
            log.info("ignoring command %s of kind %r: no handler", command.id, command.kind)
            return
        handler = self._on_command

        def run() -> None:
            try:
                handler(command)
            except Exception:  # a failing command must not break the stream
                log.exception("command %s of kind %r failed", command.id, command.kind)

        threading.Thread(target=run, name=f"eus-command-{command.id[:8]}", daemon=True).start()

    def _apply_config(self, config: eus_pb2.AgentConfig) -> None:
        if self._on_config is None:
            return
        if config.generation and config.generation <= self._config_generation:
            # Built before the one already applied (e.g. the Hello's, overtaken by a push for a
            # change made meanwhile): applying it would undo that change.
            log.info(
                "ignoring collector config generation %d: %d is newer",
                config.generation,
                self._config_generation,
            )
            return
        self._config_generation = max(self._config_generation, config.generation)
        try:
            self._on_config(config)
        except Exception:  # a bad setting from the collector must not break the stream
            log.exception("could not apply configuration from the collector")

    def _wire(self, msg: eus_pb2.AgentMessage) -> eus_pb2.AgentMessage:
        """``msg`` as it goes out on this stream: in the shared deflate context once accepted."""
        if self._deflater is None:
            return msg
        return eus_pb2.AgentMessage(deflated=self._deflater.frame(msg.SerializeToString()))

    def _message(self, row: SpooledBatch, defined: set[int]) -> eus_pb2.AgentMessage:
        msg = eus_pb2.AgentMessage()
        batch = msg.batch
        batch.ParseFromString(row.payload)
        # Stamped at each send (a resent batch says when it was resent): the collector tells
        # clock skew (our clock against its own) from backlog (batches still queued behind).
        batch.sent_ms = int(time.time() * 1000)
        batch.spool_backlog = max(0, self._spool.last_seq() - row.seq)
        new = sorted(set(batch.series_id) - defined)
        batch.series.extend(self._registry.definition(sid) for sid in new)
        defined.update(new)
        return msg
