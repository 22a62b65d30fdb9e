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
# # The gradient tape
#
# [Chapter 4](04_backward_mode.ipynb) computed adjoints by walking the trace of a function
# backwards, and let `ppn.reverse_trace` do it for us.
# This chapter opens the box. A program does not hand
# us its trace: we have to **record** it while the function runs, in a data structure
# that the backward pass can walk. That structure is the **gradient tape**, also called
# a *Wengert list*, after [Wengert (1964)](bibliography.md), whose program evaluated derivatives by
# breaking a formula into such a list: one entry per elementary operation, in the order
# the operations ran.
#
# The first half of the chapter builds the tape of scalar operations that `ppn.Tape`
# implements; the second half replaces numbers by arrays, so that one node of the tape
# is a whole matrix product, which is what makes training a real network possible.
#
# ## Recording a tape
#
# The same example as in [chapter 3](03_forward_mode.ipynb) and
# [chapter 4](04_backward_mode.ipynb), $f(x_1, x_2) = x_2 \cos x_1 + e^{x_2}$ at
# $(\pi, 1)$. Inside `with ppn.Tape() as tape:`, `tape.var` creates the input variables,
# and every operation on them is recorded:

# %%
import math
import re
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown

import ppn
from ppn import data, losses
from ppn.gradcheck import check_grad
from ppn.listing import listing
from ppn.nn import MLP
from ppn.plots import animate_reverse_loop, draw_adjoint_vector, draw_computation_graph
from ppn.tensor import Tensor, unbroadcast

with ppn.Tape() as tape:
    x1, x2 = tape.var(math.pi), tape.var(1.0)
    y = x2 * ppn.cos(x1) + ppn.exp(x2)

print(tape)
print(f"f(π, 1) = {y.value:.4f} = e − 1;  y is node {y.index} of the tape")

# %% [markdown]
# Six nodes: the two inputs and the four operations $\cos$, $\times$, $\exp$ and $+$.
# Each node is three entries in three parallel lists: `tape.ops[i]`, the name of the
# operation (kept only for printing), `tape.parents[i]`, the indices of the nodes it
# read, and `tape.partials[i]`, the local partial derivative $\partial w_i / \partial w_p$
# towards each parent $p$, computed during the forward pass. Printed as a table, this is
# the source's figure 11:


# %%
def rounded(number, digits=4):
    """A partial derivative for printing: −1.2e−16 (that is −sin π) shows as 0."""
    return f"{round(number, digits) + 0.0:g}"


def tape_table(tape, names):
    """The tape as a Markdown table, read from its three lists."""
    lines = [
        "| node i | variable | operation | parents p | partials ∂wᵢ/∂w_p |",
        "|--:|:--|:--|:--|:--|",
    ]
    for i, (op, parents, partials) in enumerate(
        zip(tape.ops, tape.parents, tape.partials, strict=True)
    ):
        parent_list = ", ".join(str(p) for p in parents) or "—"
        partial_list = ", ".join(rounded(d) for d in partials) or "—"
        lines.append(f"| {i} | {names[i]} | {op} | {parent_list} | {partial_list} |")
    return "\n".join(lines)


names = ["x₁", "x₂", "cos x₁", "x₂ · cos x₁", "exp x₂", "f = x₂ · cos x₁ + exp x₂"]

# %% mystnb={"markdown_format": "gfm"}
Markdown(tape_table(tape, names))

# %% [markdown]
# Read node 3, $w_3 = w_1 \cdot w_2$: its parents are nodes 1 ($x_2$) and 2
# ($\cos x_1$), and the partials are $\partial w_3 / \partial w_1 = w_2 = \cos \pi = -1$
# and $\partial w_3 / \partial w_2 = w_1 = 1$. Node 2's partial,
# $\partial \cos x_1 / \partial x_1 = -\sin \pi$, is $-1.2 \times 10^{-16}$ in floating
# point, not exactly 0 ([chapter 3](03_forward_mode.ipynb) explains why); the table
# rounds it.
#
# **What the tape does not store: the values.** A node keeps no $w_i$, no reference to
# its parents as objects, no closure. The backward pass needs nothing else than "whom do
# I send my adjoint to, and multiplied by what", which is exactly the parents and the
# partials. The values were needed once, in the forward pass, to *compute* the partials
# (the partial of $w_1 \cdot w_2$ towards $w_1$ is the value of $w_2$ at that moment);
# after that they are dead weight. The value lives in the `Var` object the program holds
# (`y.value`), and disappears when the program drops it. So the tape's memory is just a
# few numbers per operation, and the backward pass is a loop over plain lists.

# %%
assert tape.parents == [(), (), (0,), (1, 2), (1,), (3, 4)]
assert tape.ops == ["input", "input", "cos", "mul", "exp", "add"]
assert tape.partials[3] == (-1.0, 1.0) and tape.partials[4] == (math.e,)

# %% [markdown]
# ## Operator overloading: how `x2 * ppn.cos(x1)` records itself
#
# We wrote the function as ordinary Python; nothing in `x2 * ppn.cos(x1) + ppn.exp(x2)`
# mentions a tape. The trick is **operator overloading**: `x1` and `x2` are not floats
# but `ppn.Var` objects, and Python turns `x2 * c` into the method call
# `x2.__mul__(c)`. `Var` defines `__mul__` (and `__add__`, `__sub__`, `__truediv__`,
# `__pow__`, with their mirrored versions `__rmul__` … for `3 * x`) so that each
# operation computes its value **and** appends a node. The general path, for any
# operator and any mix of variables and constants, is `Var._binary`:

# %% tags=["remove-input"]
listing(ppn.Var._binary)

# %% [markdown]
# A network is mostly `+` and `×` between two variables, so those two take a short path:
# the same row of the table, none of the checks that only constants or mixed tapes need,
# and `record`'s three appends done in place, which makes a node cheaper (the cell after
# the listing measures by how much). One small function writes
# that method once, and `Var.__add__` and `Var.__mul__` are
# `_short_path("add")` and `_short_path("mul")`:

# %% tags=["remove-input"]
listing(ppn.tape._short_path)


# %%
# NBVAL_IGNORE_OUTPUT
def seconds_to_record(multiply, count=50_000):
    """The time to record `count` products of two variables of one tape with multiply(x, y)."""
    with ppn.Tape() as timing_tape:
        x, y = timing_tape.var(1.5), timing_tape.var(2.0)
        start = time.perf_counter()
        for _ in range(count):
            multiply(x, y)
        return time.perf_counter() - start


short_path = general_path = math.inf
for _ in range(5):  # interleaved, the best of five: a loaded machine disturbs single runs
    short_path = min(short_path, seconds_to_record(lambda x, y: x * y))
    general_path = min(general_path, seconds_to_record(lambda x, y: x._binary("mul", x, y)))
print(f"one product node: {short_path / 50_000 * 1e9:.0f} ns by the short path (x * y), "
      f"{general_path / 50_000 * 1e9:.0f} ns by Var._binary")  # fmt: skip

# %%
assert short_path < general_path  # the short path is the cheaper one

# %% [markdown]
# The partials come from the rule table of `ppn.elementary`, the same table forward mode
# uses (for `mul`: $\partial (xy)/\partial x = y$, $\partial (xy)/\partial y = x$), so
# the two modes cannot disagree. A constant operand, like the 3 in `3 * x`, gets no node
# and no partial: only variables are parents. Functions such as `ppn.cos` work the same
# way: given a `Var`, they call its `_unary` method, which records one node with one
# partial:

# %% tags=["remove-input"]
listing(ppn.Var._unary)

# %% [markdown]
# ## Algorithm 1: the backward pass
#
# With the tape recorded, the whole backward pass is one loop. Number the nodes
# $w_0, \dots, w_{N-1}$ in the order they were recorded; the output is the last one.
# Each node's adjoint $\nabla[i] = \partial f / \partial w_i$ is a sum over the nodes that
# read $w_i$ (eq. 15), and all of those come *later* in the tape. So, walking the tape
# from the last node to the first, each adjoint is complete when we reach its node, and
# we can pass it on to the node's parents:
#
# ```text
# Algorithm 1 (backward pass over a tape of N nodes; the output is node N − 1)
#     ∇ ← (0, …, 0);  ∇[N − 1] ← 1                 # the seed: ∂f/∂f = 1
#     for i = N − 1 down to 0:                      # every node, the last one first
#         for each parent p of node i:
#             ∇[p] ← ∇[p] + ∇[i] · ∂wᵢ/∂w_p          # eq. 15, one term
#     return ∇                                      # ∇[k] = ∂f/∂w_k for every node k
# ```
#
# And here is `ppn.Tape.backward`, the library's real code, which is that loop:

# %% tags=["remove-input"]
listing(ppn.Tape.backward)

# %% [markdown]
# `range(output.index, -1, -1)` counts down from the output's index to 0 **inclusive**
# (the stop value $-1$ is excluded). The `+=` is the sum of eq. 15. Two things are added
# to the pseudo-code. The `continue` on a zero adjoint skips nodes that do not influence
# the output (and avoids computing $0 \cdot \infty$, which would be `nan`). And "for each
# parent" is written out for the nodes the table makes, with one or two parents: a
# general loop over the parents, `zip(node_parents, node_partials)`, costs as much per
# node as all the arithmetic, and the last branch keeps it for a node with more parents
# (which only a hand-made `record` can create).
#
# ```{note}
# **The source's Algorithm 1 is garbled in three places.**
# - Its inner update mixes up the indices of the node and of its parent.
# - Its inner loop, `j ← 0 to |P|`, is off by one: a node has $|P|$ parents, numbered
#   $0$ to $|P| - 1$, so read literally the loop makes one step too many, towards a parent
#   that does not exist.
# - Its initialisation $\nabla \leftarrow \{0\}_0^{|W|}$ makes $|W| + 1$ zeros, one more
#   than the $|W|$ nodes $w_0, \dots, w_{|W| - 1}$ of the tape; the vector needs $|W|$
#   entries, as in the pseudo-code above ($N$ there is $|W|$).
#
# The intended step, the one the code above implements, is: *for each node $i$ from the
# last to the first, for each parent $p$ of $i$,
# $\nabla[p] \mathrel{+}= \nabla[i] \cdot \partial w_i / \partial w_p$*; the outer loop
# runs down to the first node included, since the inputs are the nodes whose adjoints we
# want.
# ```
#
# Running it on our tape:

# %%
adjoints = tape.backward(y)
print("∇ =", [rounded(a) for a in adjoints])
print(f"∂f/∂x₁ = ∇[0] = {rounded(adjoints[0])},  ∂f/∂x₂ = ∇[1] = {adjoints[1]:.4f} = e − 1")

# %%
assert abs(adjoints[0]) < 1e-15 and math.isclose(adjoints[1], math.e - 1)
assert tape.gradient(y, [x1, x2]) == [adjoints[0], adjoints[1]]
assert list(ppn.grad(lambda a, b: b * ppn.cos(a) + ppn.exp(b))(math.pi, 1.0)) == adjoints[:2]

# %% [markdown]
# ### Stepping through the loop
#
# To watch the loop work, here it is once more with a `yield` after each node, so that
# we can take a copy of the adjoint vector $\nabla$ at every step. This copy exists only
# to look inside; the next cell checks that it ends exactly where `Tape.backward` does.


# %%
def reverse_loop_steps(tape, output):
    """Tape.backward's loop, pausing after each node i: yields (i, a copy of ∇)."""
    adjoints = [0.0] * (output.index + 1)
    adjoints[output.index] = 1.0
    for i in range(output.index, -1, -1):
        for parent, partial in zip(tape.parents[i], tape.partials[i], strict=True):
            adjoints[parent] += adjoints[i] * partial
        yield i, list(adjoints)


steps = list(reverse_loop_steps(tape, y))
rows = ppn.reverse_trace(lambda a, b: b * ppn.cos(a) + ppn.exp(b), math.pi, 1.0)  # names, graph
for i, vector in steps:
    print(f"after node {i}: ∇ = [{', '.join(f'{rounded(a):>7}' for a in vector)}]")

# %%
assert steps[-1][1] == tape.backward(y)  # the same numbers, bit for bit

# %% [markdown]
# Follow $\nabla[1]$, the adjoint of $x_2$: it is still 0 after node 5, becomes $e$
# after node 4 ($e^{x_2}$ sends back $1 \cdot e^{x_2}$), and $e - 1$ after node 3
# ($x_2 \cos x_1$ sends back $1 \cdot \cos \pi = -1$). $x_2$ is used twice, so its
# adjoint receives two contributions and must **accumulate** them; a loop that assigned
# with `=` would lose one. After node 1 nothing changes any more: inputs have no parents.
#
# In Jupyter, the slider steps through the loop: the graph
# of [chapter 4](04_backward_mode.ipynb) on the left (the
# orange node is the one being processed, its adjoint sent back along the orange
# arrows), the vector $\nabla$ on the right (dark bars are final, light ones still
# partial sums, the outlined ones just received a contribution). The web version of the
# book has no Python behind it and shows a note in the slider's place; the animation
# after it plays all the steps.

# %%
# NBVAL_IGNORE_OUTPUT
from ipywidgets import IntSlider, interact


def show_step(step):
    node, vector = steps[step]
    fig, (ax_graph, ax_vector) = plt.subplots(1, 2, figsize=(11, 3.6), width_ratios=[1.5, 1])
    _ = draw_computation_graph(rows, ax_graph, derivative="adjoint", step=step,
                               show=("derivative",))  # fmt: skip
    _ = draw_adjoint_vector(rows, vector, node, ax_vector)
    fig.tight_layout()
    plt.show()


_ = interact(show_step, step=IntSlider(min=0, max=len(steps) - 1, value=0))

# %%
# NBVAL_IGNORE_OUTPUT
animation_html = animate_reverse_loop(rows, steps).to_jshtml()
HTML(animation_html)

# %%
frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,', animation_html)
assert len(frames) == len(steps) == len(tape) == 6
print(f"{len(frames)} frames, one per node, from node {steps[0][0]} back to node {steps[-1][0]}")

# %% [markdown]
# ## A reused variable accumulates
#
# The smallest test of accumulation: $x \cdot x$. Its tape has one multiplication whose
# two parents are the **same** node, so the loop visits the parent twice, once per
# operand, and adds $x$ twice:

# %%
with ppn.Tape() as square_tape:
    x = square_tape.var(3.0)
    square = x * x

print("parents:", square_tape.parents, " partials:", square_tape.partials)
(d_square,) = square_tape.gradient(square, [x])
print(f"d(x·x)/dx at 3 = {d_square} = 2·3")

# %%
assert square_tape.parents[1] == (0, 0) and d_square == 6.0

# %% [markdown]
# ## A chain a million operations deep
#
# The backward pass is a `for` loop, not a recursion: it never asks Python to call a
# function inside a function inside a function. An engine that walks the graph
# recursively (as micrograd does, to sort it) hits Python's recursion limit (about 1,000
# nested calls by default) on a chain a few thousand operations long. The tape does not
# care. Here $x$ is multiplied a million times by $c = 0.999999$, so $y = c^{10^6} x$ and
# $dy/dx = c^{10^6} = (1 - 10^{-6})^{10^6} \approx 1/e$:

# %%
with ppn.Tape() as long_tape:
    x = long_tape.var(2.0)
    chain = x
    for _ in range(1_000_000):
        chain = 0.999999 * chain

(d_chain,) = long_tape.gradient(chain, [x])
print(f"nodes on the tape: {len(long_tape):,}")
print(
    f"dy/dx = {d_chain:.6f},  0.999999 ** 1e6 = {0.999999**1_000_000:.6f},  1/e = {1 / math.e:.6f}"
)

# %%
assert len(long_tape) == 1_000_001 and math.isclose(d_chain, 0.999999**1_000_000, rel_tol=1e-9)
del long_tape, chain  # a million nodes: free the memory

# %% [markdown]
# ## Summary
#
# * A tape (a Wengert list) records, for each operation, its parents' indices and the local
#   partial derivatives, not the values; operator overloading records it as ordinary Python
#   code runs.
# * Algorithm 1 is one reverse loop with `+=`: a variable used twice gets both
#   contributions, and a chain of any depth needs no recursion.
# * A tensor node holds a whole array, and its rule is a vector-Jacobian product (for
#   $Y = AB$: $\bar A = \bar Y B^\top$, $\bar B = A^\top \bar Y$); `unbroadcast` sums the
#   adjoint of a broadcast operand back to its shape.
# * Finite differences check a gradient (`ppn.gradcheck.check_grad`).
#
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 5.1: recording a node on the tape (`ppn/tape.py`: `Tape.record`)
# * 5.2: operator overloading: x ∘ y records a node (`ppn/tape.py`: `Var._binary`)
# * 5.3: f(x) records a node with its partial f'(x) (`ppn/tape.py`: `Var._unary`)
# * 6.1: the VJPs of the matrix product (`ppn/tensor.py`: `_matmul_vjp_a`, `_matmul_vjp_b`)
# * 6.2: the VJPs of the element-wise +, −, ×, ÷ (`ppn/tensor.py`: the rows `add`, …, `div` of `VJP`)
# * 6.3: the VJPs of the activations tanh, sigmoid, relu (`ppn/tensor.py`: the rows `tanh`, `sigmoid`, `relu` of `VJP`)
# * 6.4: a broadcast add, backwards: unbroadcast (`ppn/tensor.py`: `unbroadcast`)
#
# Check them with `pytest tests/tasks -k TestTask5_`, or here with
# `import ppn.tasks` and `ppn.tasks.check("5.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} A new elementary function: softplus
# :label: ex-tape-softplus
#
# Teach ppn the **softplus** $s(x) = \log(1 + e^x)$, a smooth ReLU, without editing the
# library. Derive $s'(x)$ by hand. On the scalar tape, write `softplus(x)` for a `ppn.Var`
# that records **one** node with its local partial, using `x.tape.record(op, parents,
# partials, value)` (the method every operation uses); check it with `ppn.grad` against
# your formula and, inside a larger expression, against `ppn.gradcheck.numerical_grad`.
# For tensors, build it from existing operations and check it with `check_grad` and
# against your formula.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-softplus
# :label: ex-tape-softplus-solution
# :class: dropdown
# ```
#
# By the chain rule, $s'(x) = \frac{e^x}{1 + e^x} = \frac{1}{1 + e^{-x}} = \sigma(x)$: the
# derivative of softplus is the sigmoid. On the scalar tape a new function is one node: its
# value, its parent's index and its partial $\sigma(x)$, exactly what figure 11 says a node
# holds; the backward loop needs nothing more. (The value is computed as
# $\max(x, 0) + \log(1 + e^{-|x|})$, the same number written so that $e^x$ cannot overflow.)
#
# For tensors, `(1 + t.exp()).log()` records two nodes, `exp` and `log`, whose rules the
# engine already has; their product is again $\frac{1}{1 + e^x} \cdot e^x = \sigma(x)$. A
# row in the library's tables would be a single node and would avoid the overflow of
# $e^x$ for $x > 709$; the composition is enough to check the calculus.

# %% tags=["solution"]
from ppn.gradcheck import numerical_grad


def softplus(x):
    """log(1 + eˣ): one tape node with partial σ(x) for a Var, a float for a number."""
    if isinstance(x, ppn.Var):
        value = max(x.value, 0.0) + math.log1p(math.exp(-abs(x.value)))
        return x.tape.record("softplus", (x.index,), (ppn.sigmoid(x.value),), value)
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


for x_k in (-30.0, -1.0, 0.0, 2.5, 800.0):
    (derivative,) = ppn.grad(softplus)(x_k)
    assert derivative == ppn.sigmoid(x_k), x_k  # the rule, σ(x)


def uses_softplus(a, b):
    return softplus(a * b) * ppn.sin(b)


with ppn.Tape() as softplus_tape:
    a, b = softplus_tape.var(0.7), softplus_tape.var(-1.3)
    uses_softplus(a, b)
print(f"the tape: {softplus_tape.ops}")
reverse = ppn.grad(uses_softplus)(0.7, -1.3)
numeric = numerical_grad(uses_softplus, 0.7, -1.3)
print(f"∇ by the tape: ({reverse[0]:.6f}, {reverse[1]:.6f}); finite differences: ({numeric[0]:.6f}, {numeric[1]:.6f})")
assert softplus_tape.ops.count("softplus") == 1
assert np.allclose(reverse, numeric, rtol=1e-8)

t = Tensor(np.random.default_rng(1).normal(size=(3, 4)) * 3, requires_grad=True)
(1 + t.exp()).log().sum().backward()
check_grad(lambda u: (1 + u.exp()).log().sum(), t.data)  # raises if backward() is wrong
print(f"tensors: check_grad passes; the gradient is σ(x): {np.allclose(t.grad, ppn.sigmoid(t.data))}")
assert np.allclose(t.grad, ppn.sigmoid(t.data), rtol=1e-12)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Reading tapes
# :label: ex-tape-read
#
# Print the tape (with this chapter's `tape_table`) of $g(x) = x \cdot x \cdot x$ and of
# $h(x) = \sin(x)^2 + \cos(x)^2$ at $x = 0.5$. Predict the adjoint vector after each node,
# and check with `reverse_loop_steps`. Since $h = 1$, $h'(x) = 0$: is the computed
# $h'(0.5)$ zero only up to rounding, or exactly? Explain from the partials on the tape.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-read
# :label: ex-tape-read-solution
# :class: dropdown
# ```
#
# For $g$: node 1 is $w_1 = w_0 \cdot w_0$ with parents $(0, 0)$ and partials $(x, x)$, node
# 2 is $w_2 = w_1 \cdot w_0$ with partials $(x, x^2) = (0.5, 0.25)$. Backwards: after node 2,
# $\nabla = (0.25, 0.5, 1)$; after node 1, $\nabla[0]$ receives $0.5 \cdot 0.5$ twice:
# $(0.75, 0.5, 1)$, and $g'(0.5) = 3 \cdot 0.5^2 = 0.75$.
#
# For $h$ the tape is $\sin$, pow, $\cos$, pow, add. The two contributions that reach $x$
# are $(2 \sin x) \cdot \cos x$ and $(2 \cos x) \cdot (-\sin x)$. They are exactly opposite
# in floating point: both multiply the same two rounded numbers $\sin x$ and $\cos x$ (in
# another order, and multiplication is commutative in floating point too), the factor 2
# is exact, and the sign is exact. So $h'(0.5)$ is exactly $0.0$, not $10^{-17}$.

# %% tags=["solution"]
with ppn.Tape() as g_tape:
    x = g_tape.var(0.5)
    g_out = x * x * x
with ppn.Tape() as h_tape:
    x = h_tape.var(0.5)
    h_out = ppn.sin(x) ** 2 + ppn.cos(x) ** 2

# %% mystnb={"markdown_format": "gfm"} tags=["solution"]
Markdown(tape_table(g_tape, ["x", "x · x", "x · x · x"]) + "\n\n"
         + tape_table(h_tape, ["x", "sin x", "sin² x", "cos x", "cos² x", "h = sin² x + cos² x"]))

# %% tags=["solution"]
g_steps = [vector for _, vector in reverse_loop_steps(g_tape, g_out)]
h_steps = [vector for _, vector in reverse_loop_steps(h_tape, h_out)]
print("g, ∇ after each node:", g_steps)
print(f"h'(0.5) = {h_steps[-1][0]!r}")
assert g_steps == [[0.25, 0.5, 1.0], [0.75, 0.5, 1.0], [0.75, 0.5, 1.0]]
assert h_steps[-1][0] == 0.0  # exactly

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} What if the loop assigned?
# :label: ex-tape-assign
#
# Write a copy of `reverse_loop_steps` that **assigns**
# (`adjoints[parent] = adjoints[i] * partial`) instead of accumulating. Which gradients
# become wrong: the example $f$, $x \cdot x$, a small MLP on the scalar tape (use
# `scalar_forward` on `MLP([4, 3, 2])` and two inputs)? Which stay right, and why?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-assign
# :label: ex-tape-assign-solution
# :class: dropdown
# ```
#
# An assignment keeps only the last contribution that reaches a node, so a gradient
# stays right exactly when every variable is used **once** (one path to the output). In
# $f$, $x_2$ is used twice (by $\times$ and $\exp$): the loop visits the $\exp$ node first,
# which sets $\bar x_2 = e$, then the product, which overwrites it with $\cos \pi = -1$;
# the right value, $e - 1$, is their sum. In $x \cdot x$ the derivative becomes $x$
# instead of $2x$. In an MLP almost everything is reused: each input feeds every hidden
# neuron, each hidden value every output, each weight every image of the batch: here all
# 23 of its gradients are wrong. A chain such as $0.999999 \cdot (0.999999 \cdot \dots x)$,
# where each node is used once, stays right.
#
# The slip is easy to make and easy to miss, since a test on an expression without
# reuse passes. It happened in the video lecture in which Andrej Karpathy builds
# micrograd: one backward rule was first written with `=`, and the notebook of the
# lecture has `+=` with a note that the video used `=` by mistake
# ([Karpathy, 2022](bibliography.md)).

# %% tags=["solution"]
def assigning_backward(tape, output):
    """The reverse loop with = instead of +=: each adjoint keeps only its last contribution."""
    adjoints = [0.0] * (output.index + 1)
    adjoints[output.index] = 1.0
    for i in range(output.index, -1, -1):
        for parent, partial in zip(tape.parents[i], tape.partials[i], strict=True):
            adjoints[parent] = adjoints[i] * partial
    return adjoints


def both_gradients(build):
    """(accumulated, assigned) gradients of the output of build(tape) -> (output, inputs)."""
    with ppn.Tape() as tape:
        output, inputs = build(tape)
    assigned = assigning_backward(tape, output)
    return tape.gradient(output, inputs), [assigned[v.index] for v in inputs]


def build_f(tape):
    x1, x2 = tape.var(math.pi), tape.var(1.0)
    return x2 * ppn.cos(x1) + ppn.exp(x2), [x1, x2]


def build_square(tape):
    x = tape.var(3.0)
    return x * x, [x]


def build_chain(tape):
    x = tape.var(2.0)
    y = x
    for _ in range(10):
        y = 0.999999 * y
    return y, [x]


tiny = MLP([4, 3, 2], activation="sigmoid", rng=0, dtype=np.float64)
tiny_images = np.random.default_rng(0).random((2, 4))


def build_tiny_mlp(tape):
    parameters, outputs = scalar_forward(tape, tiny, tiny_images)
    cost = sum(o * o for row in outputs for o in row)
    return cost, [v for W, b in parameters for v in [*(w for row in W for w in row), *b]]


wrong, assigned_f = {}, None
for name, build in [("f", build_f), ("x · x", build_square), ("a chain", build_chain), ("MLP 4-3-2", build_tiny_mlp)]:
    right, assigned = both_gradients(build)
    assigned_f = assigned if name == "f" else assigned_f
    wrong[name] = sum(not math.isclose(r, a, rel_tol=1e-12, abs_tol=1e-15) for r, a in zip(right, assigned, strict=True))
    print(f"{name:10}: {wrong[name]} of {len(right)} partial derivatives wrong with =")
print(f"f with =: ∂f/∂x₂ = {assigned_f[1]:.4f} (the product's contribution, cos π) instead of e − 1")
assert (wrong["f"], wrong["x · x"], wrong["a chain"]) == (1, 1, 0) and assigned_f[1] == -1.0
assert wrong["MLP 4-3-2"] == 23  # all of them

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

