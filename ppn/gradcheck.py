"""Finite differences, the independent witness every derivative rule is checked against.

The central difference (f(x + ε) − f(x − ε)) / 2ε has an error of order ε² from
the Taylor series and of order (rounding of f)/ε from floating point; ε = 1e−6
in float64 balances the two at about 1e−10 relative.  That is why checks run
in float64, never float32 (whose rounding, 6e−8, would swamp everything).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .tensor import Tensor, no_grad

__all__ = ["GradCheckResult", "check_grad", "numerical_grad"]


def _scalar(value) -> float:
    """A function's output as a float: a number, a one-element array or Tensor."""
    if isinstance(value, Tensor):
        value = value.data
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"the function must return a scalar, got an output of shape {array.shape}")
    return float(array.reshape(()))


def numerical_grad(f: Callable, *inputs, eps: float = 1e-6) -> tuple:
    """∂f/∂xᵢ ≈ (f(…, xᵢ + ε, …) − f(…, xᵢ − ε, …)) / 2ε for each input, entry by entry.

    ``inputs`` are numbers or arrays; ``f`` receives them as float64 (a number stays
    a float) and returns a scalar.  Like ``ppn.grad``, returns a tuple with one
    gradient per input: a float for a number, an array of its shape for an array.
    """
    points = [
        float(x) if np.ndim(x) == 0 and not isinstance(x, np.ndarray) else
        np.array(x, dtype=np.float64)
        for x in inputs
    ]  # fmt: skip
    gradients = []
    for i, x in enumerate(points):
        if isinstance(x, float):
            plus = _scalar(f(*points[:i], x + eps, *points[i + 1 :]))
            minus = _scalar(f(*points[:i], x - eps, *points[i + 1 :]))
            gradients.append((plus - minus) / (2 * eps))
            continue
        gradient = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            original = x[index]
            x[index] = original + eps
            plus = _scalar(f(*points))
            x[index] = original - eps
            minus = _scalar(f(*points))
            x[index] = original
            gradient[index] = (plus - minus) / (2 * eps)
        gradients.append(gradient)
    return tuple(gradients)


class GradCheckResult(NamedTuple):
    """What check_grad compared, per input: the worst absolute and relative errors."""

    max_abs_error: tuple[float, ...]
    max_rel_error: tuple[float, ...]
    analytic: tuple[np.ndarray, ...]
    numeric: tuple[np.ndarray, ...]

    def __repr__(self) -> str:
        errors = ", ".join(
            f"input {i}: abs {a:.1e}, rel {r:.1e}"
            for i, (a, r) in enumerate(zip(self.max_abs_error, self.max_rel_error, strict=True))
        )
        return f"GradCheckResult({errors})"


def check_grad(
    f: Callable,
    *inputs,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> GradCheckResult:
    """Compare backward()'s gradients of the scalar f(*tensors) with finite differences.

    ``inputs`` are numbers, arrays or Tensors; each becomes a float64 Tensor that
    requires a gradient.  Passes when |analytic − numeric| ≤ atol + rtol·|numeric|
    everywhere; otherwise raises AssertionError naming the input and the worst entry.
    """
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    output = f(*tensors)
    if not isinstance(output, Tensor) or output.size != 1:
        shape = output.shape if isinstance(output, Tensor) else type(output).__name__
        raise ValueError(f"check_grad: f must return a one-element Tensor, got {shape}")
    output.backward()
    analytic = tuple(
        np.zeros_like(a) if t.grad is None else np.asarray(t.grad, dtype=np.float64)
        for t, a in zip(tensors, arrays, strict=True)
    )

    def f_on_arrays(*values):
        with no_grad():
            return f(*(Tensor(np.asarray(v, dtype=np.float64)) for v in values))

    numeric = tuple(np.asarray(n) for n in numerical_grad(f_on_arrays, *arrays, eps=eps))
    abs_errors, rel_errors = [], []
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        error = np.abs(a - n)
        abs_errors.append(float(error.max(initial=0.0)))
        rel_errors.append(float((error / np.maximum(np.abs(n), 1e-300)).max(initial=0.0)))
        excess = error - (atol + rtol * np.abs(n))
        if np.any(excess > 0) or not np.all(np.isfinite(a)):
            worst = np.unravel_index(
                np.nanargmax(np.where(np.isfinite(a), excess, np.inf)), a.shape
            )
            where = f" at index {tuple(int(k) for k in worst)}" if a.ndim else ""
            raise AssertionError(
                f"gradient check failed for input {i} of shape {a.shape}{where}: "
                f"backward() gives {float(a[worst])!r}, finite differences {float(n[worst])!r} "
                f"(|difference| = {error[worst]:.3e}; "
                f"allowed: atol={atol:g} + rtol={rtol:g}·|numeric|)"
            )
    return GradCheckResult(tuple(abs_errors), tuple(rel_errors), analytic, numeric)
