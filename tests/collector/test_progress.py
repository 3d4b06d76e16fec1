"""The contiguous-commit mark behind every ack (pure, table-driven)."""

from __future__ import annotations

import pytest

from collector.ingest.progress import EpochProgress

CASES = [
    # (ranges committed in order, expected hwm, a seq expected committed, one expected not)
    ([(1, 1), (2, 2), (3, 3)], 3, 3, 4),
    ([(2, 2), (3, 3)], 0, 2, 1),  # nothing contiguous from 1 yet
    ([(2, 3), (1, 1)], 3, 2, 4),  # the hole fills: the mark jumps
    ([(1, 1), (5, 9)], 1, 7, 4),
    ([(1, 1), (5, 9), (2, 4)], 9, 9, 10),
    ([(1, 10), (3, 4)], 10, 4, 11),  # re-committing inside the mark changes nothing
    ([(4, 6), (1, 2), (3, 3), (8, 8)], 6, 8, 7),
]


@pytest.mark.parametrize(("ranges", "hwm", "inside", "outside"), CASES)
def test_contiguous_mark(ranges: list[tuple[int, int]], hwm: int, inside: int, outside: int) -> None:
    p = EpochProgress()
    for lo, hi in ranges:
        p.commit(lo, hi)
    assert p.hwm == hwm
    assert p.is_committed(inside)
    assert not p.is_committed(outside)


def test_empty_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty range"):
        EpochProgress().commit(5, 4)
