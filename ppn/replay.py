"""Record one training step, then replay it: a fixed plan of numpy calls into buffers made once.

Eager execution (``ppn.tensor``) pays on every step for what does not change from one
batch of the same shape to the next: a new array for every intermediate and every
adjoint, a Python object per recorded node, a walk over the graph to find the nodes
again.  Compilers such as XLA (JAX's ``jit``) and ``torch.compile`` trace the step once
and run a fixed program.  This module does the same with numpy alone:

* **record**: run the forward pass and the loss once on the tape, with the batch in a
  buffer of the plan, and read the recorded nodes in creation order (``trace``);
* **plan**: give every node's value and adjoint a buffer, allocated once, and turn each
  node into a few numpy calls writing into those buffers with ``out=`` (``KERNELS``, the
  in-place twin of ``ppn.tensor.VJP``: the same formulas, in the same order);
* **replay**: for every later batch of the same shape, gather it into the input buffer
  with ``np.take(..., out=)`` and run the calls.  The optimiser's own ``step()`` makes
  the update, with each parameter's ``.grad`` bound to the plan's gradient buffer.

Every operation is the one the eager step performs, in the same order, on arrays of the
same shapes, so the weights are **bit for bit** those of the eager step (the tests train
both for several epochs and compare).  A replayed step makes no array: what memory it
still touches is numpy's own transient iteration buffer (``np.getbufsize()`` elements)
inside a ufunc whose operand is broadcast, such as the bias added to every row.  A batch
of another shape (the last, shorter one) gets its own plan, in the first rows of the same
buffers.  ``Replay`` holds the plans of one model and optimiser; ``ppn.train.fit`` uses it
by default (``replay=None``: whenever the model, loss and optimiser are supported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import optim
from .losses import softmax_cross_entropy
from .tensor import Tensor

__all__ = ["KERNELS", "Node", "Plan", "Replay", "Trace", "trace"]

# The optimisers whose step() reads p.grad and keeps no reference to it: the plan may
# bind .grad to its own buffers.  (A subclass may override step(); it is not assumed.)
OPTIMIZERS = (optim.SGD, optim.Momentum, optim.Adam)


@dataclass
class Node:
    """One recorded operation y = op(inputs…), as the tape holds it; tensors are slot numbers."""

    op: str
    inputs: tuple[int, ...]
    output: int
    params: tuple = ()


@dataclass
class Trace:
    """The recorded forward pass: the nodes in tape order, and what each slot is."""

    nodes: list[Node]
    shapes: list[tuple[int, ...]]  # slot → shape
    dtype: np.dtype
    leaves: dict[int, Tensor]  # slot → a parameter
    needs_grad: list[bool]  # slot → does its adjoint matter
    input_slot: int
    loss_slot: int
    logits_slot: int  # the loss's input: the model's output
    inputs: np.ndarray  # the batch's buffer the step was recorded with
    labels: np.ndarray  # the labels' buffer
    names: dict[int, str]  # slot → a parameter's name


def trace(model, loss: Callable, x: np.ndarray, labels: np.ndarray) -> Trace:
    """Run model and loss once on the tape (nothing else) and read back the nodes it recorded.

    ``x`` and ``labels`` are the buffers the plan will gather every batch into.
    """
    inputs = Tensor(x)
    outputs = model(inputs)
    cost = loss(outputs, labels)
    if not isinstance(cost, Tensor) or cost.size != 1 or not cost.requires_grad:
        raise TypeError("replay: the loss must return a one-element Tensor that needs a gradient")
    nodes, leaves = cost._reachable()  # the tape's own walk over the graph
    nodes.sort(key=lambda n: n._index)  # creation order: the Wengert list
    slots: dict[int, int] = {}
    tensors: list[Tensor] = []

    def slot(t: Tensor) -> int:
        if id(t) not in slots:
            slots[id(t)] = len(tensors)
            tensors.append(t)
        return slots[id(t)]

    input_slot = slot(inputs)
    recorded = []
    for n in nodes:
        ins = tuple(slot(p) for p in n._parents)
        recorded.append(Node(n._op, ins, slot(n), tuple(n._params)))
    produced = {n.output for n in recorded}
    parameters = {id(t) for t in leaves}
    for s, t in enumerate(tensors):
        if s != input_slot and s not in produced and id(t) not in parameters:
            raise TypeError(
                f"replay: the step reads a tensor of shape {t.shape} that is neither the batch "
                "nor a parameter (a constant, or the batch converted outside the tape); "
                "train this model without replay"
            )
    names = dict(getattr(model, "named_parameters", list)())
    name_of = {id(t): name for name, t in names.items()}
    dtypes = {t.data.dtype for t in tensors}
    if len(dtypes) != 1:
        raise TypeError(f"replay: every array of the step must have one dtype, found {dtypes}")
    trace_ = Trace(
        nodes=recorded,
        shapes=[t.shape for t in tensors],
        dtype=dtypes.pop(),
        leaves={slots[id(t)]: t for t in leaves},
        needs_grad=[t.requires_grad for t in tensors],
        input_slot=input_slot,
        loss_slot=slots[id(cost)],
        logits_slot=slots[id(outputs)],
        inputs=x,
        labels=labels,
        names={slots[id(t)]: name_of.get(id(t), f"parameter {slots[id(t)]}") for t in leaves},
    )
    for n in nodes:  # free the graph, as backward() would: the trace keeps only slot numbers
        n._parents = n._params = None
    return trace_


# ---------------------------------------------------------------------------
# The kernels: for each operation, its forward pass and its VJP row written into buffers.
#
# A kernel's forward(plan, node) and backward(plan, node) append calls to the plan with
# plan.call(f, *args); plan.value(slot) is a slot's value buffer, plan.adjoint(slot) its
# adjoint buffer, plan.scratch(shape, purpose) a buffer of its own.  The formulas are those of
# ppn.tensor.VJP and of the forward functions, operation for operation, so the results
# are the same bits.  A backward kernel writes each input's adjoint with plan.contribute.
# ---------------------------------------------------------------------------


def _linear_forward(plan: Plan, node: Node) -> None:
    x, W, b = (plan.value(i) for i in node.inputs)
    y = plan.value(node.output)
    plan.call(np.matmul, x, W, y)  # x @ W
    plan.call(np.add, y, b, y)  # += b, in place as ppn.tensor.linear


def _linear_backward(plan: Plan, node: Node) -> None:
    x_slot, W_slot, b_slot = node.inputs
    x, W = plan.value(x_slot), plan.value(W_slot)
    g = plan.adjoint(node.output)
    if plan.needs_grad(x_slot):
        plan.contribute(x_slot, lambda out: plan.call(np.matmul, g, W.T, out))  # Ḡ Wᵀ
    if plan.needs_grad(W_slot):
        plan.contribute(W_slot, lambda out: plan.call(np.matmul, x.T, g, out))  # Xᵀ Ḡ
    if plan.needs_grad(b_slot):  # Σₙ ḡₙ, as unbroadcast sums a bias's gradient
        plan.contribute(b_slot, lambda out: plan.call(np.add.reduce, g, 0, None, out))


def _maximum(a, b, out):
    # np.maximum(a, b, out) is deprecated (a third operand reads as a third input): out= only
    return np.maximum(a, b, out=out)


def _relu_forward(plan: Plan, node: Node) -> None:
    plan.call(_maximum, plan.value(node.inputs[0]), 0, plan.value(node.output))


def _relu_backward(plan: Plan, node: Node) -> None:
    y, g = plan.value(node.output), plan.adjoint(node.output)
    positive = plan.scratch(y.shape, "y > 0", bool)
    mask = plan.scratch(y.shape, "mask")  # (y > 0) as 0/1 in g's dtype, as VJP["relu"]

    def rule(out):
        # through a boolean buffer: a ufunc that casts its output (or an input) on the fly
        # allocates a casting buffer on every call; copyto converts without one
        plan.call(np.greater, y, 0, positive)
        plan.call(np.copyto, mask, positive)
        plan.call(np.multiply, g, mask, out)

    plan.contribute(node.inputs[0], rule)


def _tanh_forward(plan: Plan, node: Node) -> None:
    plan.call(np.tanh, plan.value(node.inputs[0]), plan.value(node.output))


def _tanh_backward(plan: Plan, node: Node) -> None:
    y, g = plan.value(node.output), plan.adjoint(node.output)
    slope = plan.scratch(y.shape, "slope")

    def rule(out):  # g · (1 − y·y)
        plan.call(np.multiply, y, y, slope)
        plan.call(np.subtract, 1, slope, slope)
        plan.call(np.multiply, g, slope, out)

    plan.contribute(node.inputs[0], rule)


def _sigmoid_forward(plan: Plan, node: Node) -> None:
    # ppn.tensor._sigmoid: e = exp(−|x|);  where(x ≥ 0, 1/(1 + e), e/(1 + e))
    x, y = plan.value(node.inputs[0]), plan.value(node.output)
    e, one_plus_e = plan.scratch(x.shape, "e"), plan.scratch(x.shape, "1 + e")
    positive = plan.scratch(x.shape, "x ≥ 0", bool)
    plan.call(np.abs, x, e)
    plan.call(np.negative, e, e)
    plan.call(np.exp, e, e)
    plan.call(np.add, 1, e, one_plus_e)
    plan.call(np.divide, e, one_plus_e, y)
    plan.call(np.divide, 1, one_plus_e, one_plus_e)
    plan.call(np.greater_equal, x, 0, positive)
    plan.call(np.copyto, y, one_plus_e, "same_kind", positive)


def _sigmoid_backward(plan: Plan, node: Node) -> None:
    y, g = plan.value(node.output), plan.adjoint(node.output)
    gy, one_minus_y = plan.scratch(y.shape, "g·y"), plan.scratch(y.shape, "1 − y")

    def rule(out):  # (g · y) · (1 − y)
        plan.call(np.multiply, g, y, gy)
        plan.call(np.subtract, 1, y, one_minus_y)
        plan.call(np.multiply, gy, one_minus_y, out)

    plan.contribute(node.inputs[0], rule)


def _cross_entropy_forward(plan: Plan, node: Node) -> None:
    # ppn.losses.softmax_cross_entropy, with the fancy indexing x[rows, labels] written as a
    # gather of flat positions rows·C + labels (the same values, into a buffer)
    x, loss = plan.value(node.inputs[0]), plan.value(node.output)
    n, classes = x.shape
    _, rows, labels = node.params
    if labels is not plan.labels:
        raise TypeError("replay: the loss must read the labels it is given, unchanged")
    largest, sums = plan.scratch((n, 1), "row max"), plan.scratch((n, 1), "row sums")
    log_sums = plan.scratch((n, 1), "log row sums")
    shifted, exps = plan.scratch(x.shape, "shifted"), plan.scratch(x.shape, "softmax")
    where = plan.scratch((n,), "label positions", np.intp)
    picked, picked_sum = plan.scratch((n,), "at labels"), plan.scratch((), "sum at labels")
    row_starts = plan.scratch((n,), "row starts", np.intp)
    row_starts[...] = rows * classes  # a constant of the batch's shape, set once
    plan.call(np.maximum.reduce, x, 1, None, largest, True)
    plan.call(np.subtract, x, largest, shifted)
    plan.call(np.exp, shifted, exps)
    plan.call(np.add.reduce, exps, 1, None, sums, True)
    plan.call(np.log, sums, log_sums)
    plan.call(np.add.reduce, log_sums, None, None, loss)
    plan.call(np.add, row_starts, labels, where)
    plan.call(np.take, shifted.reshape(-1), where, None, picked, "wrap")
    plan.call(np.add.reduce, picked, 0, None, picked_sum)
    plan.call(np.subtract, loss, picked_sum, loss)
    plan.call(np.divide, loss, n, loss)
    plan.call(np.divide, exps, sums, exps)  # the probabilities, kept for the backward pass
    plan.kept[node.output] = exps, where


def _cross_entropy_backward(plan: Plan, node: Node) -> None:
    # VJP["softmax_cross_entropy"]: (probabilities · g/N), then − g/N at each [n, labelₙ]
    probabilities, where = plan.kept[node.output]
    g = plan.adjoint(node.output)
    n = probabilities.shape[0]
    scale, at_labels = plan.scratch((), "g/N"), plan.scratch((n,), "at labels")

    def rule(out):
        flat = out.reshape(-1)
        plan.call(np.divide, g, n, scale)
        plan.call(np.multiply, probabilities, scale, out)
        plan.call(np.take, flat, where, None, at_labels, "wrap")
        plan.call(np.subtract, at_labels, scale, at_labels)
        plan.call(np.put, flat, where, at_labels)

    plan.contribute(node.inputs[0], rule)


@dataclass
class Kernel:
    """The planned form of one operation: its forward pass and its backward (VJP) row."""

    forward: Callable[[Plan, Node], None]
    backward: Callable[[Plan, Node], None]


KERNELS: dict[str, Kernel] = {
    "linear": Kernel(_linear_forward, _linear_backward),
    "relu": Kernel(_relu_forward, _relu_backward),
    "tanh": Kernel(_tanh_forward, _tanh_backward),
    "sigmoid": Kernel(_sigmoid_forward, _sigmoid_backward),
    "softmax_cross_entropy": Kernel(_cross_entropy_forward, _cross_entropy_backward),
}


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------


@dataclass
class Plan:
    """A recorded step for one batch shape: buffers allocated once, and the calls that fill them.

    ``forward(x, y, index)`` gathers the batch and runs the forward calls (it returns the
    loss); ``backward()`` runs the backward calls and binds every parameter's ``.grad``
    to its gradient buffer; ``optimizer.step()`` then updates the weights.
    """

    trace: Trace
    optimizer: object
    buffers: dict[str, np.ndarray] = field(default_factory=dict)
    forward_calls: list = field(default_factory=list)
    backward_calls: list = field(default_factory=list)
    kept: dict = field(default_factory=dict)  # what a forward kernel keeps for its backward
    pool: dict = field(default_factory=dict)  # buffers shared with the other plans of a Replay

    def __post_init__(self):
        t = self.trace
        self._values: dict[int, np.ndarray] = {}
        self._adjoints: dict[int, np.ndarray] = {}
        self._written: set[int] = set()  # adjoints that already hold a contribution
        self._calls = self.forward_calls
        self._current = ""  # the node being planned: its scratch buffers are named after it
        self.inputs, self.labels = t.inputs, t.labels
        self.buffers["batch"], self.buffers["labels"] = t.inputs, t.labels
        self._values[t.input_slot] = self.inputs
        for s, leaf in t.leaves.items():
            self._values[s] = leaf.data  # the parameters themselves, updated in place
        self._parameter_data = [(leaf, leaf.data) for leaf in t.leaves.values()]
        for node in t.nodes:
            self._current = self._name(node.output)
            _kernel(node.op).forward(self, node)
        self._calls = self.backward_calls
        seed = self.adjoint(t.loss_slot)
        seed[...] = 1  # ∂loss/∂loss, as backward() seeds a scalar
        self._written.add(t.loss_slot)
        for node in reversed(t.nodes):  # the reverse loop of Tensor.backward
            self._current = f"∂{self._name(node.output)}"
            _kernel(node.op).backward(self, node)
        self.parameters = [(leaf, self._adjoints.get(s)) for s, leaf in t.leaves.items()]
        self.logits = self._values[t.logits_slot]
        self.loss = self._values[t.loss_slot]

    # --- what kernels use to build the plan ------------------------------------------

    def _new(self, name: str, shape, dtype=None) -> np.ndarray:
        array = _pooled(self.pool, name, shape, self.trace.dtype if dtype is None else dtype)
        self.buffers[name] = array
        return array

    def is_current(self) -> bool:
        """False once a parameter's ``.data`` is another array (the plan reads the old one)."""
        return all(leaf.data is data for leaf, data in self._parameter_data)

    def _name(self, slot: int) -> str:
        if slot == self.trace.loss_slot:
            return "loss"
        producer = next(n for n in self.trace.nodes if n.output == slot)
        return f"{producer.op}.{self.trace.nodes.index(producer)}"

    def value(self, slot: int) -> np.ndarray:
        """The buffer holding a slot's value (a parameter's own data)."""
        if slot not in self._values:
            self._values[slot] = self._new(self._name(slot), self.trace.shapes[slot])
        return self._values[slot]

    def adjoint(self, slot: int) -> np.ndarray:
        """The buffer holding ∂loss/∂(slot): a parameter's gradient, or an intermediate's."""
        if slot not in self._adjoints:
            name = self.trace.names.get(slot) or self._name(slot)
            self._adjoints[slot] = self._new(f"∂{name}", self.trace.shapes[slot])
        return self._adjoints[slot]

    def scratch(self, shape, purpose: str, dtype=None) -> np.ndarray:
        """A working buffer of the node being planned, named after it and its purpose."""
        name = f"{self._current} {purpose}"
        while name in self.buffers:  # a second contribution's buffer, say
            name += "'"
        return self._new(name, shape, dtype)

    def needs_grad(self, slot: int) -> bool:
        return self.trace.needs_grad[slot]

    def call(self, function: Callable, *args) -> None:
        """Append one call to the plan (every array in args is a buffer of the plan)."""
        self._calls.append((function, args))

    def contribute(self, slot: int, rule: Callable[[np.ndarray], None]) -> None:
        """x̄ += a rule's result: written straight into x̄ the first time, then added."""
        target = self.adjoint(slot)
        if slot not in self._written:
            rule(target)
            self._written.add(slot)
        else:
            extra = self.scratch(target.shape, "contribution")
            rule(extra)
            self.call(np.add, target, extra, target)

    # --- running it --------------------------------------------------------------------

    def forward(self, x: np.ndarray, y: np.ndarray, index=None, check: bool = False) -> float:
        """The loss on batch (x[index], y[index]) (or (x, y) with no index), into the buffers.

        The labels must be classes of the logits (``check=True`` checks the batch's).
        """
        if index is None:
            np.copyto(self.inputs, x)
            np.copyto(self.labels, y)
        else:
            # mode "wrap": with "raise" numpy gathers into a temporary copy of out first; the
            # indices are checked by Replay.step (fit's come from a permutation)
            np.take(x, index, 0, self.inputs, "wrap")
            np.take(y, index, 0, self.labels, "wrap")
        if check:
            classes = self.logits.shape[-1]
            if np.minimum.reduce(self.labels) < 0 or np.maximum.reduce(self.labels) >= classes:
                raise ValueError(f"replay: labels must lie in [0, {classes}), got "
                                 f"{self.labels.min()}…{self.labels.max()}")  # fmt: skip
        for function, args in self.forward_calls:
            function(*args)
        return self.loss.item()

    def backward(self) -> None:
        """Every gradient into its buffer, bound to ``p.grad`` (what zero_grad + backward do)."""
        for function, args in self.backward_calls:
            function(*args)
        for parameter, gradient in self.parameters:
            parameter.grad = gradient

    def step(self, x: np.ndarray, y: np.ndarray, index=None, check: bool = False) -> float:
        """One training step: forward, backward, the optimiser's update; returns the loss."""
        value = self.forward(x, y, index, check)
        self.backward()
        self.optimizer.step()
        return value

    def describe(self) -> str:
        """The buffers, one line each: name, shape, dtype, size."""
        width = max(len(name) for name in self.buffers)
        lines = [
            f"{name:{width}s}  {str(a.shape):11s} {a.dtype!s:8s} {a.nbytes:>9,} B"
            for name, a in self.buffers.items()
        ]
        total = sum(a.nbytes for a in self.buffers.values())
        lines.append(
            f"{len(self.buffers)} buffers, {total:,} bytes, "
            f"{len(self.forward_calls) + len(self.backward_calls)} numpy calls per step"
        )
        return "\n".join(lines)

    def program(self) -> str:
        """The calls a step makes, one line each, with the plan's names for the arrays."""
        named = [*self.buffers.items()]
        named += [(self.trace.names[s], leaf.data) for s, leaf in self.trace.leaves.items()]

        def label(a) -> str:
            if not isinstance(a, np.ndarray):
                return repr(a)
            for name, b in named:
                if a is b:
                    return name
            for name, b in named:  # a view: a transpose, or a flattened buffer
                if np.shares_memory(a, b):
                    return name + ("ᵀ" if a.ndim == 2 and a.shape == b.shape[::-1] else ".flat")
            return f"an array of shape {a.shape}"

        lines = []
        for part, calls in (("forward", self.forward_calls), ("backward", self.backward_calls)):
            lines.append(f"{part}:")
            for function, args in calls:
                name = getattr(function, "__name__", "call").lstrip("_")
                owner = getattr(function, "__self__", None)  # np.add.reduce: a ufunc's method
                if isinstance(owner, np.ufunc):
                    name = f"{owner.__name__}.{name}"
                lines.append(f"  {name}({', '.join(label(a) for a in args)})")
        lines.append(f"then: {type(self.optimizer).__name__}.step() on the gradient buffers")
        return "\n".join(lines)


def _pooled(pool: dict, name: str, shape, dtype) -> np.ndarray:
    """The buffer ``name`` of this shape: the first rows of the pool's one when it is large
    enough (the short last batch's plan lives in the full batch's buffers), else a new one.

    Sharing is safe: plans run one at a time, and a step writes every buffer it reads.
    """
    shape, dtype = tuple(shape), np.dtype(dtype)
    shared = pool.get(name)
    fits = shared is not None and shared.dtype == dtype and shared.ndim == len(shape)
    if fits and shared.shape[1:] == shape[1:] and (not shape or shared.shape[0] >= shape[0]):
        return shared[: shape[0]] if shape else shared
    pool[name] = array = np.zeros(shape, dtype=dtype)
    return array


def _kernel(op: str) -> Kernel:
    try:
        return KERNELS[op]
    except KeyError:
        raise NotImplementedError(
            f"replay: the plan has no kernel for the operation {op!r} (it knows "
            f"{', '.join(KERNELS)}); train this model without replay, or add a Kernel "
            f"to ppn.replay.KERNELS"
        ) from None


# ---------------------------------------------------------------------------
# Replay: the plans of one model and optimiser, one per batch shape
# ---------------------------------------------------------------------------


class Replay:
    """Training steps of ``model`` with ``optimizer``, each batch shape recorded once.

    ``Replay(model, optimizer)``; ``replay.step(x, y, index)`` trains on
    (x[index], y[index]) and returns the loss.  The loss is softmax cross-entropy; a model,
    loss or optimiser the plan does not support is refused with an error that names it.
    After a step each parameter's ``.grad`` is the plan's gradient buffer, which the next
    step overwrites.
    """

    def __init__(self, model, optimizer, loss: Callable = softmax_cross_entropy):
        if loss is not softmax_cross_entropy:
            raise TypeError(
                f"replay supports the loss ppn.losses.softmax_cross_entropy, not "
                f"{getattr(loss, '__name__', loss)!r}: train without replay"
            )
        if type(optimizer) not in OPTIMIZERS:
            names = ", ".join(f"optim.{c.__name__}" for c in OPTIMIZERS)
            raise TypeError(
                f"replay supports the optimisers {names}, not {type(optimizer).__name__}: "
                "train without replay"
            )
        if not callable(getattr(model, "parameters", None)):
            raise TypeError(f"replay needs a ppn.nn.Module, not {type(model).__name__}")
        if {id(p) for p in model.parameters()} != {id(p) for p in optimizer.params}:
            raise ValueError(
                "replay: the optimiser must update exactly the model's parameters "
                "(build it with optimizer(model.parameters(), …))"
            )
        self.model, self.optimizer, self.loss = model, optimizer, loss
        self.plans: dict[tuple[int, ...], Plan] = {}
        self.pool: dict[str, np.ndarray] = {}  # the plans' buffers, shared between them

    def plan(self, x_shape: tuple[int, ...]) -> Plan:
        """The plan for batches of shape ``x_shape``, recorded the first time it is asked for."""
        plan = self.plans.get(x_shape)
        if plan is None or not plan.is_current():
            x = _pooled(self.pool, "batch", x_shape, self.model.parameters()[0].data.dtype)
            labels = _pooled(self.pool, "labels", x_shape[:1], np.intp)
            recorded = trace(self.model, self.loss, x, labels)
            plan = self.plans[x_shape] = Plan(recorded, self.optimizer, pool=self.pool)
        return plan

    def step(self, x: np.ndarray, y: np.ndarray, index=None) -> float:
        """One training step on (x[index], y[index]) (or (x, y)); returns the batch's loss."""
        x = np.asarray(x)
        if index is not None:
            index = np.asarray(index)
            if index.ndim != 1 or index.dtype.kind not in "iu":
                raise TypeError("replay: index must be a 1-d array of integer row numbers")
            if index.size and (index.min() < -len(x) or index.max() >= len(x)):
                raise IndexError(f"replay: an index is outside the {len(x)} rows of x")
        y = np.asarray(y)
        if y.ndim != 1 or y.dtype.kind not in "iu" or len(y) != len(x):
            raise TypeError(
                f"replay: the targets must be integer class labels, one per example of x, got "
                f"shape {y.shape} and dtype {y.dtype} for {len(x)} examples"
            )
        rows = len(x) if index is None else len(index)
        plan = self.plan((rows, *x.shape[1:]))
        return plan.step(x, y.astype(np.intp, copy=False), index, check=True)
