"""DuckDB's implementation of :class:`collector.tsdb.storage.Storage`.

Each method runs the storage package's SQL on the calling thread's cursor
(:meth:`collector.tsdb.db.TimeSeriesDB.cursor`); the SQL itself stays in the modules beside
this one, which the tests also call on a cursor directly. A method that only passes its
arguments on is bound with :func:`_on_cursor`, so its parameters are written once, in the
module function (and in the protocol); mypy checks the two agree wherever a
``TimeSeriesDB`` is used as a ``Storage``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

import duckdb

from collector.tsdb import (
    chart_reads,
    compaction,
    function_log,
    function_summary,
    gaps,
    inventory_search,
    points,
    processes,
    queries,
    retention,
    rollups,
    series_facts,
    series_lookup,
    stream_progress,
    usage,
)
from collector.tsdb.functions import queries as functions
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.inventory import queries as inventory
from collector.tsdb.series_catalog import SeriesCatalog
from collector.tsdb.snmp import events, readings

if TYPE_CHECKING:
    from collector.tsdb.ingest.writer import IngestWriter


P = ParamSpec("P")
R = TypeVar("R")


def _on_cursor(
    read: Callable[Concatenate[duckdb.DuckDBPyConnection, P], R],
) -> Callable[Concatenate[DuckDBStorage, P], R]:
    """A method that calls ``read`` on this thread's cursor with the caller's arguments."""

    def method(self: DuckDBStorage, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return read(self.cursor(), *args, **kwargs)

    method.__doc__ = read.__doc__
    return method


class DuckDBStorage(ABC):
    """The Storage methods over a per-thread DuckDB cursor (the connection is the subclass's)."""

    catalog: SeriesCatalog  # each device's series, for the chart path (set by the subclass)

    @abstractmethod
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor."""

    # -- writing
    def series_registry(self) -> SeriesRegistry:
        return SeriesRegistry(self.cursor())

    def writer(self, series: SeriesRegistry) -> IngestWriter:
        # Imported here: the writer's module needs TimeSeriesDB, which is built on this class.
        from collector.tsdb.db import TimeSeriesDB
        from collector.tsdb.ingest.writer import IngestWriter

        assert isinstance(self, TimeSeriesDB)
        return IngestWriter(self, series)

    # -- series and their ranges
    find_series = _on_cursor(queries.find_series)
    device_series = _on_cursor(series_facts.device_series)
    series_meta = _on_cursor(series_facts.series_meta)
    series_range = _on_cursor(points.load)
    series_arrays = _on_cursor(points.arrays)
    series_buckets = _on_cursor(rollups.read)
    metric_history = _on_cursor(series_facts.metric_history)
    latest_points = _on_cursor(readings.latest_points)
    target_series = _on_cursor(readings.target_series)
    recent_gaps = _on_cursor(gaps.recent_gaps)
    gap_spans = _on_cursor(gaps.gap_spans)

    # -- what batches carry besides samples
    function_states = _on_cursor(functions.latest_states)
    function_history = _on_cursor(functions.history)
    trap_events = _on_cursor(events.trap_events)
    inventory_subjects = _on_cursor(inventory.subjects)
    current_inventory = _on_cursor(inventory.current_inventory)
    inventory_changes = _on_cursor(inventory.changes)
    software = _on_cursor(inventory.software)
    software_search = _on_cursor(inventory.software_search)
    snmp_inventory = _on_cursor(readings.inventory)
    host_inventory = _on_cursor(readings.host_inventory)

    # -- housekeeping
    compact = _on_cursor(compaction.compact)

    def apply_retention(self, keep: retention.Retention, now: datetime) -> dict[str, int]:
        return retention.apply(self.cursor(), keep, now)

    def read_line(
        self, device_id: int, q: chart_reads.LineQuery, window: queries.Window
    ) -> list[chart_reads.SeriesRead]:
        return chart_reads.read_line(self, device_id, q, window)

    def read_many(
        self, wants: Sequence[tuple[int, chart_reads.LineQuery]], window: queries.Window
    ) -> list[list[chart_reads.SeriesRead]]:
        return chart_reads.read_many(self, wants, window)

    function_changes = _on_cursor(function_log.state_changes)
    device_events = _on_cursor(function_log.device_events)
    function_results = _on_cursor(function_log.results)
    function_status_at = _on_cursor(function_log.status_at)
    availability = _on_cursor(function_summary.availability)
    sparklines = _on_cursor(function_summary.sparklines)
    hardware_matching = _on_cursor(inventory_search.hardware_matching)
    series_held = _on_cursor(series_lookup.held_counts)
    series_matching = _on_cursor(series_lookup.matching)
    top_processes = _on_cursor(processes.top_processes)
    prune_batches = _on_cursor(stream_progress.prune_batches)
    disk_use = _on_cursor(usage.disk_use)
