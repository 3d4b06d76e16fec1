"""What the agent knows about its host, sent in ``Hello`` and ``EnrollRequest`` (informational)."""

from __future__ import annotations

import logging
import os
import platform
import socket
from pathlib import Path

from eus.v1 import eus_pb2

log = logging.getLogger(__name__)


def _os_version(os_release: Path = Path("/etc/os-release")) -> str:
    """PRETTY_NAME from os-release on Linux, else what :mod:`platform` reports."""
    try:
        for line in os_release.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key == "PRETTY_NAME":
                return value.strip().strip('"')
    except OSError:
        pass
    return platform.version()


def host_facts() -> eus_pb2.HostFacts:
    """Collect the host facts; a fact that cannot be read is left empty, never fatal."""
    facts = eus_pb2.HostFacts(
        hostname=socket.gethostname(),
        os=platform.system(),
        os_version=_os_version(),
        kernel=platform.release(),
        arch=platform.machine(),
        cpu_count=os.cpu_count() or 0,
    )
    try:
        import psutil

        facts.boot_time_ms = int(psutil.boot_time() * 1000)
        facts.memory_bytes = psutil.virtual_memory().total
    except Exception as exc:  # noqa: BLE001 - facts are informational; say why and go on
        log.debug("host facts from psutil unavailable: %s", exc)
    return facts
