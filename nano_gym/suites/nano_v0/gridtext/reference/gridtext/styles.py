"""Border styles.

A :class:`Style` describes everything around the cell text: the characters
framing each row, the optional horizontal rules, and the padding between
the text and the column separators.  Four styles are built in:

``plain``
    Columns separated by two spaces, no lines at all.
``simple``
    Like ``plain``, with a dashed rule under the header.
``grid``
    A full box drawn with ``+``, ``-``, ``=`` and ``|``.
``markdown``
    A GitHub-flavoured Markdown (pipe) table, with alignment colons in the
    delimiter row and ``|`` in cell text escaped.

Further styles can be added with :func:`register_style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .align import pad

__all__ = ["STYLES", "RowFrame", "Rule", "Style", "get_style", "register_style"]

Cell = Sequence[str]
"""The physical lines of one cell."""


@dataclass(frozen=True)
class Rule:
    """A horizontal line: ``left``, then one run of ``fill`` per column
    joined by ``sep``, then ``right``."""

    left: str
    fill: str
    sep: str
    right: str


@dataclass(frozen=True)
class RowFrame:
    """The characters drawn before, between and after the cells of a row."""

    left: str
    sep: str
    right: str


@dataclass(frozen=True)
class Style:
    """A complete table border style.

    :param name: the name the style is registered under.
    :param row: framing of header and data rows.
    :param padding: spaces between cell text and the frame, on each side.
    :param top: rule above the table.
    :param header_rule: rule between the header and the body.
    :param row_rule: rule between two data rows.
    :param bottom: rule below the table.
    :param align_markers: draw Markdown alignment colons in the header rule.
    :param escape_pipes: escape ``|`` in cell text as ``\\|``.
    :param min_width: minimum width of every column's text area.
    :param require_header: emit an empty header row when there are no
        headers (Markdown tables cannot exist without one).
    """

    name: str
    row: RowFrame
    padding: int = 0
    top: Rule | None = None
    header_rule: Rule | None = None
    row_rule: Rule | None = None
    bottom: Rule | None = None
    align_markers: bool = False
    escape_pipes: bool = False
    min_width: int = 0
    require_header: bool = False

    def escape(self, text: str) -> str:
        """Return *text* with characters that would break the layout escaped."""
        if self.escape_pipes:
            return text.replace("|", "\\|")
        return text

    def rule(self, rule: Rule, widths: Sequence[int], aligns: Sequence[str]) -> str:
        """Draw the horizontal *rule* for columns of the given *widths*."""
        segments = []
        for width, align in zip(widths, aligns):
            size = width + 2 * self.padding
            if self.align_markers:
                segments.append(_marker(rule.fill, size, align))
            else:
                segments.append(rule.fill * size)
        return rule.left + rule.sep.join(segments) + rule.right

    def row_lines(
        self, cells: Sequence[Cell], widths: Sequence[int], aligns: Sequence[str]
    ) -> list[str]:
        """Draw one logical row, which may span several physical lines.

        Cells with fewer lines than the tallest cell are filled with blank
        lines at the bottom.
        """
        height = max((len(cell) for cell in cells), default=1) or 1
        space = " " * self.padding
        frame = self.row
        lines = []
        for index in range(height):
            parts = [
                space + pad(cell[index] if index < len(cell) else "", width, align) + space
                for cell, width, align in zip(cells, widths, aligns)
            ]
            line = frame.left + frame.sep.join(parts) + frame.right
            if not frame.right:
                line = line.rstrip()
            lines.append(line)
        return lines

    def render(
        self,
        header: Sequence[Cell] | None,
        body: Sequence[Sequence[Cell]],
        widths: Sequence[int],
        aligns: Sequence[str],
    ) -> list[str]:
        """Draw a whole table and return its lines.

        :param header: the header cells, or None for a table without header.
        :param body: the data rows, each a sequence of cells.
        :param widths: the text width of every column.
        :param aligns: the alignment of every column (already resolved, so
            ``"left"``, ``"right"`` or ``"center"``).
        """
        if header is None and self.require_header:
            header = [[""] for _ in widths]
        out = []
        if self.top:
            out.append(self.rule(self.top, widths, aligns))
        if header is not None:
            out.extend(self.row_lines(header, widths, aligns))
            if self.header_rule:
                out.append(self.rule(self.header_rule, widths, aligns))
        for index, row in enumerate(body):
            if index and self.row_rule:
                out.append(self.rule(self.row_rule, widths, aligns))
            out.extend(self.row_lines(row, widths, aligns))
        if self.bottom:
            out.append(self.rule(self.bottom, widths, aligns))
        return out


def _marker(fill: str, size: int, align: str) -> str:
    """A Markdown delimiter cell of *size* characters for *align*."""
    if align == "left":
        return ":" + fill * (size - 1)
    if align == "center":
        return ":" + fill * (size - 2) + ":"
    return fill * (size - 1) + ":"


_GRID_LINE = Rule("+", "-", "+", "+")

STYLES: dict[str, Style] = {
    "plain": Style("plain", RowFrame("", "  ", "")),
    "simple": Style(
        "simple",
        RowFrame("", "  ", ""),
        header_rule=Rule("", "-", "  ", ""),
    ),
    "grid": Style(
        "grid",
        RowFrame("|", "|", "|"),
        padding=1,
        top=_GRID_LINE,
        header_rule=Rule("+", "=", "+", "+"),
        row_rule=_GRID_LINE,
        bottom=_GRID_LINE,
    ),
    "markdown": Style(
        "markdown",
        RowFrame("|", "|", "|"),
        padding=1,
        header_rule=Rule("|", "-", "|", "|"),
        align_markers=True,
        escape_pipes=True,
        min_width=1,
        require_header=True,
    ),
}


def get_style(style: str | Style) -> Style:
    """Return the :class:`Style` named *style* (or *style* itself).

    :raises ValueError: if no style of that name is registered.
    """
    if isinstance(style, Style):
        return style
    try:
        return STYLES[style]
    except KeyError:
        known = ", ".join(sorted(STYLES))
        raise ValueError(f"unknown style {style!r}; available styles: {known}") from None


def register_style(style: Style, *, replace: bool = False) -> Style:
    """Make *style* available by name to :func:`get_style`.

    :raises ValueError: if the name is taken and *replace* is false.
    """
    if style.name in STYLES and not replace:
        raise ValueError(f"a style named {style.name!r} is already registered")
    STYLES[style.name] = style
    return style
