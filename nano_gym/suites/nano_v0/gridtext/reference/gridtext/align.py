"""Padding cell text to a column width.

Alignments are named by strings:

``"left"``, ``"right"``, ``"center"``
    Pad with spaces on the right, the left, or both sides.  When centring
    leaves an odd number of spaces, the extra one goes on the right.
``"decimal"``
    Only meaningful for a whole column of formatted numbers: the values are
    first padded so that their decimal points line up (see
    :func:`align_decimal`), then the block is right-aligned.  Numbers
    without a decimal point are treated as if the point followed their last
    character.
"""

from __future__ import annotations

from collections.abc import Sequence

from .width import display_width

__all__ = ["ALIGNMENTS", "align_decimal", "check_alignment", "pad"]

#: Every alignment accepted by :class:`gridtext.Table`.
ALIGNMENTS = ("left", "right", "center", "decimal")


def check_alignment(align: str) -> str:
    """Return *align* unchanged if it is a known alignment, else raise.

    :raises ValueError: for anything not listed in :data:`ALIGNMENTS`.
    """
    if align not in ALIGNMENTS:
        expected = ", ".join(ALIGNMENTS)
        raise ValueError(f"unknown alignment {align!r}; expected one of {expected}")
    return align


def pad(text: str, width: int, align: str = "left", fillchar: str = " ") -> str:
    """Pad *text* with *fillchar* to *width* display columns.

    Text that is already as wide as *width* (or wider) is returned unchanged;
    this function never cuts.  ``"decimal"`` pads like ``"right"``: the
    decimal points are lined up beforehand by :func:`align_decimal`.

    >>> pad("ab", 5, "center")
    ' ab  '
    """
    check_alignment(align)
    gap = width - display_width(text)
    if gap <= 0:
        return text
    if align == "left":
        return text + fillchar * gap
    if align == "center":
        left = gap // 2
        return fillchar * left + text + fillchar * (gap - left)
    return fillchar * gap + text


def _split_point(text: str) -> tuple[str, str]:
    """Split a formatted number into the part before its decimal point and the rest."""
    index = text.find(".")
    if index < 0:
        return text, ""
    return text[:index], text[index:]


def align_decimal(texts: Sequence[str]) -> list[str]:
    """Pad formatted numbers so that their decimal points line up.

    Every returned string has the same display width.

    >>> align_decimal(["1.5", "10", "0.125"])
    [' 1.5  ', '10    ', ' 0.125']
    """
    parts = [_split_point(text) for text in texts]
    if not parts:
        return []
    int_width = max(display_width(whole) for whole, _ in parts)
    frac_width = max(display_width(frac) for _, frac in parts)
    return [
        pad(whole, int_width, "right") + pad(frac, frac_width, "left")
        for whole, frac in parts
    ]
