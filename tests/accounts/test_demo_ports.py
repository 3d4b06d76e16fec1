"""``make demo`` takes its ports from ``--<name>-port`` or the ``EUS_<NAME>_PORT`` variables
(the flag wins), refuses a port asked for that is taken or out of range with one line, and
otherwise uses the usual port or, when that is taken, any free one."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from collector.demo import choose_ports, main
from eus.settings import ConfigError


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture
def taken() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_flags_win_over_variables_and_variables_over_the_usual_ports() -> None:
    a, b, c, d = free_ports(4)
    env = {"EUS_WEB_PORT": str(a), "EUS_STREAM_PORT": str(b), "EUS_ENROLL_PORT": str(c), "HOME": "/x"}
    assert choose_ports({}, env) == {"stream": b, "enroll": c, "web": a}
    assert choose_ports({"web": d}, env) == {"stream": b, "enroll": c, "web": d}


def test_a_port_asked_for_and_taken_is_refused_an_unasked_one_moves(taken: int) -> None:
    with pytest.raises(RuntimeError, match=f"port {taken} \\(the web port asked for\\) is in use"):
        choose_ports({}, {"EUS_WEB_PORT": str(taken)})
    with pytest.raises(RuntimeError, match=f"port {taken} \\(the stream port"):
        choose_ports({"stream": taken}, {})
    with socket.socket() as usual:
        with contextlib.suppress(OSError):  # taken already: the demo must move either way
            usual.bind(("127.0.0.1", 8080))
        assert choose_ports({}, {})["web"] != 8080


def test_a_bad_value_is_one_line() -> None:
    with pytest.raises(ConfigError, match=r"^EUS_WEB_PORT=70000 \(environment\): must be 1\.\.65535$"):
        choose_ports({}, {"EUS_WEB_PORT": "70000"})
    with pytest.raises(ConfigError, match=r"^EUS_STREAM_PORT=eighty"):
        choose_ports({}, {"EUS_STREAM_PORT": "eighty"})


def test_the_command_prints_the_refusal_and_exits_2(taken: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", "/nonexistent/demo", "--web-port", str(taken)]) == 2
    assert (
        capsys.readouterr().out.strip()
        == f"demo: port {taken} (the web port asked for) is in use on 127.0.0.1"
    )
    helped = subprocess.run(
        [sys.executable, "-m", "collector.demo", "--help"], capture_output=True, text=True, check=True
    )
    assert "--web-port" in helped.stdout and "EUS_WEB_PORT" in helped.stdout
