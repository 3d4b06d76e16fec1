"""The dashboard's HTTP server stops cleanly: no dying thread, no request cut short.

waitress' own ``close()`` from another thread races its ``select()`` (Pylons/waitress#468):
about one stop in twelve killed the server thread with ``EBADF`` here.
"""

from __future__ import annotations

import logging
import resource
import socket
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Response
from waitress import wasyncore
from waitress.server import TcpWSGIServer

from collector.web.serving import WebServer

BIG = b"x" * (64 << 20)  # more than waitress buffers (16 MB): many turns of the loop to send
WAIT_S = 10.0
_HARD_FILES = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
CLOSE_WAIT_S = 1.0  # how long stop's pull waits for a close that must not come first


def _servers(thread_name: str | None) -> bool:
    """A thread of a :class:`WebServer`: its loop or one of waitress' request threads."""
    return thread_name is not None and (thread_name == "web" or thread_name.startswith("waitress-"))


@pytest.fixture
def thread_failures(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BaseException | None]]:
    """Every exception that ends a server thread, and every error logged on one, while the
    test runs (other tests' threads in this worker process are not this test's)."""
    failures: list[BaseException | None] = []

    def hook(args: threading.ExceptHookArgs) -> None:
        if _servers(args.thread.name if args.thread else None):
            failures.append(args.exc_value)

    monkeypatch.setattr(threading, "excepthook", hook)

    class Record(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR and _servers(record.threadName):
                failures.append(RuntimeError(record.getMessage()))

    handler = Record()
    logging.getLogger("waitress").addHandler(handler)
    yield failures
    logging.getLogger("waitress").removeHandler(handler)


def _app(
    release: threading.Event | None = None,
    entered: threading.Event | None = None,
    written: threading.Event | None = None,
) -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/big")
    def big() -> Response:
        assert entered is not None and release is not None and written is not None
        entered.set()
        assert release.wait(WAIT_S)
        resp = Response(BIG)
        resp.call_on_close(written.set)  # the request's task is done: the rest is in buffers
        return resp

    return app


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=WAIT_S).close()
    except ConnectionRefusedError:
        return True
    return False


def test_stopping_right_after_a_request_never_kills_the_server_thread(
    thread_failures: list[BaseException | None],
) -> None:
    app = _app()
    for _ in range(60):
        server = WebServer(app, host="127.0.0.1", port=0, threads=2)
        server.start()
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=WAIT_S) as resp:
            assert resp.read() == b"ok"
        assert server.stop()
        assert _refused(server.port)
    assert thread_failures == []


def test_a_wake_up_racing_the_loops_own_close_writes_to_an_open_trigger(
    thread_failures: list[BaseException | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI caught ``stop()`` failing with EBADF: between its check that the loop still ran and
    its pull of the trigger, the loop saw the stop flag, drained and closed every socket, the
    trigger's among them. Here stop's pull waits for the loop to have closed its sockets (at
    most CLOSE_WAIT_S: the close must wait for the pull instead, so it never comes), then pulls:
    the trigger must still be open, and the stop must succeed."""
    server = WebServer(_app(), host="127.0.0.1", port=0, threads=2)
    inner = server._server
    assert isinstance(inner, TcpWSGIServer)
    closed = threading.Event()
    close_all, pull = wasyncore.close_all, inner.pull_trigger

    def close_all_then_tell(*args: Any, **kwargs: Any) -> None:
        close_all(*args, **kwargs)
        closed.set()

    stopper = threading.current_thread()

    def pull_once_the_loop_closed() -> None:
        if threading.current_thread() is stopper:  # stop()'s pull; request threads pull too
            closed.wait(CLOSE_WAIT_S)
        pull()

    monkeypatch.setattr(wasyncore, "close_all", close_all_then_tell)
    inner.pull_trigger = pull_once_the_loop_closed  # type: ignore[method-assign]
    server.start()
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=WAIT_S) as resp:
        assert resp.read() == b"ok"
    assert server.stop()
    assert closed.is_set()
    assert _refused(server.port)
    assert thread_failures == []


def test_a_request_running_when_stop_is_called_gets_its_whole_response(
    thread_failures: list[BaseException | None],
) -> None:
    entered, release, written = threading.Event(), threading.Event(), threading.Event()
    server = WebServer(_app(release, entered, written), host="127.0.0.1", port=0, threads=2)
    server.start()
    got: list[bytes] = []

    def fetch() -> None:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/big", timeout=WAIT_S) as resp:
            first = resp.read(1)
            # A slow client: most of the body is still in the server's buffers when its
            # request's task ends.
            assert written.wait(WAIT_S)
            got.append(first + resp.read())

    client = threading.Thread(target=fetch)
    client.start()
    assert entered.wait(WAIT_S)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    # The request is still running (it waits for ``release``) when the stop begins.
    while not server.stopping:
        stopper.join(0.01)
    release.set()
    stopper.join(WAIT_S)
    client.join(WAIT_S)
    assert not stopper.is_alive() and not client.is_alive()
    assert got == [BIG]
    assert _refused(server.port)
    assert thread_failures == []


def test_stop_is_idempotent_and_needs_no_start() -> None:
    server = WebServer(_app(), host="127.0.0.1", port=0, threads=1)
    assert server.stop()
    assert server.stop()


@pytest.mark.skipif(
    _HARD_FILES != resource.RLIM_INFINITY and _HARD_FILES < 1200,
    reason=f"the hard limit on open files ({_HARD_FILES}) leaves no descriptor past 1,023",
)
def test_it_serves_connections_numbered_past_what_select_takes(
    thread_failures: list[BaseException | None],
) -> None:
    """A thousand agents' streams hold a thousand descriptors: the browser's connections come
    after them, numbered past select()'s 1,023, and must still be served."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard) if hard > 0 else 4096, hard))
    held = [socket.socket() for _ in range(1100)]  # the agents' streams, as far as numbers go
    try:
        assert max(h.fileno() for h in held) > 1024
        server = WebServer(_app(), host="127.0.0.1", port=0, threads=2)
        server.start()
        try:
            for _ in range(3):
                with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=WAIT_S) as r:
                    assert r.read() == b"ok"
        finally:
            assert server.stop()
    finally:
        for h in held:
            h.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert thread_failures == []
