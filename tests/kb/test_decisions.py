"""The pure parts of the customer support pages: fault kinds, article choice, Resolve outcomes,
the status chart, the network map's layout and the Trouble-Shooter's findings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.kb.articles import ArticleError, choose, parse_draft
from collector.kb.faults import FaultKindError, function_fault_kinds, parse_fault_kinds, rule_fault_kinds
from collector.kb.models import Article
from collector.kb.runs import Outcome, StepResult, StepState, outcome_of, ticket_text
from collector.snmp.links import Link
from collector.troubleshooting.findings import (
    ReportError,
    connection_finding,
    enrollment_finding,
    parse_report,
    report_findings,
    version_finding,
)
from collector.web import network_map, status_chart


@pytest.mark.parametrize(
    ("kind", "health", "expected"),
    [
        ("systemd", "critical", ["function:systemd:critical", "function:systemd"]),
        ("snmp", "critical", ["snmp:reachability:critical", "snmp:reachability"]),
        ("snmp.supply", "warning", ["snmp:supply:warning", "snmp:supply"]),
        ("", "unknown", ["function:unknown:unknown", "function:unknown"]),
    ],
)
def test_a_function_has_its_most_specific_fault_kind_first(
    kind: str, health: str, expected: list[str]
) -> None:
    assert function_fault_kinds(kind, health) == expected


def test_rule_fault_kinds_and_the_grammar() -> None:
    assert rule_fault_kinds("threshold", "disk.percent") == ["rule:threshold:disk.percent", "rule:threshold"]
    assert parse_fault_kinds("Function:SYSTEMD, snmp:supply\nfunction:systemd") == [
        "function:systemd",
        "snmp:supply",
    ]
    for bad in ("systemd", "disk:full", "function:", "function:a:b:c"):
        with pytest.raises(FaultKindError, match="is not a fault kind"):
            parse_fault_kinds(bad)


def _article(article_id: int, kinds: list[str]) -> Article:
    return Article(id=article_id, title=f"a{article_id}", fault_kinds=kinds, steps=["x"], version=1)


def test_the_most_specific_linked_article_wins() -> None:
    general = _article(1, ["function:systemd"])
    specific = _article(2, ["function:systemd:critical"])
    candidates = function_fault_kinds("systemd", "critical")
    assert choose([general, specific], candidates) == (specific, "function:systemd:critical")
    assert choose([general], candidates) == (general, "function:systemd")
    assert choose([general], function_fault_kinds("http", "critical")) is None


def test_drafts_are_checked_field_by_field() -> None:
    draft = parse_draft(" T ", "", "function:tcp", "1. one\n\n2) two\n- three")
    assert (draft.title, draft.steps) == ("T", ["one", "two", "three"])
    with pytest.raises(ArticleError, match=r"^title: an article needs a title"):
        parse_draft("", "", "function:tcp", "x")
    with pytest.raises(ArticleError, match=r"^steps: write at least one step"):
        parse_draft("T", "", "function:tcp", "\n \n")
    with pytest.raises(ArticleError, match=r"^fault kinds: name at least one"):
        parse_draft("T", "", "", "x")


def test_a_run_is_resolved_only_when_every_step_is_done_and_the_technician_says_so() -> None:
    done = [StepResult("a", StepState.DONE), StepResult("b", StepState.DONE)]
    assert outcome_of(done, Outcome.RESOLVED) is Outcome.RESOLVED
    assert outcome_of(done, Outcome.UNRESOLVED) is Outcome.UNRESOLVED
    assert outcome_of([*done, StepResult("c", StepState.SKIPPED)], Outcome.RESOLVED) is Outcome.UNRESOLVED
    text = ticket_text("Art", 3, Outcome.UNRESOLVED, [StepResult("a", StepState.FAILED, "why")], "n")
    assert text.splitlines() == [
        "Resolve run with “Art” (version 3): unresolved",
        "1. [failed] a — why",
        "Notes: n",
    ]


def test_the_status_chart_marks_every_change_and_colours_each_stretch() -> None:
    start = datetime(2026, 1, 1)
    end = start + timedelta(hours=10)
    chart = status_chart.build(start, end, 1, [(start + timedelta(hours=5), 3)])
    assert [(b.x, b.width, b.label) for b in chart.bands] == [(0.0, 450.0, "ok"), (450.0, 450.0, "critical")]
    assert [m.x for m in chart.markers] == [450.0]
    assert chart.line.split() == ["0.0,130.0", "450.0,130.0", "450.0,10.0", "900.0,10.0"]
    empty = status_chart.build(start, end, None, [])
    assert (empty.bands, empty.markers, empty.line) == ([], [], "")


def test_the_map_puts_devices_under_their_gateway_and_draws_links() -> None:
    gw = network_map.MapNode("agent-1", "gw", "gateway", "ok")
    pc = network_map.MapNode("agent-2", "pc", "agent", "unknown")
    sw1 = network_map.MapNode("net-1", "sw1", "snmp", "critical")
    sw2 = network_map.MapNode("net-2", "sw2", "snmp", "ok")
    links = [Link("net-1", "1", "net-2", "2", "", "chassis id"), Link("net-1", "9", "", "x", "phone", "")]
    graph = network_map.build([pc, gw], [sw2, sw1], {"agent-1": ["net-1", "net-2"]}, links)
    placed = {p.node.id: p for p in graph.nodes}
    assert placed["agent-1"].x < placed["agent-2"].x  # gateways first
    assert placed["net-1"].x < placed["net-2"].x  # in the order the gateway polls them
    assert placed["lldp:phone"].y > placed["net-1"].y  # the unmonitored neighbour below
    assert placed["net-1"].fill == network_map.COLOURS["critical"][0]
    kinds = sorted((e.kind, e.ends, e.monitored) for e in graph.edges)
    assert kinds == [
        ("lldp", ("net-1", "lldp:phone"), False),
        ("lldp", ("net-1", "net-2"), True),
        ("polls", ("agent-1", "net-1"), True),
        ("polls", ("agent-1", "net-2"), True),
    ]


def test_findings_name_the_problem_and_the_fix() -> None:
    assert "expired" in enrollment_finding("enrollment token expired at 2026-01-01 00:00 UTC").problem
    assert "more uses" in enrollment_finding("enrollment token already used").fix
    assert version_finding("0.1.0", "0.1.0") is None
    assert version_finding("0.0.9", "0.1.0") is not None
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert [f.severity for f in connection_finding("online", now, now + timedelta(days=3), now)] == [
        "warning"
    ]
    assert "never connected" in connection_finding("never", None, None, now)[0].problem
    report = parse_report(
        'eus-agent output\n{"format": "eus-doctor/1", "checks": ['
        '{"check": "identity", "target": "/x", "ok": false, "detail": "not enrolled"},'
        '{"check": "tcp", "target": "h:7444", "ok": false, "detail": "timed out"}]}'
    )
    [finding] = report_findings(report)
    assert "firewall" in finding.fix and "h:7444: timed out" in finding.problem
    for text, message in (("{}", "not an eus-agent doctor report"), ("nope", "no JSON object")):
        with pytest.raises(ReportError, match=message):
            parse_report(text)
