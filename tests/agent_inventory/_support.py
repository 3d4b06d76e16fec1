"""Shared helpers: the fixture folder, a ``HostIO`` that serves captured output, a report sink
that spools for real."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from agent.inventory.model import NotApplicable, SourceError

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def dmi_values(grep_dump: str) -> dict[str, str]:
    """``grep . /sys/class/dmi/id/*`` output as {file name: contents}; error lines are skipped,
    exactly as the reader skips files it may not read."""
    out: dict[str, str] = {}
    for line in grep_dump.splitlines():
        if not line.startswith("/sys/class/dmi/id/"):
            continue
        path, _, value = line.partition(":")
        out[path.rsplit("/", 1)[-1]] = value
    return out


Command = Callable[[], str] | str


class FakeHost:
    """A host made of captured files and command outputs. A missing command is 'not installed';
    a callable command is called on every run (so a test can change what it returns)."""

    def __init__(
        self,
        *,
        platform: str = "linux",
        files: Mapping[str, str] | None = None,
        dirs: Mapping[str, Sequence[str]] | None = None,
        commands: Mapping[str, Command] | None = None,
        root: bool = False,
    ) -> None:
        self._platform = platform
        self.files = dict(files or {})
        self.dirs = {k: list(v) for k, v in (dirs or {}).items()}
        self.commands = dict(commands or {})
        self.root = root
        self.calls: list[tuple[str, ...]] = []

    @property
    def platform(self) -> str:
        return self._platform

    def is_root(self) -> bool:
        return self.root

    def read_text(self, path: str) -> str | None:
        value = self.files.get(path)
        if value == "<EACCES>":
            raise SourceError(f"cannot read {path}: Permission denied")
        return value

    def read_bytes(self, path: str) -> bytes | None:
        text = self.read_text(path)
        return None if text is None else text.encode()

    def list_dir(self, path: str) -> list[str] | None:
        return self.dirs.get(path)

    def run(self, argv: Sequence[str], timeout_s: float = 60.0) -> str:
        self.calls.append(tuple(argv))
        out = self.commands.get(argv[0])
        if out is None:
            raise NotApplicable(f"{argv[0]} is not installed")
        return out() if callable(out) else out
