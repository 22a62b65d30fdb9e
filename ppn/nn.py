"""Layers and networks: the source's MLP (eq. 3–5) on tensors, with PyTorch's names.

A layer computes, for a batch of inputs stacked as the rows of ``x``,
``x @ W + b``; a multilayer perceptron chains layers with an activation σ in
between and leaves the last layer linear (its outputs are the logits that a
softmax or a loss reads).  Weights are drawn by Glorot/Xavier (for sigmoid and
tanh) or He (for ReLU) initialisation from a seeded ``numpy.random.Generator``,
so that a seed gives the same network every time; biases start at zero.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from .tensor import Tensor, linear

__all__ = ["ACTIVATIONS", "INITIALISERS", "MLP", "Linear", "Module", "glorot_uniform", "he_normal"]

ACTIVATIONS = ("sigmoid", "relu", "tanh")


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float32):
    """W ~ U(−a, a) with a = √(6 / (fan_in + fan_out)): Var W = 2 / (fan_in + fan_out)."""
    # task 2.3: begin
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    # Drawn in float64 and then cast, so a seed gives the same weights in every dtype.
    return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)
    # task 2.3: end


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, dtype=np.float32):
    """W ~ N(0, 2 / fan_in): keeps the variance of ReLU activations from layer to layer."""
    # task 2.3: begin
    std = math.sqrt(2.0 / fan_in)
    return (std * rng.standard_normal(size=(fan_in, fan_out))).astype(dtype)
    # task 2.3: end


INITIALISERS: dict[str, Callable] = {"glorot": glorot_uniform, "he": he_normal}


def _generator(rng) -> np.random.Generator:
    """A Generator from None (fresh entropy), an int seed, or a Generator (used as it is)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int seed or a numpy Generator, not {type(rng).__name__}")


def _arrow(sizes: Iterable[int]) -> str:
    return " → ".join(str(n) for n in sizes)


class Module:
    """The small common base: parameters by name, ``zero_grad``, and ``state_dict``."""

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """(name, tensor) pairs, named as PyTorch does ("layers.0.weight")."""
        raise NotImplementedError

    def parameters(self) -> list[Tensor]:
        """The tensors an optimiser updates."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to None."""
        for p in self.parameters():
            p.grad = None

    def num_parameters(self) -> int:
        """How many numbers the parameters hold."""
        return sum(p.size for p in self.parameters())

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, as plain arrays keyed by name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, np.ndarray]) -> None:
        """Copy the values of ``state`` into the parameters, in place (their dtype is kept)."""
        parameters = dict(self.named_parameters())
        missing = sorted(set(parameters) - set(state))
        unexpected = sorted(set(state) - set(parameters))
        if missing or unexpected:
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for name, p in parameters.items():
            value = np.asarray(state[name])
            if value.shape != p.shape:
                raise ValueError(
                    f"load_state_dict: {name!r} has shape {value.shape} in the state, "
                    f"{p.shape} in the model"
                )
        for name, p in parameters.items():  # only once all are checked: no half-loaded model
            p.data[...] = state[name]

    def __call__(self, x) -> Tensor:
        return self.forward(x)

    def forward(self, x) -> Tensor:
        raise NotImplementedError


class Linear(Module):
    """One fully connected layer: ``y = x @ W + b``, with W of shape (in_features, out_features).

    For one input row x this is the source's eq. 4 without σ: yᵢ = Σⱼ xⱼ Wⱼᵢ + bᵢ, where
    ``W[j, i]`` is the source's wⱼᵢ, the weight from input j to neuron i; stacking a
    batch of inputs as rows gives the matrix form (eq. 5) for all of them at once.
    (PyTorch stores the transpose, of shape (out, in), and computes x @ Wᵀ + b.)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        init: str = "glorot",
        rng=None,
        dtype=np.float32,
    ):
        if init not in INITIALISERS:
            raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITIALISERS)}")
        self.in_features, self.out_features, self.init = in_features, out_features, init
        self.dtype = np.dtype(dtype)
        weight = INITIALISERS[init](in_features, out_features, _generator(rng), self.dtype)
        self.weight = Tensor(weight, requires_grad=True)
        self.bias = Tensor(np.zeros(out_features, dtype=self.dtype), requires_grad=True)

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        return [("weight", self.weight), ("bias", self.bias)]

    def forward(self, x) -> Tensor:
        """x @ W + b for x of shape (..., in_features); an array is cast to the layer's dtype."""
        x = _as_input(x, self.in_features, self.dtype, self)
        # task 2.1: begin
        return linear(x, self.weight, self.bias)  # one node for x @ W + b (ppn.tensor.linear)
        # task 2.1: end

    def __repr__(self) -> str:
        return f"Linear({self.in_features} → {self.out_features}, init={self.init!r})"


class MLP(Module):
    """A multilayer perceptron: Linear layers with an activation between them, logits out.

    ``MLP([784, 128, 10], activation="relu", rng=0)`` has a hidden layer of 128
    neurons h = relu(x @ W₀ + b₀) and returns the 10 logits h @ W₁ + b₁.
    """

    def __init__(
        self,
        sizes: Iterable[int],
        activation: str = "sigmoid",
        *,
        init: str | None = None,
        rng=None,
        dtype=np.float32,
    ):
        sizes = tuple(sizes)
        if len(sizes) < 2 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in sizes
        ):
            raise ValueError(
                f"sizes must list at least two positive integers (inputs, …, outputs), "
                f"got {sizes!r}"
            )
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
        self.sizes = tuple(int(n) for n in sizes)
        self.activation = activation
        self.init = init or ("he" if activation == "relu" else "glorot")
        self.dtype = np.dtype(dtype)
        rng = _generator(rng)  # one generator, drawn layer after layer: one seed, one network
        self.layers = [
            Linear(m, n, init=self.init, rng=rng, dtype=self.dtype)
            for m, n in itertools.pairwise(self.sizes)
        ]

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        return [
            (f"layers.{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in (layer.weight, layer.bias)]

    def forward(self, x) -> Tensor:
        """The logits: σ between the layers, none after the last."""
        x = _as_input(x, self.sizes[0], self.dtype, self)
        # task 2.2: begin
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = linear(x, layer.weight, layer.bias)  # the sizes match: checked once, above
            if i < last:
                x = x._unary(self.activation)
        return x
        # task 2.2: end

    def __repr__(self) -> str:
        lines = [
            f"MLP({_arrow(self.sizes)}, activation={self.activation!r}, dtype={self.dtype}): "
            f"{self.num_parameters():,} parameters"
        ]
        for i, layer in enumerate(self.layers):
            after = self.activation if i < len(self.layers) - 1 else "logits"
            lines.append(f"  layers.{i}: {layer!r}, then {after}")
        return "\n".join(lines)


def _as_input(x, features: int, dtype: np.dtype, module: Module) -> Tensor:
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x, dtype=dtype))
    if x.ndim == 0 or x.shape[-1] != features:
        hint = ""
        if x.ndim > 2 and math.prod(x.shape[1:]) == features:
            hint = f"; flatten the images first, x.reshape({x.shape[0]}, {features})"
        who = f"MLP({_arrow(module.sizes)})" if isinstance(module, MLP) else repr(module)
        raise ValueError(
            f"{who} expects inputs with {features} features (the last axis), "
            f"got shape {x.shape}{hint}"
        )
    return x
