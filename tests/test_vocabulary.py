"""The contract's vocabulary (issue #9): what the agent emits and what the collector reads
are the same names, and both are in ``eus.catalogue``.

The agent side is discovered by running its code: every registered host collector over the
captured psutil snapshots, every SNMP profile over recordings of real devices. The collector
side is what its readers declare (charts, SNMP interface table and panels, the alert rule
examples), plus a scan of its source for metric names written as string literals, which would
bypass ``eus.names``.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import cast

import pytest
from agent_collectors._support import SNAPSHOTS, snapshot_reader
from agent_snmp import snmprec
from agent_snmp.peers import FIXTURES, recording

from agent.collectors import default_registry
from agent.collectors.base import Collector, Sample
from agent.collectors.psutil_facade import HostReader
from agent.snmp.oids import Oid, Value
from agent.snmp.profiles import PROFILES
from agent.snmp.profiles.base import TargetInfo
from collector.alerting.rules import RULE_KINDS
from collector.dashboards.loader import load as load_dashboards
from collector.snmp import interfaces, panels
from eus.catalogue import CATALOGUE, Kind, MetricSpec, spec
from eus.names import Label, Metric

REPO = Path(__file__).resolve().parent.parent

# Small recordings that between them have every MIB a profile reads.
RECORDINGS = (
    FIXTURES / "printer-color-laser.snmprec",
    FIXTURES / "apc-smart-ups.snmprec",
    recording("network", "switch", "cisco-c3560.snmprec.bz2"),
    recording("UPS", "eaton-93e-80.snmprec.bz2"),
    recording("os", "linux", "slackware.snmprec.bz2"),
)


def _host_samples() -> Iterator[Sample]:
    importlib.import_module("agent.collectors.all")
    for reg in default_registry.entries().values():
        make = cast(Callable[[HostReader], Collector], reg.factory)  # built-in collectors take a reader
        for snapshot in SNAPSHOTS:
            yield from make(snapshot_reader(snapshot)).collect()


def _snmp_samples() -> Iterator[Sample]:
    target = TargetInfo("snmp-1", "device")
    for path in RECORDINGS:
        records: dict[Oid, Value] = snmprec.load(path)
        for profile in PROFILES.values():
            slow = snmprec.poll_data(records, profile.slow_scalars, profile.slow_columns)
            scalars, columns = profile.poll_oids(slow)
            data = slow.merged(snmprec.poll_data(records, scalars, columns))
            yield from profile.collect(data, target).samples


@pytest.fixture(scope="module")
def emitted() -> dict[str, set[tuple[str, ...]]]:
    """Metric name -> the label-key sets the agent's code emitted it with."""
    out: dict[str, set[tuple[str, ...]]] = {}
    for sample in (*_host_samples(), *_snmp_samples()):
        key = sample.key
        known = spec(key.name)
        assert known is not None, f"the agent emits {key.name!r}, which eus.catalogue does not list"
        assert (key.unit, key.monotonic) == (known.unit, known.monotonic), key
        out.setdefault(key.name, set()).add(tuple(k for k, _ in key.labels))
    return out


def test_everything_the_agent_emits_is_catalogued_with_its_labels(
    emitted: dict[str, set[tuple[str, ...]]],
) -> None:
    for name, label_sets in emitted.items():
        known = CATALOGUE[Metric(name)]
        for keys in label_sets:
            assert known.accepts(frozenset(keys)), f"{name} emitted with labels {keys}, catalogue: {known}"


def test_everything_catalogued_is_emitted_by_some_collector_or_profile(
    emitted: dict[str, set[tuple[str, ...]]],
) -> None:
    assert sorted(set(map(str, CATALOGUE)) - set(emitted)) == []


def _collector_reads() -> Iterator[tuple[str, str, frozenset[str]]]:
    """(where, metric name, label keys read) for every metric name the collector reads."""
    for dashboard in load_dashboards().all:
        for panel in dashboard.panels:
            for line in panel.lines:
                keys = {*line.where, *line.exclude} | ({line.legend} if line.legend else set())
                yield f"{dashboard.source} panel {panel.key}", line.metric, frozenset(keys)
    for module in (interfaces, panels):
        for metric, keys in module.READS.items():
            yield module.__name__, metric, frozenset(keys)
    for kind in RULE_KINDS.values():
        metric = json.loads(kind.example).get("metric")
        if metric is not None:
            yield f"rule example {kind.name}", metric, frozenset()


def test_every_metric_the_collector_reads_is_emitted_with_the_labels_it_reads(
    emitted: dict[str, set[tuple[str, ...]]],
) -> None:
    reads = list(_collector_reads())
    assert len(reads) > 20, "the readers' declarations were not found"
    for where, name, keys in reads:
        assert name in emitted, f"{where} reads {name!r}, which no agent collector or SNMP profile emits"
        assert any(keys <= set(k) for k in emitted[name]), f"{where} reads labels {sorted(keys)} of {name}"


def _prefixes() -> frozenset[str]:
    return frozenset(str(m).rsplit(".", 1)[0] for m in Metric)


def _string_literals(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_the_collector_names_metrics_only_through_eus_names() -> None:
    """A literal like ``"disk.percent"`` (or a misspelt one) in the collector's code would read a
    name the vocabulary test cannot see; everything goes through ``eus.names.Metric``."""
    name_like = re.compile(r"^[a-z][a-z0-9_.]*\.[a-z][a-z0-9_]*$")
    prefixes = _prefixes()
    found = [
        f"{path.relative_to(REPO)}:{line}: {text!r}"
        for path in sorted((REPO / "collector").rglob("*.py"))
        for line, text in _string_literals(path)
        if name_like.match(text) and text.rsplit(".", 1)[0] in prefixes
    ]
    assert found == []


@pytest.mark.parametrize("metric", list(Metric))
def test_catalogue_entries_are_complete(metric: Metric) -> None:
    entry: MetricSpec = CATALOGUE[metric]
    assert entry.name is metric
    assert entry.description
    assert not entry.labels & entry.optional_labels
    assert entry.kind in Kind
    assert all(isinstance(label, Label) for label in entry.labels | entry.optional_labels)


def test_spec_of_an_unknown_name_is_none() -> None:
    assert spec("disk.percnt") is None
    assert spec(Metric.DISK_PERCENT) is CATALOGUE[Metric.DISK_PERCENT]


def test_catalogue_is_keyed_by_every_metric() -> None:
    assert isinstance(CATALOGUE, Mapping)
    assert set(CATALOGUE) == set(Metric)
