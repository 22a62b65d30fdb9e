"""Chapter 7's tasks: softmax cross-entropy, its VJP, and the training step of fit."""

import numpy as np
from task_tools import (
    LinearModel,
    PlainSGD,
    linear_gradient,
    needs,
    numeric_vjp,
    regression_data,
    squared_error,
)

from ppn import optim
from ppn.losses import softmax_cross_entropy
from ppn.nn import MLP
from ppn.tensor import VJP, Tensor
from ppn.train import fit

RNG = np.random.default_rng(0)


def cross_entropy(logits, labels):
    """The mean of −log softmax(logits)[n, labelₙ], in float64 with the log-sum-exp trick."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels].mean()


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class TestTask7_1:
    """softmax_cross_entropy: (1/N) Σₙ −log softmax(logitsₙ)[labelₙ], one fused node."""

    def test_the_value(self):
        logits, labels = RNG.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
        loss = softmax_cross_entropy(Tensor(logits), labels)
        assert isinstance(loss, Tensor) and loss.shape == (), "the loss is a 0-d Tensor"
        assert np.isclose(loss.item(), cross_entropy(logits, labels)), (
            "the mean over the N rows of −log pₙ[labelₙ], pₙ = softmax(logitsₙ)"
        )

    def test_large_logits_do_not_overflow(self):
        logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]])
        with np.errstate(over="raise", invalid="raise"):  # an overflow in exp raises here
            loss = softmax_cross_entropy(Tensor(logits), np.array([0, 2])).item()
        assert np.isclose(loss, cross_entropy(logits, np.array([0, 2]))), (
            "subtract each row's maximum before exp (the log-sum-exp trick)"
        )

    def test_the_dtype_is_kept(self):
        loss = softmax_cross_entropy(Tensor(np.zeros((2, 3), dtype=np.float32)), np.array([0, 1]))
        assert loss.dtype == np.float32, f"float32 logits give a float32 loss, got {loss.dtype}"

    def test_the_node_holds_what_its_rule_reads(self):
        logits, labels = RNG.normal(size=(3, 4)), np.array([2, 0, 3])
        loss = softmax_cross_entropy(Tensor(logits, requires_grad=True), labels)
        assert loss._op == "softmax_cross_entropy", (
            'record the node with ppn.tensor.record(loss, "softmax_cross_entropy", (logits,), '
            "(probabilities, rows, labels)): task 7.2's rule reads those three"
        )
        probabilities, rows, kept_labels = loss._params
        np.testing.assert_allclose(probabilities, softmax(logits), err_msg="softmax(logits)")
        np.testing.assert_array_equal(rows, [0, 1, 2], "rows = 0 … N−1")
        np.testing.assert_array_equal(kept_labels, labels)

    @needs("7.2")
    def test_the_gradient_through_backward(self):
        logits, labels = RNG.normal(size=(3, 4)), np.array([2, 0, 3])
        z = Tensor(logits, requires_grad=True)
        softmax_cross_entropy(z, labels).backward()
        expected = numeric_vjp(lambda t: cross_entropy(t, labels), logits, 1.0)
        np.testing.assert_allclose(z.grad, expected, rtol=1e-6, atol=1e-9)


class TestTask7_2:
    """The VJP of softmax cross-entropy: logits̄ = ȳ·(softmax − onehot)/N."""

    def test_against_finite_differences(self):
        logits, labels = RNG.normal(size=(4, 3)), np.array([1, 0, 2, 2])
        probabilities = softmax(logits)
        kept = probabilities.copy()
        rows = np.arange(4)
        loss = cross_entropy(logits, labels)
        x_bar = VJP["softmax_cross_entropy"](2.0, logits, loss, probabilities, rows, labels)
        expected = numeric_vjp(lambda t: cross_entropy(t, labels), logits, 2.0)
        np.testing.assert_allclose(x_bar, expected, rtol=1e-6, atol=1e-9, err_msg=(
            "ȳ·(softmax − onehot)/N: the arguments are (g, logits, loss, probabilities, rows, "
            "labels)"))  # fmt: skip
        np.testing.assert_array_equal(probabilities, kept, (
            "leave the node's probabilities as they are: compute x̄ in a new array"))  # fmt: skip


class TestTask7_3:
    """fit's training step: forward, loss, zero_grad, backward, step, for every batch."""

    def test_the_weights_equal_those_of_mini_batch_gradient_descent(self):
        x, y, w0 = regression_data(rows=10)
        model = LinearModel(w0)
        fit(model, x, y, optimizer=PlainSGD(model.parameters(), lr=0.1), loss=squared_error,
            epochs=2, batch_size=4, seed=3, progress=False)  # fmt: skip
        rng, w = np.random.default_rng(3), w0.copy()
        for _ in range(2):
            order = rng.permutation(10)
            for start in range(0, 10, 4):
                batch = order[start : start + 4]
                w -= 0.1 * linear_gradient(w, x[batch], y[batch])
        np.testing.assert_allclose(model.w.data, w, err_msg=(
            "for each batch: outputs = model(Tensor(x_batch)), cost = loss_function(outputs, "
            "y[index]), value = cost.item(); then optimizer.zero_grad(), cost.backward(), "
            "optimizer.step()"))  # fmt: skip

    def test_zero_grad_then_backward_then_step(self):
        x, y, w0 = regression_data(rows=6)
        model = LinearModel(w0)
        optimizer = PlainSGD(model.parameters(), lr=0.1)
        optimizer.log = model.log  # one log of the calls to both
        fit(model, x, y, optimizer=optimizer, loss=squared_error, epochs=1, batch_size=3,
            progress=False)  # fmt: skip
        calls = [c if isinstance(c, str) else c[0] for c in model.log]
        step = ["forward", "zero_grad", "backward", "step"]
        assert calls == step * 2, f"each batch should call {step}, in this order; got {calls}"

    def test_the_history_has_the_training_loss(self):
        x, y, w0 = regression_data(rows=8)
        model = LinearModel(w0)
        history = fit(model, x, y, optimizer=PlainSGD(model.parameters(), lr=0.1),
                      loss=squared_error, epochs=3, batch_size=8, progress=False)  # fmt: skip
        losses = history.train_loss
        assert len(losses) == 3 and losses[0] > losses[1] > losses[2], (
            f"the training loss falls epoch after epoch; got {losses}"
        )
        assert np.isclose(losses[0], squared_error(LinearModel(w0)(x), y).item()), (
            "value = cost.item(): the loss of the batch before its step"
        )

    @needs("2.2", "2.3", "5.4", "5.6", "5.7", "6.1", "7.1", "7.2")
    def test_it_trains_a_network(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(200, 2)).astype(np.float32)
        labels = (x[:, 0] * x[:, 1] > 0).astype(np.int64)  # the xor of the signs
        model = MLP([2, 16, 2], activation="tanh", rng=0)
        history = fit(model, x, labels, optimizer=optim.SGD(model.parameters(), lr=0.5),
                      epochs=30, batch_size=20, progress=False)  # fmt: skip
        assert history.train_accuracy[-1] > 0.9, (
            f"a 2-16-2 network learns the xor of the signs; accuracy {history.train_accuracy}"
        )
