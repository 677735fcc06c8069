"""Time-to-live expiration on top of LRU eviction."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Hashable, List, Optional, Tuple

from .base import EvictionCallback
from .lru import LRUCache

__all__ = ["TTLCache", "Timer"]

#: A zero-argument callable returning the current time in seconds.
Timer = Callable[[], float]


def _validate_ttl(ttl: float) -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be a number, not {type(ttl).__name__}")
    if not ttl > 0:
        raise ValueError("ttl must be positive")
    return ttl


class TTLCache(LRUCache):
    """An LRU cache whose entries also expire *ttl* seconds after being stored.

    An entry stored at time ``t`` is available while ``timer() < t + ttl``;
    from ``t + ttl`` on it is gone.  Overwriting an entry restarts its clock,
    reading it does not.  :meth:`set` accepts a per-entry ``ttl``.

    Expired entries are dropped lazily: when they are looked up, before a new
    entry is stored, and whenever the cache is sized or iterated.  Call
    :meth:`expire` to drop them explicitly.  Each expired entry counts in
    ``stats.expirations`` and is passed to the ``on_evict`` callback.

    :param maxsize: maximum total size, as for :class:`~lrukit.LRUCache`.
    :param ttl: default time-to-live in seconds (any positive number).
    :param timer: the clock, :func:`time.monotonic` by default.  Any
        zero-argument callable returning seconds as a number will do, which
        makes the cache easy to test with a fake clock.
    """

    def __init__(
        self,
        maxsize: Optional[int] = 128,
        ttl: float = 600,
        *,
        timer: Timer = time.monotonic,
        getsizeof: Optional[Callable[[Any], int]] = None,
        on_evict: Optional[EvictionCallback] = None,
    ) -> None:
        super().__init__(maxsize, getsizeof=getsizeof, on_evict=on_evict)
        self._ttl = _validate_ttl(ttl)
        self._timer = timer
        self._deadlines: Dict[Hashable, float] = {}

    @property
    def ttl(self) -> float:
        """The default time-to-live of new entries, in seconds."""
        return self._ttl

    @property
    def timer(self) -> Timer:
        """The clock used to compute expiration times."""
        return self._timer

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.set(key, value)

    def set(self, key: Hashable, value: Any, ttl: Optional[float] = None) -> None:
        """Store *value* under *key*, expiring after *ttl* seconds.

        *ttl* defaults to the cache's :attr:`ttl`.
        """
        ttl = self._ttl if ttl is None else _validate_ttl(ttl)
        with self._lock:
            now = self._timer()
            # Drop expired entries first so they make room before live ones
            # are evicted.
            self.expire(now)
            super().__setitem__(key, value)
            self._deadlines[key] = now + ttl

    def remaining(self, key: Hashable) -> float:
        """Return the seconds left before *key* expires; KeyError if absent."""
        with self._lock:
            self._check(key)
            try:
                deadline = self._deadlines[key]
            except KeyError:
                raise KeyError(key) from None
            return deadline - self._timer()

    def expire(self, now: Optional[float] = None) -> List[Tuple[Hashable, Any]]:
        """Drop every entry that has expired at time *now* (default: ``timer()``).

        Returns the expired ``(key, value)`` pairs, oldest deadline first.
        """
        with self._lock:
            if now is None:
                now = self._timer()
            expired = [
                (key, deadline)
                for key, deadline in self._deadlines.items()
                if deadline <= now
            ]
            expired.sort(key=lambda item: item[1])
            return [(key, self._expire_entry(key)) for key, _ in expired]

    # -- internals -----------------------------------------------------

    def _expire_entry(self, key: Hashable) -> Any:
        value = self._remove(key)
        self._stats.expirations += 1
        self._notify(key, value)
        return value

    def _check(self, key: Hashable) -> None:
        deadline = self._deadlines.get(key)
        if deadline is not None and deadline <= self._timer():
            self._expire_entry(key)

    def _check_all(self) -> None:
        self.expire()

    def _on_remove(self, key: Hashable) -> None:
        super()._on_remove(key)
        del self._deadlines[key]

    def _on_clear(self) -> None:
        super()._on_clear()
        self._deadlines.clear()
