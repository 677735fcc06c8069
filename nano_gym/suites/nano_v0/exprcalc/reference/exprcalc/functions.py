"""Registry of the functions that expressions may call.

Expressions cannot reach arbitrary Python: a call ``name(...)`` only succeeds
if ``name`` is registered in the :class:`FunctionRegistry` used by the
evaluator.  :func:`default_registry` returns a fresh registry holding a small
set of safe numeric builtins; add your own with :meth:`FunctionRegistry.register`::

    registry = default_registry()

    @registry.register("double")
    def double(x):
        return 2 * x
"""

from __future__ import annotations

import inspect
import keyword
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["Function", "FunctionRegistry", "default_registry"]

_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED = frozenset({"and", "or", "not", "true", "false"})


def _plural(count: int) -> str:
    return f"{count} argument" if count == 1 else f"{count} arguments"


@dataclass(frozen=True)
class Function:
    """A callable exposed to expressions, with its accepted argument count.

    ``max_args`` is ``None`` for functions taking any number of arguments
    (at least ``min_args``).
    """

    name: str
    func: Callable[..., object]
    min_args: int = 0
    max_args: int | None = None
    doc: str = ""

    def arity_error(self, count: int) -> str | None:
        """Return an error message if ``count`` arguments are not accepted."""
        low, high = self.min_args, self.max_args
        if count >= low and (high is None or count <= high):
            return None
        if low == high:
            expected = f"exactly {_plural(low)}"
        elif count < low:
            expected = f"at least {_plural(low)}"
        else:
            expected = f"at most {_plural(high)}"
        return f"{self.name}() takes {expected} ({count} given)"


def _infer_arity(func: Callable[..., object]) -> tuple[int, int | None]:
    """Derive ``(min_args, max_args)`` from the signature of ``func``."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return 0, None
    low = 0
    high: int | None = 0
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            high = None
        elif parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            if high is not None:
                high += 1
            if parameter.default is parameter.empty:
                low += 1
        elif parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty:
            raise ValueError(
                f"cannot register {func!r}: keyword-only parameter "
                f"'{parameter.name}' has no default"
            )
    return low, high


class FunctionRegistry:
    """A mapping of names to :class:`Function` objects."""

    def __init__(self, functions: Iterable[Function] = ()) -> None:
        self._functions: dict[str, Function] = {}
        for function in functions:
            self.add(function)

    def add(self, function: Function, *, replace: bool = False) -> Function:
        """Add a prepared :class:`Function`.

        :raises ValueError: if the name is not a valid identifier or is
            already registered and ``replace`` is false.
        """
        name = function.name
        if not _IDENTIFIER_RE.match(name) or name in _RESERVED or keyword.iskeyword(name):
            raise ValueError(f"invalid function name {name!r}")
        if name in self._functions and not replace:
            raise ValueError(f"function {name!r} is already registered")
        self._functions[name] = function
        return function

    def register(
        self,
        name: str,
        func: Callable[..., object] | None = None,
        *,
        min_args: int | None = None,
        max_args: int | None = None,
        doc: str | None = None,
        replace: bool = False,
    ):
        """Register ``func`` under ``name``.

        The accepted number of arguments is taken from the signature of
        ``func`` unless ``min_args`` or ``max_args`` is given (a missing
        ``max_args`` then means "no upper limit").  Without ``func`` this
        returns a decorator.
        """
        if func is None:

            def decorator(f: Callable[..., object]) -> Callable[..., object]:
                self.register(
                    name, f, min_args=min_args, max_args=max_args, doc=doc, replace=replace
                )
                return f

            return decorator
        if min_args is None and max_args is None:
            min_args, max_args = _infer_arity(func)
        elif min_args is None:
            min_args = 0
        if doc is None:
            doc = inspect.getdoc(func) or ""
        return self.add(Function(name, func, min_args, max_args, doc), replace=replace)

    def unregister(self, name: str) -> None:
        """Remove ``name``; raise :class:`KeyError` if it is not registered."""
        del self._functions[name]

    def get(self, name: str) -> Function | None:
        """Return the function registered as ``name``, or ``None``."""
        return self._functions.get(name)

    def names(self) -> list[str]:
        """Return the registered names in alphabetical order."""
        return sorted(self._functions)

    def copy(self) -> FunctionRegistry:
        """Return an independent registry with the same functions."""
        return FunctionRegistry(self._functions.values())

    def __getitem__(self, name: str) -> Function:
        return self._functions[name]

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._functions)

    def __repr__(self) -> str:
        return f"FunctionRegistry({', '.join(self.names())})"


def _min(*values):
    return min(values)


def _max(*values):
    return max(values)


def _log(x, base=None):
    return math.log(x) if base is None else math.log(x, base)


def _sign(x):
    return (x > 0) - (x < 0)


def _clamp(x, low, high):
    if low > high:
        raise ValueError("lower bound is greater than upper bound")
    return max(low, min(x, high))


_BUILTINS = (
    Function("abs", abs, 1, 1, "Absolute value of x."),
    Function("min", _min, 1, None, "Smallest of the arguments."),
    Function("max", _max, 1, None, "Largest of the arguments."),
    Function("round", round, 1, 2, "Round x to ndigits decimals (halves go to even)."),
    Function("floor", math.floor, 1, 1, "Largest integer <= x."),
    Function("ceil", math.ceil, 1, 1, "Smallest integer >= x."),
    Function("trunc", math.trunc, 1, 1, "x with its fractional part removed."),
    Function("sqrt", math.sqrt, 1, 1, "Square root of x."),
    Function("exp", math.exp, 1, 1, "e raised to the power x."),
    Function("log", _log, 1, 2, "Natural logarithm of x, or logarithm to the given base."),
    Function("hypot", math.hypot, 1, None, "Euclidean norm of the arguments."),
    Function("sign", _sign, 1, 1, "-1, 0 or 1 according to the sign of x."),
    Function("clamp", _clamp, 3, 3, "x limited to the range [low, high]."),
)


def default_registry() -> FunctionRegistry:
    """Return a new registry holding the builtin functions.

    Each call returns an independent registry, so registering a function on
    one does not affect others.
    """
    return FunctionRegistry(_BUILTINS)
