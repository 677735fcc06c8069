import exprcalc
from exprcalc import Call, Expression, Name, parse


def test_free_variables_skips_function_names_and_constants():
    assert exprcalc.free_variables("x * y + x") == {"x", "y"}
    assert exprcalc.free_variables("1 + 2") == set()
    assert exprcalc.free_variables("2 * pi * r + max(r, h)") == {"h", "r"}
    assert exprcalc.free_variables("max + max(1, 2)") == {"max"}


def test_free_variables_accepts_parsed_trees_and_expressions():
    assert exprcalc.free_variables(parse("a and not b")) == {"a", "b"}
    assert exprcalc.free_variables(Expression("sqrt(dx ** 2 + dy ** 2)")) == {"dx", "dy"}


def test_called_functions():
    assert exprcalc.called_functions("round(max(a, b), 2) + abs(c)") == {"round", "max", "abs"}
    assert exprcalc.called_functions("a + b") == set()


def test_walk_yields_parents_before_children_left_to_right():
    nodes = list(exprcalc.walk("a + f(b, 1)"))
    assert [type(node).__name__ for node in nodes] == ["Binary", "Name", "Call", "Name", "Number"]
    assert nodes[1] == Name("a")
    assert isinstance(nodes[2], Call)
