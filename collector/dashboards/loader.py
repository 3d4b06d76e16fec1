"""Reading and checking dashboard files: TOML in, :class:`Dashboards` out, or one line.

The shipped files live in the top-level ``dashboards/`` folder (installed with the
package); an administrator adds files in ``dashboards_dir``, and one named like a shipped
file replaces it. Everything is checked before the collector starts — TOML syntax, known
keys, metrics and label keys from the catalogue (``eus.catalogue``), units, panel kinds and
ranges — and the first fault ends the load with a :class:`DashboardError` whose single
line names the file and the panel, so ``eus-collector`` can print it and exit.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from collector.dashboards.model import (
    RANGE_KEYS,
    Combine,
    Dashboard,
    Dashboards,
    Line,
    Panel,
    PanelKind,
    PanelUnit,
    View,
)
from eus.catalogue import CATALOGUE, Kind, MetricSpec
from eus.names import Metric, Unit

SHIPPED_PACKAGE = "dashboards"
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_FILE_KEYS = frozenset({"title", "view", "default_range", "panels"})
_PANEL_KEYS = frozenset({"key", "title", "kind", "unit", "default_range", "lines"})
_LINE_KEYS = frozenset({"metric", "label", "combine", "where", "exclude", "legend"})
_RATE_UNITS = {Unit.BYTES: PanelUnit.BYTES_PER_SECOND, Unit.COUNT: PanelUnit.PER_SECOND}


class DashboardError(ValueError):
    """A dashboard file that cannot be used; ``str()`` is the one line to print."""


def _choices(values: Iterable[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


class _Where:
    """Where a fault is: the file, and the panel when there is one."""

    def __init__(self, source: str, panel: str | None = None) -> None:
        self.source, self.panel = source, panel

    def fail(self, message: str) -> DashboardError:
        where = f'{self.source}: panel "{self.panel}"' if self.panel else self.source
        return DashboardError(f"{where}: {message}")

    def table(self, value: object, what: str, allowed: frozenset[str]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a table")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(f'unknown key "{unknown[0]}" in {what}; expected {_choices(sorted(allowed))}')
        return value

    def text(self, table: Mapping[str, Any], key: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f'"{key}" is missing')
        if not isinstance(value, str):
            raise self.fail(f'"{key}" must be a string')
        return value

    def choice(self, table: Mapping[str, Any], key: str, allowed: Iterable[str], default: str) -> str:
        value = self.text(table, key, default)
        options = list(allowed)
        if value not in options:
            raise self.fail(f'{key} "{value}" is not one of {_choices(options)}')
        return value


def _metric(where: _Where, name: str) -> MetricSpec:
    try:
        return CATALOGUE[Metric(name)]
    except ValueError:
        close = difflib.get_close_matches(name, [str(m) for m in CATALOGUE], n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise where.fail(f'unknown metric "{name}"{hint}') from None


def _label_key(where: _Where, spec: MetricSpec, key: str, what: str) -> str:
    known = sorted(spec.labels | spec.optional_labels)
    if key not in known:
        expected = f"its labels are {_choices(known)}" if known else "it has no labels"
        raise where.fail(f'{what} label "{key}" is not a label of {spec.name}; {expected}')
    return key


def _mapping(where: _Where, value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise where.fail(f"{what} must be a table of label = value")
    return value


def line_unit(spec: MetricSpec) -> PanelUnit:
    """The unit a line of this metric is drawn in: a counter's unit per second."""
    if spec.kind is Kind.COUNTER:
        return _RATE_UNITS.get(spec.unit, PanelUnit.PER_SECOND)
    return PanelUnit(str(spec.unit))


def _line(where: _Where, raw: object) -> tuple[Line, PanelUnit]:
    table = where.table(raw, "a line", _LINE_KEYS)
    spec = _metric(where, where.text(table, "metric"))
    match: dict[str, str] = {}
    for key, value in _mapping(where, table.get("where", {}), '"where"').items():
        if not isinstance(value, str):
            raise where.fail(f'"where" {key} must be a string')
        match[_label_key(where, spec, key, '"where"')] = value
    exclude: dict[str, frozenset[str]] = {}
    for key, values in _mapping(where, table.get("exclude", {}), '"exclude"').items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise where.fail(f'"exclude" {key} must be a list of strings')
        exclude[_label_key(where, spec, key, '"exclude"')] = frozenset(values)
    legend = table.get("legend")
    if legend is not None:
        legend = _label_key(where, spec, where.text(table, "legend"), '"legend"')
    line = Line(
        metric=spec.name,
        label=where.text(table, "label", ""),
        rate=spec.kind is Kind.COUNTER,
        combine=Combine(where.choice(table, "combine", Combine, Combine.SUM)),
        where=match,
        exclude=exclude,
        legend=legend,
    )
    return line, line_unit(spec)


def _panel(source: str, raw: object, default_range: str) -> Panel:
    where = _Where(source)
    if isinstance(raw, dict) and isinstance(raw.get("key"), str):
        where = _Where(source, raw["key"])
    table = where.table(raw, "a panel", _PANEL_KEYS)
    key = where.text(table, "key")
    if not _KEY.match(key):
        raise where.fail("a panel key is 1 to 40 lowercase letters, digits and dashes")
    raw_lines = table.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise where.fail('a panel needs at least one [[panels.lines]] with a "metric"')
    drawn = [_line(where, raw_line) for raw_line in raw_lines]
    units = {unit for _, unit in drawn}
    unit = PanelUnit(where.choice(table, "unit", PanelUnit, drawn[0][1]))
    if units != {unit}:
        found = ", ".join(f"{line.metric} in {u.value or 'plain numbers'}" for line, u in drawn)
        raise where.fail(f'unit "{unit.value}" does not fit its lines ({found})')
    return Panel(
        key=key,
        title=where.text(table, "title"),
        kind=PanelKind(where.choice(table, "kind", PanelKind, PanelKind.LINE)),
        unit=unit,
        default_range=where.choice(table, "default_range", RANGE_KEYS, default_range),
        lines=tuple(line for line, _ in drawn),
    )


def parse(source: str, name: str, text: str) -> Dashboard:
    """One dashboard file's text, checked; ``source`` names it in errors."""
    where = _Where(source)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise where.fail(f"not valid TOML: {exc}") from None
    table = where.table(raw, "the file", _FILE_KEYS)
    view = View(where.choice(table, "view", View, ""))
    default_range = where.choice(table, "default_range", RANGE_KEYS, "1h")
    raw_panels = table.get("panels")
    if not isinstance(raw_panels, list) or not raw_panels:
        raise where.fail("a dashboard needs at least one [[panels]]")
    panels = tuple(_panel(source, p, default_range) for p in raw_panels)
    return Dashboard(name, source, where.text(table, "title"), view, panels)


def _files(folder: Any) -> dict[str, tuple[str, str]]:
    """{stem: (source, text)} of the ``*.toml`` files in ``folder`` (a Path or a resource)."""
    found: dict[str, tuple[str, str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml") and entry.is_file():
            found[entry.name[: -len(".toml")]] = (str(entry), entry.read_text(encoding="utf-8"))
    return found


def shipped_folder() -> Any:
    """The shipped ``dashboards/`` folder, from a checkout or an installed wheel alike."""
    return resources.files(SHIPPED_PACKAGE)


def load(extra_dir: Path | None = None, shipped: Any = None) -> Dashboards:
    """The shipped dashboards, then the administrator's (``extra_dir``), all checked.

    Raises :class:`DashboardError` on the first fault, and when two panels of one view
    share a key (the page and its API find a panel by it).
    """
    files = _files(shipped if shipped is not None else shipped_folder())
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise DashboardError(f"{extra_dir}: the dashboards directory does not exist")
        files |= _files(extra_dir)
    dashboards = [parse(source, name, text) for name, (source, text) in files.items()]
    seen: dict[tuple[View, str], str] = {}
    for d in dashboards:
        for p in d.panels:
            if (d.view, p.key) in seen:
                raise _Where(d.source, p.key).fail(
                    f"the {d.view} view already has a panel with this key (in {seen[d.view, p.key]})"
                )
            seen[d.view, p.key] = d.source
    return Dashboards(tuple(dashboards))
