"""gridtext: plain-text tables that line up.

>>> from gridtext import tabulate
>>> print(tabulate([["apple", 3], ["kiwi", 12]], headers=["fruit", "qty"], style="grid"))
+-------+-----+
| fruit | qty |
+=======+=====+
| apple |   3 |
+-------+-----+
| kiwi  |  12 |
+-------+-----+
"""

from .align import ALIGNMENTS, align_decimal, pad
from .cells import column_type, format_value
from .styles import STYLES, RowFrame, Rule, Style, get_style, register_style
from .table import Table, tabulate
from .width import char_width, display_width, split_at_width
from .wrap import fit_lines, truncate, wrap_text

__version__ = "1.0.0"

__all__ = [
    "ALIGNMENTS",
    "STYLES",
    "RowFrame",
    "Rule",
    "Style",
    "Table",
    "align_decimal",
    "char_width",
    "column_type",
    "display_width",
    "fit_lines",
    "format_value",
    "get_style",
    "pad",
    "register_style",
    "split_at_width",
    "tabulate",
    "truncate",
    "wrap_text",
]
