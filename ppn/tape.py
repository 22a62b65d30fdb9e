"""Reverse-mode automatic differentiation on a gradient tape (a Wengert list).

During the forward pass every operation appends one node to the tape: the
indices of its parents and the local partial derivatives ∂wᵢ/∂w_p, never a
closure and never the parents themselves (the source's figure 11).  Because
nodes are appended in the order they are computed, the tape is already in
topological order, and the backward pass is one loop from the last node to the
first, accumulating adjoints (eq. 15, Algorithm 1):

    for each node i from last to first, for each parent p of i:
        ∇[p] += ∇[i] · ∂wᵢ/∂w_p

The loop never recurses, so a chain of a million operations is no problem,
and it accumulates with ``+=``, so a variable used twice gets both
contributions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .elementary import BINARY, evaluate, evaluate_binary, rule
from .forward import forward_trace
from .trace import TraceRow


class TapeError(RuntimeError):
    """A variable was used with the wrong tape, or after its tape was closed."""


class Tape:
    """A Wengert list: node i holds its parents' indices and ∂wᵢ/∂w_p for each parent p."""

    __slots__ = ("parents", "partials", "ops", "closed")

    def __init__(self):
        self.parents: list[tuple[int, ...]] = []
        self.partials: list[tuple[float, ...]] = []
        self.ops: list[str] = []  # operation names, only for printing the tape
        self.closed = False

    def __enter__(self) -> Tape:
        return self

    def __exit__(self, *exc_info) -> None:
        # After the block the tape still answers gradient(); it records nothing new.
        self.closed = True

    def __len__(self) -> int:
        return len(self.parents)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "recording"
        return f"<Tape: {len(self)} nodes, {state}>"

    def var(self, value: float) -> Var:
        """A new input variable (a leaf node with no parents)."""
        return self.record("input", (), (), float(value))

    def record(self, op: str, parents: tuple, partials: tuple, value: float) -> Var:
        """Append node (op, parents, partials) at index len(self.parents); return its Var."""
        if self.closed:
            raise TapeError(
                f"this tape is closed: {op} cannot be recorded on it. Compute inside the "
                "`with ppn.Tape() as tape:` block, or start a new tape."
            )
        # task 5.1: begin
        index = len(self.parents)  # the new node's position: nodes are numbered 0, 1, 2, …
        self.parents.append(parents)
        self.partials.append(partials)
        self.ops.append(op)
        return Var(self, index, value)
        # task 5.1: end

    def backward(self, output: Var) -> list[float]:
        """Algorithm 1: [∂output/∂wᵢ for i = 0 … output.index], from one reverse loop."""
        if type(output) is not Var or output.tape is not self:
            self._check_owner(output, "the output")
        # task 4.1: begin
        adjoints = [0.0] * (output.index + 1)  # one per node, up to the output
        adjoints[output.index] = 1.0  # the seed: ∂output/∂output = 1
        for i in range(output.index, -1, -1):  # from the output down to node 0
            adjoint = adjoints[i]
            if adjoint == 0.0:
                continue  # nothing flows back from here (and 0·inf must not become nan)
            for parent, partial in zip(self.parents[i], self.partials[i], strict=True):
                adjoints[parent] += adjoint * partial  # eq. 15: one term of the sum
        return adjoints
        # task 4.1: end

    def _backward_unrolled(self, output: Var) -> list[float]:
        """Tape.backward with its inner loop written out for one and for two parents.

        The same adjoints, bit for bit (the repository's tests check it on random
        tapes): the table's nodes have one or two parents, and a zip() per node costs about
        as much as all the arithmetic of the loop. Not used by default; the appendix "How
        ppn is made fast" measures it against the plain loop.
        """
        # fast path: begin
        if type(output) is Var and output.tape is self:
            adjoints = [0.0] * (output.index + 1)
            adjoints[output.index] = 1.0
            parents, partials = self.parents, self.partials
            for i in range(output.index, -1, -1):
                adjoint = adjoints[i]
                if adjoint == 0.0:
                    continue
                node_parents, node_partials = parents[i], partials[i]
                if len(node_parents) == 2:
                    (p, q), (dp, dq) = node_parents, node_partials
                    adjoints[p] += adjoint * dp
                    adjoints[q] += adjoint * dq
                elif len(node_parents) == 1:
                    adjoints[node_parents[0]] += adjoint * node_partials[0]
                elif node_parents:  # a node recorded by hand with more than two parents
                    for parent, partial in zip(node_parents, node_partials, strict=True):
                        adjoints[parent] += adjoint * partial
            return adjoints
        # fast path: end
        return self.backward(output)

    def gradient(self, output: Var, inputs: Sequence[Var]) -> list[float]:
        """[∂output/∂x for x in inputs] from one backward pass (0.0 after the output)."""
        # task 4.2: begin
        adjoints = self.backward(output)
        last = output.index
        gradient = []
        for x in inputs:
            if type(x) is not Var or x.tape is not self:
                self._check_owner(x, "an input")
            # An input recorded after the output cannot influence it.
            gradient.append(adjoints[x.index] if x.index <= last else 0.0)
        return gradient
        # task 4.2: end

    def _check_owner(self, variable, role: str) -> None:
        """Raise a TypeError or a TapeError if ``variable`` is not a Var of this tape."""
        if not isinstance(variable, Var):
            raise TypeError(
                f"{role} of tape.gradient must be a Var recorded on this tape, "
                f"not {type(variable).__name__}"
            )
        if variable.tape is not self:
            raise TapeError(f"{role} ({variable!r}) was recorded on another tape than this one")


class Var:
    """A scalar variable on a tape: its node's index and its value."""

    __slots__ = ("tape", "index", "value")

    def __init__(self, tape: Tape, index: int, value: float):
        self.tape = tape
        self.index = index
        self.value = value

    def __repr__(self) -> str:
        return f"Var(value={self.value!r}, index={self.index})"

    def _unary(self, name: str) -> Var:
        """f(w) recorded with its one partial f'(w)."""
        # task 5.3: begin
        x = self.value
        value = evaluate(name, x)  # an unknown name or a point outside the domain raises here
        return self.tape.record(name, (self.index,), (rule(name).derivative(x, value),), value)
        # task 5.3: end

    def _binary(self, name: str, left, right) -> Var:
        """left ∘ right recorded with the partials towards whichever operands are variables."""
        other = right if left is self else left  # self is one operand; what is the other?
        if type(other) is not Var and not _is_operand(other):
            return NotImplemented  # let Python try the other operand's method
        tape = self.tape
        if type(other) is Var and other.tape is not tape:
            raise _mixed_tapes(name, left, right)
        # task 5.2: begin
        x = left.value if type(left) is Var else float(left)
        y = right.value if type(right) is Var else float(right)
        z = evaluate_binary(name, x, y)  # a point outside the domain raises here
        d_left, d_right = BINARY[name].partials(x, y, z)
        # Constants get no node and no partial: only variables are parents.
        if type(other) is Var:
            return tape.record(name, (left.index, right.index), (d_left, d_right), z)
        if left is self:
            return tape.record(name, (left.index,), (d_left,), z)
        return tape.record(name, (right.index,), (d_right,), z)
        # task 5.2: end

    def __radd__(self, other):
        return self._binary("add", other, self)

    def __sub__(self, other):
        return self._binary("sub", self, other)

    def __rsub__(self, other):
        return self._binary("sub", other, self)

    def __rmul__(self, other):
        return self._binary("mul", other, self)

    def __truediv__(self, other):
        return self._binary("div", self, other)

    def __rtruediv__(self, other):
        return self._binary("div", other, self)

    def __pow__(self, other):
        return self._binary("pow", self, other)

    def __rpow__(self, other):
        return self._binary("pow", other, self)

    def __neg__(self):
        return self._unary("neg")

    def __pos__(self):
        return self


_new = object.__new__


def _short_path(name: str):
    """Var.__add__ or Var.__mul__: the general path with a short cut for two variables.

    The two commonest operations of a network, + and ×, between two variables of one
    open tape skip the checks that only constants or mixed tapes need, and do record()'s
    appends themselves (the call alone costs a sixth of a node).  They read the same
    row of the table; the repository's tests check that both paths record the same node.
    """
    value, partials, _ = BINARY[name]

    def method(self, other):
        # fast path: begin
        tape = self.tape
        if type(other) is Var and other.tape is tape and not tape.closed:
            x, y = self.value, other.value
            z = value(x, y)
            tape.parents.append((self.index, other.index))
            tape.partials.append(partials(x, y, z))
            tape.ops.append(name)
            result = _new(Var)
            result.tape, result.index, result.value = tape, len(tape.ops) - 1, z
            return result
        # fast path: end
        return self._binary(name, self, other)

    method.__name__ = method.__qualname__ = f"__{name}__"
    return method


Var.__add__ = _short_path("add")
Var.__mul__ = _short_path("mul")


def _is_operand(value) -> bool:
    return isinstance(value, (Var, int, float)) and not isinstance(value, bool)


def _mixed_tapes(name: str, left: Var, right: Var) -> TapeError:
    return TapeError(
        f"{name} mixes variables from two different tapes ({left!r} and {right!r}); "
        "record the whole computation on one tape"
    )


def value_and_grad(f: Callable) -> Callable:
    """x ↦ (f(x), ∇f(x)): the value and every partial ∂f/∂xᵢ from one backward pass."""

    def value_and_gradient(*xs: float):
        with Tape() as tape:
            inputs = [tape.var(x) for x in xs]
            output = f(*inputs)
        if not isinstance(output, Var):  # f ignored its inputs: a constant
            return float(output), tuple(0.0 for _ in xs)
        return output.value, tuple(tape.gradient(output, inputs))

    value_and_gradient.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_gradient


def grad(f: Callable) -> Callable:
    """x ↦ ∇f(x) = (∂f/∂x₁, …, ∂f/∂xₘ), computed by one backward pass."""
    value_and_gradient = value_and_grad(f)

    def gradient(*xs: float):
        return value_and_gradient(*xs)[1]

    gradient.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return gradient


def reverse_trace(f: Callable, *xs: float) -> list[TraceRow]:
    """Table 2: every intermediate vᵢ of f with its value and adjoint v̄ᵢ = ∂f/∂vᵢ."""
    with Tape() as tape:
        inputs = [tape.var(x) for x in xs]
        output = f(*inputs)
    adjoints = tape.backward(output)
    adjoints += [0.0] * (len(tape) - len(adjoints))
    # The tape keeps no values or constant operands (figure 11); for the printed
    # table take them from a forward trace of the same f, which makes the same
    # operations in the same order, one row per tape node.
    rows = forward_trace(f, xs, [0.0] * len(xs))
    if len(rows) != len(tape):
        raise RuntimeError("f made different operations on two calls; it must be deterministic")
    return [row._replace(derivative=adjoint) for row, adjoint in zip(rows, adjoints, strict=True)]
