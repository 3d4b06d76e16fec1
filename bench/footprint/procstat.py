"""What a process costs, read from /proc: RSS and PSS (smaps_rollup), CPU time (stat)."""

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
