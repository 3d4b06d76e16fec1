"""The storage interface: every time-series write and read of the collector, in one place.

Rules, pages, exports and the ingest servicer hold a :class:`Storage` and ask it; none of them
imports DuckDB or takes a cursor (``tests/architecture/test_storage_boundary.py`` walks the
imports). DuckDB is the one implementation (:class:`collector.tsdb.db.TimeSeriesDB`, through
:class:`collector.tsdb.duckdb_storage.DuckDBStorage`); a second backend (PostgreSQL for
several stateless collectors) implements this protocol, and nothing outside the storage
package changes. ARCHITECTURE.md "Storage interface" says why it is shaped this way.

Values in and out are plain: datetimes (aware or naive UTC), numpy arrays, Arrow tables and
the frozen row types of the storage package, never a cursor or a view name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pyarrow as pa

    from collector.tsdb.buckets import Buckets
    from collector.tsdb.chart_reads import LineQuery, SeriesRead
    from collector.tsdb.compaction import Settings as CompactionSettings
    from collector.tsdb.function_log import DeviceEvent, Result, StateChange
    from collector.tsdb.function_summary import Availability, SparkKey
    from collector.tsdb.functions.queries import FunctionResultRow, FunctionState
    from collector.tsdb.gaps import GapRow
    from collector.tsdb.ingest.series import SeriesRegistry
    from collector.tsdb.ingest.writer import IngestWriter
    from collector.tsdb.inventory.queries import ChangeRow, Item, SoftwareHit, SubjectInfo
    from collector.tsdb.inventory_search import InventoryHit
    from collector.tsdb.points import Arrays
    from collector.tsdb.processes import TopProcesses
    from collector.tsdb.queries import SeriesInfo, Window
    from collector.tsdb.retention import Retention
    from collector.tsdb.series_facts import History, SeriesMeta
    from collector.tsdb.series_lookup import HeldSeries
    from collector.tsdb.snmp.events import EventRow
    from collector.tsdb.snmp.readings import InventoryRow
    from collector.tsdb.usage import TableUse


class Storage(Protocol):
    """What the collector asks of its time-series store. Safe to call from any thread."""

    # -- writing: a batch with its dedupe key (device, epoch, seq) ----------------------------
    def series_registry(self) -> SeriesRegistry:
        """Global series ids, loaded once at start; new ones are written with their first batch."""
        ...

    def writer(self, series: SeriesRegistry) -> IngestWriter:
        """The single writer: batches deduplicated on (device, epoch, seq) and committed with
        their samples, extras and hooks in one transaction; acked only after the commit."""
        ...

    # -- series and their ranges ---------------------------------------------------------------
    def find_series(
        self, device_id: int, name: str, labels: dict[str, str] | None = None
    ) -> list[SeriesInfo]:
        """A device's series called ``name`` whose labels include every pair in ``labels``."""
        ...

    def device_series(self, device_id: int) -> list[SeriesInfo]:
        """Every series of the device, by id."""
        ...

    def series_meta(self, ids: Collection[int]) -> dict[int, SeriesMeta]:
        """Device, name and labels of each series id that exists."""
        ...

    def series_range(
        self, series_ids: Sequence[int], start: datetime | None, end: datetime | None
    ) -> pa.Table:
        """Raw resolution: (series_id, ts, value) in [start, end) from every tier (None: open)."""
        ...

    def series_arrays(self, series_ids: Sequence[int], start: datetime, end: datetime) -> Arrays:
        """Raw resolution as numpy arrays per series (ascending), for readers that aggregate."""
        ...

    def series_buckets(
        self, series_ids: Sequence[int], start: datetime, end: datetime, *, step_s: int, source_s: int
    ) -> dict[int, Buckets]:
        """A rolled-up resolution: ``step_s`` buckets over [start - step_s, end) from the
        ``source_s`` (300 or 3600) rollups and the raw minutes not compacted yet."""
        ...

    def metric_history(self, metric: str, since_s: float) -> History:
        """Every series named ``metric`` with its samples since ``since_s`` (epoch seconds)."""
        ...

    def latest_points(
        self,
        series_ids: Sequence[int],
        *,
        window: timedelta,
        per_series: int = 2,
        now: datetime | None = None,
    ) -> dict[int, list[tuple[float, float]]]:
        """Latest values: the newest ``per_series`` (unix s, value) of each series within
        ``window`` before ``now``, oldest first."""
        ...

    def target_series(self, gateway_id: int, target: str) -> list[SeriesInfo]:
        """Every ``snmp.*`` series a gateway stored about one SNMP target."""
        ...

    def recent_gaps(self, device_id: int, limit: int = ...) -> list[GapRow]:
        """The device's newest recorded losses."""
        ...

    def read_line(self, device_id: int, q: LineQuery, window: Window) -> list[SeriesRead]:
        """A chart line's matching series of one device over ``window`` (raw or rollup by span)."""
        ...

    def read_many(self, wants: Sequence[tuple[int, LineQuery]], window: Window) -> list[list[SeriesRead]]:
        """:meth:`read_line` for each (device id, line) of ``wants``, read together (a device
        page's panels, a fleet panel's devices)."""
        ...

    def gap_spans(self, device_id: int, start: datetime, end: datetime) -> list[tuple[int, int]]:
        """Losses overlapping [start, end) as (start ms, end ms), for shading charts."""
        ...

    # -- what batches carry besides samples ----------------------------------------------------
    def function_states(
        self, device_id: int, *, window: timedelta = ..., now: datetime | None = None
    ) -> list[FunctionState]:
        """Each function's latest result on the device."""
        ...

    def function_history(
        self,
        device_id: int,
        function_id: str,
        subject: str = "",
        *,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[FunctionResultRow]:
        """One function's results, newest first."""
        ...

    def trap_events(
        self,
        gateway_ids: Collection[int],
        *,
        since: datetime | None = None,
        target: str | None = None,
        limit: int = 200,
    ) -> list[EventRow]:
        """SNMP traps the given gateways forwarded, newest first (the caller scopes the ids)."""
        ...

    def inventory_subjects(self, device_id: int) -> list[SubjectInfo]: ...

    def current_inventory(
        self, device_id: int, subject: str = "", *, kinds: Collection[str] = ()
    ) -> list[Item]: ...

    def inventory_changes(
        self, device_id: int, since: datetime | None = None, *, subject: str | None = None, limit: int = ...
    ) -> list[ChangeRow]: ...

    def software(self, device_id: int, query: str = "", *, subject: str = "") -> list[SoftwareHit]: ...

    def software_search(
        self, device_ids: Collection[int], name: str, below_version: str | None = None, *, limit: int = ...
    ) -> list[SoftwareHit]:
        """Packages called like ``name`` (below a version) on the given devices (the caller scopes)."""
        ...

    def snmp_inventory(
        self, gateway_ids: Collection[int], kinds: Collection[str], subjects: Collection[str] | None = None
    ) -> list[InventoryRow]:
        """Current items of the given kinds gateways reported about their targets (None: all)."""
        ...

    def host_inventory(self, device_ids: Collection[int], kind: str) -> list[InventoryRow]:
        """Agents' own items of one kind (e.g. ``nic``)."""
        ...

    # -- housekeeping --------------------------------------------------------------------------
    def compact(self, before: datetime, settings: CompactionSettings | None = None) -> int:
        """Move the raw samples of whole windows ended before ``before`` into per-series blocks
        and rollups, one slice at a time (restartable); returns the samples moved."""
        ...

    def apply_retention(self, keep: Retention, now: datetime) -> dict[str, int]:
        """Drop what each tier holds past its age; returns the rows dropped per tier."""
        ...

    def function_changes(
        self,
        device_ids: Sequence[int],
        start: datetime,
        end: datetime,
        *,
        function_id: str = "",
        subject: str | None = None,
    ) -> list[StateChange]:
        """The devices' function state changes in [start, end), newest first (the Function Log)."""
        ...

    def device_events(self, device_ids: Sequence[int], start: datetime, end: datetime) -> list[DeviceEvent]:
        """The devices' events in [start, end), newest first."""
        ...

    def function_results(
        self, device_id: int, subject: str, function_id: str, *, start: datetime, end: datetime
    ) -> list[Result]:
        """Every result of one function in [start, end), oldest first (its history export)."""
        ...

    def function_status_at(
        self, device_id: int, subject: str, function_id: str, when: datetime
    ) -> int | None:
        """The function's status just before ``when``; None when it had not reported."""
        ...

    def availability(self, device_ids: Sequence[int], since: datetime, until: datetime) -> Availability:
        """The share of OK function results of the devices in [since, until)."""
        ...

    def sparklines(self, device_ids: Sequence[int], until: datetime) -> dict[SparkKey, list[int]]:
        """Each function's worst status per UTC clock hour over the 24 hours up to the one
        ``until`` falls in (results before ``until`` only)."""
        ...

    def hardware_matching(
        self, text: str, device_ids: Collection[int] | None, limit: int
    ) -> list[InventoryHit]:
        """Devices whose hardware inventory (serial, MAC, model ...) contains ``text``."""
        ...

    def series_held(self, device_ids: Collection[int] | None) -> dict[str, int]:
        """Series per metric name on these devices (None: every device), for the metric picker."""
        ...

    def series_matching(
        self, device_ids: Collection[int] | None, metric: str, wanted: Mapping[str, str], *, limit: int
    ) -> tuple[int, list[HeldSeries]]:
        """How many series of ``metric`` carry every ``wanted`` label, and the first ``limit``
        with their newest value (a rule form's preview)."""
        ...

    def top_processes(self, device_id: int) -> TopProcesses:
        """The processes of the device's newest reading, busiest first."""
        ...

    def prune_batches(self) -> int:
        """Drop the batch records each stream's progress mark makes redundant; returns how many."""
        ...

    def disk_use(self) -> list[TableUse]:
        """Rows and bytes on disk per table."""
        ...

    def checkpoint(self) -> None: ...

    def close(self) -> None: ...
