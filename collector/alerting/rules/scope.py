"""Which rules apply to a device: global, customer, site or device rules; within a family,
the most specific wins (device > site > customer > global; ties: the newest)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from collector.alerting.domain import Scope, Severity
from collector.alerting.rules import RuleParams


@dataclass(frozen=True, slots=True)
class RuleDef:
    """A rule as the engine uses it: scope, parsed parameters and delivery switches."""

    id: int
    name: str
    family: str
    kind: str
    params: RuleParams
    severity: Severity = Severity.WARNING
    customer_id: int | None = None
    site_id: int | None = None
    device_id: int | None = None
    notify_contacts: bool = False
    escalate_after_s: float = 0.0
    # Tickets for this rule's alerts: None = the default (critical alerts open a P2 ticket),
    # 0 = never, 1..4 = every firing alert opens a ticket at that priority.
    ticket_priority: int | None = None

    @property
    def scope(self) -> Scope:
        if self.device_id is not None:
            return Scope.DEVICE
        if self.site_id is not None:
            return Scope.SITE
        if self.customer_id is not None:
            return Scope.CUSTOMER
        return Scope.GLOBAL


_SPECIFICITY = {Scope.GLOBAL: 0, Scope.CUSTOMER: 1, Scope.SITE: 2, Scope.DEVICE: 3}


def applies(rule: RuleDef, customer_id: int | None, site_id: int | None, device_id: int | None) -> bool:
    if rule.device_id is not None:
        return rule.device_id == device_id
    if rule.site_id is not None:
        return rule.site_id == site_id
    if rule.customer_id is not None:
        return rule.customer_id == customer_id
    return True


def effective(
    rules: Iterable[RuleDef], customer_id: int | None, site_id: int | None, device_id: int | None
) -> list[RuleDef]:
    """The rules in force for one device: per family, the most specific applicable rule."""
    best: dict[str, RuleDef] = {}
    for r in rules:
        if not applies(r, customer_id, site_id, device_id):
            continue
        cur = best.get(r.family)
        if cur is None or (_SPECIFICITY[r.scope], r.id) > (_SPECIFICITY[cur.scope], cur.id):
            best[r.family] = r
    return sorted(best.values(), key=lambda r: r.id)
