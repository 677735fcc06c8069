"""Classifying and formatting cell values.

Every column of a table gets a *type*, inferred from its values:

``"int"``
    every present value is an integer;
``"float"``
    every present value is a number and at least one is not an integer;
``"text"``
    at least one present value is not a number;
``"empty"``
    the column has no present values at all.

Missing values (``None``) never influence the type of a column.  With
*numparse* enabled (the default), strings that look like numbers, such as
``"42"`` or ``"-1.5e3"``, count as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Union

__all__ = [
    "EMPTY",
    "FLOAT",
    "INT",
    "TEXT",
    "column_type",
    "format_value",
    "is_number",
    "parse_number",
    "to_number",
    "value_kind",
]

INT = "int"
FLOAT = "float"
TEXT = "text"
EMPTY = "empty"

Number = Union[int, float, Decimal]

_INT_RE = re.compile(r"[+-]?\d+\Z")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?\Z")


def is_number(value: Any) -> bool:
    """Return True if *value* is an int, float or Decimal.

    Booleans are not numbers here, even though :class:`bool` is a subclass
    of :class:`int`.
    """
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def parse_number(text: str) -> Number | None:
    """Parse a decimal number written as a string, or return None.

    Surrounding whitespace is ignored.  Only plain decimal notation is
    accepted (``"12"``, ``"-0.5"``, ``"1e6"``); thousands separators,
    ``"nan"`` and ``"inf"`` are not numbers here.

    >>> parse_number(" 42 "), parse_number("2.5"), parse_number("n/a")
    (42, 2.5, None)
    """
    stripped = text.strip()
    if _INT_RE.match(stripped):
        return int(stripped)
    if _FLOAT_RE.match(stripped):
        return float(stripped)
    return None


def to_number(value: Any, numparse: bool = True) -> Number | None:
    """Return *value* as a number, or None if it is not one."""
    if is_number(value):
        return value
    if numparse and isinstance(value, str):
        return parse_number(value)
    return None


def value_kind(value: Any, numparse: bool = True) -> str:
    """Return the type a single value suggests for its column.

    >>> value_kind(3), value_kind("3.5"), value_kind("x"), value_kind(None)
    ('int', 'float', 'text', 'empty')
    """
    if value is None:
        return EMPTY
    number = to_number(value, numparse)
    if number is None:
        return TEXT
    if isinstance(number, int):
        return INT
    return FLOAT


def column_type(values: Iterable[Any], numparse: bool = True) -> str:
    """Infer the type of a column from its values (see the module docs)."""
    kinds = {value_kind(value, numparse) for value in values}
    kinds.discard(EMPTY)
    if not kinds:
        return EMPTY
    if kinds == {INT}:
        return INT
    if kinds <= {INT, FLOAT}:
        return FLOAT
    return TEXT


def format_value(
    value: Any,
    coltype: str,
    *,
    floatfmt: str = "g",
    intfmt: str = "",
    missing: str = "",
    numparse: bool = True,
) -> str:
    """Turn one cell value into text.

    Missing values become *missing*.  In ``"float"`` columns every number,
    integers included, is formatted with *floatfmt*; in ``"int"`` columns
    with *intfmt*.  Both are :func:`format` specifications.  Anything else
    is converted with :class:`str`.

    >>> format_value(3, "float", floatfmt=".2f")
    '3.00'
    >>> format_value(1234567, "int", intfmt=",")
    '1,234,567'
    """
    if value is None:
        return missing
    if coltype in (INT, FLOAT):
        number = to_number(value, numparse)
        if number is not None:
            return format(number, floatfmt if coltype == FLOAT else intfmt)
    return str(value)
