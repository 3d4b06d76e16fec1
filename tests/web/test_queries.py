"""collector.tsdb.queries against a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.tsdb import queries
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.queries import Points, Window

from .tsdb_seed import add_samples, add_series

T0 = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)  # a 10 s and 5 min bucket boundary


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def window(start_s: int, end_s: int, step_s: int = 10) -> Window:
    return Window(at(start_s), at(end_s), step_s)


def test_window_last_is_aligned_and_bounded() -> None:
    now = datetime(2026, 11, 24, 12, 0, 7, tzinfo=UTC)
    w = Window.last(timedelta(hours=1), 10, now=now)
    assert w.end == datetime(2026, 11, 24, 12, 0, 10, tzinfo=UTC)  # includes the current bucket
    assert w.buckets == 360
    day = Window.last(timedelta(hours=24), 300, now=now)
    assert day.buckets == 288
    assert int(day.start.timestamp()) % 300 == 0
    with pytest.raises(ValueError, match="positive"):
        Window.last(timedelta(hours=1), 0)


def test_find_series_filters_on_labels(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    add_series(cur, 1, 7, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_series(cur, 2, 7, "cpu.percent", {"cpu": "0"}, unit="percent")
    add_series(cur, 3, 8, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_series(cur, 4, 7, "net.rx_bytes", {"iface": "eth0"}, unit="bytes", monotonic=True)

    assert [s.id for s in queries.find_series(cur, 7, "cpu.percent")] == [1, 2]
    total = queries.find_series(cur, 7, "cpu.percent", {"cpu": "total"})
    assert [(s.id, s.labels, s.unit, s.monotonic) for s in total] == [(1, {"cpu": "total"}, "percent", False)]
    assert queries.find_series(cur, 7, "cpu.percent", {"cpu": "nope"}) == []
    assert queries.find_series(cur, 7, "net.rx_bytes")[0].monotonic is True
    assert queries.find_series(cur, 99, "cpu.percent") == []


def test_bucket_average_returns_values_and_respects_the_window(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    add_series(cur, 1, 7, "memory.percent")
    add_samples(
        cur,
        1,
        [(at(-10), 99.0), (at(0), 10.0), (at(10), 20.0), (at(12), 40.0), (at(30), 50.0), (at(60), 77.0)],
    )

    result = queries.bucket_average(cur, [1], window(0, 60))

    assert result[1] == Points(
        t=[int(at(0).timestamp()), int(at(10).timestamp()), int(at(30).timestamp())],
        v=[10.0, 30.0, 50.0],  # 20 and 40 share a bucket; -10 s and 60 s are outside [0, 60)
    )


def test_bucket_average_of_no_series_and_of_silent_series(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    add_series(cur, 1, 7, "memory.percent")
    assert queries.bucket_average(cur, [], window(0, 60)) == {}
    assert queries.bucket_average(cur, [1], window(0, 60)) == {1: Points([], [])}


def test_bucket_rate_is_difference_over_elapsed(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    add_series(cur, 1, 7, "net.rx_bytes", {"iface": "eth0"}, monotonic=True)
    # 1,000 bytes/s; the sample before the window gives the first bucket its predecessor.
    add_samples(cur, 1, [(at(s), 1000.0 * s + 5e6) for s in range(-10, 60, 10)])

    result = queries.bucket_rate(cur, [1], window(0, 60))

    assert result[1].t == [int(at(s).timestamp()) for s in range(0, 60, 10)]
    assert result[1].v == pytest.approx([1000.0] * 6)


def test_bucket_rate_drops_counter_resets(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    add_series(cur, 1, 7, "diskio.read_bytes", {"disk": "sda"}, monotonic=True)
    # 100 B/s, then the host reboots between 30 s and 40 s and the counter restarts at 0.
    add_samples(cur, 1, [(at(0), 1000.0), (at(10), 2000.0), (at(20), 3000.0), (at(30), 4000.0)])
    add_samples(cur, 1, [(at(40), 0.0), (at(50), 500.0), (at(60), 1000.0)])

    result = queries.bucket_rate(cur, [1], window(0, 70))

    stamps = [int(at(s).timestamp()) for s in (10, 20, 30, 50, 60)]
    assert result[1].t == stamps  # no rate for 0 s (no predecessor) nor 40 s (the reset)
    assert result[1].v == pytest.approx([100.0, 100.0, 100.0, 50.0, 50.0])
    assert all(v >= 0 for v in result[1].v)


def test_bucket_rate_averages_within_a_bucket_and_ignores_duplicate_stamps(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    add_series(cur, 1, 7, "net.tx_bytes", monotonic=True)
    add_samples(cur, 1, [(at(0), 0.0), (at(60), 600.0), (at(60), 600.0), (at(90), 1800.0)])

    result = queries.bucket_rate(cur, [1], window(0, 300, step_s=300))

    # Rates 10 B/s (0→60 s) and 40 B/s (60→90 s): the 5-minute bucket holds their mean.
    assert result[1].t == [int(at(0).timestamp())]
    assert result[1].v == pytest.approx([25.0])


def test_sum_points_adds_series_bucket_by_bucket() -> None:
    summed = queries.sum_points(
        [Points([10, 20, 30], [1.0, 2.0, 3.0]), Points([20, 30, 40], [10.0, 20.0, 30.0])]
    )
    assert summed == Points([10, 20, 30, 40], [1.0, 12.0, 23.0, 30.0])
    assert queries.sum_points([]) == Points([], [])


def test_queries_bind_values_as_parameters(tsdb: TimeSeriesDB) -> None:
    """A hostile label value is data, not SQL."""
    cur = tsdb.cursor()
    add_series(cur, 1, 7, "disk.percent", {"mount": "x'); DROP TABLE samples; --"})
    assert len(queries.find_series(cur, 7, "disk.percent", {"mount": "x'); DROP TABLE samples; --"})) == 1
    assert queries.find_series(cur, 7, "disk.percent'; --") == []
    assert cur.execute("SELECT count(*) FROM samples").fetchall() == [(0,)]
