"""The log check on real files: growth, partial lines, rotation, truncation, persisted offsets."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from agent.functions.log import LogParams, Scan, count_lines, evaluate, scan
from agent.functions.log_state import FILE_NAME, OffsetStore, Position
from agent_functions.conftest import Checker

OK, WARNING, CRITICAL, UNKNOWN = 1, 2, 3, 0


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


@pytest.mark.parametrize(
    ("data", "final", "expected"),
    [
        (b"ERROR a\nok\nERROR b\n", False, (2, 19, "ERROR b")),
        (b"ERROR a\nERROR partial", False, (1, 8, "ERROR a")),
        (b"ERROR a\nERROR partial", True, (2, 21, "ERROR partial")),
        (b"no newline yet", False, (0, 0, "")),
        (b"caf\xc3\xa9 ERROR \xff\n", False, (1, 14, "caf\u00e9 ERROR \ufffd")),
        (b"", False, (0, 0, "")),
    ],
)
def test_count_lines(data: bytes, final: bool, expected: tuple[int, int, str]) -> None:
    assert count_lines(data, re.compile("ERROR"), final) == expected


@pytest.mark.parametrize(
    ("matches", "warn", "crit", "status"),
    [(0, 1, None, OK), (1, 1, None, WARNING), (4, 5, None, OK), (5, 5, None, WARNING), (3, 1, 3, CRITICAL)],
)
def test_evaluate_thresholds(matches: int, warn: int, crit: int | None, status: int) -> None:
    p = LogParams("/x", re.compile("E"), warn_count=warn, crit_count=crit)
    got, message = evaluate(p, Scan(Position("/x", 1, 10, 7), matches=matches, last_match="E here"))
    assert got == status
    assert "(7 so far)" in message


def test_growth_partial_lines_rotation_and_truncation(checker: Checker, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("ERROR before the agent looked\n")
    params: dict[str, Any] = {"path": str(log), "pattern": "ERROR"}

    first = checker.check("log", **params)
    assert first.status == OK
    assert "watching from byte 30" in first.message  # history is not counted
    assert first.metrics["matches"] == 0

    _append(log, "ok\nERROR one\nERROR two\nERROR three (still being writ")
    grown = checker.check("log", **params)
    assert grown.status == WARNING, grown.message
    assert grown.metrics["matches"] == 2  # the partial line waits for its newline
    assert "last: ERROR two" in grown.message

    _append(log, "ten)\nERROR four\n")
    _append(log, "ERROR five, written just before rotation\n")
    os.rename(log, tmp_path / "app.log.1")  # logrotate: rename, then a new file
    log.write_text("fresh file\nERROR six\n")
    rotated = checker.check("log", **params)
    assert rotated.metrics["matches"] == 4  # three, four, five from app.log.1 + six
    assert "rotated: read the rest of" in rotated.message
    assert rotated.metrics["total"] == 6

    log.write_text("ERROR seven\n")  # copytruncate-style: same inode, smaller than our offset
    truncated = checker.check("log", **params)
    assert truncated.metrics["matches"] == 1
    assert "file shrank" in truncated.message

    os.remove(tmp_path / "app.log.1")
    os.rename(log, tmp_path / "gone.log")
    log.write_text("ERROR eight\n")
    lost = checker.check("log", **params)
    assert lost.metrics["matches"] == 1
    assert "the rest of the old file was not found" in lost.message
    assert lost.metrics["total"] == 8

    quiet = checker.check("log", **params)
    assert quiet.status == OK
    assert quiet.metrics["matches"] == 0
    assert quiet.message.startswith("no new lines match 'ERROR' (8 so far)")


def test_from_start_missing_file_and_read_limit(checker: Checker, tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_text("ERROR x\n" * 1000)  # 8000 bytes
    r1 = checker.check("log", path=str(log), pattern="ERROR", from_start=True, max_bytes_per_run=4096)
    assert r1.metrics["matches"] == 512
    assert "more to read next run" in r1.message
    r2 = checker.check("log", path=str(log), pattern="ERROR", from_start=True, max_bytes_per_run=4096)
    assert r2.metrics["matches"] == 488
    assert r2.metrics["total"] == 1000
    missing = checker.check("log", path=str(tmp_path / "nope.log"), pattern="ERROR")
    assert missing.status == UNKNOWN
    assert missing.message == f"log file {tmp_path / 'nope.log'} is missing"


def test_offsets_are_saved_atomically_and_a_corrupt_file_is_set_aside(tmp_path: Path) -> None:
    store = OffsetStore(tmp_path)
    store.put("app", Position("/var/log/app.log", 42, 1000, 3))
    store.put("sys", Position("/var/log/syslog", 7, 10, 0))
    saved = json.loads((tmp_path / FILE_NAME).read_text())
    assert saved["app"] == {"path": "/var/log/app.log", "inode": 42, "offset": 1000, "count": 3}
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # no temporary files left behind
    assert OffsetStore(tmp_path).get("app") == Position("/var/log/app.log", 42, 1000, 3)
    store.forget({"app"})
    assert OffsetStore(tmp_path).get("sys") is None

    (tmp_path / FILE_NAME).write_text("{not json")
    fresh = OffsetStore(tmp_path)
    assert fresh.get("app") is None
    assert (tmp_path / "log_offsets.corrupt").read_text() == "{not json"


def test_a_position_on_another_path_starts_over(tmp_path: Path) -> None:
    log = tmp_path / "new.log"
    log.write_text("ERROR old\n")
    p = LogParams(str(log), re.compile("ERROR"))
    result = scan(p, Position(str(tmp_path / "old.log"), 1, 5, 9))
    assert result.position == Position(str(log), log.stat().st_ino, 10, 0)
    assert result.matches == 0
