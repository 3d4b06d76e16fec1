"""Load generator processes: simulated agents streaming over mTLS, and VictoriaMetrics importers.

Each sender process builds all of its payloads first, connects, reports ready and waits for
the common start signal, so that payload construction is never timed and every sender starts
together. Times are ``time.monotonic()`` (CLOCK_MONOTONIC: comparable across processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import resource
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

import grpc
import numpy as np

from bench.procs import Identity
from bench.vm import import_bodies
from bench.workload import GROUPS, SERIES, SERIES_PER_AGENT, agent_data, batch_bounds, only_series
from eus.v1 import eus_pb2

STREAM_METHOD = "/eus.v1.AgentStream/Stream"


@dataclass(frozen=True)
class SenderResult:
    sender: int
    first_send: float
    last_ack: float
    samples: int
    batches: int
    payload_bytes: int
    cpu_s: float  # this sender's CPU while sending (user + system)
    error: str = ""


@dataclass(frozen=True)
class GrpcJob:
    sender: int
    agents: list[tuple[int, Identity]]  # (agent index, identity)
    ca_pem: bytes
    port: int
    samples_per_agent: int
    batch: int
    window: int
    t0_ms: int
    epoch: int
    pace_s: float = 0.0  # > 0: batch k goes at first send + k x pace_s (an agent's pace), else at once
    only: tuple[int, ...] = ()  # the local ids of the series sent (default: every one)

    @property
    def sent_per_agent(self) -> int:
        """Samples an agent has to send: ``samples_per_agent`` of whole rounds, or its ``only`` part."""
        if not self.only:
            return self.samples_per_agent
        return self.samples_per_agent // SERIES_PER_AGENT * len(self.only)


def agent_payloads(
    agent: int, n_samples: int, batch: int, t0_ms: int, epoch: int, *, only: Sequence[int] = ()
) -> list[bytes]:
    """The agent's serialized ``AgentMessage`` batches: series defined in the first one. With
    ``only``, those series of ``n_samples`` (whole rounds) alone."""
    data = agent_data(agent, n_samples, t0_ms)
    defined = SERIES
    if only:
        data = only_series(data, only)
        defined = tuple(s for s in SERIES if s.local_id in set(only))
    out: list[bytes] = []
    run_cuts = np.searchsorted(data.run_at, [lo for lo, _ in batch_bounds(data.n, batch)] + [data.n])
    for seq, (lo, hi) in enumerate(batch_bounds(data.n, batch), start=1):
        b = eus_pb2.Batch(epoch=epoch, seq=seq)
        if seq == 1:
            for s in defined:
                b.series.add(
                    id=s.local_id, name=s.name, labels=dict(s.labels), unit=s.unit, monotonic=s.monotonic
                )
        b.series_id.extend(data.series_id[lo:hi].tolist())
        b.ts_ms.extend(data.ts_ms[lo:hi].tolist())
        b.value.extend(data.value[lo:hi].tolist())
        for r in range(int(run_cuts[seq - 1]), int(run_cuts[seq])):  # the runs whose samples start here
            b.runs.add(
                collector=GROUPS[data.run_group[r]],
                started_ms=int(data.run_started_ms[r]),
                duration_s=float(data.run_duration_s[r]),
                ok=True,
            )
        out.append(eus_pb2.AgentMessage(batch=b).SerializeToString())
    return out


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class _AgentStream:
    def __init__(self, agent: int, ident: Identity, job: GrpcJob, payloads: list[bytes]) -> None:
        self.agent = agent
        self.payloads = payloads
        creds = grpc.ssl_channel_credentials(
            root_certificates=job.ca_pem, private_key=ident.key_pem, certificate_chain=ident.cert_pem
        )
        self.channel = grpc.aio.secure_channel(
            f"127.0.0.1:{job.port}",
            creds,
            options=[
                ("grpc.max_send_message_length", 64 << 20),
                ("grpc.max_receive_message_length", 64 << 20),
            ],
        )
        self.call: Any = self.channel.stream_stream(
            STREAM_METHOD,
            request_serializer=None,
            response_deserializer=eus_pb2.CollectorMessage.FromString,
        )()
        self.window = job.window
        self.epoch = job.epoch
        self.pace_s = job.pace_s
        self.last = len(payloads)  # the last seq to send: lowered when told to stop
        self.acked = 0
        self.acked_changed = asyncio.Event()
        self.first_send = 0.0
        self.last_ack = 0.0

    async def hello(self) -> None:
        msg = eus_pb2.AgentMessage(
            hello=eus_pb2.Hello(
                agent_version="bench",
                spool_epoch=self.epoch,
                host=eus_pb2.HostFacts(hostname=f"bench-{self.agent:03d}", os="Linux"),
            )
        )
        await self.call.write(msg.SerializeToString())
        reply = await self.call.read()
        if reply is grpc.aio.EOF or not reply.HasField("ack"):
            raise RuntimeError(f"agent {self.agent}: no ack for hello: {reply}")

    async def _read_acks(self) -> None:
        while self.acked < self.last:
            reply = await self.call.read()
            if reply is grpc.aio.EOF:
                if self.acked >= self.last:  # told to stop with every batch sent acked
                    return
                raise RuntimeError(f"agent {self.agent}: stream ended at ack {self.acked}/{self.last}")
            if reply.HasField("ack") and reply.ack.seq > self.acked:
                self.acked = reply.ack.seq
                self.last_ack = time.monotonic()
                self.acked_changed.set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        reader = asyncio.create_task(self._read_acks())
        self.first_send = time.monotonic()
        offset = self.pace_s * (self.agent % 97) / 97  # agents spread over the interval
        for seq, payload in enumerate(self.payloads, start=1):
            if self.pace_s > 0 and stop is not None:
                due = self.first_send + offset + (seq - 1) * self.pace_s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), max(0.0, due - time.monotonic()))
                if stop.is_set():
                    self.last = seq - 1
                    self.acked_changed.set()
                    break
            while seq - self.acked > self.window:
                if reader.done():
                    reader.result()
                self.acked_changed.clear()
                await self.acked_changed.wait()
            await self.call.write(payload)
        if self.last < len(self.payloads):  # stopped: every batch sent acked, then goodbye
            while self.acked < self.last and not reader.done():
                self.acked_changed.clear()
                await self.acked_changed.wait()
            await self.call.write(
                eus_pb2.AgentMessage(goodbye=eus_pb2.Goodbye(reason="bench stopped")).SerializeToString()
            )
            await self.call.done_writing()
            await reader
            await self.channel.close()
            return
        await reader
        await self.call.write(
            eus_pb2.AgentMessage(goodbye=eus_pb2.Goodbye(reason="bench done")).SerializeToString()
        )
        await self.call.done_writing()
        while await self.call.read() is not grpc.aio.EOF:
            pass
        await self.channel.close()


def grpc_sender(job: GrpcJob, ready: Queue[str], start: Event, results: Queue[SenderResult]) -> None:
    """A load generator process: every agent of ``job`` on its own mTLS stream."""
    try:
        payloads = {
            a: agent_payloads(a, job.samples_per_agent, job.batch, job.t0_ms, job.epoch)
            for a, _ in job.agents
        }
        asyncio.run(_grpc_main(job, payloads, ready, start, results))
    except Exception as exc:
        ready.put(f"error: {exc!r}")
        results.put(SenderResult(job.sender, 0, 0, 0, 0, 0, 0, error=repr(exc)))


def paced_sender(
    job: GrpcJob, ready: Queue[str], start: Event, stop: Event, results: Queue[SenderResult]
) -> None:
    """:func:`grpc_sender` at ``job.pace_s`` a batch, until its payloads run out or ``stop``."""
    try:
        payloads = {
            a: agent_payloads(a, job.samples_per_agent, job.batch, job.t0_ms, job.epoch, only=job.only)
            for a, _ in job.agents
        }
        asyncio.run(_grpc_main(job, payloads, ready, start, results, stop=stop))
    except Exception as exc:
        ready.put(f"error: {exc!r}")
        results.put(SenderResult(job.sender, 0, 0, 0, 0, 0, 0, error=repr(exc)))


async def _grpc_main(
    job: GrpcJob,
    payloads: dict[int, list[bytes]],
    ready: Queue[str],
    start: Event,
    results: Queue[SenderResult],
    *,
    stop: Event | None = None,
) -> None:
    streams = [_AgentStream(a, ident, job, payloads[a]) for a, ident in job.agents]
    await asyncio.gather(*(s.hello() for s in streams))
    ready.put("ok")
    await asyncio.to_thread(start.wait)
    halt = asyncio.Event()
    if stop is not None:
        loop = asyncio.get_running_loop()

        def relay() -> None:
            stop.wait()
            loop.call_soon_threadsafe(halt.set)

        threading.Thread(target=relay, daemon=True).start()
    cpu0 = _cpu_s()
    await asyncio.gather(*(s.run(halt) for s in streams))
    results.put(
        SenderResult(
            job.sender,
            min(s.first_send for s in streams),
            max(s.last_ack for s in streams),
            sum(min(s.last * job.batch, job.sent_per_agent) for s in streams),
            sum(s.last for s in streams),
            sum(len(p) for s in streams for p in s.payloads[: s.last]),
            _cpu_s() - cpu0,
        )
    )


@dataclass(frozen=True)
class VmJob:
    sender: int
    agents: list[int]
    port: int
    samples_per_agent: int
    post_samples: int
    t0_ms: int


def vm_sender(job: VmJob, ready: Queue[str], start: Event, results: Queue[SenderResult]) -> None:
    """POST the agents' samples to ``/api/v1/import`` over one keep-alive connection."""
    try:
        bodies = [
            body
            for a in job.agents
            for body in import_bodies(a, job.samples_per_agent, job.t0_ms, job.post_samples)
        ]
        conn = http.client.HTTPConnection("127.0.0.1", job.port, timeout=300)
        ready.put("ok")
        start.wait()
        cpu0 = _cpu_s()
        first = time.monotonic()
        for body in bodies:
            conn.request("POST", "/api/v1/import", body=body)
            resp = conn.getresponse()
            text = resp.read()
            if resp.status != 204:
                raise RuntimeError(f"import: HTTP {resp.status} {text[:200]!r}")
        last = time.monotonic()
        conn.close()
        results.put(
            SenderResult(
                job.sender,
                first,
                last,
                job.samples_per_agent * len(job.agents),
                len(bodies),
                sum(len(b) for b in bodies),
                _cpu_s() - cpu0,
            )
        )
    except Exception as exc:
        ready.put(f"error: {exc!r}")
        results.put(SenderResult(job.sender, 0, 0, 0, 0, 0, 0, error=repr(exc)))
