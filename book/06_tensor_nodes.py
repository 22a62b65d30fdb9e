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
# [Chapter 5](05_gradient_tape.ipynb) built a gradient tape: every operation on a `Var`
# records one node with its parents and its local partial derivatives, and Algorithm 1,
# one reverse loop over the tape, turns it into every partial derivative of the output.
# Each node there holds **one number**: the right way to understand the tape, and a
# hopeless way to train a network, whose gradient on sixteen images would take close to
# a million nodes, each a Python object made and visited by a Python loop.
#
# This chapter changes what a node is. A node will hold a whole **array** (a *tensor*),
# so that a layer $H = \sigma(X W + b)$ is three nodes whatever its size, and its rule is
# a **vector-Jacobian product**: a small function from the adjoint of the node's output to
# the adjoints of its inputs. You will write these rules for the matrix product (task
# 6.1), the element-wise $+ - \times \div$ (task 6.2), the activations tanh, sigmoid and
# ReLU (task 6.3), and the sum that undoes numpy's broadcasting (task 6.4). Then we run
# the backward pass through a tiny network, drawn node by node, and find in it the four
# equations of backpropagation that textbooks derive by hand. (Working in the student
# edition? Most cells here run the backward pass, so they need all four tasks: read on to
# the task boxes, write the rules, then run the chapter.)

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML

import ppn
from ppn import data, losses
from ppn.gradcheck import check_grad
from ppn.listing import listing
from ppn.nn import MLP
from ppn.plots import (
    animate_tensor_graph,
    draw_tensor_graph,
    tensor_pass_frames,
    tensor_trace,
)
from ppn.tensor import Tensor, unbroadcast

# %% [markdown]
# ## From scalar nodes to tensor nodes
#
# Take the MNIST network of [chapter 2](02_neural_networks.ipynb), `MLP([784, 32, 10])`
# with sigmoid activations, on a batch of 16 images: the first layer alone is
# $16 \times 784 \times 32 \approx 400{,}000$ multiplications and as many additions, and
# on a scalar tape each of them is a node. Eq. 5 wrote the layer as one matrix expression,
# $H = \sigma(X W + b)$, with the batch $X$ holding one image per row (the $I$ of chapter
# 2). On a tape of `ppn.tensor.Tensor` nodes, $X W$ is one node, $+\,b$ another and
# $\sigma$ a third, and numpy does the arithmetic inside each. Let us compare the two
# tapes on the same network, images and cost (eq. 7 on $\hat y = \sigma(\text{logits})$,
# as in chapter 2), in float64 so that the results can be compared to many digits:

# %%
(x_train, y_train), _ = data.load_mnist()
x_batch = data.to_float(x_train[:16], flatten=True).astype(np.float64)  # 16 images
y_batch = data.one_hot(y_train[:16]).astype(np.float64)
mlp = MLP([784, 32, 10], activation="sigmoid", rng=0, dtype=np.float64)
print(mlp)

# %% [markdown]
# The scalar version: every weight and bias becomes a `Var` on one `ppn.Tape`, and the
# forward pass is eq. 4 written out with loops, neuron by neuron, image by image. The
# tensor version is eq. 5, layer by layer. `ppn.plots.tensor_trace` lists the nodes a
# tensor cost depends on (we use it again below to draw them); here it only counts them.


# %%
def scalar_forward(tape, mlp, images):
    """Eq. 4, one tape node per operation: the outputs σ(logits) as lists of Vars."""
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
                ppn.sigmoid(sum((v * W[j][i] for j, v in enumerate(values)), b[i]))
                for i in range(len(b))
            ]
        outputs.append(values)
    return parameters, outputs


def scalar_cost_and_gradient(mlp, images, targets):
    """Eq. 7 summed over the batch on a scalar tape, and its gradient."""
    with ppn.Tape() as tape:
        parameters, outputs = scalar_forward(tape, mlp, images)
        pairs = zip(outputs, targets.tolist(), strict=True)
        cost = sum((o - t) ** 2 for row, target in pairs
                   for o, t in zip(row, target, strict=True))  # fmt: skip
    inputs = [v for W, b in parameters for v in [*(w for row in W for w in row), *b]]
    return tape, len(inputs), cost.value, tape.gradient(cost, inputs)


def tensor_cost_and_gradient(mlp, images, targets):
    """The same cost on tensors: eq. 5 layer by layer, one node per array operation."""
    mlp.zero_grad()  # gradients add up; "What a tensor node stores" explains this
    h = Tensor(images)
    for layer in mlp.layers:
        h = ppn.sigmoid(h @ layer.weight + layer.bias)  # H = σ(X W + b): three nodes
    cost = losses.sum_squared_error(h, targets)
    nodes = sum(node.op != "input" for node in tensor_trace(cost, {}))
    cost.backward()
    gradient = np.concatenate([p.grad.ravel() for p in mlp.parameters()])
    return nodes, cost.item(), gradient


# %% [markdown]
# Each is timed once on your machine (the numbers change from run to run and from machine
# to machine):

# %% tags=["nbval-ignore-output"]
start = time.perf_counter()
scalar_tape, scalar_leaves, scalar_cost, scalar_gradient = scalar_cost_and_gradient(
    mlp, x_batch, y_batch
)
middle = time.perf_counter()
tensor_nodes, tensor_cost, tensor_gradient = tensor_cost_and_gradient(
    mlp, x_batch, y_batch
)
end = time.perf_counter()
print(f"one gradient: scalar tape {middle - start:.3f} s, tensors {end - middle:.4f} s")

# %% [markdown]
# What does not change from one machine to the next is the work each tape does:

# %%
scalar_nodes = len(scalar_tape)
print(f"scalar tape: {scalar_nodes:,} nodes ({scalar_leaves:,} parameters, "
      f"{scalar_nodes - scalar_leaves:,} operations)")  # fmt: skip
print(f"tensor tape: {tensor_nodes} nodes (and 4 parameter tensors)")
print(f"cost: {scalar_cost:.6f} (scalars), {tensor_cost:.6f} (tensors)")
assert math.isclose(scalar_cost, tensor_cost, rel_tol=1e-12)
difference = np.abs(np.asarray(scalar_gradient) - tensor_gradient).max()
assert difference < 1e-12 and np.abs(tensor_gradient).max() > 1  # agree, not all tiny
assert scalar_leaves == mlp.num_parameters() == 25_450
assert scalar_nodes == 839_658 and tensor_nodes == 9  # the numbers the text quotes
print(f"the gradients agree to 1e-12 in all {tensor_gradient.size:,} entries")
del scalar_tape  # 839,658 nodes: free the memory

# %% [markdown]
# Both tapes compute the same 25,450 partial derivatives, to the last few bits. The
# scalar tape needs 839,658 nodes for them; the tensor tape needs nine:
#
# | node | operation | shape of the result |
# |:--|:--|:--|
# | 1 | `x @ W₁` (matmul) | (16, 32) |
# | 2 | `+ b₁` (add) | (16, 32) |
# | 3 | σ (sigmoid) | (16, 32) |
# | 4 | `h @ W₂` (matmul) | (16, 10) |
# | 5 | `+ b₂` (add) | (16, 10) |
# | 6 | σ (sigmoid), the output $\hat y$ | (16, 10) |
# | 7 | $\hat y - y$ (sub) | (16, 10) |
# | 8 | $(\cdot)^2$ (pow), eq. 6 | (16, 10) |
# | 9 | sum, eq. 7 | () |
#
# and the number of nodes does not depend on the size of the network or of the batch.
# Both do the same multiplications; the tensor tape saves the bookkeeping around them (9
# nodes instead of 839,658 Python objects made and visited by Python loops) and does the
# arithmetic in bulk in numpy's compiled code. (`MLP` itself records `x @ W + b` as one
# node, `linear`, one of the speed-ups of the appendix [How `ppn` is made
# fast](appendix_fast.ipynb).)
#
# ## What a tensor node stores
#
# A scalar node stored a number $\partial w_i / \partial w_p$ per parent. For a matrix
# product $Y = AB$ with $A$ of shape $(16, 784)$ and $B$ of shape $(784, 32)$, the
# corresponding object, the Jacobian $\partial Y / \partial B$, would have
# $16 \cdot 32 \cdot 784 \cdot 32 \approx 1.3 \times 10^7$ entries, mostly zeros. The
# backward pass only ever multiplies an adjoint by it (eq. 15), so each operation comes
# with a function computing that product directly, a **vector-Jacobian product** (VJP):
# given the output's adjoint $\bar Y = \partial C / \partial Y$ (of $Y$'s shape), it
# returns each input's share of its adjoint,
# $\bar A_{ij} = \sum_{k,l} \bar Y_{kl}\, \partial Y_{kl} / \partial A_{ij}$ (of $A$'s
# shape). In `ppn/tensor.py` these functions form a table, `VJP`, one row per operation.
# Every function of a row receives the same arguments, in this order:
#
# * `g`: the adjoint of the node's output, $\bar y$, an array of the output's shape;
# * the node's inputs as arrays: `a, b` for a binary operation, `x` for a unary one;
# * `y`: the node's output, an array (often cheaper to reuse than to recompute);
#
# so a binary row holds a pair of functions `(g, a, b, y) -> ā` and
# `(g, a, b, y) -> b̄`, one per input, and a unary row one function `(g, x, y) -> x̄`.
# Each returns an array, the contribution to that input's adjoint. Here is the start of
# the table: the rows of task 6.2, and the row `matmul`, which names the two functions
# of task 6.1. Further down come the unary rows, such as `"exp": lambda g, x, y: g * y`
# (the derivative of $e^x$ is the output $y$ itself), and among them those of task 6.3.

# %% tags=["remove-input"]
listing("ppn/tensor.py", start_at="VJP: dict", end_before='"linear":')

# %% [markdown]
# `Tensor.backward()` runs Algorithm 1 over the recorded nodes with these rows. Each node
# remembers its operation, its parent tensors and a creation number, and sorting the
# nodes by that number gives the tape's order. In outline:
#
# ```text
# adjoint of the output ← 1
# for each recorded node, the last created first:
#     g ← the adjoint of the node            (complete: every use of it came later)
#     for each parent p and its function of the row VJP[node.op]:
#         if p requires a gradient:
#             adjoint of p += unbroadcast(function(g, *inputs, y), p.shape)
# each leaf's .grad += its adjoint            (added to what an earlier call left)
# ```
#
# The `+=` is eq. 15's sum, as in chapter 5; `unbroadcast` (task 6.4) sums a
# contribution back to the parent's shape when numpy broadcast the parent. A leaf's
# `.grad` adds up in the same way across calls of `backward()`, so a new gradient starts
# by clearing the old one: `mlp.zero_grad()`, which `tensor_cost_and_gradient` above
# calls first, resets every parameter's `.grad`. The next four sections derive the rows
# you write.

# %% [markdown]
# ## The matrix product's VJP
#
# The rule for $Y = AB$, with $A$ of shape $(n, k)$ and $B$ of shape $(k, m)$, follows from
# eq. 15 applied to one entry. Write the product entry by entry,
# $Y_{ij} = \sum_l A_{il} B_{lj}$. Which entries of $Y$ use the entry $A_{il}$? Those of
# row $i$, $Y_{ij}$ for every column $j$, each with the local partial
# $\partial Y_{ij} / \partial A_{il} = B_{lj}$. Eq. 15 sums one term per use:
#
# $$ \bar A_{il} = \sum_j \bar Y_{ij} \, \frac{\partial Y_{ij}}{\partial A_{il}}
#    = \sum_j \bar Y_{ij} B_{lj} = (\bar Y B^\top)_{il} ,
#    \qquad\text{so}\qquad \bar A = \bar Y B^\top . $$
#
# Likewise $B_{lj}$ is used by column $j$ of $Y$, $Y_{ij}$ for every row $i$, with the
# partial $A_{il}$:
#
# $$ \bar B_{lj} = \sum_i \bar Y_{ij} A_{il} = (A^\top \bar Y)_{lj} ,
#    \qquad\text{so}\qquad \bar B = A^\top \bar Y . $$
#
# The shapes check themselves: $\bar Y B^\top$ is $(n, m) \cdot (m, k)$, the shape of $A$;
# $A^\top \bar Y$ is $(k, n) \cdot (n, m)$, the shape of $B$. For the first layer of the
# network above, two matrix products replace a Jacobian of thirteen million entries. The
# next cell computes both sums with explicit loops over the entries, exactly as written
# above, and compares them with the matrix formulas and with what `backward()` returns
# (multiplying $Y$ by a fixed array $\bar Y$ and summing gives a cost whose adjoint
# towards $Y$ is exactly $\bar Y$):

# %%
rng = np.random.default_rng(3)
A = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
B = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
Y_bar = rng.normal(size=(2, 4))  # any adjoint of Y = AB
(A @ B * Y_bar).sum().backward()  # a cost whose adjoint towards Y is exactly Y_bar

A_bar = np.zeros((2, 3))  # eq. 15, entry by entry: Āᵢₗ = Σⱼ Ȳᵢⱼ Bₗⱼ
B_bar = np.zeros((3, 4))  # B̄ₗⱼ = Σᵢ Ȳᵢⱼ Aᵢₗ
for i in range(2):
    for l in range(3):
        for j in range(4):
            A_bar[i, l] += Y_bar[i, j] * B.data[l, j]
            B_bar[l, j] += Y_bar[i, j] * A.data[i, l]
assert np.allclose(A_bar, Y_bar @ B.data.T, rtol=1e-13) and np.allclose(A.grad, A_bar)
assert np.allclose(B_bar, A.data.T @ Y_bar, rtol=1e-13) and np.allclose(B.grad, B_bar)
print("Ā = Ȳ Bᵀ and B̄ = Aᵀ Ȳ: the loops over eq. 15, the formulas and the tape agree")

# %% [markdown]
# **Vectors.** numpy's `@` also takes a one-dimensional array on either side, and so must
# the rules. A vector `a` of shape $(k,)$ on the left is read as a matrix of one row, and
# that row is dropped from the result: `a @ b` with `b` of shape $(k, m)$ has shape
# $(m,)$, $y_j = \sum_l a_l b_{lj}$. A vector `b` on the right is read as one column,
# dropped likewise: `a @ b` with `a` of shape $(n, k)$ has shape $(n,)$. Eq. 15 on these
# sums gives the matrix formulas with the dropped axis put back, and each adjoint has the
# shape of its input (for a vector `b`, $\bar a$ has the shape of `a`):
#
# | `a` | `b` | `y` | $\bar a$ | $\bar b$ |
# |:--|:--|:--|:--|:--|
# | $(n, k)$ | $(k, m)$ | $(n, m)$ | $\bar y\, b^\top$ | $a^\top \bar y$ |
# | $(k,)$ | $(k, m)$ | $(m,)$ | $b\, \bar y$ | $\operatorname{outer}(a, \bar y)$ |
# | $(n, k)$ | $(k,)$ | $(n,)$ | $\operatorname{outer}(\bar y, b)$ | $a^\top \bar y$ |
# | $(k,)$ | $(k,)$ | $()$ | $\bar y\, b$ | $\bar y\, a$ |
#
# Here $\operatorname{outer}(u, v)$ is the matrix of all products $u_i v_j$
# (`np.outer(u, v)`): in the second row, $\bar b_{lj} = a_l \bar y_j$, and
# $\bar a_l = \sum_j b_{lj} \bar y_j$ is the product `b @ g`. In the last row `g` is a
# 0-dimensional array (one number) that scales a vector. A layer applied to a single image
# (a row of shape $(784,)$) is the second case.
#
# **Batches of matrices.** With more than two dimensions, `a @ b` multiplies matrix by
# matrix along the *last two* axes and repeats over the leading ones: `a` of shape
# $(5, 2, 3)$ (five $2 \times 3$ matrices) times `b` of shape $(3, 4)$ gives five
# $2 \times 4$ products, shape $(5, 2, 4)$. The rules hold for each of the five, so the
# transposes must swap only the last two axes: `b.swapaxes(-1, -2)`, not `b.T`, which
# reverses all the axes of a 3-dimensional array. And $\bar b = a^\top \bar y$ then has
# one $(3, 4)$ matrix per batch entry, shape $(5, 3, 4)$: return it as it is. The same
# $b$ served all five products, so its adjoint is the sum of the five, and `backward()`
# sums them with `unbroadcast` (see below). The cell shows the shapes `backward()` gives
# in each case:

# %%
for shape_a, shape_b in [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                         ((5, 2, 3), (3, 4))]:  # fmt: skip
    a = Tensor(rng.normal(size=shape_a), requires_grad=True)
    b = Tensor(rng.normal(size=shape_b), requires_grad=True)
    y = a @ b
    (y * rng.normal(size=y.shape)).sum().backward()  # any adjoint ȳ of y's shape
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    print(f"a {str(shape_a):10} @ b {str(shape_b):7} = y {str(y.shape):10}"
          f"ā {str(a.grad.shape):10} b̄ {b.grad.shape}")  # fmt: skip

# %% [markdown]
# ```{admonition} Task 6.1: the VJPs of the matrix product
# :class: tip
# **Write** the bodies of `_matmul_vjp_a` and `_matmul_vjp_b` in `ppn/tensor.py` (between
# `# task 6.1: begin` and `# task 6.1: end`), the row `matmul` of `VJP`. **They receive**
# `(g, a, b, y)`: the adjoint $\bar y$ of `y = a @ b` and the arrays `a`, `b`, `y`.
# **They return** $\bar a$ and $\bar b$: $\bar y\, b^\top$ and $a^\top \bar y$ for
# matrices, and for a vector `a` or `b` the cases of the table above, each of its input's
# shape; for batches, transpose the last two axes only (`.swapaxes(-1, -2)`).
# **Check** with `ppn.tasks.check("6.1")` in this notebook, or
# `pytest tests/tasks -k TestTask6_1`. The checks compare both functions with finite
# differences for the four shapes of the table, run `backward()` through a product of
# matrices, through a batch of shape $(5, 2, 3)$ times $(3, 4)$ (a check that waits for
# tasks 6.2 and 6.4, which `backward()` needs there), and through `ppn.tensor.linear`,
# which records `x @ W + b` as one node with the same two rules.
# ```

# %% [markdown]
# ## Element-wise arithmetic: + − × ÷
#
# For $y = a \circ b$ entry by entry (with $\circ$ one of $+ - \times \div$, and $a$, $b$,
# $y$ of one shape), the entry $y_i$ depends only on $a_i$ and $b_i$. Each input entry has
# one use, so eq. 15 has a single term, and the VJP is an entry-by-entry product:
# $\bar a_i = \bar y_i \, \partial y_i / \partial a_i$. The four pairs of rules are the
# scalar derivatives of chapter 3, applied to every entry at once ($\odot$ is the
# entry-by-entry product, numpy's `*`):
#
# | operation | $\partial y / \partial a$ | $\partial y / \partial b$ | $\bar a$ | $\bar b$ |
# |:--|:--|:--|:--|:--|
# | $y = a + b$ | $1$ | $1$ | $\bar y$ | $\bar y$ |
# | $y = a - b$ | $1$ | $-1$ | $\bar y$ | $-\bar y$ |
# | $y = a \odot b$ | $b$ | $a$ | $\bar y \odot b$ | $\bar y \odot a$ |
# | $y = a / b$ | $1 / b$ | $-a / b^2 = -y / b$ | $\bar y / b$ | $-\bar y \odot y / b$ |
#
# Division has two different partials: $1/b$ towards the numerator, and $-a/b^2 = -y/b$
# towards the denominator (the output $y$ the row receives saves recomputing $a/b$).
#
# When $a$ and $b$ have different shapes (a bias $b$ of shape $(m,)$ added to a batch of
# shape $(n, m)$), numpy broadcasts them and `g` has the shape of the result. Return the
# formula as it comes out, of the broadcast shape; `backward()` sums it back to each
# input's shape (the section on `unbroadcast` below).

# %% [markdown]
# ```{admonition} Task 6.2: the VJPs of + − × ÷
# :class: tip
# **Write** the rows `add`, `sub`, `mul` and `div` of the table `VJP` in `ppn/tensor.py`
# (between `# task 6.2: begin` and `# task 6.2: end`): in each row, the body of both
# `lambda g, a, b, y: …`, the first for $\bar a$, the second for $\bar b$. **They receive**
# the adjoint `g` $= \bar y$, the inputs `a`, `b` and the output `y`, arrays of one shape
# in the checks. **They return** the columns $\bar a$ and $\bar b$ of the table above, as
# arrays. **Check** with `ppn.tasks.check("6.2")` in this notebook, or
# `pytest tests/tasks -k TestTask6_2`: each of the eight functions is compared with finite
# differences on arrays of shape $(3, 4)$, with $b$ between 0.5 and 2 so that $a / b$ is
# safe.
# ```

# %% [markdown]
# ## Activations: tanh, sigmoid, relu
#
# An activation $y = f(x)$ is applied entry by entry, so, as for the arithmetic above,
# $\bar x = \bar y \odot f'(x)$. A unary row receives `(g, x, y)`, with `y` $= f(x)$
# already computed, and the derivatives of the three activations are cheapest written
# with it:
#
# * $\tanh' x = 1 - \tanh^2 x = 1 - y^2$, so $\bar x = \bar y \odot (1 - y \odot y)$.
# * The sigmoid $\sigma(x) = 1 / (1 + e^{-x})$ has
#   $\sigma'(x) = e^{-x} / (1 + e^{-x})^2 = \sigma(x)\,\big(1 - \sigma(x)\big)$, because
#   $e^{-x} / (1 + e^{-x}) = 1 - \sigma(x)$; so $\bar x = \bar y \odot y \odot (1 - y)$.
# * $\operatorname{relu}(x) = \max(x, 0)$ has slope 1 where $x > 0$ and 0 where $x < 0$:
#   $\bar x = \bar y \odot [x > 0]$, where $[x > 0]$ is 1 or 0 entry by entry. At $x = 0$
#   the function has a corner and no derivative; the convention (PyTorch's too) is to take
#   0 there. In numpy, `x > 0` is an array of booleans; `g * (x > 0)` multiplies by 1 or 0.
#
# The cell compares the three formulas with a central difference at a few points:

# %%
x, eps = np.array([-2.0, -0.5, 0.3, 1.5]), 1e-6
for name, f, derivative in [("tanh", np.tanh, lambda x, y: 1 - y * y),
                            ("sigmoid", ppn.sigmoid, lambda x, y: y * (1 - y)),
                            ("relu", ppn.relu, lambda x, y: 1.0 * (x > 0))]:
    numeric = (f(x + eps) - f(x - eps)) / (2 * eps)
    assert np.allclose(derivative(x, f(x)), numeric, atol=1e-8)
    print(f"{name:8} f'(x) at {x}: {np.round(derivative(x, f(x)), 4)}")

# %% [markdown]
# ```{admonition} Task 6.3: the VJPs of tanh, sigmoid and relu
# :class: tip
# **Write** the rows `tanh`, `sigmoid` and `relu` of the table `VJP` in `ppn/tensor.py`
# (between `# task 6.3: begin` and `# task 6.3: end`): the body of each
# `lambda g, x, y: …`. **They receive** the adjoint `g` $= \bar y$, the input `x` and the
# output `y` $= f(x)$, arrays of one shape. **They return** $\bar x$, of that shape:
# `g` times $1 - y^2$, $y(1 - y)$ and $[x > 0]$ (0 at $x = 0$). **Check** with
# `ppn.tasks.check("6.3")` in this notebook, or `pytest tests/tasks -k TestTask6_3`: the
# rows are compared with finite differences on a $4 \times 5$ array (away from 0, where
# relu has no derivative), and relu's through `backward()` on $[-1, 0.5, 2]$ must give
# $[0, 1, 1]$.
# ```

# %% [markdown]
# ## Broadcasting, backwards: `unbroadcast`
#
# In $X W + b$ on a batch, $X W$ has shape $(16, 32)$ and $b$ has shape $(32,)$: numpy
# *broadcasts* $b$, adding the same row to each of the 16 rows. numpy's rule compares the
# shapes from the right: a missing leading axis is added, and an axis of size 1 is
# stretched to the other's length, by repeating the entries. So $(32,)$ against
# $(16, 32)$ becomes $(1, 32)$, then 16 copies of the row; $(3, 1)$ against $(3, 4)$
# repeats a column 4 times.
#
# Backwards, each copy is a use. The bias entry $b_i$ is used 16 times, once per row, and
# by eq. 15 its adjoint is the **sum** of the adjoints of its 16 copies. The add rule
# returns `g` of shape $(16, 32)$, one adjoint per copy; `unbroadcast(g, (32,))` sums it
# back to $b$'s shape. In general `unbroadcast(gradient, shape)` undoes the two steps of
# the rule, in reverse:
#
# 1. sum over the leading axes that `gradient` has and `shape` does not (the first
#    `gradient.ndim - len(shape)` axes), which broadcasting added;
# 2. then sum over each axis where `shape` has size 1 and `gradient` does not, keeping
#    that axis with size 1 (`keepdims=True`), since broadcasting stretched it.
#
# The result has exactly `shape`. A gradient that already has the shape is returned as it
# is; a gradient of shape $(1, 4)$ for a vector of shape $(4,)$ sums one row (a batch of
# one image); and `shape` $= ()$, a number broadcast to every entry, sums everything:

# %%
g = np.arange(12.0).reshape(3, 4)  # an adjoint of shape (3, 4)
print("g =\n", g)
print("to (4,):  ", unbroadcast(g, (4,)), "  (a row added to each row: sum the rows)")
print("to (3, 1):", unbroadcast(g, (3, 1)).ravel(), "  (a column stretched: sum rows)")
print("to ():    ", unbroadcast(g, ()), "  (a number added to every entry: sum all)")

# %% [markdown]
# The same thing inside a real backward pass: a bias of shape $(10,)$ added to a batch of
# 16 rows receives, as its gradient, the column sums of the batch's adjoint:

# %%
rng = np.random.default_rng(0)
z = Tensor(rng.normal(size=(16, 10)))
bias = Tensor(np.zeros(10), requires_grad=True)
(((z + bias) ** 2).sum()).backward()  # adjoint of z + bias: 2 (z + b), shape (16, 10)
print("bias.grad:    ", np.round(bias.grad, 2))
print("sums of 2z[n]:", np.round((2 * z.data).sum(axis=0), 2))  # column sums
assert bias.grad.shape == (10,) and np.allclose(bias.grad, (2 * z.data).sum(axis=0))

# %% [markdown]
# ```{admonition} Task 6.4: a broadcast add, backwards: unbroadcast
# :class: tip
# **Write** the body of `unbroadcast(gradient, shape)` in `ppn/tensor.py` (between
# `# task 6.4: begin` and `# task 6.4: end`). **It receives** `gradient`, an array of the
# broadcast shape, and `shape`, the tuple of the input's shape. **It returns** `gradient`
# summed over the leading axes broadcasting added and over the axes of size 1 it
# stretched: an array of exactly `shape`. **Check** with `ppn.tasks.check("6.4")` in this
# notebook, or `pytest tests/tasks -k TestTask6_4`: finite differences of
# `np.broadcast_to` for $(3, 4) \to (4,)$, $(3, 1)$, $(3, 4)$ and $()$; $(2, 3, 4) \to
# (3, 1)$; $(1, 4) \to (4,)$; $(2, 1, 4) \to (1, 4)$; and a bias of shape $(4,)$ added to
# 3 rows, which must receive $[3, 3, 3, 3]$ from `(h + b).sum().backward()`.
# ```

# %% [markdown]
# ## Backpropagation through a network, drawn
#
# With these rules the tape can take a whole network backwards. Here is the smallest one
# worth drawing: two inputs, a hidden layer of two sigmoid neurons and one sigmoid output
# neuron (a 2-2-1 network), in the row convention of chapter 2,
#
# $$ H_1 = \sigma(X W_1 + b_1), \qquad H_2 = \sigma(H_1 W_2 + b_2) = \hat y , $$
#
# with $\sigma$ the sigmoid, on one input row $X$ of shape $(1, 2)$ with the target
# $y = 1$, and the cost of eq. 7, $C = \sum (H_2 - y)^2$. Written one operation per line,
# each line records one node, and each node gets a name for the figure:

# %%
X = Tensor([[1.0, -0.5]])  # one input row
W1 = Tensor([[0.5, -0.4], [0.3, 0.8]], requires_grad=True)  # (inputs, neurons)
b1 = Tensor([0.1, -0.1], requires_grad=True)
W2 = Tensor([[0.9], [-0.7]], requires_grad=True)
b2 = Tensor([0.2], requires_grad=True)
y = Tensor([[1.0]])  # the target

P1 = X @ W1  # matmul
Z1 = P1 + b1  # add: the hidden layer's weighted sums
H1 = ppn.sigmoid(Z1)
P2 = H1 @ W2
Z2 = P2 + b2
H2 = ppn.sigmoid(Z2)  # the output ŷ
D = H2 - y
S = D**2
C = S.sum()  # eq. 7
names = {"X": X, "W₁": W1, "b₁": b1, "W₂": W2, "b₂": b2, "y": y, "P₁": P1, "Z₁": Z1,
         "H₁": H1, "P₂": P2, "Z₂": Z2, "H₂": H2, "D": D, "S": S, "C": C}  # fmt: skip
trace = tensor_trace(C, names)  # each node: its value, and its adjoint by the VJP rows
rows = [["X", "P₁", "Z₁", "H₁"], [None, "P₂", "Z₂", "H₂"], [None, "D", "S", "C"]]
print(f"ŷ = H₂ = {H2.item():.4f}, C = {C.item():.4f}")

# %% mystnb={"figure": {"caption": "The computation graph of a 2-2-1 sigmoid network and its cost, one box per tensor node: its value, then its adjoint $\\bar v = \\partial C / \\partial v$. Blue boxes are the data and the parameters; the adjoints of the parameters are the gradient.", "name": "fig-tensor-graph"}}
fig, ax = plt.subplots(figsize=(9, 7))
_ = draw_tensor_graph(trace, ax, lines=rows, title="a 2-2-1 network, both passes")
fig.tight_layout()
plt.show()

# %% [markdown]
# Read it twice. **Forward**, along the arrows: $P_1 = X W_1$, $Z_1 = P_1 + b_1$ and
# $H_1 = \sigma(Z_1)$ make the hidden layer; the second row makes the output
# $H_2 \approx 0.63$; the third measures its distance from $y = 1$,
# $C = (H_2 - 1)^2 \approx 0.13$. **Backward**, against the arrows, every adjoint is one
# rule of the table applied to the adjoint of the node that uses it:
#
# * $\bar C = 1$ (the seed); the sum copies it, $\bar S = 1$; the square gives
#   $\bar D = 2 D \odot \bar S$; the subtraction passes it on, $\bar H_2 = \bar D$;
# * the sigmoid multiplies by its slope, $\bar Z_2 = \bar H_2 \odot H_2 (1 - H_2)$;
# * the add copies $\bar Z_2$ to both operands, $\bar P_2 = \bar Z_2$ and
#   $\bar b_2 = \bar Z_2$ summed over the rows (one row here);
# * the matrix product sends $\bar H_1 = \bar P_2 W_2^\top$ to its left operand and
#   $\bar W_2 = H_1^\top \bar P_2$ to its right one (task 6.1);
# * and the first layer repeats the second: $\bar Z_1$, $\bar b_1$, $\bar P_1$, and
#   $\bar W_1 = X^\top \bar P_1$. $X$ and $y$ are data: no gradient is asked of them.
#
# In Jupyter, the slider steps through both passes: the values node by node, then the
# adjoints from the last node back; orange arrows show where an adjoint is sent, and "?"
# what is not known yet. (The web version of the book shows a note in the slider's
# place; the animation after it plays the same steps.)

# %% tags=["nbval-ignore-output"]
from ipywidgets import IntSlider, interact

frames = tensor_pass_frames(trace)


def show_step(step):
    fig, ax = plt.subplots(figsize=(9, 7))
    _ = draw_tensor_graph(trace, ax, step=step, lines=rows)
    plt.show()


_ = interact(show_step, step=IntSlider(min=0, max=len(frames) - 1, value=0))

# %% tags=["nbval-ignore-output"]
animation = animate_tensor_graph(trace, lines=rows, title="forward, then backward")
HTML(animation.to_jshtml())

# %% [markdown]
# The adjoints in the figure come from the same rows of `VJP` as `backward()`, node by
# node; `backward()` keeps only those of the parameters. They agree:

# %%
C.backward()
for node in trace:
    if node.op == "input" and node.adjoint is not None:
        assert np.allclose(node.adjoint, names[node.name].grad, rtol=1e-14, atol=0)
n_operations = sum(node.op != "input" for node in trace)
assert len(frames) == 1 + 2 * n_operations == 19  # leaves, 9 forward, 9 backward
print(f"C = {C.item():.4f}; {n_operations} nodes, {len(frames)} steps")
print("W̄₁ =", np.round(W1.grad, 4).tolist(), " b̄₁ =", np.round(b1.grad, 4).tolist())

# %% [markdown]
# ## The four equations of backpropagation
#
# The backward pass above has a pattern that repeats layer after layer, and textbooks
# write it as four equations ([Nielsen, 2015, chapter 2](bibliography.md), after
# [Rumelhart, Hinton and Williams, 1986](bibliography.md)). Number the layers
# $l = 1, \dots, L$, call the input $H_0 = X$ (a batch: one row per example, with the
# targets $Y$ in the same rows), and write
#
# $$ Z_l = H_{l-1} W_l + b_l, \qquad H_l = \sigma(Z_l), \qquad \hat y = H_L . $$
#
# The quantity that flows back is the adjoint of the weighted sums. Define the **error**
# of layer $l$,
#
# $$ \delta_l = \frac{\partial C}{\partial Z_l} = \bar Z_l , $$
#
# an array of the shape of $Z_l$: one row per example, one column per neuron. Entry
# $(n, i)$ says how much the cost would change if neuron $i$'s weighted sum for example
# $n$ moved a little. The four equations give every $\delta_l$ and, from them, the
# gradient; each comes with its intuition first.
#
# **(BP1) The output layer's error** is how fast the cost changes with the output, times
# how fast the output changes with its weighted sum:
#
# $$ \delta_L = \frac{\partial C}{\partial H_L} \odot \sigma'(Z_L)
#    = 2\,(H_L - Y) \odot \sigma'(Z_L) \quad\text{for eq. 7.} $$
#
# **(BP2) A layer's error comes from the next layer's**, sent back through the weights
# that carried the signal forward (transposed: backwards, each neuron collects from the
# neurons it fed), then scaled by how sensitive each neuron is to its weighted sum:
#
# $$ \delta_l = \big(\delta_{l+1} W_{l+1}^\top\big) \odot \sigma'(Z_l) . $$
#
# **(BP3) A bias's gradient is its neuron's error, summed over the examples**, since the
# bias is added to that neuron's weighted sum once per example:
#
# $$ \frac{\partial C}{\partial b_l} = \sum_n (\delta_l)_{n,:} \quad
#    \text{(the column sums of } \delta_l\text{)}. $$
#
# **(BP4) A weight's gradient is the activation at its input times the error at its
# output**, summed over the examples; a weight fed by a neuron that is nearly 0 learns
# slowly:
#
# $$ \frac{\partial C}{\partial W_l} = H_{l-1}^\top\, \delta_l . $$
#
# For the sigmoid, $\sigma'(Z_l) = H_l \odot (1 - H_l)$. Nielsen writes the same
# equations for column vectors, $\delta^l = ((w^{l+1})^\top \delta^{l+1}) \odot
# \sigma'(z^l)$; with one example per *row*, as in this course, the transposes move to the
# other side. Nothing in them is new: BP1 is the VJPs of sum, square, subtraction and
# sigmoid in a row; BP2 is the matrix product's $\bar A = \bar Y B^\top$ followed by the
# sigmoid's row; BP3 is the add's VJP summed by `unbroadcast`; BP4 is the matrix product's
# $\bar B = A^\top \bar Y$. The function below is the four equations in numpy, with no
# tape:


# %%
def four_equations(X, Y, weights, biases):
    """Every δ by BP1 and BP2, ∂C/∂W and ∂C/∂b by BP4 and BP3 (sigmoid, eq. 7)."""
    H = [X]  # H₀ = X, then H₁ … H_L: the forward pass
    for W, b in zip(weights, biases, strict=True):
        H.append(ppn.sigmoid(H[-1] @ W + b))
    deltas = [2 * (H[-1] - Y) * H[-1] * (1 - H[-1])]  # BP1: δ_L, σ'(Z) = H(1 − H)
    for l in range(len(weights) - 1, 0, -1):  # BP2, down to δ₁; weights[l] is W_{l+1}
        deltas.insert(0, (deltas[0] @ weights[l].T) * H[l] * (1 - H[l]))
    grad_W = [H[l].T @ deltas[l] for l in range(len(weights))]  # BP4: H_{l−1}ᵀ δ_l
    grad_b = [delta.sum(axis=0) for delta in deltas]  # BP3: column sums
    return deltas, grad_W, grad_b


# %% [markdown]
# On the tiny network, the errors $\delta_1$, $\delta_2$ are the adjoints $\bar Z_1$,
# $\bar Z_2$ of the figure, and the gradients are what `backward()` left in `.grad`.
# Better still, BP2 and BP4 *are* rows of the table: the matrix product's two functions
# and the sigmoid's, called by hand on $\delta_2$, give $\delta_1$ and $\bar W_2$:

# %%
weights, biases = [W1.data, W2.data], [b1.data, b2.data]
deltas, grad_W, grad_b = four_equations(X.data, y.data, weights, biases)
adjoint = {node.name: node.adjoint for node in trace}
for delta, Z_bar in zip(deltas, [adjoint["Z₁"], adjoint["Z₂"]], strict=True):
    assert np.allclose(delta, Z_bar, rtol=1e-14, atol=0)  # δ_l is Z̄_l
for by_hand, tape in zip([*grad_W, *grad_b], [W1, W2, b1, b2], strict=True):
    assert np.allclose(by_hand, tape.grad, rtol=1e-14, atol=0)
matmul_a, matmul_b = ppn.tensor.VJP["matmul"]  # (g, a, b, y) -> ā, b̄ for y = a @ b
sigmoid_vjp = ppn.tensor.VJP["sigmoid"]  # (g, x, y) -> x̄ for y = σ(x)
H1_bar = matmul_a(deltas[1], H1.data, W2.data, P2.data)  # δ₂ W₂ᵀ
assert np.allclose(sigmoid_vjp(H1_bar, Z1.data, H1.data), deltas[0])  # BP2
assert np.allclose(matmul_b(deltas[1], H1.data, W2.data, P2.data), grad_W[1])  # BP4
print("δ₁ =", np.round(deltas[0], 4).tolist(), " δ₂ =", np.round(deltas[1], 4).tolist())
print("BP1-BP4 give the tape's Z̄₁, Z̄₂ and the gradients of W₁, W₂, b₁, b₂")

# %% [markdown]
# And on a batch: the 16 images and the 784-32-10 network of the first section, where
# $\delta_1$ has shape $(16, 32)$ and BP3 sums 16 rows. `MLP` records each layer's
# $H_{l-1} W_l + b_l$ as one node, `linear`, whose adjoints are the $\bar Z_l$:

# %%
mlp.zero_grad()
cost = losses.sum_squared_error(ppn.sigmoid(mlp(x_batch)), y_batch)
Z_bars = [node.adjoint for node in tensor_trace(cost, {}) if node.op == "linear"]
cost.backward()
weights = [layer.weight.data for layer in mlp.layers]
biases = [layer.bias.data for layer in mlp.layers]
deltas, grad_W, grad_b = four_equations(x_batch, y_batch, weights, biases)
for layer, delta, Z_bar, gW, gb in zip(mlp.layers, deltas, Z_bars, grad_W, grad_b,
                                       strict=True):  # fmt: skip
    assert np.allclose(delta, Z_bar, rtol=1e-12, atol=1e-15)
    assert np.allclose(gW, layer.weight.grad, rtol=1e-12, atol=1e-15)
    assert np.allclose(gb, layer.bias.grad, rtol=1e-12, atol=1e-15)
print(f"δ shapes {[d.shape for d in deltas]}: the tape's Z̄ and gradient, by BP1-BP4")

# %% [markdown]
# ## Checking the gradient
#
# One last, independent witness: finite differences. `ppn.gradcheck.check_grad` computes
# the gradient of a scalar function of arrays with `backward()`, then again entry by
# entry with the central difference $(f(x + \varepsilon) - f(x - \varepsilon)) / 2\varepsilon$
# (two evaluations per entry), and fails if they differ anywhere. Here it checks every
# weight and bias of an MLP with the cost of [chapter 2](02_neural_networks.ipynb), on
# four images. A hidden layer of 8 neurons keeps it quick: finite differences on the
# 25,450 parameters of the 32-neuron network would cost 50,900 forward passes.

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
assert worst < 1e-8


# %% [markdown]
# ## Summary
#
# * A tensor node holds a whole array: a layer $H = \sigma(X W + b)$ is three nodes
#   whatever its size (9 nodes against 839,658 on a scalar tape, for one gradient).
# * Each node's rule is a vector-Jacobian product: a row of `VJP` receives
#   `(g, a, b, y)` or `(g, x, y)` and returns each input's adjoint, never a Jacobian.
# * Matrix product: $\bar A = \bar Y B^\top$, $\bar B = A^\top \bar Y$ (a vector is one
#   row on the left, one column on the right; batches transpose their last two axes).
#   Element-wise rows multiply $\bar y$ entry by entry by the derivative.
# * A broadcast operand is used once per copy: `unbroadcast` sums its adjoint over the
#   added leading axes and the stretched axes of size 1.
# * Backpropagation through a network is these rules node after node; layer by layer
#   they are the four equations BP1–BP4, with the error $\delta_l = \bar Z_l$.
# * Finite differences check a gradient (`ppn.gradcheck.check_grad`).
#
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 6.1: the VJPs of the matrix product (`ppn/tensor.py`: `_matmul_vjp_a`, `_matmul_vjp_b`)
# * 6.2: the VJPs of the element-wise +, −, ×, ÷ (`ppn/tensor.py`: the rows `add`, …, `div` of `VJP`)
# * 6.3: the VJPs of the activations tanh, sigmoid, relu (`ppn/tensor.py`: the rows `tanh`, `sigmoid`, `relu` of `VJP`)
# * 6.4: a broadcast add, backwards: unbroadcast (`ppn/tensor.py`: `unbroadcast`)
#
# Check them with `pytest tests/tasks -k TestTask6_`, or here with
# `import ppn.tasks` and `ppn.tasks.check("6.1")`.

# %% [markdown]
# ## Exercises

# %% [markdown]
# ```{exercise} How long is a scalar tape? (★★, 20 min)
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
columns = (one_tape.parents, one_tape.partials)
node_bytes = sum(sys.getsizeof(column) for column in columns)
node_bytes += sum(sys.getsizeof(entry) for column in columns for entry in column)
node_bytes += sum(sys.getsizeof(p) for partials in one_tape.partials for p in partials)
# the operation names, and one index per node
node_bytes += sys.getsizeof(one_tape.ops) + len(one_tape) * sys.getsizeof(len(one_tape))
per_node = node_bytes / len(one_tape)
print(f"B = 1: {len(one_tape):,} nodes (formula {nodes(1):,})")
print(f"B = 16: {scalar_nodes:,} (formula {nodes(16):,})")
gigabytes = nodes(128) * per_node / 1e9
print(f"B = 128: {nodes(128):,} nodes, {per_node:.0f} bytes each: {gigabytes:.1f} GB")
assert len(one_tape) == nodes(1) and scalar_nodes == nodes(16)
assert 160 < per_node < 180 and gigabytes > 1  # about 170 bytes a node; over 1 GB
del one_tape

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The gradient of a quadratic form, by hand (★★, 20 min)
# :label: ex-tape-quadratic-form
#
# For a square matrix $A$, a row vector $x$ and $y = x A x^\top$, derive by hand the
# vector-Jacobian products $\bar x$ and $\bar A$ (the adjoints of $x$ and $A$, given
# $\bar y$). Build the same function from `Tensor` operations, and compare `backward()`
# with your formulas and with `check_grad`.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-quadratic-form
# :label: ex-tape-quadratic-form-solution
# :class: dropdown
# ```
#
# Write $y = \sum_{j,k} x_j A_{jk} x_k$. Then $\partial y / \partial A_{jk} = x_j x_k$,
# so $\bar A = \bar y\, x^\top x$ (a column times a row: an $n \times n$ matrix); and
# $x_j$ appears twice in each term where it occurs (as the left and as the right
# factor), so by eq. 11
# $\partial y / \partial x_j = \sum_k A_{jk} x_k + \sum_i x_i A_{ij}$, that is
# $\bar x = \bar y\, x\,(A + A^\top)$, a row like $x$. For a symmetric $A$ this is the
# familiar $2 x A$. As tensors, `(x @ A) @ x` is two matrix-product nodes (numpy reads a
# 1-D `x` as a row on the left of `@` and as a column on its right); its backward pass
# applies the `matmul` rules twice and accumulates both contributions into $\bar x$.

# %% tags=["solution"]
rng = np.random.default_rng(2)
A = Tensor(rng.normal(size=(4, 4)), requires_grad=True)
x = Tensor(rng.normal(size=4), requires_grad=True)
y = (x @ A) @ x  # x A xᵀ
y.backward()
x_bar = x.data @ (A.data + A.data.T)  # ȳ = 1
A_bar = np.outer(x.data, x.data)  # xᵀx
check_grad(lambda x_, A_: (x_ @ A_) @ x_, x.data, A.data)  # raises if backward() errs
print(f"y = {y.item():.4f}; x̄ and Ā equal the formulas: "
      f"{np.allclose(x.grad, x_bar) and np.allclose(A.grad, A_bar)}; check_grad passes")
assert np.allclose(x.grad, x_bar, rtol=1e-12) and np.allclose(A.grad, A_bar, rtol=1e-12)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The four equations with ReLU (★, 15 min)
# :label: ex-four-equations-relu
#
# Build the tiny network of this chapter with ReLU instead of the sigmoid in its hidden
# layer (keep the sigmoid at the output). What is $\sigma'(Z_1)$ in BP2 now, and what does
# it do to the error $\delta_1$ of a hidden neuron whose weighted sum is negative? Change
# `four_equations` accordingly and check it against `backward()`.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-four-equations-relu
# :label: ex-four-equations-relu-solution
# :class: dropdown
# ```
#
# For ReLU, $\sigma'(Z_1) = [Z_1 > 0]$, which is $[H_1 > 0]$: BP2 becomes
# $\delta_1 = (\delta_2 W_2^\top) \odot [Z_1 > 0]$. A hidden neuron whose weighted sum is
# negative outputs 0 and passes back nothing: its error is 0, and so are the gradients of
# its bias and of the weights into it (BP3, BP4), for this example. With the chapter's
# weights, $Z_1 = (0.45, -0.9)$: the second hidden neuron is off, and the second column of
# $\bar W_1$ is zero.

# %% tags=["solution"]
W1_relu = Tensor(W1.data, requires_grad=True)
b1_relu = Tensor(b1.data, requires_grad=True)
target = np.array([[1.0]])  # the tiny network's y
H1_relu = ppn.relu(X @ W1_relu + b1_relu)
((ppn.sigmoid(H1_relu @ W2.data + b2.data) - target) ** 2).sum().backward()

Z1_relu = X.data @ W1.data + b1.data
H2_relu = ppn.sigmoid(H1_relu.data @ W2.data + b2.data)
delta2 = 2 * (H2_relu - target) * H2_relu * (1 - H2_relu)  # BP1, sigmoid output
delta1 = (delta2 @ W2.data.T) * (Z1_relu > 0)  # BP2 with relu' = [Z > 0]
assert np.allclose(X.data.T @ delta1, W1_relu.grad)  # BP4
assert np.allclose(delta1.sum(axis=0), b1_relu.grad)  # BP3
print("Z₁ =", np.round(Z1_relu, 4).tolist(), " δ₁ =", np.round(delta1, 4).tolist())
print("W̄₁ =", np.round(W1_relu.grad, 4).tolist())
assert Z1_relu[0, 1] < 0 and np.all(W1_relu.grad[:, 1] == 0)  # the neuron that is off

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
