"""The SNMP gateway's own asyncio loop, in one daemon thread: polling and the trap listener
live there; the rest of the agent talks to it through :meth:`LoopThread.submit`."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str = "eus-snmp") -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"the {self.name} loop did not start within {timeout:g} s")

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.loop.set_exception_handler(_quiet_late_responses)
        self._stopping = asyncio.Event()
        self._ready.set()
        await self._stopping.wait()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the loop; the future resolves in the caller's thread."""
        if self.loop is None or not self.running:
            coro.close()
            raise RuntimeError(f"the {self.name} loop is not running")
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return self.submit(coro).result(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        if self.loop is not None and self._stopping is not None and self.running:
            self.loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the %s loop did not stop within %g s", self.name, timeout)
            self._thread = None


def _quiet_late_responses(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A response that arrives after its pysnmp engine was closed (a target removed) is
    dropped by pysnmp with an exception in a loop callback: expected, not an error."""
    exc = context.get("exception")
    if exc is not None and type(exc).__name__ == "CarrierError" and "Unregistered transport" in str(exc):
        log.debug("an SNMP response arrived after its engine was closed")
        return
    loop.default_exception_handler(context)
