# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Forward-mode automatic differentiation
#
# A neural network learns by nudging each of its parameters in the direction that lowers
# its cost. To know that direction we need the derivative of the cost with respect to
# every parameter, and a network has thousands of them. Deriving those by hand is out of
# the question; approximating them by finite differences is slow and inexact. **Automatic
# differentiation** computes them exactly (up to rounding), by applying the chain rule
# mechanically to the elementary operations the program performs. [Baydin et al. (2018)](bibliography.md)
# survey it for machine learning; [Griewank and Walther (2008)](bibliography.md) is the reference book.
#
# This chapter builds its first form, **forward mode**, in which every value carries its
# derivative along with it. [Chapter 4](04_backward_mode.ipynb) builds the second,
# backward mode, which is the one neural networks are trained with.
#
# The equations keep the source's numbers (8 to 13 and 16 in this chapter), so that the two can
# be read side by side; an equation the source does not number carries no number here.
#
# ## The gradient
#
# For a function of several inputs $f(x_1, \dots, x_m)$, the partial derivative
# $\partial f / \partial x_j$ measures how $f$ changes when $x_j$ alone moves, all other
# inputs held fixed. Gathered in a vector, the partial derivatives form the **gradient**
#
# $$ \nabla f = \left( \frac{\partial f}{\partial x_1}, \frac{\partial f}{\partial x_2},
#    \dots, \frac{\partial f}{\partial x_m} \right) \tag{8} $$
#
# which points in the direction in which $f$ grows fastest (the source's figure 6, drawn
# below once forward mode can compute gradients;
# [chapter 8](08_gradient_descent.ipynb) walks the other way, down the cost). The
# source's text says the gradient "points us to a minimum of the cost function"; its own
# later line is the exact one: "The $-\nabla$ hints us to the direction of a minimum".
# A minimum lies against the gradient, not along it.
#
# ## The chain rule
#
# Programs compute complicated functions by composing simple ones. The derivative of a
# composition $f \circ g$, the function $x \mapsto f(g(x))$, is the derivative of the
# outer function, taken at the inner one's value, times the derivative of the inner one:
#
# $$ (f \circ g)' = (f' \circ g) \cdot g' \tag{9} $$
#
# In the notation of variables: if $z = f(y)$ and $y = g(x)$, a small change of $x$
# changes $y$ by $\frac{dy}{dx}$ times as much, which changes $z$ by $\frac{dz}{dy}$
# times that:
#
# $$ \frac{dz}{dx} = \frac{dz}{dy} \cdot \frac{dy}{dx} \tag{10} $$
#
# A longer chain $x \to u \to y \to z$ multiplies one local derivative per link:
#
# $$ \frac{dz}{dx} = \frac{dz}{dy} \cdot \frac{dy}{du} \cdot \frac{du}{dx} $$
#
# When $x$ influences $z$ along several paths, through intermediate variables
# $y_1, \dots, y_k$ that all depend on $x$, the contributions of the paths add up:
#
# $$ \frac{\partial z}{\partial x} = \sum_{i=1}^{k} \frac{\partial z}{\partial y_i} \cdot
#    \frac{\partial y_i}{\partial x} \tag{11} $$
#
# ```{note}
# The source document writes eq. 11 with every fraction upside down, as
# $\frac{\partial x}{\partial z} = \sum_i \frac{\partial y_i}{\partial z} \cdot
# \frac{\partial x}{\partial y_i}$.
# Read literally, that is the derivative of the *input* with respect to the *output*,
# which is not what is meant. This book uses the standard form above, the one the
# library computes.
# ```
#
# Equation 11 is all of automatic differentiation. The rest of this chapter and the next
# apply it in two different orders.
#
# ## The example: $f(x_1, x_2) = x_2 \cos x_1 + e^{x_2}$
#
# We follow the source's example,
#
# $$ f(x_1, x_2) = x_2 \cos x_1 + e^{x_2} , \tag{12} $$
#
# at the point $(x_1, x_2) = (\pi, 1)$. By hand,
#
# $$ \frac{\partial f}{\partial x_1} = -x_2 \sin x_1, \qquad
#    \frac{\partial f}{\partial x_2} = \cos x_1 + e^{x_2} $$
#
# and at $(\pi, 1)$, where $\cos \pi = -1$ and $\sin \pi = 0$:
#
# $$ f(\pi, 1) = e - 1 \approx 1.7183, \qquad \frac{\partial f}{\partial x_1} = 0, \qquad
#    \frac{\partial f}{\partial x_2} = e - 1 \approx 1.7183 \tag{13} $$
#
# A computer evaluates $f$ as a sequence of elementary steps, the **evaluation trace**.
# Following the source (and the notation of [Griewank and Walther (2008)](bibliography.md)), the inputs are numbered
# $v_{-1} = x_1$, $v_0 = x_2$, and each operation makes a new variable:
#
# $$ v_1 = \cos v_{-1}, \quad v_2 = v_0 \times v_1, \quad v_3 = e^{v_0}, \quad
#    v_4 = v_2 + v_3 = f . $$
#
# ## Forward mode: a tangent beside every value
#
# Pick one input, say $x_1$, and write $\dot v_i = \partial v_i / \partial x_1$ for the
# derivative of each intermediate variable with respect to it, its **tangent**. The
# inputs' tangents are the **seed**: $\dot v_{-1} = \dot x_1 = 1$ and
# $\dot v_0 = \dot x_2 = 0$. Each later tangent follows from its operands' tangents by
# eq. 11, in the same order as the values:
#
# $$ \dot v_1 = -\sin v_{-1} \cdot \dot v_{-1}, \quad
#    \dot v_2 = \dot v_0 \, v_1 + v_0 \, \dot v_1, \quad
#    \dot v_3 = e^{v_0} \, \dot v_0, \quad
#    \dot v_4 = \dot v_2 + \dot v_3 . $$
#
# At the end, $\dot v_4 = \partial f / \partial x_1$. With the seed
# $(\dot x_1, \dot x_2) = (0, 1)$ the same sweep gives $\partial f / \partial x_2$.
#
# ## Dual numbers
#
# The bookkeeping "value and tangent, computed together" has an algebra: the **dual
# numbers** $a + \dot a\,\varepsilon$, where $\varepsilon$ is a symbol with
# $\varepsilon^2 = 0$. Multiply two of them and the $\varepsilon^2$ term vanishes:
#
# $$ (a + \dot a\,\varepsilon)(b + \dot b\,\varepsilon)
#    = ab + (\dot a\,b + a\,\dot b)\,\varepsilon , $$
#
# which is the product rule, and a Taylor expansion stops after its first term:
# $g(a + \dot a\,\varepsilon) = g(a) + g'(a)\,\dot a\,\varepsilon$. So evaluating $f$ on
# dual numbers $x_j + \dot x_j \varepsilon$ returns $f(x) + (\nabla f \cdot \dot x)\,\varepsilon$:
# the value, and the derivative in the direction of the seed. `ppn.Dual` is such a
# number, with the fields `primal` ($a$) and `tangent` ($\dot a$); the seed is the
# tangent we give the input:

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown, display

import ppn
from ppn.listing import listing
from ppn.plots import (
    animate_trace,
    draw_computation_graph,
    draw_directional_derivatives,
    draw_gradient_field,
    trace_table,
)

x = ppn.Dual(3.0, 1.0)  # x = 3, seeded: ẋ = 1
print(x)

# %% [markdown]
# ## Writing the rules of `Dual`
#
# Two methods of `Dual` do all of its calculus: `_binary` for the operators
# `+ − × / **`, `_unary` for everything with one operand. They are your tasks 3.1 and
# 3.2, and this section says everything they must do.
#
# **How Python reaches them.** `x * y` calls `x.__mul__(y)`, which calls
# `self._binary("mul", self, y)`; `3 * x` calls `x.__rmul__(3)`, which calls
# `self._binary("mul", 3, self)`. So `_binary(name, left, right)` receives the operator's
# name (`"add"`, `"sub"`, `"mul"`, `"div"`, `"pow"`) and its two operands in the order they
# were written; one of them is `self`, and the other is a `Dual` or a plain number (an
# `int` or a `float`). Anything else was turned away before your code runs. Likewise
# `ppn.sin(x)` calls `x._unary("sin")` and `-x` calls `x._unary("neg")`: `_unary(name)`
# receives the name of a row of the derivative table below.
#
# **The derivative table.** Each elementary function knows its derivative from one table,
# shared with backward mode ([chapter 4](04_backward_mode.ipynb)), which reads like a table
# of derivatives: the value $y = f(x)$, then $dy/dx$ written with $x$ and $y$ (so that
# $e^x$ reuses the value it has just computed).

# %% tags=["remove-input"]
listing("ppn/elementary.py",
        start_after="# The whole calculus the scalar engines know.",
        end_before="# Where each function is defined")

# %% [markdown]
# `ppn/forward.py` already imports the four functions that read it, and defines one
# helper:
#
# * `evaluate(name, x)` is $f(x)$ for the row `name`; outside the function's domain
#   (`log` of a negative number) it raises a `ValueError` that names the function and the
#   point. Compute values with it, not with the row's `value` directly, whose error does
#   not say which function failed.
# * `rule(name).derivative(x, y)` is $f'(x)$, given $x$ and $y = f(x)$.
# * `evaluate_binary(name, x, y)` is $x \circ y$, with the same kind of error, and
#   `binary_rule(name).partials(x, y, z)` is the pair
#   $(\partial z / \partial x, \partial z / \partial y)$ at $z = x \circ y$.
# * `_split(v)` is the pair (primal, tangent) of an operand: a plain number is a constant,
#   a dual number whose tangent is 0, so `_split(3)` is `(3.0, 0.0)`.
#
# **The rules.** `_unary` applies eq. 9, one link of the chain: with $v$ the primal and
# $\dot v$ the tangent of `self`,
#
# $$ f(v + \dot v\,\varepsilon) = f(v) + f'(v)\,\dot v\,\varepsilon . $$
#
# `_binary` applies eq. 11 with $k = 2$: for $z = x \circ y$,
#
# $$ \dot z = \frac{\partial z}{\partial x}\,\dot x
#    + \frac{\partial z}{\partial y}\,\dot y . $$
#
# For $\times$ that is the product rule $\dot x\, y + x\, \dot y$; for $/$,
# $\dot x / y - x\,\dot y / y^2$.
#
# **A zero tangent contributes nothing.** Some partial derivatives are infinite or
# undefined where the function itself is fine: $\sqrt{x}$ has slope $+\infty$ at 0, and
# $\partial (x^y) / \partial y = x^y \log x$ is `nan` for $x < 0$, as in `x ** 2` at
# $x = -3$. In floating point $0 \times \infty$ and $0 \times \text{nan}$ are both `nan`, so
# multiplying blindly would turn $(-3)^2$, whose exponent is a constant, into a `nan`
# tangent. Multiply a partial by a tangent only when the tangent is not 0, and count
# the term as 0 otherwise: `Dual(-3.0, 1.0) ** 2` must have tangent $-6$, and
# `ppn.sqrt(Dual(0.0, 0.0))` tangent 0.
#
# **Return the result through `self._result`.** Do not build the result with
# `Dual(value, tangent)`: return
# `self._result(value, tangent, name, operands)`, with `operands` the operands as you
# received them, `(left, right)` or `(self,)`. For a plain `Dual` the hook just builds
# the new dual number:

# %% tags=["remove-input"]
listing(ppn.Dual._result)

# %% [markdown]
# but a subclass can do more. `ppn.forward_trace`, which regenerates Table 1 below, runs
# $f$ on a subclass of `Dual` whose `_result` also appends a row to the table (the
# variable's number, its operation and operands, its value and tangent). A result built
# with `Dual(...)` skips the hook: Table 1 would show its two inputs and nothing else, and
# the results would no longer be of the subclass.
#
# The results must be `Dual`s whose primal and tangent are floats (`Dual`'s constructor
# converts them). The checks try the product, sum, difference and quotient rules,
# constants on either side (`3 * x`, `x + 1`, `1 - x`), the zero-tangent rule for `**`
# and `sqrt`, `sin`, `exp` with a tangent other than 1 (multiply by it), negation, and
# `log` of $-1$ (a `ValueError` naming `log`).

# %% [markdown]
# ```{admonition} Task 3.1: dual-number arithmetic
# :class: tip
# **Write** the body of `Dual._binary` in `ppn/forward.py` (between `# task 3.1: begin`
# and `# task 3.1: end`). **It receives** the operator's name and the operands `left` and
# `right` (one is `self`, the other a `Dual` or a number); **it returns**
# `self._result(value, tangent, name, (left, right))` with the value $x \circ y$ and the
# tangent $\frac{\partial z}{\partial x}\dot x + \frac{\partial z}{\partial y}\dot y$, where
# a zero tangent contributes 0. **Check** with `ppn.tasks.check("3.1")` in this notebook,
# or `pytest tests/tasks -k TestTask3_1`.
# ```
#
# ```{admonition} Task 3.2: one forward-mode rule
# :class: tip
# **Write** the body of `Dual._unary` in `ppn/forward.py` (between `# task 3.2: begin` and
# `# task 3.2: end`). **It receives** the name of a row of the derivative table; **it
# returns** `self._result(value, tangent, name, (self,))` with the value $f(v)$, computed by
# `evaluate`, and the tangent $f'(v)\,\dot v$, or 0 when $\dot v = 0$. **Check** with
# `ppn.tasks.check("3.2")` in this notebook, or `pytest tests/tasks -k TestTask3_2`.
# ```
#
# As ppn writes them (the listings are read from the `ppn` you run: in the student
# edition, your code, or the stubs until you write them):

# %% tags=["remove-input"]
listing(ppn.Dual._unary)

# %% tags=["remove-input"]
listing(ppn.Dual._binary)

# %% [markdown]
# With both rules, a `Dual` differentiates as it computes:

# %%
print(x * x)  # d(x²)/dx = 2x = 6
print(ppn.sin(x))  # d(sin x)/dx = cos 3
square = ppn.Dual(-3.0, 1.0) ** 2  # the constant exponent adds no nan
print(square)

# %%
assert (x * x).tangent == 6.0
assert ppn.sin(x).tangent == math.cos(3.0)
assert square.tangent == -6.0

# %% [markdown]
# ## Table 1, regenerated
#
# `ppn.forward_trace` evaluates $f$ on dual numbers and records one row per variable
# $v_i$: its expression, its value and its tangent. Here is the source's Table 1 for both
# seeds, $\dot x_1 = 1$ (the tangents are $\partial v_i / \partial x_1$) and
# $\dot x_2 = 1$ (they are $\partial v_i / \partial x_2$):

# %%
def f(x1, x2):
    return x2 * ppn.cos(x1) + ppn.exp(x2)


point = (math.pi, 1.0)
rows_x1 = ppn.forward_trace(f, point, (1.0, 0.0))  # seed ẋ₁ = 1
rows_x2 = ppn.forward_trace(f, point, (0.0, 1.0))  # seed ẋ₂ = 1

# %% mystnb={"markdown_format": "gfm"}
Markdown(trace_table(rows_x1, rows_x2, headers=["tangent, ẋ₁ = 1", "tangent, ẋ₂ = 1"]))

# %% [markdown]
# Every entry agrees with the source's Table 1, which the next cell checks row by row:

# %%
e = math.e
table_1 = {  # i: (vᵢ, v̇ᵢ for ẋ₁ = 1, v̇ᵢ for ẋ₂ = 1), as the source prints them
    -1: (math.pi, 1.0, 0.0),
    0: (1.0, 0.0, 1.0),
    1: (-1.0, 0.0, 0.0),
    2: (-1.0, 0.0, -1.0),
    3: (e, 0.0, e),
    4: (e - 1, 0.0, e - 1),
}
assert [row.index for row in rows_x1] == list(table_1)
for row_x1, row_x2 in zip(rows_x1, rows_x2, strict=True):
    value, tangent_x1, tangent_x2 = table_1[row_x1.index]
    assert math.isclose(row_x1.primal, value, abs_tol=1e-12), row_x1
    assert math.isclose(row_x1.derivative, tangent_x1, abs_tol=1e-12), row_x1
    assert math.isclose(row_x2.derivative, tangent_x2, abs_tol=1e-12), row_x2

# eq. 13: the value e − 1 and the gradient (0, e − 1)
assert math.isclose(rows_x1[-1].primal, e - 1)
assert math.isclose(rows_x2[-1].derivative, e - 1)
assert abs(rows_x1[-1].derivative) < 1e-15

# %% [markdown]
# The table is rounded to four decimals, and for a reason. In floating point $\pi$ is not
# exactly $\pi$, so `math.sin(math.pi)` is not exactly 0 but about $1.2 \times 10^{-16}$,
# the size of one rounding error. The computed $\partial f / \partial x_1 = -x_2 \sin x_1$
# is therefore $-1.2 \times 10^{-16}$ rather than 0: correct to sixteen digits, and the
# rounding is the only difference from eq. 13.

# %%
def rounded(number, digits=4):
    """The number rounded for printing (+ 0.0 turns −0.0 into 0.0)."""
    return round(number, digits) + 0.0


print(f"sin(π) in floating point: {math.sin(math.pi):.2g}")
d_x1 = rows_x1[-1].derivative
print(f"computed ∂f/∂x₁ = {d_x1:.2g}, rounded: {rounded(d_x1):.4f}")
print(f"computed ∂f/∂x₂ = {rows_x2[-1].derivative:.4f}, e − 1 = {e - 1:.4f}")

# %% [markdown]
# ## The computation graph
#
# The trace is a graph: one node per variable $v_i$, one arrow from each operand to the
# operation that uses it. `ppn.plots.draw_computation_graph` draws it from the rows of
# the trace, placing each node in the column of its depth (the longest path from an
# input). Forward mode sweeps it from left to right, computing each node's value and
# tangent from those of its operands.

# %% mystnb={"figure": {"caption": "The computation graph of $f(x_1, x_2) = x_2 \\cos x_1 + e^{x_2}$ at $(\\pi, 1)$, drawn from `ppn.forward_trace`: each node shows its expression, its value and its tangent, for the seed $\\dot x_1 = 1$ (top) and $\\dot x_2 = 1$ (bottom). The output $v_4$ carries $\\partial f / \\partial x_1$ and $\\partial f / \\partial x_2$.", "name": "fig-forward-graph"}}
fig, axes = plt.subplots(2, 1, figsize=(8, 6.4))
_ = draw_computation_graph(rows_x1, axes[0],
                           title=r"forward mode, seed $\dot{x}_1 = 1$")
_ = draw_computation_graph(rows_x2, axes[1],
                           title=r"forward mode, seed $\dot{x}_2 = 1$")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Stepping through Table 1
#
# In Jupyter, move the slider to step through the rows of Table 1: the current row is
# highlighted in the graph and in the table, and rows the sweep has not reached yet show
# "?". (The web version of the book has no Python behind it and shows a note in the
# slider's place; the animation below plays the same steps.)

# %% tags=["nbval-ignore-output"]
from ipywidgets import IntSlider, interact

traces = {"ẋ₁ = 1": rows_x1, "ẋ₂ = 1": rows_x2}


def show_row(row, seed):
    rows = traces[seed]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    _ = draw_computation_graph(rows, ax, step=row, title=f"Table 1, seed {seed}")
    plt.show()
    table = trace_table(rows, headers=[f"tangent, {seed}"], highlight=rows[row].index)
    display(Markdown(table))


_ = interact(show_row, row=IntSlider(min=0, max=len(rows_x2) - 1, value=0),
             seed=list(traces))

# %% tags=["nbval-ignore-output"]
forward_animation = animate_trace(
    rows_x2, title=r"forward mode on $f$ at $(\pi, 1)$, seed $\dot{x}_2 = 1$"
)
animation_html = forward_animation.to_jshtml()
HTML(animation_html)

# %%
import re

frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,', animation_html)
assert len(frames) == len(rows_x2) == 6  # one frame per row of Table 1
print(f"{len(frames)} frames, one per row of Table 1")

# %% [markdown]
# ## One pass, one direction: `ppn.jvp`
#
# Nothing forces the seed to be a unit vector. With a seed $\dot x$, one forward pass
# returns $f(x)$ and the directional derivative
# $\nabla f \cdot \dot x = \sum_j \frac{\partial f}{\partial x_j}\,\dot x_j$. For a
# function with several outputs it returns one such number per output, the vector
# $J_f\,\dot x$, a **Jacobian-vector product** (the Jacobian $J_f$ is the matrix of all
# the partial derivatives, below, one row per output and one column per input; in this
# product $\dot x$ is a column vector). `ppn.jvp(f, primals, tangents)` is that pass,
# without the trace; it is task 3.3.
#
# * **It receives** a Python function `f` of $m$ numbers, called as `f(x1, x2, …)`, and
#   two sequences of $m$ floats: `primals`, the point $x$, and `tangents`, the seed
#   $\dot x$. (Sequences of different lengths are refused with a `ValueError` before your
#   code runs.)
# * It makes one `Dual(primal, tangent)` per input and calls `f` on them, in order.
# * `f` returns a `Dual`, or a plain number when its output does not depend on its
#   inputs (`lambda a: 7.0`): a constant, whose tangent is 0. Or it returns a tuple or a
#   list of such outputs, one per output of a function $\mathbb{R}^m \to \mathbb{R}^n$.
# * **It returns** floats: `(value, tangent)` for one output; for a tuple or list of
#   outputs, `(values, tangents)`, two tuples with one entry per output. `_split` gives
#   the pair of floats of any one output, `Dual` or number.
#
# The checks call `jvp` on a product written out by hand (so that they do not need tasks
# 3.1 and 3.2), on a function returning a tuple with a constant in it, and on the
# chapter's $f$.
#
# ```{admonition} Task 3.3: jvp, one forward pass
# :class: tip
# **Write** the body of `jvp` in `ppn/forward.py` (between `# task 3.3: begin` and
# `# task 3.3: end`). **It receives** `f`, `primals` and `tangents`; **it returns**
# `(value, tangent)` as floats, or `(values, tangents)` as two tuples of floats when `f`
# returns a tuple or a list; a constant output has tangent 0. **Check** with
# `ppn.tasks.check("3.3")` in this notebook, or `pytest tests/tasks -k TestTask3_3`.
# ```
#
# As ppn writes `jvp` (in the student edition: your code, or the stub until you write it):

# %% tags=["remove-input"]
listing(ppn.jvp)

# %% [markdown]
# The two partial derivatives of eq. 13, and the derivative along the diagonal
# $\dot x = (1, 1)$, which is their sum:

# %%
value, d_x1 = ppn.jvp(f, point, (1.0, 0.0))
_, d_x2 = ppn.jvp(f, point, (0.0, 1.0))
_, d_diagonal = ppn.jvp(f, point, (1.0, 1.0))
print(f"f(π, 1) = {value:.4f}")
print(f"∂f/∂x₁ = {rounded(d_x1):.4f},  ∂f/∂x₂ = {d_x2:.4f}")
print(f"in the direction (1, 1): {d_diagonal:.4f} = ∂f/∂x₁ + ∂f/∂x₂")

# %%
assert value == rows_x1[-1].primal and d_x1 == rows_x1[-1].derivative
assert d_x2 == rows_x2[-1].derivative
assert math.isclose(d_diagonal, d_x1 + d_x2)

# %% [markdown]
# That is forward mode's limit: **one pass gives one direction**. The gradient of a
# function of $m$ inputs takes $m$ passes, one per seed $\dot x = e_j$, the $j$-th unit
# vector (1 in position $j$, 0 elsewhere).
#
# ## Figure 6: the gradient points uphill
#
# The directional derivative says why the gradient is the direction of steepest ascent.
# For a unit vector $u$ (a direction, of length 1), the slope of $f$ in that direction is
# $\nabla f \cdot u = |\nabla f|\,|u| \cos\alpha = |\nabla f| \cos\alpha$, where $\alpha$
# is the angle between $u$ and $\nabla f$. It is largest, $|\nabla f|$, for $\alpha = 0$,
# when $u$ points along the gradient; it is zero across it ($\alpha = 90°$, along a
# contour line, where $f$ does not change), and most negative, $-|\nabla f|$, straight
# against it, the direction gradient descent takes.
#
# The next cell measures it rather than trusting the algebra: one `jvp` per direction
# $u = (\cos\theta, \sin\theta)$, for 360 directions around $(\pi, 1)$, and the gradient
# at a grid of points from two passes each.

# %%
def gradient_of_f(p):
    """∇f at p, from two forward passes seeded with e₁ and e₂."""
    return (ppn.jvp(f, p, (1.0, 0.0))[1], ppn.jvp(f, p, (0.0, 1.0))[1])


angles = np.arange(0, 361)  # degrees
slopes = [ppn.jvp(f, point, (math.cos(math.radians(t)), math.sin(math.radians(t))))[1]
          for t in angles]  # fmt: skip
grid = [(a, b) for a in np.linspace(0.5, 5.8, 6) for b in np.linspace(-0.5, 0.9, 4)]
grid.append(point)
gradients = [gradient_of_f(p) for p in grid]
steepest = int(angles[np.argmax(slopes)])
print(f"∇f(π, 1) = ({rounded(gradients[-1][0]):.4f}, {gradients[-1][1]:.4f}), "
      f"length {math.hypot(*gradients[-1]):.4f}")
print(f"the steepest of the 360 directions: θ = {steepest}°, slope {max(slopes):.4f}")
print(f"the flattest: θ = {int(angles[np.argmin(slopes)])}°, slope {min(slopes):.4f}")
assert steepest == 90
assert math.isclose(max(slopes), math.hypot(*gradients[-1]), rel_tol=1e-12)
assert math.isclose(min(slopes), -max(slopes), rel_tol=1e-12)  # straight against ∇f

# %% mystnb={"figure": {"caption": "The source's figure 6, measured. Left: contour lines of $f(x_1, x_2) = x_2 \\cos x_1 + e^{x_2}$ with the gradient (from `ppn.jvp`) at a grid of points, all arrows drawn the same length: each crosses the contour lines at a right angle, uphill. The red arrow is $\\nabla f(\\pi, 1) = (0, e - 1)$. Right: the slope of $f$ at $(\\pi, 1)$ in each of 360 directions, one `jvp` each; it is largest, $|\\nabla f|$, in the direction of the gradient.", "name": "fig-steepest-ascent"}}
fig, (ax_field, ax_slopes) = plt.subplots(1, 2, figsize=(11, 3.6),
                                         width_ratios=[1.6, 1])
_ = draw_gradient_field(f, grid, gradients, ax_field, extent=(0, 2 * math.pi, -1, 1.5),
                        highlight=len(grid) - 1,
                        title="∇f across the contour lines of f")
_ = draw_directional_derivatives(angles, slopes, gradients[-1], ax_slopes,
                                 title="slope of f at (π, 1), by direction")
fig.tight_layout()
plt.show()

# %% [markdown]
#
# ## The Jacobian, column by column
#
# For a function with several outputs, $f: \mathbb{R}^m \to \mathbb{R}^n$, the partial
# derivatives form the $n \times m$ **Jacobian** matrix
#
# $$ J_f = \begin{pmatrix}
#    \frac{\partial f_1}{\partial x_1} & \cdots & \frac{\partial f_1}{\partial x_m} \\
#    \vdots & \ddots & \vdots \\
#    \frac{\partial f_n}{\partial x_1} & \cdots & \frac{\partial f_n}{\partial x_m}
#    \end{pmatrix} \tag{16} $$
#
# A forward pass seeded with $\dot x = e_j$ carries the tangents of *all* outputs at
# once: it returns the column $j$, $\partial f / \partial x_j$. So forward mode fills the
# Jacobian one column per pass, $m$ passes in all. Take
# $g(x_1, x_2, x_3) = (x_1 x_2,\ \sin x_3 + x_1)$, from $\mathbb{R}^3$ to $\mathbb{R}^2$:

# %%
def g(x1, x2, x3):
    return x1 * x2, ppn.sin(x3) + x1


jacobian_forward = ppn.jacobian(g, mode="forward")
J = jacobian_forward(2.0, 3.0, 0.0)
print(J)
print(f"{jacobian_forward.passes} forward passes for {J.shape[0]} outputs "
      f"and {J.shape[1]} inputs")

# %%
assert jacobian_forward.passes == 3  # m = 3 inputs: one pass per column
for j in range(3):
    seed = [1.0 if k == j else 0.0 for k in range(3)]
    _, column = ppn.jvp(g, (2.0, 3.0, 0.0), seed)
    assert list(J[:, j]) == list(column)  # column j is the pass seeded with e_j
# by hand: the rows (x₂, x₁, 0) and (1, 0, cos x₃)
assert J.tolist() == [[3.0, 2.0, 0.0], [1.0, 0.0, 1.0]]

# %% [markdown]
# For a neural network's cost, $n = 1$ and $m$ is the number of parameters: forward mode
# would need one pass per parameter. [Chapter 4](04_backward_mode.ipynb) turns the sweep
# around and gets the whole gradient in one backward pass.
#
# ## Why not differentiate symbolically?
#
# A computer algebra system differentiates the *formula* of $f$, the way we did by hand
# for eq. 12, and returns a formula for $f'$. That is exact, but it does not scale to the
# programs neural networks are: the rules copy subexpressions. The product rule
# $(uv)' = u'v + uv'$ writes $u$ and $v$ out again beside their derivatives, so the
# derivative of a product of $n$ factors is a sum of $n$ products of $n$ factors each,
# so its number of operations grows like $n^2$ where $f$'s grows like $n$. Nested compositions
# swell faster still: [Baydin et al. (2018)](bibliography.md) call it **expression swell**. Forward mode
# never writes a formula: each operation of the trace computes one tangent from its
# operands' tangents, so the derivative costs a fixed small multiple of $f$ itself.
#
# A tiny symbolic differentiator makes it concrete. Expressions are nested tuples, such as
# `("mul", a, b)`; `derivative` applies the textbook rules and drops the obvious
# $\cdot 1$ and $+ 0$. We differentiate the repeated product
# $p_n(x) = \sin(x + 1) \sin(x + 2) \cdots \sin(x + n)$ and count operations:

# %%
def sin_of(e):
    return ("sin", e)


def add(a, b):
    return b if a == 0 else a if b == 0 else ("add", a, b)


def mul(a, b):
    if a == 0 or b == 0:
        return 0
    return b if a == 1 else a if b == 1 else ("mul", a, b)


def derivative(e):
    """d e / dx by the textbook rules: sum, product, and the chain rule for sin."""
    if e == "x":
        return 1
    if not isinstance(e, tuple):  # a constant
        return 0
    op, *args = e
    if op == "add":
        return add(derivative(args[0]), derivative(args[1]))
    if op == "mul":
        u, v = args
        return add(mul(derivative(u), v), mul(u, derivative(v)))
    if op == "sin":
        return mul(("cos", args[0]), derivative(args[0]))
    raise ValueError(f"no rule for {op}")


def operations(e):
    """The number of operations (add, mul, sin, cos) in an expression tree."""
    return 1 + sum(operations(a) for a in e[1:]) if isinstance(e, tuple) else 0


def evaluate(e, x):
    if e == "x":
        return x
    if not isinstance(e, tuple):
        return float(e)
    op, *args = e
    values = [evaluate(a, x) for a in args]
    return {"add": lambda a, b: a + b, "mul": lambda a, b: a * b,
            "sin": math.sin, "cos": math.cos}[op](*values)  # fmt: skip


def product_formula(n):
    expression = sin_of(add("x", 1.0))
    for k in range(2, n + 1):
        expression = mul(expression, sin_of(add("x", float(k))))
    return expression


def product_program(x, n):
    result = ppn.sin(x + 1.0)
    for k in range(2, n + 1):
        result = result * ppn.sin(x + float(k))
    return result


print(" n   operations in p_n   in p_n' (symbolic)   ratio   trace rows (forward mode)")
ratios = {}
for n in (1, 2, 4, 8, 16, 32):
    formula, formula_derivative = product_formula(n), derivative(product_formula(n))
    rows = ppn.forward_trace(lambda x, n=n: product_program(x, n), (0.3,), (1.0,))
    ratios[n] = operations(formula_derivative) / operations(formula)
    print(f"{n:2}   {operations(formula):17}   {operations(formula_derivative):18}   "
          f"{ratios[n]:5.1f}   {len(rows) - 1:25}")
    # The symbolic derivative is right: it agrees with forward mode.
    by_formula = evaluate(formula_derivative, 0.3)
    assert math.isclose(by_formula, rows[-1].derivative, rel_tol=1e-12)
    assert len(rows) - 1 == operations(formula)  # forward mode: a row per operation
# p_n' grows like n², p_n like n: the ratio is at least n/2
assert all(ratios[n] >= n / 2 for n in ratios)

# %% [markdown]
# The formula for $p_n'$ has at least $n/2$ times as many operations as $p_n$ (17.6 times
# for $n = 32$) (a computer
# algebra system would share some common subexpressions, but it still has to find them,
# and expanding or simplifying can make the formula larger still), while forward mode
# walks the $3n - 1$ operations of $p_n$ once, computing beside each value its tangent
# (at most two multiplications and an addition for a product). The same holds for a
# network: its cost is a program of many thousands of operations, and automatic
# differentiation follows the program, not a formula for its derivative.

# %% [markdown]
# ## Summary
#
# * Forward mode carries a tangent $\dot v = \partial v / \partial x$ beside every value;
#   each operation applies the chain rule to its operands' tangents.
# * A dual number $v + \dot v \varepsilon$ with $\varepsilon^2 = 0$ does this by plain
#   arithmetic; the derivative table of `ppn.elementary` gives each function's derivative,
#   and backward mode, the next chapter, reads the same table.
# * Each rule returns its result through the `_result` hook, so that a traced `Dual` can
#   record Table 1, and a zero tangent contributes 0 even where a partial is infinite or
#   `nan`.
# * Table 1 is the trace of $f(x_1, x_2) = x_2 \cos x_1 + e^{x_2}$ at $(\pi, 1)$. One pass
#   gives one directional derivative (`ppn.jvp`), so the gradient of $m$ inputs takes $m$
#   passes, and the Jacobian is filled column by column.
#
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 3.1: dual-number arithmetic: the tangent of x ∘ y (`ppn/forward.py`: `Dual._binary`)
# * 3.2: one forward-mode rule: the tangent f'(v)·v̇ (`ppn/forward.py`: `Dual._unary`)
# * 3.3: jvp: one forward pass, one directional derivative (`ppn/forward.py`: `jvp`)
#
# Check them with `pytest tests/tasks -k TestTask3_`, or here with
# `import ppn.tasks` and `ppn.tasks.check("3.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} Table 1 at another point (★, 15 min)
# :label: ex-forward-table
#
# Fill in Table 1 by hand at the point $(x_1, x_2) = (\pi/2, 2)$, for both seeds. Check
# your table with `ppn.forward_trace(f, (math.pi / 2, 2.0), (1.0, 0.0))` and the same with
# the seed $(0, 1)$. Which entries are not exactly zero in floating point, and why?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-forward-table
# :label: ex-forward-table-solution
# :class: dropdown
# ```
#
# With $\cos(\pi/2) = 0$ and $\sin(\pi/2) = 1$:
#
# | $i$ | $v_i$ | $\dot v_i$ for $\dot x_1 = 1$ | $\dot v_i$ for $\dot x_2 = 1$ |
# |:--|:--|:--|:--|
# | $-1$ | $\pi/2$ | $1$ | $0$ |
# | $0$ | $2$ | $0$ | $1$ |
# | $1$ | $\cos v_{-1} = 0$ | $-\sin v_{-1} \cdot 1 = -1$ | $0$ |
# | $2$ | $v_0 v_1 = 0$ | $\dot v_0 v_1 + v_0 \dot v_1 = -2$ | $\dot v_0 v_1 + v_0 \dot v_1 = v_1 = 0$ |
# | $3$ | $e^{v_0} = e^2$ | $0$ | $e^2$ |
# | $4$ | $v_2 + v_3 = e^2$ | $-2$ | $e^2$ |
#
# So $\nabla f(\pi/2, 2) = (-2, e^2)$. This time three entries are not exactly 0: the
# floating-point $\pi/2$ is not exactly $\pi/2$, so $v_1 = \cos v_{-1}$ is about
# $6 \times 10^{-17}$; so is the tangent of $v_2$ for the seed $\dot x_2 = 1$, which is
# $v_1$ itself, and $v_2 = 2 v_1$ is about $1.2 \times 10^{-16}$.

# %% tags=["solution"]
e2 = math.exp(2)
by_hand = {  # i: (vᵢ, v̇ᵢ for ẋ₁ = 1, v̇ᵢ for ẋ₂ = 1)
    -1: (math.pi / 2, 1.0, 0.0),
    0: (2.0, 0.0, 1.0),
    1: (0.0, -1.0, 0.0),
    2: (0.0, -2.0, 0.0),
    3: (e2, 0.0, e2),
    4: (e2, -2.0, e2),
}
other_x1 = ppn.forward_trace(f, (math.pi / 2, 2.0), (1.0, 0.0))
other_x2 = ppn.forward_trace(f, (math.pi / 2, 2.0), (0.0, 1.0))
not_zero = []
for row_x1, row_x2 in zip(other_x1, other_x2, strict=True):
    value, tangent_x1, tangent_x2 = by_hand[row_x1.index]
    computed = (row_x1.primal, row_x1.derivative, row_x2.derivative)
    names = ("v", "v̇ (ẋ₁ = 1)", "v̇ (ẋ₂ = 1)")
    mine_all = (value, tangent_x1, tangent_x2)
    for name, mine, theirs in zip(names, mine_all, computed, strict=True):
        assert math.isclose(mine, theirs, abs_tol=1e-15), (row_x1.index, name)
        if mine == 0 and theirs != 0:
            not_zero.append(f"{name} of row {row_x1.index}: {theirs:.1e}")
print("the hand table matches forward_trace; zero by hand but not in floating point:")
print("\n".join(not_zero))
assert len(not_zero) == 3

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Two forms of the derivative of tan (★, 10 min)
# :label: ex-forward-tan
#
# `ppn.tan` uses the rule $\frac{d}{dx}\tan x = 1 + \tan^2 x$. Show by hand that it equals
# the textbook form $1 / \cos^2 x$, and check with `ppn.jvp(ppn.tan, (x,), (1.0,))` at ten
# points of $(-\pi/2, \pi/2)$. What happens to the tangent near $\pi/2$?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-forward-tan
# :label: ex-forward-tan-solution
# :class: dropdown
# ```
#
# $\frac{d}{dx} \frac{\sin x}{\cos x} = \frac{\cos^2 x + \sin^2 x}{\cos^2 x}
# = \frac{1}{\cos^2 x}$, and dividing $\cos^2 x + \sin^2 x$ term by term by $\cos^2 x$ gives
# $1 + \tan^2 x$. The table prefers the second form because it reuses the value
# $y = \tan x$ already computed. Near $\pi/2$ the tangent grows without bound, like
# $1 / (\pi/2 - x)^2$: at $x = 1.5$ it is already about 200, and at $x = \pi/2 - 10^{-4}$
# about $10^8$. The rule is exact there too; only the function is steep.

# %% tags=["solution"]
for x_k in np.linspace(-1.5, 1.5, 10).tolist():
    value, tangent = ppn.jvp(ppn.tan, (x_k,), (1.0,))
    textbook = 1 / math.cos(x_k) ** 2
    print(f"x = {x_k:+.3f}: tan x = {value:+8.3f},  tangent = {tangent:8.3f},  "
          f"1/cos² x = {textbook:8.3f}")
    assert math.isclose(tangent, textbook, rel_tol=1e-12)
_, steep = ppn.jvp(ppn.tan, (math.pi / 2 - 1e-4,), (1.0,))
print(f"at π/2 − 1e-4: tangent = {steep:.4g}")
assert math.isclose(steep, 1e8, rel_tol=1e-6)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Forward mode against finite differences (★★, 20 min)
# :label: ex-forward-finite-differences
#
# Write a function of your own, for instance $h(x) = x\,e^{\sin x} / (1 + x^2)$, compute
# $h'(1)$ with one forward pass, and compare it with the central finite difference
# $(h(1 + \delta) - h(1 - \delta)) / 2\delta$ for
# $\delta = 10^{-1}, 10^{-2}, \dots, 10^{-12}$. Plot the error against $\delta$ on log–log
# axes: why does it first shrink and then grow again, and why does forward mode have no such
# trade-off?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-forward-finite-differences
# :label: ex-forward-finite-differences-solution
# :class: dropdown
# ```
#
# Two errors pull in opposite directions. The Taylor series gives
# $\frac{h(1 + \delta) - h(1 - \delta)}{2\delta} = h'(1) + \frac{\delta^2}{6} h'''(1) + \dots$:
# a **truncation** error that shrinks like $\delta^2$ (a factor of 100 per decade on the
# right of the plot). But $h(1 \pm \delta)$ are each rounded, with an error of about
# $10^{-16}$, and their difference is divided by $2\delta$: a **rounding** error that grows
# like $10^{-16} / \delta$. The sum is smallest near $\delta \approx 10^{-5}$, at about
# $10^{-11}$, and at $\delta = 10^{-12}$ only four digits are left. Forward mode never
# subtracts nearby values: it applies the exact derivative rule of each operation, so its
# only error is the ordinary rounding of each step, about $10^{-16}$.

# %% tags=["solution"]
def h(x):
    return x * ppn.exp(ppn.sin(x)) / (1 + x * x)


_, exact = ppn.jvp(h, (1.0,), (1.0,))
deltas = [10.0**-k for k in range(1, 13)]
errors = [abs((h(1 + d) - h(1 - d)) / (2 * d) - exact) for d in deltas]

fig, ax = plt.subplots(figsize=(5.5, 3.6))
_ = ax.loglog(deltas, errors, "o-", label="central difference")
_ = ax.loglog(deltas, [d**2 for d in deltas], ":", color="0.5",
              label=r"$\delta^2$ (truncation)")
_ = ax.loglog(deltas, [1e-16 / d for d in deltas], "--", color="0.5",
              label=r"$10^{-16}/\delta$ (rounding)")
ax.set_xlabel(r"step $\delta$")
ax.set_ylabel(r"|difference − forward mode|")
ax.set_title(f"h'(1) = {exact:.6f}: finite differences against one forward pass",
             fontsize=10)
ax.set_ylim(1e-13, 1e-1)
_ = ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

best = int(np.argmin(errors))
print(f"h'(1) = {exact:.10f} by one forward pass")
print("central differences: the error is smallest for δ between 1e-7 and 1e-4,")
print("and over 1,000 times larger at δ = 1e-12")
assert errors[0] > 1e-4 > errors[3]  # truncation: δ² shrinks by 100 per decade
assert 1e-7 <= deltas[best] <= 1e-4  # the balance point
assert errors[-1] > 1e3 * errors[best]  # rounding takes over for tiny δ

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A variable used twice (★, 10 min)
# :label: ex-forward-reuse
#
# Draw the graph of $q(x) = x \cdot x + \sin x$ at $x = 0.5$ with `draw_computation_graph`
# and `ppn.forward_trace(q, (0.5,), (1.0,))`. How many times is $v_0 = x$ used? Use eq. 11
# to explain the tangent of the product node, and check that $q'(x) = 2x + \cos x$.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-forward-reuse
# :label: ex-forward-reuse-solution
# :class: dropdown
# ```
#
# $v_0$ is used three times: twice by the product $v_1 = v_0 \cdot v_0$ (both of its
# operands) and once by $v_2 = \sin v_0$. Eq. 11 adds one term per path from $x$ to $v_1$,
# one through each operand of the product:
#
# $$ \dot v_1 = \frac{\partial v_1}{\partial (\text{left})}\, \dot v_0
#    + \frac{\partial v_1}{\partial (\text{right})}\, \dot v_0
#    = v_0 \dot v_0 + v_0 \dot v_0 = 2 x , $$
#
# the product rule. Then $\dot v_3 = \dot v_1 + \dot v_2 = 2x + \cos x$.

# %% tags=["solution"]
def q(x):
    return x * x + ppn.sin(x)


q_rows = ppn.forward_trace(q, (0.5,), (1.0,))
fig, ax = plt.subplots(figsize=(7, 2.8))
_ = draw_computation_graph(
    q_rows, ax, title=r"$q(x) = x \cdot x + \sin x$ at $x = 0.5$, seed $\dot x = 1$"
)
fig.tight_layout()
plt.show()

uses = sum(row.operands.count(0) for row in q_rows)
print(f"v₀ is an operand {uses} times; "
      f"tangent of the product: {q_rows[1].derivative} = 2 · 0.5")
assert uses == 3 and q_rows[1].operands == (0, 0) and q_rows[1].derivative == 2 * 0.5
assert math.isclose(q_rows[-1].derivative, 2 * 0.5 + math.cos(0.5), rel_tol=1e-15)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A new elementary function: arctan (★★★, 30 min)
# :label: ex-forward-atan
#
# Teach forward mode a function it does not know, $\arctan x$, whose derivative is
# $\frac{1}{1 + x^2}$, without touching the library. Make a **copy** of the derivative
# table (`dict(ppn.elementary.UNARY)`), add a row `"atan"` to it
# (`ppn.elementary.UnaryRule(value, derivative, formula)`), and write a small subclass of
# `ppn.Dual` that reads its derivatives from your copy (override `_unary`, and `_result`
# so that results stay of your class). Check that $\frac{d}{dx}\arctan(\tan x) = 1$, and
# compare the derivative of $x \mapsto \arctan(x^2) \sin x$ with a finite difference:
# `ppn.gradcheck.numerical_grad(f, x)` returns a tuple with one central difference
# $\big(f(x + \delta) - f(x - \delta)\big) / 2\delta$ per input of `f`, with
# $\delta = 10^{-6}$ (small enough for the error of the formula, of order $\delta^2$, and
# large enough for the rounding error, of order $10^{-16}/\delta$).
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-forward-atan
# :label: ex-forward-atan-solution
# :class: dropdown
# ```
#
# Derive the rule first: if $y = \arctan x$ then $x = \tan y$, so
# $\frac{dx}{dy} = 1 + \tan^2 y = 1 + x^2$ and $\frac{dy}{dx} = \frac{1}{1 + x^2}$. The
# subclass applies a row of its own table with the rules of task 3.2 (a zero tangent
# contributes 0, and the result goes through `_result`); every other
# operation (`+`, `*`, `ppn.sin`, …) still goes through `Dual`'s code, which builds its
# results with `_result`, so they stay `TableDual`s and carry the new function along.

# %% tags=["solution"]
from ppn.elementary import UNARY, UnaryRule
from ppn.gradcheck import numerical_grad

TABLE = dict(UNARY)  # a copy: the library's own table is left as it is
TABLE["atan"] = UnaryRule(math.atan, lambda x, y: 1.0 / (1.0 + x * x), "1/(1 + x²)")


class TableDual(ppn.Dual):
    """A dual number whose elementary functions come from TABLE."""

    __slots__ = ()

    def _result(self, primal, tangent, op, operands):
        return TableDual(primal, tangent)

    def _unary(self, name):
        row = TABLE[name]
        value = row.value(self.primal)
        slope = row.derivative(self.primal, value)
        tangent = slope * self.tangent if self.tangent else 0.0  # a zero tangent adds 0
        return self._result(value, tangent, name, (self,))


def atan(x):
    """arctan x for a TableDual (with its tangent) or a plain number."""
    return x._unary("atan") if isinstance(x, TableDual) else math.atan(x)


def r(x):
    return atan(x * x) * ppn.sin(x)


for x_k in (-1.2, 0.3, 1.0):
    identity = atan(ppn.tan(TableDual(x_k, 1.0)))
    forward = r(TableDual(x_k, 1.0)).tangent
    (numeric,) = numerical_grad(r, x_k)
    print(f"x = {x_k:+.1f}: d/dx atan(tan x) = {identity.tangent:.6f},  "
          f"r'(x) = {forward:+.6f} (finite difference {numeric:+.6f})")
    assert math.isclose(identity.tangent, 1.0, rel_tol=1e-12)
    assert math.isclose(forward, numeric, rel_tol=1e-8)
assert "atan" not in UNARY  # the library's table is untouched

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
