"""Linear regression (eq. 1–2): the closed form, gradient descent, and their agreement."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ppn
from ppn import linreg
from ppn.linreg import (
    Line,
    cost,
    cost_gradient,
    fit_closed_form,
    fit_gradient_descent,
    height_weight_data,
)


def test_closed_form_and_gradient_descent_agree_on_height_weight_data():
    x, y = height_weight_data()
    exact = fit_closed_form(x, y)
    descended = fit_gradient_descent(x, y)
    assert descended.slope == pytest.approx(exact.slope, abs=1e-6)
    assert descended.intercept == pytest.approx(exact.intercept, abs=1e-6)


def test_closed_form_is_numpys_least_squares_and_zeroes_the_gradient():
    x, y = height_weight_data()
    line = fit_closed_form(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    assert line.slope == pytest.approx(slope, rel=1e-10)
    assert line.intercept == pytest.approx(intercept, rel=1e-10)
    # The normal equations: ∂C/∂a = ∂C/∂b = 0 at the minimum (relative to the gradient's scale).
    grad_a, grad_b = cost_gradient(line.slope, line.intercept, x, y)
    scale_a, scale_b = cost_gradient(0.0, 0.0, x, y)
    assert abs(grad_a) < 1e-9 * abs(scale_a) and abs(grad_b) < 1e-9 * abs(scale_b)


def test_the_fit_is_the_minimum_of_the_cost():
    x, y = height_weight_data()
    line = fit_closed_form(x, y)
    best = cost(*line, x, y)
    for da, db in [(1e-3, 0), (-1e-3, 0), (0, 0.1), (0, -0.1), (1e-3, -0.2)]:
        assert cost(line.slope + da, line.intercept + db, x, y) > best


@pytest.mark.parametrize(
    ("slope", "intercept"), [(2.0, -1.0), (-0.5, 30.0), (0.0, 4.0), (1e-3, 0.0)]
)
@pytest.mark.parametrize(
    "x", [[0.0, 1.0], [-3.0, 0.5, 2.0, 9.0], list(np.linspace(150, 200, 11))], ids=len
)
def test_exact_lines_are_recovered_by_both_fits(slope, intercept, x):
    y = [slope * xi + intercept for xi in x]
    exact = fit_closed_form(x, y)
    descended = fit_gradient_descent(x, y)
    for line in (exact, descended):
        assert line.slope == pytest.approx(slope, abs=1e-6)
        assert line.intercept == pytest.approx(intercept, abs=1e-6)
        assert cost(*line, x, y) == pytest.approx(0.0, abs=1e-9)


@given(
    st.floats(-5, 5),
    st.floats(-100, 100),
    st.floats(-200, 200),
    st.floats(0.1, 50),
)
def test_random_exact_lines(slope, intercept, shift, spread):
    x = shift + spread * np.linspace(-1.0, 1.0, 7)
    y = slope * x + intercept
    exact, descended = fit_closed_form(x, y), fit_gradient_descent(x, y)
    assert exact.slope == pytest.approx(slope, abs=1e-8)
    assert descended.slope == pytest.approx(exact.slope, abs=1e-6)
    assert descended.intercept == pytest.approx(exact.intercept, abs=1e-6)


@pytest.mark.parametrize(("a", "b"), [(0.0, 0.0), (0.8, -76.0), (1.3, 12.5), (-2.0, 100.0)])
def test_cost_gradient_matches_finite_differences(a, b):
    x, y = height_weight_data()
    grad_a, grad_b = cost_gradient(a, b, x, y)
    h = 1e-6
    fd_a = (cost(a + h, b, x, y) - cost(a - h, b, x, y)) / (2 * h)
    fd_b = (cost(a, b + h, x, y) - cost(a, b - h, x, y)) / (2 * h)
    assert grad_a == pytest.approx(fd_a, rel=1e-6)
    assert grad_b == pytest.approx(fd_b, rel=1e-6)


def test_cost_gradient_matches_reverse_mode():
    # The same eq. 2 written with tape variables: the chapter's bridge to autodiff.
    x, y = height_weight_data(n=10)

    def eq2(a, b):
        return sum((a * xi + b - yi) ** 2 for xi, yi in zip(x.tolist(), y.tolist(), strict=True))

    value, gradient = ppn.value_and_grad(eq2)(0.7, -50.0)
    assert value == pytest.approx(cost(0.7, -50.0, x, y), rel=1e-12)
    assert gradient == pytest.approx(cost_gradient(0.7, -50.0, x, y), rel=1e-12)


def test_cost_is_eq_2():
    assert cost(2.0, 1.0, [0.0, 1.0, 2.0], [1.0, 2.0, 7.0]) == 0.0 + 1.0 + 4.0


def test_line_predicts():
    line = Line(2.0, -1.0)
    assert line.predict(3.0) == 5.0
    np.testing.assert_array_equal(line.predict([0, 1, 2]), [-1.0, 1.0, 3.0])


def test_both_fits_return_plain_floats():
    # The book prints these lines; numpy 2 would print np.float64(...) around each number.
    x, y = height_weight_data()
    for line in (fit_closed_form(x, y), fit_gradient_descent(x, y)):
        assert type(line.slope) is float and type(line.intercept) is float
    _, path = fit_gradient_descent(x, y, return_path=True)
    assert all(type(a) is float and type(b) is float for a, b in path)


def test_descent_path_starts_at_zero_ends_at_the_fit_and_goes_downhill():
    x, y = height_weight_data()
    line, path = fit_gradient_descent(x, y, return_path=True)
    assert path[0] == (0.0, 0.0)
    assert path[-1] == line
    costs = [cost(a, b, x, y) for a, b in path]
    assert all(
        later <= earlier * (1 + 1e-12) for earlier, later in zip(costs[:-1], costs[1:], strict=True)
    )


def test_few_steps_stop_early_without_complaint():
    x, y = height_weight_data()
    line, path = fit_gradient_descent(x, y, steps=3, return_path=True)
    assert len(path) == 4
    assert cost(*line, x, y) < cost(0.0, 0.0, x, y)


# Errors


@pytest.mark.parametrize("fit", [fit_closed_form, fit_gradient_descent])
@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], "same number of points, got 3 and 2"),
        ([1.0], [2.0], "at least two points, got 1"),
        ([], [], "at least two points, got 0"),
        ([1.0, math.nan, 3.0], [1.0, 2.0, 3.0], "nan"),
        ([1.0, 2.0, 3.0], [1.0, math.inf, 3.0], "finite"),
        ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], "all x are equal"),
        # The mean of three 0.1s is not 0.1 in floating point: still a constant x.
        ([0.1, 0.1, 0.1], [1.0, 2.0, 3.0], "all x are equal"),
        ([172.3] * 4, [60.0, 70.0, 80.0, 90.0], "all x are equal"),
    ],
)
def test_bad_data_is_refused(fit, x, y, match):
    with pytest.raises(ValueError, match=match):
        fit(x, y)


@pytest.mark.parametrize("x", [[0.1, 0.1, 0.1], [0.7] * 5, [172.3] * 4])
def test_a_constant_x_never_yields_a_line(x):
    y = np.arange(len(x), dtype=float)
    with pytest.raises(ValueError, match="all x are equal"):
        fit_closed_form(x, y)
    with pytest.raises(ValueError, match="all x are equal"):
        fit_gradient_descent(x, y)


def test_cost_refuses_bad_data_too():
    with pytest.raises(ValueError, match="same number"):
        cost(1.0, 0.0, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="nan"):
        cost_gradient(1.0, 0.0, [1.0, math.nan], [1.0, 2.0])


@pytest.mark.parametrize("learning_rate", [1e3, 5.0, 2.0, 1.01, 1.0])
def test_too_large_a_learning_rate_raises_with_advice(learning_rate):
    # On the standardised x the stable rates are 0 < η < 1; at η ≥ 1 the iterates
    # oscillate or grow, slowly near 1 but never towards the minimum.
    x, y = height_weight_data()
    with pytest.raises(FloatingPointError, match="diverged.*smaller learning rate"):
        fit_gradient_descent(x, y, learning_rate=learning_rate)


@pytest.mark.parametrize("learning_rate", [0.01, 0.25, 0.5, 0.9, 0.99])
def test_stable_learning_rates_converge(learning_rate):
    x, y = height_weight_data()
    exact = fit_closed_form(x, y)
    descended = fit_gradient_descent(x, y, learning_rate=learning_rate, steps=100_000)
    assert descended.slope == pytest.approx(exact.slope, abs=1e-6)
    assert descended.intercept == pytest.approx(exact.intercept, abs=1e-6)


def test_height_weight_data_is_deterministic():
    first, second = height_weight_data(seed=3), height_weight_data(seed=3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert first[0].shape == (50,) and height_weight_data(n=7)[1].shape == (7,)
    assert linreg.height_weight_data is height_weight_data


def test_descent_path_takes_plain_steps_on_the_mean_gradient():
    x, y = height_weight_data()
    path = linreg.descent_path(x, y, learning_rate=1e-5, steps=3, start=(0.5, -10.0))
    assert path.shape == (4, 2) and tuple(path[0]) == (0.5, -10.0)
    for before, after in zip(path[:-1], path[1:], strict=True):
        gradient = np.array(cost_gradient(*before, x, y)) / len(x)
        np.testing.assert_allclose(after, before - 1e-5 * gradient, rtol=1e-12)
    # On standardised x with η = 0.5 (the Hessian of C/n is 2·I), one step lands on the minimum.
    u = (x - x.mean()) / x.std()
    best = fit_closed_form(u, y)
    landed = linreg.descent_path(u, y, learning_rate=0.5, steps=1)[-1]
    np.testing.assert_allclose(landed, best, rtol=1e-9)
