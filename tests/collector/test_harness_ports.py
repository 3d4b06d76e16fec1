"""The test harness survives losing the free-port race (a flake seen in CI)."""

from __future__ import annotations

import socket
from pathlib import Path

from support.procs import CollectorProc, eus


def test_a_first_start_whose_port_was_taken_tries_fresh_ports(tmp_path: Path) -> None:
    data = tmp_path / "collector"
    eus(data, "init", "--admin", "admin")
    proc = CollectorProc(data)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc.web_port = taken.getsockname()[1]  # what another process grabbed meanwhile
        proc.start()
        try:
            assert proc.web_port != taken.getsockname()[1]
            assert "Address already in use" in proc.log_path.read_text()
        finally:
            proc.stop()
