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
# # Tensor nodes
#
# (introduction to be written)

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
# (moved from chapter 5)

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
