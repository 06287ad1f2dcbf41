"""Login rate limiting, in memory per server process: at most ``attempts`` failed logins
per user name, and ``4 × attempts`` per client address, within ``window_s`` seconds."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """Counts failed logins; :meth:`retry_after` says how long a login must wait (0 = go)."""

    def __init__(
        self,
        attempts: int = 5,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, name: str, address: str) -> tuple[tuple[str, int], ...]:
        return ((f"user:{name}", self.attempts), (f"addr:{address}", 4 * self.attempts))

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] >= self.window_s:
            times.popleft()
        return times

    def retry_after(self, name: str, address: str) -> int:
        """Whole seconds until ``name`` may try again from ``address`` (0: now)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(name, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, self.window_s - (now - times[-limit]))
        return int(wait) + (1 if wait > 0 else 0)

    def failed(self, name: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key, _ in self._keys(name, address):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{name}", None)
