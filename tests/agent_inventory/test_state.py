"""The remembered inventory: round trip, atomic replace, unusable files mean a full report."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from agent.inventory import state

BY_SOURCE = {
    "dpkg": {("package", "curl"): {"version": "7.88.1-10", "source": "dpkg"}},
    "dmi": {("system", "system"): {"vendor": "Dell Inc.", "serial": "J70FG53"}},
}


def test_round_trip_and_no_temporary_files_left(tmp_path: Path) -> None:
    assert state.load(tmp_path) is None
    state.save(tmp_path, BY_SOURCE)
    assert state.load(tmp_path) == BY_SOURCE
    state.save(tmp_path, {"dpkg": {}})
    assert state.load(tmp_path) == {"dpkg": {}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inventory.json"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "Expecting property name"),
        (json.dumps({"version": 99, "sources": {}}), "not an inventory state of version 1"),
        (json.dumps({"version": 1, "sources": {"dpkg": [["package", "x"]]}}), "malformed item"),
        (json.dumps({"version": 1, "sources": []}), "'sources' is not an object"),
    ],
)
def test_an_unusable_file_is_ignored_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str, reason: str
) -> None:
    (tmp_path / "inventory.json").write_text(content)
    with caplog.at_level(logging.WARNING, logger="agent.inventory.state"):
        assert state.load(tmp_path) is None
    assert reason in caplog.text
    assert "full one" in caplog.text
