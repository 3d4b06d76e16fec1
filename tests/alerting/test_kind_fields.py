"""Every rule kind has a form: its fields read into parameters the kind accepts, stored
parameters fill the fields back unchanged, and a refused field says which and why."""

from __future__ import annotations

import pytest

from collector.alerting import forms, kind_fields
from collector.alerting.defaults import DEFAULT_RULES
from collector.alerting.rules import RULE_KINDS, parse_params

KNOWN = {"cpu.percent", "disk.percent", "snmp.if.oper_status"}


def test_every_kind_has_fields() -> None:
    assert set(kind_fields.KIND_FIELDS) == set(RULE_KINDS)


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda d: d.key)
def test_a_default_survives_its_edit_form_unchanged(rule: object) -> None:
    kind, params = rule.kind, dict(rule.params)  # type: ignore[attr-defined]
    typed = kind_fields.fill(kind, params)
    known = {str(params["metric"])} if "metric" in params else set()
    again = kind_fields.read(kind, typed, known)
    assert parse_params(kind, again) == parse_params(kind, params)


@pytest.mark.parametrize("kind", list(RULE_KINDS))
def test_the_blank_form_of_every_kind_saves(kind: str) -> None:
    typed = {**kind_fields.blank_form(), "kind": kind, "name": "x", "metric": "cpu.percent", "warning": "90"}
    forms.rule(typed, KNOWN)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "forecast", "forecast.metric": "disk.percnt"}, "Did you mean disk.percent?"),
        ({"kind": "forecast", "forecast.window": "a day"}, "window:"),
        ({"kind": "function_status", "function_status.consecutive": "2.5"}, "consecutive: a whole number"),
        ({"kind": "forecast", "forecast.limit": "full"}, "limit: not a number: 'full'"),
        ({"kind": "data_gap", "data_gap.min_samples": "some"}, "min_samples: not a number: 'some'"),
        ({"kind": "inventory_change", "inventory_change.software": ""}, "watch: tick at least one"),
        ({"kind": "snmp_trap", "snmp_trap.traps": "1.3.6.1.6.3.1.1.5.3 loud"}, "traps, line 1: severity"),
        ({"kind": "snmp_trap", "snmp_trap.traps": "linkDown warning"}, "not a numeric OID"),
        ({"kind": "cert_expiry", "cert_expiry.warning": "3d", "cert_expiry.critical": "7d"}, "critical_s"),
        ({"kind": "instance_offline", "instance_offline.for": "-5m"}, "for:"),
    ],
)
def test_a_refused_field_is_named(fields: dict[str, str], message: str) -> None:
    typed = {**kind_fields.blank_form(), "name": "x", **fields}
    if fields["kind"] == "inventory_change":
        typed = {
            k: v for k, v in typed.items() if not k.startswith("inventory_change.") or k.endswith(".hold")
        }
    with pytest.raises(forms.FormError, match=message.replace("?", r"\?")):
        forms.rule(typed, KNOWN)


def test_trap_lines_and_summary() -> None:
    assert kind_fields.trap_lines(
        "1.3.6.1.6.3.1.1.5.3 warning  # linkDown\n\n.1.3.6.1.2.1.33.2.1 = critical"
    ) == {
        "1.3.6.1.6.3.1.1.5.3": "warning",
        "1.3.6.1.2.1.33.2.1": "critical",
    }
    assert kind_fields.summary("cert_expiry", {"warning_s": 2592000, "critical_s": 604800}) == (
        "warning 30d, critical 7d"
    )
    assert kind_fields.summary("inventory_change", {"watch": ["software", "serial"], "hold_s": 86400}) == (
        "watch software serial, hold 1d"
    )
