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
# ## From scalar nodes to tensor nodes
#
# So far every node is one number. A neural network written this way is correct, and
# hopeless. Take the MNIST network of [chapter
# 2](02_neural_networks.ipynb), `MLP([784, 32, 10])`, on a batch of 16
# images: the first layer alone is $16 \times 784 \times 32 \approx 400{,}000$
# multiplications and as many additions, each one a node on the tape, each one a Python
# object made and later visited by a Python loop.
#
# The way out is to change what a node is. Eq. 5 wrote a whole layer as one matrix
# expression, $H = \sigma(I \cdot W + b)$. If a node of the tape holds a whole **array**
# (a *tensor*), then $I \cdot W$ is one node, $+\,b$ another, and $\sigma$ a third,
# whatever the sizes; the arithmetic inside each node is done by numpy, in compiled
# code. That is `ppn.tensor.Tensor`. Let us measure the difference on the same network,
# the same 16 images, the same cost (eq. 7 on $\hat y = \sigma(\text{logits})$, as in
# [chapter 2](02_neural_networks.ipynb)), in float64 so that the two results can be compared
# closely. The images come from `data.load_mnist()`, which finds the MNIST files through
# the `PPN_DATA_DIR` setting or its cache folder (the course's CI sets `PPN_DATA_DIR`); on
# a machine that has neither, it downloads them once, checking each file's SHA-256.

# %%
(x_train, y_train), _ = data.load_mnist()
x_batch = data.to_float(x_train[:16], flatten=True).astype(np.float64)  # from the course's 10,000
y_batch = data.one_hot(y_train[:16]).astype(np.float64)
mlp = MLP([784, 32, 10], activation="sigmoid", rng=0, dtype=np.float64)
print(mlp)

# %% [markdown]
# The scalar version: every weight and bias becomes a `Var` on one `ppn.Tape`, and the
# forward pass is eq. 4 written out with loops, neuron by neuron, image by image.


# %%
def scalar_forward(tape, mlp, images):
    """Eq. 4 with one tape node per operation: the MLP's outputs σ(logits) as lists of Vars."""
    parameters = [
        ([[tape.var(w) for w in row] for row in layer.weight.data.tolist()],
         [tape.var(b) for b in layer.bias.data.tolist()])
        for layer in mlp.layers
    ]  # fmt: skip
    outputs = []
    for image in images.tolist():
        values = image  # the inputs are constants: they get no node
        for W, b in parameters:
            values = [
                ppn.sigmoid(sum((v * W[j][i] for j, v in enumerate(values)), start=b[i]))
                for i in range(len(b))
            ]
        outputs.append(values)
    return parameters, outputs


def scalar_cost_and_gradient(mlp, images, targets):
    """Eq. 7 summed over the batch on a scalar tape, and its gradient by Tape.backward."""
    with ppn.Tape() as tape:
        parameters, outputs = scalar_forward(tape, mlp, images)
        cost = sum((o - t) ** 2 for row, target in zip(outputs, targets.tolist(), strict=True)
                   for o, t in zip(row, target, strict=True))  # fmt: skip
    inputs = [v for W, b in parameters for v in [*(w for row in W for w in row), *b]]
    return tape, len(inputs), cost.value, tape.gradient(cost, inputs)


def tensor_cost_and_gradient(mlp, images, targets):
    """The same cost on tensors: eq. 5 layer by layer, one node per array operation."""
    mlp.zero_grad()
    h = Tensor(images)
    for layer in mlp.layers:
        h = ppn.sigmoid(h @ layer.weight + layer.bias)  # H = σ(I·W + b): three nodes
    cost = losses.sum_squared_error(h, targets)
    nodes = len(cost._reachable()[0])  # the recorded nodes this cost depends on
    cost.backward()
    gradient = np.concatenate([p.grad.ravel() for p in mlp.parameters()])
    return nodes, cost.item(), gradient


# %%
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
scalar_tape, scalar_leaves, scalar_cost, scalar_gradient = scalar_cost_and_gradient(
    mlp, x_batch, y_batch
)
scalar_seconds = time.perf_counter() - start

tensor_seconds = math.inf
for _ in range(5):  # the best of five: a millisecond is easily disturbed
    start = time.perf_counter()
    tensor_nodes, tensor_cost, tensor_gradient = tensor_cost_and_gradient(mlp, x_batch, y_batch)
    tensor_seconds = min(tensor_seconds, time.perf_counter() - start)

print(f"one gradient, scalar tape: {scalar_seconds:8.3f} s")
print(
    f"one gradient, tensors:     {tensor_seconds:8.4f} s   ({scalar_seconds / tensor_seconds:,.0f}× faster)"
)

# %%
assert scalar_seconds / tensor_seconds >= 100  # thousands on an idle machine
scalar_nodes = len(scalar_tape)
print(
    f"scalar tape: {scalar_nodes:,} nodes ({scalar_leaves:,} parameters, "
    f"{scalar_nodes - scalar_leaves:,} operations)"
)
print(f"tensor tape: {tensor_nodes} nodes (and 4 parameter tensors)")
print(f"cost: {scalar_cost:.6f} (scalars), {tensor_cost:.6f} (tensors)")

# %%
assert math.isclose(scalar_cost, tensor_cost, rel_tol=1e-12)
difference = np.abs(np.asarray(scalar_gradient) - tensor_gradient).max()
assert difference < 1e-12 and np.abs(tensor_gradient).max() > 1  # agree, and not all tiny
assert scalar_leaves == mlp.num_parameters() == 25_450 and tensor_nodes == 9
assert scalar_nodes == 839_658  # the number the text quotes
print(f"the two gradients agree: max |difference| < 1e-12 over {len(tensor_gradient):,} entries")
del scalar_tape  # 839,658 nodes: free the memory

# %% [markdown]
# Both tapes compute the same 25,450 partial derivatives, to the last few bits. The
# scalar tape needs 839,658 nodes for them; the tensor tape needs nine:
#
# | node | operation | shape of the result |
# |:--|:--|:--|
# | 1 | `x @ W₀` (matmul) | (16, 32) |
# | 2 | `+ b₀` (add) | (16, 32) |
# | 3 | σ (sigmoid) | (16, 32) |
# | 4 | `h @ W₁` (matmul) | (16, 10) |
# | 5 | `+ b₁` (add) | (16, 10) |
# | 6 | σ (sigmoid), the source's output $\hat y$ | (16, 10) |
# | 7 | $\hat y - y$ (sub) | (16, 10) |
# | 8 | $(\cdot)^2$ (pow), eq. 6 | (16, 10) |
# | 9 | sum, eq. 7 | () |
#
# and the number of nodes does not depend on the size of the network or of the batch.
# (`MLP` itself goes one step further and records `x @ W + b` as a single node, `linear`,
# one of the speed-ups of [chapter 11](11_performance_and_accuracy.ipynb); here eq. 5 is
# written out, one node per operation.) The speed-up (measured above; the cell after it
# checks that it is at least 100×, a bound that a loaded machine still meets) comes from
# two places: 9 nodes instead of 839,658 Python objects made and visited by Python loops,
# and the arithmetic done inside each node by numpy's compiled code.
#
# ### What a tensor node stores
#
# A scalar node stored a number $\partial w_i / \partial w_p$ per parent. For a matrix
# product $Y = AB$ with $A$ of shape $(16, 784)$ and $B$ of shape $(784, 32)$, the
# corresponding object, the Jacobian $\partial Y / \partial B$, would have
# $16 \cdot 32 \cdot 784 \cdot 32 \approx 1.3 \times 10^7$ entries, mostly zeros. The
# backward pass never needs it: it only needs to multiply an adjoint by it. So each
# operation comes with a function computing that product directly, a
# **vector-Jacobian product** (VJP): given the output's adjoint $\bar Y$ (called `g` in
# the code), it returns each input's contribution to its adjoint.
#
# ### The matrix product's VJP, from the scalar chain rule
#
# The rule for $Y = AB$ follows from eq. 15 applied to one entry. Write the product entry
# by entry, $Y_{ik} = \sum_j A_{ij} B_{jk}$. Which entries of $Y$ use the entry $A_{ij}$?
# Those of row $i$, $Y_{ik}$ for every column $k$, each with the local partial
# $\partial Y_{ik} / \partial A_{ij} = B_{jk}$. Eq. 15 sums one term per use:
#
# $$ \bar A_{ij} = \sum_k \bar Y_{ik} \, \frac{\partial Y_{ik}}{\partial A_{ij}}
#    = \sum_k \bar Y_{ik} B_{jk} = (\bar Y B^\top)_{ij} ,
#    \qquad\text{so}\qquad \bar A = \bar Y B^\top . $$
#
# Likewise $B_{jk}$ is used by column $k$ of $Y$, $Y_{ik}$ for every row $i$, with the
# partial $A_{ij}$:
#
# $$ \bar B_{jk} = \sum_i \bar Y_{ik} A_{ij} = (A^\top \bar Y)_{jk} ,
#    \qquad\text{so}\qquad \bar B = A^\top \bar Y . $$
#
# The shapes check themselves: $\bar Y B^\top$ is $(16, 32) \cdot (32, 784)$, the shape of
# $A$; $A^\top \bar Y$ is $(784, 16) \cdot (16, 32)$, the shape of $B$. Two matrix products
# replace a Jacobian of thirteen million entries. The next cell computes both sums with
# explicit loops over the entries, exactly as written above, and compares them with the
# matrix formulas and with what the tensor tape's backward pass returns:

# %%
rng = np.random.default_rng(3)
A = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
B = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
Y_bar = rng.normal(size=(2, 4))  # any adjoint of Y = AB
(A @ B * Y_bar).sum().backward()  # a cost whose adjoint towards Y is exactly Y_bar

A_bar = np.zeros((2, 3))  # eq. 15, entry by entry: Āᵢⱼ = Σₖ Ȳᵢₖ Bⱼₖ
B_bar = np.zeros((3, 4))  # B̄ⱼₖ = Σᵢ Ȳᵢₖ Aᵢⱼ
for i in range(2):
    for j in range(3):
        for k in range(4):
            A_bar[i, j] += Y_bar[i, k] * B.data[j, k]
            B_bar[j, k] += Y_bar[i, k] * A.data[i, j]
assert np.allclose(A_bar, Y_bar @ B.data.T, rtol=1e-13) and np.allclose(A.grad, A_bar, rtol=1e-13)
assert np.allclose(B_bar, A.data.T @ Y_bar, rtol=1e-13) and np.allclose(B.grad, B_bar, rtol=1e-13)
print("Ā = Ȳ Bᵀ and B̄ = Aᵀ Ȳ: the loops over eq. 15, the matrix formulas and the tape agree")

# %% [markdown]
# ### One layer backwards, by hand
#
# With that rule, a whole layer can be taken backwards by hand. Eq. 4–5 on a batch: the
# inputs $I$ (one image per row), $Z = I \cdot W + b$, $H = \sigma(Z)$, and as the cost
# eq. 7 summed over the batch, $C = \sum_{n,k} (H_{nk} - y_{nk})^2$. From the cost back
# to the parameters, one node at a time, each step eq. 15:
#
# $$
# \begin{aligned}
# \bar H &= 2\,(H - y) && \partial C / \partial H_{nk} = 2 (H_{nk} - y_{nk}) \\
# \bar Z &= \bar H \odot H \odot (1 - H) && \sigma'(z) = \sigma(z)\,(1 - \sigma(z)),
#    \text{ entry by entry} \\
# \bar W &= I^\top \bar Z && \text{the matrix product's } \bar B = A^\top \bar Y \\
# \bar b_i &= \textstyle\sum_n \bar Z_{ni} && b_i \text{ is used by every row } n
#    \text{ of } Z \\
# \bar I &= \bar Z\, W^\top && \bar A = \bar Y B^\top \text{: what a layer below would receive}
# \end{aligned}
# $$
#
# ($\odot$ is the entry-by-entry product.) The bias needs a sum because numpy adds the
# same row $b$ to every row of $I \cdot W$: each $b_i$ has one use per image, and eq. 15
# adds their adjoints (the section on broadcasting below shows how the library does it).
# Here is that hand computation in numpy, on the first layer of the chapter's network and
# four of its images, next to the tensor tape's `backward()`:

# %%
layer = mlp.layers[0]
I, hidden_targets = x_batch[:4], np.random.default_rng(4).random((4, 32))  # 32 targets each
W_tensor, b_tensor = Tensor(layer.weight.data, requires_grad=True), Tensor(layer.bias.data, requires_grad=True)
I_tensor = Tensor(I, requires_grad=True)
H_tensor = ppn.sigmoid(I_tensor @ W_tensor + b_tensor)  # eq. 5: H = σ(I·W + b)
losses.sum_squared_error(H_tensor, hidden_targets).backward()  # eq. 7, summed over the batch

W, b = layer.weight.data, layer.bias.data  # by hand, forward ...
H = 1 / (1 + np.exp(-(I @ W + b)))
H_bar = 2 * (H - hidden_targets)  # ... and backward
Z_bar = H_bar * H * (1 - H)
W_bar, b_bar, I_bar = I.T @ Z_bar, Z_bar.sum(axis=0), Z_bar @ W.T
for name, by_hand, tape_gradient in [("W̄", W_bar, W_tensor.grad), ("b̄", b_bar, b_tensor.grad), ("Ī", I_bar, I_tensor.grad)]:
    assert by_hand.shape == tape_gradient.shape and np.allclose(by_hand, tape_gradient, rtol=1e-12, atol=1e-15)
    print(f"{name} {str(by_hand.shape):9}: the hand computation equals the tape's gradient")

# %% [markdown]
# Every step of the hand computation is a row of the library's rule table, the tensor
# version of `ppn.elementary`'s table of derivatives: `matmul` holds the two formulas just
# derived (with extra cases for vectors), `sigmoid` is `g * y * (1 - y)`, `add` passes `g`
# on to both operands (summed back to $b$'s shape by `backward`):

# %% tags=["remove-input"]
listing("ppn/tensor.py", start_at="# The rule table: one row per operation", end_at="}  # fmt: skip")

# %% [markdown]
# Compare the element-wise rows with the scalar table: `exp` is `g * y` (the derivative
# $e^x$ is the output $y$), `sigmoid` is `g * y * (1 - y)`, `mul` sends `g * b` to $a$ and
# `g * a` to $b$. The same calculus, applied to every entry at once.
#
# The backward pass is Algorithm 1 again: the recorded nodes, last to first, each adding
# its VJP into its parents' adjoints. A tensor node keeps its inputs' arrays (the VJPs
# need them: $\bar B = A^\top \bar Y$ reads $A$) and finds its place in the order by a
# creation counter instead of a position in a list, but the loop is the same:

# %% tags=["remove-input"]
listing(Tensor.backward)

# %% [markdown]
# ### Broadcasting, backwards: `unbroadcast`
#
# In $I \cdot W + b$ on a batch, $I \cdot W$ has shape $(16, 32)$ and $b$ has shape
# $(32,)$: numpy *broadcasts* $b$, adding the same row to each of the 16 rows. So each
# $b_i$ is used 16 times, and by eq. 11 its adjoint is the **sum** of the 16 adjoints it
# fed. The `add` rule returns `g`, of shape $(16, 32)$; before accumulating it into $b$,
# `backward` sums it back to $b$'s shape with `unbroadcast`:

# %% tags=["remove-input"]
listing(unbroadcast)

# %%
g = np.arange(12.0).reshape(3, 4)  # an adjoint of shape (3, 4)
print("g =\n", g)
print("to shape (4,):  ", unbroadcast(g, (4,)), "  (a row added to each row: sum the rows)")
print("to shape (3, 1):", unbroadcast(g, (3, 1)).ravel(), "  (a column stretched: sum each row)")

# %% [markdown]
# The same thing inside a real backward pass: a bias of shape $(10,)$ added to a batch of
# 16 rows receives, as its gradient, the column sums of the batch's adjoint:

# %%
rng = np.random.default_rng(0)
z = Tensor(rng.normal(size=(16, 10)))
bias = Tensor(np.zeros(10), requires_grad=True)
(((z + bias) ** 2).sum()).backward()  # adjoint of z + bias: 2 (z + b), shape (16, 10)
print("bias.grad:       ", np.round(bias.grad, 3))
print("column sums of 2z:", np.round((2 * z.data).sum(axis=0), 3))

# %%
assert bias.grad.shape == (10,) and np.allclose(bias.grad, (2 * z.data).sum(axis=0))

# %% [markdown]
# ## Checking the gradient
#
# One last, independent witness: finite differences. `ppn.gradcheck.check_grad` computes
# the gradient of a scalar function of arrays with `backward()`, then again entry by
# entry with the central difference $(f(x + \varepsilon) - f(x - \varepsilon)) / 2\varepsilon$
# (two evaluations per entry), and fails if they differ anywhere. Here it checks every
# weight and bias of an MLP with the cost of [chapter
# 2](02_neural_networks.ipynb), on four images. A hidden layer of
# 8 neurons keeps it quick: finite differences on the 25,450 parameters of the 32-neuron
# network would cost 50,900 forward passes.

# %%
small = MLP([784, 8, 10], activation="sigmoid", rng=1, dtype=np.float64)
x_four, y_four = x_batch[:4], y_batch[:4]


def cost_with(W0, b0, W1, b1):
    """Eq. 7 on four images, with the given parameters placed in the network."""
    small.layers[0].weight, small.layers[0].bias = W0, b0
    small.layers[1].weight, small.layers[1].bias = W1, b1
    return losses.sum_squared_error(ppn.sigmoid(small(x_four)), y_four)


result = check_grad(cost_with, *[p.data.copy() for p in small.parameters()])
worst = max(result.max_abs_error)
sizes = [a.size for a in result.analytic]
print(
    f"checked {sum(sizes):,} partial derivatives in {len(sizes)} arrays: "
    f"largest difference {'below 1e-8' if worst < 1e-8 else worst}"
)

# %%
assert worst < 1e-8

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

# %% [markdown]
# ```{exercise} How long is a scalar tape?
# :label: ex-tape-count
#
# Count the nodes of the scalar tape of `MLP([784, 32, 10])` on a batch of $B$ images
# (this chapter's `scalar_cost_and_gradient`) as a formula in $B$. Check it against a tape
# for $B = 1$ and against the chapter's `scalar_nodes` ($B = 16$). How many nodes would a
# batch of 128 images need, and roughly how much memory (measure the bytes per node with
# `sys.getsizeof` on the tape's three lists and their contents)?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-count
# :label: ex-tape-count-solution
# :class: dropdown
# ```
#
# The parameters are $P = 25{,}450$ leaves, recorded once. Per image, a neuron with $n$
# inputs records $n$ products $v_j \cdot w_{ji}$, $n$ additions (the sum starts from the
# bias) and one sigmoid: $2n + 1$ nodes. The hidden layer makes $32 \cdot 1{,}569$, the
# output layer $10 \cdot 65$; the cost adds, per output, a subtraction, a square and one
# addition to the running sum: $3 \cdot 10$. So
#
# $$ \text{nodes}(B) = 25{,}450 + B \cdot (50{,}208 + 650 + 30) = 25{,}450 + 50{,}888\,B , $$
#
# 76,338 for one image, 839,658 for 16, and about 6.5 million for a batch of 128. At
# about 170 bytes per node (two small tuples, a float, an index and the lists' slots)
# that is over a gigabyte of Python objects for one gradient, which a tensor tape
# computes with nine nodes.

# %% tags=["solution"]
import sys


def nodes(batch):
    return 25_450 + batch * (32 * (2 * 784 + 1) + 10 * (2 * 32 + 1) + 3 * 10)


one_tape, *_ = scalar_cost_and_gradient(mlp, x_batch[:1], y_batch[:1])
node_bytes = sum(sys.getsizeof(column) for column in (one_tape.parents, one_tape.partials))
node_bytes += sum(sys.getsizeof(entry) for column in (one_tape.parents, one_tape.partials) for entry in column)
node_bytes += sum(sys.getsizeof(partial) for partials in one_tape.partials for partial in partials)
node_bytes += sys.getsizeof(one_tape.ops) + len(one_tape) * sys.getsizeof(len(one_tape))  # names; one index each
per_node = node_bytes / len(one_tape)
print(f"B = 1: {len(one_tape):,} nodes (formula {nodes(1):,}); B = 16: {scalar_nodes:,} (formula {nodes(16):,})")
print(f"B = 128: {nodes(128):,} nodes, at about {per_node:.0f} bytes each: {nodes(128) * per_node / 1e9:.1f} GB")
assert len(one_tape) == nodes(1) and scalar_nodes == nodes(16)
assert 160 < per_node < 180 and nodes(128) * per_node > 1e9  # about 170 bytes; over 1 GB
del one_tape

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The gradient of a quadratic form, by hand
# :label: ex-tape-quadratic-form
#
# For a square matrix $A$ and $y = x^\top A x$, derive by hand the vector-Jacobian
# products $\bar x$ and $\bar A$ (the adjoints of $x$ and $A$, given $\bar y$). Build the same
# function from `Tensor` operations, and compare `backward()` with your formulas and with
# `check_grad`.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-quadratic-form
# :label: ex-tape-quadratic-form-solution
# :class: dropdown
# ```
#
# Write $y = \sum_{j,k} x_j A_{jk} x_k$. Then $\partial y / \partial A_{jk} = x_j x_k$, so
# $\bar A = \bar y\, x x^\top$; and $x_j$ appears twice in each term where it occurs (as the
# left and as the right factor), so by eq. 11
# $\partial y / \partial x_j = \sum_k A_{jk} x_k + \sum_i x_i A_{ij}$, that is
# $\bar x = \bar y\,(A + A^\top)\, x$. For a symmetric $A$ this is the familiar $2 A x$.
# As tensors, `x @ (A @ x)` is two matrix-product nodes; its backward pass applies the
# `matmul` rules twice and accumulates both contributions into $\bar x$.

# %% tags=["solution"]
rng = np.random.default_rng(2)
A = Tensor(rng.normal(size=(4, 4)), requires_grad=True)
x = Tensor(rng.normal(size=4), requires_grad=True)
y = x @ (A @ x)
y.backward()
x_bar = (A.data + A.data.T) @ x.data  # ȳ = 1
A_bar = np.outer(x.data, x.data)
check_grad(lambda x_, A_: x_ @ (A_ @ x_), x.data, A.data)  # raises if backward() is wrong
print(f"y = {y.item():.4f}; x̄ and Ā equal the formulas: "
      f"{np.allclose(x.grad, x_bar) and np.allclose(A.grad, A_bar)}; check_grad passes")
assert np.allclose(x.grad, x_bar, rtol=1e-12) and np.allclose(A.grad, A_bar, rtol=1e-12)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
