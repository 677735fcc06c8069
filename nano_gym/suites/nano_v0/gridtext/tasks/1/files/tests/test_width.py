import pytest

from gridtext.width import char_width, display_width, split_at_width


def test_ascii_is_single_width():
    assert display_width("hello") == 5


def test_empty_string_has_no_width():
    assert display_width("") == 0


def test_cjk_ideographs_are_double_width():
    assert display_width("東京") == 4
    assert char_width("語") == 2


def test_hangul_and_kana_are_double_width():
    assert display_width("한국") == 4
    assert display_width("カタカナ") == 8


def test_halfwidth_katakana_is_single_width():
    assert display_width("ｶﾀｶﾅ") == 4


def test_emoji_is_double_width():
    assert display_width("ok 👍") == 5


def test_combining_marks_have_no_width():
    assert display_width("e\u0301") == 1
    assert display_width("cafe\u0301") == 4


def test_zero_width_format_characters():
    assert display_width("a\u200bb") == 2
    assert display_width("\ufeffx") == 1


def test_char_width_rejects_strings():
    with pytest.raises(ValueError):
        char_width("ab")


def test_split_at_width_ascii():
    assert split_at_width("abcdef", 4) == ("abcd", "ef")
    assert split_at_width("abc", 10) == ("abc", "")


def test_split_at_width_does_not_split_wide_characters():
    assert split_at_width("日本語", 3) == ("日", "本語")
    assert split_at_width("日本語", 4) == ("日本", "語")


def test_split_at_width_keeps_combining_marks_attached():
    assert split_at_width("e\u0301x", 1) == ("e\u0301", "x")


def test_split_at_width_rejects_negative_width():
    with pytest.raises(ValueError):
        split_at_width("abc", -1)
