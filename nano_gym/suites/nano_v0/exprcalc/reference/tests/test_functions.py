import pytest

from exprcalc import EvalError, FunctionRegistry, default_registry, evaluate


def test_default_registry_contents():
    assert default_registry().names() == [
        "abs", "ceil", "clamp", "exp", "floor", "hypot", "log",
        "max", "min", "round", "sign", "sqrt", "trunc",
    ]  # fmt: skip


def test_builtins():
    cases = [
        ("abs(-3)", 3),
        ("min(4, 2, 8)", 2),
        ("max(4)", 4),
        ("floor(2.7) + ceil(2.1)", 5),
        ("trunc(-2.7)", -2),
        ("sqrt(16)", 4.0),
        ("hypot(3, 4)", 5.0),
        ("sign(-0.5) + sign(0) + sign(7)", 0),
        ("clamp(15, 0, 10)", 10),
    ]
    for source, expected in cases:
        assert evaluate(source) == expected, source


def test_logarithms_and_exp():
    assert evaluate("log(e)") == pytest.approx(1.0)
    assert evaluate("log(8, 2)") == pytest.approx(3.0)
    assert evaluate("exp(0)") == 1.0


def test_round_without_ndigits_rounds_half_to_even():
    assert evaluate("round(2.5)") == 2
    assert evaluate("round(3.5)") == 4


def test_round_with_ndigits_from_variable():
    assert evaluate("round(x, n)", {"x": 2.5678, "n": 1}) == 2.6


def test_round_with_literal_ndigits():
    assert evaluate("round(3.14159, 2)") == 3.14
    assert evaluate("round(1234.5, -2)") == 1200.0
    assert evaluate("round(x, 1 + 1)", {"x": 2.71828}) == 2.72


def test_unknown_function_reports_column():
    with pytest.raises(EvalError) as info:
        evaluate("1 + cube(2)")
    assert str(info.value) == "unknown function 'cube' at column 5"


def test_wrong_number_of_arguments():
    cases = [
        ("abs(1, 2)", "abs() takes exactly 1 argument (2 given)"),
        ("min()", "min() takes at least 1 argument (0 given)"),
        ("round(1, 2, 3)", "round() takes at most 2 arguments (3 given)"),
        ("clamp(1)", "clamp() takes exactly 3 arguments (1 given)"),
    ]
    for source, message in cases:
        with pytest.raises(EvalError) as info:
            evaluate(source)
        assert info.value.message == message
        assert info.value.column == 1


def test_errors_inside_functions_become_eval_errors():
    with pytest.raises(EvalError) as info:
        evaluate("2 * sqrt(-1)")
    assert info.value.message == "sqrt(): math domain error"
    assert info.value.column == 5
    with pytest.raises(EvalError, match="lower bound"):
        evaluate("clamp(1, 5, 0)")


def test_functions_and_variables_live_in_separate_namespaces():
    assert evaluate("max(max, 1)", {"max": 5}) == 5


def test_register_infers_arity_from_signature():
    registry = default_registry()
    registry.register("lerp", lambda a, b, t=0.5: a + (b - a) * t)
    function = registry["lerp"]
    assert (function.min_args, function.max_args) == (2, 3)
    assert evaluate("lerp(0, 10)", functions=registry) == 5.0
    assert evaluate("lerp(0, 10, 0.1)", functions=registry) == 1.0
    with pytest.raises(EvalError, match="at least 2 arguments"):
        evaluate("lerp(1)", functions=registry)


def test_register_as_decorator_keeps_docstring():
    registry = FunctionRegistry()

    @registry.register("total")
    def total(*values):
        """Sum of the arguments."""
        return sum(values)

    assert total(1, 2) == 3
    assert registry["total"].doc == "Sum of the arguments."
    assert registry["total"].max_args is None
    assert evaluate("total(1, 2, 3)", functions=registry) == 6
    assert evaluate("total()", functions=registry) == 0


def test_register_rejects_duplicates_and_bad_names():
    registry = default_registry()
    with pytest.raises(ValueError, match="already registered"):
        registry.register("abs", abs)
    registry.register("abs", lambda x: -1, replace=True)
    assert evaluate("abs(5)", functions=registry) == -1
    for name in ["and", "true", "2x", "my-func", "lambda"]:
        with pytest.raises(ValueError, match="invalid function name"):
            registry.register(name, abs)


def test_registries_are_independent():
    first = default_registry()
    first.register("double", lambda x: 2 * x)
    first.unregister("sqrt")
    second = default_registry()
    assert "double" in first and "double" not in second
    assert "sqrt" not in first and "sqrt" in second
    copy = first.copy()
    copy.unregister("double")
    assert "double" in first


def test_function_results_must_be_numbers():
    registry = FunctionRegistry()
    registry.register("name", lambda: "text")
    with pytest.raises(EvalError, match="unsupported type str"):
        evaluate("name()", functions=registry)


def test_empty_registry_allows_no_calls():
    with pytest.raises(EvalError, match="unknown function 'abs'"):
        evaluate("abs(1)", functions=FunctionRegistry())
