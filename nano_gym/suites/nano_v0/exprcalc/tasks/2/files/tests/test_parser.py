import pytest

from exprcalc import Binary, Boolean, Call, Name, Number, ParseError, Unary, evaluate, parse
from exprcalc.parser import MAX_DEPTH

a, b, c, x = Name("a"), Name("b"), Name("c"), Name("x")


def test_parse_literals_and_names():
    assert parse("42") == Number(42)
    assert parse("2.5") == Number(2.5)
    assert parse("true") == Boolean(True)
    assert parse("false") == Boolean(False)
    assert parse("rate") == Name("rate")


def test_number_node_keeps_source_text():
    assert parse("1.50").text == "1.50"


def test_nodes_record_token_positions():
    node = parse("a + max(b, 2)")
    assert node.pos == 2
    assert node.left.pos == 0
    assert node.right.pos == 4
    assert node.right.args[1].pos == 11


def test_multiplication_binds_tighter_than_addition():
    assert parse("a + b * c") == Binary("+", a, Binary("*", b, c))
    assert parse("a * b + c") == Binary("+", Binary("*", a, b), c)


def test_left_associative_operators():
    assert parse("a - b - c") == Binary("-", Binary("-", a, b), c)
    assert parse("a / b * c") == Binary("*", Binary("/", a, b), c)
    assert parse("a or b or c") == Binary("or", Binary("or", a, b), c)


def test_power_is_right_associative():
    assert parse("a ** b ** c") == Binary("**", a, Binary("**", b, c))


def test_power_binds_tighter_than_multiplication():
    assert parse("a * b ** c") == Binary("*", a, Binary("**", b, c))


def test_power_accepts_signed_exponent():
    assert parse("2 ** -x") == Binary("**", Number(2), Unary("-", x))
    assert evaluate("2 ** -1") == 0.5


def test_unary_minus_binds_tighter_than_multiplication():
    assert parse("-a * b") == Binary("*", Unary("-", a), b)
    assert parse("a * -b") == Binary("*", a, Unary("-", b))
    assert parse("--a") == Unary("-", Unary("-", a))


def test_not_binds_looser_than_comparison():
    assert parse("not a == b") == Unary("not", Binary("==", a, b))
    assert parse("not a < b + 1") == Unary("not", Binary("<", a, Binary("+", b, Number(1))))


def test_not_binds_tighter_than_and():
    assert parse("not a and b") == Binary("and", Unary("not", a), b)
    assert parse("a or not b") == Binary("or", a, Unary("not", b))


def test_and_binds_tighter_than_or():
    assert parse("a or b and c") == Binary("or", a, Binary("and", b, c))


def test_comparison_binds_looser_than_arithmetic():
    assert parse("a + 1 >= b * 2") == Binary(
        ">=", Binary("+", a, Number(1)), Binary("*", b, Number(2))
    )


def test_parentheses_override_precedence():
    assert parse("(a + b) * c") == Binary("*", Binary("+", a, b), c)
    assert parse("((a))") == a


def test_function_calls():
    assert parse("f()") == Call("f", ())
    assert parse("max(a, b + 1)") == Call("max", (a, Binary("+", b, Number(1))))
    assert parse("abs(min(a, b))") == Call("abs", (Call("min", (a, b)),))


def test_chained_comparison_is_rejected():
    with pytest.raises(ParseError) as info:
        parse("a < b < c")
    assert "chained" in str(info.value)
    assert info.value.column == 7


def test_parenthesized_comparisons_can_be_compared():
    assert parse("(a < b) == c") == Binary("==", Binary("<", a, b), c)
    assert parse("a < b and b < c") == Binary("and", Binary("<", a, b), Binary("<", b, c))


def test_parse_errors():
    cases = [
        ("", "empty expression", 1),
        ("1 +", "expected an expression, found end of input", 4),
        ("1 2", "unexpected number 2", 3),
        ("(a + b", "expected ')' to close '(' from column 1, found end of input", 7),
        ("max(1, 2", "expected ')' to close '(' from column 4, found end of input", 9),
        ("max(1,)", "expected an expression, found ')'", 7),
        ("a + )", "expected an expression, found ')'", 5),
        ("f(1) g", "unexpected name 'g'", 6),
    ]
    for source, message, column in cases:
        with pytest.raises(ParseError) as info:
            parse(source)
        assert info.value.message == message
        assert info.value.column == column


def test_deeply_nested_input_is_rejected_cleanly():
    depth = MAX_DEPTH + 10
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("(" * depth + "1" + ")" * depth)


def test_moderate_nesting_is_fine():
    assert parse("(" * 50 + "x" + ")" * 50) == x
