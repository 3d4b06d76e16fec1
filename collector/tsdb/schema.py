"""Versioned DuckDB schema. Add a migration; never edit one that has shipped.

Each migration has a unique number and is applied once, in number order among those not
yet applied (the applied set, not a high-water mark, so areas developed side by side can
take numbers from their own ranges: 2-9 ingest, 10-19 functions and inventory, 20-29
SNMP, 30-39 alerting, 50-59 storage at fleet scale, 40+ next).

``samples`` is the one long narrow table (series id, real timestamp, value) that every
metric lands in, appended in batches through Arrow. ``batches`` holds one row per
committed agent batch, written in the same transaction as the samples it covers, and
``stream_progress`` (migration 55) each stream's contiguous mark and the ranges above it:
the dedupe record, updated in that transaction too; batch rows below the mark are pruned.
"""

from __future__ import annotations

import duckdb

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE series (
            id        UINTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL,
            name      VARCHAR NOT NULL,
            labels    VARCHAR NOT NULL,   -- canonical JSON object, keys sorted
            unit      VARCHAR NOT NULL,
            monotonic BOOLEAN NOT NULL,
            created   TIMESTAMP NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX series_key ON series (device_id, name, labels);
        CREATE TABLE samples (
            series_id UINTEGER NOT NULL,
            ts        TIMESTAMP NOT NULL,
            value     DOUBLE NOT NULL
        );
        CREATE TABLE batches (
            device_id INTEGER NOT NULL,
            epoch     UBIGINT NOT NULL,
            seq       UBIGINT NOT NULL,
            samples   UINTEGER NOT NULL,
            committed TIMESTAMP NOT NULL,
            PRIMARY KEY (device_id, epoch, seq)
        );
        CREATE TABLE gaps (
            device_id       INTEGER NOT NULL,
            epoch           UBIGINT NOT NULL,
            from_seq        UBIGINT NOT NULL,
            to_seq          UBIGINT NOT NULL,
            samples_dropped UBIGINT NOT NULL,
            first_ts        TIMESTAMP,
            last_ts         TIMESTAMP,
            reason          VARCHAR NOT NULL,
            received        TIMESTAMP NOT NULL
        );
        CREATE TABLE collector_runs (
            device_id  INTEGER NOT NULL,
            collector  VARCHAR NOT NULL,
            started    TIMESTAMP NOT NULL,
            duration_s DOUBLE NOT NULL,
            ok         BOOLEAN NOT NULL,
            error      VARCHAR NOT NULL
        );
        """,
    ),
    (
        3,
        """
        -- The compacted tier (collector.tsdb.compaction): one block per series and closed
        -- UTC day, codec collector.tsdb.blocks; read together with samples via
        -- collector.tsdb.points.
        CREATE TABLE sample_blocks (
            series_id UINTEGER NOT NULL,
            first_ts  TIMESTAMP NOT NULL,
            last_ts   TIMESTAMP NOT NULL,
            n         UINTEGER NOT NULL,
            data      BLOB NOT NULL
        );
        """,
    ),
    (
        10,
        """
        CREATE TABLE function_results (
            device_id   INTEGER NOT NULL,
            subject     VARCHAR NOT NULL,     -- "" = the agent's host; else e.g. an SNMP target id
            function_id VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,
            name        VARCHAR NOT NULL,
            status      TINYINT NOT NULL,     -- eus.v1.Health: 0 unknown, 1 ok, 2 warning, 3 critical
            message     VARCHAR NOT NULL,
            ts          TIMESTAMP NOT NULL,
            duration_s  DOUBLE NOT NULL,
            metrics     VARCHAR NOT NULL      -- JSON object name -> number
        );
        CREATE TABLE events (
            device_id INTEGER NOT NULL,       -- the agent that reported it
            ts        TIMESTAMP NOT NULL,
            kind      VARCHAR NOT NULL,       -- e.g. "snmp.trap"
            source    VARCHAR NOT NULL,
            severity  VARCHAR NOT NULL,
            message   VARCHAR NOT NULL,
            attrs     VARCHAR NOT NULL,       -- JSON object
            received  TIMESTAMP NOT NULL
        );
        CREATE TABLE command_results (
            device_id  INTEGER NOT NULL,
            command_id VARCHAR NOT NULL,
            ok         BOOLEAN NOT NULL,
            message    VARCHAR NOT NULL,
            ts         TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        11,
        """
        -- Inventory (collector/inventory): the current snapshot per device and subject
        -- ('' = the agent's host, else an SNMP target id), and the history of changes.
        CREATE TABLE inventory_items (
            device_id  INTEGER NOT NULL,
            subject    VARCHAR NOT NULL,
            kind       VARCHAR NOT NULL,
            key        VARCHAR NOT NULL,
            name       VARCHAR NOT NULL,   -- package name (key without ':arch'), else the key
            version    VARCHAR NOT NULL,   -- attrs.version, '' when none
            attrs      VARCHAR NOT NULL,   -- JSON object of strings, keys sorted
            first_seen TIMESTAMP NOT NULL,
            updated    TIMESTAMP NOT NULL,
            PRIMARY KEY (device_id, subject, kind, key)
        );
        CREATE TABLE inventory_changes (
            device_id   INTEGER NOT NULL,
            subject     VARCHAR NOT NULL,
            ts          TIMESTAMP NOT NULL,   -- when the agent took the inventory
            recorded    TIMESTAMP NOT NULL,   -- when the collector committed it
            kind        VARCHAR NOT NULL,
            key         VARCHAR NOT NULL,
            change      VARCHAR NOT NULL,     -- collector.inventory.changes.ChangeKind
            old_version VARCHAR NOT NULL,
            new_version VARCHAR NOT NULL,
            old_attrs   VARCHAR,              -- JSON; NULL when the item appeared
            new_attrs   VARCHAR,              -- JSON; NULL when the item went
            epoch       UBIGINT NOT NULL,     -- the agent batch that carried the report
            seq         UBIGINT NOT NULL
        );
        CREATE TABLE inventory_subjects (
            device_id   INTEGER NOT NULL,
            subject     VARCHAR NOT NULL,
            items       UINTEGER NOT NULL,
            last_full   TIMESTAMP,            -- the last complete report
            last_report TIMESTAMP NOT NULL,
            PRIMARY KEY (device_id, subject)
        );
        """,
    ),
    (
        50,
        """
        -- Storage at fleet scale (collector.tsdb.compaction, merging, rollups): a chart reads
        -- one series' blocks through these ART indexes instead of scanning every block.
        CREATE INDEX sample_blocks_series ON sample_blocks (series_id);
        -- Per-series rollups (collector.tsdb.buckets): step_s 300 blocks hold one UTC day of
        -- 5-min buckets, step_s 3600 blocks one month's 1-h buckets (closed days). Until a day's
        -- blocks are merged a bucket may be in two blocks: the greater ``written`` wins.
        CREATE TABLE rollup_blocks (
            series_id UINTEGER NOT NULL,
            step_s    UINTEGER NOT NULL,
            first_ts  TIMESTAMP NOT NULL,   -- the first bucket's start
            last_ts   TIMESTAMP NOT NULL,   -- the last bucket's start
            n         UINTEGER NOT NULL,    -- buckets
            written   UBIGINT NOT NULL,     -- microseconds since the epoch when computed
            data      BLOB NOT NULL
        );
        CREATE INDEX rollup_blocks_series ON rollup_blocks (series_id);
        """,
    ),
    (
        51,
        """
        -- collector_runs summarised per device, collector and 5 minutes once compacted
        -- (collector.tsdb.run_summary): ~30 rows become one. A run that arrives late for a
        -- summarised bucket adds a second row for it; readers add them up.
        CREATE TABLE collector_run_summary (
            device_id    INTEGER NOT NULL,
            collector    VARCHAR NOT NULL,
            bucket       TIMESTAMP NOT NULL,
            runs         UINTEGER NOT NULL,
            failures     UINTEGER NOT NULL,
            duration_sum DOUBLE NOT NULL,
            duration_max DOUBLE NOT NULL,
            last_error   VARCHAR NOT NULL    -- the bucket's last failure's error, '' when none
        );
        """,
    ),
    (
        55,
        """
        -- Per-stream ingest progress (collector.tsdb.stream_progress): the writer's start reads
        -- this, not the batch history. Filled once here from ``batches`` and ``gaps`` with
        -- gaps-and-islands: ranges sorted per stream, a new island where a range starts past
        -- the highest seq seen so far + 1; the island reaching down to seq 1 (or 0) is the
        -- mark, the others are the committed ranges above it.
        CREATE TABLE stream_progress (
            device_id INTEGER NOT NULL,
            epoch     UBIGINT NOT NULL,
            hwm       UBIGINT NOT NULL,    -- every seq <= hwm is committed
            above_lo  UBIGINT[] NOT NULL,  -- committed ranges above hwm + 1, sorted and disjoint
            above_hi  UBIGINT[] NOT NULL,
            PRIMARY KEY (device_id, epoch)
        );
        INSERT INTO stream_progress
        WITH ranges AS (
            SELECT device_id, epoch, seq AS lo, seq AS hi FROM batches
            UNION ALL
            SELECT device_id, epoch, from_seq, to_seq FROM gaps
        ), reach AS (
            SELECT *, max(hi) OVER (
                PARTITION BY device_id, epoch ORDER BY lo, hi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
            ) AS before FROM ranges
        ), marked AS (
            SELECT *, sum(CASE WHEN before IS NULL OR lo > before + 1 THEN 1 ELSE 0 END) OVER (
                PARTITION BY device_id, epoch ORDER BY lo, hi ROWS UNBOUNDED PRECEDING
            ) AS island FROM reach
        ), islands AS (
            SELECT device_id, epoch, min(lo) AS lo, max(hi) AS hi
            FROM marked GROUP BY device_id, epoch, island
        )
        SELECT
            device_id,
            epoch,
            coalesce(max(hi) FILTER (WHERE lo <= 1), 0),
            coalesce(list(lo ORDER BY lo) FILTER (WHERE lo > 1), []::UBIGINT[]),
            coalesce(list(hi ORDER BY lo) FILTER (WHERE lo > 1), []::UBIGINT[])
        FROM islands GROUP BY device_id, epoch;
        """,
    ),
    (
        56,
        """
        -- Function results per device, subject, function and UTC hour (collector.tsdb.function_summary):
        -- written in the ingest commit transaction, read by the customer screen's availability and
        -- sparklines. Filled once here from the results already stored.
        CREATE TABLE function_hours (
            device_id   INTEGER NOT NULL,
            subject     VARCHAR NOT NULL,
            function_id VARCHAR NOT NULL,
            hour        TIMESTAMP NOT NULL,   -- the hour's start
            runs        UINTEGER NOT NULL,
            ok_runs     UINTEGER NOT NULL,    -- runs with status 1 (eus.v1.Health.OK)
            worst       TINYINT NOT NULL,     -- the greatest status of the hour
            PRIMARY KEY (device_id, subject, function_id, hour)
        );
        INSERT INTO function_hours
        SELECT device_id, subject, function_id, date_trunc('hour', ts), count(*),
               count(*) FILTER (WHERE status = 1), max(status)
        FROM function_results GROUP BY ALL;
        """,
    ),
    (
        57,
        """
        -- The state-change log of every function (collector.tsdb.function_changes): each result
        -- whose status differs from the one before it (ordered by time, then status), and each
        -- function's newest result; written in the ingest commit transaction, read by the
        -- Function Log and Manage. Filled once here from the results already stored.
        CREATE TABLE function_changes (
            device_id   INTEGER NOT NULL,
            subject     VARCHAR NOT NULL,
            function_id VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,
            name        VARCHAR NOT NULL,
            ts          TIMESTAMP NOT NULL,
            status      TINYINT NOT NULL,
            previous    TINYINT,              -- NULL: the function's first result
            message     VARCHAR NOT NULL
        );
        CREATE TABLE function_last (
            device_id   INTEGER NOT NULL,
            subject     VARCHAR NOT NULL,
            function_id VARCHAR NOT NULL,
            ts          TIMESTAMP NOT NULL,   -- the newest result (by time, then status)
            status      TINYINT NOT NULL,
            PRIMARY KEY (device_id, subject, function_id)
        );
        INSERT INTO function_changes
        SELECT device_id, subject, function_id, kind, name, ts, status, previous, message FROM (
            SELECT *, lag(status) OVER (
                PARTITION BY device_id, subject, function_id ORDER BY ts, status
            ) AS previous
            FROM function_results
        )
        WHERE previous IS NULL OR previous <> status
        ORDER BY ts;
        INSERT INTO function_last
        SELECT device_id, subject, function_id, m.ts, m.status
        FROM (
            SELECT device_id, subject, function_id, max({'ts': ts, 'status': status}) AS m
            FROM function_results GROUP BY ALL
        );
        """,
    ),
    (
        58,
        """
        -- Retention's cut of each table it deletes in time steps (collector.tsdb.retention),
        -- written before the delete: the table's rows before it are gone or going. The ingest
        -- writer drops function results older than the cut of function_results or
        -- function_changes (collector.tsdb.function_changes): the history they would change is gone.
        CREATE TABLE retention_marks (
            tbl VARCHAR PRIMARY KEY,
            cut TIMESTAMP NOT NULL   -- the latest cut applied: it never moves back
        );
        """,
    ),
]


def migrate(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration not applied yet, in number order; returns the versions applied now."""
    versions = [v for v, _ in MIGRATIONS]
    if len(set(versions)) != len(versions):
        raise RuntimeError("two DuckDB migrations share a number")
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    applied = {int(r[0]) for r in conn.execute("SELECT version FROM schema_version").fetchall()}
    done: list[int] = []
    for version, sql in sorted(MIGRATIONS):
        if version in applied:
            continue
        conn.execute("BEGIN")
        try:
            conn.execute(sql)
            conn.execute("INSERT INTO schema_version VALUES (?)", [version])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        done.append(version)
    return done
