"""Padding cell text to a column width.

Alignments are named by strings: ``"left"``, ``"right"`` and ``"center"``
pad with spaces on the right, the left, or both sides.  When centring
leaves an odd number of spaces, the extra one goes on the right.
"""

from __future__ import annotations

from .width import display_width

__all__ = ["ALIGNMENTS", "check_alignment", "pad"]

#: Every alignment accepted by :class:`gridtext.Table`.
ALIGNMENTS = ("left", "right", "center")


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
    this function never cuts.

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
