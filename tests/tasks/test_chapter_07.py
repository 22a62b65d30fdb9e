"""Chapter 7's tasks: softmax cross-entropy and its VJP."""

import numpy as np
from task_tools import expecting, needs, numeric_vjp

from ppn.losses import softmax_cross_entropy
from ppn.tensor import VJP, Tensor

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
        hint = ("logits of ±1000: exp(1000) overflows; subtract each row's maximum before exp "
                "(the log-sum-exp trick)")  # fmt: skip
        with expecting(hint), np.errstate(over="raise", invalid="raise"):  # overflow raises here
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
