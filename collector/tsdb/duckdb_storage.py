"""DuckDB's implementation of :class:`collector.tsdb.storage.Storage`.

Each method runs the storage package's SQL on the calling thread's cursor
(:meth:`collector.tsdb.db.TimeSeriesDB.cursor`); the SQL itself stays in the modules beside
this one, which the tests also call on a cursor directly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

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
from collector.tsdb.buckets import Buckets
from collector.tsdb.functions import queries as functions
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.inventory import queries as inventory
from collector.tsdb.snmp import events, readings

if TYPE_CHECKING:
    from collector.tsdb.ingest.writer import IngestWriter


class DuckDBStorage(ABC):
    """The Storage methods over a per-thread DuckDB cursor (the connection is the subclass's)."""

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
    def find_series(
        self, device_id: int, name: str, labels: dict[str, str] | None = None
    ) -> list[queries.SeriesInfo]:
        return queries.find_series(self.cursor(), device_id, name, labels)

    def device_series(self, device_id: int) -> list[queries.SeriesInfo]:
        return series_facts.device_series(self.cursor(), device_id)

    def series_meta(self, ids: Collection[int]) -> dict[int, series_facts.SeriesMeta]:
        return series_facts.series_meta(self.cursor(), ids)

    def series_range(
        self, series_ids: Sequence[int], start: datetime | None, end: datetime | None
    ) -> pa.Table:
        return points.load(self.cursor(), series_ids, start, end)

    def series_arrays(self, series_ids: Sequence[int], start: datetime, end: datetime) -> points.Arrays:
        return points.arrays(self.cursor(), series_ids, start, end)

    def series_buckets(
        self, series_ids: Sequence[int], start: datetime, end: datetime, *, step_s: int, source_s: int
    ) -> dict[int, Buckets]:
        return rollups.read(self.cursor(), series_ids, start, end, step_s=step_s, source_s=source_s)

    def metric_history(self, metric: str, since_s: float) -> series_facts.History:
        return series_facts.metric_history(self.cursor(), metric, since_s)

    def latest_points(
        self,
        series_ids: Sequence[int],
        *,
        window: timedelta,
        per_series: int = 2,
        now: datetime | None = None,
    ) -> dict[int, list[tuple[float, float]]]:
        return readings.latest_points(
            self.cursor(), series_ids, window=window, per_series=per_series, now=now
        )

    def target_series(self, gateway_id: int, target: str) -> list[queries.SeriesInfo]:
        return readings.target_series(self.cursor(), gateway_id, target)

    def recent_gaps(self, device_id: int, limit: int = gaps.SHOWN) -> list[gaps.GapRow]:
        return gaps.recent_gaps(self.cursor(), device_id, limit)

    def gap_spans(self, device_id: int, start: datetime, end: datetime) -> list[tuple[int, int]]:
        return gaps.gap_spans(self.cursor(), device_id, start, end)

    # -- what batches carry besides samples
    def function_states(
        self, device_id: int, *, window: timedelta = functions.LATEST_WINDOW, now: datetime | None = None
    ) -> list[functions.FunctionState]:
        return functions.latest_states(self.cursor(), device_id, window=window, now=now)

    def function_history(
        self,
        device_id: int,
        function_id: str,
        subject: str = "",
        *,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[functions.FunctionResultRow]:
        return functions.history(self.cursor(), device_id, function_id, subject, since=since, limit=limit)

    def trap_events(
        self,
        gateway_ids: Collection[int],
        *,
        since: datetime | None = None,
        target: str | None = None,
        limit: int = 200,
    ) -> list[events.EventRow]:
        return events.trap_events(self.cursor(), gateway_ids, since=since, target=target, limit=limit)

    def inventory_subjects(self, device_id: int) -> list[inventory.SubjectInfo]:
        return inventory.subjects(self.cursor(), device_id)

    def current_inventory(
        self, device_id: int, subject: str = "", *, kinds: Collection[str] = ()
    ) -> list[inventory.Item]:
        return inventory.current_inventory(self.cursor(), device_id, subject, kinds=kinds)

    def inventory_changes(
        self,
        device_id: int,
        since: datetime | None = None,
        *,
        subject: str | None = None,
        limit: int = inventory.MAX_CHANGES,
    ) -> list[inventory.ChangeRow]:
        return inventory.changes(self.cursor(), device_id, since, subject=subject, limit=limit)

    def software(self, device_id: int, query: str = "", *, subject: str = "") -> list[inventory.SoftwareHit]:
        return inventory.software(self.cursor(), device_id, query, subject=subject)

    def software_search(
        self,
        device_ids: Collection[int],
        name: str,
        below_version: str | None = None,
        *,
        limit: int = inventory.MAX_SEARCH_HITS,
    ) -> list[inventory.SoftwareHit]:
        return inventory.software_search(self.cursor(), device_ids, name, below_version, limit=limit)

    def snmp_inventory(
        self, gateway_ids: Collection[int], kinds: Collection[str], subjects: Collection[str] | None = None
    ) -> list[readings.InventoryRow]:
        return readings.inventory(self.cursor(), gateway_ids, kinds, subjects)

    def host_inventory(self, device_ids: Collection[int], kind: str) -> list[readings.InventoryRow]:
        return readings.host_inventory(self.cursor(), device_ids, kind)

    # -- housekeeping
    def compact(self, before: datetime, settings: compaction.Settings | None = None) -> int:
        return compaction.compact(self.cursor(), before, settings)

    def apply_retention(self, keep: retention.Retention, now: datetime) -> dict[str, int]:
        return retention.apply(self.cursor(), keep, now)

    def read_line(
        self, device_id: int, q: chart_reads.LineQuery, window: queries.Window
    ) -> list[chart_reads.SeriesRead]:
        return chart_reads.read_line(self, device_id, q, window)

    def read_devices(
        self, device_ids: Sequence[int], q: chart_reads.LineQuery, window: queries.Window
    ) -> dict[int, list[chart_reads.SeriesRead]]:
        return chart_reads.read_devices(self, device_ids, q, window)

    def function_changes(
        self,
        device_ids: Sequence[int],
        start: datetime,
        end: datetime,
        *,
        function_id: str = "",
        subject: str | None = None,
    ) -> list[function_log.StateChange]:
        return function_log.state_changes(
            self.cursor(), device_ids, start, end, function_id=function_id, subject=subject
        )

    def device_events(
        self, device_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[function_log.DeviceEvent]:
        return function_log.device_events(self.cursor(), device_ids, start, end)

    def function_results(
        self, device_id: int, subject: str, function_id: str, *, start: datetime, end: datetime
    ) -> list[function_log.Result]:
        return function_log.results(self.cursor(), device_id, subject, function_id, start=start, end=end)

    def function_status_at(
        self, device_id: int, subject: str, function_id: str, when: datetime
    ) -> int | None:
        return function_log.status_at(self.cursor(), device_id, subject, function_id, when)

    def availability(
        self, device_ids: Sequence[int], since: datetime, until: datetime
    ) -> function_summary.Availability:
        return function_summary.availability(self.cursor(), device_ids, since, until)

    def sparklines(
        self, device_ids: Sequence[int], until: datetime
    ) -> dict[function_summary.SparkKey, list[int]]:
        return function_summary.sparklines(self.cursor(), device_ids, until)

    def hardware_matching(
        self, text: str, device_ids: Collection[int] | None, limit: int
    ) -> list[inventory_search.InventoryHit]:
        return inventory_search.hardware_matching(self.cursor(), text, device_ids, limit)

    def series_held(self, device_ids: Collection[int] | None) -> dict[str, int]:
        return series_lookup.held_counts(self.cursor(), device_ids)

    def series_matching(
        self, device_ids: Collection[int] | None, metric: str, wanted: Mapping[str, str], *, limit: int
    ) -> tuple[int, list[series_lookup.HeldSeries]]:
        return series_lookup.matching(self.cursor(), device_ids, metric, wanted, limit=limit)

    def top_processes(self, device_id: int) -> processes.TopProcesses:
        return processes.top_processes(self.cursor(), device_id)

    def prune_batches(self) -> int:
        return stream_progress.prune_batches(self.cursor())

    def disk_use(self) -> list[usage.TableUse]:
        return usage.disk_use(self.cursor())
