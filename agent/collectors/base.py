"""What a collector is, and what it produces.

Collectors collect; they never judge (thresholds live in the collector's alerting).
The framework (``agent.runner``), not the collector, times every run and records success.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from eus.catalogue import CATALOGUE
from eus.names import Label, Metric

Labels = tuple[tuple[str, str], ...]  # sorted (key, value) pairs: hashable and canonical


def labels(**kv: str) -> Labels:
    """Canonical label tuple from keyword arguments."""
    return tuple(sorted(kv.items()))


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """Identity of one time series on this agent."""

    name: str  # dotted, e.g. "cpu.percent"
    labels: Labels = ()
    unit: str = ""  # "percent", "bytes", "seconds", "count", "ratio" ...
    monotonic: bool = False  # a counter: consumers use its rate


def series_key(metric: Metric, labels: Mapping[Label, str] | None = None) -> SeriesKey:
    """The key of one series of ``metric``: its unit and whether it is a counter come from
    ``eus.catalogue``, so the agent cannot declare them differently from what the collector reads."""
    spec = CATALOGUE[metric]
    canonical = tuple(sorted((str(k), v) for k, v in (labels or {}).items()))
    return SeriesKey(str(metric), canonical, str(spec.unit), spec.monotonic)


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one series; the timestamp is the run's, stamped by the framework."""

    key: SeriesKey
    value: float


def samples_of(keys: Iterable[SeriesKey], values: Iterable[float]) -> list[Sample]:
    """One sample per key, in order: ``values`` are one reading's fields for ``keys``."""
    return [Sample(key, float(value)) for key, value in zip(keys, values, strict=True)]


class Collector(Protocol):
    """A named source of samples. One file per collector under ``agent/collectors``."""

    name: str
    default_interval_s: float

    def collect(self) -> Iterable[Sample]:
        """Read the system once. May raise: the framework records the failure and goes on."""
        ...
