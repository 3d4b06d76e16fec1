"""Waiting in tests: for a condition (bounded, never a bare sleep), for what a stream recorded,
and for free loopback ports.

Tests on a busy machine must wait on events with a generous bound and then assert a property,
never sleep a fixed time and hope: :func:`wait_for` polls a predicate until it holds, and
:class:`Recording` wakes its waiters on every item, so nothing polls at all.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def wait_for(
    predicate: Callable[[], object], timeout: float = 10.0, what: str = "a condition", interval: float = 0.1
) -> None:
    """Poll ``predicate()`` until true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    if predicate():  # one last look: a loaded machine may have slept past the deadline
        return
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the caller binds it soon after)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Recording(Generic[T]):
    """What a stream delivered, from any thread, in order; waiters wake on every new item."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: list[T] = []

    def append(self, item: T) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def items(self) -> list[T]:
        """A copy of everything recorded so far."""
        with self._cond:
            return list(self._items)

    def wait_for(self, predicate: Callable[[list[T]], bool], timeout: float, what: str) -> list[T]:
        """Block until ``predicate(items)`` holds and return the items; fail after ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self._items), timeout):
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
            return list(self._items)
