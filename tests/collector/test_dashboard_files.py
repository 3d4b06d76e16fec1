"""Dashboard files: every shipped file loads, a bad file is one line naming file and panel,
an administrator's directory adds (or replaces) dashboards, and the collector refuses to
start on a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.procs import REPO, base_env, run_script

from collector.dashboards.loader import DashboardError, load, parse
from collector.dashboards.model import Combine, PanelKind, PanelUnit, View
from eus.catalogue import CATALOGUE, Kind
from eus.names import Metric

GOOD_PANEL = """
[[panels]]
key = "mine"
title = "Mine"

  [[panels.lines]]
  metric = "cpu.percent"
  where = { cpu = "total" }
"""


def _file(body: str, view: str = "device") -> str:
    return f'title = "T"\nview = "{view}"\n' + body


def test_every_shipped_file_loads_and_every_view_has_panels() -> None:
    shipped = sorted(p.stem for p in (REPO / "dashboards").glob("*.toml"))
    loaded = load()
    assert sorted(d.name for d in loaded.all) == shipped
    assert {d.view for d in loaded.all} == set(View)
    for view in View:
        assert loaded.panels(view), view
    for d in loaded.all:
        for panel in d.panels:
            for line in panel.lines:
                assert line.rate is (CATALOGUE[line.metric].kind is Kind.COUNTER)


def test_the_device_page_has_per_core_cpu_load_and_swap() -> None:
    device = load()
    cores = device.panel(View.DEVICE, "cpu-cores")
    assert cores is not None
    [line] = cores.lines
    assert (line.metric, line.combine, line.legend, dict(line.exclude)) == (
        Metric.CPU_PERCENT,
        Combine.EACH,
        "cpu",
        {"cpu": frozenset({"total"})},
    )
    load_panel = device.panel(View.DEVICE, "load")
    swap = device.panel(View.DEVICE, "swap")
    assert load_panel is not None and load_panel.lines[0].metric is Metric.LOAD_AVG
    assert swap is not None and swap.lines[0].metric is Metric.SWAP_PERCENT
    assert {p.kind for p in device.panels(View.DEVICE)} == set(PanelKind)


def test_a_good_file_parses_with_units_taken_from_the_catalogue() -> None:
    d = parse(
        "x.toml",
        "x",
        _file(
            """
[[panels]]
key = "net"
title = "Net"
kind = "area"
default_range = "7d"

  [[panels.lines]]
  metric = "net.rx_bytes"
  exclude = { iface = ["lo"] }
"""
        ),
    )
    [panel] = d.panels
    assert (panel.unit, panel.kind, panel.default_range) == (PanelUnit.BYTES_PER_SECOND, PanelKind.AREA, "7d")
    assert panel.lines[0].rate


BAD = [
    (
        'title = "T"\nview = "device"\n[[panels]\n',
        "x.toml: not valid TOML: Expected ']]' at the end of an array declaration (at line 3",
    ),
    (
        'title = "T"\nview = "phone"\n' + GOOD_PANEL,
        'x.toml: view "phone" is not one of "device", "snmp", "fleet"',
    ),
    ('view = "device"\n' + GOOD_PANEL, 'x.toml: "title" is missing'),
    (
        'title = "T"\nview = "device"\ncolour = "red"\n' + GOOD_PANEL,
        'x.toml: unknown key "colour" in the file',
    ),
    ('title = "T"\nview = "device"\n', "x.toml: a dashboard needs at least one [[panels]]"),
    (
        _file(GOOD_PANEL.replace("cpu.percent", "cpu.percnt")),
        'x.toml: panel "mine": unknown metric "cpu.percnt" (did you mean "cpu.percent"?)',
    ),
    (
        _file(GOOD_PANEL.replace("cpu = ", "core = ")),
        'x.toml: panel "mine": "where" label "core" is not a label of cpu.percent; its labels are "cpu"',
    ),
    (
        _file(GOOD_PANEL + 'unit = "bytes"\n'),
        'x.toml: panel "mine": unknown key "unit" in a line',
    ),
    (
        _file(GOOD_PANEL.replace('title = "Mine"', 'title = "Mine"\nunit = "bytes"')),
        'x.toml: panel "mine": unit "bytes" does not fit its lines (cpu.percent in percent)',
    ),
    (
        _file(GOOD_PANEL.replace('title = "Mine"', 'title = "Mine"\nkind = "pie"')),
        'x.toml: panel "mine": kind "pie" is not one of "line", "area", "stat"',
    ),
    (
        _file(GOOD_PANEL.replace('title = "Mine"', 'title = "Mine"\ndefault_range = "90d"')),
        'x.toml: panel "mine": default_range "90d" is not one of "1h", "6h", "24h", "7d", "30d"',
    ),
    (
        _file(GOOD_PANEL.replace('key = "mine"', 'key = "Mine Panel"')),
        'x.toml: panel "Mine Panel": a panel key is 1 to 40 lowercase letters, digits and dashes',
    ),
    (
        _file('[[panels]]\nkey = "empty"\ntitle = "E"\n'),
        'x.toml: panel "empty": a panel needs at least one [[panels.lines]] with a "metric"',
    ),
    (
        _file(GOOD_PANEL.replace('where = { cpu = "total" }', 'legend = "mount"')),
        'x.toml: panel "mine": "legend" label "mount" is not a label of cpu.percent; its labels are "cpu"',
    ),
    (
        _file(GOOD_PANEL.replace('where = { cpu = "total" }', 'exclude = { cpu = "total" }')),
        'x.toml: panel "mine": "exclude" cpu must be a list of strings',
    ),
    (
        _file(GOOD_PANEL.replace("cpu.percent", "memory.percent").replace('where = { cpu = "total" }', "")),
        None,
    ),
    (
        _file(GOOD_PANEL + GOOD_PANEL),
        'x.toml: panel "mine": the device view already has a panel with this key',
    ),
]


@pytest.mark.parametrize(("text", "line"), BAD)
def test_a_bad_file_is_one_line_naming_file_and_panel(tmp_path: Path, text: str, line: str | None) -> None:
    (tmp_path / "x.toml").write_text(text)
    shipped = tmp_path / "none"
    shipped.mkdir()
    if line is None:  # the control: the same file, right, loads
        assert load(tmp_path, shipped=shipped).panels(View.DEVICE)
        return
    with pytest.raises(DashboardError) as caught:
        load(tmp_path, shipped=shipped)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / line.split(":", 1)[0]))
    assert line.split(":", 1)[1].strip() in message


def test_an_administrators_file_adds_a_dashboard_and_one_named_like_a_shipped_file_replaces_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "acme.toml").write_text(_file(GOOD_PANEL))
    added = load(tmp_path)
    assert added.panel(View.DEVICE, "mine") is not None
    assert added.panel(View.DEVICE, "cpu") is not None  # the shipped ones stay
    (tmp_path / "device.toml").write_text(_file(GOOD_PANEL.replace("mine", "only")))
    (tmp_path / "acme.toml").unlink()
    replaced = load(tmp_path)
    assert [p.key for p in replaced.panels(View.DEVICE)] == ["only"]


def test_a_panel_key_taken_by_a_shipped_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(_file(GOOD_PANEL.replace("mine", "cpu")))
    taken = r'acme.toml: panel "cpu": the device view already has .*device.toml'
    with pytest.raises(DashboardError, match=taken):
        load(tmp_path)


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DashboardError, match="the dashboards directory does not exist"):
        load(tmp_path / "nowhere")


def test_the_collector_refuses_to_start_on_a_bad_dashboard_with_one_line(tmp_path: Path) -> None:
    mine = tmp_path / "dashboards"
    mine.mkdir()
    (mine / "acme.toml").write_text(_file(GOOD_PANEL.replace("cpu.percent", "cpu.percnt")))
    data = tmp_path / "data"
    env = {**base_env(), "EUS_DATA_DIR": str(data), "EUS_DASHBOARDS_DIR": str(mine)}
    proc = run_script("eus-collector", env=env)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f'eus-collector: {mine / "acme.toml"}: panel "mine": '
        'unknown metric "cpu.percnt" (did you mean "cpu.percent"?)'
    ]
    assert not (data / "metrics.duckdb").exists()  # refused before opening anything
