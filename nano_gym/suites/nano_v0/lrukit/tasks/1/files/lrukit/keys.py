"""Key functions for memoization.

A key function receives the arguments of a call and returns a hashable key
under which the result is cached.  Two calls share a cache entry exactly
when their keys are equal.
"""

from __future__ import annotations

from typing import Any, Hashable, Tuple

__all__ = ["hashkey", "typedkey", "methodkey", "typedmethodkey"]


class _HashedTuple(tuple):
    """A tuple that computes its hash only once.

    Cache keys are hashed on every lookup, and for long argument lists that
    is measurably slower than hashing a plain ``int``.
    """

    __hashvalue: Any = None

    def __hash__(self) -> int:  # type: ignore[override]
        hashvalue = self.__hashvalue
        if hashvalue is None:
            self.__hashvalue = hashvalue = tuple.__hash__(self)
        return hashvalue

    def __add__(self, other: Tuple[Any, ...]) -> "_HashedTuple":  # type: ignore[override]
        return _HashedTuple(tuple.__add__(self, other))

    def __radd__(self, other: Tuple[Any, ...]) -> "_HashedTuple":
        return _HashedTuple(tuple.__add__(other, self))

    def __getstate__(self) -> dict:
        # String hashes are salted per process: never pickle a cached hash.
        return {}

    def __repr__(self) -> str:
        return f"key{tuple.__repr__(self)}"


class _KwMark:
    """Separates positional from keyword arguments inside a key."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<kwargs>"

    def __reduce__(self) -> str:
        return "_KWMARK_INSTANCE"


_KWMARK_INSTANCE = _KwMark()
_KWMARK = (_KWMARK_INSTANCE,)


def hashkey(*args: Hashable, **kwargs: Hashable) -> Tuple[Any, ...]:
    """Return a key for a call with *args* and *kwargs*.

    Keyword arguments are sorted by name, so ``f(a=1, b=2)`` and
    ``f(b=2, a=1)`` share a key; ``f(1)`` and ``f(a=1)`` do not.
    Every argument must be hashable.

    >>> hashkey(1, 2) == hashkey(1, 2)
    True
    >>> hashkey(1, b=2) == hashkey(1, 2)
    False
    """
    if kwargs:
        return _HashedTuple(args + _KWMARK + tuple(sorted(kwargs.items())))
    return _HashedTuple(args)


def typedkey(*args: Hashable, **kwargs: Hashable) -> Tuple[Any, ...]:
    """Like :func:`hashkey`, but arguments of different types get different keys.

    ``f(1)`` and ``f(1.0)`` compare equal as plain keys; with
    :func:`typedkey` they are cached separately.  This applies to positional
    and keyword arguments alike.
    """
    key = hashkey(*args, **kwargs)
    key += tuple(type(value) for value in args)
    return key


def methodkey(self: Any, *args: Hashable, **kwargs: Hashable) -> Tuple[Any, ...]:
    """Like :func:`hashkey`, but ignores the first argument (``self``).

    Meant for caches that already belong to one instance, see
    :func:`lrukit.cachedmethod`.
    """
    return hashkey(*args, **kwargs)


def typedmethodkey(self: Any, *args: Hashable, **kwargs: Hashable) -> Tuple[Any, ...]:
    """Like :func:`typedkey`, but ignores the first argument (``self``)."""
    return typedkey(*args, **kwargs)
