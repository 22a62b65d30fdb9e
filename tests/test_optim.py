"""Optimisers on problems with known answers, checked step by step against their published
update rules; schedules; the source's Algorithms 2 and 3 against the vectorised batch gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppn import optim
from ppn.losses import mse, softmax_cross_entropy
from ppn.nn import MLP
from ppn.tensor import Tensor

# A tilted, elongated bowl C(θ) = ½(θ − c)ᵀA(θ − c): eigenvalues 1 and 10, minimum at c.
_ROTATION = np.array([[math.cos(0.5), -math.sin(0.5)], [math.sin(0.5), math.cos(0.5)]])
A = _ROTATION @ np.diag([1.0, 10.0]) @ _ROTATION.T
C = np.array([1.5, -2.0])


def bowl(theta: Tensor) -> Tensor:
    """½(θ − c)ᵀA(θ − c), through the tensor engine; ∇ = A(θ − c)."""
    d = theta - C
    return 0.5 * (d * (A @ d)).sum()


def descend(optimizer, theta: Tensor, steps: int) -> np.ndarray:
    for _ in range(steps):
        optimizer.zero_grad()
        bowl(theta).backward()
        optimizer.step()
    return theta.data


def start() -> Tensor:
    return Tensor(np.zeros(2), requires_grad=True)


def bowl_gradient(theta: np.ndarray) -> np.ndarray:
    return A @ (theta - C)


# --- the optimisers reach the minimum of the bowl -----------------------------------------


@pytest.mark.parametrize(
    ("make", "steps", "tolerance"),
    [
        (lambda p: optim.SGD(p, lr=0.1), 300, 1e-10),
        (lambda p: optim.Momentum(p, lr=0.02, momentum=0.9), 400, 1e-8),
        (lambda p: optim.Adam(p, lr=0.05), 2000, 1e-8),
    ],
    ids=["SGD", "Momentum", "Adam"],
)
def test_optimisers_reach_the_bottom_of_a_quadratic_bowl(make, steps, tolerance):
    theta = start()
    np.testing.assert_allclose(descend(make([theta]), theta, steps), C, atol=tolerance)


def test_sgd_beyond_the_stability_limit_diverges():
    # On a quadratic, SGD is stable iff η < 2/λ_max = 0.2: the bowl's known answer both ways.
    stable, unstable = start(), start()
    descend(optim.SGD([stable], lr=0.19), stable, 200)
    descend(optim.SGD([unstable], lr=0.21), unstable, 200)
    assert np.abs(stable.data - C).max() < 1e-3
    assert np.abs(unstable.data - C).max() > 1e3


# --- one step at a time, against the published update rules ------------------------------


def test_sgd_step_is_theta_minus_lr_times_gradient():
    theta = start()
    descend(optim.SGD([theta], lr=0.05), theta, 1)
    np.testing.assert_allclose(theta.data, -0.05 * bowl_gradient(np.zeros(2)), rtol=1e-15)


def test_momentum_matches_heavy_ball_rule_by_hand():
    lr, mu = 0.02, 0.9
    theta = start()
    optimizer = optim.Momentum([theta], lr=lr, momentum=mu)
    expected, velocity = np.zeros(2), np.zeros(2)
    for _ in range(5):
        g = bowl_gradient(expected)
        velocity = mu * velocity + g  # v ← μv + g
        expected = expected - lr * velocity  # θ ← θ − ηv
        descend(optimizer, theta, 1)
        np.testing.assert_allclose(theta.data, expected, rtol=1e-13)
        np.testing.assert_allclose(optimizer.velocity[0], velocity, rtol=1e-13)


def test_adam_first_three_steps_match_kingma_and_ba_algorithm_1():
    # A large ε, so that where ε enters the update is checked too.
    lr, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-2
    theta = start()
    optimizer = optim.Adam([theta], lr=lr, betas=(beta1, beta2), eps=eps)
    expected, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for t in (1, 2, 3):
        g = bowl_gradient(expected)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps)
        descend(optimizer, theta, 1)
        np.testing.assert_allclose(theta.data, expected, rtol=1e-12)
    assert optimizer.steps == 3


def test_adam_first_step_moves_each_coordinate_by_about_lr():
    # m̂₁/√v̂₁ = g/|g|: Adam's first step is η·sign(g), whatever the gradient's scale.
    theta = start()
    descend(optim.Adam([theta], lr=0.01), theta, 1)
    np.testing.assert_allclose(theta.data, -0.01 * np.sign(bowl_gradient(np.zeros(2))), rtol=1e-6)


# --- weight decay --------------------------------------------------------------------------


def with_gradient(value, gradient):
    p = Tensor(np.array(value, dtype=float), requires_grad=True)
    p.grad = np.array(gradient, dtype=float)
    return p


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.SGD(p, lr=0.1, weight_decay=0.5),
        lambda p: optim.Momentum(p, lr=0.1, momentum=0.9, weight_decay=0.5),
        lambda p: optim.Adam(p, lr=0.1, weight_decay=0.5),
    ],
    ids=["SGD", "Momentum", "Adam"],
)
def test_weight_decay_alone_shrinks_the_weights_by_one_minus_lr_lambda(make):
    p = with_gradient([2.0, -4.0], [0.0, 0.0])
    make([p]).step()
    np.testing.assert_allclose(p.data, [2.0 * 0.95, -4.0 * 0.95], rtol=1e-15)


def test_sgd_weight_decay_adds_lambda_theta_to_the_gradient():
    p = with_gradient([2.0, -4.0], [1.0, 3.0])
    optim.SGD([p], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(p.data, [2.0 - 0.1 * (1.0 + 1.0), -4.0 - 0.1 * (3.0 - 2.0)])


def test_momentum_weight_decay_enters_the_velocity():
    p = with_gradient([2.0], [1.0])
    optimizer = optim.Momentum([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    optimizer.step()
    np.testing.assert_allclose(optimizer.velocity[0], [1.0 + 0.5 * 2.0])
    np.testing.assert_allclose(p.data, [2.0 - 0.1 * 2.0])


def test_adam_weight_decay_is_decoupled_from_the_adaptive_step():
    # AdamW: the decay is ηλθ, not rescaled by 1/√v̂, so it is the same for any gradient scale.
    small, large = with_gradient([2.0], [1e-3]), with_gradient([2.0], [1e3])
    for p in (small, large):
        optim.Adam([p], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(small.data, large.data, rtol=1e-6)
    np.testing.assert_allclose(small.data, [2.0 - 0.1 * 0.5 * 2.0 - 0.1], rtol=1e-5)


def test_parameters_without_a_gradient_are_left_alone():
    moved, frozen = with_gradient([1.0], [1.0]), Tensor(np.array([1.0]), requires_grad=True)
    optim.SGD([moved, frozen], lr=0.5, weight_decay=0.1).step()
    assert moved.data[0] != 1.0
    assert frozen.data[0] == 1.0


# --- learning rates and other arguments ---------------------------------------------------


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, math.nan, math.inf, -math.inf, "0.1", None, True])
@pytest.mark.parametrize("optimizer", [optim.SGD, optim.Momentum, optim.Adam])
def test_an_invalid_learning_rate_is_a_value_error_naming_it(optimizer, lr):
    with pytest.raises(ValueError, match="learning rate") as error:
        optimizer([start()], lr=lr)
    assert repr(lr) in str(error.value)


@pytest.mark.parametrize("lr", [0.1, 1, np.float64(0.1), np.float32(0.1), np.int64(1)])
def test_numpy_numbers_are_valid_learning_rates(lr):
    assert optim.SGD([start()], lr=lr).lr == pytest.approx(float(lr))


@pytest.mark.parametrize("function", [optim.sgd_per_sample_epoch, optim.accumulated_batch_epoch])
def test_the_source_algorithms_check_the_learning_rate_too(function):
    model = MLP([2, 2], rng=0)
    x, y = np.zeros((2, 2), dtype=np.float32), np.array([0, 1])
    extra = {"batch_size": 1} if function is optim.accumulated_batch_epoch else {}
    with pytest.raises(ValueError, match="-1"):
        function(model, softmax_cross_entropy, x, y, lr=-1, **extra)


def test_optimiser_argument_errors():
    with pytest.raises(ValueError, match="no parameters"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="ndarray"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        optim.Momentum([start()], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([start()], betas=(0.9, 1.0))
    assert repr(optim.Adam([start(), start()], lr=0.01)) == "Adam(lr=0.01, 2 parameters)"


# --- zero_grad and state_dict ---------------------------------------------------------------


def test_zero_grad_forgets_every_gradient():
    params = [with_gradient([1.0], [2.0]), with_gradient([3.0, 4.0], [5.0, 6.0])]
    optim.SGD(params, lr=0.1).zero_grad()
    assert all(p.grad is None for p in params)


def test_gradients_accumulate_without_zero_grad():
    theta = start()
    bowl(theta).backward()
    bowl(theta).backward()
    np.testing.assert_allclose(theta.grad, 2 * bowl_gradient(np.zeros(2)))


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.SGD(p, lr=0.03),
        lambda p: optim.Momentum(p, lr=0.03, momentum=0.8),
        lambda p: optim.Adam(p, lr=0.03),
    ],
    ids=["SGD", "Momentum", "Adam"],
)
def test_state_dict_round_trip_continues_the_same_run(make):
    theta = start()
    original = make([theta])
    descend(original, theta, 5)
    state = original.state_dict()
    saved_theta = theta.data.copy()
    descend(original, theta, 5)  # the saved state must not follow the live optimiser

    restored_theta = Tensor(saved_theta, requires_grad=True)
    restored = make([restored_theta])
    restored.load_state_dict(state)
    assert restored.steps == 5
    descend(restored, restored_theta, 5)
    np.testing.assert_array_equal(restored_theta.data, theta.data)


@pytest.mark.parametrize("make", [optim.Momentum, optim.Adam])
def test_loading_the_state_of_another_model_is_a_shape_error(make):
    state = make([start()], lr=0.1).state_dict()
    other = make([Tensor(np.zeros(3), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(3,\).*another model"):
        other.load_state_dict(state)


# --- schedules -------------------------------------------------------------------------------


def test_step_schedule_multiplies_by_gamma_every_k_epochs():
    optimizer = optim.SGD([start()], lr=0.4)
    schedule = optim.StepSchedule(optimizer, every=3, gamma=0.5)
    assert [schedule.lr_at(e) for e in range(7)] == [0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1]
    schedule.set_epoch(6)
    assert optimizer.lr == 0.1
    schedule.set_epoch(0)
    assert optimizer.lr == 0.4  # from the base rate, not compounded


def test_cosine_schedule_endpoints_and_midpoint():
    optimizer = optim.SGD([start()], lr=0.5)
    schedule = optim.CosineSchedule(optimizer, epochs=10, min_lr=0.1)
    assert schedule.lr_at(0) == pytest.approx(0.5)
    assert schedule.lr_at(5) == pytest.approx(0.3)
    assert schedule.lr_at(10) == pytest.approx(0.1)
    assert schedule.lr_at(25) == pytest.approx(0.1)  # stays at η_min after the last epoch
    values = [schedule.lr_at(e) for e in range(11)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))


def test_schedule_arguments_are_checked():
    optimizer = optim.SGD([start()], lr=0.5)
    with pytest.raises(ValueError, match="every"):
        optim.StepSchedule(optimizer, every=0)
    with pytest.raises(ValueError, match="epochs"):
        optim.CosineSchedule(optimizer, epochs=0)


# --- Algorithms 2 and 3 against the vectorised batch gradient -------------------------------


def problem(n=24, features=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)), rng.integers(0, classes, size=n)


def float64_model(seed=0):
    return MLP([5, 7, 3], activation="tanh", rng=seed, dtype=np.float64)


def weights(model) -> list[np.ndarray]:
    return [p.data.copy() for p in model.parameters()]


@pytest.mark.parametrize("loss", [softmax_cross_entropy, "mse"])
def test_accumulated_gradient_over_batch_size_is_the_batch_gradient(loss):
    x, labels = problem()
    if loss == "mse":
        loss, y = mse, np.eye(3)[labels]
    else:
        y = labels
    model = float64_model()
    accumulated = optim.accumulated_gradient(model, loss, x, y)
    vectorised = optim.batch_gradient(model, loss, x, y)
    for acc, grad in zip(accumulated, vectorised, strict=True):
        np.testing.assert_allclose(acc / len(x), grad, rtol=0, atol=1e-10)
        assert np.abs(grad).max() > 1e-3  # not trivially zero


def test_algorithm_3_with_batch_size_one_is_algorithm_2():
    x, y = problem()
    per_sample, batched = float64_model(), float64_model()
    losses = optim.sgd_per_sample_epoch(per_sample, softmax_cross_entropy, x, y, lr=0.1)
    optim.accumulated_batch_epoch(batched, softmax_cross_entropy, x, y, lr=0.1, batch_size=1)
    for a, b in zip(weights(per_sample), weights(batched), strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(losses) == len(x)
    assert weights(per_sample)[0].tolist() != weights(float64_model())[0].tolist()


def test_algorithm_2_losses_are_each_samples_loss_before_its_update():
    x, y = problem(n=3)
    model, reference = float64_model(), float64_model()
    losses = optim.sgd_per_sample_epoch(model, softmax_cross_entropy, x, y, lr=0.1)
    assert losses[0] == pytest.approx(softmax_cross_entropy(reference(x[:1]), y[:1]).item())


def test_algorithm_3_sum_form_is_the_mean_form_with_lr_times_batch_size():
    x, y = problem(n=24)
    batch_size, lr = 8, 0.01
    summed, averaged = float64_model(), float64_model()
    optim.accumulated_batch_epoch(summed, softmax_cross_entropy, x, y, lr=lr, batch_size=batch_size)
    optim.accumulated_batch_epoch(
        averaged, softmax_cross_entropy, x, y, lr=batch_size * lr, batch_size=batch_size, mean=True
    )
    for a, b in zip(weights(summed), weights(averaged), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_algorithm_3_mean_form_is_one_sgd_step_per_batch():
    x, y = problem(n=24)
    accumulated, vectorised = float64_model(), float64_model()
    optim.accumulated_batch_epoch(
        accumulated, softmax_cross_entropy, x, y, lr=0.3, batch_size=8, mean=True
    )
    optimizer = optim.SGD(vectorised.parameters(), lr=0.3)
    for start_ in range(0, len(x), 8):
        optimizer.zero_grad()
        batch = slice(start_, start_ + 8)
        softmax_cross_entropy(vectorised(x[batch]), y[batch]).backward()
        optimizer.step()
    for a, b in zip(weights(accumulated), weights(vectorised), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
