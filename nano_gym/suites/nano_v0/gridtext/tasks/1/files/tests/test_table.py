import pytest

from gridtext import Table, tabulate


def lines(text):
    return text.splitlines()


# -- rows and headers --------------------------------------------------------


def test_basic_table():
    assert tabulate([["apple", 3], ["kiwi", 12]], ["fruit", "qty"]) == (
        "fruit  qty\n"
        "apple    3\n"
        "kiwi    12"
    )


def test_no_rows_renders_header_only():
    assert tabulate([], ["a", "b"], style="grid") == "+---+---+\n| a | b |\n+===+===+\n+---+---+"


def test_empty_table_renders_nothing():
    assert tabulate([]) == ""
    assert str(Table()) == ""


def test_headers_firstrow():
    assert tabulate([["name", "n"], ["x", 1]], headers="firstrow") == "name  n\nx     1"


def test_ragged_rows_are_completed():
    result = tabulate([["a"], ["b", 2, "extra"]], ["col"], missing="?", style="grid")
    assert lines(result) == [
        "+-----+---+-------+",
        "| col |   |       |",
        "+=====+===+=======+",
        "| a   | ? | ?     |",
        "+-----+---+-------+",
        "| b   | 2 | extra |",
        "+-----+---+-------+",
    ]


def test_dict_rows_with_keys():
    rows = [{"name": "ann", "role": "dev"}, {"name": "bob", "city": "Oslo"}]
    assert tabulate(rows, headers="keys") == (
        "name  role  city\n"
        "ann   dev\n"
        "bob         Oslo"
    )


def test_dict_rows_without_headers():
    assert tabulate([{"a": "x", "b": "y"}]) == "x  y"


def test_dict_rows_with_header_mapping():
    rows = [{"name": "ann", "age": 31}]
    assert tabulate(rows, headers={"age": "Age", "name": "Name"}) == "Age  Name\n 31  ann"


def test_dict_rows_with_key_list_selects_columns():
    rows = [{"name": "ann", "age": 31, "id": 7}]
    assert tabulate(rows, headers=["id", "name"]) == "id  name\n 7  ann"


def test_dict_rows_firstrow_maps_keys_to_labels():
    rows = [{"n": "Name", "a": "Age"}, {"n": "ann", "a": 31}]
    assert tabulate(rows, headers="firstrow") == "Name  Age\nann    31"


def test_integer_headers():
    result = tabulate([["sales", 10, 12]], ["", 2023, 2024])
    assert result == "       2023  2024\nsales    10    12"


def test_none_header_label_is_blank():
    assert tabulate([[1, 2]], ["a", None], style="grid").splitlines()[1] == "| a |   |"


def test_dict_rows_with_integer_keys():
    rows = [{1: "one", 2: "two"}, {1: "uno", 3: "tres"}]
    assert tabulate(rows, headers="keys") == "1    2    3\none  two\nuno       tres"


def test_headers_keys_for_sequence_rows():
    assert tabulate([["a", "b"], ["c", "d"]], headers="keys") == "0  1\na  b\nc  d"


def test_mixing_row_kinds_is_an_error():
    with pytest.raises(TypeError):
        tabulate([{"a": 1}, [1]])


def test_mapping_headers_need_mapping_rows():
    with pytest.raises(TypeError):
        tabulate([[1]], headers={0: "zero"})


def test_invalid_header_string():
    with pytest.raises(ValueError):
        Table(headers="first")


def test_rows_must_be_sequences():
    with pytest.raises(TypeError):
        Table().add_row("abc")


def test_add_row_incrementally():
    table = Table(headers=["k", "v"], style="simple")
    table.add_row(["a", 1]).add_row(["bb", 22])
    table.add_rows([("c", 3)])
    assert len(table) == 3
    assert str(table) == "k    v\n--  --\na    1\nbb  22\nc    3"


def test_rows_from_generator():
    assert tabulate(([i, i * i] for i in range(1, 4))) == "1  1\n2  4\n3  9"


# -- alignment ---------------------------------------------------------------


def test_numeric_strings_are_right_aligned():
    assert tabulate([["5"], ["10"]]) == " 5\n10"


def test_numparse_disabled():
    assert tabulate([["5"], ["10"]], numparse=False) == "5\n10"


def test_numalign_and_stralign():
    result = tabulate([["a", 1], ["bbb", 100]], ["s", "n"], numalign="left", stralign="right")
    assert lines(result) == ["  s  n", "  a  1", "bbb  100"]


def test_center_alignment():
    assert tabulate([["a"], ["abcd"]], colalign=["center"], style="grid").splitlines()[1] == "|  a   |"


def test_colalign_mapping_by_key():
    rows = [{"name": "a", "code": "x"}, {"name": "bbb", "code": "yyy"}]
    result = tabulate(rows, headers="keys", colalign={"code": "right"})
    assert lines(result) == ["name  code", "a        x", "bbb    yyy"]


def test_colalign_too_long():
    with pytest.raises(ValueError):
        tabulate([[1]], colalign=["left", "right"])


def test_unknown_alignment():
    with pytest.raises(ValueError):
        tabulate([[1]], colalign=["middle"])


def test_bool_column_is_text():
    result = tabulate([["a", True, 1000], ["b", False, 5]], ["k", "ok", "n"], intfmt=",")
    assert lines(result) == [
        "k  ok         n",
        "a  True   1,000",
        "b  False      5",
    ]


def test_numalign_decimal():
    result = tabulate([[1.5], [10], [0.125], [-3.25]], ["x"], numalign="decimal", style="grid")
    assert lines(result)[3::2] == [
        "|  1.5   |",
        "| 10     |",
        "|  0.125 |",
        "| -3.25  |",
    ]


def test_colalign_decimal_with_formatted_numbers():
    rows = [["a", 1234.5], ["b", 7], ["c", 0.25]]
    result = tabulate(rows, ["k", "v"], colalign=[None, "decimal"], floatfmt=",g", style="grid")
    assert lines(result)[3::2] == ["| a | 1,234.5  |", "| b |     7    |", "| c |     0.25 |"]


def test_decimal_on_text_column_aligns_right():
    assert tabulate([["a"], ["bbb"]], colalign=["decimal"]) == "  a\nbbb"


# -- number formatting and missing values ----------------------------------------


def test_floatfmt():
    assert tabulate([[1.0], [2.345]], floatfmt=".2f") == "1.00\n2.35"


def test_per_column_floatfmt():
    result = tabulate([[1.5, 1.5]], floatfmt=[".1f", ".3f"])
    assert result == "1.5  1.500"


def test_ints_in_float_column_use_floatfmt():
    assert tabulate([[1], [2.5]], floatfmt=".1f") == "1.0\n2.5"


def test_intfmt():
    assert tabulate([[1234567], [42]], intfmt=",") == "1,234,567\n       42"


def test_missing_text():
    assert tabulate([["a", None]], missing="n/a") == "a  n/a"


def test_missing_in_numeric_column_keeps_format():
    result = tabulate([["a", 1.5], ["b", None], ["c", 10.25]], floatfmt=".2f", missing="-")
    assert lines(result) == ["a   1.50", "b      -", "c  10.25"]


def test_absent_dict_key_in_numeric_column():
    rows = [{"item": "pen", "price": 1.5}, {"item": "ink"}, {"item": "pad", "price": 12}]
    result = tabulate(rows, headers="keys", floatfmt=".2f", missing="?")
    assert lines(result) == ["item  price", "pen    1.50", "ink       ?", "pad   12.00"]


def test_short_row_in_numeric_column():
    result = tabulate([["a", 100], ["b"]], ["k", "n"], intfmt="05d")
    assert lines(result) == ["k      n", "a  00100", "b"]


# -- wide characters -----------------------------------------------------------


def test_wide_characters_line_up():
    result = tabulate([["東京", 1], ["Oslo", 22]], ["city", "n"], style="grid")
    assert lines(result)[3] == "| 東京 |  1 |"
    assert lines(result)[5] == "| Oslo | 22 |"


def test_combining_accents_line_up():
    result = tabulate([["cafe\u0301", 1], ["bar", 2]])
    assert lines(result) == ["cafe\u0301  1", "bar   2"]


# -- multi-line cells, wrapping and truncation ------------------------------------


def test_multiline_cells():
    result = tabulate([["two\nlines", 1]], ["text", "n"], style="grid")
    assert lines(result) == [
        "+-------+---+",
        "| text  | n |",
        "+=======+===+",
        "| two   | 1 |",
        "| lines |   |",
        "+-------+---+",
    ]


def test_maxwidth_wraps():
    result = tabulate([["the quick brown fox", 1]], ["text", "n"], maxwidth={0: 9}, style="grid")
    assert lines(result) == [
        "+-----------+---+",
        "| text      | n |",
        "+===========+===+",
        "| the quick | 1 |",
        "| brown fox |   |",
        "+-----------+---+",
    ]


def test_maxwidth_applies_to_headers():
    result = tabulate([["x"]], ["a long header"], maxwidth=6)
    assert lines(result) == ["a long", "header", "x"]


def test_maxwidth_truncates():
    rows = [["configuration file", "ok"], ["log", "ok"]]
    result = tabulate(rows, maxwidth=[8], overflow="truncate")
    assert lines(result) == ["configu…  ok", "log       ok"]


def test_maxwidth_truncate_custom_ellipsis():
    assert tabulate([["abcdefghij"]], maxwidth=6, overflow="truncate", ellipsis="..") == "abcd.."


def test_maxwidth_with_wide_characters():
    rows = [["東京都渋谷区神南", 1]]
    wrapped = tabulate(rows, maxwidth=[6], style="grid")
    assert lines(wrapped) == [
        "+--------+---+",
        "| 東京都 | 1 |",
        "| 渋谷区 |   |",
        "| 神南   |   |",
        "+--------+---+",
    ]
    truncated = tabulate(rows, maxwidth=[6], overflow="truncate", style="grid")
    assert lines(truncated)[1] == "| 東京… | 1 |"


def test_invalid_maxwidth():
    with pytest.raises(ValueError):
        tabulate([["x"]], maxwidth=0)


def test_invalid_overflow():
    with pytest.raises(ValueError):
        Table(overflow="hide")
