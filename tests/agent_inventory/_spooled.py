"""A real spool and batcher in a temporary directory, and what reached the spool."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agent.batcher import Batcher
from agent.series import SeriesRegistry
from agent.spool import Spool
from eus.v1 import eus_pb2


@dataclass
class Spooled:
    spool: Spool
    batcher: Batcher
    seen: int = 0
    batches: list[eus_pb2.Batch] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path) -> Spooled:
        spool = Spool(path / "spool.sqlite3", max_bytes=64 << 20, max_age_s=3600)
        # a long flush interval: only the extension's own flush() spools its reports
        return cls(spool, Batcher(spool, SeriesRegistry(spool), flush_interval_s=3600))

    def new_batches(self) -> list[eus_pb2.Batch]:
        rows = self.spool.read_after(self.seen, 1000)
        if rows:
            self.seen = rows[-1].seq
        out = [eus_pb2.Batch.FromString(r.payload) for r in rows]
        self.batches.extend(out)
        return out

    def new_reports(self) -> list[eus_pb2.InventoryReport]:
        return [r for b in self.new_batches() for r in b.inventory]

    def close(self) -> None:
        self.batcher.close()
        self.spool.close()
