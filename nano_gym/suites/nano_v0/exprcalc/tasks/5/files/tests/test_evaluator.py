import math

import pytest

from exprcalc import Binary, EvalError, Evaluator, Name, Number, evaluate


def test_arithmetic():
    cases = [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("2 ** 3 ** 2", 512),
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("7 % 3", 1),
        ("+5 - -5", 10),
    ]
    for source, expected in cases:
        assert evaluate(source) == expected, source


def test_true_division_returns_float():
    assert evaluate("7 / 2") == 3.5
    assert isinstance(evaluate("6 / 3"), float)


def test_decimal_literals_are_floats():
    assert type(evaluate("2.0 * 3")) is float
    assert type(evaluate("1e2")) is float


def test_variables():
    assert evaluate("x * y + 1", {"x": 3, "y": 4}) == 13
    assert evaluate("x", {"x": 2.5}) == 2.5


def test_constants():
    assert evaluate("pi") == math.pi
    assert evaluate("2 * e") == 2 * math.e
    assert evaluate("inf > 10 ** 300") is True


def test_variables_shadow_constants():
    assert evaluate("pi", {"pi": 3}) == 3


def test_custom_constants():
    evaluator = Evaluator(constants={"g": 9.81})
    assert evaluator.evaluate(Binary("*", Name("g"), Number(2))) == pytest.approx(19.62)
    with pytest.raises(EvalError, match="unknown variable 'pi'"):
        evaluator.evaluate(Name("pi"))


def test_unknown_variable_reports_column():
    with pytest.raises(EvalError) as info:
        evaluate("x + y", {"x": 1})
    assert str(info.value) == "unknown variable 'y' at column 5"


def test_unsupported_variable_type():
    with pytest.raises(EvalError, match="unsupported type str"):
        evaluate("x + 1", {"x": "1"})


def test_comparisons():
    cases = [
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 4", False),
        ("3 >= 4", False),
        ("1 == 1.0", True),
        ("1 != 2", True),
        ("true == true", True),
    ]
    for source, expected in cases:
        assert evaluate(source) is expected, source


def test_booleans_never_equal_numbers():
    assert evaluate("true == 1") is False
    assert evaluate("false != 0") is True


def test_ordering_and_arithmetic_reject_booleans():
    with pytest.raises(EvalError, match="'<': boolean and number"):
        evaluate("true < 2")
    with pytest.raises(EvalError, match="'\\+': number and boolean"):
        evaluate("1 + false")
    with pytest.raises(EvalError, match="unary '-': boolean"):
        evaluate("-true")


def test_and_or_return_the_deciding_operand():
    assert evaluate("0 or 5") == 5
    assert evaluate("3 and 4") == 4
    assert evaluate("0 and 4") == 0
    assert evaluate("false or false") is False


def test_and_short_circuits():
    assert evaluate("x != 0 and 10 / x > 1", {"x": 0}) is False
    assert evaluate("false and undefined_name") is False


def test_or_short_circuits():
    assert evaluate("x == 0 or 10 / x > 1", {"x": 0}) is True
    assert evaluate("true or missing(1)") is True


def test_not():
    assert evaluate("not true") is False
    assert evaluate("not 0") is True
    assert evaluate("not (x > 1) and x < 5", {"x": 0}) is True


def test_not_applies_to_whole_comparison():
    assert evaluate("not x == 1", {"x": 2}) is True
    assert evaluate("not a + b > 10", {"a": 1, "b": 2}) is True


def test_division_by_zero_reports_operator_column():
    for source, column in [("1 / 0", 3), ("x // (y - y)", 3), ("5 % 0", 3), ("0 ** -1", 3)]:
        with pytest.raises(EvalError) as info:
            evaluate(source, {"x": 1, "y": 2})
        assert info.value.message == "division by zero"
        assert info.value.column == column


def test_huge_powers_are_refused():
    with pytest.raises(EvalError, match="overflow"):
        evaluate("9 ** 9 ** 9")
    with pytest.raises(EvalError, match="overflow"):
        evaluate("10.0 ** 400")


def test_complex_results_are_refused():
    with pytest.raises(EvalError, match="complex"):
        evaluate("(-8) ** 0.5")
