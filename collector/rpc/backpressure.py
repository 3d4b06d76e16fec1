"""Backpressure between stream handlers (asyncio) and the single ingest writer (a thread)."""

from __future__ import annotations

import asyncio

from collector.tsdb.ingest.writer import IngestWriter


class Backpressure:
    """Stream handlers wait here, on an asyncio condition, while the writer's queue is full.

    The writer reports freed room from its thread; the notification hops onto the loop, so a
    waiting handler wakes once per commit instead of polling.
    """

    def __init__(self, writer: IngestWriter) -> None:
        self._writer = writer
        self._cond: asyncio.Condition | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        writer.on_room(self._room)

    def _room(self) -> None:  # writer thread
        loop, cond = self._loop, self._cond
        if loop is not None and cond is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._notify_all(cond), loop)

    @staticmethod
    async def _notify_all(cond: asyncio.Condition) -> None:
        async with cond:
            cond.notify_all()

    async def wait(self) -> None:
        """Return once the writer accepts more (at once when it is not saturated)."""
        if not self._writer.saturated:
            return
        if self._cond is None:
            self._loop = asyncio.get_running_loop()
            self._cond = asyncio.Condition()
        async with self._cond:
            await self._cond.wait_for(lambda: not self._writer.saturated)
