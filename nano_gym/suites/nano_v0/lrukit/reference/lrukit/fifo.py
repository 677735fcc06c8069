"""First-in, first-out eviction."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Hashable, Optional

from .base import Cache, EvictionCallback

__all__ = ["FIFOCache"]


class FIFOCache(Cache):
    """A cache that evicts the entry that was stored first.

    Reading an entry does not protect it from eviction, and neither does
    overwriting its value: an entry keeps its place in line until it is
    removed.  This makes the eviction order independent of the access
    pattern, which is useful when entries simply go stale with age.

    >>> cache = FIFOCache(maxsize=2)
    >>> cache["a"] = 1
    >>> cache["b"] = 2
    >>> cache["a"]
    1
    >>> cache["c"] = 3          # evicts "a", the oldest entry
    >>> sorted(cache)
    ['b', 'c']
    """

    def __init__(
        self,
        maxsize: Optional[int] = 128,
        *,
        getsizeof: Optional[Callable[[Any], int]] = None,
        on_evict: Optional[EvictionCallback] = None,
    ) -> None:
        super().__init__(maxsize, getsizeof=getsizeof, on_evict=on_evict)
        self._queue: "OrderedDict[Hashable, None]" = OrderedDict()

    # -- policy hooks ----------------------------------------------------

    def _on_insert(self, key: Hashable) -> None:
        self._queue[key] = None

    def _on_remove(self, key: Hashable) -> None:
        del self._queue[key]

    def _on_clear(self) -> None:
        self._queue.clear()

    def _victim(self) -> Hashable:
        return next(iter(self._queue))
