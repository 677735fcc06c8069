import pytest

from lrukit import LFUCache


def test_evicts_least_frequently_used():
    cache = LFUCache(maxsize=3)
    cache["a"] = 1
    cache["b"] = 2
    cache["c"] = 3
    cache["a"]
    cache["a"]
    cache["c"]
    cache["d"] = 4
    assert sorted(cache) == ["a", "c", "d"]


def test_ties_broken_by_age_of_count():
    cache = LFUCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    cache["c"] = 3
    assert sorted(cache) == ["b", "c"]


def test_frequency():
    cache = LFUCache(maxsize=3)
    cache["a"] = 1
    assert cache.frequency("a") == 1
    cache["a"]
    cache.get("a")
    assert cache.frequency("a") == 3
    with pytest.raises(KeyError):
        cache.frequency("b")


def test_peek_and_contains_do_not_count():
    cache = LFUCache(maxsize=3)
    cache["a"] = 1
    cache.peek("a")
    assert "a" in cache
    assert cache.frequency("a") == 1


def test_ties_between_frequent_entries():
    cache = LFUCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    for _ in range(3):
        cache["a"]
        cache["b"]
    cache["c"] = 3
    cache["d"] = 4
    assert sorted(cache) == ["b", "d"]


def test_delete_then_evict():
    cache = LFUCache(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    cache["b"]
    del cache["a"]
    cache["c"] = 3
    cache["d"] = 4
    assert sorted(cache) == ["b", "d"]


def test_popitem_returns_least_frequent():
    cache = LFUCache(maxsize=3)
    cache["a"] = 1
    cache["b"] = 2
    cache["a"]
    assert cache.popitem() == ("b", 2)


def test_repeated_popitem():
    cache = LFUCache(maxsize=3)
    cache["a"] = 1
    cache["b"] = 2
    cache["c"] = 3
    cache["b"]
    cache["c"]
    cache["c"]
    assert cache.popitem() == ("a", 1)
    assert cache.popitem() == ("b", 2)
    assert cache.popitem() == ("c", 3)
    assert len(cache) == 0


def test_resize_evicts_several_entries():
    cache = LFUCache(maxsize=4)
    for key in "abcd":
        cache[key] = key
    for _ in range(2):
        cache["c"]
    cache["d"]
    cache.resize(1)
    assert list(cache) == ["c"]
    assert cache.stats.evictions == 3


def test_weighted_insert_evicts_several_entries():
    evicted = []
    cache = LFUCache(maxsize=10, getsizeof=len, on_evict=lambda k, v: evicted.append(k))
    cache["a"] = "xxx"
    cache["b"] = "xxx"
    cache["c"] = "xxx"
    cache["b"]
    cache["c"]
    cache["big"] = "xxxxxxx"
    assert evicted == ["a", "b"]
    assert sorted(cache) == ["big", "c"]
    assert cache.currsize == 10


def test_clear_resets_frequencies():
    cache = LFUCache(maxsize=2)
    cache["a"] = 1
    cache["a"]
    cache.clear()
    cache["a"] = 1
    assert cache.frequency("a") == 1
    cache["b"] = 2
    cache["c"] = 3
    assert sorted(cache) == ["b", "c"]
