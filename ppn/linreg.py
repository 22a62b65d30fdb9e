"""Linear regression y = a·x + b (eq. 1): least squares in closed form, and by gradient descent.

The cost is eq. 2, C(a, b) = Σᵢ (a·xᵢ + b − yᵢ)².  Setting ∂C/∂a = ∂C/∂b = 0
gives the normal equations, solved in ``fit_closed_form``; ``fit_gradient_descent``
reaches the same line by stepping against the gradient, the way a neural network
is trained when no closed form exists.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


class Line(NamedTuple):
    """y = slope·x + intercept."""

    slope: float
    intercept: float

    def predict(self, x):
        """ŷ = a·x + b (the prediction phase)."""
        return self.slope * np.asarray(x, dtype=float) + self.intercept


def _as_data(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must hold the same number of points, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError(f"a line needs at least two points, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite numbers (found nan or inf)")
    return x, y


def _check_spread(x: np.ndarray) -> None:
    # Compare the points themselves: the mean of equal numbers can differ from them by
    # rounding (three 0.1s average to 0.10000000000000002), so a variance test misses it.
    if x.min() == x.max():
        raise ValueError("all x are equal: the slope of a vertical cloud of points is undefined")


def cost(a: float, b: float, x, y) -> float:
    """Eq. 2: C(a, b) = Σᵢ (a·xᵢ + b − yᵢ)²."""
    x, y = _as_data(x, y)
    return float(np.sum((a * x + b - y) ** 2))


def cost_gradient(a: float, b: float, x, y) -> tuple[float, float]:
    """∇C = (Σ 2(a·xᵢ + b − yᵢ)·xᵢ, Σ 2(a·xᵢ + b − yᵢ))."""
    x, y = _as_data(x, y)
    return _gradient(a, b, x, y)


def _gradient(a: float, b: float, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    # cost_gradient without the checks, for data already checked
    residual = a * x + b - y
    return float(2 * np.sum(residual * x)), float(2 * np.sum(residual))


def fit_closed_form(x, y) -> Line:
    """a = cov(x, y)/var(x), b = ȳ − a·x̄: the unique minimum of eq. 2."""
    x, y = _as_data(x, y)
    _check_spread(x)
    x_mean, y_mean = x.mean(), y.mean()
    spread = np.sum((x - x_mean) ** 2)
    slope = np.sum((x - x_mean) * (y - y_mean)) / spread
    return Line(float(slope), float(y_mean - slope * x_mean))


def fit_gradient_descent(
    x, y, *, learning_rate: float | None = None, steps: int = 10_000, tol: float = 1e-12,
    return_path: bool = False,
):  # fmt: skip
    """(a, b) ← (a, b) − η·∇C/n, repeated until the step is below ``tol``.

    x is centred and scaled first (and the line mapped back after), because on raw
    heights in cm the cost surface is a narrow valley where plain gradient descent
    crawls; the default learning rate is then safe.  With ``return_path`` the
    visited (a, b) in the original units are returned too, for the book's figures.
    """
    x, y = _as_data(x, y)
    _check_spread(x)
    x_mean, x_scale = x.mean(), x.std()
    u = (x - x_mean) / x_scale
    if steps > 0:  # checked once, not on every step: u is inf or nan if x.std() underflows to 0
        _as_data(u, y)
    eta = 0.25 if learning_rate is None else learning_rate
    a, b = 0.0, 0.0
    path = [(a, b)]
    first_step = math.inf  # the length of the first step, once it is taken
    for _ in range(steps):
        grad_a, grad_b = _gradient(a, b, u, y)
        step_a, step_b = eta * grad_a / len(u), eta * grad_b / len(u)
        a, b = a - step_a, b - step_b
        # On standardised x the cost is an isotropic quadratic (Hessian 2·I): a converging
        # run takes ever shorter steps, so a step longer than the first one means η ≥ 1,
        # which oscillates or grows, however slowly, and never reaches the minimum.
        step = math.hypot(step_a, step_b)
        if not (np.isfinite(a) and np.isfinite(b)) or step > first_step:
            raise FloatingPointError(
                f"gradient descent diverged (learning rate {eta}); use a smaller learning rate"
            )
        path.append((a, b))
        if len(path) == 2:
            first_step = step
        if max(abs(step_a), abs(step_b)) < tol:
            break

    # Back to the original units: y = a·(x − x̄)/s + b.
    # float(): x_scale is a numpy scalar, and numpy 2 prints those as np.float64(...).
    def original_units(a: float, b: float) -> Line:
        return Line(float(a / x_scale), float(b - a * x_mean / x_scale))

    line = original_units(a, b)
    if return_path:
        return line, [original_units(pa, pb) for pa, pb in path]
    return line


def descent_path(x, y, *, learning_rate: float, steps: int, start=(0.0, 0.0)) -> np.ndarray:
    """(a, b) ← (a, b) − η·∇C/n on x as it is: the ``steps`` + 1 points visited, in rows.

    No standardisation and no stopping rule, so that the book can draw what plain
    gradient descent does on raw and on standardised data alike.
    """
    x, y = _as_data(x, y)
    a, b = (float(v) for v in start)
    path = [(a, b)]
    for _ in range(steps):
        grad_a, grad_b = _gradient(a, b, x, y)
        a, b = a - learning_rate * grad_a / len(x), b - learning_rate * grad_b / len(x)
        path.append((a, b))
    return np.array(path)


def height_weight_data(n: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic height (cm) / weight (kg) sample: weight ≈ 0.9·height − 90 + noise."""
    rng = np.random.default_rng(seed)
    height = rng.normal(172.0, 9.0, size=n)
    weight = 0.9 * height - 90.0 + rng.normal(0.0, 6.0, size=n)
    return height, weight
