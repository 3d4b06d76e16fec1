"""Every built-in collector, imported by name: adding a collector is its file plus one line here.

Importing this module fills ``agent.collectors.default_registry``; ``build_collectors`` imports it
when it is called, so nothing registers as a side effect of importing the package itself.
"""

from __future__ import annotations

from agent.collectors import cpu, disk, diskio, host, load, memory, netio, processes, swap

__all__ = ["cpu", "disk", "diskio", "host", "load", "memory", "netio", "processes", "swap"]
