import pytest

from lrukit import TTLCache


@pytest.fixture
def cache(clock):
    return TTLCache(maxsize=3, ttl=10, timer=clock)


def test_entry_available_before_ttl(cache, clock):
    cache["a"] = 1
    clock.advance(9.5)
    assert cache["a"] == 1
    assert "a" in cache


def test_entry_gone_at_ttl(cache, clock):
    cache["a"] = 1
    clock.advance(10)
    assert "a" not in cache
    assert cache.get("a") is None
    with pytest.raises(KeyError):
        cache["a"]


def test_len_and_iteration_skip_expired(cache, clock):
    cache["a"] = 1
    clock.advance(5)
    cache["b"] = 2
    clock.advance(5)
    assert len(cache) == 1
    assert list(cache) == ["b"]
    assert dict(cache.items()) == {"b": 2}
    assert cache.currsize == 1


def test_reading_does_not_extend_ttl(cache, clock):
    cache["a"] = 1
    clock.advance(6)
    cache["a"]
    clock.advance(4)
    assert "a" not in cache


def test_overwrite_restarts_ttl(cache, clock):
    cache["a"] = 1
    clock.advance(6)
    cache["a"] = 2
    clock.advance(6)
    assert cache["a"] == 2


def test_per_entry_ttl(cache, clock):
    cache.set("short", 1, ttl=1)
    cache.set("long", 2)
    clock.advance(1)
    assert "short" not in cache
    assert "long" in cache


def test_remaining(cache, clock):
    cache["a"] = 1
    clock.advance(3)
    assert cache.remaining("a") == 7
    with pytest.raises(KeyError):
        cache.remaining("b")


def test_expire_returns_expired_items_in_deadline_order(cache, clock):
    cache.set("a", 1, ttl=5)
    cache.set("b", 2, ttl=2)
    cache.set("c", 3, ttl=20)
    clock.advance(6)
    assert cache.expire() == [("b", 2), ("a", 1)]
    assert list(cache) == ["c"]


def test_expire_counts_and_notifies(clock):
    expired = []
    cache = TTLCache(maxsize=3, ttl=10, timer=clock, on_evict=lambda k, v: expired.append((k, v)))
    cache["a"] = 1
    cache["b"] = 2
    clock.advance(10)
    cache.expire()
    assert sorted(expired) == [("a", 1), ("b", 2)]
    assert cache.stats.expirations == 2
    assert cache.stats.evictions == 0


def test_expired_entries_make_room_before_live_ones_are_evicted(cache, clock):
    cache["a"] = 1
    clock.advance(5)
    cache["b"] = 2
    cache["c"] = 3
    clock.advance(5)
    cache["d"] = 4
    assert sorted(cache) == ["b", "c", "d"]
    assert cache.stats.evictions == 0
    assert cache.stats.expirations == 1


def test_lru_eviction_when_nothing_expired(cache, clock):
    cache["a"] = 1
    cache["b"] = 2
    cache["c"] = 3
    cache["a"]
    cache["d"] = 4
    assert sorted(cache) == ["a", "c", "d"]
    assert cache.stats.evictions == 1


def test_expired_lookup_counts_as_miss(cache, clock):
    cache["a"] = 1
    clock.advance(10)
    assert cache.get("a", "gone") == "gone"
    assert cache.stats.misses == 1
    assert cache.stats.hits == 0


def test_pop_and_delete_expired(cache, clock):
    cache["a"] = 1
    cache["b"] = 2
    clock.advance(10)
    assert cache.pop("a", None) is None
    with pytest.raises(KeyError):
        del cache["b"]


def test_delete_then_fill_and_evict(cache, clock):
    cache["a"] = 1
    cache["b"] = 2
    del cache["a"]
    cache["c"] = 3
    cache["d"] = 4
    cache["e"] = 5
    assert sorted(cache) == ["c", "d", "e"]


def test_clear(cache, clock):
    cache["a"] = 1
    cache.clear()
    clock.advance(100)
    assert cache.expire() == []
    cache["b"] = 2
    assert cache["b"] == 2


def test_ttl_validation(clock):
    with pytest.raises(ValueError):
        TTLCache(maxsize=3, ttl=0, timer=clock)
    with pytest.raises(TypeError):
        TTLCache(maxsize=3, ttl="10", timer=clock)
    cache = TTLCache(maxsize=3, ttl=10, timer=clock)
    with pytest.raises(ValueError):
        cache.set("a", 1, ttl=-1)
    assert cache.ttl == 10
    assert cache.timer is clock
