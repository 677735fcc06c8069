"""The :class:`Cache` base class shared by every eviction policy.

A cache is a mutable mapping with a maximum size.  Each entry has a size
(``1`` by default, or whatever ``getsizeof(value)`` returns) and the sum of
all sizes never exceeds ``maxsize``: inserting into a full cache first evicts
entries chosen by the cache's *policy*.

Subclasses implement a policy by overriding a handful of hooks, all of which
are called with the cache's lock held:

``_on_insert(key)``
    a new key was stored.
``_touch(key)``
    an existing key was read or overwritten.
``_on_remove(key)``
    a key was removed, for whatever reason.
``_on_clear()``
    every key was removed at once.
``_victim()``
    return the key that should be evicted next (the cache is never empty
    when this is called).

``_check(key)`` and ``_check_all()`` run before lookups and before sizing or
iterating the cache; :class:`~lrukit.ttl.TTLCache` uses them to drop expired
entries.
"""

from __future__ import annotations

import threading
from collections.abc import ItemsView, KeysView, ValuesView
from typing import (
    Any,
    Callable,
    Hashable,
    Iterator,
    List,
    MutableMapping,
    Optional,
    Tuple,
)

from .stats import CacheStats

__all__ = ["Cache", "EvictionCallback"]

#: Signature of ``on_evict`` callbacks: ``callback(key, value)``.
EvictionCallback = Callable[[Hashable, Any], None]

_MISSING: Any = object()


def _unit_size(value: Any) -> int:
    return 1


def _validate_maxsize(maxsize: Optional[int]) -> Optional[int]:
    if maxsize is None:
        return None
    if isinstance(maxsize, bool) or not isinstance(maxsize, int):
        raise TypeError(f"maxsize must be an int or None, not {type(maxsize).__name__}")
    if maxsize < 0:
        raise ValueError("maxsize must not be negative")
    return maxsize


class _CacheKeysView(KeysView):
    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._mapping)


class _CacheValuesView(ValuesView):
    def __iter__(self) -> Iterator[Any]:
        for _, value in self._mapping._snapshot():
            yield value

    def __contains__(self, value: object) -> bool:
        return any(v is value or v == value for _, v in self._mapping._snapshot())


class _CacheItemsView(ItemsView):
    def __iter__(self) -> Iterator[Tuple[Hashable, Any]]:
        return iter(self._mapping._snapshot())

    def __contains__(self, item: object) -> bool:
        key, value = item  # type: ignore[misc]
        found = self._mapping.peek(key, _MISSING)
        return found is not _MISSING and (found is value or found == value)


class Cache(MutableMapping):
    """Abstract base class for bounded, thread-safe mappings.

    :param maxsize: the maximum total size of the cache, or ``None`` for an
        unbounded cache.
    :param getsizeof: optional function returning the size of a value;
        by default every value has size ``1``, so ``maxsize`` is the maximum
        number of entries.
    :param on_evict: optional ``callback(key, value)`` called whenever an
        entry is evicted to make room or expires.  It is *not* called for
        explicit removals (``del``, ``pop``, ``popitem``, ``clear``).  The
        callback runs while the cache's (re-entrant) lock is held, so it may
        read the cache but should be quick.

    All public methods are safe to call from several threads.  Compound
    operations can be made atomic by holding :attr:`lock`::

        with cache.lock:
            if key not in cache:
                cache[key] = compute()

    Reading with ``cache[key]``, :meth:`get` or :meth:`setdefault` updates the
    statistics in :attr:`stats` and counts as a *use* of the entry for the
    eviction policy.  ``key in cache``, :meth:`peek`, iteration and the
    ``keys()``/``values()``/``items()`` views do neither.
    """

    def __init__(
        self,
        maxsize: Optional[int],
        *,
        getsizeof: Optional[Callable[[Any], int]] = None,
        on_evict: Optional[EvictionCallback] = None,
    ) -> None:
        self._maxsize = _validate_maxsize(maxsize)
        self._getsizeof = getsizeof if getsizeof is not None else _unit_size
        self._on_evict = on_evict
        self._data: dict = {}
        self._sizes: dict = {}
        self._currsize = 0
        self._stats = CacheStats()
        self._lock = threading.RLock()

    # -- introspection -------------------------------------------------

    @property
    def maxsize(self) -> Optional[int]:
        """The maximum total size of the cache (``None`` means unbounded)."""
        return self._maxsize

    @property
    def currsize(self) -> int:
        """The current total size of all entries."""
        with self._lock:
            self._check_all()
            return self._currsize

    @property
    def stats(self) -> CacheStats:
        """Hit, miss, eviction and expiration counters for this cache."""
        return self._stats

    @property
    def lock(self) -> threading.RLock:
        """The re-entrant lock guarding this cache."""
        return self._lock

    def getsizeof(self, value: Any) -> int:
        """Return the size that *value* would occupy in this cache."""
        return self._getsizeof(value)

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"{type(self).__name__}({self._data!r}, maxsize={self._maxsize!r}, "
                f"currsize={self._currsize!r})"
            )

    # -- mapping protocol ----------------------------------------------

    def __getitem__(self, key: Hashable) -> Any:
        with self._lock:
            self._check(key)
            try:
                value = self._data[key]
            except KeyError:
                self._stats.misses += 1
                raise KeyError(key) from None
            self._stats.hits += 1
            self._touch(key)
            return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        size = self._getsizeof(value)
        if size < 0:
            raise ValueError("getsizeof() returned a negative size")
        with self._lock:
            if self._maxsize is not None and size > self._maxsize:
                raise ValueError("value too large for this cache")
            self._check(key)
            if key in self._data:
                old_size = self._sizes[key]
                if self._fits(self._currsize - old_size + size):
                    self._data[key] = value
                    self._sizes[key] = size
                    self._currsize += size - old_size
                    return
                # The new value does not fit next to everything else; store
                # it as a fresh entry so that other entries are evicted first.
                self._remove(key)
            self._make_room(size)
            self._data[key] = value
            self._sizes[key] = size
            self._currsize += size
            self._on_insert(key)

    def __delitem__(self, key: Hashable) -> None:
        with self._lock:
            self._check(key)
            if key not in self._data:
                raise KeyError(key)
            self._remove(key)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._check(key)
            return key in self._data

    def __iter__(self) -> Iterator[Hashable]:
        with self._lock:
            self._check_all()
            keys = list(self._data)
        return iter(keys)

    def __len__(self) -> int:
        with self._lock:
            self._check_all()
            return len(self._data)

    def keys(self) -> KeysView:
        """Return a view of the keys; iterating it does not count as use."""
        return _CacheKeysView(self)

    def values(self) -> ValuesView:
        """Return a view of the values; iterating it does not count as use."""
        return _CacheValuesView(self)

    def items(self) -> ItemsView:
        """Return a view of the items; iterating it does not count as use."""
        return _CacheItemsView(self)

    # -- dict-like helpers ---------------------------------------------

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Return the value for *key*, or *default* if it is not cached.

        Counts as a hit or a miss and as a use of the entry.
        """
        with self._lock:
            self._check(key)
            try:
                value = self._data[key]
            except KeyError:
                self._stats.misses += 1
                return default
            self._stats.hits += 1
            self._touch(key)
            return value

    def peek(self, key: Hashable, default: Any = None) -> Any:
        """Return the value for *key* without touching statistics or recency."""
        with self._lock:
            self._check(key)
            return self._data.get(key, default)

    def pop(self, key: Hashable, default: Any = _MISSING) -> Any:
        """Remove *key* and return its value.

        If *key* is not cached, return *default* if given, otherwise raise
        :class:`KeyError`.  Removing an entry this way is not an eviction.
        """
        with self._lock:
            self._check(key)
            if key not in self._data:
                if default is _MISSING:
                    raise KeyError(key)
                return default
            return self._remove(key)

    def setdefault(self, key: Hashable, default: Any = None) -> Any:
        """Return the value for *key*, storing *default* first if it is missing."""
        with self._lock:
            self._check(key)
            if key in self._data:
                self._stats.hits += 1
                self._touch(key)
                return self._data[key]
            self._stats.misses += 1
            self[key] = default
            return default

    def popitem(self) -> Tuple[Hashable, Any]:
        """Remove and return the entry that would be evicted next.

        Raises :class:`KeyError` if the cache is empty.  Like :meth:`pop`,
        this is an explicit removal and is not counted as an eviction.
        """
        with self._lock:
            self._check_all()
            if not self._data:
                raise KeyError("popitem(): cache is empty")
            key = self._victim()
            return key, self._remove(key)

    def clear(self) -> None:
        """Remove every entry.  Statistics are kept; see ``stats.reset()``."""
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self._currsize = 0
            self._on_clear()

    def resize(self, maxsize: Optional[int]) -> None:
        """Change :attr:`maxsize`, evicting entries if the cache shrinks."""
        maxsize = _validate_maxsize(maxsize)
        with self._lock:
            self._maxsize = maxsize
            self._make_room(0)

    # -- internals -----------------------------------------------------

    def _fits(self, total: int) -> bool:
        return self._maxsize is None or total <= self._maxsize

    def _snapshot(self) -> List[Tuple[Hashable, Any]]:
        with self._lock:
            self._check_all()
            return list(self._data.items())

    def _make_room(self, size: int) -> None:
        while self._data and not self._fits(self._currsize + size):
            self._evict_one()

    def _evict_one(self) -> None:
        key = self._victim()
        value = self._remove(key)
        self._stats.evictions += 1
        self._notify(key, value)

    def _notify(self, key: Hashable, value: Any) -> None:
        if self._on_evict is not None:
            self._on_evict(key, value)

    def _remove(self, key: Hashable) -> Any:
        value = self._data.pop(key)
        self._currsize -= self._sizes.pop(key)
        self._on_remove(key)
        return value

    # -- hooks -----------------------------------------------------------

    def _check(self, key: Hashable) -> None:
        """Called before *key* is looked up; may drop a stale entry."""

    def _check_all(self) -> None:
        """Called before the cache is sized or iterated."""

    def _on_insert(self, key: Hashable) -> None:
        """A new *key* was stored."""

    def _touch(self, key: Hashable) -> None:
        """An existing *key* was used (read or overwritten)."""

    def _on_remove(self, key: Hashable) -> None:
        """*key* was removed from the cache."""

    def _on_clear(self) -> None:
        """Every key was removed from the cache."""

    def _victim(self) -> Hashable:
        """Return the key to evict next."""
        raise NotImplementedError(f"{type(self).__name__} does not define an eviction policy")
