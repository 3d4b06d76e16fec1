"""Downloads streamed in constant memory: CSV written in small chunks as rows arrive, and
Parquet written one row group per Arrow table to a spooled temporary file, then sent in
fixed-size pieces.

Memory is bounded by one CSV chunk or one Arrow table (the caller sizes those), never by
the whole export.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from flask import Response, stream_with_context

CSV_ROWS_PER_CHUNK = 500
SEND_BYTES = 64 * 1024
# Parquet's footer is written last, so the file cannot go out before it is complete; up to
# this size it stays in memory, beyond it the spool moves to disk.
SPOOL_MAX_BYTES = 8 * 1024 * 1024


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """``header`` then ``rows`` as CSV text, yielded every :data:`CSV_ROWS_PER_CHUNK` rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % CSV_ROWS_PER_CHUNK == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def parquet_chunks(schema: pa.Schema, tables: Iterable[pa.Table]) -> Iterator[bytes]:
    """The ``tables`` (each cast to ``schema``) as one Parquet file, one row group each."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES) as spool:
        with pq.ParquetWriter(spool, schema) as writer:
            for table in tables:
                if table.num_rows:
                    writer.write_table(table.cast(schema))
        spool.seek(0)
        while piece := spool.read(SEND_BYTES):
            yield piece


def download(body: Iterator[str] | Iterator[bytes], filename: str, mimetype: str) -> Response:
    """A streamed attachment; the generator runs with the request context still available."""
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
