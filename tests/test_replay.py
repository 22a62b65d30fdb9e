"""The replayed training step (ppn.replay): the eager step's weights bit for bit, in buffers
allocated once, and a clear refusal of what it does not support."""

import functools
import tracemalloc

import numpy as np
import pytest

from ppn import cli, data, optim
from ppn.losses import mse, softmax_cross_entropy
from ppn.nn import MLP, Linear, Module
from ppn.replay import KERNELS, Replay
from ppn.tensor import Tensor
from ppn.train import DivergenceError, fit

OPTIMISERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.05),
    "sgd+decay": lambda p: optim.SGD(p, lr=0.05, weight_decay=1e-3),
    "momentum": lambda p: optim.Momentum(p, lr=0.05, momentum=0.9),
    "adam": lambda p: optim.Adam(p, lr=1e-3),
    "adamw": lambda p: optim.Adam(p, lr=1e-3, weight_decay=1e-2),
}


@pytest.fixture(scope="module")
def digits(mnist):
    """1,000 real digits: batches of 128 leave a short last batch of 104."""
    (images, labels), _ = mnist
    return data.to_float(images[:1000], flatten=True), labels[:1000].astype(np.int64)


def trained(x, y, replay, *, sizes=(784, 32, 16, 10), activation="relu", optimiser="momentum",
            epochs=3, **options):  # fmt: skip
    model = MLP(sizes, activation, rng=0)
    optimizer = OPTIMISERS[optimiser](model.parameters())
    history = fit(model, x, y, optimizer=optimizer, epochs=epochs, batch_size=128, seed=3,
                  progress=False, replay=replay, **options)  # fmt: skip
    return model, optimizer, history


def assert_same_weights(a, b):
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert p.data.dtype == q.data.dtype
        assert np.array_equal(p.data, q.data), f"{name} differs by {np.abs(p.data - q.data).max()}"


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("optimiser", sorted(OPTIMISERS))
def test_replay_gives_the_eager_weights_bit_for_bit(digits, activation, optimiser):
    x, y = digits
    eager, eager_optimizer, eager_history = trained(x, y, False, activation=activation,
                                                    optimiser=optimiser)  # fmt: skip
    replayed, replayed_optimizer, replayed_history = trained(x, y, True, activation=activation,
                                                             optimiser=optimiser)  # fmt: skip
    assert_same_weights(eager, replayed)
    assert eager_history.train_loss == replayed_history.train_loss
    assert eager_history.train_accuracy == replayed_history.train_accuracy
    # the optimiser's state too (velocity, Adam's moments): a checkpoint resumes the same
    for key, value in eager_optimizer.state_dict().items():
        assert np.array_equal(value, replayed_optimizer.state_dict()[key]), key


def test_the_short_last_batch_gets_a_second_plan(digits):
    x, y = digits
    model = MLP([784, 32, 10], "relu", rng=0)
    steps = Replay(model, optim.SGD(model.parameters(), lr=0.1))
    order = np.random.default_rng(0).permutation(len(x))
    for start in range(0, len(x), 128):
        steps.step(x, y, order[start : start + 128])
    assert sorted(steps.plans) == [(104, 784), (128, 784)]
    # each plan gathers into its own input buffer, allocated once
    buffers = {shape: plan.inputs for shape, plan in steps.plans.items()}
    steps.step(x, y, order[:128])
    assert steps.plans[(128, 784)].inputs is buffers[(128, 784)]


def test_a_two_hidden_layer_network_at_batch_1_and_with_float64(digits):
    x, y = digits
    for dtype, batch in ((np.float64, 1), (np.float32, 1), (np.float64, 128)):
        results = []
        for replay in (False, True):
            model = MLP([784, 24, 12, 10], "tanh", rng=1, dtype=dtype)
            optimizer = optim.Momentum(model.parameters(), lr=0.01)
            fit(model, x[:300], y[:300], optimizer=optimizer, epochs=2, batch_size=batch,
                progress=False, replay=replay)  # fmt: skip
            results.append(model)
        assert_same_weights(*results)


def test_augmentation_and_a_schedule_replay_identically(digits):
    x, y = digits
    augment = functools.partial(data.random_shift, max_shift=2)
    models = []
    for replay in (False, True):
        model = MLP([784, 32, 10], "relu", rng=0)
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        fit(model, x, y, optimizer=optimizer, epochs=2, batch_size=128, augment=augment,
            schedule=optim.StepSchedule(optimizer, every=1, gamma=0.5), progress=False,
            replay=replay)  # fmt: skip
        models.append(model)
    assert_same_weights(*models)


def peak_bytes(function) -> int:
    """The most memory that function() held at once, above what was held before."""
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_a_replayed_step_allocates_no_array(digits):
    x, y = digits
    model = MLP([784, 64, 10], "relu", rng=0)
    optimizer = optim.Momentum(model.parameters(), lr=0.05)
    plan = Replay(model, optimizer).plan((128, 784))
    index = np.arange(128)
    for _ in range(3):  # warm up (the optimiser's first steps)
        plan.step(x, y, index)
    replayed = peak_bytes(lambda: plan.step(x, y, index))

    def eager_step():
        loss = softmax_cross_entropy(model(Tensor(x[index])), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    eager = peak_bytes(eager_step)
    # What is left is numpy's own: a ufunc with a broadcast operand (the bias, the softmax's
    # row maxima and sums) iterates through a transient buffer of np.getbufsize() = 8,192
    # elements.  The batch alone is 128 × 784 × 4 bytes = 392 KiB; the eager step holds it,
    # every intermediate and every gradient.
    assert replayed <= np.getbufsize() * 4 + 2048, f"a replayed step allocated {replayed} bytes"
    assert eager > 128 * 784 * 4 + 128 * 64 * 4
    assert eager > 10 * replayed


def test_after_a_step_grad_holds_the_gradient_the_eager_step_computes(digits):
    x, y = digits
    eager = MLP([784, 16, 10], "sigmoid", rng=0)
    replayed = MLP([784, 16, 10], "sigmoid", rng=0)
    index = np.arange(64)
    softmax_cross_entropy(eager(Tensor(x[index])), y[index]).backward()
    Replay(replayed, optim.SGD(replayed.parameters(), lr=1e-9)).step(x, y, index)
    for p, q in zip(eager.parameters(), replayed.parameters(), strict=True):
        assert np.array_equal(p.grad, q.grad)


def test_a_replaced_parameter_array_is_recorded_again(digits):
    x, y = digits
    model = MLP([784, 16, 10], "relu", rng=0)
    steps = Replay(model, optim.SGD(model.parameters(), lr=0.1))
    steps.step(x, y, np.arange(128))
    first = steps.plans[(128, 784)]
    model.layers[0].weight.data = model.layers[0].weight.data.copy()
    steps.step(x, y, np.arange(128))
    assert steps.plans[(128, 784)] is not first


def test_fit_by_default_replays_when_it_can_and_otherwise_runs_eagerly(digits):
    x, y = digits
    eager, _, _ = trained(x, y, False, epochs=1)
    default, _, _ = trained(x, y, None, epochs=1)
    assert_same_weights(eager, default)
    # mse is not supported by the plan: the default trains eagerly, replay=True refuses
    one_hot = np.eye(10, dtype=np.float32)[y]
    model = MLP([784, 8, 10], "relu", rng=0)
    fit(model, x, one_hot, optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1,
        loss="mse", progress=False)  # fmt: skip
    with pytest.raises(TypeError, match="softmax_cross_entropy, not 'mse'"):
        fit(model, x, one_hot, optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1,
            loss="mse", progress=False, replay=True)  # fmt: skip


class WrittenOut(Module):
    """x @ W + b written out: a matmul and an add node, which the plan has no kernels for."""

    def __init__(self):
        self.layer = Linear(784, 10, rng=0)

    def named_parameters(self):
        return self.layer.named_parameters()

    def forward(self, x):
        return x @ self.layer.weight + self.layer.bias


def test_unsupported_models_and_optimisers_are_refused_by_name(digits):
    x, y = digits
    model = MLP([784, 8, 10], "relu", rng=0)

    class MySGD(optim.SGD):
        pass

    with pytest.raises(TypeError, match="not MySGD"):
        Replay(model, MySGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="exactly the model's parameters"):
        Replay(model, optim.SGD(model.parameters()[:2], lr=0.1))
    with pytest.raises(TypeError, match="not 'mse'"):
        Replay(model, optim.SGD(model.parameters(), lr=0.1), loss=mse)
    written_out = WrittenOut()
    steps = Replay(written_out, optim.SGD(written_out.parameters(), lr=0.1))
    before = written_out.layer.weight.data.copy()
    with pytest.raises(NotImplementedError, match="no kernel for the operation 'matmul'"):
        steps.step(x, y, np.arange(8))
    assert np.array_equal(written_out.layer.weight.data, before)  # refused before any update
    with pytest.raises(NotImplementedError, match="'matmul'"):
        fit(written_out, x, y, optimizer=optim.SGD(written_out.parameters(), lr=0.1),
            epochs=1, progress=False, replay=True)  # fmt: skip
    assert set(KERNELS) >= {"linear", "relu", "tanh", "sigmoid", "softmax_cross_entropy"}


def test_bad_batches_are_refused(digits):
    x, y = digits
    model = MLP([784, 8, 10], "relu", rng=0)
    steps = Replay(model, optim.SGD(model.parameters(), lr=0.1))
    bad_labels = y.copy()
    bad_labels[5] = 10
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        steps.step(x, bad_labels, np.arange(8))
    with pytest.raises(IndexError, match="outside the 1000 rows"):
        steps.step(x, y, np.array([0, 1000]))
    with pytest.raises(TypeError, match="integer class labels"):
        steps.step(x, y.astype(np.float32), np.arange(8))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        fit(model, x, bad_labels, optimizer=steps.optimizer, epochs=1, progress=False,
            replay=True)  # fmt: skip


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_is_caught_as_in_the_eager_step(digits):
    x, y = digits
    results = []
    for replay in (False, True):
        model = MLP([784, 32, 10], "relu", rng=0)
        with pytest.raises(DivergenceError) as error:
            fit(model, x, y, optimizer=optim.SGD(model.parameters(), lr=1e4), epochs=5,
                batch_size=32, progress=False, replay=replay)  # fmt: skip
        results.append((model, str(error.value)))
    (eager, eager_message), (replayed, replayed_message) = results
    assert eager_message == replayed_message
    assert_same_weights(eager, replayed)


def test_describe_lists_every_buffer_once(digits):
    model = MLP([784, 16, 10], "relu", rng=0)
    plan = Replay(model, optim.SGD(model.parameters(), lr=0.1)).plan((32, 784))
    text = plan.describe()
    for name in ("batch", "linear.0", "relu.1", "∂layers.0.weight", "∂layers.1.bias"):
        assert name in text
    assert "∂linear.0" in text and "∂x" not in text  # the pixels' gradient is never computed
    assert text.splitlines()[-1].startswith(f"{len(plan.buffers)} buffers")


def test_the_command_line_takes_replay_and_no_replay():
    parser = cli.build_parser()
    assert parser.parse_args(["train", "--out", "o"]).replay is None
    assert parser.parse_args(["train", "--out", "o", "--replay"]).replay is True
    assert parser.parse_args(["train", "--out", "o", "--no-replay"]).replay is False


def test_the_short_batch_plan_lives_in_the_full_batch_buffers(digits):
    x, y = digits
    model = MLP([784, 32, 10], "relu", rng=0)
    steps = Replay(model, optim.SGD(model.parameters(), lr=0.1))
    steps.step(x, y, np.arange(128))
    steps.step(x, y, np.arange(104))
    full, short = steps.plans[(128, 784)], steps.plans[(104, 784)]
    assert set(full.buffers) == set(short.buffers)
    for name, array in short.buffers.items():
        assert np.shares_memory(array, full.buffers[name]), name
