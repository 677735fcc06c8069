"""Least-frequently-used eviction."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Dict, Hashable, Optional

from .base import Cache, EvictionCallback

__all__ = ["LFUCache"]


class LFUCache(Cache):
    """A cache that evicts the entry that was used least often.

    Every entry starts with a use count of ``1`` when it is stored; reading
    it (``cache[key]``, ``get``, ``setdefault``) or overwriting it adds one.
    When several entries share the lowest count, the one that reached that
    count first is evicted.

    All operations are O(1): entries are kept in one insertion-ordered bucket
    per use count, and the lowest non-empty count is tracked as entries move
    between buckets.
    """

    def __init__(
        self,
        maxsize: Optional[int] = 128,
        *,
        getsizeof: Optional[Callable[[Any], int]] = None,
        on_evict: Optional[EvictionCallback] = None,
    ) -> None:
        super().__init__(maxsize, getsizeof=getsizeof, on_evict=on_evict)
        self._counts: Dict[Hashable, int] = {}
        self._buckets: Dict[int, "OrderedDict[Hashable, None]"] = {}
        self._min_count = 0

    def frequency(self, key: Hashable) -> int:
        """Return how many times *key* has been used; raise KeyError if absent.

        Does not itself count as a use.
        """
        with self._lock:
            self._check(key)
            try:
                return self._counts[key]
            except KeyError:
                raise KeyError(key) from None

    # -- bucket bookkeeping ------------------------------------------------

    def _link(self, key: Hashable, count: int) -> None:
        self._counts[key] = count
        bucket = self._buckets.get(count)
        if bucket is None:
            bucket = self._buckets[count] = OrderedDict()
        bucket[key] = None

    def _unlink(self, key: Hashable, count: int) -> None:
        bucket = self._buckets[count]
        del bucket[key]
        if not bucket:
            del self._buckets[count]

    # -- policy hooks ------------------------------------------------------

    def _on_insert(self, key: Hashable) -> None:
        self._link(key, 1)
        self._min_count = 1

    def _touch(self, key: Hashable) -> None:
        count = self._counts[key]
        self._unlink(key, count)
        if count == self._min_count and count not in self._buckets:
            self._min_count = count + 1
        self._link(key, count + 1)

    def _on_remove(self, key: Hashable) -> None:
        count = self._counts.pop(key)
        self._unlink(key, count)

    def _on_clear(self) -> None:
        self._counts.clear()
        self._buckets.clear()
        self._min_count = 0

    def _victim(self) -> Hashable:
        return next(iter(self._buckets[self._min_count]))
