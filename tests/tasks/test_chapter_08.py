"""Chapter 8's tasks: Algorithm 2, and Algorithm 3's accumulator.

The model here is a linear one whose gradient is written out with numpy (task_tools), so
these checks need none of the earlier tasks.
"""

import numpy as np
from task_tools import LinearModel, expecting, linear_gradient, regression_data, squared_error

from ppn import optim

ONE_SAMPLE = "call the model on one sample at a time, as a batch of one: x[j : j + 1]"


class TestTask8_1:
    """sgd_per_sample_epoch: for each sample j, θ ← θ − η·∇C(xⱼ, yⱼ) (Algorithm 2)."""

    def test_the_weights_after_one_epoch(self):
        x, y, w0 = regression_data()
        model = LinearModel(w0)
        with expecting(ONE_SAMPLE):
            losses = optim.sgd_per_sample_epoch(model, squared_error, x, y, lr=0.05)
        w = w0.copy()
        expected_losses = []
        for j in range(len(x)):
            expected_losses.append(float(np.sum((x[j] @ w - y[j]) ** 2)))
            w -= 0.05 * linear_gradient(w, x[j : j + 1], y[j : j + 1])
        np.testing.assert_allclose(model.w.data, w, err_msg=(
            "one step per sample, in order, each on that sample's gradient alone (call "
            "model.zero_grad() before each backward, or the gradients add up)"))  # fmt: skip
        assert losses == expected_losses, "return each sample's loss (cost.item()) before its step"

    def test_one_sample_at_a_time(self):
        x, y, w0 = regression_data(rows=5)
        model = LinearModel(w0)
        with expecting(ONE_SAMPLE):
            optim.sgd_per_sample_epoch(model, squared_error, x, y, lr=0.05)
        forwards = [entry for entry in model.log if isinstance(entry, tuple)]
        assert forwards == [("forward", 1)] * 5, (
            "call the model on one sample at a time, as a batch of one: x[j : j + 1]"
        )


class TestTask8_2:
    """accumulated_gradient: ∇acc = Σⱼ ∇C(xⱼ, yⱼ), one sample at a time (Algorithm 3)."""

    def test_the_sum_of_the_samples_gradients(self):
        x, y, w0 = regression_data(rows=6)
        model = LinearModel(w0)
        with expecting(ONE_SAMPLE):
            accumulator = optim.accumulated_gradient(model, squared_error, x, y)
        np.testing.assert_array_equal(model.w.data, w0, "the accumulator changes no weight")
        expected = sum(linear_gradient(w0, x[j : j + 1], y[j : j + 1]) for j in range(6))
        assert isinstance(accumulator, list) and len(accumulator) == 1, (
            "return one array per parameter, in the order of model.parameters()"
        )
        message = "∇acc is the *sum* of the samples' gradients (zero_grad before each sample)"
        np.testing.assert_allclose(accumulator[0], expected, err_msg=message)
        np.testing.assert_array_equal(model.w.data, w0, "the accumulator changes no weight")

    def test_one_sample_at_a_time(self):
        x, y, w0 = regression_data(rows=4)
        model = LinearModel(w0)
        optim.accumulated_gradient(model, squared_error, x, y)
        forwards = [entry for entry in model.log if isinstance(entry, tuple)]
        assert forwards == [("forward", 1)] * 4, "one sample at a time: x[j : j + 1]"
        assert model.log.count("zero_grad") == 4, "model.zero_grad() before each sample"
