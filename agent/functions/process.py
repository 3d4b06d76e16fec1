"""Process running: processes matched by name and/or command line, counted, with their memory and CPU.

Parameters (``kind = "process"``; give ``process_name``, ``cmdline`` or both):

================  ========  ======================================================================
``process_name``  (any)     exact process name as ``ps -o comm`` / psutil shows it (e.g. ``nginx``)
``cmdline``       (any)     regular expression searched in the command line joined by spaces
``user``          (any)     only processes of this user
``min_count``     ``1``     CRITICAL when fewer processes match
``max_count``     (off)     WARNING when more processes match
================  ========  ======================================================================

(``name``, as in every function, is the human name shown to technicians.)

OK "2 processes named 'nginx' (pids 812, 813)"; CRITICAL "no process named 'nginx'".
Metrics: ``count``, ``rss_bytes`` and ``cpu_percent`` (summed over the matches; CPU from the
second run on, because psutil measures it between two looks at the same process).

The process table is the agent's most expensive read (~0.1 ms per process), so it sits behind
:class:`ProcessTable`: one scan serves every process check that runs within a second, only the
attributes some check needs are read, and psutil's ``Process`` objects are kept from run to run
(``process_iter`` reuses them), which is also what lets ``cpu_percent`` measure anything.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agent.functions.base import CRITICAL, OK, WARNING, CheckContext, CheckKind, Outcome
from agent.functions.params import ParamError, ParamReader


@dataclass(frozen=True, slots=True)
class ProcessParams:
    name: str | None = None
    cmdline: re.Pattern[str] | None = None
    user: str | None = None
    min_count: int = 1
    max_count: int | None = None


def parse(p: ParamReader) -> ProcessParams:
    params = ProcessParams(
        name=p.optional_text("process_name"),
        cmdline=p.regex("cmdline", required=False),
        user=p.optional_text("user"),
        min_count=p.integer("min_count", 1, low=0),
        max_count=p.optional_integer("max_count", low=0),
    )
    if params.name is None and params.cmdline is None:
        raise ParamError("give process_name or cmdline (or both) for kind 'process'")
    if params.max_count is not None and params.max_count < params.min_count:
        raise ParamError(f"max_count ({params.max_count}) must be at least min_count ({params.min_count})")
    return params


@dataclass(frozen=True, slots=True)
class ProcRow:
    """What the matching needs of one process (``cmdline``/``user`` None when not read)."""

    pid: int
    name: str
    cmdline: str | None = None
    user: str | None = None
    handle: Any = None  # the psutil.Process, for usage of the matches


def matches(p: ProcessParams, rows: Iterable[ProcRow], own_pid: int) -> list[ProcRow]:
    """Pure: the rows ``p`` selects (never the agent itself)."""
    out = []
    for row in rows:
        if row.pid == own_pid:
            continue
        if p.name is not None and row.name != p.name:
            continue
        if p.cmdline is not None and (row.cmdline is None or p.cmdline.search(row.cmdline) is None):
            continue
        if p.user is not None and row.user != p.user:
            continue
        out.append(row)
    return out


def describe(p: ProcessParams) -> str:
    parts = []
    if p.name is not None:
        parts.append(f"named {p.name!r}")
    if p.cmdline is not None:
        parts.append(f"with command line matching {p.cmdline.pattern!r}")
    if p.user is not None:
        parts.append(f"of user {p.user!r}")
    return " ".join(parts)


def evaluate(p: ProcessParams, pids: Sequence[int], rss_bytes: float, cpu_percent: float) -> Outcome:
    """Pure: the verdict on the matching processes."""
    n = len(pids)
    what = describe(p)
    metrics = {"count": float(n), "rss_bytes": rss_bytes, "cpu_percent": cpu_percent}
    shown = ", ".join(str(pid) for pid in sorted(pids)[:5]) + (", ..." if n > 5 else "")
    noun = "process" if n == 1 else "processes"
    if n < p.min_count:
        if n == 0:
            return Outcome(CRITICAL, f"no process {what}", metrics)
        return Outcome(
            CRITICAL, f"{n} {noun} {what} (pids {shown}), expected at least {p.min_count}", metrics
        )
    if p.max_count is not None and n > p.max_count:
        return Outcome(WARNING, f"{n} {noun} {what} (pids {shown}), expected at most {p.max_count}", metrics)
    if n == 0:
        return Outcome(OK, f"no process {what}, as expected", metrics)
    return Outcome(OK, f"{n} {noun} {what} (pids {shown})", metrics)


class ProcessTable:
    """psutil's process table behind one door, scanned at most once per ``ttl_s`` for all checks."""

    def __init__(self, ttl_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._attrs: frozenset[str] = frozenset()
        self._rows: list[ProcRow] = []
        self.scans = 0

    def rows(self, cmdline: bool, user: bool) -> list[ProcRow]:
        """Blocking: every process, with the command line and user when asked for."""
        import psutil

        want = frozenset({"name"} | ({"cmdline"} if cmdline else set()) | ({"username"} if user else set()))
        with self._lock:
            now = self._clock()
            if now - self._at > self._ttl or not want <= self._attrs:
                self._rows = [
                    ProcRow(
                        pid=proc.pid,
                        name=proc.info.get("name") or "",
                        cmdline=" ".join(proc.info["cmdline"] or ()) if "cmdline" in want else None,
                        user=proc.info.get("username"),
                        handle=proc,
                    )
                    for proc in psutil.process_iter(sorted(want), ad_value=None)
                ]
                self._at, self._attrs = now, want
                self.scans += 1
            return self._rows

    @staticmethod
    def usage(rows: Iterable[ProcRow]) -> tuple[list[ProcRow], float, float]:
        """Blocking: the rows still alive (the scan may be up to ``ttl_s`` old), their summed RSS
        bytes and CPU percent."""
        import psutil

        alive: list[ProcRow] = []
        rss = cpu = 0.0
        for row in rows:
            proc = row.handle
            try:
                with proc.oneshot():
                    if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                        continue
                    rss += proc.memory_info().rss
                    cpu += proc.cpu_percent(interval=None)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
            except psutil.AccessDenied:
                pass  # alive, but not ours to measure
            alive.append(row)
        return alive, rss, cpu


def look(p: ProcessParams, table: ProcessTable) -> Outcome:
    """Blocking: scan (or reuse the scan), match and measure."""
    rows = table.rows(cmdline=p.cmdline is not None, user=p.user is not None)
    alive, rss, cpu = table.usage(matches(p, rows, os.getpid()))
    return evaluate(p, [r.pid for r in alive], rss, cpu)


async def run(p: ProcessParams, ctx: CheckContext) -> Outcome:
    table = ctx.resources.shared("process.table", ProcessTable)
    return await ctx.in_thread(lambda: look(p, table))


KIND = CheckKind("process", parse, run)
