import pickle

from lrukit import hashkey, methodkey, typedkey, typedmethodkey


def test_hashkey_equal_for_equal_arguments():
    assert hashkey(1, "a") == hashkey(1, "a")
    assert hash(hashkey(1, "a")) == hash(hashkey(1, "a"))


def test_hashkey_keyword_order_does_not_matter():
    assert hashkey(a=1, b=2) == hashkey(b=2, a=1)


def test_hashkey_positional_and_keyword_differ():
    assert hashkey(1) != hashkey(a=1)
    assert hashkey("a", 1) != hashkey(a=1)


def test_hashkey_is_a_tuple():
    key = hashkey(1, 2)
    assert isinstance(key, tuple)
    assert key == (1, 2)
    assert isinstance(key + (3,), tuple)


def test_hashkey_hash_is_stable():
    key = hashkey("x", 2, c=3)
    assert hash(key) == hash(key)
    assert {key: 1}[hashkey("x", 2, c=3)] == 1


def test_hashkey_pickles():
    key = hashkey("x", c=3)
    assert pickle.loads(pickle.dumps(key)) == key


def test_plain_key_treats_equal_numbers_alike():
    assert hashkey(1) == hashkey(1.0)


def test_typedkey_distinguishes_positional_types():
    assert typedkey(1) != typedkey(1.0)
    assert typedkey(1) == typedkey(1)


def test_typedkey_keyword_order_does_not_matter():
    assert typedkey(x=1, y="a") == typedkey(y="a", x=1)
    assert typedkey(1, x=2.0, y="a") == typedkey(1, y="a", x=2.0)


def test_typedkey_distinguishes_keyword_types():
    assert typedkey(x=1) != typedkey(x=1.0)
    assert typedkey(1, x=True) != typedkey(1, x=1)
    assert typedkey(x=1, y="a") != typedkey(x=1.0, y="a")


def test_methodkey_ignores_self():
    assert methodkey(object(), 1, b=2) == methodkey(object(), 1, b=2)
    assert typedmethodkey(object(), 1) != typedmethodkey(object(), 1.0)
