from decimal import Decimal

from gridtext.cells import (
    EMPTY,
    FLOAT,
    INT,
    TEXT,
    column_type,
    format_value,
    is_number,
    parse_number,
    value_kind,
)


def test_is_number_accepts_numbers():
    for value in [0, -3, 2.5, float("nan"), Decimal("1.10")]:
        assert is_number(value), value


def test_is_number_rejects_other_values():
    for value in ["1", None, [1], 1j]:
        assert not is_number(value), value


def test_bools_are_not_numbers():
    assert not is_number(True)
    assert value_kind(False) == TEXT
    assert column_type([True, False, True]) == TEXT


def test_parse_number():
    cases = [("42", 42), (" -7 ", -7), ("+3", 3), ("2.5", 2.5), (".5", 0.5), ("1e3", 1000.0), ("5.", 5.0)]
    for text, expected in cases:
        result = parse_number(text)
        assert result == expected
        assert type(result) is type(expected)


def test_parse_number_rejects_non_numbers():
    for text in ["", "abc", "1,000", "nan", "inf", "1.2.3", "0x10", "--1"]:
        assert parse_number(text) is None, text


def test_value_kind():
    assert value_kind(3) == INT
    assert value_kind("3") == INT
    assert value_kind("3.0") == FLOAT
    assert value_kind(Decimal("3")) == FLOAT
    assert value_kind("three") == TEXT


def test_value_kind_without_numparse():
    assert value_kind("3", numparse=False) == TEXT
    assert value_kind(3, numparse=False) == INT


def test_column_type_int_float_text():
    assert column_type([1, 2, 3]) == INT
    assert column_type([1, 2.5]) == FLOAT
    assert column_type([1, "two"]) == TEXT


def test_column_type_empty():
    assert column_type([]) == EMPTY


def test_missing_values_do_not_change_column_type():
    assert column_type([1, None, 3]) == INT
    assert column_type([None, 2.5]) == FLOAT
    assert column_type(["x", None]) == TEXT
    assert column_type([None, None]) == EMPTY


def test_format_value_float_column():
    assert format_value(3.14159, FLOAT, floatfmt=".2f") == "3.14"
    assert format_value(2, FLOAT, floatfmt=".1f") == "2.0"
    assert format_value("2.5", FLOAT, floatfmt=".3f") == "2.500"


def test_format_value_default_float_format_is_general():
    assert format_value(0.1 + 0.2, FLOAT) == "0.3"


def test_format_value_int_column():
    assert format_value(1234567, INT, intfmt=",") == "1,234,567"
    assert format_value("42", INT, intfmt="05d") == "00042"
    assert format_value(7, INT) == "7"


def test_format_value_text_column_keeps_strings_verbatim():
    assert format_value("007", TEXT) == "007"
    assert format_value(1.5, TEXT, floatfmt=".3f") == "1.5"


def test_format_value_missing():
    assert format_value(None, INT) == ""
    assert format_value(None, TEXT, missing="n/a") == "n/a"
