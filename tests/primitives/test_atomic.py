"""Atomic file replacement (eus/atomic.py): all or nothing, final mode from the start, no debris."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from eus.atomic import write_atomic


def test_writes_bytes_and_text_with_the_mode(tmp_path: Path) -> None:
    key = tmp_path / "agent.key"
    write_atomic(key, b"secret")
    assert key.read_bytes() == b"secret"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # private unless asked otherwise
    public = tmp_path / "identity.json"
    write_atomic(public, '{"é": 1}\n', mode=0o644)
    assert public.read_text(encoding="utf-8") == '{"é": 1}\n'
    assert stat.S_IMODE(public.stat().st_mode) == 0o644


def test_replaces_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("old")
    inode = path.stat().st_ino
    write_atomic(path, "new")
    assert path.read_text() == "new"
    assert path.stat().st_ino != inode  # a rename, not an overwrite in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(path, 42)  # type: ignore[arg-type]  # fails after the temporary exists
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_rename_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "child").write_text("x")  # os.replace cannot put a file over a non-empty directory
    with pytest.raises(IsADirectoryError):
        write_atomic(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["occupied"]
    assert os.listdir(target) == ["child"]
