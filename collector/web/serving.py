"""The dashboard's HTTP server: waitress on a thread of the collector, stopped cleanly.

waitress has no programmatic stop: its documented ``close()`` called from another thread
closes the sockets under the thread blocked in ``select()``, which then dies with
``OSError: [Errno 9] Bad file descriptor`` (Pylons/waitress#468; about one stop in twelve here) —
a traceback, and requests still running on the task threads while the databases close.
:class:`WebServer` runs waitress' own event loop one turn at a time on its thread, checks a
stop flag between turns and does the closing there: stop (from any thread) wakes the loop,
lets the requests in flight finish, closes every socket and joins the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer, create_server
from waitress.task import ThreadedTaskDispatcher

log = logging.getLogger(__name__)

# How long one turn of the loop may block when nothing wakes it: a stop from a thread the
# trigger cannot reach (several listening sockets) waits at most this long.
TURN_S = 0.2
DRAIN_S = 5.0  # how long requests in flight may take to finish once stopping
STOP_TIMEOUT_S = 15.0


class WebServer:
    """A WSGI app served by waitress on a thread named ``web`` from :meth:`start` to :meth:`stop`."""

    def __init__(self, app: Any, *, host: str, port: int, threads: int, ident: str = "eus") -> None:
        self._map: dict[int, Any] = {}  # waitress' socket map: the loop below turns it
        # poll(), not select(): select() takes no descriptor past 1,023, and a collector with
        # a thousand agents' streams open numbers its next browser connection past that, which
        # killed this thread (ValueError: filedescriptor out of range in select()).
        server = create_server(
            app, map=self._map, host=host, port=port, threads=threads, ident=ident, asyncore_use_poll=True
        )
        if not isinstance(server, TcpWSGIServer | MultiSocketServer):
            raise TypeError(f"expected a TCP server, got {type(server).__name__}")
        self._server = server
        if isinstance(server, MultiSocketServer):
            self._port = int(server.effective_listen[0][1])
        else:
            self._port = int(server.getsockname()[1])
        self._stopping = threading.Event()
        # Held while the trigger is pulled and while the sockets (the trigger's among them) are
        # closed: a pull racing the loop's own close would write to a closed descriptor (EBADF),
        # or to whatever file reused its number meanwhile.
        self._wake_lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="web", daemon=True)

    @property
    def port(self) -> int:
        """The port bound (the one the system chose when asked for port 0)."""
        return self._port

    @property
    def stopping(self) -> bool:
        """True from the moment :meth:`stop` is called."""
        return self._stopping.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> bool:
        """Stop accepting, let the requests in flight finish, close every socket; idempotent.
        False when the server's thread is still running after ``STOP_TIMEOUT_S`` (logged)."""
        self._stopping.set()
        if self._thread.ident is None:  # never started: nothing else uses the sockets
            self._close()
            return True
        if not isinstance(self._server, MultiSocketServer):
            with self._wake_lock:
                if not self._closed:  # wake the select() now rather than at the turn's end
                    self._server.pull_trigger()
        self._thread.join(STOP_TIMEOUT_S)
        if self._thread.is_alive():
            log.error("the web server did not stop within %.0f s", STOP_TIMEOUT_S)
            return False
        return True

    def _run(self) -> None:
        server, socket_map = self._server, self._map
        timeout = min(TURN_S, server.adj.asyncore_loop_timeout)
        tasks = server.task_dispatcher

        def turn() -> None:
            wasyncore.loop(timeout=timeout, map=socket_map, use_poll=server.adj.asyncore_use_poll, count=1)

        try:
            while not self._stopping.is_set():
                turn()
            # Drain: the requests running or queued, and the responses not yet sent, go out
            # through this loop.
            deadline = time.monotonic() + DRAIN_S
            while self._busy(tasks) and time.monotonic() < deadline:
                turn()
        finally:
            self._close()

    def _busy(self, tasks: ThreadedTaskDispatcher) -> bool:
        if tasks.active_count > 0 or tasks.queue:
            return True
        return any(isinstance(c, HTTPChannel) and c.total_outbufs_len > 0 for c in list(self._map.values()))

    def _close(self) -> None:
        self._server.task_dispatcher.shutdown()  # stops its threads (waits for a running request)
        with self._wake_lock:
            self._closed = True
            wasyncore.close_all(self._map)
