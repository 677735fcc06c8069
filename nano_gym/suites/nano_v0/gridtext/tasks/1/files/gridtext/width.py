"""Measuring and cutting text by terminal display width.

Most characters take up one terminal column.  East Asian *wide* and
*fullwidth* characters (CJK ideographs, kana, hangul syllables, fullwidth
Latin letters and digits, most emoji) take up two, while combining marks,
zero-width format characters and control characters take up none.

Everything in :mod:`gridtext` that lines text up goes through these helpers
instead of :func:`len`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["char_width", "display_width", "split_at_width"]

# General categories that never advance the cursor: nonspacing and
# enclosing marks, format characters (ZWJ, ZWSP, BOM, ...) and controls.
_ZERO_WIDTH_CATEGORIES = frozenset({"Mn", "Me", "Cf", "Cc"})


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Return the number of terminal columns taken by the character *ch*.

    >>> char_width("a"), char_width("漢")
    (1, 2)
    """
    if len(ch) != 1:
        raise ValueError(f"char_width() expects a single character, got {ch!r}")
    if unicodedata.category(ch) in _ZERO_WIDTH_CATEGORIES:
        return 0
    if unicodedata.east_asian_width(ch) == "W":
        return 2
    return 1


def display_width(text: str) -> int:
    """Return the number of terminal columns needed to display *text*.

    *text* is treated as a single line: split multi-line text before
    measuring it.

    >>> display_width("naïve"), display_width("東京")
    (5, 4)
    """
    return sum(char_width(ch) for ch in text)


def split_at_width(text: str, width: int) -> tuple[str, str]:
    """Split *text* after at most *width* display columns.

    Returns ``(head, tail)`` where ``head + tail == text`` and *head* is the
    longest prefix whose display width does not exceed *width*.  Zero-width
    characters (such as combining accents) directly after the cut stay with
    the character they modify.  A double-width character never gets split:
    if it does not fit, it starts the tail.

    >>> split_at_width("日本語", 3)
    ('日', '本語')
    """
    if width < 0:
        raise ValueError(f"width must be non-negative, got {width}")
    used = 0
    for index, ch in enumerate(text):
        used += char_width(ch)
        if used > width:
            return text[:index], text[index:]
    return text, ""
