import pytest

from exprcalc import TokenizeError, evaluate, tokenize
from exprcalc.lexer import BOOL, EOF, NAME, NUMBER, OP


def kinds_and_texts(source):
    return [(t.kind, t.text) for t in tokenize(source)]


def test_tokenize_simple_expression():
    tokens = tokenize("x + 12")
    assert [(t.kind, t.text, t.pos) for t in tokens] == [
        (NAME, "x", 0),
        (OP, "+", 2),
        (NUMBER, "12", 4),
        (EOF, "", 6),
    ]


def test_empty_source_yields_only_eof():
    assert kinds_and_texts("   ") == [(EOF, "")]


def test_multi_character_operators_are_single_tokens():
    texts = [t.text for t in tokenize("a**b//c==d!=e<=f>=g")][1:-1:2]
    assert texts == ["**", "//", "==", "!=", "<=", ">="]


def test_keywords_and_boolean_literals():
    assert kinds_and_texts("not a and true or false") == [
        (OP, "not"),
        (NAME, "a"),
        (OP, "and"),
        (BOOL, "true"),
        (OP, "or"),
        (BOOL, "false"),
        (EOF, ""),
    ]


def test_keyword_prefix_is_still_a_name():
    assert kinds_and_texts("android order nothing") == [
        (NAME, "android"),
        (NAME, "order"),
        (NAME, "nothing"),
        (EOF, ""),
    ]


def test_plain_number_literals():
    for literal in ["0", "12", "3.5", ".5", "5.", "007"]:
        assert kinds_and_texts(literal) == [(NUMBER, literal), (EOF, "")]


def test_exponent_literals():
    for literal in ["1e3", "2.5E2", ".5e1"]:
        assert kinds_and_texts(literal) == [(NUMBER, literal), (EOF, "")]


def test_subtracting_from_exponent_literal_still_works():
    assert evaluate("1e3-1") == 999
    assert evaluate("2e2 - 1e1") == 190


@pytest.mark.parametrize(
    "source, literal, column",
    [("1.2.3", "1.2.3", 1), ("x + 3x", "3x", 5), ("12abc * 2", "12abc", 1)],
)
def test_invalid_number_literal(source, literal, column):
    with pytest.raises(TokenizeError) as info:
        tokenize(source)
    assert f"'{literal}'" in str(info.value)
    assert info.value.column == column


def test_unexpected_character_reports_column():
    with pytest.raises(TokenizeError) as info:
        tokenize("a + $b")
    assert info.value.column == 5
    assert str(info.value) == "unexpected character '$' at column 5"


def test_unexpected_character_hints():
    for char, hint in [("^", "**"), ("&", "and"), ("!", "not"), ("=", "==")]:
        with pytest.raises(TokenizeError) as info:
            tokenize(f"a {char} b")
        assert f"use '{hint}'" in str(info.value)


def test_whitespace_tabs_and_newlines_are_skipped():
    tokens = tokenize("a\t+\n  b")
    assert [(t.text, t.pos) for t in tokens] == [("a", 0), ("+", 2), ("b", 6), ("", 7)]


def test_identifiers_may_contain_digits_and_underscores():
    assert kinds_and_texts("_x1 + rate_2") == [
        (NAME, "_x1"),
        (OP, "+"),
        (NAME, "rate_2"),
        (EOF, ""),
    ]


def test_non_ascii_letters_are_rejected():
    with pytest.raises(TokenizeError) as info:
        tokenize("1 + π")
    assert info.value.column == 5
