"""Static inspection of expressions, without evaluating them.

    >>> sorted(free_variables("2 * pi * r + max(r, h)"))
    ['h', 'r']
    >>> called_functions("2 * pi * r + max(r, h)")
    {'max'}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .evaluator import CONSTANTS
from .nodes import Call, Name, Node
from .parser import parse

__all__ = ["walk", "free_variables", "called_functions"]


def _as_node(expression: object) -> Node:
    """Accept source text, a node, or anything with an ``ast`` attribute."""
    if isinstance(expression, str):
        return parse(expression)
    if isinstance(expression, Node):
        return expression
    node = getattr(expression, "ast", None)
    if isinstance(node, Node):
        return node
    raise TypeError(f"expected source text or an AST node, not {type(expression).__name__}")


def walk(expression: str | Node) -> Iterator[Node]:
    """Yield every node of the expression in source order (pre-order)."""
    stack = [_as_node(expression)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


def free_variables(
    expression: str | Node, *, constants: Iterable[str] = CONSTANTS
) -> set[str]:
    """Return the names of the variables ``expression`` needs.

    Function names are not variables, and names of built-in constants such
    as ``pi`` are left out; pass ``constants=()`` to include them.
    """
    skip = frozenset(constants)
    return {
        node.name
        for node in walk(expression)
        if isinstance(node, Name) and node.name not in skip
    }


def called_functions(expression: str | Node) -> set[str]:
    """Return the names of the functions ``expression`` calls."""
    return {node.name for node in walk(expression) if isinstance(node, Call)}
