"""Which batches may join the shared commit: one table, each refusal naming its field."""

from __future__ import annotations

import pytest

from collector.ingest.validation import DAY_MS, EARLIEST_MS, MAX_RUNS, Limits, validate
from eus.v1 import eus_pb2

NOW = 1_796_000_000_000  # December 2026
HUGE = 1 << 62


def b(**kw: object) -> eus_pb2.Batch:
    return eus_pb2.Batch(epoch=1, seq=7, **kw)  # type: ignore[arg-type]


def samples(*ts: int) -> eus_pb2.Batch:
    return b(series_id=[1] * len(ts), ts_ms=list(ts), value=[0.0] * len(ts))


CASES: list[tuple[str, eus_pb2.Batch, int, str | None]] = [
    ("fine", samples(NOW - 1000, NOW), 0, None),
    ("empty", b(), 0, None),
    ("a day ahead is still fine", samples(NOW + DAY_MS), 0, None),
    ("2^62 in samples", samples(NOW, HUGE), 0, f"ts_ms[1] = {HUGE}"),
    ("before 2000", samples(EARLIEST_MS - 1), 0, f"ts_ms[0] = {EARLIEST_MS - 1}"),
    ("negative", samples(-5), 0, "ts_ms[0] = -5"),
    ("more than a day ahead", samples(NOW + DAY_MS + 1), 0, f"ts_ms[0] = {NOW + DAY_MS + 1}"),
    ("gap", b(gap=eus_pb2.Gap(from_seq=1, first_ts_ms=HUGE)), 0, f"gap.first_ts_ms = {HUGE}"),
    ("gap last", b(gap=eus_pb2.Gap(from_seq=1, last_ts_ms=HUGE)), 0, f"gap.last_ts_ms = {HUGE}"),
    ("gap without times", b(gap=eus_pb2.Gap(from_seq=1)), 0, None),
    (
        "collector runs",
        b(runs=[eus_pb2.CollectorRun(started_ms=NOW), eus_pb2.CollectorRun(started_ms=HUGE)]),
        0,
        f"runs.started_ms[1] = {HUGE}",
    ),
    (
        "function results",
        b(functions=[eus_pb2.FunctionResult(ts_ms=HUGE)]),
        0,
        f"functions.ts_ms[0] = {HUGE}",
    ),
    ("function without time", b(functions=[eus_pb2.FunctionResult()]), 0, "functions.ts_ms[0] = 0"),
    ("events", b(events=[eus_pb2.Event(ts_ms=HUGE)]), 0, f"events.ts_ms[0] = {HUGE}"),
    ("event stamped on receipt", b(events=[eus_pb2.Event(ts_ms=0)]), 0, None),
    ("inventory", b(inventory=[eus_pb2.InventoryReport(ts_ms=HUGE)]), 0, f"inventory.ts_ms[0] = {HUGE}"),
    (
        "command results",
        b(command_results=[eus_pb2.CommandResult(ts_ms=HUGE)]),
        0,
        f"command_results.ts_ms[0] = {HUGE}",
    ),
    (
        "too many runs",
        b(runs=[eus_pb2.CollectorRun(started_ms=NOW)] * (MAX_RUNS + 1)),
        0,
        "runs: 100001 entries",
    ),
    ("new series at the limit", b(), 100, None),
    ("too many new series", b(), 101, "series: 101 new series for this device in one batch, at most 100"),
]


@pytest.mark.parametrize(
    ("batch", "new_series", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_validate(batch: eus_pb2.Batch, new_series: int, expected: str | None) -> None:
    verdict = validate(batch, now_ms=NOW, new_series=new_series, limits=Limits(max_new_series=100))
    if expected is None:
        assert verdict is None
    else:
        assert verdict is not None
        assert verdict.startswith(expected), verdict
