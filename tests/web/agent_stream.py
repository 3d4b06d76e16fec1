"""A connected agent for the web tests: a recording stream registered as live, behind the
dashboard's real ``AgentConfigs`` with the central functions' config source."""

from __future__ import annotations

from collector_functions.live import RecordingStream
from flask import Flask

from collector.functions.central import config_source
from collector.rpc.agent_config import AgentConfigs
from collector.rpc.live import LiveStreams
from collector.store.db import Store
from collector.web import functions_views


def connect(app: Flask, store: Store, device_id: int) -> RecordingStream:
    """``device_id``'s agent connected; what the dashboard pushes to it is in ``.sent``."""
    live = LiveStreams()
    recording = RecordingStream(device_id)
    live.register(recording)
    configs = AgentConfigs(live)
    configs.add_source("functions", config_source(store))
    functions_views.init_app(app, configs)
    return recording
