"""Arrow schemas of the compacted tables, for the Arrow inserts that fill them."""

from __future__ import annotations

import pyarrow as pa

SAMPLE_BLOCKS = pa.schema(
    [
        ("series_id", pa.uint32()),
        ("first_ts", pa.timestamp("us")),
        ("last_ts", pa.timestamp("us")),
        ("n", pa.uint32()),
        ("data", pa.binary()),
    ]
)
ROLLUP_BLOCKS = pa.schema(
    [
        ("series_id", pa.uint32()),
        ("step_s", pa.uint32()),
        ("first_ts", pa.timestamp("us")),  # the first bucket's start
        ("last_ts", pa.timestamp("us")),  # the last bucket's start
        ("n", pa.uint32()),
        ("written", pa.uint64()),
        ("data", pa.binary()),
    ]
)
