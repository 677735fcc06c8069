import pytest

from exprcalc import Call, Expression, Name, called_functions, free_variables, parse, walk


def test_free_variables_of_source_text():
    assert free_variables("x * y + x") == {"x", "y"}
    assert free_variables("1 + 2") == set()


def test_function_names_and_constants_are_not_variables():
    assert free_variables("2 * pi * r + max(r, h)") == {"h", "r"}
    assert free_variables("max + max(1, 2)") == {"max"}


def test_free_variables_accepts_parsed_trees_and_expressions():
    assert free_variables(parse("a and not b")) == {"a", "b"}
    assert free_variables(Expression("sqrt(dx ** 2 + dy ** 2)")) == {"dx", "dy"}


def test_called_functions():
    assert called_functions("round(max(a, b), 2) + abs(c)") == {"round", "max", "abs"}
    assert called_functions("a + b") == set()


def test_walk_yields_parents_before_children_left_to_right():
    nodes = list(walk("a + f(b, 1)"))
    assert [type(node).__name__ for node in nodes] == ["Binary", "Name", "Call", "Name", "Number"]
    assert nodes[1] == Name("a")
    assert isinstance(nodes[2], Call)


def test_analysis_does_not_need_variable_values():
    with pytest.raises(TypeError):
        free_variables(42)
