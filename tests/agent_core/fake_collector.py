"""A minimal, real ``AgentStream`` server for the transport tests: mutual TLS, records, acks.

It speaks the protocol the way the collector does: Ack{epoch, hwm} after Hello (accepting the
stream's deflate context unless ``deflate`` is off), then a cumulative ack after each batch it
"commits" (gaps commit their whole range). Tests can hold
acks back, refuse streams with a status code, push an AgentConfig, or cut a stream.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc

from agent_core.pki import TestCA
from collector.rpc.inflate import StreamInflater
from eus.v1 import eus_pb2, eus_pb2_grpc


@dataclass
class StreamLog:
    """Everything one stream carried, as the server saw it."""

    messages: list[eus_pb2.AgentMessage] = field(default_factory=list)
    out: queue.Queue[eus_pb2.CollectorMessage | None] = field(default_factory=queue.Queue)
    defined: set[int] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)
    peer_cn: str = ""
    ended: bool = False
    last_ack: int = 0  # the last ack this server queued on the stream
    max_unacked: int = 0  # the most batches seen beyond the last ack queued: must stay <= window
    deflated: int = 0  # messages that arrived in the stream's deflate context

    @property
    def batches(self) -> list[eus_pb2.Batch]:
        return [m.batch for m in self.messages if m.WhichOneof("body") == "batch"]

    @property
    def goodbye(self) -> eus_pb2.Goodbye | None:
        found = [m.goodbye for m in self.messages if m.WhichOneof("body") == "goodbye"]
        return found[0] if found else None


class FakeCollector(eus_pb2_grpc.AgentStreamServicer):
    """The servicer: thread-safe state shared by all streams."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.streams: list[StreamLog] = []
        self.committed: dict[int, set[int]] = {}  # epoch -> committed seqs
        self.samples: dict[tuple[int, int], int] = {}  # (epoch, seq) -> samples stored
        self.hold_acks = False
        self.refuse: tuple[grpc.StatusCode, str] | None = None
        self.config: eus_pb2.AgentConfig | None = None
        self.later_configs: list[eus_pb2.AgentConfig] = []  # sent after ``config``, in order
        self.cut_after_batches: int | None = None  # abort a stream after this many batches
        self.attempts = 0
        # time.time() of each attempt: the clock of LogRecord.created, to line attempts up with logs
        self.attempt_times: list[float] = []
        self.deflate = True  # accept Hello's deflate_stream offer, as the real collector does

    # ------------------------------------------------------------------ bookkeeping

    def hwm(self, epoch: int) -> int:
        with self.lock:
            seqs = self.committed.get(epoch, set())
            n = 0
            while n + 1 in seqs:
                n += 1
            return n

    def release_acks(self) -> None:
        """Stop holding acks and ack what has been committed, on every open stream."""
        with self.lock:
            self.hold_acks = False
            logs = [s for s in self.streams if not s.ended]
        for log in logs:
            epoch = self._epoch_of(log)
            if epoch:
                self._ack(log, epoch)

    @staticmethod
    def _epoch_of(log: StreamLog) -> int:
        for m in log.messages:
            if m.WhichOneof("body") == "hello":
                return m.hello.spool_epoch
        return 0

    def _commit(self, batch: eus_pb2.Batch) -> None:
        first = batch.gap.from_seq if batch.HasField("gap") else batch.seq
        with self.lock:
            seqs = self.committed.setdefault(batch.epoch, set())
            for seq in range(first, batch.seq + 1):
                if (batch.epoch, seq) not in self.samples or seq == batch.seq:
                    self.samples[(batch.epoch, seq)] = len(batch.series_id)
                seqs.add(seq)

    # ------------------------------------------------------------------ the RPC

    def Stream(
        self, request_iterator: Iterator[eus_pb2.AgentMessage], context: Any
    ) -> Iterator[eus_pb2.CollectorMessage]:
        with self.lock:
            self.attempts += 1
            self.attempt_times.append(time.time())
            refuse = self.refuse
        if refuse is not None:
            context.abort(*refuse)
        log = StreamLog()
        cns = context.auth_context().get("x509_common_name") or []
        log.peer_cn = cns[0].decode() if cns else ""
        with self.lock:
            self.streams.append(log)
        reader = threading.Thread(target=self._read, args=(request_iterator, log), daemon=True)
        reader.start()
        try:
            while context.is_active():
                try:
                    item = log.out.get(timeout=0.05)
                except queue.Empty:
                    continue
                if item is None:
                    return
                yield item
        finally:
            log.ended = True

    def _ack(self, log: StreamLog, epoch: int, *, deflate: bool = False) -> None:
        log.last_ack = self.hwm(epoch)
        ack = eus_pb2.Ack(epoch=epoch, seq=log.last_ack, deflate_stream=deflate)
        log.out.put(eus_pb2.CollectorMessage(ack=ack))

    def _read(self, requests: Iterator[eus_pb2.AgentMessage], log: StreamLog) -> None:
        epoch = 0
        inflater: StreamInflater | None = None
        cut_after = self.cut_after_batches  # a stream to be cut acks nothing before it ends
        self.cut_after_batches = None
        try:
            for wire in requests:
                msg = wire
                if wire.WhichOneof("body") == "deflated":
                    assert inflater is not None, "deflated before the offer was accepted"
                    msg = eus_pb2.AgentMessage.FromString(inflater.message(wire.deflated))
                    log.deflated += 1
                log.messages.append(msg)
                kind = msg.WhichOneof("body")
                if kind == "hello":
                    epoch = msg.hello.spool_epoch
                    if self.deflate and msg.hello.deflate_stream:
                        inflater = StreamInflater(16 << 20)
                    self._ack(log, epoch, deflate=inflater is not None)
                    if self.config is not None:
                        log.out.put(eus_pb2.CollectorMessage(config=self.config))
                    for later in self.later_configs:
                        log.out.put(eus_pb2.CollectorMessage(config=later))
                elif kind == "batch":
                    self._check_defs(msg.batch, log)
                    log.max_unacked = max(log.max_unacked, msg.batch.seq - log.last_ack)
                    self._commit(msg.batch)
                    if cut_after is not None:
                        if len(log.batches) >= cut_after:
                            log.out.put(None)  # end the stream without acking
                            return
                    elif not self.hold_acks:
                        self._ack(log, epoch)
        except grpc.RpcError:
            pass  # the stream was cancelled
        finally:
            log.out.put(None)

    @staticmethod
    def _check_defs(batch: eus_pb2.Batch, log: StreamLog) -> None:
        for d in batch.series:
            if d.id in log.defined:
                log.violations.append(f"series {d.id} defined twice on one stream")
            log.defined.add(d.id)
        for sid in set(batch.series_id) - log.defined:
            log.violations.append(f"batch {batch.seq} uses undefined series {sid}")


class StreamServer:
    """A real gRPC server on 127.0.0.1 with mutual TLS; restartable on the same port."""

    def __init__(self, ca: TestCA, collector: FakeCollector, port: int = 0) -> None:
        self.ca = ca
        self.collector = collector
        self.port = port
        self._server: grpc.Server | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> StreamServer:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        eus_pb2_grpc.add_AgentStreamServicer_to_server(self.collector, server)
        credentials = grpc.ssl_server_credentials(
            [(self.ca.server_key_pem, self.ca.server_chain_pem)],
            root_certificates=self.ca.ca_pem,
            require_client_auth=True,
        )
        port = server.add_secure_port(f"127.0.0.1:{self.port}", credentials)
        assert port, "could not bind"
        self.port = port
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None).wait(5)
            self._server = None

    def __enter__(self) -> StreamServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
