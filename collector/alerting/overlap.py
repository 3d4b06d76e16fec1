"""Overlapping rules: rules of one family override each other (``rules.scope.effective``), so
one rule can silence another on some devices. Pure: given the rules and the devices as
(customer, site, device), say where each rule is in force and what a new rule would silence.
The rules page and the save message use it, so nobody is surprised by a silent override."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from collector.alerting.rules.scope import RuleDef, applies, effective

Place = tuple[int | None, int | None, int | None]
"""Where a device is: (customer id, site id, device id)."""


@dataclass(slots=True)
class Coverage:
    """On how many devices a rule applies by scope, on how many it is in force, and which
    rules win where it does not."""

    applicable: int = 0
    in_force: int = 0
    overridden_by: set[int] = field(default_factory=set)


def coverage(rules: Sequence[RuleDef], places: Iterable[Place]) -> dict[int, Coverage]:
    out = {r.id: Coverage() for r in rules}
    for place in places:
        winners = {w.family: w for w in effective(rules, *place)}
        for r in rules:
            if not applies(r, *place):
                continue
            c = out[r.id]
            c.applicable += 1
            winner = winners.get(r.family)
            if winner is not None and winner.id == r.id:
                c.in_force += 1
            elif winner is not None:
                c.overridden_by.add(winner.id)
    return out


def silenced(rules: Sequence[RuleDef], new: RuleDef, places: Iterable[Place]) -> dict[int, int]:
    """The rules ``new`` would take the place of, each with the number of devices where."""
    out: dict[int, int] = {}
    others = [r for r in rules if r.id != new.id]
    for place in places:
        before = {r.family: r for r in effective(others, *place)}
        after = {r.family: r for r in effective([*others, new], *place)}
        lost = before.get(new.family)
        if lost is not None and after.get(new.family) is new:
            out[lost.id] = out.get(lost.id, 0) + 1
    return out
