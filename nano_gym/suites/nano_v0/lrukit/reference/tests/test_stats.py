from lrukit import CacheStats, LRUCache, StatsSnapshot, TTLCache


def test_initial_stats():
    stats = CacheStats()
    assert (stats.hits, stats.misses, stats.evictions, stats.expirations) == (0, 0, 0, 0)
    assert stats.hit_rate == 0.0
    assert stats.lookups == 0


def test_hit_rate():
    cache = LRUCache(maxsize=2)
    cache["a"] = 1
    cache["a"]
    cache["a"]
    cache.get("b")
    assert cache.stats.lookups == 3
    assert cache.stats.hit_rate == 2 / 3


def test_reset():
    cache = LRUCache(maxsize=1)
    cache["a"] = 1
    cache["b"] = 2
    cache["b"]
    cache.get("a")
    cache.stats.reset()
    assert cache.stats == CacheStats()


def test_snapshot_is_immutable_copy():
    cache = LRUCache(maxsize=1)
    cache["a"] = 1
    cache["a"]
    snap = cache.stats.snapshot()
    cache["a"]
    assert isinstance(snap, StatsSnapshot)
    assert snap.hits == 1
    assert cache.stats.hits == 2
    assert snap.hit_rate == 1.0


def test_snapshot_counts_evictions():
    cache = LRUCache(maxsize=1)
    cache["a"] = 1
    cache["b"] = 2
    cache.get("a")
    assert cache.stats.snapshot() == StatsSnapshot(hits=0, misses=1, evictions=1, expirations=0)


def test_snapshot_includes_expirations(clock):
    cache = TTLCache(maxsize=5, ttl=1, timer=clock)
    cache["a"] = 1
    cache["b"] = 2
    clock.advance(1)
    cache.expire()
    snap = cache.stats.snapshot()
    assert snap.expirations == 2
    assert snap == StatsSnapshot(hits=0, misses=0, evictions=0, expirations=2)


def test_repr():
    stats = CacheStats()
    stats.hits = 3
    assert repr(stats) == "CacheStats(hits=3, misses=0, evictions=0, expirations=0)"
