"""Chapter 5's tasks: recording the tape, operator overloading, and the tensor rules."""

import math

import numpy as np
import pytest
from task_tools import RecordSpy, needs, numeric_vjp

import ppn
from ppn import tensor
from ppn.tape import Tape, Var
from ppn.tensor import VJP, Tensor, unbroadcast

RNG = np.random.default_rng(0)


class TestTask5_1:
    """Tape.record: append one node (parents, partials, op) and return its Var."""

    def test_the_first_node(self):
        tape = Tape()
        x = tape.record("input", (), (), 2.5)
        assert isinstance(x, Var), f"record returns the Var of the new node, got {x!r}"
        assert (x.tape, x.index, x.value) == (tape, 0, 2.5), "Var(tape, index, value)"
        assert (tape.parents, tape.partials, tape.ops) == ([()], [()], ["input"])

    def test_nodes_are_numbered_in_the_order_they_are_recorded(self):
        tape = Tape()
        tape.record("input", (), (), 1.0)
        tape.record("input", (), (), 2.0)
        z = tape.record("mul", (0, 1), (2.0, 1.0), 2.0)
        assert z.index == 2 and len(tape) == 3, "node i is the i-th entry of the three lists"
        assert tape.parents[2] == (0, 1) and tape.partials[2] == (2.0, 1.0)
        assert tape.ops == ["input", "input", "mul"]

    @needs("5.2", "5.3")
    def test_the_chapters_tape(self):
        with Tape() as tape:
            x1, x2 = tape.var(math.pi), tape.var(1.0)
            y = x2 * ppn.cos(x1) + ppn.exp(x2)
        assert tape.parents == [(), (), (0,), (1, 2), (1,), (3, 4)]
        assert tape.ops == ["input", "input", "cos", "mul", "exp", "add"]
        assert math.isclose(y.value, math.e - 1)


class TestTask5_2:
    """Var._binary: x ∘ y records its value and the partials towards its variable operands."""

    @pytest.fixture
    def spy(self, monkeypatch):
        tape = Tape()
        return RecordSpy(monkeypatch), Var(tape, 0, 2.0), Var(tape, 1, 3.0)

    def test_two_variables(self, spy):
        spy, x, y = spy
        z = x._binary("mul", x, y)
        assert spy.calls == [("mul", (0, 1), (3.0, 2.0), 6.0)], (
            "record(name, (left.index, right.index), (∂z/∂left, ∂z/∂right), z), with the "
            "partials from ppn.elementary.BINARY[name].partials(x, y, z)"
        )
        assert z.value == 6.0
        x._binary("sub", x, y)
        assert spy.calls[-1] == ("sub", (0, 1), (1.0, -1.0), -1.0)

    def test_a_constant_gets_no_node_and_no_partial(self, spy):
        spy, x, _ = spy
        x - 2
        assert spy.calls[-1] == ("sub", (0,), (1.0,), 0.0), "x − 2: only x is a parent"
        2 / x
        assert spy.calls[-1] == ("div", (0,), (-0.5,), 1.0), (
            "2 / x: the constant is on the left; the partial is the one towards x, −z/x"
        )

    def test_a_power_with_a_constant_exponent(self, spy):
        spy, _, _ = spy
        x = Var(Tape(), 0, -3.0)
        x**2
        assert spy.calls[-1] == ("pow", (0,), (-6.0,), 9.0), "only ∂(x²)/∂x = 2x counts"

    def test_outside_the_domain_is_a_value_error(self, spy):
        spy, x, _ = spy
        with pytest.raises(ValueError, match="div"):
            x / 0  # evaluate_binary names the operator and the operands


class TestTask5_3:
    """Var._unary: f(x) records one node with its one partial f'(x)."""

    def test_cos_exp_and_negation(self, monkeypatch):
        spy = RecordSpy(monkeypatch)
        x = Var(Tape(), 4, 0.5)
        ppn.cos(x)
        assert spy.calls == [("cos", (4,), (-math.sin(0.5),), math.cos(0.5))], (
            "record(name, (self.index,), (f'(x),), f(x)), f' from ppn.elementary.rule(name)"
        )
        ppn.exp(x)
        assert spy.calls[-1] == ("exp", (4,), (math.exp(0.5),), math.exp(0.5))
        _ = -x
        assert spy.calls[-1] == ("neg", (4,), (-1.0,), -0.5)

    def test_outside_the_domain_is_a_value_error(self, monkeypatch):
        RecordSpy(monkeypatch)
        with pytest.raises(ValueError, match="log"):
            ppn.log(Var(Tape(), 0, -1.0))  # evaluate() names the function and the point


def check_rule(op, inputs, forward, which):
    """The rule of ``op`` for input ``which`` against finite differences of ``forward``."""
    g = RNG.normal(size=np.shape(forward(*inputs)))
    y = forward(*inputs)
    rules = VJP[op] if isinstance(VJP[op], tuple) else (VJP[op],)
    x_bar = np.asarray(rules[which](g, *inputs, y))
    assert x_bar.shape == np.shape(inputs[which]), (
        f"the VJP of {op} for input {which} must have that input's shape "
        f"{np.shape(inputs[which])}, got {x_bar.shape}"
    )

    def f(x):
        return forward(*[x if k == which else a for k, a in enumerate(inputs)])

    expected = numeric_vjp(f, inputs[which], g)
    message = f"the VJP of {op} for input {which}: x̄ = ȳ·∂y/∂x"
    np.testing.assert_allclose(x_bar, expected, rtol=1e-6, atol=1e-8, err_msg=message)


class TestTask5_4:
    """The VJPs of y = a @ b: ā = ȳ bᵀ, b̄ = aᵀ ȳ, and the cases with vectors."""

    @pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)),
                                        ((3,), (3,))], ids=str)  # fmt: skip
    def test_against_finite_differences(self, shapes):
        a, b = (RNG.normal(size=s) for s in shapes)
        for which in (0, 1):
            check_rule("matmul", (a, b), np.matmul, which)

    def test_through_backward_and_the_fused_layer(self):
        a = Tensor(RNG.normal(size=(2, 3)), requires_grad=True)
        b = Tensor(RNG.normal(size=(3, 4)), requires_grad=True)
        (a @ b).sum().backward()
        np.testing.assert_allclose(a.grad, np.ones((2, 4)) @ b.data.T)
        np.testing.assert_allclose(b.grad, a.data.T @ np.ones((2, 4)))
        w = Tensor(RNG.normal(size=(3, 4)), requires_grad=True)
        bias = Tensor(np.zeros(4), requires_grad=True)
        tensor.linear(Tensor(np.array([1.0, 2.0, 3.0])), w, bias).sum().backward()
        np.testing.assert_allclose(w.grad, np.outer([1.0, 2.0, 3.0], np.ones(4)), err_msg=(
            "x @ W + b as one node (ppn.tensor.linear) uses the same two rules"))  # fmt: skip


class TestTask5_5:
    """The rows add, sub, mul, div of the VJP table: x̄ᵢ = ȳ·∂y/∂xᵢ element by element."""

    @pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
    def test_against_finite_differences(self, op):
        a, b = RNG.normal(size=(3, 4)), RNG.uniform(0.5, 2.0, size=(3, 4))
        forward = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[op]
        for which in (0, 1):
            check_rule(op, (a, b), forward, which)


class TestTask5_6:
    """The rows tanh, sigmoid and relu: ȳ times the activation's derivative."""

    @pytest.mark.parametrize("op", ["tanh", "sigmoid", "relu"])
    def test_against_finite_differences(self, op):
        x = RNG.normal(size=(4, 5))
        x[np.abs(x) < 0.01] = 0.5  # relu has no derivative at 0
        check_rule(op, (x,), lambda t: getattr(Tensor(t), op)().data, 0)

    def test_through_backward(self):
        x = Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
        ppn.relu(x).sum().backward()
        np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0], "relu' is 1 where x > 0, else 0")


class TestTask5_7:
    """unbroadcast(gradient, shape): sum over the axes that broadcasting added or stretched."""

    @pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), (3, 1)),
                                        ((3, 4), (3, 4)), ((1, 4), (4,)), ((3, 4), ()),
                                        ((2, 1, 4), (1, 4))], ids=str)  # fmt: skip
    def test_against_finite_differences(self, shapes):
        big, small = shapes
        g, x = RNG.normal(size=big), RNG.normal(size=small)
        got = unbroadcast(g, small)
        assert np.shape(got) == small, f"unbroadcast to {small} gave shape {np.shape(got)}"
        expected = numeric_vjp(lambda t: np.broadcast_to(t, big), x, g)
        np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=(
            "each entry of x was used once for every entry of g it was stretched to: add "
            "those entries of g"))  # fmt: skip

    @needs("5.5")
    def test_a_bias_added_to_every_row(self):
        h = Tensor(RNG.normal(size=(3, 4)), requires_grad=True)
        b = Tensor(np.zeros(4), requires_grad=True)
        (h + b).sum().backward()
        np.testing.assert_array_equal(b.grad, [3.0, 3.0, 3.0, 3.0])
