"""Which batches of an agent's spool epoch are durably committed (pure logic).

An agent numbers batches 1, 2, 3 ... per epoch and deletes them only when acked. The
ack is the highest *contiguous* committed seq. A gap batch (the agent's spool dropped
data) commits a whole range at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EpochProgress:
    """Committed seqs of one (device, epoch): everything <= ``hwm`` plus sorted ranges above."""

    hwm: int = 0
    above: list[tuple[int, int]] = field(default_factory=list)  # disjoint, sorted, all > hwm + 1

    def is_committed(self, seq: int) -> bool:
        if seq <= self.hwm:
            return True
        return any(lo <= seq <= hi for lo, hi in self.above)

    def copy(self) -> EpochProgress:
        return EpochProgress(self.hwm, list(self.above))

    def commit(self, lo: int, hi: int) -> None:
        """Mark ``lo..hi`` (inclusive) committed and advance the contiguous mark."""
        if hi < lo:
            raise ValueError(f"empty range {lo}..{hi}")
        ranges = [*self.above, (lo, hi)]
        ranges.sort()
        merged: list[tuple[int, int]] = []
        for a, b in ranges:
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        rest: list[tuple[int, int]] = []
        for a, b in merged:
            if a <= self.hwm + 1:
                self.hwm = max(self.hwm, b)
            else:
                rest.append((a, b))
        self.above = rest


class ProgressBook:
    """All epochs of all devices. Owned by the single writer thread."""

    def __init__(self) -> None:
        self._book: dict[tuple[int, int], EpochProgress] = {}

    def get(self, device_id: int, epoch: int) -> EpochProgress:
        key = (device_id, epoch)
        prog = self._book.get(key)
        if prog is None:
            prog = self._book[key] = EpochProgress()
        return prog

    def put(self, device_id: int, epoch: int, prog: EpochProgress) -> None:
        self._book[(device_id, epoch)] = prog

    def hwm(self, device_id: int, epoch: int) -> int:
        prog = self._book.get((device_id, epoch))
        return prog.hwm if prog else 0
