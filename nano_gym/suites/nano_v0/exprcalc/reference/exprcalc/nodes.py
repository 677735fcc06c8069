"""Abstract syntax tree node types.

Nodes are immutable dataclasses.  Every node has a keyword-only ``pos``: the
0-based offset of the token that produced it (the operator token for unary and
binary operations, the function name for calls).  Positions are used for error
messages only and are ignored when nodes are compared, so a tree built by hand
compares equal to the same tree produced by the parser::

    >>> from exprcalc import parse
    >>> parse("1 + x") == Binary("+", Number(1), Name("x"))
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Node", "Number", "Boolean", "Name", "Unary", "Binary", "Call"]


@dataclass(frozen=True)
class Node:
    """Base class of all AST nodes."""

    pos: int | None = field(default=None, compare=False, repr=False, kw_only=True)

    def children(self) -> tuple[Node, ...]:
        """Return the direct sub-expressions of this node, left to right."""
        return ()


@dataclass(frozen=True)
class Number(Node):
    """A numeric literal.

    ``text`` is the literal as written in the source (``"1.50"``, ``"2e3"``);
    the pretty-printer reproduces it verbatim.  It is ``None`` for nodes built
    by hand.
    """

    value: int | float
    text: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Boolean(Node):
    """The literal ``true`` or ``false``."""

    value: bool


@dataclass(frozen=True)
class Name(Node):
    """A reference to a variable or named constant."""

    name: str


@dataclass(frozen=True)
class Unary(Node):
    """A prefix operation: ``-x``, ``+x`` or ``not x``."""

    op: str
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    """An infix operation, including the short-circuit ``and`` / ``or``."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Call(Node):
    """A call of a registered function: ``name(arg, ...)``."""

    name: str
    args: tuple[Node, ...] = ()

    def __post_init__(self) -> None:
        # Accept any iterable of arguments but always store a tuple, so that
        # nodes stay hashable and immutable.
        object.__setattr__(self, "args", tuple(self.args))

    def children(self) -> tuple[Node, ...]:
        return self.args
