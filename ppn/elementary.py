"""The scalar derivative table, shared by forward mode (Dual) and reverse mode (Var).

Every elementary function is one row: its value and its derivative, written
with the input ``x`` and the already computed output ``y = f(x)`` (so that
``exp`` reuses its value instead of computing it twice).  Forward mode
multiplies the derivative by the tangent, reverse mode stores it on the tape
as the local partial; both read the same row, so they cannot disagree.

``ppn.sin(x)`` and its siblings accept a plain number, a numpy array, or any
object that knows how to apply an elementary function to itself (``Dual``,
``Var``, ``Tensor``): such objects implement ``_unary(name)``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class UnaryRule(NamedTuple):
    """One row of the table: y = value(x), dy/dx = derivative(x, y)."""

    value: Callable[[float], float]
    derivative: Callable[[float, float], float]
    formula: str  # the derivative in words, as the book prints it


class BinaryRule(NamedTuple):
    """z = value(x, y); (∂z/∂x, ∂z/∂y) = partials(x, y, z)."""

    value: Callable[[float, float], float]
    partials: Callable[[float, float, float], tuple[float, float]]
    formula: str


def _sigmoid(x: float) -> float:
    # Two branches so that exp never overflows: for x < 0, exp(-x) would.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _relu(x: float) -> float:
    return x if x > 0 else 0.0


def _pow_partials(x: float, y: float, z: float) -> tuple[float, float]:
    # ∂(x^y)/∂y = x^y·log x exists only for x > 0; at x = 0 its limit is 0.
    # For x < 0 it is undefined: nan, which only matters when y is a variable
    # (both modes skip this partial when the exponent is a constant).
    if x > 0:
        d_exponent = z * math.log(x)
    elif x == 0:
        d_exponent = 0.0
    else:
        d_exponent = math.nan
    if y == 0:
        d_base = 0.0
    elif x == 0 and y < 1:
        d_base = math.inf  # the slope of x^y at 0 is vertical for 0 < y < 1
    else:
        try:
            d_base = y * x ** (y - 1)
        except OverflowError:  # x ** y fits in a float but its slope does not: ±inf
            d_base = math.copysign(math.inf, y * z / x)
    return d_base, d_exponent


# The whole calculus the scalar engines know.  Read it like a table of derivatives.
UNARY: dict[str, UnaryRule] = {
    "sin":     UnaryRule(math.sin,   lambda x, y: math.cos(x),               "cos x"),
    "cos":     UnaryRule(math.cos,   lambda x, y: -math.sin(x),              "−sin x"),
    "tan":     UnaryRule(math.tan,   lambda x, y: 1.0 + y * y,               "1 + tan² x"),
    "exp":     UnaryRule(math.exp,   lambda x, y: y,                         "eˣ"),
    "log":     UnaryRule(math.log,   lambda x, y: 1.0 / x,                   "1/x"),
    "sqrt":    UnaryRule(math.sqrt,  lambda x, y: 0.5 / y if y else math.inf, "1/(2√x)"),
    "tanh":    UnaryRule(math.tanh,  lambda x, y: 1.0 - y * y,               "1 − tanh² x"),
    "sigmoid": UnaryRule(_sigmoid,   lambda x, y: y * (1.0 - y),             "σ(x)(1 − σ(x))"),
    "relu":    UnaryRule(_relu,      lambda x, y: 1.0 if x > 0 else 0.0,     "1 if x > 0 else 0"),
    "neg":     UnaryRule(operator.neg, lambda x, y: -1.0,                    "−1"),
}  # fmt: skip

BINARY: dict[str, BinaryRule] = {
    "add": BinaryRule(operator.add,     lambda x, y, z: (1.0, 1.0),            "1, 1"),
    "sub": BinaryRule(operator.sub,     lambda x, y, z: (1.0, -1.0),           "1, −1"),
    "mul": BinaryRule(operator.mul,     lambda x, y, z: (y, x),                "y, x"),
    "div": BinaryRule(operator.truediv, lambda x, y, z: (1.0 / y, -z / y),     "1/y, −x/y²"),
    "pow": BinaryRule(operator.pow,     _pow_partials,                         "y·xʸ⁻¹, xʸ·log x"),
}  # fmt: skip

# Where each function is defined, for the error message of a domain error.
DOMAINS = {
    "log": "x > 0",
    "sqrt": "x ≥ 0",
    "div": "y ≠ 0",
    "pow": "x > 0, or x = 0 with y ≥ 0, or x < 0 with an integer y",
}

# numpy's versions, for plain arrays passed to ppn.sin & co. (ppn.tensor uses them too).
NUMPY_FUNCTIONS = {
    "neg": np.negative,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
    "sigmoid": lambda a: np.exp(-np.logaddexp(0.0, -a)),
    "relu": lambda a: np.maximum(a, 0),
}


def rule(name: str) -> UnaryRule:
    """The row of ``UNARY`` for ``name``; an unknown name raises an error that names it."""
    try:
        return UNARY[name]
    except KeyError:
        known = ", ".join(sorted(UNARY))
        raise NotImplementedError(
            f"ppn has no derivative rule for {name!r}; the elementary functions are: {known}. "
            "Add a row to ppn.elementary.UNARY to teach it one."
        ) from None


def binary_rule(name: str) -> BinaryRule:
    """The row of ``BINARY`` for ``name``; an unknown name raises an error that names it."""
    try:
        return BINARY[name]
    except KeyError:
        known = ", ".join(sorted(BINARY))
        raise NotImplementedError(
            f"ppn has no derivative rule for the operator {name!r}; it knows: {known}."
        ) from None


def evaluate(name: str, x: float) -> float:
    """f(x) for a plain number, with a domain error that names the function and the point."""
    try:
        return rule(name).value(x)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise domain_error(name, x, error) from None


def evaluate_binary(name: str, x: float, y: float) -> float:
    """x ∘ y for plain numbers, with a domain error that names the operator and the operands."""
    try:
        z = binary_rule(name).value(x, y)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise domain_error(name, (x, y), error) from None
    if isinstance(z, complex):  # (-8) ** (1/3): Python answers with a complex number
        raise domain_error(name, (x, y), ValueError("the result would be complex"))
    return z


def domain_error(name: str, at, cause: Exception) -> ValueError:
    """The ValueError both modes raise when a function is evaluated outside its domain."""
    if isinstance(cause, OverflowError):
        return ValueError(f"{name} at {at!r} overflows a 64-bit float: {cause}")
    where = f" (defined for {DOMAINS[name]})" if name in DOMAINS else ""
    return ValueError(f"{name} is undefined at {at!r}{where}: {cause}")


def _apply(name: str, x):
    apply_to_self = getattr(x, "_unary", None)  # Dual, Var, Tensor: asked first, the hot path
    if apply_to_self is not None:
        return apply_to_self(name)
    if isinstance(x, (float, int)) and not isinstance(x, bool):
        return evaluate(name, float(x))
    if isinstance(x, (np.ndarray, np.generic)):
        return NUMPY_FUNCTIONS[name](x)
    raise TypeError(
        f"ppn.{name} takes a number, a numpy array, a Dual, a Var or a Tensor, "
        f"not {type(x).__name__}"
    )


def sin(x):
    """sin x;  d/dx = cos x."""
    return _apply("sin", x)


def cos(x):
    """cos x;  d/dx = −sin x."""
    return _apply("cos", x)


def tan(x):
    """tan x;  d/dx = 1 + tan² x."""
    return _apply("tan", x)


def exp(x):
    """eˣ;  d/dx = eˣ."""
    return _apply("exp", x)


def log(x):
    """ln x (x > 0);  d/dx = 1/x."""
    return _apply("log", x)


def sqrt(x):
    """√x (x ≥ 0);  d/dx = 1/(2√x)."""
    return _apply("sqrt", x)


def tanh(x):
    """tanh x;  d/dx = 1 − tanh² x."""
    return _apply("tanh", x)


def sigmoid(x):
    """σ(x) = 1/(1 + e⁻ˣ);  d/dx = σ(x)(1 − σ(x))."""
    return _apply("sigmoid", x)


def relu(x):
    """max(x, 0);  d/dx = 1 if x > 0 else 0 (0 at x = 0 by convention)."""
    return _apply("relu", x)
