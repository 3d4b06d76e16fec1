"""A TCP proxy that counts the payload bytes passing each way (TLS records included, TCP/IP
headers not): put between the agent and the collector's stream port, it measures exactly what
the agent puts on the wire."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Counts:
    """Bytes client->server (``up``) and server->client (``down``), and when ``up`` grew."""

    up: int = 0
    down: int = 0
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    timeline: list[tuple[float, int]] = field(default_factory=list)  # (unix time, up so far)

    def add(self, up: int = 0, down: int = 0) -> None:
        with self.lock:
            self.up += up
            self.down += down
            if up:
                self.timeline.append((time.time(), self.up))

    def up_since(self, t: float) -> int:
        """Bytes sent up after unix time ``t``."""
        with self.lock:
            before = max((n for ts, n in self.timeline if ts <= t), default=0)
            return self.up - before


class CountingProxy:
    """Listens on 127.0.0.1:<port>, forwards to ``target``; runs an asyncio loop in a thread."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.counts = Counts()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="counting-proxy", daemon=True)

    def start(self) -> CountingProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("proxy did not start")
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is not None and server is not None:
            loop.call_soon_threadsafe(server.close)
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counts.add()
        with self.counts.lock:
            self.counts.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, up_writer, up=True),
            self._pipe(up_reader, writer, up=False),
            return_exceptions=True,
        )

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, up: bool) -> None:
        try:
            while data := await src.read(65536):
                self.counts.add(up=len(data)) if up else self.counts.add(down=len(data))
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                dst.close()
