import pytest

from exprcalc import EvalError, Expression, ExprError, ParseError, TokenizeError, evaluate, parse


def test_all_errors_share_a_base_class():
    for cls in (TokenizeError, ParseError, EvalError):
        assert issubclass(cls, ExprError)
        assert issubclass(cls, Exception)


def test_message_without_position():
    error = EvalError("something went wrong")
    assert str(error) == "something went wrong"
    assert error.column is None and error.line is None
    assert error.describe() == "something went wrong"


def test_column_is_one_based():
    error = ParseError("bad", 0, "x")
    assert error.column == 1
    assert str(error) == "bad at column 1"


def test_multiline_source_reports_line_and_column():
    with pytest.raises(ParseError) as info:
        parse("1 +\n  2 +\n  * 3")
    assert (info.value.line, info.value.column) == (3, 3)
    assert str(info.value) == "expected an expression, found '*' at line 3, column 3"


def test_describe_draws_a_caret_under_the_column():
    with pytest.raises(TokenizeError) as info:
        parse("a + $b")
    assert info.value.describe() == (
        "unexpected character '$' at column 5\n" "  a + $b\n" "      ^"
    )


def test_describe_keeps_tabs_so_the_caret_lines_up():
    error = ParseError("oops", 3, "\tab c")
    assert error.describe().splitlines()[-1] == "  \t  ^"


def test_evaluation_errors_carry_the_source():
    with pytest.raises(EvalError) as info:
        Expression("x +\n  y * 2").evaluate(x=1)
    assert str(info.value) == "unknown variable 'y' at line 2, column 3"
    assert info.value.describe().endswith("  y * 2\n    ^")


def test_evaluate_attaches_source_to_errors():
    with pytest.raises(EvalError) as info:
        evaluate("10 / (x - 1)", {"x": 1})
    assert info.value.source == "10 / (x - 1)"
    assert info.value.column == 4
