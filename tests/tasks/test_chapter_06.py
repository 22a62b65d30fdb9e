"""Chapter 6's tasks: the tensor rules (vector-Jacobian products) and unbroadcast."""

import numpy as np
import pytest
from task_tools import expecting, needs, numeric_vjp

import ppn
from ppn import tensor
from ppn.tensor import VJP, Tensor, unbroadcast

RNG = np.random.default_rng(0)


def check_rule(op, inputs, forward, which):
    """The rule of ``op`` for input ``which`` against finite differences of ``forward``."""
    y = forward(*inputs)
    g = RNG.normal(size=np.shape(y))
    rules = VJP[op] if isinstance(VJP[op], tuple) else (VJP[op],)
    names = "ab" if len(inputs) == 2 else "x"
    shapes = " and ".join(
        f"{'a vector ' if np.ndim(x) == 1 else ''}{n} of shape {np.shape(x)}"
        for n, x in zip(names, inputs, strict=True)
    )
    name = names[which]
    expected_shape = np.shape(inputs[which])
    wanted = (
        f"for {shapes}, y and ȳ have the shape {np.shape(y)}, and {name}̄ has the shape of "
        f"{name}, {expected_shape}"
    )
    with expecting(f"the VJP of {op} for {name}: {wanted}"):
        x_bar = np.asarray(rules[which](g, *inputs, y))
    assert x_bar.shape == expected_shape, f"the VJP of {op}: {wanted}; got {x_bar.shape}"

    def f(x):
        return forward(*[x if k == which else a for k, a in enumerate(inputs)])

    expected = numeric_vjp(f, inputs[which], g)
    message = f"the VJP of {op} for {name}: {name}̄ = ȳ·∂y/∂{name} ({shapes})"
    np.testing.assert_allclose(x_bar, expected, rtol=1e-6, atol=1e-8, err_msg=message)


class TestTask6_1:
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

    @needs("6.2", "6.4")
    def test_a_batch_of_more_than_two_dimensions(self):
        # A batch of 5 sequences of 2 rows through one layer: a has shape (5, 2, 3). Ā = Ȳ Bᵀ
        # and B̄ = Aᵀ Ȳ hold for the last two axes of each batch entry (transpose those two,
        # .swapaxes(-1, -2), not all of them with .T); backward sums B̄ over the batch.
        a = Tensor(RNG.normal(size=(5, 2, 3)), requires_grad=True)
        b = Tensor(RNG.normal(size=(3, 4)), requires_grad=True)
        g = RNG.normal(size=(5, 2, 4))
        hint = ("for a batch a of shape (5, 2, 3) and b of shape (3, 4), the rules apply to the "
                "last two axes: transpose with .swapaxes(-1, -2), not .T")  # fmt: skip
        with expecting(hint):
            ((a @ b) * Tensor(g)).sum().backward()
        np.testing.assert_allclose(a.grad, g @ b.data.T, err_msg="Ā = Ȳ Bᵀ for each batch entry")
        expected_b = np.einsum("nik,nim->km", a.data, g)
        np.testing.assert_allclose(b.grad, expected_b, err_msg=(
            "B̄ = Σ over the batch of Aᵀ Ȳ, each Aᵀ transposing the last two axes"))  # fmt: skip


class TestTask6_2:
    """The rows add, sub, mul, div of the VJP table: x̄ᵢ = ȳ·∂y/∂xᵢ element by element."""

    @pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
    def test_against_finite_differences(self, op):
        a, b = RNG.normal(size=(3, 4)), RNG.uniform(0.5, 2.0, size=(3, 4))
        forward = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[op]
        for which in (0, 1):
            check_rule(op, (a, b), forward, which)


class TestTask6_3:
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


class TestTask6_4:
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

    @needs("6.2")
    def test_a_bias_added_to_every_row(self):
        h = Tensor(RNG.normal(size=(3, 4)), requires_grad=True)
        b = Tensor(np.zeros(4), requires_grad=True)
        (h + b).sum().backward()
        np.testing.assert_array_equal(b.grad, [3.0, 3.0, 3.0, 3.0])
