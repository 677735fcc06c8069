"""lrukit: small, thread-safe in-memory caches.

>>> from lrukit import LRUCache, memoize
>>> cache = LRUCache(maxsize=2)
>>> cache["a"] = 1
>>> cache.get("a")
1

Caches:

* :class:`LRUCache` evicts the least recently used entry.
* :class:`LFUCache` evicts the least frequently used entry.
* :class:`FIFOCache` evicts the oldest entry.
* :class:`TTLCache` is an LRU cache whose entries also expire.

Decorators: :func:`memoize` for functions, :func:`cachedmethod` for methods
with a per-instance cache.  Key functions live in :mod:`lrukit.keys`.
"""

from .base import Cache, EvictionCallback
from .fifo import FIFOCache
from .keys import hashkey, methodkey, typedkey, typedmethodkey
from .lfu import LFUCache
from .lru import LRUCache
from .memoize import cachedmethod, memoize
from .stats import CacheInfo, CacheStats, StatsSnapshot
from .ttl import Timer, TTLCache

__version__ = "1.0.0"

__all__ = [
    "Cache",
    "CacheInfo",
    "CacheStats",
    "EvictionCallback",
    "FIFOCache",
    "LFUCache",
    "LRUCache",
    "StatsSnapshot",
    "TTLCache",
    "Timer",
    "cachedmethod",
    "hashkey",
    "memoize",
    "methodkey",
    "typedkey",
    "typedmethodkey",
]
