import lrukit


def test_evicts_oldest_entry():
    cache = lrukit.FIFOCache(maxsize=3)
    for key in "abcd":
        cache[key] = key
    assert list(cache) == ["b", "c", "d"]
    del cache["c"]
    assert cache.popitem() == ("b", "b")
    cache["e"] = "e"
    cache["f"] = "f"
    cache["g"] = "g"
    assert list(cache) == ["e", "f", "g"]


def test_reading_does_not_protect_from_eviction():
    cache = lrukit.FIFOCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    assert cache["a"] == 1
    assert cache.get("a") == 1
    assert cache.setdefault("a", 0) == 1
    cache["c"] = 3
    assert "a" not in cache
    assert sorted(cache) == ["b", "c"]


def test_overwrite_keeps_place_in_line():
    cache = lrukit.FIFOCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    cache["a"] = 10
    cache["c"] = 3
    assert sorted(cache) == ["b", "c"]


def test_stats_and_on_evict():
    evicted = []
    cache = lrukit.FIFOCache(maxsize=1, on_evict=lambda k, v: evicted.append((k, v)))
    cache["a"] = 1
    cache["b"] = 2
    cache["b"]
    cache.get("a")
    assert evicted == [("a", 1)]
    assert (cache.stats.hits, cache.stats.misses, cache.stats.evictions) == (1, 1, 1)
