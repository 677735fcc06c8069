"""Mapping semantics shared by every cache, exercised through LRUCache."""

import pytest

from lrukit import Cache, LRUCache


def test_set_and_get():
    cache = LRUCache(maxsize=3)
    cache["a"] = 1
    assert cache["a"] == 1
    assert cache.get("a") == 1


def test_missing_key_raises_keyerror():
    cache = LRUCache(maxsize=3)
    with pytest.raises(KeyError) as excinfo:
        cache["nope"]
    assert excinfo.value.args == ("nope",)


def test_get_default():
    cache = LRUCache(maxsize=3)
    assert cache.get("nope") is None
    assert cache.get("nope", 42) == 42


def test_len_contains_and_iteration():
    cache = LRUCache(maxsize=5)
    for i, key in enumerate("abc"):
        cache[key] = i
    assert len(cache) == 3
    assert "b" in cache
    assert "z" not in cache
    assert list(cache) == ["a", "b", "c"]
    assert set(cache.keys()) == {"a", "b", "c"}
    assert sorted(cache.values()) == [0, 1, 2]
    assert dict(cache.items()) == {"a": 0, "b": 1, "c": 2}


def test_iteration_is_a_snapshot():
    cache = LRUCache(maxsize=5)
    cache["a"] = 1
    cache["b"] = 2
    for key in cache:
        del cache[key]
    assert len(cache) == 0


def test_views_membership():
    cache = LRUCache(maxsize=5)
    cache["a"] = 1
    assert ("a", 1) in cache.items()
    assert ("a", 2) not in cache.items()
    assert 1 in cache.values()
    assert "a" in cache.keys()


def test_delitem():
    cache = LRUCache(maxsize=3)
    cache["a"] = 1
    del cache["a"]
    assert "a" not in cache
    with pytest.raises(KeyError):
        del cache["a"]


def test_pop():
    cache = LRUCache(maxsize=3)
    cache["a"] = 1
    assert cache.pop("a") == 1
    assert "a" not in cache
    assert cache.pop("a", "fallback") == "fallback"
    with pytest.raises(KeyError):
        cache.pop("a")


def test_pop_with_none_default():
    cache = LRUCache(maxsize=3)
    assert cache.pop("missing", None) is None


def test_setdefault():
    cache = LRUCache(maxsize=3)
    assert cache.setdefault("a", 1) == 1
    assert cache.setdefault("a", 2) == 1
    assert cache["a"] == 1


def test_popitem_removes_next_victim():
    cache = LRUCache(maxsize=3)
    cache["a"] = 1
    cache["b"] = 2
    assert cache.popitem() == ("a", 1)
    assert cache.popitem() == ("b", 2)
    with pytest.raises(KeyError):
        cache.popitem()


def test_clear_keeps_stats():
    cache = LRUCache(maxsize=3)
    cache["a"] = 1
    cache["a"]
    cache.clear()
    assert len(cache) == 0
    assert cache.currsize == 0
    assert cache.stats.hits == 1
    cache["b"] = 2
    assert list(cache) == ["b"]


def test_update_and_equality():
    cache = LRUCache(maxsize=5)
    cache.update({"a": 1, "b": 2})
    assert cache == {"a": 1, "b": 2}
    assert cache != {"a": 1}


def test_peek_does_not_count():
    cache = LRUCache(maxsize=3)
    cache["a"] = 1
    assert cache.peek("a") == 1
    assert cache.peek("b", 0) == 0
    assert cache.stats.hits == 0
    assert cache.stats.misses == 0


def test_repr():
    cache = LRUCache(maxsize=3)
    cache["a"] = 1
    assert repr(cache) == "LRUCache({'a': 1}, maxsize=3, currsize=1)"


@pytest.mark.parametrize("bad", [-1])
def test_negative_maxsize_rejected(bad):
    with pytest.raises(ValueError):
        LRUCache(maxsize=bad)


@pytest.mark.parametrize("bad", [1.5, "3", True])
def test_non_integer_maxsize_rejected(bad):
    with pytest.raises(TypeError):
        LRUCache(maxsize=bad)


def test_unbounded_cache():
    cache = LRUCache(maxsize=None)
    for i in range(1000):
        cache[i] = i
    assert len(cache) == 1000
    assert cache.maxsize is None
    assert cache.stats.evictions == 0


def test_maxsize_zero_stores_nothing():
    cache = LRUCache(maxsize=0)
    with pytest.raises(ValueError):
        cache["a"] = 1
    assert len(cache) == 0


def test_getsizeof_bounds_total_size():
    cache = LRUCache(maxsize=10, getsizeof=len)
    cache["a"] = "xxxx"
    cache["b"] = "yyyy"
    assert cache.currsize == 8
    cache["c"] = "zzz"
    assert "a" not in cache
    assert cache.currsize == 7
    assert cache.getsizeof("abc") == 3


def test_getsizeof_value_too_large():
    cache = LRUCache(maxsize=3, getsizeof=len)
    cache["a"] = "x"
    with pytest.raises(ValueError):
        cache["b"] = "xxxx"
    assert cache == {"a": "x"}


def test_growing_value_evicts_other_entries():
    cache = LRUCache(maxsize=10, getsizeof=len)
    cache["a"] = "xxx"
    cache["b"] = "yyy"
    cache["c"] = "zzz"
    cache["a"] = "xxxxxxx"
    assert cache.peek("a") == "xxxxxxx"
    assert cache.currsize <= 10
    assert "b" not in cache


def test_resize_shrinks_and_counts_evictions():
    evicted = []
    cache = LRUCache(maxsize=5, on_evict=lambda k, v: evicted.append(k))
    for key in "abcde":
        cache[key] = key
    cache.resize(2)
    assert list(cache) == ["d", "e"]
    assert evicted == ["a", "b", "c"]
    assert cache.stats.evictions == 3
    assert cache.maxsize == 2


def test_base_cache_needs_a_policy():
    cache = Cache(maxsize=1)
    cache["a"] = 1
    with pytest.raises(NotImplementedError):
        cache["b"] = 2
