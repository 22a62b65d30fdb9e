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
# each variable, its **adjoint**, $\bar v_i = \partial f / \partial v_i$. The adjoint of
# the output is $\bar f = \partial f / \partial f = 1$: that is the seed. If a variable
# $x$ influences $f$ only through one variable $y$ that uses it, the chain rule (eq. 10)
# read from the output's side gives its adjoint from that of $y$:
#
# $$ \bar x = \frac{\partial f}{\partial x}
#    = \frac{\partial f}{\partial y} \cdot \frac{\partial y}{\partial x}
#    = \bar y \cdot \frac{\partial y}{\partial x} \tag{14} $$
#
# In general $x$ influences $f$ through all the variables $y_1, \dots, y_k$ that use it
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
# The source writes eq. 14 and 15 in a notation of its own ("we rewrite the chain rule
# by inverting its inputs and outputs", in its words), and calls $\partial x / \partial z$ the adjoint
# of $x$ (with $z$ the output). Turn each of its fractions upside down and you get the
# forms above: its eq. 14, $\frac{dx}{dz} = \frac{dx}{dy} \cdot \frac{dy}{dz}$, is
# $\bar x = \bar y \cdot \partial y / \partial x$, and its eq. 15,
# $\frac{\partial x}{\partial z} = \sum_i
# \frac{\partial x}{\partial y_i} \cdot \frac{\partial y_i}{\partial z}$, is
# $\bar x = \sum_i \bar y_i \, \partial y_i / \partial x$. Its eq. 11
# ([chapter 3](03_forward_mode.ipynb)) has the same inverted fractions where the ordinary
# chain rule is meant. This book writes $\partial z / \partial x$ for the derivative of
# $z$ with respect to $x$ everywhere, and $\bar x$ for an adjoint, as the library computes.
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
# \bar v_4 &= 1 \qquad \text{the seed, } \partial f / \partial f \\
# \bar v_3 &= \bar v_4 \cdot \frac{\partial v_4}{\partial v_3} = 1 \cdot 1 = 1 \\
# \bar v_2 &= \bar v_4 \cdot \frac{\partial v_4}{\partial v_2} = 1 \cdot 1 = 1 \\
# \bar v_1 &= \bar v_2 \cdot \frac{\partial v_2}{\partial v_1} = \bar v_2 \cdot v_0 = 1 \\
# \bar v_0 &= \bar v_3 \cdot \frac{\partial v_3}{\partial v_0}
#            + \bar v_2 \cdot \frac{\partial v_2}{\partial v_0} \\
#           &= \bar v_3 \cdot e^{v_0} + \bar v_2 \cdot v_1 = e - 1 \\
# \bar v_{-1} &= \bar v_1 \cdot \frac{\partial v_1}{\partial v_{-1}}
#              = \bar v_1 \cdot (-\sin v_{-1}) = 0
# \end{aligned}
# $$
#
# The inputs' adjoints are the gradient: $\bar v_{-1} = \partial f / \partial x_1 = 0$ and
# $\bar v_0 = \partial f / \partial x_2 = e - 1$, both from one pass, as in eq. 13. Note
# $\bar v_0$: $x_2$ is used twice (by $v_2$ and by $v_3$), so its adjoint has two terms.
# A program that *assigned* each contribution instead of adding it would keep only one.
#
# ## Algorithm 1: the backward pass on a tape
#
# To run eq. 15 as a program, the trace must be written down in a form a loop can walk:
# a **gradient tape**, the source's figure 11, a list with one **node** per variable.
# [Chapter 5](05_gradient_tape.ipynb) has the program write its tape by itself while $f$
# runs; here we fill it by hand, which is all the backward pass needs. A `ppn.Tape` is
# three lists, and the backward pass needs only three facts about them.
#
# * The nodes are numbered $0, 1, 2, \dots$ in the order they were computed; $w_i$ is the
#   value of node $i$. The tape of $f$ has six nodes, $v_{-1}, \dots, v_4$ of Table 2 under
#   the numbers 0 to 5.
# * For node $i$ the tape keeps two tuples of the same length: `tape.parents[i]`, the
#   numbers of the nodes it read, and `tape.partials[i]`, the local partial derivative
#   $\partial w_i / \partial w_p$ towards each of them, in the same order. An input read
#   nothing: both its tuples are empty. A third list, `tape.ops[i]`, names the operation
#   (`"input"`, `"cos"`, `"mul"`, …), only for printing.
# * Each variable the program holds is a `ppn.Var(tape, index, value)`, which knows its
#   tape, the number of its node, `.index`, and its value, `.value`. The value is kept in
#   the `Var`, not on the tape.
#
# The partials are the local derivatives of Table 2 by hand: $-\sin v_{-1}$ for the
# cosine; for the product $v_2 = v_0 v_1$, $\partial v_2 / \partial v_0 = v_1$ and
# $\partial v_2 / \partial v_1 = v_0$; $e^{v_0}$ for the exponential; 1 and 1 for the
# sum. `node` appends one node to the three lists and returns its variable, and
# `tape_of_f` fills the six nodes of $f$ at a point $(a, b)$:

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown, display

import ppn
from ppn.plots import animate_trace, draw_computation_graph, pass_order, trace_table


def node(tape, op, parents, partials, value):
    """Append the node (op, parents, partials) to the tape's lists; return its Var."""
    tape.ops.append(op)
    tape.parents.append(parents)
    tape.partials.append(partials)
    return ppn.Var(tape, len(tape.parents) - 1, value)  # its index: its position


def tape_of_f(a, b):
    """The tape of f(x₁, x₂) = x₂ cos x₁ + e^x₂ at (a, b), filled by hand."""
    tape = ppn.Tape()
    x1 = node(tape, "input", (), (), a)  # node 0: v₋₁ = x₁
    x2 = node(tape, "input", (), (), b)  # node 1: v₀ = x₂
    cos = node(tape, "cos", (0,), (-math.sin(a),), math.cos(a))  # v₁ = cos v₋₁
    product = node(tape, "mul", (1, 2), (cos.value, b), b * cos.value)  # v₂ = v₀ v₁
    exp = node(tape, "exp", (1,), (math.exp(b),), math.exp(b))  # v₃ = e^v₀
    y = node(tape, "add", (3, 4), (1.0, 1.0), product.value + exp.value)  # v₄
    return tape, [x1, x2, cos, product, exp, y]


tape, variables = tape_of_f(math.pi, 1.0)
x1, x2, _, product, _, y = variables
print(f"the output y is node {y.index} of {len(tape)}; y.value = {y.value:.4f}")
for i in range(len(tape)):
    shown = ", ".join(f"{round(d, 4) + 0.0:g}" for d in tape.partials[i])  # −sin π → 0
    print(f"node {i}: {tape.ops[i]:5} parents {tape.parents[i]!s:7} partials ({shown})")

# %%
assert tape.parents == [(), (), (0,), (1, 2), (1,), (3, 4)] and y.index == 5

# %% [markdown]
# Node 3 is $w_3 = w_1 \cdot w_2$ ($v_2 = v_0 v_1$): its parents are nodes 1 and 2, and
# its partials are $\partial w_3 / \partial w_1 = w_2 = -1$ and
# $\partial w_3 / \partial w_2 = w_1 = 1$. (The partial of node 2, $-\sin \pi$, is
# $-1.2 \times 10^{-16}$ in floating point; the print rounds it.)
#
# Write $\nabla[i] = \partial f / \partial w_i$ for the adjoint of node $i$. By eq. 15 it is
# a sum with one term for each time a later node reads node $i$, and every such reader
# was recorded *after* node $i$. So if we visit the nodes from the last to the first,
# and each node, once visited, sends one term to each of its parents, every adjoint has
# received all its terms by the time its node is visited. That is the source's
# Algorithm 1, written here with nodes numbered from 0 and the output at node $n$:
#
# ```text
# Algorithm 1 (the backward pass; the output is node n)
#     ∇ ← n + 1 zeros                  # one adjoint per node 0, 1, …, n
#     ∇[n] ← 1                         # the seed: ∂f/∂f = 1
#     for i = n down to 0:             # every node, the output first
#         for each parent p of node i, with its partial ∂wᵢ/∂w_p:
#             ∇[p] ← ∇[p] + ∇[i] · ∂wᵢ/∂w_p    # one term of eq. 15
#     return ∇                         # ∇[k] = ∂f/∂w_k for k = 0 … n
# ```
#
# In Python, `ppn.Tape.backward(output)` is this loop, with these conventions:
#
# * **Which nodes.** The output need not be the last node: `tape.backward(v)` works for
#   any `Var` `v` of the tape, with $n$ = `v.index`. Nodes recorded after it cannot
#   influence it and are left out, so the result has `output.index + 1` entries, one for
#   each node $0, \dots, n$.
# * **The seed.** Every adjoint starts at `0.0`, except the output's, `1.0`.
# * **The order.** `range(output.index, -1, -1)` counts from $n$ down to 0 inclusive (the
#   stop value $-1$ is left out).
# * **Every parent.** `zip(self.parents[i], self.partials[i])` gives the pairs
#   (parent, partial) of node $i$: none for an input, one or two for the operations of
#   chapters 3 and 5, and any number for a node built by hand (a check uses three).
# * **Accumulate.** Each update is `adjoints[p] += adjoint * partial`, never `=`: a node
#   read by two later nodes gets two terms, and so does one read twice by the same node
#   ($x \cdot x$ has the parents $(0, 0)$). An assignment would keep only the last term;
#   the exercise on $x \cdot x \cdot x$ below shows what it loses.
# * **Skip a zero adjoint.** If $\nabla[i]$ is still `0.0` when the loop reaches node $i$,
#   the node does not influence the output and nothing flows back from it: `continue`. It
#   is more than a saving. A local partial can be infinite ($\sqrt{w}$ has slope $\infty$
#   at 0), and in floating point $0 \cdot \infty$ is `nan`, not 0, which would then spread
#   to every adjoint it is added to:

# %%
print(f"0.0 * math.inf = {0.0 * math.inf}; 1.0 + nan = {1.0 + 0.0 * math.inf}")

# %% [markdown]
# * **The result** is a Python list of floats, `[∇[0], …, ∇[n]]`.
#
# ```{note}
# **The source's Algorithm 1, read with care.** It numbers the nodes from 1: the tape $W$
# has $k$ nodes, the output is $W_k$, and the outer loop, `for i ← k to 1`, visits every
# node (this chapter numbers from 0, hence the loop down to 0). Two of its lines are
# garbled.
# - The inner loop, `for j ← 0 to |P|`, read inclusively like the outer one, makes
#   $|P| + 1$ steps over the $|P|$ parents $P_0, \dots, P_{|P|-1}$: one step too many,
#   towards a parent that does not exist.
# - The update,
#   $\nabla_{j'} \leftarrow \nabla_{j'} + \frac{\partial C_i}{\partial W_k} \cdot
#   \frac{\partial C_j}{\partial C_i}$, uses the inverted fractions of eq. 14–15, with $C$
#   where $W$ is meant and the position $j$ in $P$ where the parent's node number $j'$ is
#   meant (the source's own comment says the two differ). Turned the right way up, it is
#   $\nabla[j'] \mathrel{+}= \nabla[i] \cdot \partial w_i / \partial w_{j'}$: the
#   adjoint of node $i$ times the local partial towards its parent.
#
# Its first line, $\nabla \leftarrow \{0\}_0^{|W|}$, makes the entries
# $\nabla_0, \dots, \nabla_{|W|}$; with nodes numbered from 1, $\nabla_0$ is never used,
# which is harmless.
# ```
#
# The checks of task 4.1 fill their tapes by hand too, as `tape_of_f` does, so that you
# can check it before chapter 5 has you write the code that records a tape.
#
# ```{admonition} Task 4.1: the backward loop (Algorithm 1)
# :class: tip
# **Write** the body of `Tape.backward` in `ppn/tape.py` (between `# task 4.1: begin` and
# `# task 4.1: end`). **It receives** `output`, a `Var` of this tape (the lines before the
# markers have checked that), and reads the tape's lists `self.parents` and
# `self.partials`. **It returns** the list of the `output.index + 1` adjoints
# $\partial\,\text{output} / \partial w_i$ for $i = 0, \dots,$ `output.index`: seeded with
# `1.0` at the output, accumulated with `+=` from the output down to node 0, nodes whose
# adjoint is `0.0` skipped. **Check** with `ppn.tasks.check("4.1")` in this notebook, or
# `pytest tests/tasks -k TestTask4_1`.
# ```
#
# On the tape of $f$, the loop gives the adjoints of Table 2, in the order of the nodes;
# started from the product $x_2 \cos x_1$ (node 3), it gives the derivatives of that
# product, and the nodes after it do not count:

# %%
adjoints = tape.backward(y)
print("from y:      ∇ =", [round(a, 4) + 0.0 for a in adjoints])
print("from node 3: ∇ =", [round(a, 4) + 0.0 for a in tape.backward(product)])
assert len(tape.backward(product)) == product.index + 1 == 4  # nodes 0 … 3

# %% [markdown]
# ## Table 2, regenerated
#
# The tape keeps no values (figure 11), but Table 1 of
# [chapter 3](03_forward_mode.ipynb) has them: `ppn.forward_trace` gives one row per
# variable, in the same order as the tape's nodes. Seeded with zero tangents, its rows
# carry the values; putting the adjoints in their derivative column makes Table 2. A
# row is a named tuple, and `row._replace(derivative=…)` is a copy of it with that one
# field changed.

# %%
def f(x1, x2):
    return x2 * ppn.cos(x1) + ppn.exp(x2)


point = (math.pi, 1.0)
table_1 = ppn.forward_trace(f, point, (0.0, 0.0))  # the values vᵢ, tangents 0
pairs = zip(table_1, adjoints, strict=True)  # v₋₁ with node 0, …, v₄ with node 5
rows = [row._replace(derivative=adjoint) for row, adjoint in pairs]
assert [row.primal for row in rows] == [v.value for v in variables]

# %% mystnb={"markdown_format": "gfm"}
Markdown(trace_table(rows, headers=["adjoint v̄ᵢ = ∂f/∂vᵢ"]))

# %%
e = math.e
v_bar = {row.index: row.derivative for row in rows}  # v̄ᵢ by the variable's i
assert v_bar[4] == 1.0  # v̄₄: the seed
assert v_bar[3] == 1.0  # v̄₃ = v̄₄ · 1
assert v_bar[2] == 1.0  # v̄₂ = v̄₄ · 1
assert v_bar[1] == 1.0  # v̄₁ = v̄₂ · v₀
assert math.isclose(v_bar[0], e - 1)  # v̄₀ = v̄₃ · e^v₀ + v̄₂ · v₁
assert abs(v_bar[-1]) < 1e-15  # v̄₋₁ = v̄₁ · (−sin π) = −1.2e−16 in floating point
print(f"∂f/∂x₁ = v̄₋₁ = {v_bar[-1]:.2g} (−sin π in floating point, chapter 3)")
print(f"∂f/∂x₂ = v̄₀  = {v_bar[0]:.4f} = e − 1")

# %% [markdown]
# ```{warning}
# **Three rows of the source's Table 2 are wrong.** A backward table is read from its
# last row up, in the order of the pass. The source's last row is the seed,
# $\bar v_4 = 1$; its first row, beside $v_{-1} = x_1 = \pi$, is
# $\bar v_{-1} = \bar v_1 \cdot \partial v_1 / \partial v_{-1} = 0$; and its second is
# $\bar v_0 = e - 1$. Those three are right. The rows $\bar v_3$, $\bar v_2$, $\bar v_1$
# give $e$, $-1$, $-1$:
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
# $e - 1$ the source itself prints for $\bar v_0$ (and eq. 13 for
# $\partial f / \partial x_2$). The next cell compares every row of the source with the
# library's adjoints.
# ```

# %%
# The source's Table 2, its rows from first to last:
source_table_2 = {-1: 0.0, 0: e - 1, 1: -1.0, 2: -1.0, 3: e, 4: 1.0}
verdicts = {}
for row in rows:
    printed = source_table_2[row.index]
    if math.isclose(printed, row.derivative, abs_tol=1e-15):
        verdicts[row.index] = "right"
    elif math.isclose(printed, row.primal):
        verdicts[row.index] = f"wrong: that is the value {row.name}"
    adjoint = round(row.derivative, 4) + 0.0
    print(f"{row.name:4} the source prints {round(printed, 4) + 0.0:7.4f}, "
          f"the adjoint is {adjoint:.4f}: {verdicts[row.index]}")  # fmt: skip
assert [verdicts[i] == "right" for i in (-1, 0, 1, 2, 3, 4)] == [1, 1, 0, 0, 0, 1]
assert rows[-1].index == 4 and rows[-1].derivative == 1.0  # the last row: the seed

# %% [markdown]
# ## The graph with adjoints
#
# The same computation graph as in [chapter 3](03_forward_mode.ipynb), now with the
# adjoints. Forward mode filled it from left to right;
# backward mode fills it from right to left, once the
# values are known.

# %% mystnb={"figure": {"caption": "The computation graph of $f(x_1, x_2) = x_2 \\cos x_1 + e^{x_2}$ at $(\\pi, 1)$, drawn from its tape, filled by hand, and the adjoints of `Tape.backward`: each node shows its expression, its value and its adjoint $\\bar v_i = \\partial f / \\partial v_i$. The inputs' adjoints are the gradient, $(0, e - 1)$.", "name": "fig-backward-graph"}}
fig, ax = plt.subplots(figsize=(8, 3.4))
_ = draw_computation_graph(rows, ax, derivative="adjoint", title="backward mode")
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

# %% tags=["nbval-ignore-output"]
from ipywidgets import IntSlider, interact

backward_order = pass_order(rows, "adjoint")  # v₄, v₃, …, v₋₁


def show_step(step):
    fig, ax = plt.subplots(figsize=(8, 3.6))
    _ = draw_computation_graph(rows, ax, derivative="adjoint", step=step)
    plt.show()
    highlight = backward_order[step]
    display(Markdown(trace_table(rows, headers=["adjoint"], highlight=highlight)))


_ = interact(show_step, step=IntSlider(min=0, max=len(rows) - 1, value=0))

# %% tags=["nbval-ignore-output"]
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
# `Tape.backward` gives the adjoint of every node; what we usually want is the
# derivatives with respect to a few variables, the inputs. `tape.gradient(output, inputs)`
# returns them.
#
# * **It receives** `output`, a `Var` of the tape, and `inputs`, a list (or tuple) of
#   `Var`s of the same tape, in any order. An "input" may be any variable of the tape, not
#   only an input node: the derivative with respect to an intermediate result is its
#   adjoint too.
# * **It returns** a list with one float per input, in the order given:
#   `[∂output/∂x for x in inputs]`.
# * It runs **one** backward pass, whatever the number of inputs, and reads each input's
#   adjoint at its index: `adjoints[x.index]`.
# * **An input recorded after the output** ($x$`.index` > `output.index`) cannot influence
#   it: its derivative is `0.0`. The list of adjoints has no entry for it, so it must not
#   be read there.
# * **Each input must be a `Var` of this tape.** `self._check_owner(x, "an input")` does
#   that check: it returns quietly for a `Var` of this tape, and otherwise raises a
#   `TypeError` (`x` is not a `Var`, say a float) or a `TapeError` (`x` belongs to another
#   tape). Call it for each input before reading its adjoint.
#
# A small tape filled by hand shows all of it: $a \cdot b$ at $(2, 5)$, then one more
# input, `later`, on the tape after the product.

# %%
other_tape = ppn.Tape()
a = node(other_tape, "input", (), (), 2.0)  # node 0
b = node(other_tape, "input", (), (), 5.0)  # node 1
product_ab = node(other_tape, "mul", (0, 1), (b.value, a.value), a.value * b.value)
later = node(other_tape, "input", (), (), 7.0)  # node 3, after the product
print("∂(ab)/∂(a, b, later) =", other_tape.gradient(product_ab, [a, b, later]))
print("∂(ab)/∂(b, a) =", other_tape.gradient(product_ab, [b, a]))
assert other_tape.gradient(product_ab, [a, b, later]) == [5.0, 2.0, 0.0]

# %% [markdown]
# ```{admonition} Task 4.2: the gradient from one backward pass
# :class: tip
# **Write** the body of `Tape.gradient` in `ppn/tape.py` (between `# task 4.2: begin` and
# `# task 4.2: end`). **It receives** `output`, a `Var` of this tape, and `inputs`, a
# sequence of `Var`s. **It returns** the list `[∂output/∂x for x in inputs]`, from one
# call of `self.backward(output)`: each input's adjoint, or `0.0` for an input recorded
# after the output; call `self._check_owner(x, "an input")` for each input. **Check**
# with `ppn.tasks.check("4.2")` in this notebook, or `pytest tests/tasks -k TestTask4_2`.
# ```
#
# On the tape of $f$, one backward pass gives both partial derivatives. Forward mode
# needed one pass per input for the same numbers:

# %%
gradient = tape.gradient(y, [x1, x2])  # backward mode: one pass
_, d_x1 = ppn.jvp(f, point, (1.0, 0.0))  # forward mode: one pass for ∂f/∂x₁ ...
_, d_x2 = ppn.jvp(f, point, (0.0, 1.0))  # ... and another for ∂f/∂x₂
# round(…, 4) + 0.0 prints the −1.2e−16 of ∂f/∂x₁ as 0.0000, not −0.0000 (chapter 3)
print(f"backward, 1 pass:  ∇f = ({round(gradient[0], 4) + 0.0:.4f}, {gradient[1]:.4f})")
print(f"forward, 2 passes: ∇f = ({round(d_x1, 4) + 0.0:.4f}, {d_x2:.4f})")

# %%
assert math.isclose(gradient[0], d_x1, abs_tol=1e-15)
assert math.isclose(gradient[1], d_x2)
assert math.isclose(y.value, e - 1) and gradient == [v_bar[-1], v_bar[0]]

# %% [markdown]
# Filling a tape by hand is fine for six nodes, not for a network.
# [Chapter 5](05_gradient_tape.ipynb) has the program record its tape as it runs, and
# then `ppn.grad(f)` does all of this in one call: it returns the function
# $x \mapsto \nabla f(x)$, and each call records $f$ on a new tape, with one input
# variable per argument, and returns `tape.gradient(output, inputs)`.

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
#
# ```{note}
# For its backward passes, `ppn.jacobian` records each function on a tape as it runs,
# which is [chapter 5](05_gradient_tape.ipynb)'s subject. In the student edition, the
# cell that builds the table below runs once tasks 5.1–5.3 are written; until then it
# stops at task 5.1.
# ```

# %%
rng = np.random.default_rng(0)


def layer(n_inputs, n_outputs):
    """x ↦ tanh(x·W), W of shape (n_inputs, n_outputs) as in Linear: fixed weights."""
    weights = rng.normal(size=(n_inputs, n_outputs)) / math.sqrt(n_inputs)

    def function(*x):
        return tuple(
            ppn.tanh(sum(float(weights[j, i]) * x[j] for j in range(n_inputs)))
            for i in range(n_outputs)
        )  # output i is neuron i of eq. 4 (no bias), with tanh: tanh(Σⱼ xⱼ wⱼᵢ)

    return function


targets = rng.normal(size=100)


def cost(*w):
    """The mean squared distance of 100 parameters from their targets: a loss, n = 1."""
    pairs = zip(w, targets, strict=True)
    return sum((w_j - float(t_j)) ** 2 for w_j, t_j in pairs) / len(w)


cases = [
    ("f of Table 1", f, 2, 1),
    ("a layer, 3 → 2", layer(3, 2), 3, 2),
    ("a curve, 1 → 5", layer(1, 5), 1, 5),
    ("a layer, 10 → 10", layer(10, 10), 10, 10),
    ("a cost of 100 parameters", cost, 100, 1),
]
table = [
    "| function | inputs m | outputs n | forward passes | backward passes "
    "| same Jacobian |",
    "|:--|--:|--:|--:|--:|:--|",
]
for name, function, m, n in cases:
    x = rng.normal(size=m).tolist()
    forward = ppn.jacobian(function, "forward")
    backward = ppn.jacobian(function, "reverse")
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
#   $v_i$ (eq. 15); walking the trace backwards from the seed $\bar f = 1$, each adjoint
#   is complete when it is reached.
# * The source's Table 2 prints the values $v_3, v_2, v_1$ where the adjoints
#   $\bar v_3 = \bar v_2 = \bar v_1 = 1$ belong; its other rows are right.
# * A tape numbers its nodes in the order they ran and keeps, for each, its parents and
#   the local partials. Algorithm 1 is one loop from the output down to node 0 that adds
#   `∇[i] · ∂wᵢ/∂w_p` to each parent's adjoint: `+=`, because a variable used twice gets
#   two terms; zero adjoints are skipped, because $0 \cdot \infty$ is `nan`.
# * One backward pass gives the whole gradient; an input recorded after the output has
#   derivative 0.
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
# ```{exercise} Table 2 at another point (★, 15 min)
# :label: ex-backward-table
#
# Compute Table 2 by hand at the point $(x_1, x_2) = (\pi/2, 2)$ and check it with
# `Tape.backward` on the tape `tape_of_f(math.pi / 2, 2.0)`. Which adjoints have two
# terms, and why?
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
other_tape, other_variables = tape_of_f(math.pi / 2, 2.0)
other_adjoints = other_tape.backward(other_variables[-1])  # nodes 0 … 5: v̄₋₁ … v̄₄
subscripts = {-1: "₋₁", 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄"}
for i, adjoint in zip(range(-1, 5), other_adjoints, strict=True):
    print(f"v̄{subscripts[i]:2} = {adjoint:+.4f}  (by hand {by_hand[i]:+.4f})")
    assert math.isclose(adjoint, by_hand[i], rel_tol=1e-15)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A cube, and why adjoints accumulate (★★, 15 min)
# :label: ex-backward-cube
#
# Fill the tape of $p(x) = x \cdot x \cdot x$ at $x = 2$ by hand with `node` (its first
# product reads node 0 twice), and draw its graph with `draw_computation_graph`, its rows
# made as for Table 2. Predict each adjoint from eq. 15, and check with `Tape.backward`
# that $\bar x = 3x^2$. Which contributions would be lost if `Tape.backward` assigned
# (`=`) instead of accumulating (`+=`)? Run such a loop over the tape's `parents` and
# `partials` to see.
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


cube_tape = ppn.Tape()
x = node(cube_tape, "input", (), (), 2.0)
square = node(cube_tape, "mul", (0, 0), (x.value, x.value), x.value * x.value)
cube = node(cube_tape, "mul", (1, 0), (x.value, square.value), square.value * x.value)
pairs = zip(ppn.forward_trace(p, (2.0,), (0.0,)), cube_tape.backward(cube), strict=True)
cube_rows = [row._replace(derivative=adjoint) for row, adjoint in pairs]
fig, ax = plt.subplots(figsize=(6.5, 2.8))
title = r"$p(x) = x \cdot x \cdot x$ at $x = 2$"
_ = draw_computation_graph(cube_rows, ax, derivative="adjoint", title=title)
fig.tight_layout()
plt.show()

assigned = [0.0] * len(cube_tape)
assigned[cube.index] = 1.0
for i in range(cube.index, -1, -1):
    pairs = zip(cube_tape.parents[i], cube_tape.partials[i], strict=True)
    for parent, partial in pairs:
        assigned[parent] = assigned[i] * partial  # = instead of +=: the bug
print(f"v̄₀, v̄₁, v̄₂: {[row.derivative for row in cube_rows]}; 3x² = {3 * 2.0**2}")
print(f"with = instead of +=: x̄ = {assigned[0]}")
assert [row.derivative for row in cube_rows] == [12.0, 2.0, 1.0]
assert assigned[0] == 4.0

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Which mode for which Jacobian (★, 10 min)
# :label: ex-backward-jacobian
#
# For the curve $c(t) = (\cos t, \sin t, t^2, e^t, \tanh t)$, write its Jacobian by hand,
# compute it in both modes at $t = 0.5$, and compare their `.passes`. Then, for a function
# $\mathbb{R}^m \to \mathbb{R}^n$ of your own, find the rule that says which mode to use.
# (Backward mode records the curve on a tape: in the student edition, it needs tasks
# 5.1–5.3.)
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
column = [-math.sin(t), math.cos(t), 2 * t, math.exp(t), 1 - math.tanh(t) ** 2]
by_hand = np.array(column).reshape(5, 1)
forward, backward = ppn.jacobian(curve, "forward"), ppn.jacobian(curve, "reverse")
J_forward, J_backward = forward(t), backward(t)
print(f"the curve, 1 → 5: {forward.passes} forward pass, "
      f"{backward.passes} backward passes")
assert np.allclose(J_forward, by_hand, rtol=1e-15)
assert np.allclose(J_backward, by_hand, rtol=1e-15)
assert (forward.passes, backward.passes) == (1, 5)

def triple(a, b, c):
    return a * b * c


product_forward = ppn.jacobian(triple, "forward")
product_backward = ppn.jacobian(triple, "reverse")
assert np.allclose(product_forward(1.0, 2.0, 3.0), [[6.0, 3.0, 2.0]])
assert np.allclose(product_backward(1.0, 2.0, 3.0), [[6.0, 3.0, 2.0]])
print(f"x₁x₂x₃, 3 → 1: {product_forward.passes} forward passes, "
      f"{product_backward.passes} backward pass")
assert (product_forward.passes, product_backward.passes) == (3, 1)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The source's mistake, on purpose (★, 10 min)
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
# v̄₀ = v̄₃·e^v₀ + v̄₂·v₁
wrong[0] = wrong[3] * math.exp(values[0]) + wrong[2] * values[1]
wrong[-1] = wrong[1] * -math.sin(values[-1])  # v̄₋₁ = v̄₁·(−sin v₋₁)
_, forward_x2 = ppn.jvp(f, point, (0.0, 1.0))
_, numeric_x2 = numerical_grad(f, *point)  # central differences (chapter 3)
print(f"with the source's adjoints: ∂f/∂x₂ = v̄₀ = {wrong[0]:.4f} "
      f"(e² + 1 = {e**2 + 1:.4f})")
print(f"forward mode: {forward_x2:.4f}, finite difference: {numeric_x2:.4f}, "
      f"e − 1 = {e - 1:.4f}")
assert math.isclose(wrong[0], e**2 + 1) and abs(wrong[-1]) < 1e-15
assert math.isclose(forward_x2, e - 1) and math.isclose(numeric_x2, e - 1, rel_tol=1e-8)
assert not math.isclose(wrong[0], forward_x2, rel_tol=0.1)  # the check fails loudly

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A vector-Jacobian product in one pass (★★★, 25 min)
# :label: ex-backward-vjp
#
# Forward mode has `ppn.jvp`, $J \dot x$ in one pass, with $\dot x$ a column of $m$
# numbers. Extend ppn with its backward counterpart: write `vjp(f, xs, v)` that returns
# $v J$, with $v$ a row of $n$ weights (one per output) and $v J$ a row of $m$ numbers, in
# chapter 2's row convention, for a function with several outputs, with **one** backward
# pass on one `ppn.Tape` whatever the number of outputs.
# (Hint: $v J$ is the gradient of the scalar $\sum_i v_i f_i$.) Check it against
# `v @ ppn.jacobian(function, "reverse")(*xs)` on the curve of the previous exercise and on a
# function of three inputs and two outputs. (It records $f$ on the tape as it runs: do it
# after [chapter 5](05_gradient_tape.ipynb).)
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-backward-vjp
# :label: ex-backward-vjp-solution
# :class: dropdown
# ```
#
# Entry $j$ of $v J$ is $\sum_i v_i \frac{\partial f_i}{\partial x_j}
# = \frac{\partial}{\partial x_j} \sum_i v_i f_i$, because the $v_i$ are constants. So record
# $f$ and the weighted sum $z = \sum_i v_i f_i$ on the tape, and one backward pass from $z$
# gives all of $v J$. Seeding the output adjoints with $v$ instead of 1 is exactly
# what a neural network's backward pass does with a vector of costs. With
# $v = e_i$ it returns row $i$ of $J$: `ppn.jacobian(f, "reverse")` is $n$ such passes.

# %% tags=["solution"]
def vjp(function, xs, v):
    """(f(x), v J): the outputs and the vector-Jacobian product, one backward pass."""
    with ppn.Tape() as tape:
        inputs = [tape.var(x) for x in xs]
        outputs = function(*inputs)
        weighted = sum(float(v_i) * y_i for v_i, y_i in zip(v, outputs, strict=True))
    values = tuple(y.value for y in outputs)
    return values, np.array(tape.gradient(weighted, inputs))


def g3(x1, x2, x3):
    return x1 * x2, ppn.sin(x3) + x1


checks = [
    (curve, (0.5,), [1.0, -2.0, 0.5, 3.0, 1.0]),
    (g3, (2.0, 3.0, 0.0), [1.0, 10.0]),
]
for function, xs, v in checks:
    _, product = vjp(function, xs, v)
    expected = np.array(v) @ ppn.jacobian(function, "reverse")(*xs)
    print(f"{function.__name__}: v J = ({', '.join(f'{p:.4f}' for p in product)}), "
          f"from the Jacobian: ({', '.join(f'{p:.4f}' for p in expected)})")
    assert np.allclose(product, expected, rtol=1e-14)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
