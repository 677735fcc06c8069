"""Fitting cell text into a limited number of columns.

Two strategies are offered: *wrapping* breaks text into several lines at
whitespace (breaking words that are longer than a whole line), *truncation*
cuts every line short and marks the cut with an ellipsis.  Both measure
text in display columns, so double-width characters are accounted for.
"""

from __future__ import annotations

from .width import display_width, split_at_width

__all__ = ["OVERFLOW_MODES", "fit_lines", "truncate", "wrap_text"]

#: Accepted values for the *overflow* option.
OVERFLOW_MODES = ("wrap", "truncate")


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """Shorten *text* to at most *width* display columns.

    If *text* is cut, trailing whitespace is dropped and *ellipsis* is
    appended; the result, ellipsis included, still fits in *width*.  When
    not even the ellipsis fits, the text is cut without one.

    >>> truncate("configuration", 8)
    'configu…'
    >>> truncate("short", 8)
    'short'
    """
    if width < 0:
        raise ValueError(f"width must be non-negative, got {width}")
    if display_width(text) <= width:
        return text
    room = width - display_width(ellipsis)
    if room < 0:
        return split_at_width(text, width)[0]
    return split_at_width(text, room)[0].rstrip() + ellipsis


def _break_word(word: str, width: int) -> list[str]:
    """Cut a word that does not fit on one line into pieces of *width* columns."""
    pieces = []
    while word:
        head, word = split_at_width(word, width)
        if not head:
            # A double-width character on a one-column line: it has to go
            # somewhere, so it gets a line of its own.
            head, word = word[0], word[1:]
        pieces.append(head)
    return pieces


def _wrap_line(line: str, width: int) -> list[str]:
    """Greedily wrap a single line (no newlines) to *width* columns."""
    lines: list[str] = []
    current = ""
    used = 0
    for word in line.split():
        size = display_width(word)
        if size > width:
            if current:
                lines.append(current)
            *full, current = _break_word(word, width)
            lines.extend(full)
            used = display_width(current)
        elif not current:
            current, used = word, size
        elif used + 1 + size <= width:
            current += " " + word
            used += 1 + size
        else:
            lines.append(current)
            current, used = word, size
    lines.append(current)
    return lines


def wrap_text(text: str, width: int) -> list[str]:
    """Wrap *text* into lines of at most *width* display columns.

    Existing line breaks are kept, runs of whitespace inside a line collapse
    to one space, and words longer than *width* are broken.  Always returns
    at least one line.

    >>> wrap_text("the quick brown fox", 10)
    ['the quick', 'brown fox']
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    lines = []
    for line in text.splitlines() or [""]:
        lines.extend(_wrap_line(line, width))
    return lines


def fit_lines(
    text: str,
    width: int | None = None,
    overflow: str = "wrap",
    ellipsis: str = "…",
) -> list[str]:
    """Split cell *text* into the physical lines it occupies in a table.

    Without a *width* limit the text is only split at its own line breaks.
    Otherwise *overflow* decides between :func:`wrap_text` and
    :func:`truncate` (applied to each line separately).
    """
    if overflow not in OVERFLOW_MODES:
        raise ValueError(
            f"unknown overflow mode {overflow!r}; expected one of {', '.join(OVERFLOW_MODES)}"
        )
    if width is None:
        return text.splitlines() or [""]
    if overflow == "wrap":
        return wrap_text(text, width)
    return [truncate(line, width, ellipsis) for line in text.splitlines() or [""]]
