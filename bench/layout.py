"""``python -m bench.layout``: bytes per sample of the bench's samples in other physical layouts.

``bench.ingest`` measures what the collector stores today. This answers what it would take to
store less, on exactly the same samples (``bench.workload``):

* DuckDB, the ``samples`` table as the collector writes it (arrival order, commit-sized
  chunks); sorted by (series_id, ts) within each commit; and sorted by (series_id, ts) over
  the whole data set in one insert, which only a periodic rewrite of closed time ranges could
  produce. For each, also every column's size on its own (a single-column table per file, so
  the columns do not add up exactly to the whole).
* An own per-series block codec, the way dedicated time-series stores work: per series and
  block of N samples, timestamps as delta-of-delta, values scaled to integers by their
  decimal precision (up to 6 digits) and delta-encoded, both zigzagged, split into byte
  planes and compressed with zstd (level 3); 16 bytes of block header. Blocks of 1 hour
  (360 samples) and 1 day (8,640).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bench.ingest import arrival_chunks
from bench.workload import INTERVAL_MS, SERIES_PER_AGENT, AgentData, agent_data
from collector.tsdb import schema
from collector.tsdb.ingest.writer import MAX_ROWS_PER_COMMIT

Columns = tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.float64]]
BLOCK_HEADER = 16  # series id, first timestamp, count


def _table(cols: Columns) -> pa.Table:
    sid, ts, val = cols
    return pa.table(
        {"series_id": pa.array(sid), "ts": pa.array(ts.view("datetime64[ms]")), "value": pa.array(val)}
    )


def _duckdb_bytes(path: Path, chunks: Sequence[pa.Table], ddl: str | None) -> int:
    """Used bytes of a fresh DuckDB file after appending ``chunks``, one transaction each."""
    con = duckdb.connect(str(path))
    try:
        if ddl is None:
            schema.migrate(con)
            table = "samples"
        else:
            con.execute(ddl)
            table = "t"
        for chunk in chunks:
            con.execute("BEGIN TRANSACTION")
            con.register("incoming", chunk)
            con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
            con.unregister("incoming")
            con.execute("COMMIT")
        con.execute("CHECKPOINT")
        block_size, used = con.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size()"
        ).fetchall()[0]
        return int(block_size) * int(used)
    finally:
        con.close()


def duckdb_layouts(chunks: list[Columns], work: Path) -> list[tuple[str, int, dict[str, int]]]:
    per_commit = []
    for sid, ts, val in chunks:
        order = np.lexsort((ts, sid))
        per_commit.append((sid[order], ts[order], val[order]))
    sid = np.concatenate([c[0] for c in chunks])
    ts = np.concatenate([c[1] for c in chunks])
    val = np.concatenate([c[2] for c in chunks])
    order = np.lexsort((ts, sid))
    everything: list[Columns] = [(sid[order], ts[order], val[order])]  # one INSERT ... ORDER BY
    out = []
    for name, layout in (
        ("DuckDB, arrival order (what the collector writes)", chunks),
        ("DuckDB, sorted by (series, ts) within each commit", per_commit),
        ("DuckDB, sorted by (series, ts) over everything", everything),
    ):
        tables = [_table(c) for c in layout]
        total = _duckdb_bytes(work / "all.duckdb", tables, None)
        columns = {}
        for col, typ in (("series_id", "UINTEGER"), ("ts", "TIMESTAMP"), ("value", "DOUBLE")):
            columns[col] = _duckdb_bytes(
                work / f"{col}.duckdb", [t.select([col]) for t in tables], f"CREATE TABLE t ({col} {typ})"
            )
        for f in work.glob("*.duckdb*"):
            f.unlink()
        out.append((name, total, columns))
    return out


def _zigzag(x: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    return ((x << 1) ^ (x >> 63)).astype(np.uint64)


def _packed(words: npt.NDArray[np.uint64], codec: pa.Codec) -> int:
    """zstd size of the words' significant bytes, stored as byte planes."""
    width = max(1, (int(words.max()).bit_length() + 7) // 8) if words.shape[0] else 1
    planes = np.ascontiguousarray(words.view(np.uint8).reshape(-1, 8)[:, :width].T)
    return len(codec.compress(planes.tobytes(), asbytes=True))


def _as_scaled_ints(v: npt.NDArray[np.float64]) -> npt.NDArray[np.int64] | None:
    for digits in range(7):
        scaled = v * 10.0**digits
        ints = np.round(scaled)
        if np.all(np.abs(ints) < 2.0**53) and np.all(
            np.abs(ints - scaled) <= 1e-9 * np.maximum(1.0, np.abs(scaled))
        ):
            return ints.astype(np.int64)
    return None


def block_bytes(ts: npt.NDArray[np.int64], v: npt.NDArray[np.float64], codec: pa.Codec) -> int:
    dod = np.diff(np.diff(ts, prepend=ts[:1]), prepend=0)
    size = BLOCK_HEADER + _packed(_zigzag(dod), codec)
    ints = _as_scaled_ints(v)
    if ints is None:
        return size + _packed(v.view(np.uint64), codec)
    delta = np.diff(ints, prepend=0)
    return size + _packed(_zigzag(delta), codec)


def codec_bytes(data: Sequence[AgentData], block: int) -> int:
    codec = pa.Codec("zstd", compression_level=3)
    total = 0
    for d in data:
        order = np.argsort(d.series_id, kind="stable")
        sid, ts, val = d.series_id[order], d.ts_ms[order], d.value[order]
        starts = np.flatnonzero(np.diff(sid, prepend=np.uint32(0)))
        ends = [*starts[1:].tolist(), int(sid.shape[0])]
        for a, b in zip(starts.tolist(), ends, strict=True):
            for lo in range(a, b, block):
                hi = min(lo + block, b)
                total += block_bytes(ts[lo:hi], val[lo:hi], codec)
    return total


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.layout", description=__doc__.split("\n")[0])
    ap.add_argument("--agents", type=int, default=16)
    ap.add_argument("--samples", type=int, default=20_000_000)
    ap.add_argument("--batch", type=int, default=5_000)
    args = ap.parse_args(argv)
    per_agent = args.samples // args.agents
    t0_ms = (
        (int(time.time() * 1000) - INTERVAL_MS * (per_agent // SERIES_PER_AGENT + 1)) // 3_600_000 * 3_600_000
    )
    data = [agent_data(a, per_agent, t0_ms) for a in range(args.agents)]
    rows = per_agent * args.agents
    print(f"{args.agents} agents x {per_agent:,} samples ({rows:,}); commits of {MAX_ROWS_PER_COMMIT:,} rows")
    print()
    print("| layout | bytes/sample | series_id alone | ts alone | value alone |")
    print("|---|---:|---:|---:|---:|")
    work = Path(tempfile.mkdtemp(prefix="eus-layout-"))
    try:
        chunks = arrival_chunks(data, args.batch, MAX_ROWS_PER_COMMIT)
        for name, total, cols in duckdb_layouts(chunks, work):
            print(
                f"| {name} | {total / rows:.2f} | {cols['series_id'] / rows:.2f} | {cols['ts'] / rows:.2f} | "
                f"{cols['value'] / rows:.2f} |",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for label, block in (("1 hour", 3_600_000 // INTERVAL_MS), ("1 day", 86_400_000 // INTERVAL_MS)):
        size = codec_bytes(data, block)
        print(
            f"| own per-series blocks of {label} ({block:,} samples), zstd | {size / rows:.2f} | | | |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
