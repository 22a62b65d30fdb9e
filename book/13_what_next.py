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
# # What next
#
# You have built, from numpy up, everything a network that reads digits needs: the
# forward pass ([chapter 2](02_neural_networks.ipynb)), forward and backward mode
# ([chapters 3](03_forward_mode.ipynb) and [4](04_backward_mode.ipynb)), a gradient tape
# of scalars and then of tensors ([chapters 5](05_gradient_tape.ipynb) and
# [6](06_tensor_nodes.ipynb)), a loss for classes
# ([chapter 7](07_softmax_cross_entropy.ipynb)), gradient descent and its optimisers
# ([chapters 8](08_gradient_descent.ipynb) and [9](09_optimisers.ipynb)), and the
# training step ([chapter 10](10_mnist.ipynb)).
#
# The libraries people use every day, PyTorch and JAX, are built on the same ideas, at a
# much larger scale. This chapter shows the network of chapter 10 written with each of
# them beside `ppn`, with a table that maps the names; then what a *convolution* adds
# for images, the next step after the multilayer perceptron; then what to read next.

# %%
import importlib
import importlib.util

import numpy as np
from threadpoolctl import threadpool_limits

from ppn import data, plots
from ppn.losses import softmax_cross_entropy
from ppn.nn import MLP
from ppn.optim import Adam
from ppn.tensor import Tensor
from ppn.train import evaluate

# One thread for the matrix products, and float64, as in chapter 10.
_ = threadpool_limits(limits=1)


def installed(module: str) -> bool:
    """True if ``module`` can be imported here."""
    return importlib.util.find_spec(module) is not None


# %% [markdown]
# ## One network, three libraries
#
# The same training in the three libraries: a 784-128-10 network with ReLU, the same
# initial weights, Adam with $\eta = 10^{-3}$, and one pass over the first 2,000 MNIST
# training digits in batches of 64, in one fixed random order. First `ppn`, with the
# training step you wrote in task 10.1:

# %%
(x_train, y_train), (x_test, y_test) = data.load_mnist()
x = data.to_float(x_train[:2000], flatten=True).astype(np.float64)
y = y_train[:2000].astype(np.int64)
x_test_flat = data.to_float(x_test, flatten=True).astype(np.float64)
order = np.random.default_rng(0).permutation(len(x))
batches = [order[start : start + 64] for start in range(0, len(x), 64)]

model = MLP([784, 128, 10], "relu", rng=0, dtype=np.float64)
initial = [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in model.layers]
optimizer = Adam(model.parameters(), lr=1e-3)
ppn_losses = []
for index in batches:
    cost = softmax_cross_entropy(model(Tensor(x[index])), y[index])
    optimizer.zero_grad()
    cost.backward()
    optimizer.step()
    ppn_losses.append(cost.item())
ppn_weights = [(layer.weight.data, layer.bias.data) for layer in model.layers]
accuracy = evaluate(model, x_test_flat, y_test).accuracy
print(f"ppn: {len(batches)} steps, loss {ppn_losses[0]:.3f} → {ppn_losses[-1]:.3f}, "
      f"test accuracy {accuracy:.1%}")

# %% [markdown]
# **PyTorch** ([Paszke et al., 2019](bibliography.md)) records a tape while the
# operations run, as `ppn` does, and its names are the ones `ppn` borrowed:
# `parameters()`, `zero_grad()`, `backward()`, `step()`. One difference to watch:
# `torch.nn.Linear` stores its weight as (outputs, inputs) and computes $x W^\top + b$,
# so `ppn`'s $W$, of shape (inputs, outputs), goes in transposed.


# %%
def train_with_torch(x, y, initial, batches):
    """The same training with PyTorch; the weights (in ppn's layout) and the losses."""
    import torch

    layers = []
    for weight, bias in initial:
        linear = torch.nn.Linear(*weight.shape, dtype=torch.float64)
        with torch.no_grad():  # copying in the start values is not part of the model
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight.T)))
            linear.bias.copy_(torch.from_numpy(bias))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])  # no ReLU after the last layer: logits
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    losses = []
    for index in batches:
        index = torch.from_numpy(index)
        cost = torch.nn.functional.cross_entropy(model(x[index]), y[index])
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        losses.append(cost.item())
    linears = [layer for layer in model if isinstance(layer, torch.nn.Linear)]
    weights = [(layer.weight.detach().numpy().T, layer.bias.detach().numpy())
               for layer in linears]  # fmt: skip
    return weights, losses


# %% [markdown]
# **JAX** ([Bradbury et al., 2018](bibliography.md)) works differently. Nothing is
# recorded on the arrays: a loss is a plain function of the parameters, and `jax.grad`
# *transforms* it into the function that returns its gradient (it traces the function
# once into a list of primitive operations, much like chapter 5's tape, and
# differentiates that); `jax.value_and_grad`, used below, returns the loss as well. The
# parameters are an explicit list of arrays, never changed in place, and the optimiser
# (from the library `optax`) returns new parameters rather than updating them.


# %%
def train_with_jax(x, y, initial, batches):
    """The same training with JAX and optax; the final weights and the losses."""
    import jax
    import jax.numpy as jnp
    import optax

    jax.config.update("jax_enable_x64", True)  # float64, as above
    params = [(jnp.asarray(weight), jnp.asarray(bias)) for weight, bias in initial]

    def loss(params, x_batch, y_batch):
        h = x_batch
        for weight, bias in params[:-1]:
            h = jax.nn.relu(h @ weight + bias)  # H = relu(XW + b), the row convention
        weight, bias = params[-1]
        logits = h @ weight + bias
        return optax.softmax_cross_entropy_with_integer_labels(logits, y_batch).mean()

    optimizer = optax.adam(1e-3)
    state = optimizer.init(params)

    @jax.jit  # compiled once for each batch shape, then replayed
    def step(params, state, x_batch, y_batch):
        cost, gradients = jax.value_and_grad(loss)(params, x_batch, y_batch)
        updates, state = optimizer.update(gradients, state, params)
        return optax.apply_updates(params, updates), state, cost

    losses = []
    for index in batches:
        params, state, cost = step(params, state, x[index], y[index])
        losses.append(float(cost))
    weights = [(np.asarray(weight), np.asarray(bias)) for weight, bias in params]
    return weights, losses


# %% [markdown]
# Where PyTorch or JAX is installed (`pip install torch`, `pip install jax optax`), the
# next cell trains with it and compares it with `ppn`: the largest difference between
# the losses of the 32 steps, the largest difference between the final weights, and the
# test accuracy. Where a library is missing, the cell says so.
#
# As the book shows it, the printout below comes from a computer that had neither
# library installed, so it says only that (on yours, it prints what yours has). The
# figures that follow come from a run of the same cell on another computer, with
# Python 3.11, numpy 2.4.6, PyTorch 2.13.0 (its CPU build), JAX 0.10.2 and optax 0.2.8:
# losses within 4.4e-16 of `ppn`'s for both, weights within 8.1e-15 (PyTorch) and
# 2.5e-15 (JAX), and the same test accuracy, 81.2%. That is rounding: float64 keeps
# about sixteen significant digits, and the three libraries do the same arithmetic in a
# slightly different order. With other versions or another processor, the last digits
# may differ.

# %% tags=["nbval-ignore-output"]
others = {"PyTorch": (["torch"], train_with_torch),
          "JAX": (["jax", "optax"], train_with_jax)}  # fmt: skip
twin = MLP([784, 128, 10], "relu", dtype=np.float64)  # for the other library's weights
for name, (modules, train) in others.items():
    if not all(installed(module) for module in modules):
        missing = " and ".join(modules)
        print(f"{name}: not installed here ({missing}); the code is above.")
        continue
    weights, losses = train(x, y, initial, batches)
    loss_gap = np.abs(np.array(losses) - ppn_losses).max()
    pairs = [(a, b) for theirs, ours in zip(weights, ppn_weights, strict=True)
             for a, b in zip(theirs, ours, strict=True)]  # fmt: skip
    weight_gap = max(np.abs(a - b).max() for a, b in pairs)
    for layer, (weight, bias) in zip(twin.layers, weights, strict=True):
        layer.weight.data[...], layer.bias.data[...] = weight, bias
    twin_accuracy = evaluate(twin, x_test_flat, y_test).accuracy
    version = importlib.import_module(modules[0]).__version__
    print(f"{name} {version}: losses within {loss_gap:.1e} of ppn's, weights within "
          f"{weight_gap:.1e}, test accuracy {twin_accuracy:.1%}")

# %% [markdown]
# The names, side by side (the `ppn` column is what you wrote):
#
# | what | `ppn` | PyTorch | JAX |
# |---|---|---|---|
# | an array on the tape | `ppn.Tensor` | `torch.Tensor` | `jax.Array` (nothing recorded on it) |
# | gradient of a loss | `loss.backward()`, then `p.grad` | `loss.backward()`, then `p.grad` | `jax.grad(loss)(params)` returns it |
# | value and gradient | `ppn.value_and_grad(f)` | `torch.func.grad_and_value(f)` (gradient first) | `jax.value_and_grad(f)` |
# | forward mode, one direction | `ppn.jvp(f, primals, tangents)` | `torch.func.jvp(f, primals, tangents)` | `jax.jvp(f, primals, tangents)` |
# | a Jacobian | `ppn.jacobian(f, mode=…)` | `torch.func.jacfwd`, `jacrev` | `jax.jacfwd`, `jax.jacrev` |
# | a layer | `ppn.nn.Linear(784, 128)`, $W$ (inputs, outputs) | `torch.nn.Linear(784, 128)`, $W$ (outputs, inputs) | a function of `(W, b)` (or a library such as Flax) |
# | the network | `ppn.nn.MLP([784, 128, 10], "relu")` | `torch.nn.Sequential(Linear, ReLU, Linear)` | a function of the parameters |
# | its parameters | `model.parameters()` | `model.parameters()` | a list (or dict) of arrays you pass in |
# | He initialisation | `ppn.nn.he_normal` | `torch.nn.init.kaiming_normal_` | `jax.nn.initializers.he_normal()` (a truncated normal) |
# | the loss | `ppn.losses.softmax_cross_entropy` | `torch.nn.functional.cross_entropy` | `optax.softmax_cross_entropy_with_integer_labels` |
# | an optimiser | `ppn.optim.Adam(params, lr=…)` | `torch.optim.Adam(params, lr=…)` | `optax.adam(…)`, then `init(params)` |
# | clear the gradients | `optimizer.zero_grad()` | `optimizer.zero_grad()` | not needed: `grad` returns fresh ones |
# | one update | `optimizer.step()` | `optimizer.step()` | `optimizer.update(…)`, `optax.apply_updates(…)` |
# | run without a tape | `with ppn.no_grad():` | `with torch.no_grad():` | not needed |
# | record once, replay | `replay` (appendix "How ppn is made fast") | `torch.compile` | `jax.jit` |
#
# What these libraries add is mostly not new mathematics: more operations with their
# VJPs, graphics cards (GPUs) to run them on, compilation of the whole step, and layers
# built for particular kinds of data. The most important of those layers for images is
# the convolution.

# %% [markdown]
# ## What convolution adds
#
# [Chapter 12](12_your_handwriting.ipynb) found the weakness of the multilayer
# perceptron: it has one weight per pixel *position*, so it does not know that
# neighbouring pixels are neighbours, and a digit moved by three pixels is a new input to
# it. A {term}`convolution` layer answers with two ideas
# ([LeCun et al., 1989](bibliography.md)):
#
# - **locality**: each output looks at a small patch of the image, say 3×3 pixels,
#   where strokes, edges and corners are;
# - **weight sharing**: the same small set of weights, the *kernel*, is used at every
#   position, so a pattern is detected wherever it is.
#
# An output pixel is the kernel's weighted sum over the patch under it, for a 3×3 kernel
# $K$:
#
# $$
# Y_{ij} = \sum_{a=0}^{2} \sum_{b=0}^{2} K_{ab} \, X_{i+a,\, j+b}.
# $$
#
# (Deep learning libraries call this a convolution, though without flipping the kernel
# it is what mathematicians call a cross-correlation.) Here it is on a tiny 5×5 image,
# written as the loop the formula says; the output is 3×3, one value per position where
# the kernel fits:

# %%
image = np.array([[0, 0, 0, 0, 0],
                  [0, 1, 2, 1, 0],
                  [0, 2, 4, 2, 0],
                  [0, 1, 2, 1, 0],
                  [0, 0, 0, 0, 0]])  # fmt: skip
# The kernel: large outputs where the image is brighter on the left than on the right.
kernel = np.array([[1, 0, -1],
                   [2, 0, -2],
                   [1, 0, -1]])  # fmt: skip


def convolve_loop(image, kernel):
    """Y[i, j] = Σ_ab K[a, b]·X[i + a, j + b], for every position where K fits."""
    k = kernel.shape[0]
    rows, columns = image.shape[0] - k + 1, image.shape[1] - k + 1
    out = np.zeros((rows, columns), dtype=image.dtype)
    for i in range(rows):
        for j in range(columns):
            out[i, j] = np.sum(kernel * image[i : i + k, j : j + k])
    return out


print(convolve_loop(image, kernel))

# %% [markdown]
# The loop is slow in Python, and it is not the form the previous chapters know how to
# differentiate. But every output is a dot product of one patch with the kernel. Put
# each patch, flattened, in a row of a matrix (a step called {term}`im2col`, "image to
# columns") and all the outputs come from one matrix product, `patches @ kernel`:

# %%
def im2col(image, k):
    """The k×k patches of ``image``, one flattened patch per row, in reading order."""
    rows, columns = image.shape[0] - k + 1, image.shape[1] - k + 1
    return np.array([image[i : i + k, j : j + k].ravel()
                     for i in range(rows) for j in range(columns)])  # fmt: skip


patches = im2col(image, 3)
by_product = (patches @ kernel.ravel()).reshape(3, 3)
print(f"patches: {patches.shape} (9 positions × 9 pixels per patch)")
print(by_product)
assert np.array_equal(by_product, convolve_loop(image, kernel))

# %% [markdown]
# On a real digit, a kernel is a detector of a local pattern, applied everywhere. Here is
# the first test digit, a 7, convolved with the kernel above ($K_1$, positive where the
# image is brighter on the left than on the right: a vertical edge) and with its
# transpose ($K_2$, positive where it is brighter above than below: a horizontal edge):

# %%
seven = data.to_float(x_test[0]).astype(np.float64)  # 28×28, values in [0, 1]
kernels = [kernel, kernel.T]
maps = [convolve_loop(seven, k) for k in kernels]
plots.plot_feature_maps(seven, kernels, maps, title="one digit, two kernels, two maps")

# %% [markdown]
# Each map is 26×26, one value per position of the kernel. $K_1$ answers along the
# slanted stroke of the 7, red on one side of it and blue on the other, and little along
# the top bar; $K_2$ answers most strongly along the top bar. Eighteen weights, and the
# maps already say where the digit has which kind of edge, wherever the digit is.

# %% [markdown]
# With several kernels, one per column of a matrix $K$ of shape (9, kernels), the
# product `patches @ K` is exactly a layer of chapter 2 in its row convention,
# $H = \mathrm{relu}(XW + b)$, where each row of $X$ is now a patch instead of an image.
# So a convolution layer is im2col followed by the `Linear` layer you already have, and
# its backward pass is the VJPs of the matrix product (task 6.1) followed by the VJP of
# im2col, which adds each patch's adjoint back onto the pixels it came from.
#
# Sharing the kernel also makes the layer **equivariant to shifts**: move the image, and
# the output moves with it. Here the blob is moved one pixel to the right (on a 5×6
# image) and the output is the same, one column further right:

# %%
moved = np.pad(image, ((0, 0), (1, 0)))  # a blank column on the left: all moves right
print(convolve_loop(moved, kernel))
assert np.array_equal(convolve_loop(moved, kernel)[:, 1:], convolve_loop(image, kernel))

# %% [markdown]
# And sharing makes the layer small. Compare, on a 28×28 digit, the first layer of
# chapter 10's network with a convolution layer of 8 kernels of 3×3, and with a dense
# layer that would compute as many outputs as the convolution (8 maps of 26×26):

# %%
dense_mlp = 784 * 128 + 128
convolution = 8 * 3 * 3 + 8  # 8 kernels of 9 weights, one bias each
outputs = 8 * 26 * 26
dense_same_outputs = 784 * outputs + outputs
print(f"chapter 10's first layer, 784 → 128:     {dense_mlp:>10,} parameters")
print(f"convolution, 8 kernels of 3×3:           {convolution:>10,} parameters, "
      f"{outputs:,} outputs")
print(f"a dense layer with as many outputs:      {dense_same_outputs:>10,} parameters")

# %% [markdown]
# Eighty numbers instead of four million for the same number of outputs. The
# convolution cannot learn *any* function of the pixels, only the same local pattern
# everywhere, and that restriction is what images want: it is learned from fewer
# examples and holds wherever the digit is. Networks of several convolution layers,
# each looking at the previous one's maps, with the maps shrunk between layers, are how
# images are read in practice, from LeNet ([LeCun et al., 1998](bibliography.md)) to
# today's networks.
#
# ## Further reading
#
# - [Nielsen (2015)](bibliography.md), *Neural Networks and Deep Learning*: free online,
#   the same road as this course (MNIST, backpropagation, cross-entropy), then
#   convolutional networks, in gentle steps.
# - [Goodfellow, Bengio and Courville (2016)](bibliography.md), *Deep Learning*: the
#   reference textbook; chapter 6 on feed-forward networks and backpropagation, 8 on
#   optimisation, 9 on convolutional networks.
# - [Zhang et al. (2023)](bibliography.md), *Dive into Deep Learning*: runnable chapters
#   in PyTorch and JAX, from linear regression to modern architectures.
# - [Baydin et al. (2018)](bibliography.md): automatic differentiation in machine
#   learning, the survey behind chapters 3 to 6.
# - [The JAX authors (2021)](bibliography.md), *Autodidax*: JAX's core, built from
#   scratch in one notebook (tracing, `jvp`, `vjp`, `jit`).
# - [Karpathy (2020)](bibliography.md), *micrograd*, and the lecture that builds it
#   ([Karpathy, 2022](bibliography.md)): a scalar tape in about a hundred lines, like
#   chapter 5's.

# %% [markdown]
# ## Summary
#
# * PyTorch and JAX compute what `ppn` computes: the same network, the same initial
#   weights and the same Adam gave the same losses and weights to rounding (within
#   1e-14) and the same test accuracy. PyTorch records a tape
#   as the operations run, with the names `ppn` uses (`backward`, `zero_grad`, `step`);
#   JAX transforms functions (`jax.grad`, `jax.jvp`, `jax.jit`) and passes the
#   parameters explicitly.
# * A convolution computes each output from a small patch with a kernel shared by every
#   position: locality and weight sharing. Written with im2col, it is a matrix product,
#   so its gradient is the matrix product's VJPs of chapter 6.
# * A convolution layer is equivariant to shifts and small: 80 parameters where a dense
#   layer with as many outputs needs over four million.
#
# This chapter sets no task.

# %% [markdown]
# ## Exercises
#
# ```{exercise} Counting parameters (★, 10 min)
# :label: ex-next-parameters
#
# A convolution layer takes the 8 maps of 26×26 above as its input and computes 16 maps
# with kernels of 3×3 that each look at all 8 input maps (so each kernel has
# $3 \times 3 \times 8$ weights, and each output map one bias). How many parameters does
# it have, how many outputs, and how many parameters would a dense layer with the same
# inputs and outputs have?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-next-parameters
# :label: ex-next-parameters-solution
# :class: dropdown
# ```
#
# Each of the 16 kernels has $3 \cdot 3 \cdot 8 = 72$ weights and one bias: 1,168
# parameters. The output maps are 24×24 (a 3×3 kernel fits at 24 positions along 26
# pixels), 9,216 outputs from 5,408 inputs; a dense layer would need
# $5408 \cdot 9216 + 9216$, about 50 million parameters.

# %% tags=["solution"]
conv_parameters = 16 * (3 * 3 * 8) + 16
inputs, conv_outputs = 8 * 26 * 26, 16 * 24 * 24
dense_parameters = inputs * conv_outputs + conv_outputs
print(f"convolution: {conv_parameters:,} parameters, {conv_outputs:,} outputs; "
      f"dense: {dense_parameters:,} parameters")
assert (conv_parameters, conv_outputs) == (1168, 9216)
assert 49e6 < dense_parameters < 51e6  # about 50 million

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The kernel's gradient (★★, 20 min)
# :label: ex-next-kernel-gradient
#
# For the loss $C = \sum_{ij} G_{ij} Y_{ij}$ with a fixed array $G$ of the output's shape,
# $\partial C / \partial K_{ab} = \sum_{ij} G_{ij} X_{i+a, j+b}$. Compute this gradient
# for the 5×5 image above and a random $G$ in two ways: with the loop of this formula,
# and with `ppn`, from `Tensor(patches) @ Tensor(kernel, requires_grad=True)` and
# `backward()`. Which VJP of chapter 6 did `ppn` use?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-next-kernel-gradient
# :label: ex-next-kernel-gradient-solution
# :class: dropdown
# ```
#
# In chapter 2's row form, the patches are the rows of $P$ (one patch per row, as one
# image per row of $X$) and the flattened kernel is a weight matrix $K$ of shape (9, 1),
# so the outputs are $Y = P K$, of shape (9, 1), as a layer's $X W$. The loss is
# $C = \sum G_{ij} Y_{ij}$, so $\bar Y = G$ (flattened the same way), and the matrix
# product's VJP for its second factor gives $\bar K = P^\top \bar Y$: each kernel weight
# gathers the adjoints of the outputs times the pixels it met. Both ways agree to
# rounding.

# %% tags=["solution"]
G = np.random.default_rng(0).normal(size=(3, 3))
by_loop = np.zeros((3, 3))
for a in range(3):
    for b in range(3):
        by_loop[a, b] = np.sum(G * image[a : a + 3, b : b + 3])
k = Tensor(kernel.ravel().astype(np.float64)[:, None], requires_grad=True)
Y = Tensor(patches.astype(np.float64)) @ k
(Y * Tensor(G.reshape(9, 1))).sum().backward()
print(np.round(k.grad.reshape(3, 3), 3))
assert np.allclose(k.grad.reshape(3, 3), by_loop)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Moved digits, again (★★, 15 min)
# :label: ex-next-moved
#
# Convolve the first MNIST test digit with the kernel above (as float64), then the same
# digit moved 3 pixels right with `np.roll` along the columns (its border is blank, so
# nothing wraps round). Check that the second output is the first moved by 3 pixels.
# Then compare the two *inputs* as an MLP sees them: what fraction of the inked pixels
# of the moved digit were inked in the original?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-next-moved
# :label: ex-next-moved-solution
# :class: dropdown
# ```
#
# The convolution's output moves with the digit, value for value: a detector of a
# stroke's left edge finds it three pixels further right. To the MLP, the moved digit
# shares only part of its inked pixels with the original (the overlap is printed below),
# and every other inked pixel meets weights that learned nothing about this digit.

# %% tags=["solution"]
digit = x_test[0].astype(np.float64)
shifted = np.roll(digit, 3, axis=1)
assert not digit[:, -3:].any()  # nothing wraps round
before, after = convolve_loop(digit, kernel), convolve_loop(shifted, kernel)
assert np.array_equal(after[:, 3:], before[:, :-3])
inked, inked_moved = digit > 0, shifted > 0
overlap = np.sum(inked & inked_moved) / np.sum(inked_moved)
print(f"the output moved with the digit; inked pixels shared with the original: "
      f"{overlap:.0%}")
assert overlap < 0.8

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
