"""Every rule kind's form fields: reading a form into the kind's JSON parameters, and filling
the form from stored parameters. Fields of a kind other than the threshold are named
``<kind>.<field>`` so the new-rule form can hold every kind's fields at once (it shows the
chosen kind's); the threshold keeps its plain names (``rule_fields.threshold``). Durations
are typed like ``5m`` or ``3d`` (the one grammar, ``eus.values``). Pure."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from collector.alerting import rule_fields
from collector.alerting.domain import Severity
from collector.alerting.rule_fields import FieldError, duration, short
from collector.alerting.rules import forecast, function_status, inventory_change
from collector.alerting.rules.snmp_trap import STANDARD_TRAPS
from eus.names import Metric
from eus.values import checkbox

Form = Mapping[str, str]
Reader = Callable[[Form, Collection[str]], dict[str, Any]]
Filler = Callable[[Mapping[str, Any]], dict[str, str]]


def _get(form: Form, kind: str, name: str) -> str:
    return str(form.get(f"{kind}.{name}", "") or "").strip()


def _dur(form: Form, kind: str, name: str, default: float) -> float:
    return duration({name: _get(form, kind, name)}, name, default)


def _number(form: Form, kind: str, name: str, default: float, *, whole: bool = False) -> float:
    value = rule_fields.number({name: _get(form, kind, name)}, name)
    if value is None:
        return default
    if whole and value != int(value):
        raise FieldError(f"{name}: a whole number, e.g. 3")
    return value


def _choice(form: Form, kind: str, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = _get(form, kind, name) or default
    if value not in allowed:
        raise FieldError(f"{name}: one of {', '.join(allowed)}")
    return value


# -- reading ------------------------------------------------------------------------------
def _forecast(form: Form, known: Collection[str]) -> dict[str, Any]:
    k = "forecast"
    return {
        "metric": rule_fields.metric(_get(form, k, "metric"), known),
        "labels": rule_fields.labels(_get(form, k, "labels")),
        "limit": _number(form, k, "limit", 100.0),
        "direction": _choice(form, k, "direction", ("up", "down"), "up"),
        "horizon_s": _dur(form, k, "horizon", 3 * 86400.0),
        "window_s": _dur(form, k, "window", 86400.0),
        "min_points": int(_number(form, k, "min_points", 10, whole=True)),
    }


def _offline(form: Form, _known: Collection[str]) -> dict[str, Any]:
    return {"for_s": _dur(form, "instance_offline", "for", 0.0)}


def _data_gap(form: Form, _known: Collection[str]) -> dict[str, Any]:
    k = "data_gap"
    return {
        "min_samples": int(_number(form, k, "min_samples", 1, whole=True)),
        "hold_s": _dur(form, k, "hold", 3600.0),
    }


def _function(form: Form, _known: Collection[str]) -> dict[str, Any]:
    k = "function_status"
    return {
        "function": _get(form, k, "function"),
        "consecutive": int(_number(form, k, "consecutive", 3, whole=True)),
        "min_status": _get(form, k, "min_status") or function_status.HEALTH_WARNING,
    }


def _inventory(form: Form, _known: Collection[str]) -> dict[str, Any]:
    k = "inventory_change"
    watch = [c for c in inventory_change.CHANGES if checkbox(form.get(f"{k}.{c}"))]
    if not watch:
        raise FieldError(f"watch: tick at least one of {', '.join(inventory_change.CHANGES)}")
    return {"watch": watch, "hold_s": _dur(form, k, "hold", 86400.0)}


def trap_lines(text: str) -> dict[str, str]:
    """``OID severity`` per line (``#`` starts a comment) as a mapping; "" is no mapping."""
    out: dict[str, str] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.replace("=", " ").split()
        if len(parts) != 2:
            raise FieldError(f"traps, line {n}: an OID and a severity, e.g. 1.3.6.1.6.3.1.1.5.3 warning")
        oid, severity = parts[0].lstrip("."), parts[1].lower()
        if not all(p.isdigit() for p in oid.split(".")):
            raise FieldError(f"traps, line {n}: not a numeric OID: {parts[0][:60]!r}")
        if severity not in {s.value for s in Severity}:
            raise FieldError(f"traps, line {n}: severity one of {', '.join(s.value for s in Severity)}")
        out[oid] = severity
    return out


def _traps(form: Form, _known: Collection[str]) -> dict[str, Any]:
    k = "snmp_trap"
    raw = str(form.get(f"{k}.traps", "") or "")
    return {"traps": trap_lines(raw), "hold_s": _dur(form, k, "hold", 3600.0)}


def _cert(form: Form, _known: Collection[str]) -> dict[str, Any]:
    k = "cert_expiry"
    return {
        "warning_s": _dur(form, k, "warning", 30 * 86400.0),
        "critical_s": _dur(form, k, "critical", 7 * 86400.0),
    }


# -- filling ------------------------------------------------------------------------------
def _prefixed(kind: str, fields: Mapping[str, str]) -> dict[str, str]:
    return {f"{kind}.{k}": v for k, v in fields.items()}


def _fill_forecast(p: Mapping[str, Any]) -> dict[str, str]:
    d = forecast.parse({"metric": "x", **p})
    return _prefixed(
        "forecast",
        {
            "metric": str(p.get("metric", "")),
            "labels": ", ".join(f"{a}={b}" for a, b in d.labels.items()),
            "limit": f"{d.limit:g}",
            "direction": d.direction,
            "horizon": short(d.horizon_s),
            "window": short(d.window_s),
            "min_points": str(d.min_points),
        },
    )


def _fill_offline(p: Mapping[str, Any]) -> dict[str, str]:
    return {"instance_offline.for": short(float(p.get("for_s", 0) or 0))}


def _fill_data_gap(p: Mapping[str, Any]) -> dict[str, str]:
    hold = float(p.get("hold_s", 3600) or 3600)
    return _prefixed("data_gap", {"min_samples": str(int(p.get("min_samples", 1) or 1)), "hold": short(hold)})


def _fill_function(p: Mapping[str, Any]) -> dict[str, str]:
    return _prefixed(
        "function_status",
        {
            "function": str(p.get("function", "")),
            "consecutive": str(int(p.get("consecutive", 3) or 3)),
            "min_status": str(p.get("min_status", function_status.HEALTH_WARNING)),
        },
    )


def _fill_inventory(p: Mapping[str, Any]) -> dict[str, str]:
    watch = p.get("watch", list(inventory_change.CHANGES))
    out = {c: "1" for c in inventory_change.CHANGES if c in watch}
    out["hold"] = short(float(p.get("hold_s", 86400) or 86400))
    return _prefixed("inventory_change", out)


def _fill_traps(p: Mapping[str, Any]) -> dict[str, str]:
    traps = dict(p.get("traps") or {})
    return _prefixed(
        "snmp_trap",
        {
            "traps": "\n".join(f"{oid} {sev}" for oid, sev in traps.items()),
            "hold": short(float(p.get("hold_s", 3600) or 3600)),
        },
    )


def _fill_cert(p: Mapping[str, Any]) -> dict[str, str]:
    return _prefixed(
        "cert_expiry",
        {
            "warning": short(float(p.get("warning_s", 30 * 86400))),
            "critical": short(float(p.get("critical_s", 7 * 86400))),
        },
    )


def _fill_threshold(p: Mapping[str, Any]) -> dict[str, str]:
    return rule_fields.threshold_fields(p)


@dataclass(frozen=True, slots=True)
class KindFields:
    read: Reader
    fill: Filler
    blank: Mapping[str, Any]  # the parameters a new rule's form starts from


KIND_FIELDS: Mapping[str, KindFields] = {
    "threshold": KindFields(rule_fields.threshold, _fill_threshold, {"op": ">", "for_s": 300}),
    "forecast": KindFields(_forecast, _fill_forecast, {"metric": Metric.DISK_PERCENT}),
    "instance_offline": KindFields(_offline, _fill_offline, {"for_s": 120}),
    "data_gap": KindFields(_data_gap, _fill_data_gap, {}),
    "function_status": KindFields(_function, _fill_function, {}),
    "inventory_change": KindFields(_inventory, _fill_inventory, {}),
    "snmp_trap": KindFields(_traps, _fill_traps, {}),
    "cert_expiry": KindFields(_cert, _fill_cert, {}),
}
"""One entry per kind of ``rules.RULE_KINDS`` (``tests/alerting/test_kind_fields.py``)."""

STANDARD_TRAP_LINES = tuple(f"{oid} {sev.value}  # {name}" for oid, (name, sev) in STANDARD_TRAPS.items())


def read(kind: str, form: Form, known: Collection[str]) -> dict[str, Any]:
    """The kind's JSON parameters from its fields; FieldError names the field at fault."""
    return KIND_FIELDS[kind].read(form, known)


def fill(kind: str, params: Mapping[str, Any]) -> dict[str, str]:
    """The kind's form fields for stored parameters."""
    found = KIND_FIELDS.get(kind)
    return found.fill(params) if found else {}


def blank_form() -> dict[str, str]:
    """A new rule's form: every kind's fields at their usual values, the threshold chosen."""
    out: dict[str, str] = {"kind": "threshold"}
    for kind, k in KIND_FIELDS.items():
        out |= fill(kind, k.blank)
    return out


def summary(kind: str, params: Mapping[str, Any]) -> str:
    """The stored parameters as a technician reads them, for the rules list."""
    fields = {key.split(".", 1)[-1]: value for key, value in fill(kind, params).items() if value}
    if kind == "inventory_change":
        ticked = [c for c in inventory_change.CHANGES if c in fields]
        fields = {"watch": " ".join(ticked), "hold": fields.get("hold", "")}
    return ", ".join(f"{key} {value}" for key, value in fields.items()).replace("\n", "; ")
