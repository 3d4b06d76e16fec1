"""Rule kinds: parameter validation and pure evaluation, table-driven."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from collector.alerting.domain import Severity
from collector.alerting.rules import (
    RULE_KINDS,
    RuleError,
    data_gap,
    forecast,
    function_status,
    instance_offline,
    inventory_change,
    parse_params,
)
from collector.alerting.rules import threshold as th
from collector.alerting.rules.params import SystemParams
from collector.alerting.rules.scope import RuleDef, effective

W, C = Severity.WARNING, Severity.CRITICAL


def test_every_kind_parses_its_example() -> None:
    import json

    for kind in RULE_KINDS.values():
        parse_params(kind.name, json.loads(kind.example))


BAD = [
    ("nope", {}, "kind: one of"),
    ("threshold", {"metric": "x"}, "at least one level"),
    ("threshold", {"metric": "x", "warning": "abc"}, "warning: not a number"),
    ("threshold", {"metric": "x", "warning": 90, "op": "=="}, "op: one of"),
    ("threshold", {"metric": "x", "warning": 90, "warning_clear": 95}, "warning_clear: must not be beyond"),
    ("threshold", {"metric": "", "warning": 90}, "metric: required"),
    ("threshold", {"metric": "x", "warning": 90, "for_s": -1}, "for_s: must be at least 0"),
    ("function_status", {"consecutive": 1.5}, "consecutive: a whole number"),
    ("inventory_change", {"watch": ["firmware"]}, "watch: a list of"),
    ("forecast", {"metric": "d", "horizon_s": 1}, "horizon_s: must be at least 60"),
]


@pytest.mark.parametrize(("kind", "raw", "message"), BAD)
def test_bad_params_say_what_is_wrong(kind: str, raw: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_params(kind, raw)


HOT = th.parse(
    {"metric": "cpu", "op": ">", "warning": 90, "critical": 95, "warning_clear": 80, "critical_clear": 92}
)
THRESHOLDS = [
    # value, current severity, expected (active, severity)
    (50, None, (False, W)),
    (91, None, (True, W)),
    (96, None, (True, C)),
    (85, W, (True, W)),  # in the hysteresis band: holds
    (80, W, (False, W)),  # at the clear level: clears
    (79, W, (False, W)),
    (93, C, (True, C)),  # above critical_clear: stays critical
    (91, C, (True, W)),  # below critical_clear, above warning: downgrade
    (85, C, (True, W)),
    (70, C, (False, W)),
]


@pytest.mark.parametrize(("value", "current", "expected"), THRESHOLDS)
def test_threshold(value: float, current: Severity | None, expected: tuple[bool, Severity]) -> None:
    v = th.evaluate(HOT, value, current)
    assert (v.active, v.severity if v.active else W) == expected


def test_threshold_below_operator_and_label_match() -> None:
    low = th.parse({"metric": "disk.free", "op": "<", "critical": 5, "labels": {"mount": "/"}})
    assert th.evaluate(low, 4, None).active
    assert not th.evaluate(low, 6, None).active
    assert th.matches(low, "disk.free", {"mount": "/", "fs": "ext4"})
    assert not th.matches(low, "disk.free", {"mount": "/boot"})


FUNCTIONS = [
    ("critical", 3, (True, C)),
    ("critical", 2, None),
    ("warning", 3, (True, W)),
    ("ok", 0, (False, W)),
    ("unknown", 5, None),
]


@pytest.mark.parametrize(("health", "streak", "expected"), FUNCTIONS)
def test_function_status(health: str, streak: int, expected: tuple[bool, Severity] | None) -> None:
    p = function_status.parse({"consecutive": 3})
    v = function_status.evaluate(p, health, streak, "web", "HTTP 500")
    assert (None if v is None else (v.active, v.severity if v.active else W)) == expected


def test_function_status_critical_only_and_prefix() -> None:
    p = function_status.parse({"consecutive": 1, "min_status": "critical", "function": "http:*"})
    assert function_status.matches(p, "http:intranet") and not function_status.matches(p, "tcp:db")
    v = function_status.evaluate(p, "warning", 5, "web", "slow")
    assert v is not None and not v.active


def test_offline_tells_clean_from_crash() -> None:
    p = instance_offline.parse({})
    clean = instance_offline.evaluate(p, instance_offline.Connection.CLOSED_CLEAN, "bye", C)
    crash = instance_offline.evaluate(p, instance_offline.Connection.CLOSED_UNEXPECTED, "", C)
    silent = instance_offline.evaluate(p, instance_offline.Connection.SILENT, "", C)
    back = instance_offline.evaluate(p, instance_offline.Connection.OPENED, "", C)
    assert clean.active and clean.severity is Severity.INFO and "clean shutdown" in clean.summary
    assert crash.active and crash.severity is C and "unexpected" in crash.summary
    assert silent.active and "network loss" in silent.summary
    assert not back.active


def test_data_gap() -> None:
    p = data_gap.parse({"min_samples": 10})
    assert data_gap.evaluate(p, 5, "spool full", W) is None
    v = data_gap.evaluate(p, 500, "spool full", W)
    assert v is not None and v.active and "500 samples" in v.summary


def test_inventory_change_classes() -> None:
    p = inventory_change.parse({"watch": ["software", "serial"]})
    changes = [
        inventory_change.Change("package", "nginx", "added"),
        inventory_change.Change("disk", "sda", "changed", ("serial",)),
        inventory_change.Change("memory_module", "DIMM0", "removed"),
    ]
    out = inventory_change.evaluate(p, changes, W)
    assert set(out) == {"software", "serial"}
    assert "added package nginx" in out["software"].summary


FORECASTS = [
    # slope per hour, start, limit, expected eta hours (None = never)
    (1.0, 50.0, 100.0, 26.0),  # 24 h of history ends at 74: 26 h to go
    (0.0, 50.0, 100.0, None),
    (-1.0, 50.0, 100.0, None),
    (5.0, 50.0, 100.0, 0.0),  # already past the limit
]


@pytest.mark.parametrize(("slope", "start", "limit", "eta_h"), FORECASTS)
def test_forecast_eta(slope: float, start: float, limit: float, eta_h: float | None) -> None:
    ts = np.arange(0, 24 * 3600 + 1, 600, dtype=np.float64)
    values = start + slope * ts / 3600
    eta = forecast.seconds_to_limit(ts, values, limit)
    if eta_h is None:
        assert eta is None
    else:
        assert eta is not None and eta / 3600 == pytest.approx(eta_h, abs=0.01)


def test_forecast_verdict() -> None:
    p = forecast.parse({"metric": "disk.percent", "limit": 100, "horizon_s": 3 * 86400})
    ts = np.arange(0, 86400 + 1, 600, dtype=np.float64)
    filling = forecast.evaluate(p, ts, 50 + ts / 86400 * 20, W)  # +20 %/day: full in 1.5 days
    slow = forecast.evaluate(p, ts, 50 + ts / 86400 * 1, W)  # +1 %/day: 49 days
    assert filling is not None and filling.active
    assert slow is not None and not slow.active
    assert forecast.evaluate(p, ts[:3], ts[:3], W) is None  # too few points


ANY_PARAMS = SystemParams()  # scope does not look at parameters


def test_most_specific_rule_wins() -> None:
    rules = [
        RuleDef(1, "g", "cpu", "threshold", ANY_PARAMS),
        RuleDef(2, "c", "cpu", "threshold", ANY_PARAMS, customer_id=7),
        RuleDef(3, "s", "cpu", "threshold", ANY_PARAMS, customer_id=7, site_id=70),
        RuleDef(4, "d", "cpu", "threshold", ANY_PARAMS, customer_id=7, device_id=700),
        RuleDef(5, "other", "disk", "threshold", ANY_PARAMS),
        RuleDef(6, "c8", "cpu", "threshold", ANY_PARAMS, customer_id=8),
    ]
    pick = {
        (7, 70, 700): [4, 5],
        (7, 70, 701): [3, 5],
        (7, 71, 702): [2, 5],
        (9, None, 900): [1, 5],
        (8, None, 800): [5, 6],
    }
    for (cust, site, dev), ids in pick.items():
        assert [r.id for r in effective(rules, cust, site, dev)] == ids


def test_forecast_downwards() -> None:
    ts = np.arange(0, 24 * 3600 + 1, 600, dtype=np.float64)
    free = 100e9 - ts * 1e6  # losing 1 MB/s of free space
    eta = forecast.seconds_to_limit(ts, free, 0.0, "down")
    assert eta is not None and eta == pytest.approx((100e9 - 86400e6) / 1e6, rel=1e-6)
