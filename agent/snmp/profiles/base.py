"""What a profile is: numeric OIDs to fetch and a pure mapping from what came back to
samples, inventory items and function results. No I/O, no pysnmp."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from agent.collectors.base import Sample, series_key
from agent.snmp.oids import IpAddress, Missing, Oid, PollData, Value, dotted
from eus.names import Label, Metric
from eus.v1 import eus_pb2


@dataclass(frozen=True)
class TargetInfo:
    """What a profile may know about the device it maps."""

    id: str
    name: str
    params: Mapping[str, str] = field(default_factory=dict)

    def param_float(self, key: str, default: float) -> float:
        try:
            value = float(self.params.get(key, default))
        except ValueError:
            return default
        return value if math.isfinite(value) else default


@dataclass
class ProfileResult:
    samples: list[Sample] = field(default_factory=list)
    inventory: list[eus_pb2.InventoryItem] = field(default_factory=list)
    functions: list[eus_pb2.FunctionResult] = field(default_factory=list)

    def extend(self, other: ProfileResult) -> None:
        self.samples.extend(other.samples)
        self.inventory.extend(other.inventory)
        self.functions.extend(other.functions)


Collect = Callable[[PollData, TargetInfo], ProfileResult]
# (scalars, columns) to fetch on every poll, given what the slow fetch found.
Plan = Callable[[PollData], tuple[tuple[Oid, ...], tuple[Oid, ...]]]


@dataclass(frozen=True)
class Profile:
    """One MIB's worth of polling.

    ``scalars``/``columns`` are fetched on every poll; ``slow_scalars``/``slow_columns``
    (names, descriptions, serials) at discovery and on each inventory refresh, and are
    handed to ``collect`` together with the poll's values. ``plan`` may replace the
    per-poll lists once the slow fetch shows what the device has (e.g. no 64-bit counters).
    A profile applies when the device's sysObjectID starts with one of ``sys_object_ids``
    or when any of the ``probes`` (column or scalar OIDs) exists on the device.
    """

    name: str
    collect: Collect
    scalars: tuple[Oid, ...] = ()
    columns: tuple[Oid, ...] = ()
    slow_scalars: tuple[Oid, ...] = ()
    slow_columns: tuple[Oid, ...] = ()
    probes: tuple[Oid, ...] = ()
    sys_object_ids: tuple[Oid, ...] = ()
    plan: Plan | None = None

    def poll_oids(self, slow: PollData) -> tuple[tuple[Oid, ...], tuple[Oid, ...]]:
        return self.plan(slow) if self.plan is not None else (self.scalars, self.columns)


# ---------------------------------------------------------------- value helpers


def integer(value: Value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def text(value: Value) -> str:
    """An OCTET STRING as text (UTF-8, undecodable bytes replaced, NULs and edges trimmed)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").replace("\x00", "").strip()
    if isinstance(value, IpAddress):
        return str(value)
    if isinstance(value, tuple):
        return dotted(value)
    if value is None or isinstance(value, Missing):
        return ""
    return str(value)


def hex_octets(value: bytes, sep: str = ":") -> str:
    return sep.join(f"{b:02x}" for b in value)


def mac(value: Value) -> str:
    """A PhysAddress: six octets as ``aa:bb:cc:dd:ee:ff``; other lengths as text when
    printable, else as colon-separated hex; empty stays empty."""
    if isinstance(value, bytes):
        if len(value) == 6:
            return hex_octets(value)
        trimmed = value.rstrip(b"\x00")
        if trimmed.isascii() and trimmed.decode("ascii").isprintable():
            return trimmed.decode("ascii")
        return hex_octets(value)
    return text(value)


def pretty(value: Value) -> str:
    """Any value as readable text: printable strings as text (trailing NULs dropped), other
    octets as ``0x`` hex."""
    if isinstance(value, bytes):
        trimmed = value.rstrip(b"\x00")
        try:
            decoded = trimmed.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + value.hex()
        layout = decoded.replace("\r", "").replace("\n", "").replace("\t", "")
        return decoded.strip() if layout.isprintable() else "0x" + value.hex()
    if isinstance(value, Missing):
        return value.value
    return text(value)


def sample(target: str, metric: Metric, value: float, labels: Mapping[Label, str] | None = None) -> Sample:
    """One sample of a series about ``target`` (the label ``target`` is always set); the unit
    and whether it is a counter come from ``eus.catalogue``."""
    return Sample(series_key(metric, {**(labels or {}), Label.TARGET: target}), float(value))


def item(kind: str, key: str, **attrs: str) -> eus_pb2.InventoryItem:
    """An inventory item; empty attributes are left out."""
    return eus_pb2.InventoryItem(kind=kind, key=key, attrs={k: v for k, v in attrs.items() if v})


def function(
    target: str,
    *,
    kind: str,
    fid: str,
    name: str,
    status: eus_pb2.Health.ValueType,
    message: str,
    metrics: Mapping[str, float] | None = None,
) -> eus_pb2.FunctionResult:
    """A function result about ``target``; the poller stamps time and duration."""
    return eus_pb2.FunctionResult(
        id=fid, kind=kind, name=name, status=status, message=message, metrics=metrics or {}, subject=target
    )


def column_samples(
    data: PollData, column: Oid, target: str, metric: Metric, key: Callable[[Oid], str] | None = None
) -> list[Sample]:
    """One sample per row of the integer ``column``, labelled ``index`` with ``key(row index)``
    (the dotted index by default); rows without a number have no sample."""
    label = key or index_str
    return [
        sample(target, metric, number, {Label.INDEX: label(index)})
        for index, value in sorted(data.column(column).items())
        if (number := integer(value)) is not None
    ]


def index_str(index: Oid) -> str:
    return dotted(index)


def lookup(data: PollData, column: Oid, index: Oid) -> Value:
    value = data.column(column).get(index)
    return None if isinstance(value, Missing) else value
