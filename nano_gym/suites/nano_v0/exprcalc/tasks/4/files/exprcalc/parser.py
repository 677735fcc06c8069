"""Pratt parser turning tokens into an AST.

Operator precedence, from loosest to tightest binding::

    or
    and
    not                        (prefix)
    ==  !=  <  <=  >  >=       (non-associative: ``a < b < c`` is an error)
    +  -
    *  /  //  %
    -  +                       (prefix)
    **                         (right-associative)
    calls, literals, names, ( ... )

As in Python, ``-x ** 2`` means ``-(x ** 2)``, ``2 ** -1`` is allowed, and
``not a == b`` means ``not (a == b)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ParseError, location
from .lexer import BOOL, EOF, NAME, NUMBER, OP, Token, tokenize
from .nodes import Binary, Boolean, Call, Name, Node, Number, Unary

__all__ = ["Parser", "parse", "INFIX_OPERATORS", "PREFIX_OPERATORS", "MAX_DEPTH"]

LEFT = "left"
RIGHT = "right"
NONASSOC = "nonassoc"


@dataclass(frozen=True)
class InfixOperator:
    """Binding power and associativity of an infix operator."""

    binding_power: int
    associativity: str


_COMPARISON = InfixOperator(40, NONASSOC)

#: Infix operators by token text.
INFIX_OPERATORS: dict[str, InfixOperator] = {
    "or": InfixOperator(10, LEFT),
    "and": InfixOperator(20, LEFT),
    "==": _COMPARISON,
    "!=": _COMPARISON,
    "<": _COMPARISON,
    "<=": _COMPARISON,
    ">": _COMPARISON,
    ">=": _COMPARISON,
    "+": InfixOperator(50, LEFT),
    "-": InfixOperator(50, LEFT),
    "*": InfixOperator(60, LEFT),
    "/": InfixOperator(60, LEFT),
    "//": InfixOperator(60, LEFT),
    "%": InfixOperator(60, LEFT),
    "**": InfixOperator(80, RIGHT),
}

#: Prefix operators and the binding power their operand is parsed with.
PREFIX_OPERATORS: dict[str, int] = {"not": 70, "-": 70, "+": 70}

#: Maximum nesting of sub-expressions, to keep deeply nested input from
#: exhausting the Python stack.
MAX_DEPTH = 100


def parse(source: str) -> Node:
    """Parse ``source`` and return the root node of its AST.

    :raises TokenizeError: if the source contains invalid characters.
    :raises ParseError: if the source is not a well-formed expression.
    """
    return Parser(source).parse()


def _number_value(text: str) -> int | float:
    """Convert a NUMBER token to ``int`` when it is written as an integer."""
    if any(ch in text for ch in ".eE"):
        return float(text)
    return int(text)


class Parser:
    """Recursive Pratt parser over the tokens of one source string."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    # -- entry points -----------------------------------------------------

    def parse(self) -> Node:
        """Parse the whole input as one expression."""
        token = self._peek()
        if token.kind == EOF:
            raise self._error("empty expression", token)
        node = self.expression()
        token = self._peek()
        if token.kind != EOF:
            raise self._error(f"unexpected {token.describe()}", token)
        return node

    def expression(self, min_bp: int = 0) -> Node:
        """Parse an expression whose operators bind tighter than ``min_bp``."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self._error("expression is nested too deeply", self._peek())
            left = self._prefix()
            previous_comparison: Token | None = None
            while True:
                token = self._peek()
                operator = INFIX_OPERATORS.get(token.text) if token.kind == OP else None
                if operator is None or operator.binding_power <= min_bp:
                    break
                if operator.associativity == NONASSOC:
                    if previous_comparison is not None:
                        raise self._error(
                            f"comparison operators cannot be chained "
                            f"('{previous_comparison.text}' followed by '{token.text}'); "
                            f"combine the comparisons with 'and'",
                            token,
                        )
                    previous_comparison = token
                self._advance()
                if operator.associativity == RIGHT:
                    right = self.expression(operator.binding_power - 1)
                else:
                    right = self.expression(operator.binding_power)
                left = Binary(token.text, left, right, pos=token.pos)
            return left
        finally:
            self.depth -= 1

    # -- grammar rules ----------------------------------------------------

    def _prefix(self) -> Node:
        token = self._advance()
        if token.kind == NUMBER:
            return Number(_number_value(token.text), token.text, pos=token.pos)
        if token.kind == BOOL:
            return Boolean(token.text == "true", pos=token.pos)
        if token.kind == NAME:
            if self._at("("):
                return self._call(token)
            return Name(token.text, pos=token.pos)
        if token.kind == OP:
            if token.text == "(":
                node = self.expression()
                self._expect_closing(token)
                return node
            binding_power = PREFIX_OPERATORS.get(token.text)
            if binding_power is not None:
                operand = self.expression(binding_power)
                return Unary(token.text, operand, pos=token.pos)
        raise self._error(f"expected an expression, found {token.describe()}", token)

    def _call(self, name: Token) -> Node:
        opening = self._advance()
        args: list[Node] = []
        if not self._at(")"):
            while True:
                args.append(self.expression())
                if not self._at(","):
                    break
                self._advance()
        self._expect_closing(opening)
        return Call(name.text, tuple(args), pos=name.pos)

    # -- token helpers ----------------------------------------------------

    def _peek(self) -> Token:
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != EOF:
            self.index += 1
        return token

    def _at(self, text: str) -> bool:
        token = self._peek()
        return token.kind == OP and token.text == text

    def _expect_closing(self, opening: Token) -> None:
        if self._at(")"):
            self._advance()
            return
        token = self._peek()
        line, column = location(self.source, opening.pos)
        where = f"column {column}" if "\n" not in self.source else f"line {line}, column {column}"
        raise self._error(
            f"expected ')' to close '(' from {where}, found {token.describe()}", token
        )

    def _error(self, message: str, token: Token) -> ParseError:
        return ParseError(message, token.pos, self.source)
