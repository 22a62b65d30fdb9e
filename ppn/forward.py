"""Forward-mode automatic differentiation with dual numbers (the source's eq. 12–13, Table 1).

A ``Dual`` carries a primal value v and a tangent v̇ = ∂v/∂x for one chosen
direction x (the seed).  Every operation computes its value and, by the chain
rule, its tangent from its operands' tangents: v̇ = Σ ∂v/∂u · u̇.  One pass
gives one directional derivative, so the full gradient of f: Rᵐ → R takes m
passes (eq. 16); reverse mode (``ppn.tape``) takes one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .elementary import binary_rule, evaluate, evaluate_binary, rule
from .trace import TraceRow, subscript


class Dual:
    """A dual number v + v̇ε with ε² = 0: primal value and tangent travel together."""

    __slots__ = ("primal", "tangent")

    def __init__(self, primal: float, tangent: float = 0.0):
        self.primal = float(primal)
        self.tangent = float(tangent)

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r})"

    def _result(self, primal: float, tangent: float, op: str, operands: tuple) -> Dual:
        # A hook so that a traced Dual can record the row; a plain Dual just builds.
        return Dual(primal, tangent)

    def _unary(self, name: str) -> Dual:
        """f(v) with tangent f'(v)·v̇, from the row of the derivative table."""
        # task 3.2: begin
        value = evaluate(name, self.primal)
        tangent = rule(name).derivative(self.primal, value) * self.tangent if self.tangent else 0.0
        return self._result(value, tangent, name, (self,))
        # task 3.2: end

    def _binary(self, name: str, left, right) -> Dual:
        """left ∘ right with tangent ∂z/∂left·lefṫ + ∂z/∂right·righṫ."""
        other = right if left is self else left  # self is one operand; what is the other?
        if not _is_operand(other):
            return NotImplemented  # let Python try the other operand's method
        # task 3.1: begin
        left_primal, left_tangent = _split(left)
        right_primal, right_tangent = _split(right)
        value = evaluate_binary(name, left_primal, right_primal)
        d_left, d_right = binary_rule(name).partials(left_primal, right_primal, value)
        # A zero tangent contributes nothing, even where the partial is inf or nan
        # (x ** 2 at x < 0 has no derivative in the exponent, and needs none).
        tangent = (d_left * left_tangent if left_tangent else 0.0) + (
            d_right * right_tangent if right_tangent else 0.0
        )
        return self._result(value, tangent, name, (left, right))
        # task 3.1: end

    def __add__(self, other):
        return self._binary("add", self, other)

    def __radd__(self, other):
        return self._binary("add", other, self)

    def __sub__(self, other):
        return self._binary("sub", self, other)

    def __rsub__(self, other):
        return self._binary("sub", other, self)

    def __mul__(self, other):
        return self._binary("mul", self, other)

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


def _is_operand(value) -> bool:
    return isinstance(value, (Dual, int, float)) and not isinstance(value, bool)


def _split(value) -> tuple[float, float]:
    # A constant is a dual number whose tangent is zero.
    if isinstance(value, Dual):
        return value.primal, value.tangent
    return float(value), 0.0


def jvp(f: Callable, primals: Sequence[float], tangents: Sequence[float]):
    """(f(x), J·ẋ): the value of f at ``primals`` and its derivative in direction ``tangents``."""
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp needs one tangent per primal: got {len(primals)} primals "
            f"and {len(tangents)} tangents"
        )
    # task 3.3: begin
    out = f(*(Dual(p, t) for p, t in zip(primals, tangents, strict=True)))
    if isinstance(out, (list, tuple)):
        return tuple(_split(o)[0] for o in out), tuple(_split(o)[1] for o in out)
    return _split(out)
    # task 3.3: end


class _TracedDual(Dual):
    """A Dual that also appends a row to a trace each time it is combined."""

    __slots__ = ("index", "rows")

    def _result(self, primal: float, tangent: float, op: str, operands: tuple) -> Dual:
        result = _TracedDual(primal, tangent)
        result.rows = self.rows
        result.index = max(self.rows[-1].index, 0) + 1  # inputs are v₁₋ₘ … v₀
        numbered = tuple(o.index if isinstance(o, _TracedDual) else float(o) for o in operands)
        self.rows.append(TraceRow(result.index, op, numbered, primal, tangent))
        return result


def forward_trace(f: Callable, primals: Sequence[float], tangents: Sequence[float]):
    """Table 1: every intermediate vᵢ of f with its value and tangent v̇ᵢ for one seed."""
    rows: list[TraceRow] = []
    first_index = 1 - len(primals)
    for k, (primal, tangent) in enumerate(zip(primals, tangents, strict=True)):
        rows.append(TraceRow(first_index + k, "input", (), float(primal), float(tangent), _x(k)))
    inputs = []
    for row in rows:
        dual = _TracedDual(row.primal, row.derivative)
        dual.index, dual.rows = row.index, rows
        inputs.append(dual)
    f(*inputs)
    return rows


def _x(k: int) -> str:
    return "x" + subscript(k + 1)
