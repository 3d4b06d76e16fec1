"""Overlapping rules, table-driven: where each rule is in force, and what a new rule of the
same family (an empty family is the kind's) would silence."""

from __future__ import annotations

import pytest

from collector.alerting.overlap import Place, coverage, silenced
from collector.alerting.rules.instance_offline import Params
from collector.alerting.rules.scope import RuleDef

P = Params(0.0, 3600.0)
# Customer 1 has site 10 with devices 100 and 101; customer 2 has device 200 (no site).
PLACES: list[Place] = [(1, 10, 100), (1, 10, 101), (2, None, 200)]


def rule(rid: int, family: str = "threshold", **scope: int) -> RuleDef:
    return RuleDef(id=rid, name=f"r{rid}", family=family, kind="instance_offline", params=P, **scope)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([rule(1)], {1: (3, 3, set())}),
        ([rule(1), rule(2, customer_id=1)], {1: (3, 1, {2}), 2: (2, 2, set())}),
        ([rule(1), rule(2)], {1: (3, 0, {2}), 2: (3, 3, set())}),  # same scope: the newest wins
        ([rule(1), rule(2, "other")], {1: (3, 3, set()), 2: (3, 3, set())}),
        ([rule(1, device_id=100), rule(2, customer_id=1)], {1: (1, 1, set()), 2: (2, 1, {1})}),
    ],
)
def test_coverage(rules: list[RuleDef], expected: dict[int, tuple[int, int, set[int]]]) -> None:
    got = coverage(rules, PLACES)
    assert {k: (c.applicable, c.in_force, c.overridden_by) for k, c in got.items()} == expected


@pytest.mark.parametrize(
    ("existing", "new", "expected"),
    [
        ([rule(1)], rule(2), {1: 3}),  # a second rule with the same (empty → kind) family
        ([rule(1)], rule(2, "disk-full"), {}),
        ([rule(1)], rule(2, site_id=10), {1: 2}),
        ([rule(1, device_id=100)], rule(2, customer_id=1), {}),  # the device rule still wins there
        ([rule(1, device_id=100)], rule(2, device_id=100), {1: 1}),
        ([], rule(2), {}),
    ],
)
def test_silenced(existing: list[RuleDef], new: RuleDef, expected: dict[int, int]) -> None:
    assert silenced(existing, new, PLACES) == expected
