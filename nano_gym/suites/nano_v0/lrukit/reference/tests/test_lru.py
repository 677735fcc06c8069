from lrukit import LRUCache


def fill(cache, keys):
    for key in keys:
        cache[key] = key.upper()


def test_evicts_least_recently_inserted():
    cache = LRUCache(maxsize=2)
    fill(cache, "abc")
    assert list(cache) == ["b", "c"]


def test_getitem_marks_recently_used():
    cache = LRUCache(maxsize=2)
    fill(cache, "ab")
    cache["a"]
    cache["c"] = "C"
    assert "a" in cache
    assert "b" not in cache


def test_get_marks_recently_used():
    cache = LRUCache(maxsize=2)
    fill(cache, "ab")
    cache.get("a")
    cache["c"] = "C"
    assert sorted(cache) == ["a", "c"]


def test_contains_and_peek_do_not_mark_recently_used():
    cache = LRUCache(maxsize=2)
    fill(cache, "ab")
    assert "a" in cache
    cache.peek("a")
    cache["c"] = "C"
    assert sorted(cache) == ["b", "c"]


def test_overwrite_marks_recently_used():
    cache = LRUCache(maxsize=3)
    fill(cache, "abc")
    cache["a"] = "new"
    cache["d"] = "D"
    assert "a" in cache
    assert "b" not in cache
    assert cache.peek("a") == "new"


def test_overwrite_updates_recency_order():
    cache = LRUCache(maxsize=3)
    fill(cache, "abc")
    cache["b"] = "B2"
    assert cache.recency() == ["a", "c", "b"]


def test_recency_order():
    cache = LRUCache(maxsize=3)
    fill(cache, "abc")
    cache["a"]
    assert cache.recency() == ["b", "c", "a"]


def test_on_evict_callback():
    evicted = []
    cache = LRUCache(maxsize=2, on_evict=lambda k, v: evicted.append((k, v)))
    fill(cache, "abcd")
    assert evicted == [("a", "A"), ("b", "B")]


def test_on_evict_not_called_for_explicit_removal():
    evicted = []
    cache = LRUCache(maxsize=3, on_evict=lambda k, v: evicted.append(k))
    fill(cache, "abc")
    del cache["a"]
    cache.pop("b")
    cache.popitem()
    cache["x"] = 1
    cache.clear()
    assert evicted == []


def test_on_evict_may_read_the_cache():
    seen = []
    cache = LRUCache(maxsize=2)

    def callback(key, value):
        seen.append((key, len(cache), "b" in cache))

    cache._on_evict = callback
    fill(cache, "abc")
    assert seen == [("a", 1, True)]


def test_stats_hits_misses_evictions():
    cache = LRUCache(maxsize=2)
    fill(cache, "abc")
    cache["b"]
    cache.get("c")
    cache.get("a")
    assert (cache.stats.hits, cache.stats.misses, cache.stats.evictions) == (2, 1, 1)


def test_setdefault_counts_hits_and_misses():
    cache = LRUCache(maxsize=2)
    cache.setdefault("a", 1)
    cache.setdefault("a", 2)
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
