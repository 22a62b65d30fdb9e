"""Chapter 13's PyTorch and JAX translations of ppn's MLP agree with ppn.

The course does not install PyTorch or JAX, so these tests are skipped unless they are
present (``pip install torch==2.13.0``, ``pip install jax optax``). The chapter's own
functions ``train_with_torch`` and ``train_with_jax`` are taken from its twin, so the
code a reader sees is the code checked.
"""

import ast
from pathlib import Path

import numpy as np
import pytest

from ppn.losses import softmax_cross_entropy
from ppn.nn import MLP
from ppn.optim import Adam
from ppn.tensor import Tensor

CHAPTER = Path(__file__).resolve().parents[1] / "book" / "13_what_next.py"
SIZES = [12, 8, 4]


def chapter_function(name: str):
    """The function ``name`` defined at the top level of chapter 13's twin."""
    tree = ast.parse(CHAPTER.read_text(encoding="utf-8"))
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    namespace = {"np": np}
    exec(compile(ast.Module([node], type_ignores=[]), str(CHAPTER), "exec"), namespace)
    return namespace[name]


@pytest.fixture(scope="module")
def problem():
    """A small batch problem, ppn's initial weights, and ppn's Adam run on it."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, SIZES[0]))
    y = rng.integers(0, SIZES[-1], size=40).astype(np.int64)
    order = rng.permutation(len(x))
    batches = [order[start : start + 16] for start in range(0, len(x), 16)]  # 16, 16, 8
    model = MLP(SIZES, "relu", rng=0, dtype=np.float64)
    initial = [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in model.layers]
    optimizer = Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(3):  # several epochs: later Adam steps depend on the gradients' sizes
        for index in batches:
            cost = softmax_cross_entropy(model(Tensor(x[index])), y[index])
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            losses.append(cost.item())
    weights = [(layer.weight.data, layer.bias.data) for layer in model.layers]
    return x, y, initial, batches * 3, weights, losses


def assert_same_training(result, problem):
    x, y, initial, batches, ppn_weights, ppn_losses = problem
    weights, losses = result
    np.testing.assert_allclose(losses, ppn_losses, rtol=0, atol=1e-12)
    for (w, b), (ppn_w, ppn_b) in zip(weights, ppn_weights, strict=True):
        assert w.shape == ppn_w.shape and b.shape == ppn_b.shape
        np.testing.assert_allclose(w, ppn_w, rtol=0, atol=1e-12)
        np.testing.assert_allclose(b, ppn_b, rtol=0, atol=1e-12)


def test_torch_forward_and_gradient_match_ppn(problem):
    """nn.Linear with ppn's W transposed: the same logits, loss and gradients."""
    torch = pytest.importorskip("torch")
    x, y, initial, batches, _, _ = problem
    model = MLP(SIZES, "relu", rng=0, dtype=np.float64)
    batch = Tensor(x[batches[0]])
    cost = softmax_cross_entropy(model(batch), y[batches[0]])
    cost.backward()
    layers = []
    for weight, bias in initial:
        linear = torch.nn.Linear(*weight.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight.T)))
            linear.bias.copy_(torch.from_numpy(bias))
        layers += [linear, torch.nn.ReLU()]
    torch_model = torch.nn.Sequential(*layers[:-1])
    logits = torch_model(torch.from_numpy(batch.data))
    torch_cost = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y[batches[0]]))
    torch_cost.backward()
    np.testing.assert_allclose(logits.detach().numpy(), model(batch).data, atol=1e-13)
    assert abs(torch_cost.item() - cost.item()) < 1e-13
    linears = [layer for layer in torch_model if isinstance(layer, torch.nn.Linear)]
    for linear, layer in zip(linears, model.layers, strict=True):
        np.testing.assert_allclose(linear.weight.grad.numpy().T, layer.weight.grad, atol=1e-13)
        np.testing.assert_allclose(linear.bias.grad.numpy(), layer.bias.grad, atol=1e-13)


def test_chapter_torch_training_matches_ppn(problem):
    pytest.importorskip("torch")
    x, y, initial, batches, _, _ = problem
    assert_same_training(chapter_function("train_with_torch")(x, y, initial, batches), problem)


def test_chapter_jax_training_matches_ppn(problem):
    pytest.importorskip("jax")
    pytest.importorskip("optax")
    x, y, initial, batches, _, _ = problem
    assert_same_training(chapter_function("train_with_jax")(x, y, initial, batches), problem)
