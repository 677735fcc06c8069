import pytest

from cfgloader.values import (
    ValueSyntaxError,
    decode_escapes,
    find_list_end,
    parse_list,
    read_string,
    split_list,
    to_bool,
    to_int,
)


def test_decode_escapes():
    assert decode_escapes(r"a\nb\tc") == "a\nb\tc"
    assert decode_escapes(r"\"\'\\") == "\"'\\"
    assert decode_escapes(r"caf\u00e9 \U0001F600") == "caf\u00e9 \U0001F600"


def test_decode_escapes_rejects_invalid_sequences():
    for body in [r"\q", "oops\\", r"\u12", r"\U0011ffff"]:
        with pytest.raises(ValueSyntaxError):
            decode_escapes(body)


def test_read_string_returns_value_and_end():
    text = '"ab\\"c" rest'
    value, end = read_string(text, 0)
    assert value == 'ab"c'
    assert text[end:] == " rest"


def test_read_string_literal_has_no_escapes():
    value, end = read_string(r"'a\nb'", 0)
    assert value == r"a\nb"
    assert end == 6


def test_find_list_end_skips_quotes_and_comments():
    text = '[a, "]", # ]\n b]'
    assert find_list_end(text) == len(text) - 1
    assert find_list_end("[a, b") == -1
    with pytest.raises(ValueSyntaxError, match="nested"):
        find_list_end("[a, [b]]")


def test_parse_list_mixed_items():
    assert parse_list("[ one , \"two, 2\", 'th\\ree' ]") == ["one", "two, 2", "th\\ree"]


def test_parse_list_allows_trailing_comma_only_at_end():
    assert parse_list("[a, b,]") == ["a", "b"]
    with pytest.raises(ValueSyntaxError):
        parse_list("[a,, b]")


def test_parse_list_rejects_text_after_quoted_item():
    with pytest.raises(ValueSyntaxError):
        parse_list('["a" b]')


def test_to_int():
    assert to_int("42") == 42
    assert to_int(" -7 ") == -7
    assert to_int("1_000") == 1000
    assert (to_int("0x1F"), to_int("0o17"), to_int("0b101")) == (31, 15, 5)
    assert to_int("010") == 10


def test_to_int_rejects_garbage():
    with pytest.raises(ValueError):
        to_int("12abc")


def test_to_bool_words():
    for word in ["true", "yes", "on", "1", "TRUE", "Yes"]:
        assert to_bool(word) is True
    for word in ["false", "no", "off", "0", "Off"]:
        assert to_bool(word) is False


def test_to_bool_rejects_other_words():
    with pytest.raises(ValueError):
        to_bool("maybe")


def test_split_list():
    assert split_list(" a, b ,,c ") == ["a", "b", "c"]
    assert split_list("") == []
