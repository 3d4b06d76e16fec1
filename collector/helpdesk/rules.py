"""Rules evaluated when a ticket is saved (iSupport's "rules on save"). Pure.

A rule has conditions (each a set; an empty set matches anything) and actions. On every save
(``created`` or ``updated``) the enabled rules run in order; a matching rule's field changes
apply at once, so later rules see them, and ``stop`` ends the run. Every rule's outcome —
matched or why not — is returned for the ticket's history, so "why was this assigned to
Bob?" has an answer.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field


class Event(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class Facts:
    """What rules may test and change."""

    priority: int
    customer_id: int
    category: str = ""
    source: str = "technician"  # alert, email, technician, portal
    assignee_id: int | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    events: frozenset[Event] = frozenset({Event.CREATED})
    priorities: frozenset[int] = frozenset()
    customer_ids: frozenset[int] = frozenset()
    categories: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Actions:
    set_priority: int | None = None
    set_category: str | None = None
    assign_to: int | None = None
    notify: tuple[str, ...] = ()  # addresses that get a copy ("others to notify")
    add_note: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    name: str
    conditions: Conditions = field(default_factory=Conditions)
    actions: Actions = field(default_factory=Actions)
    enabled: bool = True
    stop: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    rule_id: int
    rule_name: str
    matched: bool
    detail: str  # what it did, or the first condition that did not hold


@dataclass(frozen=True, slots=True)
class Result:
    facts: Facts
    outcomes: tuple[Outcome, ...]
    notify: tuple[str, ...]
    notes: tuple[str, ...]


def _mismatch(c: Conditions, facts: Facts, event: Event) -> str:
    checks = (
        (c.events, event, "event"),
        (c.priorities, facts.priority, "priority"),
        (c.customer_ids, facts.customer_id, "customer"),
        (c.categories, facts.category, "category"),
        (c.sources, facts.source, "source"),
    )
    for allowed, value, what in checks:
        if allowed and value not in allowed:
            return f"{what} {value!s} is not one of {', '.join(sorted(map(str, allowed)))}"
    return ""


def _apply(a: Actions, facts: Facts) -> tuple[Facts, list[str]]:
    changes: dict[str, object] = {}
    said: list[str] = []
    if a.set_priority is not None and a.set_priority != facts.priority:
        changes["priority"] = a.set_priority
        said.append(f"priority P{facts.priority} → P{a.set_priority}")
    if a.set_category is not None and a.set_category != facts.category:
        changes["category"] = a.set_category
        said.append(f"category → {a.set_category}")
    if a.assign_to is not None and a.assign_to != facts.assignee_id:
        changes["assignee_id"] = a.assign_to
        said.append(f"assigned to user {a.assign_to}")
    if a.notify:
        said.append("notify " + ", ".join(a.notify))
    if a.add_note:
        said.append("note added")
    return dataclasses.replace(facts, **changes), said  # type: ignore[arg-type]


def evaluate(rules: Sequence[Rule], facts: Facts, event: Event) -> Result:
    outcomes: list[Outcome] = []
    notify: list[str] = []
    notes: list[str] = []
    for rule in rules:
        if not rule.enabled:
            continue
        why_not = _mismatch(rule.conditions, facts, event)
        if why_not:
            outcomes.append(Outcome(rule.id, rule.name, False, why_not))
            continue
        facts, said = _apply(rule.actions, facts)
        notify.extend(a for a in rule.actions.notify if a not in notify)
        if rule.actions.add_note:
            notes.append(rule.actions.add_note)
        outcomes.append(Outcome(rule.id, rule.name, True, "; ".join(said) or "matched, nothing to change"))
        if rule.stop:
            break
    return Result(facts, tuple(outcomes), tuple(notify), tuple(notes))
