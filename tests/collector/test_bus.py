"""collector.bus: events delivered in order on one thread; a stop that runs out of time leaves
the rest undelivered but never returns while a handler still runs (the databases close next)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from collector.bus import Bus

WAIT_S = 10.0


@dataclass(frozen=True)
class Tick:
    n: int


def test_stop_delivers_what_is_queued() -> None:
    bus = Bus()
    got: list[int] = []
    bus.subscribe(Tick, lambda e: got.append(e.n))
    bus.start()
    for n in range(100):
        bus.publish(Tick(n))
    assert bus.stop() == 0
    assert got == list(range(100))


def test_a_stop_out_of_time_abandons_the_queue_after_the_running_handler() -> None:
    bus = Bus()
    entered, release = threading.Event(), threading.Event()
    running = threading.Event()
    got: list[int] = []

    def slow(e: Tick) -> None:
        running.set()
        entered.set()
        assert release.wait(WAIT_S)
        got.append(e.n)
        running.clear()

    class ReleaseOnWarning(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            release.set()  # stop's time is up and the queue abandoned: let the running handler end

    bus.subscribe(Tick, slow)
    bus.start()
    for n in range(50):
        bus.publish(Tick(n))
    assert entered.wait(WAIT_S)
    handler = ReleaseOnWarning(level=logging.WARNING)
    logging.getLogger("collector.bus").addHandler(handler)
    try:
        left = bus.stop(timeout=0.05)
    finally:
        logging.getLogger("collector.bus").removeHandler(handler)
    assert left == 49 + 1  # the 49 queued events and the stop marker, counted while event 0 ran
    assert not running.is_set()  # stop returned with no handler running
    assert got == [0]  # the running one finished; the queue was left
