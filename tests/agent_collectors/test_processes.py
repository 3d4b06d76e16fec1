"""The top processes: added up by name, bounded to the N busiest by CPU and the N largest by
memory whatever the machine runs, and primed at construction so the first run measures."""

from __future__ import annotations

import pytest

from agent.collectors.processes import MAX_NAME, ProcessCollector, ProcessTotal, top_processes
from agent.collectors.psutil_facade import ProcessUsage

from ._support import SNAPSHOTS, assert_contract, render, snapshot_reader


def P(name: str, cpu: float, rss: int) -> ProcessUsage:
    return ProcessUsage(name, cpu, rss)


@pytest.mark.parametrize(
    ("rows", "n", "want"),
    [
        ([], 3, []),
        (
            [P("chrome", 10.0, 100), P("chrome", 5.5, 300), P("bash", 0.0, 10)],
            3,
            [ProcessTotal("chrome", 15.5, 400, 2), ProcessTotal("bash", 0.0, 10, 1)],
        ),
        # n=1: the busiest (a) and the largest (c), not b; busiest first.
        (
            [P("a", 90.0, 1), P("b", 50.0, 2), P("c", 1.0, 999)],
            1,
            [ProcessTotal("a", 90.0, 1, 1), ProcessTotal("c", 1.0, 999, 1)],
        ),
        # the same name both busiest and largest is one line
        ([P("db", 90.0, 999), P("x", 1.0, 1)], 1, [ProcessTotal("db", 90.0, 999, 1)]),
        # a process that could not be read never counts negative; ties go by name
        (
            [P("z", -1.0, -5), P("y", 0.0, 0)],
            1,
            [ProcessTotal("y", 0.0, 0, 1)],
        ),
        ([P("", 1.0, 1)], 1, [ProcessTotal("?", 1.0, 1, 1)]),
    ],
)
def test_top_processes(rows: list[ProcessUsage], n: int, want: list[ProcessTotal]) -> None:
    assert top_processes(rows, n) == want


def test_bounded_whatever_the_machine_runs() -> None:
    rows = [P(f"worker-{i:04d}", float(i % 97), (i * 7919) % 10007) for i in range(5000)]
    top = top_processes(rows, 10)
    assert 10 <= len(top) <= 20
    assert [t.cpu_percent for t in top] == sorted((t.cpu_percent for t in top), reverse=True)
    busiest = sorted({r.cpu_percent for r in rows}, reverse=True)[0]
    assert top[0].cpu_percent == busiest
    largest = max(r.rss for r in rows)
    assert any(t.rss == largest for t in top)
    long = top_processes([P("x" * 300, 1.0, 1)], 1)
    assert long[0].name == "x" * MAX_NAME


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_collector_primes_then_follows_the_contract(snapshot: str) -> None:
    reader = snapshot_reader(snapshot)
    collector = ProcessCollector(reader)
    assert reader.calls == ["processes"]  # the priming walk, before any run
    samples = collector.collect()
    assert_contract(samples)
    assert len(render(samples)) == len(samples) <= 4 * 10
