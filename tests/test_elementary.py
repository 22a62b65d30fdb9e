"""The derivative table, row by row, in both modes.

Every test here is parametrised over ``UNARY`` and ``BINARY`` themselves, so a
row added to the table is tested without touching this file (give it sample
points in ``UNARY_POINTS`` if the default ones leave its domain).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ppn
from ppn import elementary
from ppn.elementary import BINARY, DOMAINS, UNARY, binary_rule, evaluate, evaluate_binary, rule

# Points inside each domain; relu stays away from its kink at 0, tan from its poles.
UNARY_POINTS = {
    "sin": [-2.5, -0.3, 0.4, 1.1, 3.0],
    "cos": [-2.5, -0.3, 0.0, 1.1, 3.0],
    "tan": [-1.2, -0.3, 0.0, 0.4, 1.1],
    "exp": [-3.0, -0.5, 0.0, 0.3, 2.5],
    "log": [0.05, 0.7, 1.0, 3.5, 40.0],
    "sqrt": [0.01, 0.5, 1.0, 2.0, 9.0],
    "tanh": [-2.5, -0.2, 0.0, 0.6, 3.0],
    "sigmoid": [-8.0, -0.7, 0.0, 0.9, 6.0],
    "relu": [-2.0, -0.3, 0.4, 2.1],
    "neg": [-1.5, 0.0, 2.5],
}
DEFAULT_UNARY_POINTS = [-0.9, -0.2, 0.3, 0.8]

# pow's bases are positive so that both partials exist (negative bases are tested below).
BINARY_POINTS = {
    "add": [(1.3, -0.7), (-2.0, 0.5), (0.25, 4.0)],
    "sub": [(1.3, -0.7), (-2.0, 0.5), (0.25, 4.0)],
    "mul": [(1.3, -0.7), (-2.0, 0.5), (0.25, 4.0)],
    "div": [(1.3, -0.7), (-2.0, 0.5), (3.0, 4.0)],
    "pow": [(1.3, -0.7), (2.0, 0.5), (0.25, 3.0), (4.0, 2.0)],
}
DEFAULT_BINARY_POINTS = [(1.3, 0.7), (0.5, 2.0)]

UNARY_CASES = [(name, x) for name in UNARY for x in UNARY_POINTS.get(name, DEFAULT_UNARY_POINTS)]
BINARY_CASES = [
    (name, x, y) for name in BINARY for x, y in BINARY_POINTS.get(name, DEFAULT_BINARY_POINTS)
]
PUBLIC_UNARY = [name for name in UNARY if name != "neg"]  # neg is spelled -x


def central_difference(f, x: float) -> float:
    """(f(x + h) − f(x − h)) / 2h with a step scaled to x."""
    h = 1e-6 * max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def fd_close(derivative: float, estimate: float) -> bool:
    return math.isclose(derivative, estimate, rel_tol=1e-6, abs_tol=1e-8)


def dual_unary(name: str, x: float, tangent: float = 1.0) -> ppn.Dual:
    return ppn.Dual(x, tangent)._unary(name)


def tape_unary(name: str, x: float) -> tuple[float, float]:
    with ppn.Tape() as tape:
        v = tape.var(x)
        y = v._unary(name)
    (adjoint,) = tape.gradient(y, [v])
    return y.value, adjoint


def test_sample_points_only_name_rows_of_the_table():
    assert set(UNARY_POINTS) <= set(UNARY)
    assert set(BINARY_POINTS) <= set(BINARY)


# Unary rows


@pytest.mark.parametrize(("name", "x"), UNARY_CASES)
def test_unary_value_is_the_same_everywhere(name, x):
    expected = rule(name).value(x)
    assert evaluate(name, x) == expected
    assert dual_unary(name, x).primal == expected
    assert tape_unary(name, x)[0] == expected


@pytest.mark.parametrize(("name", "x"), UNARY_CASES)
def test_unary_forward_tangent_matches_finite_differences(name, x):
    tangent = dual_unary(name, x).tangent
    assert fd_close(tangent, central_difference(rule(name).value, x))


@pytest.mark.parametrize(("name", "x"), UNARY_CASES)
def test_unary_reverse_adjoint_matches_finite_differences(name, x):
    _, adjoint = tape_unary(name, x)
    assert fd_close(adjoint, central_difference(rule(name).value, x))


@pytest.mark.parametrize(("name", "x"), UNARY_CASES)
def test_unary_forward_and_reverse_agree_exactly(name, x):
    # Both modes read the same row, and a unit seed multiplies by exactly 1.
    assert dual_unary(name, x).tangent == tape_unary(name, x)[1]


@pytest.mark.parametrize(("name", "x"), UNARY_CASES)
def test_unary_tangent_is_linear_in_the_seed(name, x):
    unit = dual_unary(name, x, 1.0).tangent
    assert dual_unary(name, x, -2.5).tangent == pytest.approx(-2.5 * unit, rel=1e-15, abs=0)
    assert dual_unary(name, x, 0.0).tangent == 0.0


@pytest.mark.parametrize(("name", "x"), UNARY_CASES)
def test_unary_derivative_uses_the_given_output(name, x):
    # The rule is written with y = f(x) so that exp reuses its value: feed it the real y.
    row = rule(name)
    assert row.derivative(x, row.value(x)) == dual_unary(name, x).tangent


@pytest.mark.parametrize("name", PUBLIC_UNARY)
def test_every_unary_row_has_a_public_function(name):
    function = getattr(ppn, name)
    assert function is getattr(elementary, name)
    x = UNARY_POINTS.get(name, DEFAULT_UNARY_POINTS)[-1]
    assert function(x) == evaluate(name, x)
    assert function(ppn.Dual(x, 1.0)).tangent == dual_unary(name, x).tangent


@pytest.mark.parametrize("name", PUBLIC_UNARY)
def test_public_docstring_states_the_tables_derivative(name):
    # The docstring and the table must not drift apart: the book prints both.
    assert rule(name).formula in getattr(ppn, name).__doc__


@pytest.mark.parametrize("name", PUBLIC_UNARY)
def test_numpy_arrays_take_the_vectorised_path(name):
    points = UNARY_POINTS.get(name, DEFAULT_UNARY_POINTS)
    result = getattr(ppn, name)(np.array(points))
    assert isinstance(result, np.ndarray)
    np.testing.assert_allclose(result, [evaluate(name, p) for p in points], rtol=1e-14, atol=0)


def test_neg_is_the_unary_minus():
    assert (-ppn.Dual(2.0, 3.0)).primal == -2.0
    assert (-ppn.Dual(2.0, 3.0)).tangent == -3.0


def test_ints_are_accepted_and_give_floats():
    assert ppn.exp(0) == 1.0 and isinstance(ppn.exp(0), float)
    assert isinstance(ppn.sqrt(4), float)


def test_numpy_float64_scalars_take_the_checked_scalar_path():
    # np.float64 is a float, so a domain error is ppn's ValueError, not numpy's nan.
    with pytest.raises(ValueError, match="log is undefined"):
        ppn.log(np.float64(-1.0))


@pytest.mark.parametrize(
    ("x", "expected"), [(-800.0, 0.0), (-40.0, math.exp(-40.0)), (0.0, 0.5), (800.0, 1.0)]
)
def test_sigmoid_never_overflows(x, expected):
    assert ppn.sigmoid(x) == pytest.approx(expected, rel=1e-12)
    assert ppn.sigmoid(ppn.Dual(x, 1.0)).tangent >= 0.0


@given(st.floats(-700, 700))
def test_sigmoid_scalar_and_numpy_agree(x):
    assert ppn.sigmoid(x) == pytest.approx(float(ppn.sigmoid(np.array(x))), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(("name", "x", "slope"), [("relu", 0.0, 0.0), ("sqrt", 0.0, math.inf)])
def test_conventions_at_the_edge_of_a_domain(name, x, slope):
    # relu'(0) = 0 by convention; sqrt's slope at 0 is vertical.
    assert dual_unary(name, x).tangent == slope
    assert tape_unary(name, x)[1] == slope


# Binary rows


def dual_binary(name, x, y, seed):
    return binary_rule(name).value(ppn.Dual(x, seed[0]), ppn.Dual(y, seed[1]))


def tape_binary(name, x, y):
    with ppn.Tape() as tape:
        u, v = tape.var(x), tape.var(y)
        z = binary_rule(name).value(u, v)  # the table's value is the Python operator
    return z.value, tape.gradient(z, [u, v])


@pytest.mark.parametrize(("name", "x", "y"), BINARY_CASES)
def test_binary_value_is_the_same_everywhere(name, x, y):
    expected = binary_rule(name).value(x, y)
    assert evaluate_binary(name, x, y) == expected
    assert dual_binary(name, x, y, (1.0, 0.0)).primal == expected
    assert tape_binary(name, x, y)[0] == expected


@pytest.mark.parametrize(("name", "x", "y"), BINARY_CASES)
def test_binary_forward_partials_match_finite_differences(name, x, y):
    value = binary_rule(name).value
    d_x = dual_binary(name, x, y, (1.0, 0.0)).tangent
    d_y = dual_binary(name, x, y, (0.0, 1.0)).tangent
    assert fd_close(d_x, central_difference(lambda t: value(t, y), x))
    assert fd_close(d_y, central_difference(lambda t: value(x, t), y))


@pytest.mark.parametrize(("name", "x", "y"), BINARY_CASES)
def test_binary_reverse_partials_match_finite_differences(name, x, y):
    value = binary_rule(name).value
    _, (d_x, d_y) = tape_binary(name, x, y)
    assert fd_close(d_x, central_difference(lambda t: value(t, y), x))
    assert fd_close(d_y, central_difference(lambda t: value(x, t), y))


@pytest.mark.parametrize(("name", "x", "y"), BINARY_CASES)
def test_binary_forward_and_reverse_agree_exactly(name, x, y):
    forward = (
        dual_binary(name, x, y, (1.0, 0.0)).tangent,
        dual_binary(name, x, y, (0.0, 1.0)).tangent,
    )
    assert list(forward) == tape_binary(name, x, y)[1]


@pytest.mark.parametrize(("name", "x", "y"), BINARY_CASES)
def test_binary_with_a_constant_on_either_side(name, x, y):
    operator = binary_rule(name).value
    _, (d_x, d_y) = tape_binary(name, x, y)
    # Constant on the right: only the left partial.
    assert operator(ppn.Dual(x, 1.0), y).tangent == d_x
    with ppn.Tape() as tape:
        u = tape.var(x)
        z = operator(u, y)
    assert tape.gradient(z, [u]) == [d_x]
    assert tape.parents[-1] == (u.index,)  # a constant is not a node
    # Constant on the left: only the right partial.
    assert operator(x, ppn.Dual(y, 1.0)).tangent == d_y
    with ppn.Tape() as tape:
        v = tape.var(y)
        z = operator(x, v)
    assert tape.gradient(z, [v]) == [d_y]
    assert len(tape) == 2


@pytest.mark.parametrize(("base", "exponent"), [(-2.0, 3), (-1.5, 2), (-3.0, -1), (-2.0, 0)])
def test_negative_base_with_a_constant_integer_exponent(base, exponent):
    slope = exponent * base ** (exponent - 1) if exponent else 0.0
    assert (ppn.Dual(base, 1.0) ** exponent).tangent == pytest.approx(slope)
    assert ppn.grad(lambda x: x**exponent)(base) == (pytest.approx(slope),)


def test_negative_base_with_a_variable_exponent_has_no_exponent_partial():
    # d(x^y)/dy = x^y·log x does not exist for x < 0: nan, in both modes alike.
    d_x, d_y = ppn.grad(lambda x, y: x**y)(-2.0, 3.0)
    assert d_x == 12.0
    assert math.isnan(d_y)
    assert math.isnan(ppn.jvp(lambda x, y: x**y, [-2.0, 3.0], [0.0, 1.0])[1])
    assert ppn.jvp(lambda x, y: x**y, [-2.0, 3.0], [1.0, 0.0])[1] == 12.0


@pytest.mark.parametrize(
    ("x", "y", "d_x", "d_y"),
    [(0.0, 2.0, 0.0, 0.0), (0.0, 1.0, 1.0, 0.0), (0.0, 0.5, math.inf, 0.0), (0.0, 0.0, 0.0, 0.0)],
)
def test_pow_partials_at_a_zero_base(x, y, d_x, d_y):
    assert binary_rule("pow").partials(x, y, x**y) == (d_x, d_y)


@pytest.mark.parametrize(
    ("x", "y", "slope_sign"), [(1e-200, -1.5, -1.0), (-1e-200, -1.0, -1.0), (5e-324, 0.01, 1.0)]
)
def test_pow_slope_beyond_the_largest_float_is_infinite_not_an_exception(x, y, slope_sign):
    # x ** y is a finite float here, but its slope y·x^(y−1) is not: it must be ±inf,
    # like every other overflow in a derivative, not an OverflowError from inside the rule.
    value = evaluate_binary("pow", x, y)
    assert math.isfinite(value)
    tangent = (ppn.Dual(x, 1.0) ** y).tangent
    assert tangent == slope_sign * math.inf
    assert ppn.grad(lambda u: u**y)(x) == (tangent,)


# Errors


def test_unknown_elementary_name_is_named():
    with pytest.raises(NotImplementedError, match="'erf'") as error:
        elementary.rule("erf")
    assert "sin" in str(error.value)  # and the known names are listed
    with pytest.raises(NotImplementedError, match="'matmul'"):
        elementary.binary_rule("matmul")


def test_unknown_name_on_a_dual_or_a_var_is_named_too():
    with pytest.raises(NotImplementedError, match="'erf'"):
        ppn.Dual(0.5, 1.0)._unary("erf")
    with ppn.Tape() as tape, pytest.raises(NotImplementedError, match="'erf'"):
        tape.var(0.5)._unary("erf")


def test_every_domain_names_a_row():
    assert set(DOMAINS) <= set(UNARY) | set(BINARY)


UNARY_DOMAIN_ERRORS = [
    ("log", -1.0, "undefined"),
    ("log", 0.0, "undefined"),
    ("sqrt", -4.0, "undefined"),
    ("exp", 1000.0, "overflows"),
]
BINARY_DOMAIN_ERRORS = [
    ("div", 1.0, 0.0, "undefined"),
    ("pow", -8.0, 1 / 3, "complex"),
    ("pow", 0.0, -1.0, "undefined"),
    ("pow", 10.0, 400.0, "overflows"),
]


def message_of(compute) -> str:
    with pytest.raises(ValueError) as error:
        compute()
    return str(error.value)


@pytest.mark.parametrize(("name", "x", "kind"), UNARY_DOMAIN_ERRORS)
def test_unary_domain_error_is_the_same_in_every_mode(name, x, kind):
    plain = message_of(lambda: evaluate(name, x))
    assert name in plain and repr(x) in plain and kind in plain
    assert message_of(lambda: getattr(ppn, name)(x)) == plain
    assert message_of(lambda: dual_unary(name, x)) == plain
    assert message_of(lambda: tape_unary(name, x)) == plain
    if name in DOMAINS:
        assert DOMAINS[name] in plain


@pytest.mark.parametrize(("name", "x", "y", "kind"), BINARY_DOMAIN_ERRORS)
def test_binary_domain_error_is_the_same_in_every_mode(name, x, y, kind):
    operator = binary_rule(name).value
    plain = message_of(lambda: evaluate_binary(name, x, y))
    assert name in plain and repr((x, y)) in plain and kind in plain
    assert message_of(lambda: dual_binary(name, x, y, (1.0, 1.0))) == plain
    assert message_of(lambda: operator(ppn.Dual(x, 1.0), y)) == plain
    assert message_of(lambda: operator(x, ppn.Dual(y, 1.0))) == plain
    assert message_of(lambda: tape_binary(name, x, y)) == plain
    assert message_of(lambda: ppn.grad(lambda u: operator(u, y))(x)) == plain
    assert message_of(lambda: ppn.grad(lambda v: operator(x, v))(y)) == plain


def test_an_int_zero_divisor_gives_the_float_message():
    assert message_of(lambda: ppn.Dual(1.0, 1.0) / 0) == message_of(
        lambda: evaluate_binary("div", 1.0, 0.0)
    )


@pytest.mark.parametrize("bad", ["0.5", True, None, 1 + 2j, [0.5]])
def test_a_public_function_rejects_what_is_not_a_number(bad):
    # bool is an int in Python, but ppn refuses it: True is almost always a mistake here.
    with pytest.raises(TypeError, match=type(bad).__name__):
        ppn.sin(bad)
