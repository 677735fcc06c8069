"""Tree-walking evaluator for exprcalc ASTs.

Values are Python ``int``, ``float`` and ``bool``.  Arithmetic and ordering
comparisons accept numbers only (booleans are rejected rather than silently
treated as 0 and 1); ``==`` and ``!=`` accept anything, and a boolean never
equals a number.  ``and`` / ``or`` short-circuit and, like Python, return the
operand that decided the result.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Union

from .errors import EvalError
from .functions import FunctionRegistry, default_registry
from .nodes import Binary, Boolean, Call, Name, Node, Number, Unary

__all__ = ["Evaluator", "CONSTANTS", "MAX_POWER_BITS", "Value"]

Value = Union[int, float, bool]

#: Named constants available to every expression.  Variables with the same
#: name take precedence.
CONSTANTS: dict[str, float] = {
    "pi": math.pi,
    "e": math.e,
    "tau": math.tau,
    "inf": math.inf,
    "nan": math.nan,
}

#: Largest size, in bits, of an integer produced by ``**``.  Keeps input such
#: as ``9 ** 9 ** 9`` from tying up the interpreter.
MAX_POWER_BITS = 100_000


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def type_name(value: object) -> str:
    """Name of the expression-level type of ``value``, for error messages."""
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    return type(value).__name__


def _power(base: int | float, exponent: int | float) -> int | float:
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and abs(base) > 1
        and (abs(base).bit_length() - 1) * exponent > MAX_POWER_BITS
    ):
        raise OverflowError("result is too large")
    return base**exponent


def _equal(left: Value, right: Value) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return left == right


_ARITHMETIC: dict[str, Callable[[Value, Value], Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": _power,
}

_ORDERING: dict[str, Callable[[Value, Value], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Evaluator:
    """Evaluates AST nodes against variables and a function registry.

    :param functions: the functions expressions may call; defaults to a fresh
        :func:`~exprcalc.functions.default_registry`.
    :param constants: named constants; defaults to :data:`CONSTANTS`.
    """

    def __init__(
        self,
        functions: FunctionRegistry | None = None,
        constants: Mapping[str, Value] | None = None,
    ) -> None:
        self.functions = default_registry() if functions is None else functions
        self.constants = dict(CONSTANTS if constants is None else constants)

    def evaluate(self, node: Node, variables: Mapping[str, Value] | None = None) -> Value:
        """Evaluate ``node`` and return its value.

        :raises EvalError: on unknown names, type errors, division by zero,
            failing function calls and similar problems.
        """
        return self._eval(node, {} if variables is None else variables)

    def _eval(self, node: Node, env: Mapping[str, Value]) -> Value:
        method = getattr(self, "_eval_" + type(node).__name__, None)
        if method is None:
            raise EvalError(f"cannot evaluate {type(node).__name__} nodes", node.pos)
        return method(node, env)

    def _eval_Number(self, node: Number, env: Mapping[str, Value]) -> Value:
        return node.value

    def _eval_Boolean(self, node: Boolean, env: Mapping[str, Value]) -> Value:
        return node.value

    def _eval_Name(self, node: Name, env: Mapping[str, Value]) -> Value:
        if node.name in env:
            value = env[node.name]
        elif node.name in self.constants:
            value = self.constants[node.name]
        else:
            raise EvalError(f"unknown variable '{node.name}'", node.pos)
        if not isinstance(value, (int, float)):
            raise EvalError(
                f"variable '{node.name}' has unsupported type {type(value).__name__}",
                node.pos,
            )
        return value

    def _eval_Unary(self, node: Unary, env: Mapping[str, Value]) -> Value:
        value = self._eval(node.operand, env)
        if node.op == "not":
            return not value
        if node.op not in ("-", "+"):
            raise EvalError(f"unknown unary operator '{node.op}'", node.pos)
        if not _is_number(value):
            raise EvalError(
                f"bad operand type for unary '{node.op}': {type_name(value)}", node.pos
            )
        return -value if node.op == "-" else +value

    def _eval_Binary(self, node: Binary, env: Mapping[str, Value]) -> Value:
        op = node.op
        if op == "and":
            left = self._eval(node.left, env)
            return self._eval(node.right, env) if left else left
        if op == "or":
            left = self._eval(node.left, env)
            return left if left else self._eval(node.right, env)

        left = self._eval(node.left, env)
        right = self._eval(node.right, env)
        if op == "==":
            return _equal(left, right)
        if op == "!=":
            return not _equal(left, right)

        function = _ORDERING.get(op) or _ARITHMETIC.get(op)
        if function is None:
            raise EvalError(f"unknown operator '{op}'", node.pos)
        if not (_is_number(left) and _is_number(right)):
            raise EvalError(
                f"unsupported operand types for '{op}': "
                f"{type_name(left)} and {type_name(right)}",
                node.pos,
            )
        try:
            result = function(left, right)
        except ZeroDivisionError:
            raise EvalError("division by zero", node.pos) from None
        except OverflowError:
            raise EvalError(f"numeric overflow in '{op}'", node.pos) from None
        if isinstance(result, complex):
            raise EvalError(f"'{op}' produced a complex number", node.pos)
        return result

    def _eval_Call(self, node: Call, env: Mapping[str, Value]) -> Value:
        function = self.functions.get(node.name)
        if function is None:
            raise EvalError(f"unknown function '{node.name}'", node.pos)
        args = [self._eval(arg, env) for arg in node.args]
        problem = function.arity_error(len(args))
        if problem is not None:
            raise EvalError(problem, node.pos)
        try:
            result = function.func(*args)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise EvalError(f"{node.name}(): {exc}", node.pos) from exc
        if not isinstance(result, (int, float)):
            raise EvalError(
                f"{node.name}() returned unsupported type {type(result).__name__}", node.pos
            )
        return result
