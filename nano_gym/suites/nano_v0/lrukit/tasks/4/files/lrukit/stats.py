"""Cache statistics.

Every cache owns a :class:`CacheStats` instance that it updates while holding
its lock.  Reading the counters directly is fine for quick checks; use
:meth:`CacheStats.snapshot` to get an immutable, consistent copy.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

__all__ = ["CacheInfo", "CacheStats", "StatsSnapshot"]


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


class StatsSnapshot(NamedTuple):
    """An immutable copy of a cache's counters at one point in time."""

    hits: int
    misses: int
    evictions: int
    expirations: int = 0

    @property
    def lookups(self) -> int:
        """Total number of lookups (hits + misses)."""
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        """Fraction of lookups that were hits, ``0.0`` when nothing was looked up."""
        return _ratio(self.hits, self.lookups)


class CacheInfo(NamedTuple):
    """Summary returned by ``cache_info()`` on memoized functions.

    Mirrors :func:`functools.lru_cache`'s ``cache_info()``.
    """

    hits: int
    misses: int
    maxsize: Optional[int]
    currsize: int


class CacheStats:
    """Mutable hit/miss/eviction/expiration counters.

    ``hits`` and ``misses`` count lookups through ``cache[key]``, ``get`` and
    ``setdefault``.  ``evictions`` counts entries removed to make room for new
    ones (or because the cache was resized), ``expirations`` counts entries
    dropped because their time-to-live ran out.  Explicit removals (``del``,
    ``pop``, ``popitem``, ``clear``) are not counted.
    """

    __slots__ = ("hits", "misses", "evictions", "expirations")

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.expirations = 0

    @property
    def lookups(self) -> int:
        """Total number of lookups (hits + misses)."""
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        """Fraction of lookups that were hits, ``0.0`` when nothing was looked up."""
        return _ratio(self.hits, self.lookups)

    def reset(self) -> None:
        """Set every counter back to zero."""
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.expirations = 0

    def snapshot(self) -> StatsSnapshot:
        """Return the current counters as an immutable :class:`StatsSnapshot`."""
        return StatsSnapshot(
            hits=self.hits,
            misses=self.misses,
            evictions=self.evictions,
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CacheStats):
            return self.snapshot() == other.snapshot()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return (
            f"CacheStats(hits={self.hits}, misses={self.misses}, "
            f"evictions={self.evictions}, expirations={self.expirations})"
        )
