"""Configurations are numbered before their sources are read (collector.rpc.agent_config).

A Hello's configuration is built in a worker thread while the stream is already live, so a push
for a change made meanwhile can reach the agent first. The agent keeps the higher generation
(``tests/agent_core/test_transport.py``); that is only right if the higher generation is also the
one that read the sources later — here the slow build that started first must number lower.
"""

from __future__ import annotations

import threading

from collector_functions.live import RecordingStream

from collector.rpc.agent_config import AgentConfigs
from collector.rpc.live import LiveStreams
from eus.v1 import eus_pb2


def test_a_build_that_started_first_numbers_lower_though_it_ends_last() -> None:
    live = LiveStreams()
    stream = RecordingStream(7)
    live.register(stream)
    configs = AgentConfigs(live)
    targets = ["old"]
    slow_read = threading.Event()
    release = threading.Event()

    def source(device_id: int) -> eus_pb2.AgentConfig:
        seen = list(targets)
        if threading.current_thread().name == "hello":
            slow_read.set()
            release.wait(10)
        return eus_pb2.AgentConfig(collector_interval_s=dict.fromkeys(seen, 1.0))

    configs.add_source("targets", source)
    built: list[eus_pb2.AgentConfig | None] = []
    hello = threading.Thread(target=lambda: built.append(configs.build(7)), name="hello")
    hello.start()
    assert slow_read.wait(10)
    targets.append("new")  # a change, pushed while the Hello's build is still reading
    assert configs.push(7)
    release.set()
    hello.join(10)

    (pushed,) = [m.config for m in stream.sent]
    (late,) = built
    assert late is not None
    assert set(pushed.collector_interval_s) == {"old", "new"}
    assert set(late.collector_interval_s) == {"old"}
    assert late.generation < pushed.generation  # so the agent drops the late, stale one


def test_an_empty_push_is_numbered_too() -> None:
    live = LiveStreams()
    stream = RecordingStream(3)
    live.register(stream)
    configs = AgentConfigs(live)
    configs.add_source("nothing", lambda device_id: None)
    assert configs.build(3) is None
    assert configs.push(3) and configs.push(3)
    first, second = (m.config for m in stream.sent)
    assert 0 < first.generation < second.generation
