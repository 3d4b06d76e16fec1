"""Threshold rules from form fields, table-driven: label filters, durations in the one
grammar, unknown metrics refused with the closest names, and the fields of stored params."""

from __future__ import annotations

import pytest

from collector.alerting import rule_fields
from collector.alerting.rule_fields import FieldError

KNOWN = {"cpu.percent", "memory.percent", "disk.percent", "snmp.ups.runtime_s"}


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("", {}),
        ("cpu=total", {"cpu": "total"}),
        (" mount=/ , fstype = ext4 ", {"mount": "/", "fstype": "ext4"}),
        ("cpu=total,", {"cpu": "total"}),
    ],
)
def test_labels(text: str, out: dict[str, str]) -> None:
    assert rule_fields.labels(text) == out


@pytest.mark.parametrize("text", ["cpu", "=total", "cpu=", "cpu total"])
def test_bad_labels(text: str) -> None:
    with pytest.raises(FieldError, match="labels: name=value pairs"):
        rule_fields.labels(text)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "metric: required"),
        ("cpu.percnt", "Did you mean cpu.percent?"),
        ("memory.pct", "Did you mean memory.percent?"),
        ("zzz", r"no series called 'zzz' is known\.$"),
    ],
)
def test_unknown_metric_is_refused_with_a_suggestion(name: str, message: str) -> None:
    with pytest.raises(FieldError, match=message):
        rule_fields.metric(name, KNOWN)


@pytest.mark.parametrize(
    ("form", "params"),
    [
        (
            {"metric": "cpu.percent", "labels": "cpu=total", "op": ">", "warning": "90", "for": "5m"},
            {"metric": "cpu.percent", "labels": {"cpu": "total"}, "op": ">", "warning": 90.0, "for_s": 300.0},
        ),
        (
            {
                "metric": "snmp.ups.runtime_s",
                "op": "<",
                "critical": "300",
                "warning_clear": "",
                "for": "1h30m",
            },
            {"metric": "snmp.ups.runtime_s", "labels": {}, "op": "<", "critical": 300.0, "for_s": 5400.0},
        ),
        (
            {"metric": "disk.percent", "warning": "85", "for": ""},
            {"metric": "disk.percent", "labels": {}, "op": ">", "warning": 85.0, "for_s": 0.0},
        ),
    ],
)
def test_threshold_params(form: dict[str, str], params: dict[str, object]) -> None:
    assert rule_fields.threshold(form, KNOWN) == params


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"metric": "cpu.percent", "for": "five minutes"}, "for: not a duration"),
        ({"metric": "cpu.percent", "warning": "ninety"}, "warning: not a number"),
    ],
)
def test_threshold_refusals(form: dict[str, str], message: str) -> None:
    with pytest.raises(FieldError, match=message):
        rule_fields.threshold(form, KNOWN)


def test_fields_round_trip() -> None:
    form = {
        "metric": "cpu.percent",
        "labels": "cpu=total",
        "op": ">",
        "warning": "90",
        "critical": "98",
        "warning_clear": "80",
        "critical_clear": "",
        "for": "5m",
    }
    assert rule_fields.threshold_fields(rule_fields.threshold(form, KNOWN)) == form
