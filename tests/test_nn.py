"""Layers, networks and losses: whole-model gradients, initialisers, stability, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ppn.gradcheck import check_grad, numerical_grad
from ppn.losses import mse, softmax_cross_entropy, squared_error, sum_squared_error
from ppn.nn import MLP, Linear, glorot_uniform, he_normal
from ppn.tensor import Tensor

RNG = np.random.default_rng(2024)


def model_loss(model: MLP, loss, x, target):
    """f(*parameter arrays) = loss(model(x), target), for check_grad."""

    def f(*parameters):
        # The layers use check_grad's tensors, so backward() fills their .grad.
        for i, layer in enumerate(model.layers):
            layer.weight, layer.bias = parameters[2 * i], parameters[2 * i + 1]
        return loss(model(x), target)

    return f


def generic_point(model: MLP) -> list[np.ndarray]:
    """The parameters with nonzero biases: with zero biases, a row whose ReLUs are all off
    feeds exactly 0 into the next ReLU, a kink where finite differences see half a slope."""
    return [p.data + 0.1 * RNG.normal(size=p.shape) for p in model.parameters()]


# --- whole-model gradients -------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_mlp_with_softmax_cross_entropy_matches_finite_differences(activation):
    model = MLP([5, 4, 3, 3], activation=activation, rng=0, dtype=np.float64)
    x, labels = RNG.normal(size=(6, 5)), RNG.integers(0, 3, size=6)
    f = model_loss(model, softmax_cross_entropy, x, labels)
    check_grad(f, *generic_point(model))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_mlp_with_mse_and_sum_squared_error_match_finite_differences(activation):
    model = MLP([3, 4, 2], activation=activation, rng=1, dtype=np.float64)
    x, target = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
    for loss in (mse, sum_squared_error):
        f = model_loss(model, loss, x, target)
        check_grad(f, *generic_point(model))


def test_gradient_with_respect_to_the_input():
    model = MLP([3, 4, 2], activation="tanh", rng=2, dtype=np.float64)
    labels = np.array([0, 1])
    check_grad(lambda x: softmax_cross_entropy(model(x), labels), RNG.normal(size=(2, 3)))


def test_backward_fills_every_parameter_and_zero_grad_clears_them():
    model = MLP([4, 3, 2], activation="relu", rng=0)
    softmax_cross_entropy(model(RNG.normal(size=(8, 4))), RNG.integers(0, 2, size=8)).backward()
    for p in model.parameters():
        assert p.grad is not None and p.grad.shape == p.shape and p.grad.dtype == np.float32
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_float32_model_computes_in_float32():
    model = MLP([4, 3, 2], activation="sigmoid", rng=0)
    logits = model(RNG.normal(size=(2, 4)))  # a float64 array is cast to the model's dtype
    assert logits.dtype == np.float32
    loss = mse(logits, np.zeros((2, 2)))
    assert loss.dtype == np.float32


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    model = MLP([5, 4, 3], activation="tanh", rng=0, dtype=np.float64)
    x, labels = RNG.normal(size=(6, 5)), RNG.integers(0, 3, size=6)
    softmax_cross_entropy(model(x), labels).backward()

    layers = []
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.weight.data.T))  # PyTorch stores Wᵀ
            linear.bias.copy_(torch.from_numpy(layer.bias.data))
        layers += [linear] if i == len(model.layers) - 1 else [linear, torch.nn.Tanh()]
    reference = torch.nn.Sequential(*layers)
    loss = torch.nn.functional.cross_entropy(
        reference(torch.from_numpy(x)), torch.from_numpy(labels)
    )
    loss.backward()
    for layer, linear in zip(model.layers, reference[::2], strict=True):
        np.testing.assert_allclose(layer.weight.grad, linear.weight.grad.numpy().T, rtol=1e-10)
        np.testing.assert_allclose(layer.bias.grad, linear.bias.grad.numpy(), rtol=1e-10)


# --- the layer computes the source's equations -----------------------------------------------


def test_linear_is_eq_4_for_every_row():
    layer = Linear(3, 2, rng=0, dtype=np.float64)
    layer.bias.data[:] = [0.5, -1.0]
    x = RNG.normal(size=(4, 3))
    y = layer(x).data
    w, b = layer.weight.data, layer.bias.data
    for n in range(4):
        for i in range(2):  # Hᵢ = Σⱼ Iⱼ wⱼᵢ + bᵢ (before σ)
            assert y[n, i] == pytest.approx(sum(x[n, j] * w[j, i] for j in range(3)) + b[i])


def test_mlp_forward_is_sigma_between_layers_and_linear_at_the_end():
    model = MLP([3, 4, 2], activation="sigmoid", rng=0, dtype=np.float64)
    x = RNG.normal(size=(2, 3))
    (w0, b0), (w1, b1) = [(layer.weight.data, layer.bias.data) for layer in model.layers]
    hidden = 1 / (1 + np.exp(-(x @ w0 + b0)))
    np.testing.assert_allclose(model(x).data, hidden @ w1 + b1)


# --- initialisers ----------------------------------------------------------------------------


def test_glorot_uniform_bound_and_variance():
    w = glorot_uniform(300, 200, np.random.default_rng(0), np.float64)
    bound = np.sqrt(6 / 500)
    assert w.shape == (300, 200) and np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # the whole interval is used
    assert w.var() == pytest.approx(2 / 500, rel=0.02)
    assert abs(w.mean()) < 0.01 * bound


def test_he_normal_standard_deviation():
    w = he_normal(400, 300, np.random.default_rng(0), np.float64)
    assert w.std() == pytest.approx(np.sqrt(2 / 400), rel=0.01)
    assert abs(w.mean()) < 0.01 * np.sqrt(2 / 400)


def test_mlp_picks_glorot_for_sigmoid_and_tanh_and_he_for_relu():
    assert MLP([2, 2], "sigmoid").init == MLP([2, 2], "tanh").init == "glorot"
    assert MLP([2, 2], "relu").init == "he"
    assert MLP([2, 2], "relu", init="glorot").init == "glorot"
    wide = MLP([500, 400, 10], "relu", rng=0)
    assert wide.layers[0].weight.data.std() == pytest.approx(np.sqrt(2 / 500), rel=0.02)
    assert all(np.all(layer.bias.data == 0) for layer in wide.layers)


def test_same_seed_same_network_in_every_dtype():
    a, b = MLP([4, 5, 3], rng=7), MLP([4, 5, 3], rng=7)
    c = MLP([4, 5, 3], rng=np.random.default_rng(7), dtype=np.float64)
    for (name, p), q, r in zip(a.named_parameters(), b.parameters(), c.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
        np.testing.assert_array_equal(p.data, r.data.astype(np.float32), err_msg=name)
    different = MLP([4, 5, 3], rng=8)
    assert not np.array_equal(a.layers[0].weight.data, different.layers[0].weight.data)


# --- losses ----------------------------------------------------------------------------------


def test_squared_error_is_eq_6_and_its_sum_eq_7_and_mean_mse():
    prediction = Tensor(np.array([0.2, 0.9, 0.1]))
    target = np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(squared_error(prediction, target).data, [0.04, 0.01, 0.01])
    assert sum_squared_error(prediction, target).item() == pytest.approx(0.06)
    assert mse(prediction, target).item() == pytest.approx(0.02)


def test_softmax_cross_entropy_value():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    labels = np.array([0, 2])
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -(log_p[0, 0] + log_p[1, 2]) / 2
    assert softmax_cross_entropy(Tensor(logits), labels).item() == pytest.approx(expected)
    assert softmax_cross_entropy(Tensor(logits), list(labels)).item() == pytest.approx(expected)


def test_softmax_cross_entropy_is_stable_at_1000():
    logits = Tensor(
        np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]]), requires_grad=True
    )
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss = softmax_cross_entropy(logits, [1, 2])
        loss.backward()
    assert loss.item() == pytest.approx((2000 + np.log(2)) / 2)
    assert np.all(np.isfinite(logits.grad))
    np.testing.assert_allclose(logits.grad, [[0.5, -0.5, 0.0], [0.0, 0.25, -0.25]], atol=1e-12)
    logits32 = Tensor(logits.data.astype(np.float32), requires_grad=True)
    loss32 = softmax_cross_entropy(logits32, [1, 2])
    loss32.backward()
    assert loss32.dtype == logits32.grad.dtype == np.float32
    assert np.isfinite(loss32.item())


def test_fused_loss_gradient_is_softmax_minus_onehot_over_n():
    logits = RNG.normal(size=(4, 3))
    labels = np.array([2, 0, 1, 1])
    t = Tensor(logits, requires_grad=True)
    softmax_cross_entropy(t, labels).backward()
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(t.grad, (p - np.eye(3)[labels]) / 4)
    (numeric,) = numerical_grad(lambda z: softmax_cross_entropy(Tensor(z), labels), logits)
    np.testing.assert_allclose(t.grad, numeric, atol=1e-9)


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (np.array([0, 3]), ValueError, r"labels must lie in \[0, 3\) for 3 classes; got \[3\]"),
        (np.array([-1, 0]), ValueError, r"\[0, 3\).*got \[-1\]"),
        (
            np.array([0.0, 1.0]),
            TypeError,
            "labels must be integer class indices, got dtype float64",
        ),
        (np.eye(3)[[0, 1]], TypeError, r"one-hot rows\? use labels.argmax\(axis=1\)"),
        (np.array([0, 1, 2]), ValueError, r"expected 2 labels \(shape \(2,\)\).*\(3,\)"),
    ],
)
def test_softmax_cross_entropy_names_the_problem_with_labels(labels, error, message):
    with pytest.raises(error, match=message):
        softmax_cross_entropy(Tensor(np.zeros((2, 3))), labels)


def test_loss_shape_errors():
    with pytest.raises(ValueError, match=r"logits must have shape \(N, K\), got \(3,\)"):
        softmax_cross_entropy(Tensor(np.zeros(3)), np.array([0]))
    with pytest.raises(ValueError, match=r"mse: the prediction has shape \(4, 1\) but the target"):
        mse(Tensor(np.zeros((4, 1))), np.zeros(4))  # would broadcast to (4, 4)


# --- the model's interface -------------------------------------------------------------------


def test_parameters_are_named_like_pytorch_and_state_dicts_round_trip():
    model = MLP([3, 4, 2], rng=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert model.parameters()[0] is model.layers[0].weight
    assert model.num_parameters() == 3 * 4 + 4 + 4 * 2 + 2

    state = model.state_dict()
    other = MLP([3, 4, 2], rng=1)
    weight = other.layers[0].weight
    other.load_state_dict(state)
    assert other.layers[0].weight is weight  # loaded in place: an optimiser's references hold
    for name, p in other.named_parameters():
        np.testing.assert_array_equal(p.data, state[name])
    state["layers.0.weight"][:] = 99  # a state dict is a copy
    assert not np.any(model.layers[0].weight.data == 99)

    with pytest.raises(KeyError, match=r"missing keys \['layers.1.bias'\]"):
        other.load_state_dict({k: v for k, v in state.items() if k != "layers.1.bias"})
    with pytest.raises(ValueError, match=r"'layers.0.weight' has shape \(4, 3\) in the state"):
        other.load_state_dict({**state, "layers.0.weight": np.zeros((4, 3))})


def test_repr_and_attributes():
    model = MLP([784, 128, 10], activation="relu", rng=0)
    assert model.sizes == (784, 128, 10) and model.activation == "relu"
    assert len(model.layers) == 2 and isinstance(model.layers[0], Linear)
    assert repr(model) == (
        "MLP(784 → 128 → 10, activation='relu', dtype=float32): 101,770 parameters\n"
        "  layers.0: Linear(784 → 128, init='he'), then relu\n"
        "  layers.1: Linear(128 → 10, init='he'), then logits"
    )


def test_constructor_and_input_errors():
    with pytest.raises(
        ValueError, match="unknown activation 'softmax'; choose one of sigmoid, relu, tanh"
    ):
        MLP([2, 2], activation="softmax")
    with pytest.raises(ValueError, match="at least two positive integers"):
        MLP([784])
    with pytest.raises(ValueError, match="unknown init 'lecun'"):
        Linear(2, 2, init="lecun")
    with pytest.raises(TypeError, match="rng must be None, an int seed or a numpy Generator"):
        MLP([2, 2], rng="seed")
    model = MLP([784, 16, 10], rng=0)
    with pytest.raises(
        ValueError, match=r"MLP\(784 → 16 → 10\) expects inputs with 784 features.*\(32, 100\)"
    ):
        model(np.zeros((32, 100)))
    with pytest.raises(ValueError, match=r"flatten the images first, x.reshape\(32, 784\)"):
        model(np.zeros((32, 28, 28)))
