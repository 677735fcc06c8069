import pytest

from gridtext.width import display_width
from gridtext.wrap import fit_lines, truncate, wrap_text


def test_truncate_leaves_short_text_alone():
    assert truncate("short", 8) == "short"
    assert truncate("exactly8", 8) == "exactly8"


def test_truncate_appends_ellipsis():
    assert truncate("configuration", 8) == "configu…"


def test_truncate_drops_whitespace_before_ellipsis():
    assert truncate("a long piece", 8) == "a long…"


def test_truncate_custom_ellipsis():
    assert truncate("configuration", 8, ellipsis="...") == "confi..."


def test_truncate_without_room_for_ellipsis():
    assert truncate("abcdef", 2, ellipsis="...") == "ab"
    assert truncate("abcdef", 0) == ""


def test_truncate_counts_wide_characters():
    result = truncate("東京都渋谷区", 7)
    assert result == "東京都…"
    assert display_width(result) <= 7
    for width in range(1, 10):
        assert display_width(truncate("データベース接続", width)) <= width


def test_wrap_text_greedy():
    assert wrap_text("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]


def test_wrap_text_collapses_whitespace():
    assert wrap_text("a   b \t c", 10) == ["a b c"]


def test_wrap_text_breaks_long_words():
    assert wrap_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert wrap_text("ab abcdefgh", 4) == ["ab", "abcd", "efgh"]


def test_wrap_text_wide_words_by_width():
    assert wrap_text("東京 大阪", 5) == ["東京", "大阪"]
    assert wrap_text("名古屋市", 4) == ["名古", "屋市"]


def test_wrap_text_wide_character_in_narrow_column():
    assert wrap_text("日本", 1) == ["日", "本"]


def test_wrap_text_keeps_line_breaks():
    assert wrap_text("first line\nsecond", 20) == ["first line", "second"]


def test_wrap_text_empty():
    assert wrap_text("", 5) == [""]


def test_wrap_text_rejects_zero_width():
    with pytest.raises(ValueError):
        wrap_text("abc", 0)


def test_fit_lines_without_limit_splits_lines_only():
    assert fit_lines("one two\nthree") == ["one two", "three"]
    assert fit_lines("") == [""]


def test_fit_lines_truncates_each_line():
    assert fit_lines("abcdefgh\nxy", 4, "truncate") == ["abc…", "xy"]


def test_fit_lines_rejects_unknown_mode():
    with pytest.raises(ValueError):
        fit_lines("abc", 2, "squash")
