"""Gradient descent: θ ← θ − η·∇C, and the refinements the second part of the course uses.

The optimisers follow PyTorch's names (``step()``, ``zero_grad()``, ``lr``) and
work on any objects with ``.data`` (an ndarray, updated in place) and ``.grad``
(an ndarray or None), i.e. on ``Tensor`` parameters.  Updates are written with
``out=`` into buffers allocated once, so a training step allocates nothing here.

The source's two algorithms are here too, as the chapter shows them:
``sgd_per_sample_epoch`` is Algorithm 2 (one update per sample) and
``accumulated_batch_epoch`` is Algorithm 3 (a gradient accumulator ∇acc summed
over a batch, one update per batch).  ``ppn.train.fit`` uses neither: it
computes the batch gradient in one vectorised pass, which is the same number
(``accumulated_gradient`` / batch size, see the tests) at a fraction of the cost.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from .tensor import Tensor

# A state buffer that only decays (v ← μv, for a weight whose input is always 0, such as a
# corner pixel's) passes through the subnormal numbers on its way to 0, below 1.2e-38 in
# float32, where each arithmetic operation costs tens of times more than on a normal number:
# on Fashion-MNIST with momentum, over half of every epoch after the first.  So every
# FLUSH_EVERY steps the optimisers set their buffers' subnormal entries to 0, as a
# processor's flush-to-zero mode would; such a value moves no weight by a representable amount.
FLUSH_EVERY = 16


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define ``step``."""

    def __init__(self, params: Iterable, lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimiser got no parameters (did you pass model.parameters()?)")
        for p in self.params:
            if not isinstance(getattr(p, "data", None), np.ndarray):
                raise TypeError(f"a parameter must have an ndarray .data, got {type(p).__name__}")
        _check_learning_rate(lr)
        self.lr = float(lr)
        self.steps = 0

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set it to None), before the next backward pass."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Apply one update from the gradients in ``p.grad``."""
        self.steps += 1
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self._update(i, p.data, p.grad)
        if self.steps % FLUSH_EVERY == 0:
            self._flush_subnormals()

    def _update(self, i: int, theta: np.ndarray, gradient: np.ndarray) -> None:
        raise NotImplementedError

    def _buffers(self) -> list[np.ndarray]:
        return [np.zeros_like(p.data) for p in self.params]

    def _decaying_buffers(self) -> list[list[np.ndarray]]:
        """The state buffers that decay between gradients (none for plain SGD)."""
        return []

    def _flush_subnormals(self) -> None:
        """Set the subnormal entries of the decaying buffers to 0 (see FLUSH_EVERY)."""
        for buffers in self._decaying_buffers():
            for buffer, scratch in zip(buffers, self._scratch, strict=True):
                # scratch ← 1 where |x| is a normal number, 0 where it is subnormal (or 0);
                # x ← x·scratch: written with out=, so that this allocates nothing either
                np.abs(buffer, out=scratch)
                np.greater_equal(scratch, np.finfo(buffer.dtype).tiny, out=scratch)
                buffer *= scratch

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of the optimiser's state as plain arrays (for checkpoints); no parameters."""
        return {"lr": np.array(self.lr), "steps": np.array(self.steps)}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore what ``state_dict`` returned, checking every buffer's shape."""
        self.lr = float(state["lr"])
        self.steps = int(state["steps"])

    def _load_buffers(self, name: str, buffers: list[np.ndarray], state) -> None:
        for i, buffer in enumerate(buffers):
            saved = np.asarray(state[f"{name}.{i}"])
            if saved.shape != buffer.shape:
                raise ValueError(
                    f"optimiser state {name}.{i} has shape {saved.shape}, but the parameter "
                    f"has shape {buffer.shape}: the checkpoint is for another model"
                )
            buffer[...] = saved

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """θ ← θ − η·(∇C + λθ): plain gradient descent, with optional L2 weight decay λ."""

    def __init__(self, params: Iterable, lr: float, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.weight_decay = float(weight_decay)
        self._scratch = self._buffers()

    def _update(self, i, theta, gradient):
        # task 9.1: begin
        scratch = self._scratch[i]
        np.multiply(gradient, self.lr, out=scratch)
        if self.weight_decay:
            scratch += (self.lr * self.weight_decay) * theta
        theta -= scratch
        # task 9.1: end


class Momentum(Optimizer):
    """v ← μv + ∇C + λθ;  θ ← θ − η·v  (heavy-ball momentum, PyTorch's convention)."""

    def __init__(self, params: Iterable, lr: float, momentum: float = 0.9, weight_decay=0.0):
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.velocity = self._buffers()
        self._scratch = self._buffers()

    def _update(self, i, theta, gradient):
        velocity = self.velocity[i]
        velocity *= self.momentum
        velocity += gradient
        if self.weight_decay:
            velocity += self.weight_decay * theta
        np.multiply(velocity, self.lr, out=self._scratch[i])
        theta -= self._scratch[i]

    def _decaying_buffers(self):
        return [self.velocity]

    def state_dict(self):
        state = super().state_dict()
        state.update({f"velocity.{i}": v.copy() for i, v in enumerate(self.velocity)})
        return state

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self._load_buffers("velocity", self.velocity, state)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η·m̂/(√v̂ + ε).

    ``weight_decay`` is decoupled (AdamW, Loshchilov & Hutter): θ ← θ − ηλθ, applied
    beside the adaptive step rather than added to g, where Adam would rescale it.
    """

    def __init__(
        self, params: Iterable, lr: float = 1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
    ):
        super().__init__(params, lr)
        beta1, beta2 = betas
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"Adam's betas must be in [0, 1), got {betas}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.weight_decay = float(weight_decay)
        self.m, self.v = self._buffers(), self._buffers()
        self._scratch = self._buffers()

    def step(self) -> None:
        # The bias corrections of m̂ and v̂ folded into one step size (the paper's Algorithm 1 tail),
        # for step t, the one Optimizer.step is about to count.
        t = self.steps + 1
        self._step_size = self.lr * math.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        self._eps_hat = self.eps * math.sqrt(1 - self.beta2**t)
        super().step()

    def _decaying_buffers(self):
        return [self.m, self.v]

    def _update(self, i, theta, gradient):
        m, v, scratch = self.m[i], self.v[i], self._scratch[i]
        m *= self.beta1
        np.multiply(gradient, 1 - self.beta1, out=scratch)
        m += scratch
        v *= self.beta2
        np.multiply(gradient, gradient, out=scratch)
        scratch *= 1 - self.beta2
        v += scratch
        if self.weight_decay:
            theta -= (self.lr * self.weight_decay) * theta
        np.sqrt(v, out=scratch)
        scratch += self._eps_hat
        np.divide(m, scratch, out=scratch)
        scratch *= self._step_size
        theta -= scratch

    def state_dict(self):
        state = super().state_dict()
        state.update({f"m.{i}": m.copy() for i, m in enumerate(self.m)})
        state.update({f"v.{i}": v.copy() for i, v in enumerate(self.v)})
        return state

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self._load_buffers("m", self.m, state)
        self._load_buffers("v", self.v, state)


def _check_learning_rate(lr) -> None:
    # numbers.Real admits numpy scalars (np.float32(0.1) is a fine rate); a bool is not a rate.
    real = isinstance(lr, numbers.Real) and not isinstance(lr, bool)
    if not (real and math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive finite number, got {lr!r}")


# --- Learning-rate schedules: η as a function of the epoch --------------------------------


class Schedule:
    """η as a function of the epoch; subclasses define ``lr_at``."""

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def set_epoch(self, epoch: int) -> None:
        """Set the optimiser's learning rate for ``epoch``."""
        self.optimizer.lr = self.lr_at(epoch)


class StepSchedule(Schedule):
    """η_e = η₀·γ^⌊e/k⌋: multiply the learning rate by γ every k epochs."""

    def __init__(self, optimizer: Optimizer, every: int, gamma: float = 0.1):
        if every < 1:
            raise ValueError(f"a step schedule needs every ≥ 1 epoch, got {every}")
        self.optimizer, self.every, self.gamma = optimizer, int(every), float(gamma)
        self.base_lr = optimizer.lr

    def lr_at(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (counted from 0)."""
        return self.base_lr * self.gamma ** (epoch // self.every)


class CosineSchedule(Schedule):
    """η_e = η_min + ½(η₀ − η_min)(1 + cos(π·e/E)): a smooth decay to η_min over E epochs."""

    def __init__(self, optimizer: Optimizer, epochs: int, min_lr: float = 0.0):
        if epochs < 1:
            raise ValueError(f"a cosine schedule needs epochs ≥ 1, got {epochs}")
        self.optimizer, self.epochs, self.min_lr = optimizer, int(epochs), float(min_lr)
        self.base_lr = optimizer.lr

    def lr_at(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (counted from 0)."""
        progress = min(epoch, self.epochs) / self.epochs
        return self.min_lr + 0.5 * (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * progress))


# --- The source's algorithms, literally ----------------------------------------------------

Loss = Callable[[Tensor, np.ndarray], Tensor]


def sgd_per_sample_epoch(model, loss: Loss, x: np.ndarray, y: np.ndarray, lr: float) -> list:
    """Algorithm 2: for each sample j, θ ← θ − η·∇C(xⱼ, yⱼ).  Returns the per-sample losses."""
    _check_learning_rate(lr)
    params = model.parameters()
    # task 8.1: begin
    losses = []
    for j in range(len(x)):
        model.zero_grad()
        cost = loss(model(Tensor(x[j : j + 1])), y[j : j + 1])
        cost.backward()
        for p in params:
            p.data -= lr * p.grad
        losses.append(cost.item())
    return losses
    # task 8.1: end


def accumulated_gradient(model, loss: Loss, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """∇acc = Σⱼ ∇C(xⱼ, yⱼ): the gradient accumulator of Algorithm 3, one sample at a time."""
    params = model.parameters()
    # task 8.2: begin
    accumulator = [np.zeros_like(p.data) for p in params]
    for j in range(len(x)):
        model.zero_grad()
        loss(model(Tensor(x[j : j + 1])), y[j : j + 1]).backward()
        for acc, p in zip(accumulator, params, strict=True):
            acc += p.grad
    return accumulator
    # task 8.2: end


def accumulated_batch_epoch(
    model, loss: Loss, x: np.ndarray, y: np.ndarray, lr: float, batch_size: int,
    mean: bool = False,
) -> None:  # fmt: skip
    """Algorithm 3: for each batch B, θ ← θ − η·∇acc (the source), or θ − η·∇acc/|B| (``mean``).

    The source's form steps by a *sum* over the batch, so its effective learning
    rate grows with the batch size; ``mean=True`` is the form that does not.
    """
    _check_learning_rate(lr)
    for start in range(0, len(x), batch_size):
        batch = slice(start, start + batch_size)
        accumulator = accumulated_gradient(model, loss, x[batch], y[batch])
        scale = lr / len(x[batch]) if mean else lr
        for p, acc in zip(model.parameters(), accumulator, strict=True):
            p.data -= scale * acc


def batch_gradient(model, loss: Loss, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """∇ of the mean loss over a batch, in one vectorised forward and backward pass."""
    params: Sequence = model.parameters()
    model.zero_grad()
    loss(model(Tensor(x)), y).backward()
    return [p.grad.copy() for p in params]
