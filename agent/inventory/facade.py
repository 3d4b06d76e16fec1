"""The inventory's only door to the machine: read a file, list a directory, run a command.

Readers take a :class:`HostIO`; tests hand them a fake that serves captured output, the agent
hands them :class:`LocalHost`. Commands run with an argument list (never a shell), the C locale
and a timeout; a missing program is :class:`NotApplicable`, a failing one :class:`SourceError`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from agent.inventory.model import NotApplicable, SourceError

DEFAULT_TIMEOUT_S = 60.0
_STDERR_CHARS = 300


class HostIO(Protocol):
    """What readers may do to the host."""

    @property
    def platform(self) -> str:
        """``sys.platform`` of the host: "linux", "win32", "darwin"."""

    def is_root(self) -> bool:
        """True when the agent may read root-only data (dmidecode, product serials)."""

    def read_text(self, path: str) -> str | None:
        """The file's text, or None when it does not exist. Unreadable files raise SourceError."""

    def read_bytes(self, path: str) -> bytes | None:
        """The file's bytes, or None when it does not exist."""

    def list_dir(self, path: str) -> list[str] | None:
        """Sorted entry names, or None when the directory does not exist."""

    def run(self, argv: Sequence[str], timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
        """The command's stdout. Missing program: NotApplicable; failure or timeout: SourceError."""


class LocalHost:
    """The real machine."""

    def __init__(self, platform: str = sys.platform) -> None:
        self._platform = platform

    @property
    def platform(self) -> str:
        return self._platform

    def is_root(self) -> bool:
        geteuid = getattr(os, "geteuid", None)
        return bool(geteuid is not None and geteuid() == 0)

    def read_text(self, path: str) -> str | None:
        data = self.read_bytes(path)
        return None if data is None else data.decode("utf-8", errors="replace")

    def read_bytes(self, path: str) -> bytes | None:
        try:
            return Path(path).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None

    def list_dir(self, path: str) -> list[str] | None:
        try:
            return sorted(os.listdir(path))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise SourceError(f"cannot list {path}: {exc.strerror or exc}") from None

    def run(self, argv: Sequence[str], timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        try:
            done = subprocess.run(
                list(argv),
                capture_output=True,
                timeout=timeout_s,
                env=env,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise NotApplicable(f"{argv[0]} is not installed") from None
        except subprocess.TimeoutExpired:
            raise SourceError(f"{' '.join(argv)} did not finish within {timeout_s:g} s") from None
        except OSError as exc:
            raise SourceError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", errors="replace").strip()[:_STDERR_CHARS]
            raise SourceError(
                f"{' '.join(argv)} exited with status {done.returncode}: {err or '(no output)'}"
            )
        return done.stdout.decode("utf-8", errors="replace")
