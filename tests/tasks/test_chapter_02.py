"""Chapter 2's tasks: one layer, the MLP's forward pass, and the initialisers."""

import math

import numpy as np
import pytest
from task_tools import expecting

from ppn import nn
from ppn.nn import MLP, Linear, glorot_uniform, he_normal
from ppn.tensor import Tensor


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def biased(model, seed=1):
    """Give every bias of ``model`` random values, so that a forgotten + b shows."""
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        if p.ndim == 1:
            p.data[...] = rng.normal(size=p.shape)
    return model


@pytest.fixture
def plain_initialisers(monkeypatch):
    """Draw the layers' weights without task 2.3, so that 2.1 and 2.2 do not need it."""

    def draw(fan_in, fan_out, rng, dtype=np.float32):
        return rng.uniform(-0.5, 0.5, size=(fan_in, fan_out)).astype(dtype)

    for name in nn.INITIALISERS:
        monkeypatch.setitem(nn.INITIALISERS, name, draw)


@pytest.mark.usefixtures("plain_initialisers")
class TestTask2_1:
    """Linear.forward: y = x @ W + b (eq. 5 without σ)."""

    def test_one_input_row(self):
        layer = biased(Linear(4, 3, rng=0, dtype=np.float64))
        x = np.array([0.5, -1.0, 2.0, 0.25])
        with expecting("a row x of 4 inputs times W of shape (4, 3) (inputs, outputs) is x @ W, "
                       "of shape (3,); then + b"):  # fmt: skip
            y = layer(x)
        expected = x @ layer.weight.data + layer.bias.data
        assert isinstance(y, Tensor), f"Linear.forward must return a Tensor, not {type(y)}"
        assert y.shape == (3,), f"one row of 4 inputs gives 3 outputs, got shape {y.shape}"
        np.testing.assert_allclose(y.data, expected, err_msg="y must be x @ W + b (eq. 5)")

    def test_a_batch_gives_one_row_per_input(self):
        layer = biased(Linear(4, 3, rng=0, dtype=np.float64))
        x = np.arange(20.0).reshape(5, 4) / 10
        y = layer(x)
        assert y.shape == (5, 3), f"a batch of 5 rows gives 5 rows of outputs, got {y.shape}"
        expected = x @ layer.weight.data + layer.bias.data
        np.testing.assert_allclose(y.data, expected, err_msg="row i is x[i] @ W + b")

    def test_the_output_is_recorded_for_the_gradient(self):
        layer = Linear(2, 2, rng=0)
        y = layer(np.ones((1, 2), dtype=np.float32))
        assert y.requires_grad, (
            "compute with the layer's tensors (self.weight, self.bias), not with their .data "
            "arrays, so that the operation is recorded and chapter 6 can differentiate it"
        )


@pytest.mark.usefixtures("plain_initialisers")
class TestTask2_2:
    """MLP.forward: σ after every layer but the last, whose logits are returned as they are."""

    def test_sigmoid_between_the_layers_and_logits_out(self):
        mlp = biased(MLP([4, 5, 3], activation="sigmoid", rng=0, dtype=np.float64))
        x = np.array([[0.5, -1.0, 2.0, 0.25]])
        (W0, b0), (W1, b1) = [(layer.weight.data, layer.bias.data) for layer in mlp.layers]
        expected = sigmoid(x @ W0 + b0) @ W1 + b1
        with expecting("each layer maps a row of its inputs to a row of its outputs: x @ W + b"):
            out = mlp(x)
        assert out.shape == (1, 3), f"expected logits of shape (1, 3), got {out.shape}"
        if np.allclose(out.data, sigmoid(expected)):
            raise AssertionError("no σ after the last layer: MLP returns the logits")
        if np.allclose(out.data, (x @ W0 + b0) @ W1 + b1):
            raise AssertionError(
                "σ is missing between the layers: expected σ(x @ W₀ + b₀) @ W₁ + b₁"
            )
        np.testing.assert_allclose(out.data, expected, rtol=1e-12,
                                   err_msg="expected σ(x @ W₀ + b₀) @ W₁ + b₁")  # fmt: skip

    def test_three_layers_of_relu(self):
        mlp = biased(MLP([3, 6, 5, 2], activation="relu", rng=2, dtype=np.float64))
        x = np.random.default_rng(0).normal(size=(7, 3))
        h = x
        for i, layer in enumerate(mlp.layers):
            h = h @ layer.weight.data + layer.bias.data
            if i < 2:
                h = np.maximum(h, 0)
        out = mlp(x)
        assert out.shape == (7, 2), f"7 inputs give 7 rows of 2 logits, got {out.shape}"
        np.testing.assert_allclose(out.data, h, rtol=1e-12,
                                   err_msg="apply the model's activation (self.activation) "
                                           "after every layer except the last")  # fmt: skip

    def test_the_logits_are_recorded_for_the_gradient(self):
        out = MLP([2, 3, 2], rng=0)(np.ones((1, 2), dtype=np.float32))
        assert out.requires_grad, "compute with the layers' tensors, not their .data arrays"


class TestTask2_3:
    """glorot_uniform and he_normal: the spread of the initial weights."""

    def test_glorot_is_uniform_within_its_bound(self):
        w = glorot_uniform(300, 200, np.random.default_rng(0))
        bound = math.sqrt(6 / 500)
        assert w.shape == (300, 200), f"W has fan_in rows and fan_out columns, got {w.shape}"
        assert w.dtype == np.float32, f"the default dtype is float32, got {w.dtype}"
        assert np.abs(w).max() <= bound, (
            f"every weight lies in ±√(6/(fan_in + fan_out)) = ±{bound:.4f}"
        )
        assert np.abs(w).max() > 0.99 * bound, "the weights should fill the whole interval"
        assert abs(w.var() - 2 / 500) < 0.05 * 2 / 500, "Var W should be 2/(fan_in + fan_out)"

    def test_he_is_normal_with_variance_two_over_fan_in(self):
        w = he_normal(400, 300, np.random.default_rng(0), dtype=np.float64)
        assert w.shape == (400, 300) and w.dtype == np.float64, (
            "shape (fan_in, fan_out), the dtype asked"
        )
        assert abs(w.mean()) < 0.003, "He weights have mean 0"
        assert abs(w.std() - math.sqrt(2 / 400)) < 0.02 * math.sqrt(2 / 400), "std √(2/fan_in)"
        assert np.abs(w).max() > 3.5 * math.sqrt(2 / 400), "normal, not uniform: it has tails"

    def test_a_seed_gives_the_same_weights(self):
        for init in (glorot_uniform, he_normal):
            first = init(5, 4, np.random.default_rng(7))
            again = init(5, 4, np.random.default_rng(7))
            other = init(5, 4, np.random.default_rng(8))
            np.testing.assert_array_equal(first, again, err_msg="draw from the rng you are given")
            assert not np.array_equal(first, other), "draw from the rng you are given"
