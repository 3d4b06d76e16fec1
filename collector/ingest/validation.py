"""Is a batch fit to join the shared commit? Pure checks, one verdict naming the field.

Every batch that reaches the writer shares a DuckDB transaction with the batches of every
other agent, so one value DuckDB cannot store (a timestamp of 2^62 ms overflows TIMESTAMP)
would roll all of them back. A batch is therefore checked before it is queued: every
timestamp it carries within a window around the collector's clock, its counts bounded, and
the series it would create for its device bounded. A refused batch never reaches the writer;
the stream servicer refuses it with INVALID_ARGUMENT and this message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from eus.v1 import eus_pb2

DAY_MS = 86_400_000
# An agent's clock may be wrong and its spool old (bounded at 7 days by default): the past
# window is wide; a clock far in the future is a broken clock, and so is anything before 2000.
MAX_PAST_MS = 3650 * DAY_MS
MAX_FUTURE_MS = DAY_MS
EARLIEST_MS = 946_684_800_000  # 2000-01-01T00:00:00Z

MAX_RUNS = 100_000
MAX_FUNCTIONS = 100_000
MAX_EVENTS = 100_000
MAX_INVENTORY_REPORTS = 1_000
MAX_COMMAND_RESULTS = 10_000
MAX_SERIES_DEFS = 200_000


@dataclass(frozen=True)
class Limits:
    """What one batch may carry; ``max_new_series`` is ``max_new_series_per_batch`` in the config."""

    max_new_series: int = 10_000
    max_past_ms: int = MAX_PAST_MS
    max_future_ms: int = MAX_FUTURE_MS


def _window(now_ms: int, limits: Limits) -> tuple[int, int]:
    return max(EARLIEST_MS, now_ms - limits.max_past_ms), now_ms + limits.max_future_ms


def _first_outside(
    values: Iterable[int], lo: int, hi: int, *, zero_ok: bool = False
) -> tuple[int, int] | None:
    """(index, value) of the first timestamp outside [lo, hi]; 0 passes when it means "unset"."""
    for i, v in enumerate(values):
        if (v < lo or v > hi) and not (zero_ok and v == 0):
            return i, v
    return None


def _counts(batch: eus_pb2.Batch) -> str | None:
    for field, n, limit in (
        ("series", len(batch.series), MAX_SERIES_DEFS),
        ("runs", len(batch.runs), MAX_RUNS),
        ("functions", len(batch.functions), MAX_FUNCTIONS),
        ("events", len(batch.events), MAX_EVENTS),
        ("inventory", len(batch.inventory), MAX_INVENTORY_REPORTS),
        ("command_results", len(batch.command_results), MAX_COMMAND_RESULTS),
    ):
        if n > limit:
            return f"{field}: {n} entries, at most {limit}"
    return None


def _timestamps(batch: eus_pb2.Batch, lo: int, hi: int) -> str | None:
    # Samples are the hot path: the packed column as an array costs ~22 us per 1,000 values,
    # a Python pass over it ten times that. Only a batch with a culprit is searched.
    ts = np.array(batch.ts_ms, dtype=np.int64)
    if ts.shape[0]:
        outside = (ts < lo) | (ts > hi)
        if outside.any():
            i = int(np.argmax(outside))
            return f"ts_ms[{i}] = {int(ts[i])}"
    columns: list[tuple[str, Iterable[int], bool]] = [
        ("runs.started_ms", (r.started_ms for r in batch.runs), False),
        ("functions.ts_ms", (f.ts_ms for f in batch.functions), False),
        ("inventory.ts_ms", (r.ts_ms for r in batch.inventory), False),
        ("events.ts_ms", (e.ts_ms for e in batch.events), True),  # 0: stamped on receipt
        ("command_results.ts_ms", (c.ts_ms for c in batch.command_results), False),
    ]
    if batch.HasField("gap"):  # 0: the dropped batches held no samples
        columns.append(("gap.first_ts_ms", (batch.gap.first_ts_ms,), True))
        columns.append(("gap.last_ts_ms", (batch.gap.last_ts_ms,), True))
    for field, values, zero_ok in columns:
        found = _first_outside(values, lo, hi, zero_ok=zero_ok)
        if found is not None:
            index = "" if field.startswith("gap.") else f"[{found[0]}]"
            return f"{field}{index} = {found[1]}"
    return None


def validate(batch: eus_pb2.Batch, *, now_ms: int, new_series: int, limits: Limits) -> str | None:
    """Why ``batch`` must not be stored (naming the field), or None when it may be.

    ``new_series``: how many of its series definitions its device does not have yet.
    """
    problem = _counts(batch)
    if problem is not None:
        return problem
    lo, hi = _window(now_ms, limits)
    problem = _timestamps(batch, lo, hi)
    if problem is not None:
        return f"{problem} is outside the collector's window {lo}..{hi} (unix ms)"
    if new_series > limits.max_new_series:
        return (
            f"series: {new_series} new series for this device in one batch, "
            f"at most {limits.max_new_series} (max_new_series_per_batch)"
        )
    return None
