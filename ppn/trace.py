"""Evaluation traces: the rows v₋₁ … vₙ of Tables 1 and 2, as both modes record them.

A trace row names one intermediate variable vᵢ, the operation that made it, its
operands, its primal value and one derivative: the tangent v̇ᵢ in forward mode
(Table 1), the adjoint v̄ᵢ in reverse mode (Table 2).  Inputs are numbered
v₁₋ₘ … v₀ and the operations v₁, v₂, …, as in Griewank & Walther's notation
that the source follows.
"""

from __future__ import annotations

from typing import NamedTuple

_SUBSCRIPTS = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")

# How each operation is written in a table row.
_INFIX = {"add": "+", "sub": "−", "mul": "×", "div": "/", "pow": "^"}


def subscript(n: int) -> str:
    """'₋₁' for −1: an integer written in subscript digits."""
    return str(n).translate(_SUBSCRIPTS)


def variable_name(index: int) -> str:
    """'v₋₁' for index −1: the book's name for an intermediate variable."""
    return "v" + subscript(index)


class TraceRow(NamedTuple):
    """One intermediate variable vᵢ = op(operands) with its primal value and derivative."""

    index: int  # i in vᵢ: inputs are 1−m … 0, operations 1, 2, …
    op: str  # "input", or a name from ppn.elementary.UNARY / BINARY
    operands: tuple  # indices of earlier rows (int) or constants (float), in order
    primal: float
    derivative: float  # tangent v̇ᵢ (forward trace) or adjoint v̄ᵢ (reverse trace)
    input_name: str = ""  # x₁, x₂ … for the input rows

    @property
    def name(self) -> str:
        """This row's variable, e.g. 'v₃'."""
        return variable_name(self.index)

    @property
    def expression(self) -> str:
        """The right-hand side as the source writes it, e.g. 'cos v₋₁' or 'v₀ × v₁'."""
        if self.op == "input":
            return self.input_name
        terms = [variable_name(o) if _is_variable(o) else f"{o:g}" for o in self.operands]
        if self.op in _INFIX:
            return f" {_INFIX[self.op]} ".join(terms)
        if self.op == "neg":
            return f"−{terms[0]}"
        return f"{self.op} {terms[0]}"


def _is_variable(operand) -> bool:
    # A variable operand is the index of an earlier row (an int); a constant is a float.
    return isinstance(operand, int) and not isinstance(operand, bool)


def variable_operands(row: TraceRow) -> list[int]:
    """The indices of the variables ``row`` reads, in order (twice for v₁ × v₁); no constants."""
    return [o for o in row.operands if _is_variable(o)]


def format_table(rows, derivative_header: str, digits: int = 4) -> str:
    """A plain-text table of trace rows: variable, expression, value, derivative."""
    lines = [f"{'':5} {'expression':14} {'value':>10} {derivative_header:>10}"]
    for row in rows:
        lines.append(
            f"{row.name:5} {row.expression:14} "
            f"{rounded(row.primal, digits):>10} {rounded(row.derivative, digits):>10}"
        )
    return "\n".join(lines)


def rounded(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals, and 0 rather than −0 (the book's tables use it)."""
    # sin(π) is 1.2e-16 in floating point: round so that the table shows 0, not -0.
    text = f"{round(value, digits):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text
