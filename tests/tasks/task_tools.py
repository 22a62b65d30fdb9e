"""What the task checks share: finite differences, earlier tasks, and stand-ins for them.

A check of one task should not fail because another task is unwritten. So the checks use
stand-ins where an earlier task would be needed: a tape whose lists are filled by hand, a
spy in place of ``Tape.record``, a linear model whose gradient is written out with numpy.
Where a check does need an earlier task, it is marked ``@needs("5.1")``, and it then fails
saying so.
"""

from __future__ import annotations

import contextlib
import functools
import re

import numpy as np
import pytest

from ppn.tape import Tape, Var
from ppn.tasks import TASKS


def needs(*earlier: str):
    """Mark a check that runs the code of the tasks ``earlier``: if one of them is still a
    stub, the check fails with a message naming it (and the task being checked)."""

    def decorate(test):
        @functools.wraps(test)
        def checked(self, *args, **kwargs):
            try:
                return test(self, *args, **kwargs)
            except NotImplementedError as error:
                stub = re.match(r"task (\d+\.\d+)", str(error))
                if stub is None or stub[1] not in earlier:
                    raise
                mine = re.search(r"TestTask(\d+)_(\d+)", type(self).__name__)
                pytest.fail(
                    f"this check of task {mine[1]}.{mine[2]} needs task {stub[1]} "
                    f"({TASKS[stub[1]].title}) first: {error}",
                    pytrace=False,
                )

        return checked

    return decorate


@contextlib.contextmanager
def expecting(what: str):
    """Turn an error raised by the student's code into a failure that says, in the chapter's
    terms, what was expected (a raw numpy message names no idea of the course)."""
    try:
        yield
    except (AssertionError, NotImplementedError):
        raise  # a failed check speaks for itself; a stub is reported by @needs or pytest
    except Exception as error:
        pytest.fail(f"{what}; instead it raised {type(error).__name__}: {error}", pytrace=False)


def numeric_vjp(f, x: np.ndarray, g: np.ndarray, delta: float = 1e-6) -> np.ndarray:
    """x̄ = gᵀ·∂f/∂x by central differences, one entry of x at a time (float64)."""
    x = np.array(x, dtype=np.float64)
    x_bar = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = delta
        x_bar[i] = np.sum(g * (f(x + step) - f(x - step))) / (2 * delta)
    return x_bar


def hand_tape(nodes) -> tuple[Tape, list[Var]]:
    """A tape filled by hand from (op, parents, partials, value) rows, without Tape.record."""
    tape = Tape()
    variables = []
    for op, parents, partials, value in nodes:
        tape.ops.append(op)
        tape.parents.append(tuple(parents))
        tape.partials.append(tuple(partials))
        variables.append(Var(tape, len(tape.ops) - 1, value))
    return tape, variables


class RecordSpy:
    """Stands in for Tape.record: remembers each call and returns a new Var, as record would."""

    def __init__(self, monkeypatch):
        self.calls = []
        spy = self

        def record(tape, op, parents, partials, value):
            spy.calls.append((op, tuple(parents), tuple(partials), value))
            return Var(tape, 100 + len(spy.calls), value)

        monkeypatch.setattr(Tape, "record", record)


# --- A model whose gradient is written out with numpy, for the optimiser and training checks


class Parameter:
    """What optimisers update: an array ``data`` and its gradient ``grad``."""

    def __init__(self, values):
        self.data = np.array(values, dtype=np.float64)
        self.grad = None


class LinearModel:
    """ŷ = x @ w with the cost C = mean over the rows of Σ (ŷ − y)², its gradient by hand.

    ``log`` lists what was called, in order: ("forward", rows), "zero_grad", "backward".
    """

    def __init__(self, w):
        self.w = Parameter(w)
        self.log = []

    def parameters(self):
        return [self.w]

    def zero_grad(self):
        self.log.append("zero_grad")
        self.w.grad = None

    def __call__(self, x):
        x = np.asarray(getattr(x, "data", x), dtype=np.float64)
        self.log.append(("forward", len(x)))
        return Output(self, x)


class Output:
    def __init__(self, model, x):
        self.model, self.x = model, x
        self.data = x @ model.w.data


def squared_error(output: Output, y) -> Cost:
    """The loss of LinearModel: mean over the rows of Σ (ŷ − y)²."""
    return Cost(output, np.asarray(y, dtype=np.float64))


class Cost:
    def __init__(self, output, y):
        self.output, self.y = output, y

    def item(self) -> float:
        return float(np.mean(np.sum((self.output.data - self.y) ** 2, axis=-1)))

    def backward(self):
        model, x = self.output.model, self.output.x
        model.log.append("backward")
        gradient = 2 * x.T @ (self.output.data - self.y) / len(x)
        w = model.w
        w.grad = gradient if w.grad is None else w.grad + gradient  # accumulates, as Tensor does


def linear_gradient(w, x, y) -> np.ndarray:
    """∇C of LinearModel's cost at w on (x, y), for the expected answers."""
    return 2 * x.T @ (x @ w - y) / len(x)


class PlainSGD:
    """θ ← θ − η·∇C, written here so that the training check does not need task 9.1."""

    def __init__(self, params, lr):
        self.params, self.lr, self.log = list(params), lr, None

    def zero_grad(self):
        for p in self.params:
            p.grad = None
        if self.log is not None:
            self.log.append("zero_grad")

    def step(self):
        for p in self.params:
            p.data -= self.lr * p.grad
        if self.log is not None:
            self.log.append("step")


def regression_data(rows=12, seed=0):
    """A small least-squares problem: x (rows, 3), y (rows, 2), and a starting w (3, 2)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    y = x @ np.array([[1.0, -2.0], [0.5, 0.0], [-1.0, 1.5]]) + 0.1 * rng.normal(size=(rows, 2))
    return x, y, 0.1 * rng.normal(size=(3, 2))
