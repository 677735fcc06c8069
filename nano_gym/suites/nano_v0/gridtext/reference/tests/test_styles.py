import pytest

from gridtext import STYLES, RowFrame, Rule, Style, get_style, register_style, tabulate

ROWS = [["apple", 3], ["kiwi", 12]]
HEADERS = ["fruit", "qty"]


def render(style, **options):
    return tabulate(ROWS, HEADERS, style=style, **options)


def test_builtin_styles():
    assert {"plain", "simple", "grid", "markdown"} <= set(STYLES)


def test_plain():
    assert render("plain") == "fruit  qty\napple    3\nkiwi    12"


def test_simple():
    assert render("simple") == (
        "fruit  qty\n"
        "-----  ---\n"
        "apple    3\n"
        "kiwi    12"
    )


def test_grid():
    assert render("grid") == (
        "+-------+-----+\n"
        "| fruit | qty |\n"
        "+=======+=====+\n"
        "| apple |   3 |\n"
        "+-------+-----+\n"
        "| kiwi  |  12 |\n"
        "+-------+-----+"
    )


def test_grid_without_headers():
    assert tabulate(ROWS, style="grid") == (
        "+-------+----+\n"
        "| apple |  3 |\n"
        "+-------+----+\n"
        "| kiwi  | 12 |\n"
        "+-------+----+"
    )


def test_markdown_alignment_markers():
    result = tabulate(ROWS, HEADERS, style="markdown", colalign=[None, "center"])
    assert result == (
        "| fruit | qty |\n"
        "|:------|:---:|\n"
        "| apple |  3  |\n"
        "| kiwi  | 12  |"
    )


def test_markdown_right_aligned_numbers():
    assert render("markdown").splitlines()[1] == "|:------|----:|"


def test_markdown_escapes_pipes():
    result = tabulate([["a|b", 1]], ["x|y", "n"], style="markdown")
    assert result.splitlines()[0] == "| x\\|y | n |"
    assert result.splitlines()[2] == "| a\\|b | 1 |"


def test_markdown_without_headers_gets_empty_header():
    result = tabulate([["a", "b"]], style="markdown")
    assert result == "|   |   |\n|:--|:--|\n| a | b |"


def test_plain_strips_trailing_spaces():
    result = tabulate([["a", ""], ["bbb", "c"]])
    assert result == "a\nbbb  c"


def test_unknown_style():
    with pytest.raises(ValueError, match="unknown style 'fancy'"):
        get_style("fancy")


def test_style_instance_is_accepted():
    dots = Style("dots", RowFrame(": ", " : ", " :"), header_rule=Rule(": ", ".", " : ", " :"))
    assert tabulate([[1, 2]], ["a", "b"], style=dots) == ": a : b :\n: . : . :\n: 1 : 2 :"


def test_register_style():
    tsv = Style("tsv-test", RowFrame("", "\t", ""))
    register_style(tsv)
    try:
        assert get_style("tsv-test") is tsv
        assert tabulate([["a", 1], ["bb", 22]], style="tsv-test") == "a \t 1\nbb\t22"
        with pytest.raises(ValueError):
            register_style(tsv)
    finally:
        del STYLES["tsv-test"]
