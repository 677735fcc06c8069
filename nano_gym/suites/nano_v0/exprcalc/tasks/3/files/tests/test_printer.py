import pytest

from exprcalc import Binary, Boolean, Call, Name, Node, Number, Unary, parse, to_source

a, b, c, x = Name("a"), Name("b"), Name("c"), Name("x")

CANONICAL = [
    "a + b * c",
    "(a + b) * c",
    "a - b - c",
    "a * b / c",
    "a ** b ** c",
    "2 ** -x",
    "-a * b",
    "a * -b",
    "--x",
    "not a and b",
    "not (a and b)",
    "a or b and c",
    "(a or b) and c",
    "a == b + 1",
    "a < b and b < c",
    "x // 2 % 3",
    "max(a, b + 1, -c)",
    "f()",
    "true or false",
    "1.50 + 2e3",
]


def test_canonical_sources_print_unchanged():
    for source in CANONICAL:
        assert to_source(parse(source)) == source


def test_redundant_parentheses_are_removed():
    cases = [
        ("((a))", "a"),
        ("(a * b) + c", "a * b + c"),
        ("a + (b * c)", "a + b * c"),
        ("(a + b) + c", "a + b + c"),
        ("a ** (b ** c)", "a ** b ** c"),
        ("-(x)", "-x"),
        ("(a and b) or c", "a and b or c"),
        ("max((a), (b + c))", "max(a, b + c)"),
        ("(a < b) and (b < c)", "a < b and b < c"),
    ]
    for source, expected in cases:
        assert to_source(parse(source)) == expected


def test_printed_source_parses_back_to_the_same_tree():
    for source in ["((a + -b) * c) ** 2 / max(a, (b))", "not (a or b) and -(-c) < 3"]:
        tree = parse(source)
        assert parse(to_source(tree)) == tree


def test_unary_minus_and_power():
    assert to_source(Unary("-", Binary("**", x, Number(2)))) == "-x ** 2"
    assert to_source(Binary("**", Unary("-", x), Number(2))) == "(-x) ** 2"
    assert to_source(Unary("-", Binary("+", a, b))) == "-(a + b)"


def test_not_and_comparison():
    assert to_source(Unary("not", Binary("==", a, b))) == "not a == b"
    assert to_source(Binary("==", Unary("not", a), b)) == "(not a) == b"
    assert to_source(parse("(not a) == b")) == "(not a) == b"


def test_not_operand_parenthesized_only_when_needed():
    assert to_source(Unary("not", Binary("or", a, b))) == "not (a or b)"
    assert to_source(Unary("not", Binary("and", a, b))) == "not (a and b)"
    assert to_source(Binary("and", Unary("not", a), b)) == "not a and b"


def test_hand_built_literals():
    assert to_source(Number(2)) == "2"
    assert to_source(Number(0.5)) == "0.5"
    assert to_source(Number(float("inf"))) == "inf"
    assert to_source(Binary("**", Number(-3), Number(2))) == "(-3) ** 2"
    assert to_source(Binary("-", a, Number(-1))) == "a - -1"
    assert to_source(Boolean(False)) == "false"
    assert to_source(Call("max", [a, Number(1)])) == "max(a, 1)"


def test_unknown_node_type_is_rejected():
    class Mystery(Node):
        pass

    with pytest.raises(TypeError, match="Mystery"):
        to_source(Mystery())
