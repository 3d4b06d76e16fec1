"""Agents streaming while bench/fleet times the pages: the collector ingesting, compacting and
serving at once, as it does at an MSP (issue #11: its RSS under all three).

``agents`` agents are enrolled through the real Enrollment RPC (a token of a customer of their
own), then each sends one round of the fleet's 50 series (``bench.fleet_data.FLEET_SERIES``,
with their collector runs) every 10 s
over its own mutual-TLS stream, stamped with the clock's time, from ``senders`` processes,
until :meth:`LiveAgents.__exit__`. Each batch waits for the collector's ack of the ones before
it as the agent's spool does (at most ``WINDOW`` in flight).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

from bench.fleet_data import FLEET_SERIES
from bench.loadgen import GrpcJob, SenderResult, paced_sender
from bench.procs import enroll_agents, eus
from bench.workload import SERIES_PER_AGENT

PACE_S = 10.0  # the agent's default collection interval: one round of every series
WINDOW = 4


class LiveAgents:
    """A context: ``agents`` agents streaming at the real pace into a running collector."""

    def __init__(
        self,
        data_dir: Path,
        enroll_port: int,
        stream_port: int,
        agents: int,
        *,
        senders: int = 2,
        minutes: float = 30.0,
    ) -> None:
        self.data_dir = data_dir
        self.enroll_port = enroll_port
        self.stream_port = stream_port
        self.agents = agents
        self.senders = max(1, min(senders, agents))
        self.rounds = max(1, int(minutes * 60 / PACE_S))
        ctx = mp.get_context("spawn")
        self._ctx = ctx
        self._ready: Any = ctx.Queue()
        self._results: Any = ctx.Queue()
        self._start = ctx.Event()
        self._stop = ctx.Event()
        self._procs: list[Any] = []
        self.started = 0.0
        self.summary: dict[str, float] = {}

    def __enter__(self) -> LiveAgents:
        name = f"Live agents {time.strftime('%Y%m%d-%H%M%S')}"
        eus(self.data_dir, "customer", "create", name)
        idents = enroll_agents(self.data_dir, self.enroll_port, name, self.agents, "live")
        ca_pem = (self.data_dir / "pki" / "ca.crt").read_bytes()
        t0_ms = int(time.time() // PACE_S * PACE_S * 1000)
        for s in range(self.senders):
            job = GrpcJob(
                sender=s,
                agents=[(a, idents[a]) for a in range(s, self.agents, self.senders)],
                ca_pem=ca_pem,
                port=self.stream_port,
                samples_per_agent=self.rounds * SERIES_PER_AGENT,
                batch=len(FLEET_SERIES),  # one round a batch
                window=WINDOW,
                t0_ms=t0_ms,
                epoch=1,
                pace_s=PACE_S,
                only=tuple(s.local_id for s in FLEET_SERIES),
            )
            proc = self._ctx.Process(
                target=paced_sender,
                args=(job, self._ready, self._start, self._stop, self._results),
                daemon=True,
            )
            proc.start()
            self._procs.append(proc)
        for _ in self._procs:
            status = self._ready.get(timeout=900)
            if status != "ok":
                self._stop.set()
                self._start.set()
                raise RuntimeError(f"a live sender failed while preparing: {status}")
        self._start.set()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._start.set()
        out: list[SenderResult] = [self._results.get(timeout=300) for _ in self._procs]
        for p in self._procs:
            p.join(60)
        errors = [r.error for r in out if r.error]
        if errors and exc[0] is None:
            raise RuntimeError(f"a live sender failed: {errors[0]}")
        seconds = time.monotonic() - self.started
        samples = sum(r.samples for r in out)
        self.summary = {
            "agents": self.agents,
            "seconds": seconds,
            "samples": samples,
            "batches": sum(r.batches for r in out),
            "samples_per_s": samples / seconds if seconds else 0.0,
        }
