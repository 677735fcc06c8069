"""exprcalc: a tiny, safe expression evaluator.

Quick start::

    >>> import exprcalc
    >>> exprcalc.evaluate("max(x, 2) ** 2 + 1", {"x": 3})
    10
    >>> expr = exprcalc.Expression("-b + sqrt(b ** 2 - 4 * a * c)")
    >>> expr.evaluate(a=1, b=-3, c=2)
    4.0
    >>> str(exprcalc.Expression("((a + b)) * c"))
    '(a + b) * c'
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import EvalError, ExprError, ParseError, TokenizeError
from .evaluator import CONSTANTS, Evaluator, Value
from .functions import Function, FunctionRegistry, default_registry
from .lexer import Token, tokenize
from .nodes import Binary, Boolean, Call, Name, Node, Number, Unary
from .parser import parse
from .printer import to_source

__version__ = "0.3.0"

__all__ = [
    "Binary",
    "Boolean",
    "CONSTANTS",
    "Call",
    "EvalError",
    "Evaluator",
    "ExprError",
    "Expression",
    "Function",
    "FunctionRegistry",
    "Name",
    "Node",
    "Number",
    "ParseError",
    "Token",
    "TokenizeError",
    "Unary",
    "Value",
    "default_registry",
    "evaluate",
    "parse",
    "to_source",
    "tokenize",
]


class Expression:
    """A parsed expression that can be evaluated many times.

    :param source: the expression text.
    :param functions: registry of callable functions; defaults to the builtins.
    :raises TokenizeError, ParseError: if ``source`` is not a valid expression.
    """

    def __init__(self, source: str, *, functions: FunctionRegistry | None = None) -> None:
        self.source = source
        self.ast = parse(source)
        self._evaluator = Evaluator(functions)

    def evaluate(self, variables: Mapping[str, Value] | None = None, /, **kwargs: Value) -> Value:
        """Evaluate with the given variables (as a mapping and/or keywords).

        Errors carry the expression source, so ``err.describe()`` can show it.
        """
        env = dict(variables or {})
        env.update(kwargs)
        try:
            return self._evaluator.evaluate(self.ast, env)
        except ExprError as exc:
            raise exc.with_source(self.source)

    __call__ = evaluate

    def __str__(self) -> str:
        return to_source(self.ast)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def evaluate(
    expression: str | Node,
    variables: Mapping[str, Value] | None = None,
    *,
    functions: FunctionRegistry | None = None,
) -> Value:
    """Parse (if needed) and evaluate ``expression`` in one step."""
    if isinstance(expression, str):
        return Expression(expression, functions=functions).evaluate(variables)
    return Evaluator(functions).evaluate(expression, variables)
