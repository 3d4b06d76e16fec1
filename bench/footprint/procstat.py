"""What a process costs, read from /proc: RSS and PSS (smaps_rollup), CPU time (stat), and the
CPU time of its gRPC core threads (task/*/schedstat, by thread name)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Memory:
    rss_kb: int
    pss_kb: int


def parse_smaps_rollup(text: str) -> Memory:
    """Pure: ``Rss:`` and ``Pss:`` of /proc/<pid>/smaps_rollup, in kB."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key] = int(rest.split()[0])
    return Memory(values["Rss"], values["Pss"])


def parse_cpu_seconds(stat: str, children: bool = True) -> float:
    """Pure: utime + stime (+ cutime + cstime of reaped children) of /proc/<pid>/stat, seconds.

    The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    """
    fields = stat[stat.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): utime is field 14 -> index 11.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def memory(pid: int) -> Memory:
    return parse_smaps_rollup(Path(f"/proc/{pid}/smaps_rollup").read_text())


def cpu_seconds(pid: int) -> float:
    return parse_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())


# The threads grpc's C core starts, by the name it gives them (Python threads keep the
# process's name): the event engine's workers and their lifeguard, and the timer manager.
GRPC_CORE_THREADS = frozenset({"event_engine", "lifeguard", "grpc_global_tim"})


def grpc_core_cpu_seconds(pid: int) -> float:
    """CPU time so far of the process's live gRPC core threads (schedstat: nanoseconds)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if (task / "comm").read_text().strip() in GRPC_CORE_THREADS:
                total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # the thread ended between listing and reading
    return total / 1e9
