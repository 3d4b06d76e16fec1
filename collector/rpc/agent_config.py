"""What the collector tells each agent to do: centrally managed configuration.

Areas register a *source*: a function of the device id returning their part of
``AgentConfig`` (function checks, SNMP targets, the trap listener ...), or None. The
parts are merged and sent after every Hello, and again whenever an area calls
:meth:`AgentConfigs.push` because something changed.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable

from collector.rpc.live import LiveStreams
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

ConfigSource = Callable[[int], eus_pb2.AgentConfig | None]


class AgentConfigs:
    """The registry of config sources, and pushing to live streams."""

    def __init__(self, live: LiveStreams) -> None:
        self._live = live
        self._sources: list[tuple[str, ConfigSource]] = []
        self._generation = itertools.count(1)
        self._lock = threading.Lock()

    def add_source(self, name: str, source: ConfigSource) -> None:
        self._sources.append((name, source))

    def build(self, device_id: int) -> eus_pb2.AgentConfig | None:
        """The merged configuration for a device, or None when no source has anything.

        Called from worker threads (sources may query the store)."""
        config, found = self._snapshot(device_id)
        return config if found else None

    def push(self, device_id: int) -> bool:
        """Send the device its current configuration now, if it is connected."""
        config, _ = self._snapshot(device_id)  # an empty one too: "nothing central any more"
        return self._live.send(device_id, eus_pb2.CollectorMessage(config=config))

    def _snapshot(self, device_id: int) -> tuple[eus_pb2.AgentConfig, bool]:
        """The merged parts, numbered *before* the sources are read: of two snapshots built
        concurrently (a Hello's and a push after a change), the one with the higher generation
        read the sources later, so the agent keeps it whichever arrives last."""
        with self._lock:
            merged = eus_pb2.AgentConfig(generation=next(self._generation))
        found = False
        for name, source in self._sources:
            try:
                part = source(device_id)
            except Exception:
                log.exception("config source %s failed for device %d; sent without its part", name, device_id)
                continue
            if part is not None:
                merged.MergeFrom(part)
                found = True
        return merged, found

    def push_all(self) -> int:
        return sum(self.push(d) for d in self._live.device_ids())

    def send_command(self, device_id: int, command: eus_pb2.Command) -> bool:
        """Deliver a command to a connected agent; False when it is not connected."""
        return self._live.send(device_id, eus_pb2.CollectorMessage(command=command))
