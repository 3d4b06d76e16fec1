"""Dashboard form input for rules, contacts and alert actions, read into plain values with
one specific message per problem (pure: no Flask, no database). Maintenance windows:
:mod:`collector.alerting.window_form`."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from collector.alerting import kind_fields, rule_fields
from collector.alerting.domain import Hours, Severity
from collector.alerting.rules import RULE_KINDS, RuleError, parse_params
from eus.values import checkbox

E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
DOMAIN_RE = re.compile(r"^[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")
FAMILY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
MAX_SNOOZE_MIN = 7 * 24 * 60


class FormError(ValueError):
    """Input that cannot be accepted; the message is shown as it is."""


def _text(form: Mapping[str, str], key: str, max_len: int = 200) -> str:
    value = " ".join(str(form.get(key, "")).split())
    if len(value) > max_len:
        raise FormError(f"{key}: at most {max_len} characters")
    return value


def _opt_int(form: Mapping[str, str], key: str) -> int | None:
    raw = str(form.get(key, "")).strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise FormError(f"{key}: not an id: {raw[:20]!r}") from None


def _float(form: Mapping[str, str], key: str, default: float, lo: float, hi: float) -> float:
    raw = str(form.get(key, "")).strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise FormError(f"{key}: not a number: {raw[:20]!r}") from None
    if not lo <= value <= hi:
        raise FormError(f"{key}: from {lo:g} to {hi:g}")
    return value


def _severity(form: Mapping[str, str], key: str, default: str) -> str:
    value = str(form.get(key, default))
    try:
        return Severity(value).value
    except ValueError:
        raise FormError(f"{key}: one of {', '.join(s.value for s in Severity)}") from None


@dataclass(frozen=True, slots=True)
class RuleInput:
    name: str
    family: str
    kind: str
    params: str  # canonical JSON
    severity: str
    customer_id: int | None
    site_id: int | None
    device_id: int | None
    notify_contacts: bool
    escalate_after_s: float
    ticket_priority: int | None = None  # None: critical alerts open P2 tickets; 0: never


TICKET_CHOICES = {"": None, "0": 0, "1": 1, "2": 2, "3": 3, "4": 4}
TICKET_LABELS = (
    ("", "default: critical alerts open a P2 ticket"),
    ("0", "never"),
    *((str(p), f"every alert opens a P{p} ticket") for p in range(1, 5)),
)


def _ticket_priority(form: Mapping[str, str]) -> int | None:
    raw = str(form.get("ticket_priority", "") or "")
    if raw not in TICKET_CHOICES:
        raise FormError("tickets: the default, never, or a priority from P1 to P4")
    return TICKET_CHOICES[raw]


def _typed_metric(form: Mapping[str, str]) -> set[str]:
    """Without a list of known metrics, whatever metric was typed is accepted."""
    return {str(v).strip() for k, v in form.items() if k == "metric" or k.endswith(".metric")}


def rule(form: Mapping[str, str], known_metrics: Collection[str] | None = None) -> RuleInput:
    """A rule from its form: the chosen kind's fields (``kind_fields``), a metric checked
    against ``known_metrics`` when given (refused with the closest names)."""
    name = _text(form, "name")
    if not name:
        raise FormError("name: required")
    kind = str(form.get("kind", ""))
    if kind not in RULE_KINDS:
        raise FormError(f"kind: one of {', '.join(RULE_KINDS)}")
    family = _text(form, "family", 100) or kind
    if not FAMILY_RE.match(family):
        raise FormError(
            "family: lower-case letters, digits, '_', '.', '-' (rules of one family override each other)"
        )
    try:
        params = kind_fields.read(
            kind, form, known_metrics if known_metrics is not None else _typed_metric(form)
        )
        parse_params(kind, params)
    except rule_fields.FieldError as exc:
        raise FormError(str(exc)) from None
    except RuleError as exc:
        raise FormError(str(exc)) from None
    scope = (_opt_int(form, "customer_id"), _opt_int(form, "site_id"), _opt_int(form, "device_id"))
    if (scope[1] is not None or scope[2] is not None) and scope[0] is None:
        raise FormError("a site or device rule needs its customer")
    return RuleInput(
        name,
        family,
        kind,
        json.dumps(params, sort_keys=True),
        _severity(form, "severity", "warning"),
        *scope,
        notify_contacts=checkbox(form.get("notify_contacts")),
        escalate_after_s=_float(form, "escalate_after_min", 0, 0, 7 * 24 * 60) * 60,
        ticket_priority=_ticket_priority(form),
    )


@dataclass(frozen=True, slots=True)
class ContactInput:
    customer_id: int
    name: str
    email: str
    mobile: str
    sms_gateway_domain: str
    min_severity: str
    hours: str
    all_rules: bool
    opt_in_rules: str  # JSON list


def contact(form: Mapping[str, str], rule_ids: list[str]) -> ContactInput:
    customer_id = _opt_int(form, "customer_id")
    if customer_id is None:
        raise FormError("customer_id: required")
    name = _text(form, "name")
    if not name:
        raise FormError("name: required")
    email = _text(form, "email", 300)
    if email and not EMAIL_RE.match(email):
        raise FormError(f"email: not an address: {email[:60]!r}")
    mobile = "".join(str(form.get("mobile", "")).split())
    if mobile and not E164_RE.match(mobile):
        raise FormError("mobile: international format, e.g. +4915112345678")
    gateway = _text(form, "sms_gateway_domain")
    if gateway and not DOMAIN_RE.match(gateway):
        raise FormError("sms_gateway_domain: a domain such as txt.carrier.example")
    if not email and not mobile:
        raise FormError("a contact needs an email address or a mobile number")
    hours = str(form.get("hours", Hours.ALWAYS.value))
    if hours not in {h.value for h in Hours}:
        raise FormError(f"hours: one of {', '.join(h.value for h in Hours)}")
    try:
        opt_in = sorted({int(r) for r in rule_ids})
    except ValueError:
        raise FormError("opt_in: rule ids") from None
    all_rules = checkbox(form.get("all_rules")) or not opt_in
    return ContactInput(
        customer_id,
        name,
        email,
        mobile,
        gateway,
        _severity(form, "min_severity", "warning"),
        hours,
        all_rules,
        json.dumps(opt_in),
    )


def snooze_minutes(form: Mapping[str, str]) -> float:
    return _float(form, "minutes", 60, 1, MAX_SNOOZE_MIN)
