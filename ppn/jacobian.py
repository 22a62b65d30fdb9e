"""The Jacobian by either mode (eq. 16): forward fills it a column per pass, reverse a row per pass.

For f: Rᵐ → Rⁿ, forward mode seeds one input direction per pass and gets one
column ∂f/∂xⱼ; reverse mode seeds one output per backward pass and gets one row
∇fᵢ.  So forward mode needs m passes and reverse mode n: reverse wins for a
loss (n = 1) of many parameters, which is why neural networks are trained with it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .forward import jvp
from .tape import Tape, Var

MODES = ("forward", "reverse")


class JacobianFunction:
    """x ↦ J_f(x), an n×m array; ``passes`` tells how many derivative passes the last call made."""

    def __init__(self, f: Callable, mode: str):
        if mode not in MODES:
            raise ValueError(f"jacobian mode must be 'forward' or 'reverse', not {mode!r}")
        self.f, self.mode, self.passes = f, mode, 0

    def __repr__(self) -> str:
        return f"jacobian({getattr(self.f, '__name__', 'f')}, mode={self.mode!r})"

    def __call__(self, *xs: float) -> np.ndarray:
        return self._forward(xs) if self.mode == "forward" else self._reverse(xs)

    def _forward(self, xs) -> np.ndarray:
        columns = []
        for j in range(len(xs)):
            seed = [1.0 if k == j else 0.0 for k in range(len(xs))]
            _, column = jvp(lambda *duals: _as_tuple(self.f(*duals)), xs, seed)
            columns.append(column)
        self.passes = len(xs)
        return np.array(columns, dtype=float).T.reshape(-1, len(xs))

    def _reverse(self, xs) -> np.ndarray:
        with Tape() as tape:  # one forward pass records the tape once ...
            inputs = [tape.var(x) for x in xs]
            outputs = _as_tuple(self.f(*inputs))
        rows = []
        for output in outputs:  # ... then one backward pass per output
            if isinstance(output, Var):
                rows.append(tape.gradient(output, inputs))
            else:
                rows.append([0.0] * len(xs))
        self.passes = len(outputs)
        return np.array(rows, dtype=float).reshape(len(outputs), len(xs))


def _as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def jacobian(f: Callable, mode: str = "reverse") -> JacobianFunction:
    """J_f = [∂fᵢ/∂xⱼ]: forward mode in m passes (columns), reverse mode in n passes (rows)."""
    return JacobianFunction(f, mode)
