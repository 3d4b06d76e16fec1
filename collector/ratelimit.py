"""A sliding-window rate limit per key, in memory, with a bounded number of keys.

:func:`decide` is the pure rule (at most ``limit`` attempts in any ``window_s``);
:class:`RateLimiter` keeps the timestamps behind a lock. Used by enrollment, where one
address or one token must not be able to make the collector work (or write) without end.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether an attempt may go ahead; ``first_refusal`` marks the start of a refused run
    (log it once, not for every attempt)."""

    allowed: bool
    first_refusal: bool = False


def decide(stamps: deque[float], now: float, limit: int, window_s: float) -> bool:
    """Drop stamps older than the window from ``stamps``; True if one more attempt fits."""
    while stamps and stamps[0] <= now - window_s:
        stamps.popleft()
    return len(stamps) < limit


class RateLimiter:
    """At most ``limit`` attempts per key in any ``window_s`` seconds."""

    def __init__(
        self,
        limit: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._stamps: dict[Hashable, deque[float]] = {}
        self._refusing: set[Hashable] = set()
        self._lock = threading.Lock()

    def attempt(self, key: Hashable) -> Decision:
        """Count an attempt for ``key`` if it is allowed; refused attempts are not counted,
        so a refused run ends one window after the last allowed attempt."""
        now = self._clock()
        with self._lock:
            stamps = self._stamps.get(key)
            if stamps is None:
                if len(self._stamps) >= self._max_keys:
                    self._shrink(now)
                stamps = self._stamps[key] = deque()
            if decide(stamps, now, self.limit, self.window_s):
                stamps.append(now)
                self._refusing.discard(key)
                return Decision(allowed=True)
            first = key not in self._refusing
            self._refusing.add(key)
            return Decision(allowed=False, first_refusal=first)

    def _shrink(self, now: float) -> None:
        """Drop keys with nothing in the window, then the stalest half (lock held)."""
        for key in [k for k, st in self._stamps.items() if not st or st[-1] <= now - self.window_s]:
            del self._stamps[key]
            self._refusing.discard(key)
        if len(self._stamps) >= self._max_keys:
            for key in sorted(self._stamps, key=lambda k: self._stamps[k][-1])[: self._max_keys // 2]:
                del self._stamps[key]
                self._refusing.discard(key)
