"""Failed-login throttling: a sliding window of failures per key, kept in memory.

Keys are (address, username) and address alone, so one address cannot guess many
passwords for one user nor sweep many users. The collector is a single process, so memory
is the right place; a restart forgets, which only ever helps a legitimate user.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

# An address may fail this many times more than a single (address, user) key before the
# address as a whole is held back.
ADDRESS_FACTOR = 4


class LoginThrottle:
    """Refuses attempts after ``max_failures`` failures within ``window_s`` seconds."""

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(address: str, username: str) -> list[tuple[tuple[str, str], int]]:
        return [((address, username.lower()), 1), ((address, ""), ADDRESS_FACTOR)]

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        stamps = self._failures.get(key)
        if stamps is None:
            return deque()
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
        return stamps

    def retry_after(self, address: str, username: str) -> float:
        """Seconds until an attempt is allowed again; 0 when it is allowed now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key, factor in self._keys(address, username):
                stamps = self._recent(key, now)
                if len(stamps) >= self.max_failures * factor:
                    wait = max(wait, stamps[0] + self.window_s - now)
        return wait

    def record_failure(self, address: str, username: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= self._max_keys:
                # Bounded memory under a spray of addresses: forget the stalest keys.
                for key in sorted(self._failures, key=lambda k: self._failures[k][-1])[: self._max_keys // 2]:
                    del self._failures[key]
            for key, _factor in self._keys(address, username):
                self._failures.setdefault(key, deque()).append(now)

    def record_success(self, address: str, username: str) -> None:
        """A good password clears that user's failures from that address."""
        with self._lock:
            self._failures.pop((address, username.lower()), None)
