"""Chapter 10's task: the training step of fit."""

import numpy as np
from task_tools import (
    LinearModel,
    PlainSGD,
    expecting,
    linear_gradient,
    needs,
    regression_data,
    squared_error,
)

from ppn import optim
from ppn.nn import MLP
from ppn.train import fit

RNG = np.random.default_rng(0)


THE_STEP = (
    "for each batch: outputs = model(Tensor(x_batch)), cost = loss_function(outputs, "
    "y[index]), value = cost.item() (a float); then optimizer.zero_grad(), cost.backward() "
    "and optimizer.step(), in this order"
)


class TestTask10_1:
    """fit's training step: forward, loss, zero_grad, backward, step, for every batch."""

    def test_the_weights_equal_those_of_mini_batch_gradient_descent(self):
        x, y, w0 = regression_data(rows=10)
        model = LinearModel(w0)
        with expecting(THE_STEP):
            fit(model, x, y, optimizer=PlainSGD(model.parameters(), lr=0.1), loss=squared_error,
                epochs=2, batch_size=4, seed=3, progress=False)  # fmt: skip
        rng, w = np.random.default_rng(3), w0.copy()
        for _ in range(2):
            order = rng.permutation(10)
            for start in range(0, 10, 4):
                batch = order[start : start + 4]
                w -= 0.1 * linear_gradient(w, x[batch], y[batch])
        np.testing.assert_allclose(model.w.data, w, err_msg=THE_STEP)

    def test_it_trains_on_the_augmented_batch(self):
        x, y, w0 = regression_data(rows=8)
        model = LinearModel(w0)
        flipped = lambda batch, rng: -batch  # an augmentation that changes every input
        fit(model, x, y, optimizer=PlainSGD(model.parameters(), lr=0.1), loss=squared_error,
            epochs=1, batch_size=4, seed=3, augment=flipped, progress=False)  # fmt: skip
        order, w = np.random.default_rng(3).permutation(8), w0.copy()
        for start in (0, 4):
            batch = order[start : start + 4]
            w -= 0.1 * linear_gradient(w, -x[batch], y[batch])
        np.testing.assert_allclose(model.w.data, w, err_msg=(
            "train on x_batch, the augmented batch that fit prepares, not on x[index]: the "
            "augmentation would be silently ignored"))  # fmt: skip

    def test_zero_grad_then_backward_then_step(self):
        x, y, w0 = regression_data(rows=6)
        model = LinearModel(w0)
        optimizer = PlainSGD(model.parameters(), lr=0.1)
        optimizer.log = model.log  # one log of the calls to both
        with expecting("each batch calls model(…), optimizer.zero_grad(), cost.backward() and "
                       "optimizer.step(), in this order: a gradient erased after backward "
                       "leaves the step nothing"):  # fmt: skip
            fit(model, x, y, optimizer=optimizer, loss=squared_error, epochs=1, batch_size=3,
                progress=False)  # fmt: skip
        calls = [c if isinstance(c, str) else c[0] for c in model.log]
        step = ["forward", "zero_grad", "backward", "step"]
        assert calls == step * 2, f"each batch should call {step}, in this order; got {calls}"

    def test_the_history_has_the_training_loss(self):
        x, y, w0 = regression_data(rows=8)
        model = LinearModel(w0)
        with expecting("value = cost.item(): a float, the loss of the batch before its step"):
            history = fit(model, x, y, optimizer=PlainSGD(model.parameters(), lr=0.1),
                          loss=squared_error, epochs=3, batch_size=8, progress=False)  # fmt: skip
        losses = history.train_loss
        assert len(losses) == 3 and losses[0] > losses[1] > losses[2], (
            f"the training loss falls epoch after epoch; got {losses}"
        )
        assert np.isclose(losses[0], squared_error(LinearModel(w0)(x), y).item()), (
            "value = cost.item(): the loss of the batch before its step"
        )

    @needs("2.1", "2.2", "2.3", "6.1", "6.3", "6.4", "7.1", "7.2", "9.1")
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
