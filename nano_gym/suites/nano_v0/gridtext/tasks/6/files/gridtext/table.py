"""The :class:`Table` builder and the :func:`tabulate` shortcut."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .align import check_alignment
from .cells import FLOAT, INT, column_type, format_value
from .styles import Style, get_style
from .width import display_width
from .wrap import OVERFLOW_MODES, fit_lines

__all__ = ["Table", "tabulate"]

_NUMERIC = (INT, FLOAT)


class Table:
    """A table of rows, rendered as plain text.

    Rows are either all sequences or all mappings.  Sequence rows may have
    different lengths; short rows are completed with missing values.  For
    mapping rows, the columns are the keys, in order of first appearance
    unless *headers* says otherwise, and absent keys are missing values.

    :param rows: initial rows (more can be added with :meth:`add_row`).
    :param headers: one of

        * ``None``: no header row;
        * a sequence of labels (for mapping rows: of keys, which are also
          used as labels);
        * a mapping from key to label (mapping rows only), which also fixes
          the order of the columns;
        * ``"keys"``: the keys of mapping rows, or column numbers for
          sequence rows;
        * ``"firstrow"``: use the first row as the header.

        Labels need not be strings; ``None`` shows as an empty header.
    :param style: a style name (``"plain"``, ``"simple"``, ``"grid"``,
        ``"markdown"``) or a :class:`~gridtext.styles.Style`.
    :param colalign: per-column alignment overriding the automatic one: a
        sequence (entries may be None) or a mapping from key or column
        index to alignment.
    :param numalign: alignment of numeric columns: ``"right"`` (default),
        ``"left"`` or ``"center"``.
    :param stralign: alignment of all other columns (default ``"left"``).
    :param floatfmt: :func:`format` spec for numbers in float columns;
        a single string or per-column values like *colalign*.
    :param intfmt: :func:`format` spec for integer columns, likewise.
    :param missing: text shown for missing values (``None``).
    :param maxwidth: maximum text width of columns, a single int or
        per-column values; None means unlimited.
    :param overflow: what to do with text wider than *maxwidth*:
        ``"wrap"`` it onto more lines or ``"truncate"`` it.
    :param ellipsis: marker appended to truncated text.
    :param numparse: treat strings that look like numbers as numbers.
    """

    def __init__(
        self,
        rows: Iterable[Any] | None = None,
        headers: Any = None,
        *,
        style: str | Style = "plain",
        colalign: Any = None,
        numalign: str = "right",
        stralign: str = "left",
        floatfmt: Any = "g",
        intfmt: Any = "",
        missing: str = "",
        maxwidth: Any = None,
        overflow: str = "wrap",
        ellipsis: str = "…",
        numparse: bool = True,
    ) -> None:
        if isinstance(headers, str) and headers not in ("keys", "firstrow"):
            raise ValueError(
                f"headers must be a sequence, a mapping, 'keys' or 'firstrow', not {headers!r}"
            )
        if overflow not in OVERFLOW_MODES:
            raise ValueError(
                f"unknown overflow mode {overflow!r}; expected one of {', '.join(OVERFLOW_MODES)}"
            )
        self.headers = headers
        self.style = get_style(style)
        self.colalign = colalign
        self.numalign = check_alignment(numalign)
        self.stralign = check_alignment(stralign)
        self.floatfmt = floatfmt
        self.intfmt = intfmt
        self.missing = missing
        self.maxwidth = maxwidth
        self.overflow = overflow
        self.ellipsis = ellipsis
        self.numparse = numparse
        self._rows: list[Any] = []
        if rows is not None:
            self.add_rows(rows)

    # -- building -----------------------------------------------------------

    def add_row(self, row: Any) -> Table:
        """Append one row (a sequence or a mapping) and return the table."""
        if isinstance(row, Mapping):
            self._rows.append(dict(row))
        elif isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
            raise TypeError(f"a row must be a sequence or a mapping, not {type(row).__name__}")
        else:
            self._rows.append(list(row))
        return self

    def add_rows(self, rows: Iterable[Any]) -> Table:
        """Append every row of *rows* and return the table."""
        for row in rows:
            self.add_row(row)
        return self

    def __len__(self) -> int:
        return len(self._rows)

    # -- rendering ----------------------------------------------------------

    def render(self) -> str:
        """Return the table as a string (lines joined by ``\\n``, no final newline)."""
        keys, labels, body = self._normalize()
        ncols = len(keys)
        if ncols == 0:
            return ""
        style = self.style
        colaligns = self._per_column(self.colalign, keys, None, "colalign")
        floatfmts = self._per_column(self.floatfmt, keys, "g", "floatfmt")
        intfmts = self._per_column(self.intfmt, keys, "", "intfmt")
        maxwidths = self._per_column(self.maxwidth, keys, None, "maxwidth")
        for limit in maxwidths:
            if limit is not None and (not isinstance(limit, int) or limit < 1):
                raise ValueError(f"maxwidth must be a positive integer, got {limit!r}")

        types = [column_type((row[j] for row in body), self.numparse) for j in range(ncols)]
        texts = [
            [
                format_value(
                    value,
                    types[j],
                    floatfmt=floatfmts[j],
                    intfmt=intfmts[j],
                    missing=self.missing,
                    numparse=self.numparse,
                )
                for j, value in enumerate(row)
            ]
            for row in body
        ]

        aligns = []
        for j in range(ncols):
            numeric = types[j] in _NUMERIC
            align = colaligns[j] or (self.numalign if numeric else self.stralign)
            aligns.append(check_alignment(align))

        def fit(text: str, j: int) -> list[str]:
            return fit_lines(style.escape(text), maxwidths[j], self.overflow, self.ellipsis)

        cells = [[fit(text, j) for j, text in enumerate(row)] for row in texts]
        header = None
        if labels is not None:
            header = [fit(_label_text(label), j) for j, label in enumerate(labels)]

        widths = []
        for j in range(ncols):
            column = [row[j] for row in cells]
            if header is not None:
                column.append(header[j])
            widest = max((display_width(line) for cell in column for line in cell), default=0)
            widths.append(max(widest, style.min_width))
        return "\n".join(style.render(header, cells, widths, aligns))

    __str__ = render

    def _normalize(self) -> tuple[list[Any], list[Any] | None, list[list[Any]]]:
        """Return ``(keys, labels, body)`` with every body row as long as *keys*."""
        rows = self._rows
        mapping_rows = [isinstance(row, dict) for row in rows]
        if any(mapping_rows) and not all(mapping_rows):
            raise TypeError("cannot mix mapping rows and sequence rows in one table")
        if rows and mapping_rows[0]:
            return self._normalize_mappings(rows)
        return self._normalize_sequences(rows)

    def _normalize_sequences(self, rows: list[list[Any]]):
        headers = self.headers
        labels: list[Any] | None
        if isinstance(headers, Mapping):
            raise TypeError("headers can only be a mapping when the rows are mappings")
        if headers == "firstrow":
            labels, rows = (list(rows[0]), rows[1:]) if rows else ([], [])
        elif headers is None or headers == "keys":
            labels = None
        else:
            labels = list(headers)
        ncols = max([len(labels or ())] + [len(row) for row in rows])
        if headers == "keys":
            labels = list(range(ncols))
        if labels is not None:
            labels += [None] * (ncols - len(labels))
        body = [row + [None] * (ncols - len(row)) for row in rows]
        return list(range(ncols)), labels, body

    def _normalize_mappings(self, rows: list[dict[Any, Any]]):
        headers = self.headers
        labels: list[Any] | None
        if isinstance(headers, Mapping):
            keys = list(headers)
            labels = [headers[key] for key in keys]
        elif headers == "firstrow":
            first, rows = rows[0], rows[1:]
            keys = _union_keys([first] + rows)
            labels = [first.get(key, key) for key in keys]
        elif headers is None or headers == "keys":
            keys = _union_keys(rows)
            labels = None if headers is None else list(keys)
        else:
            keys = list(headers)
            labels = list(keys)
        body = [[row.get(key) for key in keys] for row in rows]
        return keys, labels, body

    def _per_column(self, option: Any, keys: list[Any], default: Any, name: str) -> list[Any]:
        """Expand a table-wide or per-column option to one value per column."""
        if option is None or isinstance(option, (str, int)):
            value = default if option is None else option
            return [value] * len(keys)
        if isinstance(option, Mapping):
            return [option.get(key, option.get(j, default)) for j, key in enumerate(keys)]
        values = list(option)
        if len(values) > len(keys):
            raise ValueError(f"{name} has {len(values)} entries but the table has {len(keys)} columns")
        return values + [default] * (len(keys) - len(values))


def _union_keys(rows: Iterable[Mapping[Any, Any]]) -> list[Any]:
    """All keys of *rows*, in order of first appearance."""
    seen: dict[Any, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _label_text(label: Any) -> str:
    """The text shown for a header label."""
    return "" if label is None else str(label)


def tabulate(rows: Iterable[Any], headers: Any = None, **options: Any) -> str:
    """Render *rows* as a text table in one call.

    Accepts the same arguments as :class:`Table`.

    >>> print(tabulate([["apple", 3], ["kiwi", 12]], headers=["fruit", "qty"]))
    fruit  qty
    apple    3
    kiwi    12
    """
    return Table(rows, headers, **options).render()
