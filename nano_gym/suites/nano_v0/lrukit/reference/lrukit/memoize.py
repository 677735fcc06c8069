"""Decorators that cache function and method results."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable, Hashable, Optional, TypeVar

from .base import Cache
from .keys import hashkey, methodkey, typedkey
from .lru import LRUCache
from .stats import CacheInfo
from .ttl import Timer, TTLCache

__all__ = ["memoize", "cachedmethod"]

F = TypeVar("F", bound=Callable[..., Any])
KeyFunc = Callable[..., Hashable]

_MISSING: Any = object()


def _call_cached(cache: Cache, key: Hashable, func: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    # The function runs without the cache's lock held, so a slow call does
    # not block other threads.  Two threads that miss on the same key at the
    # same time may therefore both call the function; the last result wins.
    value = func(*args, **kwargs)
    try:
        cache[key] = value
    except ValueError:
        # The value is larger than the whole cache: return it uncached.
        pass
    return value


def memoize(
    func: Optional[F] = None,
    *,
    maxsize: Optional[int] = 128,
    ttl: Optional[float] = None,
    timer: Timer = time.monotonic,
    typed: bool = False,
    key: Optional[KeyFunc] = None,
    cache: Optional[Cache] = None,
) -> Any:
    """Cache the results of a function.

    Usable bare or with options::

        @memoize
        def slow(x): ...

        @memoize(maxsize=1024, ttl=60)
        def fetch(url): ...

    :param maxsize: size of the cache (``None`` for unbounded).
    :param ttl: if given, results expire after *ttl* seconds (measured with
        *timer*) and a :class:`~lrukit.TTLCache` is used; otherwise an
        :class:`~lrukit.LRUCache`.
    :param typed: cache arguments of different types separately, so that
        ``f(1)`` and ``f(1.0)`` are distinct calls.
    :param key: a custom key function taking the call's arguments; cannot be
        combined with *typed*.
    :param cache: use this cache instead of creating one (*maxsize*, *ttl*
        and *timer* are then ignored).  Several functions may share a cache
        if their keys cannot collide.

    Exceptions raised by the function are not cached.  The decorated function
    gains the attributes ``cache``, ``cache_key(*args, **kwargs)``,
    ``cache_info()`` and ``cache_clear()``.
    """
    if key is not None and typed:
        raise TypeError("memoize(): pass either key= or typed=True, not both")
    keyfunc: KeyFunc = key if key is not None else (typedkey if typed else hashkey)

    def decorator(function: F) -> F:
        if cache is not None:
            store = cache
        elif ttl is not None:
            store = TTLCache(maxsize, ttl, timer=timer)
        else:
            store = LRUCache(maxsize)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return _call_cached(store, keyfunc(*args, **kwargs), function, args, kwargs)

        def cache_info() -> CacheInfo:
            """Return hit/miss counters and the size of the cache."""
            with store.lock:
                stats = store.stats
                return CacheInfo(stats.hits, stats.misses, store.maxsize, len(store))

        def cache_clear() -> None:
            """Empty the cache and reset its statistics."""
            with store.lock:
                store.clear()
                store.stats.reset()

        wrapper.cache = store  # type: ignore[attr-defined]
        wrapper.cache_key = keyfunc  # type: ignore[attr-defined]
        wrapper.cache_info = cache_info  # type: ignore[attr-defined]
        wrapper.cache_clear = cache_clear  # type: ignore[attr-defined]
        return functools.update_wrapper(wrapper, function)  # type: ignore[return-value]

    if func is not None:
        if not callable(func):
            raise TypeError("memoize() expects a callable or keyword options")
        return decorator(func)
    return decorator


def cachedmethod(
    cache: Callable[[Any], Optional[Cache]],
    *,
    key: KeyFunc = methodkey,
) -> Callable[[F], F]:
    """Cache the results of a method in a cache that belongs to the instance.

    *cache* is called with ``self`` and returns the cache to use, or ``None``
    to call the method uncached.  By default the key ignores ``self``, since
    every instance has its own cache::

        class Repo:
            def __init__(self):
                self._cache = LRUCache(maxsize=64)

            @cachedmethod(lambda self: self._cache)
            def lookup(self, name): ...
    """

    def decorator(method: F) -> F:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            store = cache(self)
            if store is None:
                return method(self, *args, **kwargs)
            return _call_cached(store, key(self, *args, **kwargs), method, (self,) + args, kwargs)

        wrapper.cache = cache  # type: ignore[attr-defined]
        wrapper.cache_key = key  # type: ignore[attr-defined]
        return functools.update_wrapper(wrapper, method)  # type: ignore[return-value]

    return decorator
