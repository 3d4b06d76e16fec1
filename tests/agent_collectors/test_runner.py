"""The runner: timing, failure fencing, on-demand runs, real scheduling and rescheduling."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence

import pytest
from support.waits import Recording

from agent.collectors import CollectorSettings, Registry, build_collectors
from agent.collectors.base import Collector, Sample, SeriesKey
from agent.runner import Runner, RunRecord

WAIT_S = 5.0  # upper bound for anything the scheduler should do within a fraction of a second


class FakeCollector:
    """A collector whose behaviour is a function; counts its runs."""

    def __init__(self, name: str, behaviour: Callable[[], Sequence[float]] | None = None) -> None:
        self.name = name
        self.default_interval_s = 10.0
        self._behaviour = behaviour or (lambda: [1.0])
        self.runs = 0

    def collect(self) -> Iterator[Sample]:
        self.runs += 1
        for value in self._behaviour():
            yield Sample(SeriesKey(f"test.{self.name}"), value)


def boom() -> list[float]:
    raise RuntimeError("boom")


class RecordingSink:
    """The runner's sink: records every put; waiters wake on each one."""

    def __init__(self) -> None:
        self.recording: Recording[tuple[list[Sample], int, RunRecord]] = Recording()

    @property
    def puts(self) -> list[tuple[list[Sample], int, RunRecord]]:
        return self.recording.items()

    def put(self, samples: Sequence[Sample], ts_ms: int, run: RunRecord) -> None:
        self.recording.append((list(samples), ts_ms, run))

    def runs(self, name: str) -> list[RunRecord]:
        return [run for _, _, run in self.puts if run.collector == name]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT_S) -> bool:
        try:
            self.recording.wait_for(lambda _: predicate(), timeout, "the runner's puts")
        except AssertionError:
            return False
        return True

    def wait_runs(self, name: str, count: int, timeout: float = WAIT_S) -> bool:
        return self.wait_for(lambda: len(self.runs(name)) >= count, timeout)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def make_runner(sink: RecordingSink) -> Iterator[Callable[..., Runner]]:
    made: list[Runner] = []

    def make(collectors: list[tuple[Collector, float]], clock: Callable[[], float] = time.time) -> Runner:
        runner = Runner(collectors, sink, clock=clock)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown(wait=True)


def test_run_once_fences_a_failing_collector_and_runs_the_others(
    sink: RecordingSink, make_runner: Callable[..., Runner]
) -> None:
    good, bad = FakeCollector("good", lambda: [1.0, 2.0]), FakeCollector("bad", boom)
    runner = make_runner([(bad, 10.0), (good, 10.0)], clock=lambda: 1_700_000_000.1234)
    records = runner.run_once()
    assert [(r.collector, r.ok, r.error) for r in records] == [
        ("bad", False, "RuntimeError: boom"),
        ("good", True, ""),
    ]
    assert all(r.started_ms == 1_700_000_000_123 for r in records)
    (bad_put, good_put) = sink.puts
    assert bad_put == ([], 1_700_000_000_123, records[0])
    assert [s.value for s in good_put[0]] == [1.0, 2.0]
    assert good_put[1:] == (1_700_000_000_123, records[1])


def test_a_collector_failing_mid_iteration_delivers_no_partial_samples(
    sink: RecordingSink, make_runner: Callable[..., Runner]
) -> None:
    class HalfWay(FakeCollector):
        def collect(self) -> Iterator[Sample]:
            yield Sample(SeriesKey("test.half"), 1.0)
            raise OSError(5, "Input/output error")

    runner = make_runner([(HalfWay("half"), 10.0)])
    (record,) = runner.run_once("half")
    assert not record.ok
    assert record.error == "OSError: [Errno 5] Input/output error"
    assert sink.puts[0][0] == []


def test_durations_are_measured_by_the_runner(
    sink: RecordingSink, make_runner: Callable[..., Runner]
) -> None:
    def slow() -> list[float]:
        time.sleep(0.05)
        return [1.0]

    def slow_failure() -> list[float]:
        time.sleep(0.05)
        raise ValueError("late")

    runner = make_runner(
        [(FakeCollector("slow", slow), 10.0), (FakeCollector("slowbad", slow_failure), 10.0)]
    )
    slow_run, slow_bad_run = runner.run_once()
    assert 0.05 <= slow_run.duration_s < 1.0
    assert 0.05 <= slow_bad_run.duration_s < 1.0
    (fast_run,) = make_runner([(FakeCollector("fast"), 10.0)]).run_once()
    assert 0.0 <= fast_run.duration_s < 0.05


def test_run_once_by_name_and_unknown_name(sink: RecordingSink, make_runner: Callable[..., Runner]) -> None:
    a, b = FakeCollector("a"), FakeCollector("b")
    runner = make_runner([(a, 10.0), (b, 0.0)])
    assert [r.collector for r in runner.run_once("b")] == ["b"]  # on demand even when unscheduled
    assert [r.collector for r in runner.run_once()] == ["a"]  # all = the scheduled ones
    assert (a.runs, b.runs) == (1, 1)
    with pytest.raises(KeyError):
        runner.run_once("c")


def test_failures_are_logged_once_then_the_recovery(
    make_runner: Callable[..., Runner], caplog: pytest.LogCaptureFixture
) -> None:
    outcomes = iter([boom, boom, boom, lambda: [1.0], boom])
    flaky = FakeCollector("flaky", lambda: next(outcomes)())
    runner = make_runner([(flaky, 10.0)])
    with caplog.at_level(logging.WARNING, logger="agent.runner"):
        for _ in range(5):
            runner.run_once("flaky")
    assert [r.getMessage() for r in caplog.records] == [
        "collector flaky failed: RuntimeError: boom",
        "collector flaky recovered after 3 failed runs",
        "collector flaky failed: RuntimeError: boom",
    ]


def test_a_failing_sink_never_escapes_the_run(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenSink:
        def put(self, samples: Sequence[Sample], ts_ms: int, run: RunRecord) -> None:
            raise OSError(28, "No space left on device")

    runner = Runner([(FakeCollector("a"), 10.0)], BrokenSink())
    with caplog.at_level(logging.WARNING, logger="agent.runner"):
        assert runner.run_once()[0].ok
        assert runner.run_once()[0].ok
    assert [r.getMessage() for r in caplog.records] == ["sample sink failed; the run of a is lost"]


def test_constructor_rejects_duplicate_names_and_bad_intervals(sink: RecordingSink) -> None:
    with pytest.raises(ValueError, match="two collectors"):
        Runner([(FakeCollector("a"), 1.0), (FakeCollector("a"), 2.0)], sink)
    with pytest.raises(ValueError, match="interval"):
        Runner([(FakeCollector("a"), -1.0)], sink)
    with pytest.raises(ValueError, match="interval"):
        Runner([(FakeCollector("a"), float("nan"))], sink)


def test_start_runs_every_scheduled_collector_at_once(
    sink: RecordingSink, make_runner: Callable[..., Runner]
) -> None:
    names = [f"c{i}" for i in range(5)]
    runner = make_runner([(FakeCollector(n), 60.0) for n in names] + [(FakeCollector("off"), 0.0)])
    runner.start()
    assert sink.wait_for(lambda: {r.collector for _, _, r in sink.puts} >= set(names))
    time.sleep(0.2)
    assert sorted(r.collector for _, _, r in sink.puts) == names  # once each, "off" never
    with pytest.raises(RuntimeError):
        runner.start()


def test_collectors_really_run_on_their_interval_and_failures_do_not_stop_them(
    sink: RecordingSink, make_runner: Callable[..., Runner]
) -> None:
    runner = make_runner([(FakeCollector("good"), 0.2), (FakeCollector("bad", boom), 0.2)])
    started = time.monotonic()
    runner.start()
    assert sink.wait_runs("good", 5)
    assert sink.wait_runs("bad", 5)
    # Five runs at 0, 0.2, 0.4, 0.6, 0.8 s: on their interval, not bunched up. (No upper bound
    # beyond the waits' own: a busy machine may run them late.)
    assert time.monotonic() - started >= 0.7
    good = sink.runs("good")
    assert all(r.ok for r in good)
    assert not any(r.ok for r in sink.runs("bad"))
    # Never ahead of its schedule (run i no earlier than i intervals after the first, with 0.1 s
    # for the scheduler's own jitter); late is allowed, since a busy machine runs jobs late.
    offsets = [(r.started_ms - good[0].started_ms) / 1000 for r in good]
    assert all(offset >= 0.2 * i - 0.1 for i, offset in enumerate(offsets)), offsets


def test_reschedule_changes_disables_and_reenables(
    sink: RecordingSink, make_runner: Callable[..., Runner]
) -> None:
    runner = make_runner([(FakeCollector("a"), 60.0), (FakeCollector("b"), 60.0)])
    runner.start()
    assert sink.wait_runs("a", 1)
    runner.reschedule("a", 0.2)
    assert runner.intervals == {"a": 0.2, "b": 60.0}
    assert sink.wait_runs("a", 4)

    runner.reschedule("a", 0)
    before = len(sink.runs("a"))
    time.sleep(0.9)  # four of its old intervals: time for a wrong run to happen
    # At most the one run already handed to a worker (one instance per job) may still land,
    # however late a busy machine lets it.
    settled = len(sink.runs("a"))
    assert settled <= before + 1
    assert len(sink.runs("b")) == 1

    runner.reschedule("a", 60.0)  # re-enabled: runs at once, then hourly-ish
    assert sink.wait_runs("a", settled + 1)


def test_reschedule_before_start_and_bad_arguments(
    sink: RecordingSink, make_runner: Callable[..., Runner]
) -> None:
    runner = make_runner([(FakeCollector("a"), 60.0), (FakeCollector("b"), 60.0)])
    runner.reschedule("a", 0)
    runner.reschedule("b", 0.2)
    runner.start()
    assert sink.wait_runs("b", 3)
    assert sink.runs("a") == []
    with pytest.raises(KeyError):
        runner.reschedule("zzz", 1.0)
    with pytest.raises(ValueError, match="interval"):
        runner.reschedule("a", -5)


def test_a_collector_that_fails_to_construct_is_left_out_and_the_rest_run(
    sink: RecordingSink, make_runner: Callable[..., Runner]
) -> None:
    registry = Registry()
    registry.register("ok1")(lambda: FakeCollector("ok1"))
    registry.register("ok2")(lambda: FakeCollector("ok2"))

    @registry.register("broken")
    def broken() -> Collector:
        raise FileNotFoundError(2, "No such file or directory", "/sys/class/hwmon")

    runner = make_runner(build_collectors({"ok2": CollectorSettings(interval_s=0.2)}, registry=registry))
    assert runner.intervals == {"ok1": 10.0, "ok2": 0.2}
    runner.start()
    assert sink.wait_runs("ok2", 3)
    assert len(sink.runs("ok1")) == 1


def test_shutdown_is_safe_before_start_and_twice(sink: RecordingSink) -> None:
    runner = Runner([(FakeCollector("a"), 1.0)], sink)
    runner.shutdown()
    other = Runner([(FakeCollector("a"), 1.0)], sink)
    other.start()
    other.shutdown(wait=True)
    other.shutdown(wait=True)
