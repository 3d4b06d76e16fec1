"""Overlapping rules on the dashboard (``collector.alerting.overlap`` does the deciding): the
rules page's "in force" column and the message after saving a rule that silences another,
computed over the devices the user may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import overlap
from collector.alerting.models import AlertRule
from collector.alerting.rules import RuleError
from collector.alerting.rules.ruleset import rule_def
from collector.alerting.rules.scope import RuleDef


def places(scope: dict[str, Any]) -> list[overlap.Place]:
    """The user's devices as (customer, site, device), from ``visible_scope``."""
    return [(d.customer_id, d.site_id, d.id) for d in scope["devices"]]


def rule_defs(s: Session) -> list[RuleDef]:
    """The enabled rules that parse, as the engine would use them."""
    out = []
    for r in s.scalars(select(AlertRule).where(AlertRule.enabled.is_(True)).order_by(AlertRule.id)):
        try:
            out.append(rule_def(r))
        except (RuleError, ValueError):
            continue  # the engine skips it too (and logs why)
    return out


def in_force(rules: Sequence[RuleDef], scope: dict[str, Any]) -> dict[int, str]:
    """Per rule id, where it is in force: "all 3 devices", "1 of 3 devices; elsewhere: CPU (site)"."""
    names = {r.id: r.name for r in rules}
    out = {}
    for rid, c in overlap.coverage(rules, places(scope)).items():
        if c.applicable == 0:
            out[rid] = "no device in sight"
            continue
        text = (
            f"all {c.applicable} device(s)"
            if c.in_force == c.applicable
            else f"{c.in_force} of {c.applicable} device(s)"
        )
        if c.overridden_by:
            text += "; elsewhere " + ", ".join(f"“{names[o]}”" for o in sorted(c.overridden_by)) + " applies"
        out[rid] = text
    return out


def silenced_message(s: Session, new_id: int, scope: dict[str, Any]) -> str:
    """ "" or what the rule ``new_id`` silences, to show after saving it."""
    rules = rule_defs(s)
    new = next((r for r in rules if r.id == new_id), None)
    if new is None:
        return ""
    lost = overlap.silenced(rules, new, places(scope))
    if not lost:
        return ""
    names = {r.id: r.name for r in rules}
    parts = ", ".join(f"“{names[rid]}” on {n} device(s)" for rid, n in sorted(lost.items()))
    return (
        f"It takes the place of {parts}: rules of one family (“{new.family}”) override each other, "
        "the most specific (then the newest) wins. Give it its own family to keep both."
    )
