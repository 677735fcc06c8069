import exprcalc
from exprcalc import Binary, Expression, FunctionRegistry, Name, Number, evaluate


def test_version():
    assert exprcalc.__version__ == "0.3.0"


def test_evaluate_source_or_node():
    assert evaluate("1 + 2") == 3
    assert evaluate(Binary("*", Name("x"), Number(3)), {"x": 2}) == 6


def test_expression_can_be_evaluated_repeatedly():
    expr = Expression("x ** 2 + y")
    assert expr.evaluate({"x": 2, "y": 1}) == 5
    assert expr.evaluate(x=3, y=0) == 9
    assert expr({"x": 1}, y=10) == 11


def test_keyword_variables_override_mapping():
    assert Expression("x").evaluate({"x": 1}, x=2) == 2


def test_expression_str_and_repr():
    expr = Expression("((a + b)) * c")
    assert str(expr) == "(a + b) * c"
    assert repr(expr) == "Expression('((a + b)) * c')"
    assert expr.ast == exprcalc.parse("(a + b) * c")


def test_expression_with_custom_functions():
    registry = FunctionRegistry()
    registry.register("double", lambda v: 2 * v)
    assert Expression("double(x) + 1", functions=registry).evaluate(x=4) == 9
    assert evaluate("double(2)", functions=registry) == 4
