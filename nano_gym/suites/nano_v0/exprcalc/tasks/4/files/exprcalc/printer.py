"""Pretty-printer: turns an AST back into source text.

The output uses as few parentheses as possible while still parsing back to
the same tree, puts single spaces around infix operators and after ``not``,
and writes unary minus and plus directly before their operand::

    >>> from exprcalc import parse
    >>> to_source(parse("((a + b)) * (-(c ** 2))"))
    '(a + b) * -c ** 2'
"""

from __future__ import annotations

import math

from .nodes import Binary, Boolean, Call, Name, Node, Number, Unary

__all__ = ["to_source", "precedence"]

#: Precedence levels used for printing; higher binds tighter.  These mirror
#: the binding powers of :mod:`exprcalc.parser`.
_BINARY_PRECEDENCE = {
    "or": 1,
    "and": 2,
    "==": 4,
    "!=": 4,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "//": 6,
    "%": 6,
    "**": 8,
}
_UNARY_PRECEDENCE = {"not": 7, "-": 7, "+": 7}
_ATOM = 100

_RIGHT_ASSOCIATIVE = frozenset({"**"})
_NON_ASSOCIATIVE = frozenset({"==", "!=", "<", "<=", ">", ">="})


def to_source(node: Node) -> str:
    """Return source text that parses back to ``node``."""
    if isinstance(node, Number):
        return _number_text(node)
    if isinstance(node, Boolean):
        return "true" if node.value else "false"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        return f"{node.name}({', '.join(to_source(arg) for arg in node.args)})"
    if isinstance(node, Unary):
        return _unary(node)
    if isinstance(node, Binary):
        return _binary(node)
    raise TypeError(f"cannot print {type(node).__name__} nodes")


def precedence(node: Node) -> int:
    """Return the printing precedence of ``node`` (higher binds tighter)."""
    if isinstance(node, Binary):
        return _BINARY_PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return _UNARY_PRECEDENCE[node.op]
    if isinstance(node, Number) and _number_text(node).startswith("-"):
        # A negative literal built by hand reads back as unary minus.
        return _UNARY_PRECEDENCE["-"]
    return _ATOM


def _number_text(node: Number) -> str:
    if node.text is not None:
        return node.text
    value = node.value
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return repr(value)


def _wrap(node: Node, parenthesize: bool) -> str:
    text = to_source(node)
    return f"({text})" if parenthesize else text


def _is_signed(node: Node) -> bool:
    """True for ``-x`` / ``+x`` (or a negative literal)."""
    if isinstance(node, Unary):
        return node.op in ("-", "+")
    return isinstance(node, Number) and _number_text(node).startswith("-")


def _unary(node: Unary) -> str:
    operand = _wrap(node.operand, precedence(node.operand) < _UNARY_PRECEDENCE[node.op])
    separator = " " if node.op == "not" else ""
    return f"{node.op}{separator}{operand}"


def _binary(node: Binary) -> str:
    level = _BINARY_PRECEDENCE[node.op]
    left_level = precedence(node.left)
    right_level = precedence(node.right)

    # An operand at the same level as its parent needs parentheses on the
    # side the operator does not associate to.
    if node.op in _RIGHT_ASSOCIATIVE or node.op in _NON_ASSOCIATIVE:
        left_parens = left_level <= level
    else:
        left_parens = left_level < level

    if node.op == "**" and _is_signed(node.right):
        # Like Python, ``2 ** -x`` needs no parentheses.
        right_parens = False
    elif node.op in _RIGHT_ASSOCIATIVE:
        right_parens = right_level < level
    else:
        right_parens = right_level <= level

    left = _wrap(node.left, left_parens)
    right = _wrap(node.right, right_parens)
    return f"{left} {node.op} {right}"
