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
# # Backward-mode automatic differentiation
#
# Forward mode ([chapter 3](03_forward_mode.ipynb)) computes one directional derivative
# per pass: the gradient of a function of $m$ inputs costs
# $m$ passes. The cost of a neural network is one number
# that depends on tens of thousands of parameters, so forward mode would evaluate the
# network tens of thousands of times for a single step of training.
#
# **Backward mode** (also called reverse mode; *backpropagation* is its name for neural
# networks, a name made famous by [Rumelhart et al. (1986)](bibliography.md)) turns the sweep around. It
# first evaluates the function, keeping the trace, then walks the trace once from the
# output back to the inputs. That single backward pass gives the derivative of the output
# with respect to *every* variable at once.
#
# ## Adjoints
#
# Instead of the derivative of each variable with respect to one input (a tangent
# $\dot v_i$), backward mode computes the derivative of the one output $f$ with respect to
# each variable, its **adjoint**:
#
# $$ \bar v_i = \frac{\partial f}{\partial v_i} \tag{14} $$
#
# The adjoint of the output is $\bar f = \partial f / \partial f = 1$: that is the seed.
# A variable $x$ influences $f$ only through the variables $y_1, \dots, y_k$ that use it
# (its children in the graph). By the chain rule with several paths (eq. 11), its adjoint
# is the sum of its children's adjoints, each times one local derivative:
#
# $$ \bar x = \frac{\partial f}{\partial x}
#    = \sum_{i=1}^{k} \frac{\partial f}{\partial y_i} \cdot \frac{\partial y_i}{\partial x}
#    = \sum_{i=1}^{k} \bar y_i \cdot \frac{\partial y_i}{\partial x} \tag{15} $$
#
# Every child $y_i$ comes later in the trace than $x$. So if we visit the trace from the
# last variable to the first, each child's adjoint is complete before we need it, and one
# pass suffices.
#
# ```{note}
# The source document writes eq. 14 and 15 with the fractions inverted, as in its
# eq. 11 ([chapter 3](03_forward_mode.ipynb)): $\partial x / \partial z$ where
# $\partial z / \partial x$ is meant.
# This book uses the standard forms above, $\bar v_i = \partial f / \partial v_i$ and
# $\bar x = \sum_i \bar y_i \, \partial y_i / \partial x$, which are what the library
# computes.
# ```
#
# ## Table 2 by hand
#
# Take again $f(x_1, x_2) = x_2 \cos x_1 + e^{x_2}$ at $(\pi, 1)$, with the trace of
# [chapter 3](03_forward_mode.ipynb): $v_{-1} = x_1$, $v_0 = x_2$, $v_1 = \cos v_{-1}$,
# $v_2 = v_0 v_1$, $v_3 = e^{v_0}$, $v_4 = v_2 + v_3$. The forward pass gives the values
# $v_{-1} = \pi$, $v_0 = 1$, $v_1 = -1$, $v_2 = -1$, $v_3 = e$, $v_4 = e - 1$. Then, from
# the last row to the first, eq. 15:
#
# $$
# \begin{aligned}
# \bar v_4 &= 1 && \text{the seed: } \partial f / \partial f \\
# \bar v_3 &= \bar v_4 \cdot \partial v_4 / \partial v_3 = \bar v_4 \cdot 1 = 1 \\
# \bar v_2 &= \bar v_4 \cdot \partial v_4 / \partial v_2 = \bar v_4 \cdot 1 = 1 \\
# \bar v_1 &= \bar v_2 \cdot \partial v_2 / \partial v_1 = \bar v_2 \cdot v_0 = 1 \\
# \bar v_0 &= \bar v_3 \cdot \partial v_3 / \partial v_0 + \bar v_2 \cdot \partial v_2 / \partial v_0
#           = \bar v_3 \cdot e^{v_0} + \bar v_2 \cdot v_1 = e - 1 \\
# \bar v_{-1} &= \bar v_1 \cdot \partial v_1 / \partial v_{-1} = \bar v_1 \cdot (-\sin v_{-1}) = 0
# \end{aligned}
# $$
#
# The inputs' adjoints are the gradient: $\bar v_{-1} = \partial f / \partial x_1 = 0$ and
# $\bar v_0 = \partial f / \partial x_2 = e - 1$, both from one pass, as in eq. 13. Note
# $\bar v_0$: $x_2$ is used twice (by $v_2$ and by $v_3$), so its adjoint has two terms.
# A program that *assigned* each contribution instead of adding it would keep only one.
#
# ## Table 2, regenerated
#
# `ppn.reverse_trace` records $f$ on a gradient tape, runs the backward pass and returns
# one row per variable with its value and its adjoint:

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown, display

import ppn
from ppn.listing import listing
from ppn.plots import animate_trace, draw_computation_graph, pass_order, trace_table


def f(x1, x2):
    return x2 * ppn.cos(x1) + ppn.exp(x2)


point = (math.pi, 1.0)
rows = ppn.reverse_trace(f, *point)

# %% mystnb={"markdown_format": "gfm"}
Markdown(trace_table(rows, headers=["adjoint v̄ᵢ = ∂f/∂vᵢ"]))

# %%
e = math.e
adjoints = {row.index: row.derivative for row in rows}
assert adjoints[4] == 1.0  # v̄₄: the seed
assert adjoints[3] == 1.0  # v̄₃ = v̄₄ · 1
assert adjoints[2] == 1.0  # v̄₂ = v̄₄ · 1
assert adjoints[1] == 1.0  # v̄₁ = v̄₂ · v₀
assert math.isclose(adjoints[0], e - 1)  # v̄₀ = v̄₃ · e^v₀ + v̄₂ · v₁
assert abs(adjoints[-1]) < 1e-15  # v̄₋₁ = v̄₁ · (−sin π) = −1.2e−16 in floating point
print(f"∂f/∂x₁ = v̄₋₁ = {adjoints[-1]:.2g} (that is −sin π in floating point, see chapter 3)")
print(f"∂f/∂x₂ = v̄₀  = {adjoints[0]:.4f} = e − 1")

# %% [markdown]
# ```{warning}
# **The source's Table 2 prints three wrong adjoints, and a wrong index.** Its first row,
# the seed, has a garbled index: the seed is the adjoint of the output, and the output is
# $v_4$, so that row must read $\bar v_4 = \partial f / \partial v_4 = 1$, as in the table
# above. In the rows $\bar v_3$, $\bar v_2$, $\bar v_1$ it gives $e$, $-1$, $-1$:
#
# | row | the source prints | which is the value | the correct adjoint |
# |:--|:--|:--|:--|
# | $\bar v_3$ | $e$ | $v_3 = e^{v_0} = e$ | $\bar v_3 = \bar v_4 \cdot \partial v_4 / \partial v_3 = 1$ |
# | $\bar v_2$ | $-1$ | $v_2 = v_0 v_1 = -1$ | $\bar v_2 = \bar v_4 \cdot \partial v_4 / \partial v_2 = 1$ |
# | $\bar v_1$ | $-1$ | $v_1 = \cos v_{-1} = -1$ | $\bar v_1 = \bar v_2 \cdot v_0 = 1$ |
#
# Those numbers are the primal values $v_3$, $v_2$, $v_1$ of the forward pass, copied into
# the adjoint column. Had they been the adjoints, eq. 15 would give
# $\bar v_0 = \bar v_3 e^{v_0} + \bar v_2 v_1 = e \cdot e + (-1)(-1) = e^2 + 1$, not the
# $\partial f / \partial x_2 = e - 1$ of eq. 13. The library computes the correct
# adjoints, as the table above shows; the next cell checks that the source's numbers are
# indeed the values.
# ```

# %%
assert rows[-1].index == 4 and rows[-1].derivative == 1.0  # the first row: the seed, v̄₄ = 1
source_printed = {3: e, 2: -1.0, 1: -1.0}  # the source's Table 2, rows v̄₃, v̄₂, v̄₁
for row in rows:
    if row.index in source_printed:
        assert math.isclose(source_printed[row.index], row.primal)  # the value vᵢ ...
        assert not math.isclose(source_printed[row.index], row.derivative)  # ... not v̄ᵢ

# %% [markdown]
# ## The backward pass in the library
#
# `reverse_trace` is built on `ppn.Tape`, a gradient tape ([chapter 5](05_gradient_tape.ipynb)
# studies it in detail). While $f$ runs, each
# operation appends a node holding the indices of its
# parents and the local partial derivatives $\partial v_i / \partial v_p$. Because nodes
# are appended in the order they are computed, walking the list backwards visits every
# child before its parents, and the whole backward pass is one loop, the source's
# Algorithm 1. Note the `+=`: that is the sum of eq. 15.

# %% tags=["remove-input"]
listing(ppn.Tape.backward)

# %% [markdown]
# ## The graph with adjoints
#
# The same computation graph as in [chapter 3](03_forward_mode.ipynb), now with the
# adjoints. Forward mode filled it from left to right;
# backward mode fills it from right to left, once the
# values are known.

# %% mystnb={"figure": {"caption": "The computation graph of $f(x_1, x_2) = x_2 \\cos x_1 + e^{x_2}$ at $(\\pi, 1)$, drawn from `ppn.reverse_trace`: each node shows its expression, its value and its adjoint $\\bar v_i = \\partial f / \\partial v_i$. The inputs' adjoints are the gradient, $(0, e - 1)$.", "name": "fig-backward-graph"}}
fig, ax = plt.subplots(figsize=(8, 3.4))
_ = draw_computation_graph(rows, ax, derivative="adjoint", title="backward mode: Table 2")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Stepping through the backward pass
#
# In Jupyter, move the slider to follow the backward pass: at each step one adjoint
# becomes complete (highlighted) and is sent back along the orange arrows to the
# operands of its node; adjoints not yet complete show "?". (The web version of the book
# has no Python behind it and shows a note in the slider's place; the animation below
# plays the same steps.)

# %%
# NBVAL_IGNORE_OUTPUT
from ipywidgets import IntSlider, interact

backward_order = pass_order(rows, "adjoint")  # v₄, v₃, …, v₋₁


def show_step(step):
    fig, ax = plt.subplots(figsize=(8, 3.6))
    _ = draw_computation_graph(rows, ax, derivative="adjoint", step=step, title="Table 2")
    plt.show()
    display(Markdown(trace_table(rows, headers=["adjoint"], highlight=backward_order[step])))


_ = interact(show_step, step=IntSlider(min=0, max=len(rows) - 1, value=0))

# %%
# NBVAL_IGNORE_OUTPUT
backward_animation = animate_trace(
    rows, derivative="adjoint", title=r"backward mode on $f$ at $(\pi, 1)$"
)
animation_html = backward_animation.to_jshtml()
HTML(animation_html)

# %%
import re

frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,', animation_html)
assert len(frames) == len(rows) == 6  # one frame per step of the backward pass
print(f"{len(frames)} frames, one per row of Table 2, from v₄ back to v₋₁")

# %% [markdown]
# ## One backward pass, the whole gradient
#
# `ppn.grad(f)` returns the function $x \mapsto \nabla f(x)$; each call records the tape
# once and runs one backward pass. Forward mode needed one pass per input for the same
# numbers:

# %%
gradient = ppn.grad(f)(*point)
_, d_x1 = ppn.jvp(f, point, (1.0, 0.0))  # forward mode: one pass for ∂f/∂x₁ ...
_, d_x2 = ppn.jvp(f, point, (0.0, 1.0))  # ... and another for ∂f/∂x₂
# round(…, 4) + 0.0 prints the −1.2e−16 of ∂f/∂x₁ as 0.0000, not −0.0000 (chapter 3)
print(f"backward, 1 pass:  ∇f = ({round(gradient[0], 4) + 0.0:.4f}, {gradient[1]:.4f})")
print(f"forward, 2 passes: ∇f = ({round(d_x1, 4) + 0.0:.4f}, {d_x2:.4f})")

# %%
assert math.isclose(gradient[0], d_x1, abs_tol=1e-15) and math.isclose(gradient[1], d_x2)
value, same_gradient = ppn.value_and_grad(f)(*point)
assert math.isclose(value, e - 1) and same_gradient == gradient

# %% [markdown]
# ## The Jacobian, row by row
#
# For $f: \mathbb{R}^m \to \mathbb{R}^n$, recall the
# Jacobian of [chapter 3](03_forward_mode.ipynb),
#
# $$ J_f = \begin{pmatrix}
#    \frac{\partial f_1}{\partial x_1} & \cdots & \frac{\partial f_1}{\partial x_m} \\
#    \vdots & \ddots & \vdots \\
#    \frac{\partial f_n}{\partial x_1} & \cdots & \frac{\partial f_n}{\partial x_m}
#    \end{pmatrix} \tag{16} $$
#
# A forward pass seeded with one input direction gives one **column**: $m$ passes. A
# backward pass seeded with one output ($\bar f_i = 1$, the other outputs' adjoints 0)
# gives one **row**, $\nabla f_i$: $n$ passes. `ppn.jacobian(f, mode)` counts its passes
# in `.passes`; here it is for a few shapes, among them a cost of 100 parameters ($n = 1$),
# the situation of every neural network. `layer(n_inputs, n_outputs)` is eq. 4 without the
# bias, in the order of `Linear(n_inputs, n_outputs)` and of the [notation](notation.md):
# its weight matrix has one row per input and one column per neuron, so as a function it
# has $m$ = `n_inputs` inputs and $n$ = `n_outputs` outputs.

# %%
rng = np.random.default_rng(0)


def layer(n_inputs, n_outputs):
    """x ↦ tanh(x·W), W of shape (n_inputs, n_outputs) as in Linear: fixed random weights."""
    weights = rng.normal(size=(n_inputs, n_outputs)) / math.sqrt(n_inputs)

    def function(*x):
        return tuple(
            ppn.tanh(sum(float(weights[j, i]) * x[j] for j in range(n_inputs)))
            for i in range(n_outputs)
        )  # output i is neuron i of eq. 4 (without its bias): σ(Σⱼ xⱼ wⱼᵢ)

    return function


targets = rng.normal(size=100)


def cost(*w):
    """The mean squared distance of 100 parameters from their targets: a loss, n = 1."""
    return sum((w_j - float(t_j)) ** 2 for w_j, t_j in zip(w, targets, strict=True)) / len(w)


cases = [
    ("f of Table 1", f, 2, 1),
    ("a layer, 3 → 2", layer(3, 2), 3, 2),
    ("a curve, 1 → 5", layer(1, 5), 1, 5),
    ("a layer, 10 → 10", layer(10, 10), 10, 10),
    ("a cost of 100 parameters", cost, 100, 1),
]
table = [
    "| function | inputs m | outputs n | forward passes | backward passes | same Jacobian |",
    "|:--|--:|--:|--:|--:|:--|",
]
for name, function, m, n in cases:
    x = rng.normal(size=m).tolist()
    forward, backward = ppn.jacobian(function, "forward"), ppn.jacobian(function, "reverse")
    J_forward, J_backward = forward(*x), backward(*x)
    assert J_forward.shape == J_backward.shape == (n, m)
    assert forward.passes == m and backward.passes == n
    assert np.allclose(J_forward, J_backward, rtol=1e-12, atol=1e-15)
    table.append(f"| {name} | {m} | {n} | {forward.passes} | {backward.passes} | yes |")

# %% mystnb={"markdown_format": "gfm"}
Markdown("\n".join(table))

# %% [markdown]
# Both modes compute the same matrix; only the number of passes differs. When there are
# fewer outputs than inputs ($n < m$) backward mode wins, overwhelmingly so for a cost
# ($n = 1$): one backward pass instead of 100 forward passes. When there are more outputs
# than inputs, such as the curve from $\mathbb{R}$ to $\mathbb{R}^5$, forward mode wins.
# A backward pass costs a small constant multiple of one evaluation of $f$, whatever the
# number of parameters, and that is why neural networks are trained in backward mode. Its
# price is memory: the tape keeps the whole trace until the backward pass is done.
# [Griewank and Walther (2008)](bibliography.md) bound that constant (a few evaluations of $f$, whatever the
# number of inputs) and show how to trade the memory for recomputation; [Baydin et al. (2018)](bibliography.md)
# compare the two modes for machine learning.

# %% [markdown]
# ## Summary
#
# * The adjoint $\bar v_i = \partial f / \partial v_i$ is a sum over the nodes that read
#   $v_i$ (eq. 15); walking the trace backwards, each adjoint is complete when it is reached.
# * One backward pass gives the whole gradient. The source's Table 2 prints values where
#   its adjoints belong; `ppn.reverse_trace` computes the right ones.
# * For $f: \mathbb{R}^m \to \mathbb{R}^n$ forward mode fills the Jacobian in $m$ passes and
#   backward mode in $n$: for a cost, one number, backward mode wins.
#
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 4.1: the backward loop (Algorithm 1) (`ppn/tape.py`: `Tape.backward`)
# * 4.2: the gradient of the inputs from one backward pass (`ppn/tape.py`: `Tape.gradient`)
#
# Check them with `pytest tests/tasks -k TestTask4_`, or here with
# `import ppn.tasks` and `ppn.tasks.check("4.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} Table 2 at another point
# :label: ex-backward-table
#
# Compute Table 2 by hand at the point $(x_1, x_2) = (\pi/2, 2)$ and check it with
# `ppn.reverse_trace(f, math.pi / 2, 2.0)`. Which adjoints have two terms, and why?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-backward-table
# :label: ex-backward-table-solution
# :class: dropdown
# ```
#
# The values are those of the exercise of [chapter 3](03_forward_mode.ipynb):
# $v_1 = \cos(\pi/2) = 0$, $v_2 = 0$, $v_3 = v_4 = e^2$.
# From the output backwards, with eq. 15:
#
# $$
# \begin{aligned}
# \bar v_4 &= 1, \qquad \bar v_3 = \bar v_4 \cdot 1 = 1, \qquad \bar v_2 = \bar v_4 \cdot 1 = 1, \\
# \bar v_1 &= \bar v_2 \cdot v_0 = 2, \\
# \bar v_0 &= \bar v_3 \cdot e^{v_0} + \bar v_2 \cdot v_1 = e^2 + 0 = e^2, \\
# \bar v_{-1} &= \bar v_1 \cdot (-\sin v_{-1}) = -2 .
# \end{aligned}
# $$
#
# So $\nabla f(\pi/2, 2) = (-2, e^2)$, as forward mode found with two passes. Only
# $\bar v_0$ has two terms: $v_0 = x_2$ is used by two operations ($v_2 = v_0 v_1$ and
# $v_3 = e^{v_0}$), so two paths lead from it to the output, and eq. 15 sums one term per
# path. Every other variable is used once.

# %% tags=["solution"]
e2 = math.exp(2)
by_hand = {4: 1.0, 3: 1.0, 2: 1.0, 1: 2.0, 0: e2, -1: -2.0}
other = ppn.reverse_trace(f, math.pi / 2, 2.0)
subscripts = {-1: "₋₁", 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄"}
for row in other:
    print(f"v̄{subscripts[row.index]:2} = {row.derivative:+.4f}   (by hand {by_hand[row.index]:+.4f})")
    assert math.isclose(row.derivative, by_hand[row.index], rel_tol=1e-15)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A cube, and why adjoints accumulate
# :label: ex-backward-cube
#
# Draw the graph of $p(x) = x \cdot x \cdot x$ at $x = 2$ with `draw_computation_graph` and
# a reverse trace. Predict each adjoint from eq. 15, and check that $\bar x = 3x^2$. Which
# contributions would be lost if `Tape.backward` assigned (`=`) instead of accumulating
# (`+=`)? Run such a loop over the tape's `parents` and `partials` to see.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-backward-cube
# :label: ex-backward-cube-solution
# :class: dropdown
# ```
#
# The trace is $v_1 = v_0 \cdot v_0 = 4$ and $v_2 = v_1 \cdot v_0 = 8$. Backwards:
# $\bar v_2 = 1$; $\bar v_1 = \bar v_2 \cdot v_0 = 2$; and $v_0$ is used three times (twice
# by $v_1$, once by $v_2$), so
# $\bar v_0 = \bar v_2 \cdot v_1 + \bar v_1 \cdot v_0 + \bar v_1 \cdot v_0 = 4 + 4 + 4 = 12
# = 3 \cdot 2^2$.
#
# An assigning loop keeps only the **last** contribution that reaches $v_0$: node 2 sets
# $\bar v_0 = 4$, then node 1 overwrites it with $4$ twice. The answer, 4, is $x^2$
# instead of $3x^2$: two of the three paths are lost.

# %% tags=["solution"]
def p(x):
    return x * x * x


cube_rows = ppn.reverse_trace(p, 2.0)
fig, ax = plt.subplots(figsize=(6.5, 2.8))
_ = draw_computation_graph(cube_rows, ax, derivative="adjoint", title=r"$p(x) = x \cdot x \cdot x$ at $x = 2$")
fig.tight_layout()
plt.show()

with ppn.Tape() as cube_tape:
    x = cube_tape.var(2.0)
    cube = p(x)
assigned = [0.0] * len(cube_tape)
assigned[cube.index] = 1.0
for i in range(cube.index, -1, -1):
    for parent, partial in zip(cube_tape.parents[i], cube_tape.partials[i], strict=True):
        assigned[parent] = assigned[i] * partial  # = instead of +=: the bug
print(f"adjoints v̄₀, v̄₁, v̄₂: {[row.derivative for row in cube_rows]}; 3x² = {3 * 2.0**2}")
print(f"with = instead of +=: x̄ = {assigned[0]}")
assert [row.derivative for row in cube_rows] == [12.0, 2.0, 1.0]
assert assigned[0] == 4.0

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Which mode for which Jacobian
# :label: ex-backward-jacobian
#
# For the curve $c(t) = (\cos t, \sin t, t^2, e^t, \tanh t)$, write its Jacobian by hand,
# compute it in both modes at $t = 0.5$, and compare their `.passes`. Then, for a function
# $\mathbb{R}^m \to \mathbb{R}^n$ of your own, find the rule that says which mode to use.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-backward-jacobian
# :label: ex-backward-jacobian-solution
# :class: dropdown
# ```
#
# The Jacobian of $c$ is one column, $(-\sin t, \cos t, 2t, e^t, 1 - \tanh^2 t)$: one input,
# five outputs. Forward mode gets it in **one** pass (one seed, $\dot t = 1$); backward
# mode needs **five**, one per output. The rule: forward mode costs $m$ passes (inputs),
# backward mode $n$ (outputs), so use forward mode when $m < n$ and backward mode when
# $n < m$. For $s(x_1, x_2, x_3) = x_1 x_2 x_3$, from $\mathbb{R}^3$ to $\mathbb{R}$, it is
# the other way round: 3 forward passes, 1 backward pass.

# %% tags=["solution"]
def curve(t):
    return ppn.cos(t), ppn.sin(t), t * t, ppn.exp(t), ppn.tanh(t)


t = 0.5
by_hand = np.array([[-math.sin(t)], [math.cos(t)], [2 * t], [math.exp(t)], [1 - math.tanh(t) ** 2]])
forward, backward = ppn.jacobian(curve, "forward"), ppn.jacobian(curve, "reverse")
J_forward, J_backward = forward(t), backward(t)
print(f"the curve, 1 → 5: {forward.passes} forward pass, {backward.passes} backward passes")
assert np.allclose(J_forward, by_hand, rtol=1e-15) and np.allclose(J_backward, by_hand, rtol=1e-15)
assert (forward.passes, backward.passes) == (1, 5)

product_forward, product_backward = ppn.jacobian(lambda a, b, c: a * b * c, "forward"), ppn.jacobian(lambda a, b, c: a * b * c, "reverse")
assert np.allclose(product_forward(1.0, 2.0, 3.0), [[6.0, 3.0, 2.0]])
assert np.allclose(product_backward(1.0, 2.0, 3.0), [[6.0, 3.0, 2.0]])
print(f"x₁x₂x₃, 3 → 1: {product_forward.passes} forward passes, {product_backward.passes} backward pass")
assert (product_forward.passes, product_backward.passes) == (3, 1)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The source's mistake, on purpose
# :label: ex-backward-source-mistake
#
# Reproduce the source's Table 2: put its values $e, -1, -1$ in the rows
# $\bar v_3, \bar v_2, \bar v_1$ and continue the backward pass with eq. 15 to $\bar v_0$
# and $\bar v_{-1}$. What gradient do you get, and which check of this chapter catches it?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-backward-source-mistake
# :label: ex-backward-source-mistake-solution
# :class: dropdown
# ```
#
# Continuing with the wrong adjoints:
# $\bar v_0 = \bar v_3 \cdot e^{v_0} + \bar v_2 \cdot v_1 = e \cdot e + (-1)(-1) = e^2 + 1
# \approx 8.39$ and $\bar v_{-1} = \bar v_1 \cdot (-\sin \pi) \approx 0$. The gradient
# $(0, e^2 + 1)$ is wrong in its second entry: it should be $e - 1 \approx 1.72$. Every
# independent check catches it: forward mode (`ppn.jvp` with the seed $(0, 1)$, the
# comparison of the "one backward pass" section), a finite difference, or eq. 13 by hand.

# %% tags=["solution"]
from ppn.gradcheck import numerical_grad

values = {row.index: row.primal for row in rows}  # the trace at (π, 1)
wrong = {3: e, 2: -1.0, 1: -1.0}  # the source's v̄₃, v̄₂, v̄₁
wrong[0] = wrong[3] * math.exp(values[0]) + wrong[2] * values[1]  # v̄₀ = v̄₃·e^v₀ + v̄₂·v₁
wrong[-1] = wrong[1] * -math.sin(values[-1])  # v̄₋₁ = v̄₁·(−sin v₋₁)
_, forward_x2 = ppn.jvp(f, point, (0.0, 1.0))
_, numeric_x2 = numerical_grad(f, *point)
print(f"with the source's adjoints: ∂f/∂x₂ = v̄₀ = {wrong[0]:.4f} (e² + 1 = {e**2 + 1:.4f})")
print(f"forward mode: {forward_x2:.4f}, finite difference: {numeric_x2:.4f}, e − 1 = {e - 1:.4f}")
assert math.isclose(wrong[0], e**2 + 1) and abs(wrong[-1]) < 1e-15
assert math.isclose(forward_x2, e - 1) and math.isclose(numeric_x2, e - 1, rel_tol=1e-8)
assert not math.isclose(wrong[0], forward_x2, rel_tol=0.1)  # the check fails loudly

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A vector-Jacobian product in one pass
# :label: ex-backward-vjp
#
# Forward mode has `ppn.jvp`, $J \dot x$ in one pass. Extend ppn with its backward
# counterpart: write `vjp(f, xs, v)` that returns $v^\top J$ for a function with several
# outputs, with **one** backward pass on one `ppn.Tape` whatever the number of outputs.
# (Hint: $v^\top J$ is the gradient of the scalar $\sum_i v_i f_i$.) Check it against
# `v @ ppn.jacobian(function, "reverse")(*xs)` on the curve of the previous exercise and on a
# function of three inputs and two outputs.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-backward-vjp
# :label: ex-backward-vjp-solution
# :class: dropdown
# ```
#
# Entry $j$ of $v^\top J$ is $\sum_i v_i \frac{\partial f_i}{\partial x_j}
# = \frac{\partial}{\partial x_j} \sum_i v_i f_i$, because the $v_i$ are constants. So record
# $f$ and the weighted sum $z = \sum_i v_i f_i$ on the tape, and one backward pass from $z$
# gives all of $v^\top J$. Seeding the output adjoints with $v$ instead of 1 is exactly
# what a neural network's backward pass does with a vector of costs. With
# $v = e_i$ it returns row $i$ of $J$: `ppn.jacobian(f, "reverse")` is $n$ such passes.

# %% tags=["solution"]
def vjp(function, xs, v):
    """(f(x), vᵀJ): the outputs and the vector-Jacobian product, from one backward pass."""
    with ppn.Tape() as tape:
        inputs = [tape.var(x) for x in xs]
        outputs = function(*inputs)
        weighted = sum(float(v_i) * y_i for v_i, y_i in zip(v, outputs, strict=True))
    values = tuple(y.value for y in outputs)
    return values, np.array(tape.gradient(weighted, inputs))


def g3(x1, x2, x3):
    return x1 * x2, ppn.sin(x3) + x1


checks = [(curve, (0.5,), [1.0, -2.0, 0.5, 3.0, 1.0]), (g3, (2.0, 3.0, 0.0), [1.0, 10.0])]
for function, xs, v in checks:
    _, product = vjp(function, xs, v)
    expected = np.array(v) @ ppn.jacobian(function, "reverse")(*xs)
    print(f"{function.__name__}: vᵀJ = ({', '.join(f'{p:.4f}' for p in product)}), "
          f"from the Jacobian: ({', '.join(f'{p:.4f}' for p in expected)})")
    assert np.allclose(product, expected, rtol=1e-14)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
