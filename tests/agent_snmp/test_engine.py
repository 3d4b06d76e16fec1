"""One unreachable device (a black-hole port) and one very slow device (snmpsim answering
after seconds) must not delay the other devices' polls.

"Delay" is checked as the engine's own property, not as wall-clock closeness (which a busy
machine breaks): every slot the engine's two lanes hand out is recorded, and once a device
has shown itself bad it never holds a slot of the lane the healthy devices poll in, so no
healthy poll ever waits behind it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from agent.snmp.engine import PollEngine
from agent_snmp.harness import Harness, v2c
from agent_snmp.peers import FIXTURES, BlackHole, Snmpsim
from eus.v1 import eus_pb2

INTERVAL = 2.0
SLOW_WAIT_MS = 2500  # every request of the slow device takes this long (> INTERVAL)
GOOD = ["printer", "apc-smart-ups", "eaton-93e-80", "cisco-c3560"]
BAD = ["snmp-hole", "snmp-slow"]


@dataclass(frozen=True)
class Hold:
    """One slot a lane handed out, and to which target."""

    target: str
    lane: str


class RecordingLane(asyncio.Semaphore):
    """Wraps one of the engine's lanes and records every slot it hands out."""

    def __init__(self, inner: asyncio.Semaphore, name: str, holds: list[Hold]) -> None:
        super().__init__(1)
        self._inner, self._name, self._holds = inner, name, holds

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        await self._inner.acquire()
        self._holds.append(Hold(task.get_name().removeprefix("snmp:"), self._name))

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._inner.release()


@pytest.fixture
def lanes(monkeypatch: pytest.MonkeyPatch) -> list[Hold]:
    """Every slot taken in the lanes of the engines created during the test."""
    holds: list[Hold] = []
    original = PollEngine.__init__

    def recording_init(self: PollEngine, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._lane = RecordingLane(self._lane, "fast", holds)
        self._slow_lane = RecordingLane(self._slow_lane, "slow", holds)

    monkeypatch.setattr(PollEngine, "__init__", recording_init)
    return holds


@pytest.fixture
def slow_device(tmp_path: Path) -> Iterator[Snmpsim]:
    """Its own snmpsim (the delay module blocks the whole simulator while it waits)."""
    sim = Snmpsim(tmp_path / "slow")
    sim.add_recording(
        FIXTURES / "printer-color-laser.snmprec",
        "slow",
        replace={"1.3.6.1.2.1.1.3.0": f"67:delay|value=8640000,wait={SLOW_WAIT_MS}"},
    )
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def test_bad_devices_do_not_delay_the_others(
    snmpsim: Snmpsim, slow_device: Snmpsim, gateway: Callable[..., Harness], lanes: list[Hold]
) -> None:
    hole = BlackHole()
    try:
        h = gateway(
            {
                "max_concurrency": 2,
                "targets": [
                    v2c("snmp-hole", hole.port, "public", interval_s=INTERVAL, timeout_s=1),
                    v2c("snmp-slow", slow_device.port, "slow", interval_s=INTERVAL, timeout_s=4),
                    *(v2c(f"snmp-{name}", snmpsim.port, name, interval_s=INTERVAL) for name in GOOD),
                ],
            }
        )
        for name in GOOD:
            h.wait_polls(f"snmp-{name}:reachability", 8, 120)
        h.stop()
    finally:
        hole.close()

    for name in GOOD:
        polls = h.functions(f"snmp-{name}:reachability")
        assert all(p.status == eus_pb2.HEALTH_OK for p in polls), [p.message for p in polls]
    holes = h.functions("snmp-hole:reachability")
    assert holes and all(p.message.startswith("timeout: no response from 127.0.0.1") for p in holes)
    slow = h.functions("snmp-slow:reachability")
    assert slow and slow[-1].status == eus_pb2.HEALTH_OK, [p.message for p in slow]
    assert min(p.duration_s for p in slow) > INTERVAL  # it really was slower than its interval

    for bad in BAD:
        mine = [x for x in lanes if x.target == bad]
        assert len(mine) >= 2, f"{bad} was polled again after its first poll"
        # Its first poll showed it bad (a timeout, or slower than half its interval): from then
        # on it only queues in the slow lane, so it never holds a slot a healthy poll waits for.
        assert [x.lane for x in mine[1:]] == ["slow"] * (len(mine) - 1), [x.lane for x in mine]
    for name in GOOD:  # the healthy devices did poll through the recorded lanes
        assert len([x for x in lanes if x.target == f"snmp-{name}"]) >= 8
