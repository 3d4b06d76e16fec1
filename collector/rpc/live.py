"""The streams open right now, one per device, and when each device was last heard."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from eus.v1 import eus_pb2


class LiveStream(Protocol):
    device_id: int

    def kick(self, code_name: str, message: str) -> None:
        """End the stream with a gRPC status (thread-safe)."""

    def send(self, message: eus_pb2.CollectorMessage) -> None:
        """Queue a message to the agent (thread-safe)."""


class LiveStreams:
    """Thread-safe registry; a new stream of the same device replaces (and kicks) the old one."""

    def __init__(self) -> None:
        self._streams: dict[int, LiveStream] = {}
        self._last_seen: dict[int, float] = {}
        self._lock = threading.Lock()

    def register(self, stream: LiveStream) -> None:
        with self._lock:
            old = self._streams.get(stream.device_id)
            self._streams[stream.device_id] = stream
            self._last_seen[stream.device_id] = time.time()
        if old is not None and old is not stream:
            old.kick("ABORTED", "replaced by a newer stream from the same agent")

    def unregister(self, stream: LiveStream) -> bool:
        """Remove ``stream``; False when a newer stream of the device has taken its place."""
        with self._lock:
            if self._streams.get(stream.device_id) is stream:
                del self._streams[stream.device_id]
                return True
            return False

    def is_current(self, stream: LiveStream) -> bool:
        with self._lock:
            return self._streams.get(stream.device_id) is stream

    def seen(self, device_id: int) -> None:
        self._last_seen[device_id] = time.time()

    def take_last_seen(self) -> dict[int, float]:
        with self._lock:
            seen, self._last_seen = self._last_seen, {}
            return seen

    def device_ids(self) -> list[int]:
        with self._lock:
            return list(self._streams)

    def kick(self, device_id: int, code_name: str, message: str) -> bool:
        with self._lock:
            stream = self._streams.get(device_id)
        if stream is None:
            return False
        stream.kick(code_name, message)
        return True

    def kick_all(self, code_name: str, message: str) -> int:
        """End every live stream with a gRPC status; returns how many."""
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            stream.kick(code_name, message)
        return len(streams)

    def send(self, device_id: int, message: eus_pb2.CollectorMessage) -> bool:
        """Queue ``message`` on the device's live stream; False when it has none."""
        with self._lock:
            stream = self._streams.get(device_id)
        if stream is None:
            return False
        stream.send(message)
        return True
