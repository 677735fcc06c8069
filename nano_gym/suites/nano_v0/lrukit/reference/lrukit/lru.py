"""Least-recently-used eviction."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Hashable, List, Optional

from .base import Cache, EvictionCallback

__all__ = ["LRUCache"]


class LRUCache(Cache):
    """A cache that evicts the entry that was used least recently.

    Reading an entry (``cache[key]``, ``get``, ``setdefault``) or overwriting
    it makes it the most recently used one.  ``key in cache`` and ``peek``
    leave the order alone.

    >>> cache = LRUCache(maxsize=2)
    >>> cache["a"] = 1
    >>> cache["b"] = 2
    >>> cache["a"]
    1
    >>> cache["c"] = 3          # evicts "b", the least recently used
    >>> sorted(cache)
    ['a', 'c']
    """

    def __init__(
        self,
        maxsize: Optional[int] = 128,
        *,
        getsizeof: Optional[Callable[[Any], int]] = None,
        on_evict: Optional[EvictionCallback] = None,
    ) -> None:
        super().__init__(maxsize, getsizeof=getsizeof, on_evict=on_evict)
        self._order: "OrderedDict[Hashable, None]" = OrderedDict()

    def recency(self) -> List[Hashable]:
        """Return the keys from least to most recently used."""
        with self._lock:
            self._check_all()
            return list(self._order)

    # -- policy hooks ----------------------------------------------------

    def _on_insert(self, key: Hashable) -> None:
        self._order[key] = None

    def _touch(self, key: Hashable) -> None:
        self._order.move_to_end(key)

    def _on_remove(self, key: Hashable) -> None:
        del self._order[key]

    def _on_clear(self) -> None:
        self._order.clear()

    def _victim(self) -> Hashable:
        return next(iter(self._order))
