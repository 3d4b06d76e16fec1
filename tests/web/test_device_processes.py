"""The device page's top processes: the agent's newest reading (a real DuckDB file), busiest
first, sizes readable; an old or another device's reading is not shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.processes import LOOKBACK, TopProcess, top_processes
from eus.names import Metric

from .conftest import PASSWORDS, LoginFn, Seed
from .tsdb_seed import add_samples, add_series

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(seconds=30)


def _seed(tsdb: TimeSeriesDB, seed: Seed, now: datetime) -> None:
    cur = tsdb.cursor()
    sid = iter(range(1, 100))
    readings = {  # name: [(time, cpu, memory)]
        "postgres": [(now - timedelta(seconds=30), 5.0, 1e9), (now, 128.5, 2_400_000_000)],
        "java": [(now - timedelta(seconds=30), 90.0, 4e9), (now, 45.0, 4_000_000_000)],
        "gone": [(now - timedelta(seconds=30), 99.0, 1e6)],  # not in the newest reading
    }
    for name, points in readings.items():
        cpu = add_series(cur, next(sid), seed.device_a, Metric.PROCESS_CPU_PERCENT, {"process": name})
        mem = add_series(cur, next(sid), seed.device_a, Metric.PROCESS_MEMORY_BYTES, {"process": name})
        add_samples(cur, cpu, [(t, c) for t, c, _ in points])
        add_samples(cur, mem, [(t, m) for t, _, m in points])
    other = add_series(cur, next(sid), seed.device_b, Metric.PROCESS_CPU_PERCENT, {"process": "bravo-only"})
    add_samples(cur, other, [(now, 50.0)])


def test_newest_reading_busiest_first(tsdb: TimeSeriesDB, seed: Seed) -> None:
    _seed(tsdb, seed, NOW)
    got = top_processes(tsdb.cursor(), seed.device_a, NOW + timedelta(seconds=5))
    assert got.at == NOW
    assert got.rows == [TopProcess("postgres", 128.5, 2_400_000_000), TopProcess("java", 45.0, 4_000_000_000)]
    stale = top_processes(tsdb.cursor(), seed.device_a, NOW + LOOKBACK + timedelta(seconds=1))
    assert stale.at is None and stale.rows == []
    assert top_processes(tsdb.cursor(), seed.device_b, NOW).rows == [TopProcess("bravo-only", 50.0, None)]


def test_device_page_shows_top_processes(
    client: FlaskClient, login: LoginFn, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    assert 'id="top-processes"' in page and "No reading in the last 10 minutes" in page
    _seed(tsdb, seed, datetime.now(UTC) - timedelta(seconds=5))
    page = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    section = page[
        page.index('id="top-processes"') : page.index("</section>", page.index('id="top-processes"'))
    ]
    assert section.index("postgres") < section.index("java")
    assert "128.5" in section and "2.2 GiB" in section and "3.7 GiB" in section
    assert "gone" not in section and "bravo-only" not in section
