"""VictoriaMetrics fed the fleet bench's samples from a second process, beside the EUS build.

Turning a device-day into VictoriaMetrics' JSON lines took about half of the fleet build's
time (a py-spy profile of a 1,000-device build: 47 % in ``json.dumps``), all of it on the
process that also writes the collector's tables. :class:`VmFeed` hands each device-day to one
worker process (``spawn``), which generates the same day (``bench.fleet_data.Days``: the
generator is deterministic), encodes and posts it, so the two sides share the machine's
cores. At most ``in_flight`` days wait; a worker's error comes back at the next hand-over.
A build killed and resumed (``--resume``) can leave VictoriaMetrics without the days that were
still queued (at most ``in_flight``): the stream marks say what EUS stored, not what it posted.
"""

from __future__ import annotations

import http.client
import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor

from bench.fleet_data import Days, vm_body

_worker: dict[str, object] = {}


def post(port: int, body: bytes) -> None:
    """One ``/api/v1/import`` request; anything but 2xx raises."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("POST", "/api/v1/import", body=body)
        resp = conn.getresponse()
        resp.read()
        if resp.status not in {200, 204}:
            raise RuntimeError(f"VictoriaMetrics import: HTTP {resp.status}")
    finally:
        conn.close()


def _start(port: int, first_ms: int) -> None:
    _worker["port"], _worker["days"] = port, Days(first_ms)


def _post_day(device: int, d: int, until_ms: int) -> None:
    days = _worker["days"]
    assert isinstance(days, Days)
    port = _worker["port"]
    assert isinstance(port, int)
    post(port, b"".join(vm_body(device, days.of(device, d), until_ms)))


class VmFeed:
    """Device-days posted to VictoriaMetrics on ``port`` by a worker process, in order."""

    def __init__(self, port: int, first_ms: int, in_flight: int = 8) -> None:
        self._pool = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_start, initargs=(port, first_ms)
        )
        self._pending: deque[Future[None]] = deque()
        self._in_flight = in_flight

    def day(self, device: int, d: int, until_ms: int) -> None:
        """Post ``device``'s day ``d`` up to ``until_ms``; waits while too many are queued."""
        self._pending.append(self._pool.submit(_post_day, device, d, until_ms))
        while len(self._pending) > self._in_flight:
            self._pending.popleft().result()

    def drain(self) -> None:
        """Wait until every day handed over is stored (raises the worker's error, if any)."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        self.drain()
        self._pool.shutdown()
