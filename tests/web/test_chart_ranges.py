"""Which window and bucket size a chart asks for (pure): named ranges end now, custom ones
are widened to whole buckets, and every choice keeps a chart within MAX_POINTS points and
on the tier ARCHITECTURE.md names (raw up to 6 h, 5-min rollups up to 7 d, 1-h beyond)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.tsdb import rollups
from collector.web.chart_ranges import MAX_POINTS, RANGES, custom_window, named_window, window_of

NOW = datetime(2026, 12, 7, 3, 14, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "step", "source"),
    [("1h", 10, None), ("6h", 60, None), ("24h", 300, 300), ("7d", 1800, 300), ("30d", 7200, 3600)],
)
def test_named_ranges_end_now_with_their_bucket_and_tier(key: str, step: int, source: int | None) -> None:
    w = named_window(key, now=NOW)
    assert w.step_s == step
    assert w.end > NOW and (w.end - NOW).total_seconds() <= step  # the newest bucket is in
    assert w.end - w.start == RANGES[key].span
    assert w.buckets <= MAX_POINTS
    assert rollups.resolution(w.start, w.end, w.step_s) == source


@pytest.mark.parametrize(
    ("span_s", "step"), [(60, 10), (3600, 10), (3 * 3600, 30), (3 * 86400, 900), (10 * 86400, 3600)]
)
def test_a_custom_window_is_widened_to_whole_buckets(span_s: int, step: int) -> None:
    start = int(NOW.timestamp()) + 7
    w = custom_window(start, start + span_s)
    assert w.step_s == step and w.buckets <= MAX_POINTS + 1
    assert w.start.timestamp() <= start < w.start.timestamp() + step
    assert w.end.timestamp() >= start + span_s > w.end.timestamp() - step
    assert w.start.timestamp() % step == 0 and w.end.timestamp() % step == 0


def test_from_and_to_take_precedence_over_a_range() -> None:
    key, w = window_of({"range": "7d", "from": "1800000000", "to": "1800003600"}, "1h")
    assert (key, int(w.start.timestamp()), int(w.end.timestamp())) == ("custom", 1800000000, 1800003600)
    assert window_of({}, "24h")[0] == "24h"
    with pytest.raises(ValueError, match="at most 730 days"):
        window_of({"from": "1", "to": "1800000000"}, "1h")
