"""The sending side of a live agent stream, recording what the collector queues to it.

The real stream (``collector.rpc.stream_service``) is exercised end to end in
``tests/e2e/test_inventory_e2e.py``; here only the messages matter.
"""

from __future__ import annotations

from eus.v1 import eus_pb2


class RecordingStream:
    """A live stream's sending side, recording what the collector queues to the agent."""

    def __init__(self, device_id: int) -> None:
        self.device_id = device_id
        self.sent: list[eus_pb2.CollectorMessage] = []

    def kick(self, code_name: str, message: str) -> None:
        raise AssertionError("not expected")

    def send(self, message: eus_pb2.CollectorMessage) -> None:
        self.sent.append(message)
