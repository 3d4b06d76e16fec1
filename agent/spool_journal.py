"""The spool's journal: one JSON line per spooled batch (``[spool] journal_path``, off by
default), for drills and tests that compare what an agent spooled with what the collector
stored.

A line is written after its batch's commit, so the journal never lists a batch the spool does
not hold; a SIGKILL between the commit and the write would leave that batch out (and may tear
the line being written). :func:`open_journal` closes the window at the next start: it cuts a
torn last line and appends a line for every batch of the current epoch that the spool holds
beyond the journal's last seq. (A spool-overflow gap record lost the same way is not rebuilt:
its row carries the seq of a batch the journal already lists.)
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import IO

from eus.v1 import eus_pb2


def line(record: dict[str, object]) -> str:
    """One journal line."""
    return json.dumps(record, separators=(",", ":")) + "\n"


def _last_seq(path: Path, epoch: int) -> int:
    """The highest seq of ``epoch`` the journal lists, after cutting a torn last line."""
    if not path.exists():
        return 0
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
        path.write_text(text, encoding="utf-8")
    last = 0
    for raw in text.splitlines():
        if not raw.strip():
            continue
        record = json.loads(raw)
        if record.get("epoch") == epoch and isinstance(record.get("seq"), int):
            last = max(last, int(record["seq"]))
    return last


def open_journal(path: Path, db: sqlite3.Connection, epoch: int) -> IO[str]:
    """Open the journal for appending, first adding the lines a kill left out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    last = _last_seq(path, epoch)
    rows = db.execute(
        "SELECT seq, n_samples, gap_from_seq, payload FROM batches WHERE epoch = ? AND seq > ? ORDER BY seq",
        (epoch, last),
    ).fetchall()
    handle = path.open("a", encoding="utf-8")
    for seq, samples, gap_from_seq, payload in rows:
        record: dict[str, object] = {"epoch": epoch, "seq": int(seq), "samples": int(samples)}
        if gap_from_seq is not None:
            gap = eus_pb2.Batch.FromString(payload).gap
            record["gap"] = {
                "from_seq": gap.from_seq,
                "samples_dropped": gap.samples_dropped,
                "reason": gap.reason,
            }
        handle.write(line(record))
    handle.flush()
    return handle
