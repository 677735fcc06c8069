import threading

from lrukit import LFUCache, LRUCache, TTLCache, memoize


def run_threads(target, count=4):
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_inserts_unbounded():
    cache = LRUCache(maxsize=None)

    def worker(n):
        for i in range(500):
            cache[(n, i)] = i

    run_threads(worker)
    assert len(cache) == 2000


def test_concurrent_mixed_operations_keep_invariants(clock):
    for cache in (LRUCache(maxsize=50), LFUCache(maxsize=50), TTLCache(maxsize=50, ttl=5, timer=clock)):

        def worker(n, cache=cache):
            for i in range(400):
                key = (n * 7 + i) % 80
                cache[key] = i
                cache.get((key + 3) % 80)
                if i % 11 == 0:
                    cache.pop(key, None)

        run_threads(worker)
        assert len(cache) <= 50
        assert cache.currsize == len(cache)
        stats = cache.stats
        assert stats.hits + stats.misses == 4 * 400


def test_lock_makes_compound_operations_atomic():
    cache = LRUCache(maxsize=None)
    cache["counter"] = 0

    def worker(n):
        for _ in range(500):
            with cache.lock:
                cache["counter"] = cache["counter"] + 1

    run_threads(worker)
    assert cache["counter"] == 2000


def test_memoize_from_several_threads():
    @memoize(maxsize=None)
    def square(x):
        return x * x

    results = []

    def worker(n):
        results.append([square(i) for i in range(200)])

    run_threads(worker)
    assert all(r == [i * i for i in range(200)] for r in results)
    assert square.cache_info().currsize == 200
