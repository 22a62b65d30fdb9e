"""Reverse mode on the tape: Table 2, reused variables, deep chains, tape errors,
and random expressions on which forward mode, reverse mode and finite
differences must agree."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ppn
from ppn.elementary import BINARY, UNARY, evaluate, evaluate_binary
from ppn.tape import Tape, TapeError, Var
from ppn.trace import format_table

E = math.e
SIN_PI = math.sin(math.pi)


def source_f(x1, x2):
    """The source's example: f(x₁, x₂) = x₂·cos(x₁) + e^x₂."""
    return x2 * ppn.cos(x1) + ppn.exp(x2)


# Table 2 and the source's example


def test_table2_has_the_correct_adjoints():
    rows = ppn.reverse_trace(source_f, math.pi, 1.0)
    assert [row.name for row in rows] == ["v₋₁", "v₀", "v₁", "v₂", "v₃", "v₄"]
    assert [row.expression for row in rows] == [
        "x₁",
        "x₂",
        "cos v₋₁",
        "v₀ × v₁",
        "exp v₀",
        "v₂ + v₃",
    ]
    assert [row.primal for row in rows] == pytest.approx([math.pi, 1, -1, -1, E, E - 1], rel=1e-15)
    adjoints = {row.name: row.derivative for row in rows}
    assert adjoints["v₄"] == 1.0
    assert adjoints["v₃"] == 1.0
    assert adjoints["v₂"] == 1.0
    assert adjoints["v₁"] == 1.0  # v̄₂·∂v₂/∂v₁ = v̄₂·v₀
    assert adjoints["v₀"] == pytest.approx(E - 1, rel=1e-15)  # v̄₃·e^v₀ + v̄₂·v₁
    assert adjoints["v₋₁"] == pytest.approx(0.0, abs=1e-15)  # v̄₁·(−sin v₋₁)
    assert adjoints["v₋₁"] == -SIN_PI


def test_table2_is_not_the_sources_misprint():
    # The source prints the primal values e, −1, −1 in the rows v̄₃, v̄₂, v̄₁.
    adjoints = [row.derivative for row in ppn.reverse_trace(source_f, math.pi, 1.0)]
    assert adjoints[2:5] != [-1.0, -1.0, E]
    assert adjoints[2:5] == [1.0, 1.0, 1.0]


def test_table2_prints_rounded_zero_not_minus_zero():
    table = format_table(ppn.reverse_trace(source_f, math.pi, 1.0), "adjoint")
    assert "-0.0000" not in table
    assert table.splitlines()[1].split() == ["v₋₁", "x₁", "3.1416", "0.0000"]
    assert table.splitlines()[2].split() == ["v₀", "x₂", "1.0000", "1.7183"]


def test_grad_and_value_and_grad_of_the_source_example():
    d_x1, d_x2 = ppn.grad(source_f)(math.pi, 1.0)
    assert d_x1 == -SIN_PI  # about −1.2e-16: ∂f/∂x₁ = −x₂·sin x₁ at π
    assert abs(d_x1) < 1e-15
    assert d_x2 == pytest.approx(E - 1, rel=1e-15)
    value, gradient = ppn.value_and_grad(source_f)(math.pi, 1.0)
    assert value == pytest.approx(E - 1, rel=1e-15)
    assert gradient == (d_x1, d_x2)


def test_explicit_tape_as_in_algorithm_1():
    with ppn.Tape() as tape:
        x1, x2 = tape.var(math.pi), tape.var(1.0)
        y = x2 * ppn.cos(x1) + ppn.exp(x2)
    assert y.value == pytest.approx(E - 1, rel=1e-15)
    assert tape.gradient(y, [x1, x2]) == [-SIN_PI, pytest.approx(E - 1, rel=1e-15)]
    assert tape.gradient(y, [x2]) == [pytest.approx(E - 1, rel=1e-15)]


def test_the_tape_stores_parent_indices_and_partials_not_values():
    # The source's figure 11: each node knows its parents' indices and ∂wᵢ/∂w_p.
    with ppn.Tape() as tape:
        x1, x2 = tape.var(math.pi), tape.var(1.0)
        source_f(x1, x2)
    assert tape.ops == ["input", "input", "cos", "mul", "exp", "add"]
    assert tape.parents == [(), (), (0,), (1, 2), (1,), (3, 4)]
    assert tape.partials == [(), (), (-SIN_PI,), (-1.0, 1.0), (E,), (1.0, 1.0)]
    assert len(tape) == 6
    assert repr(tape) == "<Tape: 6 nodes, closed>"


def test_backward_returns_every_adjoint_up_to_the_output():
    with ppn.Tape() as tape:
        x1, x2 = tape.var(math.pi), tape.var(1.0)
        y = source_f(x1, x2)
    adjoints = tape.backward(y)
    assert adjoints == [-SIN_PI, pytest.approx(E - 1), 1.0, 1.0, 1.0, 1.0]


# Reused variables: adjoints must accumulate


REUSED = [
    ("x * x", lambda x: x * x, lambda x: 2 * x),
    ("x + x + x", lambda x: x + x + x, lambda x: 3.0),
    ("x - x", lambda x: x - x, lambda x: 0.0),
    ("x / x", lambda x: x / x, lambda x: 0.0),
    ("x ** x", lambda x: x**x, lambda x: x**x * (math.log(x) + 1)),
    ("x * x * x", lambda x: x * x * x, lambda x: 3 * x * x),
    (
        "branches",
        lambda x: ppn.sin(x) * ppn.cos(x) + ppn.exp(x) * x - x,
        lambda x: math.cos(2 * x) + math.exp(x) * (x + 1) - 1,
    ),
    (
        "shared intermediate",
        lambda x: (lambda s: s * s + ppn.tanh(s))(ppn.sin(x)),
        lambda x: (2 * math.sin(x) + 1 - math.tanh(math.sin(x)) ** 2) * math.cos(x),
    ),
]


@pytest.mark.parametrize(
    ("f", "derivative"), [case[1:] for case in REUSED], ids=[case[0] for case in REUSED]
)
@pytest.mark.parametrize("x", [0.4, 1.7])
def test_reused_variables_accumulate(f, derivative, x):
    (adjoint,) = ppn.grad(f)(x)
    assert adjoint == pytest.approx(derivative(x), rel=1e-14, abs=1e-15)
    assert adjoint == pytest.approx(ppn.jvp(f, [x], [1.0])[1], rel=1e-14, abs=1e-15)


def test_same_variable_as_both_operands_records_two_parents():
    with ppn.Tape() as tape:
        x = tape.var(3.0)
        y = x * x
    assert tape.parents[y.index] == (x.index, x.index)
    assert tape.gradient(y, [x]) == [6.0]


def test_gradient_twice_gives_the_same_answer():
    with ppn.Tape() as tape:
        x, y = tape.var(0.5), tape.var(-1.5)
        z = x * y * x + ppn.sin(y)
    first = tape.gradient(z, [x, y])
    assert tape.gradient(z, [x, y]) == first
    assert tape.gradient(z, [x, y]) == first
    assert first == [pytest.approx(2 * 0.5 * -1.5), pytest.approx(0.25 + math.cos(-1.5))]


def test_gradient_of_an_intermediate_and_of_unrelated_inputs():
    with ppn.Tape() as tape:
        x, unused = tape.var(2.0), tape.var(7.0)
        y = x * x
        z = y + 1.0
        later = tape.var(1.0)  # recorded after z: cannot influence it
    assert tape.gradient(z, [y, x, unused, later]) == [1.0, 4.0, 0.0, 0.0]
    assert tape.gradient(x, [x]) == [1.0]


def test_a_million_operations_do_not_recurse():
    factor, n = 1.000001, 1_000_000
    with ppn.Tape() as tape:
        x = tape.var(0.5)
        y = x
        for _ in range(n):
            y = y * factor
    assert len(tape) == n + 1
    (adjoint,) = tape.gradient(y, [x])
    assert adjoint == pytest.approx(factor**n, rel=1e-9)


# Tape errors


def test_variables_from_two_tapes_do_not_mix():
    with ppn.Tape() as first, ppn.Tape() as second:
        x, y = first.var(1.0), second.var(2.0)
        with pytest.raises(TapeError, match="two different tapes"):
            x + y  # noqa: B018
        with pytest.raises(TapeError, match="different tapes"):
            y**x  # noqa: B018
        z = x * 3.0
        with pytest.raises(TapeError, match="another tape"):
            first.gradient(z, [y])
        with pytest.raises(TapeError, match="another tape"):
            second.gradient(z, [y])


def test_a_variable_used_after_its_tape_closed():
    with ppn.Tape() as tape:
        x = tape.var(2.0)
        y = ppn.exp(x)
    for late in (lambda: x * 2.0, lambda: 1.0 - y, lambda: ppn.sin(x), lambda: -x, lambda: x + y):
        with pytest.raises(TapeError, match="closed"):
            late()
    with pytest.raises(TapeError, match="closed"):
        tape.var(1.0)
    assert len(tape) == 2  # nothing was recorded by the failed attempts
    # ... but the gradient is still allowed after the block.
    assert tape.gradient(y, [x]) == [math.exp(2.0)]


def test_tape_error_is_a_runtime_error():
    assert issubclass(TapeError, RuntimeError)
    assert ppn.TapeError is TapeError


def test_a_tape_records_before_the_with_block_ends():
    tape = Tape()
    assert repr(tape) == "<Tape: 0 nodes, recording>"
    x = tape.var(4.0)
    assert isinstance(x, Var) and x.index == 0 and x.value == 4.0
    assert tape.gradient(ppn.sqrt(x), [x]) == [0.25]


@pytest.mark.parametrize("bad", ["2", True, None])
def test_var_rejects_operands_that_are_not_numbers(bad):
    with ppn.Tape() as tape:
        x = tape.var(1.0)
        with pytest.raises(TypeError):
            x + bad  # noqa: B018
        with pytest.raises(TypeError):
            bad * x  # noqa: B018


def test_gradient_needs_vars():
    with ppn.Tape() as tape:
        x = tape.var(1.0)
        y = x * 2.0
    with pytest.raises(TypeError, match="the output .* not float"):
        tape.gradient(2.0, [x])
    with pytest.raises(TypeError, match="an input .* not float"):
        tape.gradient(y, [1.0])


def test_grad_of_a_function_that_ignores_its_inputs():
    assert ppn.grad(lambda x, y: 3.0)(1.0, 2.0) == (0.0, 0.0)
    assert ppn.value_and_grad(lambda x: 5)(1.0) == (5.0, (0.0,))


def test_grad_of_a_function_that_returns_an_input():
    assert ppn.grad(lambda x, y: y)(1.0, 2.0) == (0.0, 1.0)


def test_grad_names_the_function():
    def loss(w):
        return w * w

    assert ppn.grad(loss).__name__ == "grad(loss)"
    assert ppn.value_and_grad(loss).__name__ == "value_and_grad(loss)"


# Random expressions: forward mode, reverse mode and finite differences agree


def apply_unary(name, v):
    if isinstance(v, (ppn.Dual, Var)):
        return v._unary(name)
    return evaluate(name, float(v))


def apply_binary(name, u, v):
    # Constant subtrees stay plain numbers: check their domain as the modes do.
    if isinstance(u, (ppn.Dual, Var)) or isinstance(v, (ppn.Dual, Var)):
        return BINARY[name].value(u, v)
    return evaluate_binary(name, float(u), float(v))


def one_plus_square(v):
    return apply_binary("add", 1, apply_binary("mul", v, v))


def build(expression, xs, seen=None):
    """The value of an expression tree on floats, Duals or Vars.

    Arguments that would leave a domain are made safe by construction: log and
    sqrt see exp(e) or 1 + e·e, tan sees sin(e), division is by exp(e) or
    1 + e·e, and a base raised to a variable power is exp(e) or 1 + e·e.  With
    ``seen`` (float evaluation only), every intermediate value and every relu
    argument is collected, for the caller to skip overflows and kinks.
    """
    kind = expression[0]
    if kind == "var":
        return xs[expression[1]]
    if kind == "const":
        return expression[1]
    if kind == "unary":
        _, name, variant, child = expression
        v = build(child, xs, seen)
        if name in ("log", "sqrt"):
            v = apply_unary("exp", v) if variant % 2 else one_plus_square(v)
        elif name == "tan":
            v = apply_unary("sin", v)
        if seen is not None and name == "relu":
            seen["relu"].append(v)
        out = apply_unary(name, v)
    else:
        _, name, variant, left, right = expression
        u, v = build(left, xs, seen), build(right, xs, seen)
        if name == "div":
            divisor = apply_unary("exp", v) if variant % 2 else one_plus_square(v)
            out = apply_binary("div", u, divisor)
        elif name == "pow" and variant < 2:
            out = apply_binary("pow", u, 2 + variant)  # a negative base is fine here
        elif name == "pow":
            base = apply_unary("exp", u) if variant == 2 else one_plus_square(u)
            out = apply_binary("pow", base, v)
        else:
            out = apply_binary(name, u, v)
    if seen is not None:
        seen["values"].append(out)
    return out


@st.composite
def expressions(draw):
    """(number of variables, expression tree, point) with 1–3 variables."""
    n = draw(st.integers(1, 3))
    leaves = st.one_of(
        st.integers(0, n - 1).map(lambda i: ("var", i)),
        st.floats(-2, 2, allow_subnormal=False).map(lambda c: ("const", c)),
        st.integers(-3, 3).map(lambda c: ("const", c)),
    )
    variants = st.integers(0, 3)

    def extend(children):
        return st.one_of(
            st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), variants, children),
            st.tuples(
                st.just("binary"), st.sampled_from(sorted(BINARY)), variants, children, children
            ),
        )

    tree = draw(st.recursive(leaves, extend, max_leaves=10))
    point = draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n))
    return n, tree, point


def evaluate_plain(tree, point):
    """(value, largest intermediate magnitude), or None where the expression is unusable."""
    seen = {"values": [], "relu": []}
    try:
        value = build(tree, point, seen)
    except ValueError:  # an overflow: exp of something large
        return None
    magnitudes = [abs(v) for v in seen["values"]] or [abs(value)]
    if not all(math.isfinite(m) and m < 1e6 for m in magnitudes):
        return None
    if any(abs(a) < 1e-3 for a in seen["relu"]):  # too close to relu's kink for FD
        return None
    return float(value), max(magnitudes)


def unit(j, n):
    return [1.0 if k == j else 0.0 for k in range(n)]


@settings(max_examples=200)
@given(expressions())
def test_random_expressions_forward_reverse_and_fd_agree(case):
    n, tree, point = case
    plain = evaluate_plain(tree, point)
    assume(plain is not None)
    value, scale = plain

    def f(*xs):
        return build(tree, xs)

    forward = []
    for j in range(n):
        forward_value, tangent = ppn.jvp(f, point, unit(j, n))
        assert forward_value == value
        forward.append(tangent)
    reverse_value, reverse = ppn.value_and_grad(f)(*point)
    assert reverse_value == value

    # Both modes apply the same rules; only the order of the sums differs.
    biggest = max([1.0, scale, *map(abs, forward)])
    for tangent, adjoint in zip(forward, reverse, strict=True):
        assert math.isclose(tangent, adjoint, rel_tol=1e-12, abs_tol=1e-12 * biggest)

    for j in range(n):
        h = 1e-6 * max(1.0, abs(point[j]))
        above = evaluate_plain(tree, [p + h if k == j else p for k, p in enumerate(point)])
        below = evaluate_plain(tree, [p - h if k == j else p for k, p in enumerate(point)])
        assume(above is not None and below is not None)
        estimate = (above[0] - below[0]) / (2 * h)
        assert math.isclose(reverse[j], estimate, rel_tol=1e-5, abs_tol=1e-7 * biggest)
