"""The scheduler: intervals, timeouts that cut hung checks without delaying the others, fencing."""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import threading
import time
from pathlib import Path

import pytest
from support.waits import wait_for

from agent.functions.base import Resources
from agent.functions.pool import DaemonPool
from agent.functions.registry import KINDS
from agent.functions.scheduler import Scheduler
from agent.functions.spec import build
from agent_functions.conftest import Recorder, spec
from agent_functions.targets import silent_listener

OK, WARNING, CRITICAL, UNKNOWN = 1, 2, 3, 0


def _release_fifo(path: Path) -> None:
    """Let a reader blocked in open() go (no-op when nobody is blocked)."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def test_hung_checks_are_cut_and_never_delay_the_others(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.write_text("x")
    fifo = tmp_path / "stuck.log"
    os.mkfifo(fifo)  # opening it for reading blocks in the kernel until a writer comes
    recorder = Recorder()
    scheduler = Scheduler(recorder, Resources(tmp_path / "state"))
    with silent_listener() as port:
        scheduler.set_functions(
            [
                spec("http", "hang", interval_s=5, timeout_s=4, url=f"http://127.0.0.1:{port}/"),
                spec("log", "stuck", interval_s=1, timeout_s=0.5, path=str(fifo), pattern="x"),
                spec("file", "tick", interval_s=1, timeout_s=1, path=str(fresh), max_age_s=3600),
            ]
        )
        scheduler.start()
        try:
            wait_for(lambda: len(recorder.of("hang")) >= 1 and len(recorder.of("stuck")) >= 4, 30, "runs")
            ticks = recorder.of("tick")
            stuck = recorder.of("stuck")
            hang = recorder.of("hang")[0]
            _release_fifo(fifo)  # the abandoned thread returns ...
            wait_for(lambda: scheduler._blocked.get("stuck") is None, 10, "the stuck thread to return")
            n = len(recorder.of("stuck"))
            wait_for(lambda: len(recorder.of("stuck")) > n + 1, 10, "more runs of the stuck function")
            after = recorder.of("stuck")[n:]
        finally:
            scheduler.stop()
            _release_fifo(fifo)
    # The hung HTTP check is cut at its timeout and reported CRITICAL ...
    assert hang.status == CRITICAL
    assert hang.message == "timed out after 4 s"
    assert 3.9 <= hang.duration_s < 15
    # ... while the 1-second function kept its pace (serialised behind the hang it would wait >= 4 s).
    stamps = [r.ts_ms for r in ticks]
    assert len(stamps) >= 4
    assert max(b - a for a, b in itertools.pairwise(stamps)) < 2500
    assert all(r.status == OK for r in ticks)
    # A blocking check stuck in the kernel: cut, then reported as still blocked (not queued again).
    assert stuck[0].status == UNKNOWN
    assert stuck[0].message == "timed out after 0.5 s"
    assert any("still blocked in the run that started" in r.message for r in stuck[1:])
    assert scheduler._pool.peak <= 3  # at most one thread per function, however long they hang
    # Once its thread is back, the function runs (and blocks) anew rather than "still blocked".
    assert any(r.message == "timed out after 0.5 s" for r in after), [r.message for r in after]


def test_invalid_spec_and_failing_check_are_reported_unknown_every_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(KINDS, "boom", "agent_functions.boom_kind")
    recorder = Recorder()
    scheduler = Scheduler(recorder, Resources(tmp_path), workers=1)
    bad = build("bad", "http", "", 1, 1, {"url": "gopher://x"}, source="file")
    scheduler.set_functions([bad, build("boom", "boom", "Boom", 1, 1, {"message": "kaput"}, source="file")])
    scheduler.start()
    try:
        wait_for(lambda: len(recorder.of("bad")) >= 2 and len(recorder.of("boom")) >= 2, 20, "runs")
    finally:
        scheduler.stop()
    b = recorder.of("bad")[0]
    assert b.status == UNKNOWN
    assert b.message.startswith("invalid function spec: url must be an http:// or https:// URL")
    broken = build("broken", "boom", "", 1, 1, {"explode": "yes"}, source="file")
    assert broken.error == "kind 'boom' could not read its parameters: LookupError: a bug in the parser"
    boom = recorder.of("boom")[-1]
    assert boom.status == UNKNOWN
    assert boom.message == "check failed: RuntimeError: kaput"
    assert boom.name == "Boom"
    assert boom.kind == "boom"


def test_set_functions_keeps_unchanged_restarts_changed_and_drops_removed(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    recorder = Recorder()
    scheduler = Scheduler(recorder, Resources(tmp_path), workers=1)
    keep = spec("file", "keep", interval_s=30, path=str(f), max_age_s=60)
    change = spec("file", "change", interval_s=30, path=str(f), max_age_s=60)
    drop = spec("file", "drop", interval_s=1, path=str(f), max_age_s=60)
    scheduler.set_functions([keep, change, drop])
    scheduler.start()
    try:
        wait_for(lambda: all(recorder.of(i) for i in ("keep", "change", "drop")), 10, "first runs")
        changed = spec("file", "change", interval_s=30, path=str(f), max_age_s=120)
        added = spec("file", "new", interval_s=30, path=str(f), max_age_s=60)
        scheduler.set_functions([keep, changed, added])
        wait_for(lambda: len(recorder.of("change")) == 2 and recorder.of("new"), 10, "restarted runs")
        dropped_at = len(recorder.of("drop"))
        time.sleep(2.5)
    finally:
        scheduler.stop()
    assert len(recorder.of("keep")) == 1  # unchanged: not run again before its interval
    assert len(recorder.of("drop")) == dropped_at  # removed: no more runs
    assert scheduler.function_ids == ["change", "keep", "new"]


def test_daemon_pool_starts_one_thread_grows_on_request_up_to_its_cap_and_delivers_errors() -> None:
    pool = DaemonPool(max_workers=3, idle_s=0.5)
    gate = threading.Event()
    try:
        squares = [pool.submit(functools.partial(pow, i, 2)) for i in range(20)]
        assert [f.result(timeout=10) for f in squares] == [i * i for i in range(20)]
        assert pool.peak == 1  # quick calls: one thread serves them all
        blocked = [pool.submit(gate.wait) for _ in range(2)]
        assert pool.grow()  # the second waits behind the first: give it a thread
        free = pool.submit(lambda: "free")
        assert pool.grow()
        assert free.result(timeout=10) == "free"  # not stuck behind the two
        assert not pool.grow()  # nothing is waiting
        assert pool.peak == 3
        pool.submit(gate.wait)
        pool.submit(gate.wait)
        wait_for(lambda: pool.threads == 3, 10, "the idle thread to take a call")
        assert not pool.grow()  # the cap
        gate.set()
        assert all(f.result(timeout=10) for f in blocked)
        wait_for(lambda: pool.threads == 0, 10, "idle threads to end")

        def fail() -> int:
            raise ValueError("no")

        with pytest.raises(ValueError, match="no"):
            pool.submit(fail).result(timeout=10)
    finally:
        gate.set()
        pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.submit(lambda: 1)
