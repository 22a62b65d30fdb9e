"""Forward mode: Dual arithmetic, jvp, and the source's Table 1 (eq. 12–13)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ppn
from ppn.trace import format_table

E = math.e
SIN_PI = math.sin(math.pi)  # 1.2246e-16, not 0: π is not exactly representable


def source_f(x1, x2):
    """The source's example: f(x₁, x₂) = x₂·cos(x₁) + e^x₂."""
    return x2 * ppn.cos(x1) + ppn.exp(x2)


# Table 1


TABLE1_NAMES = ["v₋₁", "v₀", "v₁", "v₂", "v₃", "v₄"]
TABLE1_EXPRESSIONS = ["x₁", "x₂", "cos v₋₁", "v₀ × v₁", "exp v₀", "v₂ + v₃"]
TABLE1_VALUES = [math.pi, 1.0, -1.0, -1.0, E, E - 1]


def test_table1_rows_values_and_expressions():
    rows = ppn.forward_trace(source_f, [math.pi, 1.0], [1.0, 0.0])
    assert [row.index for row in rows] == [-1, 0, 1, 2, 3, 4]
    assert [row.name for row in rows] == TABLE1_NAMES
    assert [row.expression for row in rows] == TABLE1_EXPRESSIONS
    assert [row.op for row in rows] == ["input", "input", "cos", "mul", "exp", "add"]
    assert [row.operands for row in rows] == [(), (), (-1,), (0, 1), (0,), (2, 3)]
    assert [row.primal for row in rows] == pytest.approx(TABLE1_VALUES, rel=1e-15)


def test_table1_tangents_for_the_seed_x1():
    rows = ppn.forward_trace(source_f, [math.pi, 1.0], [1.0, 0.0])
    tangents = [row.derivative for row in rows]
    assert tangents == pytest.approx([1, 0, 0, 0, 0, 0], abs=1e-15)
    # Exactly: v̇₁ = −sin(v₋₁)·1, which floating point makes −1.2e-16, not 0.
    assert tangents == [1.0, 0.0, -SIN_PI, -SIN_PI, 0.0, -SIN_PI]


def test_table1_tangents_for_the_seed_x2():
    rows = ppn.forward_trace(source_f, [math.pi, 1.0], [0.0, 1.0])
    assert [row.derivative for row in rows] == pytest.approx([0, 1, 0, -1, E, E - 1], rel=1e-15)
    assert [row.primal for row in rows] == pytest.approx(TABLE1_VALUES, rel=1e-15)


def test_table1_prints_rounded_zero_not_minus_zero():
    table = format_table(ppn.forward_trace(source_f, [math.pi, 1.0], [1.0, 0.0]), "tangent")
    assert "-0.0000" not in table
    assert "cos v₋₁" in table and "v₀ × v₁" in table
    assert table.splitlines()[-1].split() == ["v₄", "v₂", "+", "v₃", "1.7183", "0.0000"]


def test_eq_12_13_value_and_both_partials():
    value, d_x1 = ppn.jvp(source_f, [math.pi, 1.0], [1.0, 0.0])
    _, d_x2 = ppn.jvp(source_f, [math.pi, 1.0], [0.0, 1.0])
    assert value == pytest.approx(E - 1, rel=1e-15)
    assert d_x1 == pytest.approx(0.0, abs=1e-15)
    assert d_x1 == -SIN_PI  # about −1.2e-16
    assert d_x2 == pytest.approx(E - 1, rel=1e-15)


def test_forward_trace_numbers_three_inputs_and_prints_constants():
    rows = ppn.forward_trace(lambda x, y, z: 2 * x + y / z - (-z), [1.0, 2.0, 4.0], [0, 0, 1])
    assert [row.name for row in rows[:3]] == ["v₋₂", "v₋₁", "v₀"]
    assert [row.input_name for row in rows[:3]] == ["x₁", "x₂", "x₃"]
    assert [row.expression for row in rows[3:]] == [
        "2 × v₋₂",
        "v₋₁ / v₀",
        "v₁ + v₂",
        "−v₀",
        "v₃ − v₄",
    ]
    assert rows[-1].primal == 2 + 0.5 + 4
    assert rows[-1].derivative == pytest.approx(-2.0 / 16 + 1)


# Dual arithmetic


D = ppn.Dual(1.5, 1.0)

ARITHMETIC = [
    ("2 + d", lambda d: 2 + d, 3.5, 1.0),
    ("d + 2.5", lambda d: d + 2.5, 4.0, 1.0),
    ("d - 3", lambda d: d - 3, -1.5, 1.0),
    ("3 - d", lambda d: 3 - d, 1.5, -1.0),
    ("2.5 * d", lambda d: 2.5 * d, 3.75, 2.5),
    ("d * 3", lambda d: d * 3, 4.5, 3.0),
    ("1 / d", lambda d: 1 / d, 1 / 1.5, -1 / 1.5**2),
    ("d / 4", lambda d: d / 4, 0.375, 0.25),
    ("2 ** d", lambda d: 2**d, 2**1.5, 2**1.5 * math.log(2)),
    ("d ** 2", lambda d: d**2, 2.25, 3.0),
    ("d ** 0.5", lambda d: d**0.5, math.sqrt(1.5), 0.5 / math.sqrt(1.5)),
    ("d ** -1", lambda d: d**-1, 1 / 1.5, -1 / 1.5**2),
    ("-d", lambda d: -d, -1.5, -1.0),
    ("+d", lambda d: +d, 1.5, 1.0),
    ("d + d", lambda d: d + d, 3.0, 2.0),
    ("d - d", lambda d: d - d, 0.0, 0.0),
    ("d * d", lambda d: d * d, 2.25, 3.0),
    ("d / d", lambda d: d / d, 1.0, 0.0),
    ("d ** d", lambda d: d**d, 1.5**1.5, 1.5**1.5 * (math.log(1.5) + 1)),
]


@pytest.mark.parametrize(
    ("f", "primal", "tangent"), [case[1:] for case in ARITHMETIC], ids=[c[0] for c in ARITHMETIC]
)
def test_dual_arithmetic_in_both_operand_orders(f, primal, tangent):
    result = f(D)
    assert isinstance(result, ppn.Dual)
    assert isinstance(result.primal, float) and isinstance(result.tangent, float)
    assert result.primal == pytest.approx(primal, rel=1e-15)
    assert result.tangent == pytest.approx(tangent, rel=1e-15, abs=1e-15)


@pytest.mark.parametrize(
    ("f", "primal", "tangent"), [case[1:] for case in ARITHMETIC], ids=[c[0] for c in ARITHMETIC]
)
def test_dual_arithmetic_agrees_with_reverse_mode(f, primal, tangent):
    value, (adjoint,) = ppn.value_and_grad(f)(1.5)
    assert value == pytest.approx(primal, rel=1e-15)
    assert adjoint == pytest.approx(tangent, rel=1e-15, abs=1e-15)


def test_dual_stores_floats_and_defaults_to_a_zero_tangent():
    d = ppn.Dual(3)
    assert d.primal == 3.0 and isinstance(d.primal, float)
    assert d.tangent == 0.0
    assert repr(ppn.Dual(2, 1)) == "Dual(primal=2.0, tangent=1.0)"
    assert (ppn.Dual(3, 1) ** 2).primal == 9.0


def test_a_constant_dual_has_zero_tangent_through_any_operation():
    d = ppn.Dual(-2.0)  # x ** 0.5 would be undefined, x ** 2's exponent partial is nan
    assert (d**2).tangent == 0.0
    assert ppn.exp(ppn.sin(d) * d).tangent == 0.0


@given(
    st.floats(-10, 10),
    st.floats(-10, 10),
    st.floats(-10, 10),
    st.floats(-10, 10),
)
def test_dual_product_and_sum_rules(a, a_dot, b, b_dot):
    x, y = ppn.Dual(a, a_dot), ppn.Dual(b, b_dot)
    assert (x * y).tangent == pytest.approx(a_dot * b + a * b_dot, rel=1e-12, abs=1e-12)
    assert (x + y).tangent == a_dot + b_dot
    assert (x - y).tangent == a_dot - b_dot


@pytest.mark.parametrize("bad", ["2", True, None, [1.0]])
def test_dual_rejects_operands_that_are_not_numbers(bad):
    d = ppn.Dual(1.0, 1.0)
    with pytest.raises(TypeError):
        d + bad  # noqa: B018
    with pytest.raises(TypeError):
        bad * d  # noqa: B018
    with pytest.raises(TypeError):
        d**bad  # noqa: B018


def test_forward_and_reverse_values_do_not_mix():
    with ppn.Tape() as tape:
        x = tape.var(1.0)
        with pytest.raises(TypeError):
            ppn.Dual(1.0, 1.0) + x  # noqa: B018
        with pytest.raises(TypeError):
            x * ppn.Dual(1.0, 1.0)  # noqa: B018


# jvp


def test_jvp_with_mismatched_lengths_raises():
    with pytest.raises(ValueError, match="2 primals and 1 tangents"):
        ppn.jvp(source_f, [math.pi, 1.0], [1.0])
    with pytest.raises(ValueError, match="one tangent per primal"):
        ppn.jvp(source_f, [math.pi], [1.0, 0.0])


def test_jvp_on_a_function_returning_a_tuple():
    def f(x, y):
        return x * y, ppn.sin(x), 3.0

    values, tangents = ppn.jvp(f, [2.0, 5.0], [1.0, 0.0])
    assert values == (10.0, math.sin(2.0), 3.0)
    assert tangents == (5.0, math.cos(2.0), 0.0)


def test_jvp_on_a_function_returning_a_list_gives_tuples():
    values, tangents = ppn.jvp(lambda x: [x, 2 * x], [3.0], [1.0])
    assert values == (3.0, 6.0) and tangents == (1.0, 2.0)


def test_jvp_of_a_constant_function():
    assert ppn.jvp(lambda x: 7, [1.0], [1.0]) == (7.0, 0.0)


@given(st.floats(-3, 3), st.floats(-3, 3))
def test_jvp_is_linear_in_the_tangent(a, b):
    point = [math.pi / 3, 0.5]
    _, column1 = ppn.jvp(source_f, point, [1.0, 0.0])
    _, column2 = ppn.jvp(source_f, point, [0.0, 1.0])
    _, directional = ppn.jvp(source_f, point, [a, b])
    assert directional == pytest.approx(a * column1 + b * column2, rel=1e-12, abs=1e-12)


def test_jvp_equals_grad_dotted_with_the_tangent():
    point, direction = [0.3, -1.2], [0.7, 2.0]
    _, directional = ppn.jvp(source_f, point, direction)
    gradient = ppn.grad(source_f)(*point)
    assert directional == pytest.approx(
        sum(g * t for g, t in zip(gradient, direction, strict=True)), rel=1e-14
    )
