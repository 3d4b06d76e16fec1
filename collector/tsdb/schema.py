"""Versioned DuckDB schema. Append a migration; never edit one that has shipped.

``samples`` is the one long narrow table (series id, real timestamp, value) that every
metric lands in, appended in batches through Arrow. ``batches`` holds one row per
committed agent batch: it is the dedupe record, written in the same transaction as the
samples it covers.
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
]


def migrate(conn: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations in order; returns the schema version now in force."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    rows = conn.execute("SELECT max(version) FROM schema_version").fetchall()
    current = rows[0][0] or 0
    for version, sql in MIGRATIONS:
        if version <= current:
            continue
        conn.execute("BEGIN")
        try:
            conn.execute(sql)
            conn.execute("INSERT INTO schema_version VALUES (?)", [version])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        current = version
    return current
