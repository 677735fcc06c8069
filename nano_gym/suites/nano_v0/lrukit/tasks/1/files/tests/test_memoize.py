import pytest

from lrukit import CacheInfo, LFUCache, LRUCache, TTLCache, cachedmethod, hashkey, memoize


def counting(func):
    calls = []

    def wrapper(*args, **kwargs):
        calls.append((args, kwargs))
        return func(*args, **kwargs)

    wrapper.calls = calls
    return wrapper


def test_bare_decorator_caches():
    inner = counting(lambda x: x * 2)

    @memoize
    def double(x):
        return inner(x)

    assert double(2) == 4
    assert double(2) == 4
    assert len(inner.calls) == 1
    assert double.cache_info() == CacheInfo(hits=1, misses=1, maxsize=128, currsize=1)


def test_decorator_with_options_uses_lru():
    @memoize(maxsize=2)
    def ident(x):
        return x

    for x in (1, 2, 1, 3):
        ident(x)
    assert isinstance(ident.cache, LRUCache)
    assert sorted(ident.cache) == [hashkey(1), hashkey(3)]


def test_wraps_function():
    @memoize
    def documented(x):
        """Docstring."""
        return x

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Docstring."
    assert documented.__wrapped__(5) == 5


def test_keyword_arguments():
    inner = counting(lambda a, b=0: a + b)

    @memoize
    def add(a, b=0):
        return inner(a, b)

    assert add(1, b=2) == 3
    assert add(1, b=2) == 3
    assert add(b=2, a=1) == 3
    assert len(inner.calls) == 2


def test_exceptions_are_not_cached():
    attempts = []

    @memoize
    def flaky(x):
        attempts.append(x)
        if len(attempts) == 1:
            raise RuntimeError("boom")
        return x

    with pytest.raises(RuntimeError):
        flaky(1)
    assert flaky(1) == 1
    assert flaky(1) == 1
    assert attempts == [1, 1]


def test_caches_none_results():
    inner = counting(lambda x: None)

    @memoize
    def nothing(x):
        return inner(x)

    assert nothing(1) is None
    assert nothing(1) is None
    assert len(inner.calls) == 1


def test_typed():
    @memoize(typed=True)
    def kind(x):
        return type(x).__name__

    assert kind(1) == "int"
    assert kind(1.0) == "float"


def test_untyped_shares_equal_arguments():
    @memoize
    def kind(x):
        return type(x).__name__

    assert kind(1) == "int"
    assert kind(1.0) == "int"


def test_custom_key():
    @memoize(key=lambda path, verbose=False: path.lower())
    def load(path, verbose=False):
        return path

    assert load("A.txt") == "A.txt"
    assert load("a.TXT", verbose=True) == "A.txt"
    assert load.cache_key("X") == "x"


def test_key_and_typed_are_exclusive():
    with pytest.raises(TypeError):
        memoize(key=hashkey, typed=True)


def test_custom_cache():
    shared = LFUCache(maxsize=10)

    @memoize(cache=shared)
    def square(x):
        return x * x

    square(3)
    assert shared[hashkey(3)] == 9
    assert square.cache is shared


def test_ttl_option(clock):
    inner = counting(lambda x: x)

    @memoize(ttl=5, timer=clock)
    def ident(x):
        return inner(x)

    ident(1)
    clock.advance(4)
    ident(1)
    clock.advance(1)
    ident(1)
    assert isinstance(ident.cache, TTLCache)
    assert len(inner.calls) == 2


def test_unbounded():
    @memoize(maxsize=None)
    def ident(x):
        return x

    for i in range(500):
        ident(i)
    assert ident.cache_info().currsize == 500
    assert ident.cache_info().maxsize is None


def test_maxsize_zero_disables_caching():
    inner = counting(lambda x: x)

    @memoize(maxsize=0)
    def ident(x):
        return inner(x)

    assert ident(1) == 1
    assert ident(1) == 1
    assert len(inner.calls) == 2


def test_cache_clear_resets_stats():
    @memoize
    def ident(x):
        return x

    ident(1)
    ident(1)
    ident.cache_clear()
    assert ident.cache_info() == CacheInfo(hits=0, misses=0, maxsize=128, currsize=0)


def test_unhashable_argument_raises():
    @memoize
    def first(items):
        return items[0]

    with pytest.raises(TypeError):
        first([1, 2])


def test_cachedmethod_uses_instance_cache():
    class Repo:
        def __init__(self, name):
            self.name = name
            self.cache = LRUCache(maxsize=4)
            self.calls = 0

        @cachedmethod(lambda self: self.cache)
        def lookup(self, item):
            self.calls += 1
            return f"{self.name}:{item}"

    one, two = Repo("one"), Repo("two")
    assert one.lookup("x") == "one:x"
    assert one.lookup("x") == "one:x"
    assert two.lookup("x") == "two:x"
    assert (one.calls, two.calls) == (1, 1)
    assert Repo.lookup.__name__ == "lookup"


def test_cachedmethod_without_cache():
    class Plain:
        calls = 0

        @cachedmethod(lambda self: None)
        def value(self):
            Plain.calls += 1
            return 1

    obj = Plain()
    obj.value()
    obj.value()
    assert Plain.calls == 2
