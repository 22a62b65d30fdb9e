"""Tensor nodes: the gradient tape of ``ppn.tape``, with numpy arrays instead of numbers.

A scalar tape has one node per multiplication; here one node is a whole matrix
product, or a whole element-wise ``tanh``.  The design does not change:

* every operation on a ``Tensor`` that requires a gradient records one node:
  its operation name, its parents, and the few constants its rule needs;
* each operation's derivative is one row of ``VJP``, a table of
  vector-Jacobian products: given the adjoint ȳ = ∂L/∂y of the output, a row
  returns x̄ = ȳ · ∂y/∂x for each input x (never the Jacobian itself, which for
  a 128×784 matrix product would have 10⁸ entries);
* ``backward()`` is one reverse loop over the nodes in the order they were
  created (the Wengert list's order, a topological order), accumulating
  adjoints with ``+=`` (eq. 15, Algorithm 1).  It never recurses, so a chain of
  100,000 operations is fine.

The tape is implicit: every recorded node takes the next number of a global
counter, so sorting the nodes reached from the output by that number gives
them in creation order, parents before children.

Semantics follow PyTorch where there is a choice:

* gradients of leaves (tensors created with ``requires_grad=True``) accumulate
  in ``.grad`` across ``backward()`` calls; call ``zero_grad()`` (or an
  optimiser's) to reset them to ``None``;
* ``backward()`` frees the graph it walked (its nodes drop their links to their
  inputs), so a second ``backward()`` through the same nodes raises
  ``RuntimeError`` instead of silently counting the gradient twice; pass
  ``retain_graph=True`` to the first call to keep the graph;
* inside ``with no_grad():`` nothing is recorded;
* the data's dtype is kept: float32 stays float32 (a Python number combined
  with a float32 tensor is float32, as in numpy), and gradients have the
  dtype of their tensor.  Integer and boolean data become float64 unless a
  ``dtype`` is given.

Numeric edge cases are numpy's: ``log`` of a negative number is ``nan`` with a
``RuntimeWarning``, not an exception.  The flag behind ``no_grad`` is global,
not per thread.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
from collections.abc import Callable

import numpy as np

from .elementary import NUMPY_FUNCTIONS

__all__ = ["VJP", "Tensor", "linear", "no_grad", "is_grad_enabled", "record", "unbroadcast"]

_grad_enabled = True
_counter = itertools.count()  # creation order of recorded nodes: the tape's order


class no_grad(contextlib.ContextDecorator):
    """Record nothing inside ``with no_grad():`` (or a function decorated ``@no_grad()``)."""

    def __enter__(self) -> no_grad:
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = False
        return self

    def __exit__(self, *exc_info) -> None:
        global _grad_enabled
        _grad_enabled = self._previous


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``."""
    return _grad_enabled


# ---------------------------------------------------------------------------
# Helpers the rules share
# ---------------------------------------------------------------------------


def unbroadcast(gradient: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``gradient`` over the axes numpy broadcasting added or stretched, back to ``shape``.

    If x of shape (4,) was broadcast against (3, 4), each xⱼ was used 3 times,
    so its adjoint is the sum of the 3 adjoints it fed (eq. 11).
    """
    # task 6.4: begin
    if gradient.shape == shape:
        return gradient
    extra = gradient.ndim - len(shape)
    if gradient.shape[extra:] == shape:  # only new leading axes, as for a bias
        if extra == 1 and gradient.shape[0] == 1:
            return gradient.reshape(shape)  # one row (batch 1): nothing to add up, a view
        return np.add.reduce(gradient, axis=0 if extra == 1 else tuple(range(extra)))
    stretched = tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and gradient.shape[extra + i] != 1
    )
    if stretched:
        gradient = gradient.sum(axis=stretched, keepdims=True)
    if extra:
        gradient = gradient.sum(axis=tuple(range(extra)))
    return gradient  # backward() adds in place only into arrays that are not views
    # task 6.4: end


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp(-|x|) ≤ 1 never overflows, and each branch keeps full precision in its tail.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))  # shift by the max: exp never overflows
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)  # log-sum-exp trick
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _expand(g: np.ndarray, axis, keepdims: bool) -> np.ndarray:
    """Undo a reduction's shape change: put back the reduced axes of the input as size 1."""
    if axis is None or keepdims:
        return g  # a scalar, or already of the input's rank: it broadcasts as it is
    return np.expand_dims(g, axis)


def _spread(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``values`` broadcast to ``shape`` in a new array (cheaper than np.broadcast_to, and ours)."""
    out = np.empty(shape, dtype=values.dtype)
    out[...] = values
    return out


def _sum_vjp(g, x, y, axis, keepdims):
    return _spread(_expand(g, axis, keepdims), x.shape)


def _mean_vjp(g, x, y, axis, keepdims):
    count = x.size // max(y.size, 1)
    return _spread(_expand(g, axis, keepdims) / count, x.shape)


def _max_vjp(g, x, y, axis, keepdims):
    # The gradient flows to the maximum; ties share it equally.
    winners = x == _expand(y, axis, keepdims)
    share = _expand(g, axis, keepdims) / winners.sum(axis=axis, keepdims=True)
    return winners * share


def _pow_vjp(g, x, y, exponent):
    if exponent == 0:
        return np.zeros_like(g * x)  # x⁰ = 1 is constant (and 0·x⁻¹ would be nan at 0)
    return g * exponent * x ** (exponent - 1)


def _getitem_vjp(g, x, y, index):
    x_bar = np.zeros(x.shape, dtype=np.result_type(g, x))
    np.add.at(x_bar, index, g)  # add.at, not x_bar[index] = g: an index may repeat
    return x_bar


def _matmul_vjp_a(g, a, b, y):
    """ā for y = a @ b: ȳ bᵀ, of a's shape (a vector a is one row, a vector b one column)."""
    # task 6.1: begin
    if b.ndim == 1:  # y = a·b drops b's only axis: āᵢₖ = ȳᵢ bₖ
        return g * b if a.ndim == 1 else g[..., None] * b
    if a.ndim == 1:  # āₖ = Σₘ bₖₘ ȳₘ (batches summed by unbroadcast)
        return (b @ g[..., None])[..., 0]
    return g @ b.swapaxes(-1, -2)  # Ā = Ȳ Bᵀ
    # task 6.1: end


def _matmul_vjp_b(g, a, b, y):
    """b̄ for y = a @ b: aᵀ ȳ, of b's shape, or with a batch's leading axes (summed by backward)."""
    # task 6.1: begin
    if a.ndim == 1:  # b̄ₖₘ = aₖ ȳₘ
        return g * a if b.ndim == 1 else a[:, None] * g[..., None, :]
    if b.ndim == 1:  # b̄ₖ = Σᵢ aᵢₖ ȳᵢ
        return (a.swapaxes(-1, -2) @ g[..., None])[..., 0]
    return a.swapaxes(-1, -2) @ g  # B̄ = Aᵀ Ȳ
    # task 6.1: end


def _transpose_vjp(g, x, y, axes):
    return g.transpose() if axes is None else g.transpose(np.argsort(axes))


def _softmax_cross_entropy_vjp(g, logits, loss, probabilities, rows, labels):
    # ∂/∂logits of mean(−log softmax(logits)[n, labelₙ]) = (softmax − onehot) / N
    # task 7.2: begin
    scale = g / len(labels)
    x_bar = probabilities * scale
    x_bar[rows, labels] -= scale  # rows = 0 … N−1, made once by the forward pass
    return x_bar
    # task 7.2: end


# ---------------------------------------------------------------------------
# The rule table: one row per operation, read like a table of derivatives.
#
# A row maps each input xᵢ to its adjoint contribution x̄ᵢ = ȳ · ∂y/∂xᵢ, written with
# the output's adjoint g = ȳ, the inputs, the output y, and the operation's constants.
# Unary rows hold one function, binary rows a pair (one per input, so that an input
# that needs no gradient costs nothing).  Rules may return an array of the broadcast
# shape: backward() sums it back to the input's shape with ``unbroadcast``.
# ---------------------------------------------------------------------------

VJP: dict[str, Callable | tuple[Callable, ...]] = {
    # task 6.2: begin
    "add":     (lambda g, a, b, y: g,               lambda g, a, b, y: g),
    "sub":     (lambda g, a, b, y: g,               lambda g, a, b, y: -g),
    "mul":     (lambda g, a, b, y: g * b,           lambda g, a, b, y: g * a),
    "div":     (lambda g, a, b, y: g / b,           lambda g, a, b, y: -g * y / b),
    # task 6.2: end
    "matmul":  (_matmul_vjp_a,                      _matmul_vjp_b),
    "linear":  (lambda g, x, W, b, y: _matmul_vjp_a(g, x, W, y),    # x @ W + b in one node:
                lambda g, x, W, b, y: _matmul_vjp_b(g, x, W, y),    # matmul's rows for x, W,
                lambda g, x, W, b, y: g),                           # add's for b (unbroadcast)
    "neg":     lambda g, x, y: -g,
    "pow":     _pow_vjp,                                   # g·p·xᵖ⁻¹ for a constant p
    "exp":     lambda g, x, y: g * y,
    "log":     lambda g, x, y: g / x,
    "sqrt":    lambda g, x, y: g * 0.5 / y,
    "sin":     lambda g, x, y: g * np.cos(x),
    "cos":     lambda g, x, y: -g * np.sin(x),
    "tan":     lambda g, x, y: g * (1 + y * y),
    # task 6.3: begin
    "tanh":    lambda g, x, y: g * (1 - y * y),
    "sigmoid": lambda g, x, y: g * y * (1 - y),
    "relu":    lambda g, x, y: g * (y > 0).astype(g.dtype),  # [x > 0] as 0/1 (0 at nan)
    # task 6.3: end
    "sum":     _sum_vjp,                                   # g copied to every summed entry
    "mean":    _mean_vjp,                                  # g / count to every entry
    "max":     _max_vjp,                                   # g to the maximum
    "reshape": lambda g, x, y, shape: g.reshape(x.shape),
    "transpose": _transpose_vjp,                           # the inverse permutation
    "getitem": _getitem_vjp,                               # g scattered back
    "softmax": lambda g, x, y, axis: y * (g - (g * y).sum(axis=axis, keepdims=True)),
    "log_softmax": lambda g, x, y, axis: g - np.exp(y) * g.sum(axis=axis, keepdims=True),
    "softmax_cross_entropy": _softmax_cross_entropy_vjp,   # (softmax − onehot)/N
}  # fmt: skip

_RULES: dict[str, tuple[Callable, ...]] = {
    op: row if isinstance(row, tuple) else (row,) for op, row in VJP.items()
}

# Forward functions of the element-wise operations: ppn.elementary's numpy versions, with
# the more accurate sigmoid above (the key keeps its place, so error messages list the same order).
_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {**NUMPY_FUNCTIONS, "sigmoid": _sigmoid}

_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}


# ---------------------------------------------------------------------------
# Tensor
# ---------------------------------------------------------------------------


class Tensor:
    """An ndarray that records the operations applied to it, for reverse-mode gradients.

    ``Tensor(data, requires_grad=False, dtype=None)``: ``data`` is used as it is
    when it is already a floating ndarray (no copy), otherwise converted; integer
    and boolean data become float64 unless ``dtype`` says otherwise.
    """

    __slots__ = ("data", "grad", "requires_grad", "_op", "_parents", "_params", "_index",
                 "_adjoint", "_owned")  # fmt: skip
    __array_ufunc__ = None  # make `ndarray + Tensor` call Tensor.__radd__, not numpy

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if type(data) is np.ndarray and dtype is None:
            array = data  # as it is: a training loop wraps a batch this way on every step
        else:
            array = np.asarray(data, dtype=dtype)
        if dtype is None and array.dtype.kind in "biu":
            array = array.astype(np.float64)
        if requires_grad and array.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, not {array.dtype}")
        self.data = array
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._op = None  # None: a leaf (an input or a parameter), not a recorded node
        self._parents = ()
        self._params = ()
        self._index = -1
        self._adjoint = None
        self._owned = False

    # --- array-like attributes ---------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed, as numpy's ``.T``)."""
        return self.transpose()

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = "" if self.dtype == np.float64 else f", dtype={self.dtype}"
        if self._op is not None:
            extras += f", op={self._op!r}"
        elif self.requires_grad:
            extras += ", requires_grad=True"
        return f"Tensor({body}{extras})"

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data (the same buffer, not a copy)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        # So that np.asarray(t) and matplotlib see the values (without the graph).
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.data)

    def __format__(self, spec: str) -> str:
        return format(self.data.item(), spec) if spec and self.data.size == 1 else str(self)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (requires no gradient)."""
        return Tensor(self.data)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient: ``.grad`` becomes ``None``."""
        self.grad = None

    # --- arithmetic ----------------------------------------------------------------------

    def _lift(self, other) -> Tensor:
        """A constant operand as a tensor; a Python number takes this tensor's float dtype."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float)) and self.data.dtype.kind == "f":
            return _constant(np.asarray(other, dtype=self.data.dtype))
        array = np.asarray(other)
        if array.dtype.kind in "biu" and self.data.dtype.kind == "f":
            array = array.astype(self.data.dtype)
        elif array.dtype.kind not in "biufc":
            raise TypeError(f"cannot combine a Tensor with {type(other).__name__}")
        return _constant(array)

    def _binary(self, op: str, a: Tensor, b: Tensor) -> Tensor:
        try:
            data = _BINARY[op](a.data, b.data)
        except ValueError:
            raise ValueError(
                f"{op}: cannot broadcast shapes {a.shape} and {b.shape} (numpy compares "
                "trailing dimensions; each pair must be equal, or one of them 1)"
            ) from None
        return _node(data, op, (a, b))

    def __add__(self, other) -> Tensor:
        return self._binary("add", self, other if type(other) is Tensor else self._lift(other))

    def __radd__(self, other) -> Tensor:
        return self._binary("add", self._lift(other), self)

    def __sub__(self, other) -> Tensor:
        return self._binary("sub", self, other if type(other) is Tensor else self._lift(other))

    def __rsub__(self, other) -> Tensor:
        return self._binary("sub", self._lift(other), self)

    def __mul__(self, other) -> Tensor:
        return self._binary("mul", self, other if type(other) is Tensor else self._lift(other))

    def __rmul__(self, other) -> Tensor:
        return self._binary("mul", self._lift(other), self)

    def __truediv__(self, other) -> Tensor:
        return self._binary("div", self, other if type(other) is Tensor else self._lift(other))

    def __rtruediv__(self, other) -> Tensor:
        return self._binary("div", self._lift(other), self)

    def __neg__(self) -> Tensor:
        return _node(-self.data, "neg", (self,))

    def __pos__(self) -> Tensor:
        return self

    def __pow__(self, exponent) -> Tensor:
        """x ** p for a constant number p;  d/dx = p·xᵖ⁻¹."""
        if isinstance(exponent, np.generic):
            exponent = exponent.item()
        if not isinstance(exponent, (int, float)) or isinstance(exponent, bool):
            raise TypeError(
                f"Tensor ** takes a constant number as exponent, not {type(exponent).__name__}; "
                "for a variable exponent write exp(y * log(x))"
            )
        return _node(self.data**exponent, "pow", (self,), (exponent,))

    def __matmul__(self, other) -> Tensor:
        return _matmul(self, other if type(other) is Tensor else self._lift(other))

    def __rmatmul__(self, other) -> Tensor:
        return _matmul(self._lift(other), self)

    # --- element-wise functions (the names of ppn.elementary) -----------------------------

    def _unary(self, name: str) -> Tensor:
        """Apply the elementary function ``name``; how ``ppn.sin(t)`` & co. reach tensors."""
        try:
            forward = _UNARY[name]
        except KeyError:
            raise NotImplementedError(
                f"Tensor has no element-wise function {name!r}; it knows: {', '.join(_UNARY)}"
            ) from None
        return _node(forward(self.data), name, (self,))

    def exp(self) -> Tensor:
        """eˣ element-wise;  d/dx = eˣ."""
        return self._unary("exp")

    def log(self) -> Tensor:
        """ln x element-wise;  d/dx = 1/x."""
        return self._unary("log")

    def sqrt(self) -> Tensor:
        """√x element-wise;  d/dx = 1/(2√x)."""
        return self._unary("sqrt")

    def sin(self) -> Tensor:
        """sin x element-wise;  d/dx = cos x."""
        return self._unary("sin")

    def cos(self) -> Tensor:
        """cos x element-wise;  d/dx = −sin x."""
        return self._unary("cos")

    def tan(self) -> Tensor:
        """tan x element-wise;  d/dx = 1 + tan² x."""
        return self._unary("tan")

    def tanh(self) -> Tensor:
        """tanh x element-wise;  d/dx = 1 − tanh² x."""
        return self._unary("tanh")

    def sigmoid(self) -> Tensor:
        """σ(x) = 1/(1 + e⁻ˣ) element-wise, without overflow;  d/dx = σ(x)(1 − σ(x))."""
        return self._unary("sigmoid")

    def relu(self) -> Tensor:
        """max(x, 0) element-wise;  d/dx = 1 if x > 0 else 0."""
        return self._unary("relu")

    # --- reductions and shape ------------------------------------------------------------

    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        """Σ over ``axis`` (int, tuple, or None for all);  ∂/∂xᵢ = 1."""
        axis = _normalize_axis(axis, self.ndim)
        return _node(self.data.sum(axis=axis, keepdims=keepdims), "sum", (self,), (axis, keepdims))

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        """Σ/n over ``axis``;  ∂/∂xᵢ = 1/n."""
        axis = _normalize_axis(axis, self.ndim)
        data = self.data.mean(axis=axis, keepdims=keepdims)
        return _node(data, "mean", (self,), (axis, keepdims))

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``;  the gradient goes to the maximum (shared among ties)."""
        axis = _normalize_axis(axis, self.ndim)
        return _node(self.data.max(axis=axis, keepdims=keepdims), "max", (self,), (axis, keepdims))

    def reshape(self, *shape) -> Tensor:
        """The same values in a new shape (``t.reshape(2, 3)`` or ``t.reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            data = self.data.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {self.shape} "
                f"({self.size} values) into {shape}"
            ) from None
        return _node(data, "reshape", (self,), (shape,))

    def transpose(self, *axes) -> Tensor:
        """Permute the axes (all reversed by default, as numpy)."""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        axes = tuple(int(a) for a in axes) if axes else None
        return _node(self.data.transpose(axes), "transpose", (self,), (axes,))

    def __getitem__(self, index) -> Tensor:
        """``t[index]`` with numpy indexing, including integer arrays (``t[rows, cols]``)."""
        index = _plain_index(index)
        return _node(self.data[index], "getitem", (self,), (index,))

    def softmax(self, axis: int = -1) -> Tensor:
        """e^xᵢ / Σⱼ e^xⱼ along ``axis``, shifted by the max so that nothing overflows."""
        return _node(_softmax(self.data, axis), "softmax", (self,), (axis,))

    def log_softmax(self, axis: int = -1) -> Tensor:
        """xᵢ − log Σⱼ e^xⱼ along ``axis`` (log-sum-exp, stable)."""
        return _node(_log_softmax(self.data, axis), "log_softmax", (self,), (axis,))

    # --- the backward pass ---------------------------------------------------------------

    def backward(self, gradient=None, *, retain_graph: bool = False) -> None:
        """Accumulate ∂self/∂leaf into ``leaf.grad`` for every leaf that requires a gradient.

        One reverse loop over the recorded nodes in creation order (Algorithm 1):
        for each node, last to first, for each parent p: p̄ += VJP(nodē).  A scalar
        output is seeded with 1; any other output needs ``gradient``, an array of
        its shape (the vector v of the vector-Jacobian product vᵀJ).  Afterwards the
        graph is freed unless ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require a gradient: none of its inputs "
                "was created with requires_grad=True (or it was computed inside no_grad())"
            )
        seed = self._seed(gradient)
        nodes, leaves = self._reachable()
        nodes.sort(key=_creation_index, reverse=True)  # the Wengert list, last node first
        self._adjoint, self._owned = seed, False
        try:
            for node in nodes:
                g = node._adjoint
                node._adjoint = None
                if g is None:
                    continue
                parents = node._parents
                # What every rule of the row reads after g: the inputs, the output, the constants
                # (the one- and two-input cases written out: a comprehension costs more here).
                if len(parents) == 1:
                    arguments = (parents[0].data, node.data, *node._params)
                elif len(parents) == 2:
                    arguments = (parents[0].data, parents[1].data, node.data, *node._params)
                else:
                    arguments = (*[p.data for p in parents], node.data, *node._params)
                for rule, parent in zip(_RULES[node._op], parents):  # noqa: B905 (one rule per input)
                    if parent.requires_grad:
                        _accumulate(parent, rule(g, *arguments), g)
                if not retain_graph:
                    node._parents = node._params = None
            for leaf in leaves:
                x_bar, leaf._adjoint = leaf._adjoint, None
                if x_bar is None:
                    continue
                if leaf.grad is None:
                    leaf.grad = x_bar if leaf._owned else x_bar.copy()
                else:
                    leaf.grad += x_bar
        except BaseException:  # leave no half-accumulated adjoint behind
            for node in itertools.chain(nodes, leaves):
                node._adjoint = None
            raise

    def _seed(self, gradient) -> np.ndarray:
        if gradient is None:
            if self.data.size != 1:
                ones = f"np.ones({self.shape})"
                raise ValueError(
                    f"backward() on a tensor of shape {self.shape} needs a seed gradient of "
                    f"that shape: y.backward({ones}), or reduce it first with .sum() or .mean()"
                )
            unit = _unit(self.data.dtype)
            return unit if self.data.ndim == 0 else unit.reshape(self.data.shape)
        seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient,
                          dtype=self.data.dtype)  # fmt: skip
        if seed.shape != self.shape:
            if seed.size == 1 and self.data.size == 1:
                return seed.reshape(self.shape)
            raise ValueError(
                f"backward(): the seed gradient has shape {seed.shape}, but the tensor has "
                f"shape {self.shape}; they must match"
            )
        return seed

    def _reachable(self) -> tuple[list[Tensor], list[Tensor]]:
        """The recorded nodes and the leaves this tensor depends on (iterative, no recursion)."""
        nodes, leaves = [], []
        seen, stack = {self}, [self]
        while stack:
            node = stack.pop()
            if node._op is None:
                leaves.append(node)
                continue
            if node._parents is None:
                raise RuntimeError(
                    f"backward() through a graph that was already backpropagated: after "
                    f"backward(), ppn frees each node's links to its inputs (here a "
                    f"{node._op!r} node). Pass retain_graph=True to the first backward() to "
                    "call it again, or compute the forward pass again."
                )
            nodes.append(node)
            for parent in node._parents:
                if parent.requires_grad and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return nodes, leaves


_new = object.__new__


def _node(data, op: str, parents: tuple[Tensor, ...], params: tuple = ()) -> Tensor:
    """The result of an operation: recorded on the tape iff some parent requires a gradient."""
    out = _new(Tensor)
    out.data = data if type(data) is np.ndarray else np.asarray(data)
    out.grad = None
    out._adjoint = None
    out._owned = False
    if _grad_enabled:
        for parent in parents:
            if parent.requires_grad:
                out.requires_grad = True
                out._op = op
                out._parents = parents
                out._params = params
                out._index = next(_counter)
                return out
    out.requires_grad = False
    out._op = None
    out._parents = ()
    out._params = ()
    out._index = -1
    return out


def _constant(array: np.ndarray) -> Tensor:
    return _node(array, "constant", ())


def record(data, op: str, parents: tuple[Tensor, ...], params: tuple = ()) -> Tensor:
    """Add a node computed outside this module (e.g. a fused loss); ``op`` must have a VJP row."""
    if op not in _RULES:
        raise NotImplementedError(f"no VJP rule for {op!r}: add a row to ppn.tensor.VJP")
    return _node(data, op, tuple(parents), tuple(params))


_creation_index = operator.attrgetter("_index")
_UNITS: dict[np.dtype, np.ndarray] = {}


def _unit(dtype: np.dtype) -> np.ndarray:
    """A read-only 1 of this dtype, made once: the seed ∂y/∂y of every scalar backward().

    Shared safely: backward() never adds in place into an adjoint it does not own.
    """
    unit = _UNITS.get(dtype)
    if unit is None:
        unit = _UNITS[dtype] = np.ones((), dtype=dtype)
        unit.flags.writeable = False
    return unit


def _accumulate(parent: Tensor, x_bar, g: np.ndarray) -> None:
    """parent̄ += x̄, reduced to the parent's shape and dtype, in place when the buffer is ours."""
    data = parent.data
    if type(x_bar) is not np.ndarray:
        x_bar = np.asarray(x_bar)
    if x_bar.shape != data.shape:
        x_bar = unbroadcast(x_bar, data.shape)
    if x_bar.dtype is not data.dtype and x_bar.dtype != data.dtype:  # `is`: the usual answer
        x_bar = x_bar.astype(data.dtype)
    adjoint = parent._adjoint
    if adjoint is None:
        # A rule may hand back g itself ("add") or a view of it ("reshape"): such a buffer is
        # shared, and adding into it in place would corrupt another node's adjoint.
        parent._adjoint = x_bar
        parent._owned = x_bar.base is None and x_bar is not g
    elif parent._owned:
        adjoint += x_bar
    else:
        parent._adjoint = adjoint + x_bar
        parent._owned = True


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    try:
        data = a.data @ b.data
    except ValueError:
        raise _matmul_error(a.shape, b.shape) from None
    return _node(data, "matmul", (a, b))


def linear(x, weight, bias) -> Tensor:
    """x @ W + b as one node: a layer's affine map (what ``x @ W + b`` records as two).

    One node instead of two is less bookkeeping, and b is added into the product's
    fresh array in place instead of into a third one.  So, unlike ``x @ W + b``, the
    result keeps the product's dtype (a float64 bias is rounded to a float32 product's),
    and the bias must fit the product's shape as it is: shape (m,) for outputs (..., m).
    Arrays are accepted where tensors are expected, as by the operators.
    """
    if type(x) is not Tensor or type(weight) is not Tensor or type(bias) is not Tensor:
        x, weight, bias = (t if isinstance(t, Tensor) else Tensor(t) for t in (x, weight, bias))
    try:
        data = np.asarray(x.data @ weight.data)  # asarray: 1-d @ 1-d gives a numpy scalar
    except ValueError:
        raise _matmul_error(x.shape, weight.shape) from None
    try:
        data += bias.data  # in place: the product's array is new, and nobody else's
    except (ValueError, TypeError):
        raise ValueError(
            f"linear: a bias of shape {bias.shape} and dtype {bias.dtype} does not fit the "
            f"product x @ W of shape {data.shape} and dtype {data.dtype}; it needs shape "
            f"{data.shape[-1:]} and a floating dtype"
        ) from None
    return _node(data, "linear", (x, weight, bias))


def _matmul_error(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> ValueError:
    if not shape_a or not shape_b:
        return ValueError(
            f"matmul: cannot matrix-multiply a 0-d tensor (shapes {shape_a} and {shape_b}); "
            "use * to multiply by a scalar"
        )
    inner_a = shape_a[-1]
    inner_b = shape_b[0] if len(shape_b) == 1 else shape_b[-2]
    if inner_a != inner_b:
        return ValueError(
            f"matmul: cannot multiply {shape_a} by {shape_b}: inner dimensions "
            f"{inner_a} and {inner_b} differ"
        )
    return ValueError(
        f"matmul: cannot multiply {shape_a} by {shape_b}: their batch dimensions do not broadcast"
    )


def _normalize_axis(axis, ndim: int):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor with {ndim} dimensions")
        normalized.append(int(a) % max(ndim, 1))
    return normalized[0] if isinstance(axis, (int, np.integer)) else tuple(normalized)


def _plain_index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """e^xᵢ / Σⱼ e^xⱼ along ``axis`` (stable)."""
    return x.softmax(axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """xᵢ − log Σⱼ e^xⱼ along ``axis`` (stable)."""
    return x.log_softmax(axis)
