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
# # Gradient descent
#
# [Chapters 3](03_forward_mode.ipynb) to [6](06_tensor_nodes.ipynb) computed the gradient
# of a cost with respect to every parameter, in one backward pass. This chapter uses it.
# **Gradient descent** repeats one step,
#
# $$ \theta \leftarrow \theta - \eta \, \nabla C(\theta), $$
#
# where $\theta$ holds all the parameters, $\nabla C$ is the gradient of the cost and
# $\eta > 0$ is the **learning rate**. We look at why the step goes downhill, how $\eta$
# decides between crawling, converging and diverging, and the source's two algorithms:
# Algorithm 2 updates after every sample, Algorithm 3 after every batch. You write the
# heart of each (tasks 8.1 and 8.2). Then we measure what the batch size changes: the
# noise of the gradient, and the amount of work per **epoch** (one pass over the
# training set).
# [Chapter 9](09_optimisers.ipynb) improves on the plain step (momentum, Adam, weight
# decay) and takes up overfitting.

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

import ppn.linreg as linreg
from ppn import data, optim
from ppn.listing import listing
from ppn.losses import mse, softmax_cross_entropy
from ppn.nn import MLP
from ppn.plots import draw_descent_path
from ppn.tensor import Tensor
from ppn.train import evaluate

# One thread, so that the numbers you see are the ones printed here.
_ = threadpool_limits(limits=1)

# %% [markdown]
# ## Minus the gradient points downhill
#
# Take again the straight line of [chapter 1](01_linear_regression.ipynb) on the height/weight data. To keep the picture
# readable we measure the height from the average, in steps of 5 cm,
# $u_i = (x_i - \bar x) / 5\,\text{cm}$, and fit $y = a\,u + b$. The cost is eq. 2
# divided by the number of people $n$, the **mean** squared error:
#
# $$ C(a, b) = \frac{1}{n} \sum_{i=1}^{n} (a\,u_i + b - y_i)^2 . $$
#
# Dividing by $n$ changes nothing about where the minimum is, but it makes the size of
# the gradient, and so the right learning rate, independent of how many people we measured.
# (Keep this in mind: Algorithm 3 below forgets it.)

# %%
height, weight = linreg.height_weight_data(n=50, seed=0)
u = (height - height.mean()) / 5.0
n = len(u)


def cost(a, b):
    """Eq. 2 on (u, weight), divided by n."""
    return linreg.cost(a, b, u, weight) / n


best = linreg.fit_closed_form(u, weight)
print(f"minimum: a = {best.slope:.3f} kg per 5 cm, b = {best.intercept:.3f} kg, "
      f"C = {cost(*best):.2f} kg²")

# %% [markdown]
# The gradient at any point $(a, b)$ is a vector of two partial derivatives. The tensor
# engine of [chapter 6](06_tensor_nodes.ipynb) computes it by a backward pass through `ppn.losses.mse`; it agrees
# with the formula $\nabla C = \frac{2}{n} \big(\sum_i r_i u_i, \sum_i r_i\big)$, with
# residuals $r_i = a u_i + b - y_i$, that `ppn.linreg.cost_gradient` writes out by hand:

# %%
theta = Tensor(np.array([-3.0, 50.0]), requires_grad=True)
mse(theta[0] * u + theta[1], weight).backward()
by_hand = np.array(linreg.cost_gradient(-3.0, 50.0, u, weight)) / n
print(f"backward pass: {np.round(theta.grad, 6)},  by hand: {np.round(by_hand, 6)}")
assert np.allclose(theta.grad, by_hand, rtol=1e-12)

# %% [markdown]
# The gradient points in the direction in which $C$ grows fastest, and its length is that
# rate of growth. So $-\nabla C$ points in the direction of steepest *descent*: across the
# contour lines of $C$, towards lower cost. Below, $-\nabla C$ at points of a grid over
# the cost surface: the source's figure 6, drawn uphill in
# [chapter 3](03_forward_mode.ipynb), turned downhill.

# %% mystnb={"figure": {"caption": "Minus the gradient: contour lines of the cost of the line fit (mean squared error, kg²) over its two parameters, and the vector $-\\nabla C$ (scaled down) at points of a grid. Every arrow crosses the contour lines at a right angle, downhill; on this oval bowl they point *towards* the minimum (star) without aiming exactly at it.", "name": "fig-gradient-field"}}
extent = (-8.0, 16.0, 46.0, 84.0)  # a from -8 to 16, b from 46 to 84
fig, ax = plt.subplots(figsize=(4.6, 6.2))
_ = draw_descent_path([], cost, ax, extent=extent, minimum=best)
ax.set_aspect("equal")  # the same scale on both axes, so that right angles look right
grid_a, grid_b = np.meshgrid(np.linspace(-6, 14, 6), np.linspace(48, 82, 10))
gradient = np.vectorize(lambda a, b: linreg.cost_gradient(a, b, u, weight))
down_a, down_b = (-g / n for g in gradient(grid_a, grid_b))
_ = ax.quiver(grid_a, grid_b, down_a, down_b, color="C3", angles="xy",
              scale_units="xy", scale=25, width=0.006)
ax.set_title("$-\\nabla C$ points downhill")
plt.show()

# %% [markdown]
# The arrows are longest where the surface is steep and vanish at the bottom, where
# $\nabla C = 0$. The source says "The $-\nabla$ hints us to the direction of a minimum"
# (the sentence after its eq. 8 slips, see [chapter 3](03_forward_mode.ipynb)): a hint, downhill, but
# straight at the minimum only on a perfectly round bowl. This one is oval (the cost
# curves more steeply along $a$ than along $b$), so the arrows aim beside the star, and a
# path that follows them bends. That is the whole difficulty of choosing a step size.
#
# ## The learning rate η (figure 12)
#
# The gradient gives a direction and a local slope, not a distance: how far to go along
# $-\nabla C$ is the learning rate $\eta$. Below, as in the source's figure 12 (a
# gradient descent example), the same start point and 30 steps for four learning rates. Each step is the loop that trains every network in this course:
# forget the old gradient, compute the cost, backward pass, step. The step changes the
# parameters' array `theta.data` in place, and `theta.grad = None` forgets the gradient
# before the next backward pass, which would otherwise *add* to it (gradients
# accumulate, as in [chapter 5](05_gradient_tape.ipynb)).

# %%
def descend(lr, steps=30, start=(-6.0, 50.0)):
    """The points (a, b) visited by `steps` steps of gradient descent with rate lr."""
    theta = Tensor(np.array(start), requires_grad=True)
    path = [theta.data.copy()]
    for _ in range(steps):
        theta.grad = None
        mse(theta[0] * u + theta[1], weight).backward()
        theta.data -= lr * theta.grad  # θ ← θ − η ∇C
        path.append(theta.data.copy())
    return np.array(path)


learning_rates = {"too small": 0.01, "about right": 0.2, "large": 0.34,
                  "too large": 0.38}
paths = {name: descend(lr) for name, lr in learning_rates.items()}
for name, path in paths.items():
    print(f"η = {learning_rates[name]:<5} ({name:11}): "
          f"C after 30 steps = {cost(*path[-1]):9.2f} kg²")

# %% mystnb={"figure": {"caption": "Figure 12, gradient descent, in small multiples. Top: 30 steps of gradient descent from the same start (square) on the cost of the line fit. With η = 0.01 the steps are tiny and the path is still far from the minimum; η = 0.2 reaches it; η = 0.34 overshoots across the valley at every step but still converges; η = 0.38 overshoots by more each time and diverges. Bottom: the cost after each step (log scale).", "name": "fig-learning-rates"}}
fig, axes = plt.subplots(2, 4, figsize=(10, 6.4), height_ratios=[3, 1.6])
for column, (name, path) in enumerate(paths.items()):
    title = f"η = {learning_rates[name]} ({name})"
    _ = draw_descent_path(path, cost, axes[0, column], extent=extent, minimum=best,
                          title=title)
    axes[0, column].set_aspect("equal")
    _ = axes[1, column].semilogy([cost(a, b) for a, b in path], marker=".")
    axes[1, column].axhline(cost(*best), color="0.5", linestyle=":", linewidth=1)
    axes[1, column].set_xlabel("step")
    axes[1, column].set_ylim(10, 1e4)
axes[1, 0].set_ylabel("cost C (kg²)")
fig.tight_layout()
plt.show()

# %%
final = {name: cost(*path[-1]) for name, path in paths.items()}
minimum_cost = cost(*best)
assert final["too small"] > 2 * minimum_cost  # crawling: far from the bottom
assert final["about right"] < 1.001 * minimum_cost
assert final["large"] < 1.01 * minimum_cost  # zigzags, but converges
assert final["too large"] > cost(*paths["too large"][10]) > minimum_cost  # diverges

# %% [markdown]
# Too small, and training crawls; too large, and every step overshoots the valley by more
# than the last: the iterates fly off and the cost explodes (in a network it becomes `inf`,
# then `nan`). Between the two, the steep direction limits $\eta$ while the shallow
# direction would like it larger. How large $\eta$ may be is a property of the curvature of
# the cost; the exercises find the exact limit for this bowl.
#
# ## Algorithm 2: one update per sample
#
# For a network the cost is a mean over the training set,
# $C(\theta) = \frac{1}{N} \sum_{j=1}^{N} C_j(\theta)$, where $C_j$ is the cost on
# sample $j$ and $N$ is now the number of training samples (in chapter 7 it counted
# the rows of one batch). The source's **Algorithm 2** (stochastic gradient descent) does not wait for
# the whole sum: it takes one sample at a time and steps on that sample's gradient alone.
# In outline:
#
# ```text
# Algorithm 2 (the source):  SGD, one update per sample
#   for each epoch:
#       for j = 1 … N:                 # every sample, in turn
#           b ← B_j                    # (stray line, see the note)
#           compute ∇C_j(θ)            # forward and backward pass on sample j
#           θ ← θ − η ∇C_j(θ)
# ```
#
# ```{note}
# The source's Algorithm 2 carries a line `b ← B_j` copied from Algorithm 3. There are no
# batches $B_j$ in Algorithm 2, and $b$ is used nowhere in it: the line should be deleted.
# Each step uses the single sample $(x_j, y_j)$.
# ```
#
# One epoch of it is `optim.sgd_per_sample_epoch(model, loss, x, y, lr)`, and its body is
# yours to write. It receives:
#
# * `model`, a network such as the `MLP` of [chapter 2](02_neural_networks.ipynb).
#   `model(Tensor(xb))` runs it on a batch `xb` (one sample per row) and returns a
#   Tensor with one row of outputs per sample; `model.parameters()` is the list of its
#   parameters, Tensors whose array `p.data` the model computes with and whose `p.grad`
#   holds, after a backward pass, the gradient (an array of the same shape);
#   `model.zero_grad()` sets every `p.grad` back to `None`.
# * `loss`, the cost, called as `loss(outputs, targets)`. It returns a Tensor holding one
#   number, the mean cost over the rows; its `.backward()` fills every parameter's
#   `.grad`, and its `.item()` is the number as a Python float. On digits it is the
#   softmax cross-entropy of [chapter 7](07_softmax_cross_entropy.ipynb).
# * `x`, the $N$ samples as the rows of an array, and `y`, their $N$ targets;
# * `lr`, the learning rate $\eta$ (the function checks that it is positive before your
#   code runs).
#
# For $j = 0, 1, \dots, N - 1$, in this order, it
#
# 1. forgets the gradients with `model.zero_grad()`: a backward pass *adds* to `.grad`
#    (adjoints accumulate), so without it each step would use the sum of the gradients
#    of all the samples so far;
# 2. runs the model on sample $j$ alone **as a batch of one**, `x[j : j + 1]` (shape
#    `(1, 784)` for a digit; `x[j]` has shape `(784,)`, which is not a batch), computes
#    the loss against `y[j : j + 1]`, and calls `.backward()`;
# 3. updates every parameter **in place**, `p.data -= lr * p.grad`, as the rest of
#    `ppn` does.
#
# It returns the list of the $N$ losses, as floats, each measured *before* its sample's
# step (`cost.item()` of that sample's forward pass), in the order of the samples.

# %% [markdown]
# ```{admonition} Task 8.1: Algorithm 2, one update per sample
# :class: tip
# **Write** the body of `sgd_per_sample_epoch` in `ppn/optim.py` (between
# `# task 8.1: begin` and `# task 8.1: end`). **It receives** a model, a loss
# function, the samples `x` (one per row), their targets `y` and the learning rate `lr`;
# **it updates** every parameter's `.data` in place after each sample and **returns** the
# list of the $N$ per-sample losses (floats, each before its step, in order). The checks
# use a linear model whose gradient they know: after one epoch its weights must be those
# of $N$ steps in order, each on one sample's gradient alone; the losses must match; and
# the model must have been called $N$ times on one row.
# **Check** with `ppn.tasks.check("8.1")` in this notebook, or
# `pytest tests/tasks -k TestTask8_1`.
# ```
#
# In `ppn/optim.py`:

# %% tags=["remove-input"]
listing(optim.sgd_per_sample_epoch)


# %% [markdown]
# We run it on MNIST digits ([chapter 10](10_mnist.ipynb) shows how the files are read)
# with a small network, 784 → 32 → 10 (ReLU), and the softmax cross-entropy cost of
# [chapter 7](07_softmax_cross_entropy.ipynb). The course works on the first 10,000
# training images, `x_train[:10000]`; here 1,024 of them for training and the last
# 1,000 as a **validation set**: held-out digits (as in chapter 1) that training never
# sees, on which we measure how the network does on new digits. Every network in
# this chapter computes in float64 rather than `ppn`'s default float32, so that the
# numbers you see are the ones printed here: two processors may round a float32 sum
# differently, and over hundreds of steps that shows in the third decimal of a cost.
# `evaluate(model, x, y)` (from `ppn.train`) measures a model without training it: its
# mean cost on `(x, y)` and its accuracy, the fraction of digits whose highest output
# is the right label.

# %%
DTYPE = np.float64
(x_train, y_train), _ = data.load_mnist()
x_all = data.to_float(x_train[:10000], flatten=True).astype(DTYPE)
y_all = y_train[:10000]
x_small, y_small = x_all[:1024], y_all[:1024]
x_val, y_val = x_all[9000:], y_all[9000:]
print(f"training: {x_small.shape}, validation: {x_val.shape}")


def small_network():
    return MLP([784, 32, 10], activation="relu", rng=0, dtype=DTYPE)


model = small_network()
losses = optim.sgd_per_sample_epoch(model, softmax_cross_entropy, x_small, y_small,
                                    lr=0.05)
print(f"{len(losses)} steps; mean loss over the first 100 samples "
      f"{np.mean(losses[:100]):.3f}, over the last 100 {np.mean(losses[-100:]):.3f}")
print(f"after the epoch: {evaluate(model, x_val, y_val).accuracy:.1%} of the "
      "validation digits right")

# %%
assert len(losses) == 1024 and np.mean(losses[-100:]) < np.mean(losses[:100]) / 2

# %% [markdown]
# Each loss is measured before the network steps on its sample, so the last hundred
# estimate how it does on new digits: the loss fell by more than half in one pass.
#
# ## Algorithm 3: batches and a gradient accumulator
#
# The source's **Algorithm 3** splits the training set into batches $B_1, B_2, \dots$ of
# $|b|$ samples each (this chapter writes $|B|$ for that batch size, the source's $|b|$). For each batch it sums the samples' gradients in an accumulator
# $\nabla_{\text{acc}}$, one sample at a time, and then makes one step:
#
# ```text
# Algorithm 3 (the source):  batched SGD with a gradient accumulator
#   for each epoch:
#       for each batch B_j:
#           ∇acc ← 0
#           for each sample (x, y) in B_j:
#               ∇acc ← ∇acc + ∇C_(x,y)(θ)
#           θ ← θ − η ∇acc
# ```
#
# The inner loop is `optim.accumulated_gradient(model, loss, x, y)`, your second task. It
# receives the same `model` and `loss` as task 8.1, and one batch: its samples `x` (rows)
# and targets `y`. It returns the accumulator: a **list of arrays, one per parameter, in
# the order of `model.parameters()`**, each of the parameter's shape, holding the **sum**
# (not the mean) of the samples' gradients,
# $\nabla_{\text{acc}} = \sum_{j \in B} \nabla C_j(\theta)$. Start each array at zero
# (`np.zeros_like(p.data)`); then for each sample, in turn: `model.zero_grad()`, the
# forward pass on `x[j : j + 1]` (a batch of one, as in task 8.1), the loss against
# `y[j : j + 1]`, `.backward()`, and add each `p.grad` into its array. It changes no
# weight: the step belongs to the outer loop.

# %% [markdown]
# ```{admonition} Task 8.2: Algorithm 3's gradient accumulator
# :class: tip
# **Write** the body of `accumulated_gradient` in `ppn/optim.py` (between
# `# task 8.2: begin` and `# task 8.2: end`). **It receives** a model, a loss function
# and a batch (`x`, one sample per row, and its targets `y`); **it returns** a list with
# one array per parameter (in the order of `model.parameters()`), the *sum* of the
# samples' gradients, and changes no weight. The checks compare the list with the sum of
# the gradients of a linear model, check that its weights did not move, and that the
# model was called once per sample on one row, with `model.zero_grad()` before each.
# **Check** with `ppn.tasks.check("8.2")` in this notebook, or
# `pytest tests/tasks -k TestTask8_2`.
# ```
#
# In `ppn/optim.py`, with one epoch of the outer loop, `accumulated_batch_epoch`, which
# steps by the accumulator after each batch:

# %% tags=["remove-input"]
listing(optim.accumulated_gradient)


# %% tags=["remove-input"]
listing(optim.accumulated_batch_epoch)


# %% [markdown]
# ```{warning}
# The source's Algorithm 3 steps by $\eta \, \nabla_{\text{acc}}$, and $\nabla_{\text{acc}}$
# is a **sum** over the batch. A batch of 64 samples then steps (up to) 64 times further
# than a batch of 1 with the same $\eta$: the effective learning rate grows with the batch
# size, and a learning rate tuned for one batch size is wrong for another. The usual form
# divides by the batch size and steps by the **mean** gradient,
# $\theta \leftarrow \theta - \eta \, \nabla_{\text{acc}} / |B|$ (`mean=True` above).
# The two forms are the same algorithm with $\eta_{\text{sum}} = \eta_{\text{mean}} / |B|$,
# as long as every batch has $|B|$ samples (a shorter last batch would need its own).
# ```
#
# The accumulator divided by the batch size is *the same number* as the gradient of the
# mean cost over the batch, which the tensor engine computes in one forward and one
# backward pass over the whole batch at once, with matrix products instead of a Python
# loop over samples:

# %% tags=["remove-input"]
listing(optim.batch_gradient)


# %% [markdown]
# Checked here on a batch of 64 digits:

# %%
model64, x64, y64 = small_network(), x_small[:64], y_small[:64]
accumulated = optim.accumulated_gradient(model64, softmax_cross_entropy, x64, y64)
vectorised = optim.batch_gradient(model64, softmax_cross_entropy, x64, y64)
difference = max(np.abs(acc / 64 - grad).max()
                 for acc, grad in zip(accumulated, vectorised, strict=True))
assert difference < 1e-12  # rounding: the two sum the same numbers in another order
print("∇acc / 64 and the batch gradient agree to rounding (differences below 1e-12)")

# %% [markdown]
# So the mean form of Algorithm 3 can compute each batch's gradient in one pass. One
# epoch of it, written out, is the loop that trains every network from here on:

# %%
def minibatch_epoch(model, x, y, lr, batch_size):
    """Algorithm 3, mean form: θ ← θ − η ∇(mean cost over B), one pass per batch."""
    for start in range(0, len(x), batch_size):
        batch = slice(start, start + batch_size)
        model.zero_grad()
        softmax_cross_entropy(model(Tensor(x[batch])), y[batch]).backward()
        for p in model.parameters():
            p.data -= lr * p.grad


# %% [markdown]
# ### The sum form's step grows with the batch size
#
# How long is the first step, $\eta \, \|\nabla_{\text{acc}}\|$ (the sum form) or
# $\eta \, \|\nabla_{\text{acc}}\| / |B|$ (the mean form), for batches of 1 to 256 digits?

# %%
lr = 0.05
batch_sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256]
untrained = small_network()
step_sum, step_mean = [], []
for size in batch_sizes:
    accumulator = optim.accumulated_gradient(untrained, softmax_cross_entropy,
                                             x_small[:size], y_small[:size])
    norm = math.sqrt(sum(float(np.sum(acc**2)) for acc in accumulator))
    step_sum.append(lr * norm)
    step_mean.append(lr * norm / size)
for size, s, m in zip(batch_sizes, step_sum, step_mean, strict=True):
    print(f"|B| = {size:3}:  sum form {s:6.3f},  mean form {m:6.3f}")
print(f"from |B| = 1 to 256: sum form {step_sum[-1] / step_sum[0]:.0f}× longer, "
      f"mean form {step_mean[0] / step_mean[-1]:.1f}× shorter")

# %% mystnb={"figure": {"caption": "Length of the first step of Algorithm 3 with η = 0.05, against the batch size (log–log). The sum form's step grows with the batch, as fast as √|B| for small batches, where the samples' gradients partly cancel, and as |B| for large ones; the mean form's step gets shorter, 6.4 times from 1 to 256 (printed above): averaging gradients that partly disagree gives a shorter vector, ever more slowly, towards the length of the gradient of the whole cost.", "name": "fig-step-vs-batch"}}
fig, ax = plt.subplots(figsize=(5.6, 3.6))
_ = ax.loglog(batch_sizes, step_sum, "o-",
              label=r"sum form: $\eta\,\|\nabla_{acc}\|$ (the source)")
_ = ax.loglog(batch_sizes, step_mean, "s-",
              label=r"mean form: $\eta\,\|\nabla_{acc}\| / |B|$")
ax.set_xlabel("batch size |B|")
ax.set_ylabel("length of the first step")
ax.set_title("Algorithm 3: step length against batch size")
ax.legend(fontsize=8)
plt.show()

# %%
assert step_sum[-1] > 20 * step_sum[0]  # 256 samples: a step 20× longer or more
assert step_mean[-1] < step_mean[0]

# %% [markdown]
# ### Loss curves: Algorithm 2 against Algorithm 3
#
# Now training, with the same $\eta = 0.05$ for every run: Algorithm 2, Algorithm 3 in the
# mean form with batches of 8 and of 64, and Algorithm 3 in the source's sum form with
# batches of 64. To draw curves we run the algorithms on chunks of 128 samples in turn
# and measure the cost on the 1,024 training digits after each chunk (128 is a multiple
# of every batch size here, so this changes nothing about the algorithms).

# %%
def train_in_chunks(step_chunk, epochs=2, chunk=128):
    """Run `step_chunk(model, x, y)` chunk by chunk; the training cost after each."""
    model = small_network()
    costs = [evaluate(model, x_small, y_small).loss]
    with np.errstate(all="ignore"):  # the sum form overflows
        for _ in range(epochs):
            for start in range(0, len(x_small), chunk):
                part = slice(start, start + chunk)
                step_chunk(model, x_small[part], y_small[part])
                costs.append(evaluate(model, x_small, y_small).loss)
    return costs


def algorithm_3(batch_size, mean):
    return lambda model, x, y: optim.accumulated_batch_epoch(
        model, softmax_cross_entropy, x, y, lr, batch_size, mean=mean)


runs = {
    "Algorithm 2 (one sample)": lambda model, x, y: optim.sgd_per_sample_epoch(
        model, softmax_cross_entropy, x, y, lr),
    "Algorithm 3, mean, |B| = 8": algorithm_3(8, mean=True),
    "Algorithm 3, mean, |B| = 64": algorithm_3(64, mean=True),
    "Algorithm 3, sum, |B| = 64 (source)": algorithm_3(64, mean=False),
}
curves = {name: train_in_chunks(run) for name, run in runs.items()}
for name, costs in curves.items():
    print(f"{name:36}: cost {costs[0]:.2f} → {costs[-1]:.2f} after 2 epochs")

# %% mystnb={"figure": {"caption": "Training cost (cross-entropy on the 1,024 training digits) while training a 784 → 32 → 10 network with η = 0.05, against the number of samples processed. Per-sample updates (Algorithm 2) make the most progress per sample; the mean form of Algorithm 3 makes fewer, steadier steps, fewer the larger the batch. The source's sum form with |B| = 64 steps up to 64 times too far: the cost explodes in the first chunk, then hovers near ln 10 ≈ 2.30 (dotted), the cost of guessing uniformly: this network learns nothing.", "name": "fig-algorithms-2-3"}}
samples = np.arange(len(next(iter(curves.values())))) * 128
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for name, costs in curves.items():
    _ = ax.plot(samples, costs, marker=".", label=name)
ax.axhline(math.log(10), color="0.5", linestyle=":", linewidth=1)
ax.set_yscale("log")
ax.set_xlabel("samples processed")
ax.set_ylabel("training cost")
ax.set_title(f"Algorithms 2 and 3, η = {lr}")
ax.legend(fontsize=8)
plt.show()

# %%
ends = [costs[-1] for costs in curves.values()]
assert ends[0] < ends[1] < ends[2] < 2.0  # per sample: the smaller |B|, the further
source_form = curves["Algorithm 3, sum, |B| = 64 (source)"]
assert max(source_form) > 5 * source_form[0]  # explodes,
assert source_form[-1] > 2.0  # then learns nothing

# %% [markdown]
# Per sample processed, smaller batches make more steps and learn faster; with the mean
# form, every batch size trains with the same $\eta$ and the curves differ only in the
# number of steps. With the source's sum form, the same $\eta$ that is safe for one
# sample is 64 times too large for a batch of 64. (Algorithm 3 with $|B| = 1$ *is*
# Algorithm 2, in either form; an exercise checks it.)
#
# ## What per-sample updates cost: noise and speed
#
# The source motivates batches by saying that updating after every sample "makes [the
# model] subject to overfitting". Overfitting, a model that learns its training data by
# heart instead of the rule behind them, is the subject of
# [chapter 9](09_optimisers.ipynb), which tests the claim with a network that overfits.
# What per-sample updates certainly cost is **noise** and **work**, measured here.
#
# ### Noise
#
# The gradient on one sample, $\nabla C_j$, is an *estimate* of the gradient of the whole
# cost, $\nabla C = \frac{1}{N} \sum_j \nabla C_j$: right on average, but noisy. The mean
# over a random batch of $|B|$ samples is a better estimate: its variance, the mean
# over random batches of $\|g_B - \nabla C\|^2$, falls as $s^2 / |B|$, where $s^2$ is the
# variance of one sample's gradient. We measure it on a network trained for one epoch,
# with 40 random batches per size.

# %%
trained = small_network()
minibatch_epoch(trained, x_small, y_small, lr=0.1, batch_size=64)


def flat(gradients):
    return np.concatenate([g.ravel() for g in gradients])


def gradient_on(rows):
    return flat(optim.batch_gradient(trained, softmax_cross_entropy, x_small[rows],
                                     y_small[rows]))


full_gradient = gradient_on(slice(None))
rng = np.random.default_rng(0)
noise = {}
for size in [1, 4, 16, 64]:
    batches = [rng.choice(1024, size, replace=False) for _ in range(40)]
    errors = [np.sum((gradient_on(rows) - full_gradient) ** 2) for rows in batches]
    noise[size] = float(np.mean(errors))
signal = float(np.sum(full_gradient**2))
print(f"‖∇C‖² (the full gradient)      : {signal:.3f}")
for size, value in noise.items():
    print(f"E‖g_B − ∇C‖² with |B| = {size:<3}     : {value:7.3f}   "
          f"(× |B| = {value * size:5.1f})")
# Lengths, not squared lengths: the typical error of one sample's gradient against ∇C.
length_ratio = math.sqrt(noise[1] / signal)
print(f"one sample: the error is about {length_ratio:.0f} times as long as ∇C itself "
      f"(√(E‖g_1 − ∇C‖² / ‖∇C‖²) = {length_ratio:.1f})")

# %%
assert 5 < length_ratio < 15  # one sample's gradient: mostly noise
assert 8 < noise[1] / noise[16] < 32  # about 1/|B|

# %% [markdown]
# With one sample, the error of the estimate is several times as long as the gradient
# itself (the root of the ratio of the squared lengths above): most of each per-sample
# step is noise, which is why Algorithm 2 needs a small $\eta$. The squared error times
# $|B|$ is roughly constant: the squared error falls as $1/|B|$, its length as
# $1/\sqrt{|B|}$. Noise is not only bad: it lets training jiggle out of flat regions,
# and on large networks very large batches have been found to generalise worse than
# small ones ([Keskar et al., 2017](bibliography.md)).
#
# ### Speed
#
# Algorithms 2 and 3 run the network on one sample at a time. Both do the same
# arithmetic per epoch as a vectorised epoch: every sample goes once forwards and once
# backwards through the same layers. What differs is how many times the network is
# *called*, and each call pays a fixed cost (Python, the tape's bookkeeping) whatever the
# size of its arrays. We count the calls and the updates of one epoch on the 1,024
# digits, with a model that counts what it is asked to do:

# %%
class Counted:
    """A model that counts its forward passes and the samples they carry."""

    def __init__(self, model):
        self.model, self.calls, self.samples = model, 0, 0

    def __call__(self, x):
        self.calls, self.samples = self.calls + 1, self.samples + len(x.data)
        return self.model(x)

    def parameters(self):
        return self.model.parameters()

    def zero_grad(self):
        self.model.zero_grad()


ways = {
    "Algorithm 2, per sample": lambda m: optim.sgd_per_sample_epoch(
        m, softmax_cross_entropy, x_small, y_small, 0.01),
    "Algorithm 3, accumulator, |B| = 64": lambda m: optim.accumulated_batch_epoch(
        m, softmax_cross_entropy, x_small, y_small, 0.01, 64, mean=True),
    "vectorised, |B| = 64": lambda m: minibatch_epoch(m, x_small, y_small, 0.01, 64),
}
work = {}
for name, run in ways.items():
    counted = Counted(small_network())
    run(counted)
    work[name] = (counted.calls, counted.samples)
    print(f"{name:35}: {counted.calls:5} forward passes, {counted.samples} samples")

# %%
assert work["Algorithm 2, per sample"] == (1024, 1024)
assert work["Algorithm 3, accumulator, |B| = 64"] == (1024, 1024)
assert work["vectorised, |B| = 64"] == (16, 1024)  # the same samples, 64× fewer calls

# %% [markdown]
# The accumulator of Algorithm 3 saves no calls at all: it still loops over the samples.
# The gain of batches comes from computing them *together*: the same 1,024 samples in 16
# calls instead of 1,024, each call a few large matrix products. On your machine, one
# epoch each way takes (the times vary from run to run, with whatever else the machine
# is doing):

# %% tags=["nbval-ignore-output"]
for name, run in ways.items():
    timed = small_network()
    begin = time.perf_counter()
    run(timed)
    print(f"{name:35}: {1e3 * (time.perf_counter() - begin):7.1f} ms per epoch")

# %% [markdown]
# The vectorised epoch pays the fixed cost of a call 16 times instead of 1,024, and
# each of its gradients, a mean over 64 samples, has a squared error about 64 times
# smaller than one sample's. The price is fewer steps per epoch, as the loss curves
# showed.
# [Chapter 9](09_optimisers.ipynb) measures how the learning rate and the batch size
# work together.
#
# ## Summary
#
# * $-\nabla C$ points downhill, across the contour lines; gradient descent steps along
#   it by $\eta$ times its length. Too small an $\eta$ crawls, too large an $\eta$
#   overshoots and diverges; the steepest direction of the cost sets the limit.
# * Algorithm 2 steps after each sample; Algorithm 3 after each batch, with the gradients
#   of its samples summed in an accumulator. Divide that sum by the batch size (the mean
#   form), or the learning rate has to change with every batch size.
# * The accumulator divided by $|B|$ equals the gradient of the mean cost over the batch,
#   which one vectorised forward and backward pass computes: the same arithmetic in
#   $|B|$ times fewer calls.
# * Per-sample updates are noisy (the squared error of a batch's gradient falls as
#   $1/|B|$) and slow (one call per sample). Whether they make a network overfit, as the
#   source claims, is tested in [chapter 9](09_optimisers.ipynb).
#
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 8.1: Algorithm 2: one update per sample (`ppn/optim.py`: `sgd_per_sample_epoch`)
# * 8.2: Algorithm 3's gradient accumulator (`ppn/optim.py`: `accumulated_gradient`)
#
# Check them with `pytest tests/tasks -k TestTask8_`, or here with
# `ppn.tasks.check("8.1")` and `ppn.tasks.check("8.2")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} The largest stable learning rate (★★, 20 min)
# :label: ex-descent-stable-lr
#
# The cost of figure 12 is a quadratic, so its Hessian, the matrix of second derivatives
# $\nabla^2 C = \frac{2}{n} \begin{pmatrix} \sum u_i^2 & \sum u_i \\ \sum u_i & n \end{pmatrix}$,
# is constant. Derive it by hand, and show that one step of gradient descent
# multiplies the distance to the minimum along an eigenvector of $\nabla^2 C$ with
# eigenvalue $\kappa$ by $1 - \eta \kappa$, so that it converges if and only if
# $\eta < 2 / \kappa_{\max}$. Compute $\kappa_{\max}$ with `np.linalg.eigvalsh`, then check
# with `descend` that $\eta$ just below $2/\kappa_{\max}$ converges and just above diverges. Which direction limits
# $\eta$, and how would measuring $u$ in 10-cm steps change the limit?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-descent-stable-lr
# :label: ex-descent-stable-lr-solution
# :class: dropdown
# ```
#
# Differentiating $\nabla C = \frac{2}{n}\big(\sum_i r_i u_i, \sum_i r_i\big)$ once more,
# with $\partial r_i / \partial a = u_i$ and $\partial r_i / \partial b = 1$, gives
# $\nabla^2 C$. For a quadratic, $\nabla C(\theta) = \nabla^2 C\, (\theta - \theta^*)$
# exactly, so a step $\theta \leftarrow \theta - \eta \nabla C$ maps the error
# $e = \theta - \theta^*$ to $(I - \eta \nabla^2 C)\, e$. Along an eigenvector
# ($\nabla^2 C\, v = \kappa v$) that is multiplication by $1 - \eta \kappa$, and
# $|1 - \eta\kappa| < 1$ for every eigenvalue exactly when $0 < \eta < 2 / \kappa_{\max}$.
#
# Here $u$ is centred, so $\sum_i u_i = 0$: $\nabla^2 C$ is diagonal, with eigenvalues
# $\frac{2}{n} \sum_i u_i^2 \approx 5.38$ along $a$ and $2$ along $b$. The slope $a$, the
# steep direction of the oval bowl, limits $\eta$ to $2/5.38 \approx 0.372$: between the
# 0.34 that converged and the 0.38 that diverged in the figure above. In 10-cm steps, $u$
# is halved and $\frac{2}{n}\sum_i u_i^2$ quartered, to about 1.34; then $b$ is the steep
# direction, with $\kappa = 2$, and the limit rises to $\eta < 1$.

# %% tags=["solution"]
hessian = 2 / n * np.array([[np.sum(u * u), np.sum(u)], [np.sum(u), n]])
eigenvalues = np.linalg.eigvalsh(hessian)
limit = 2 / eigenvalues.max()
print(f"eigenvalues of ∇²C: {eigenvalues[0]:.3f} and {eigenvalues[1]:.3f}; "
      f"2/κmax = {limit:.4f}")
below, above = descend(0.99 * limit, steps=300), descend(1.01 * limit, steps=300)
print(f"300 steps, η = 0.99 · limit: C = {cost(*below[-1]):.3f} kg² "
      f"(minimum {minimum_cost:.3f})")
print(f"300 steps, η = 1.01 · limit: C = {cost(*above[-1]):.3g} kg²")
assert cost(*below[-1]) < 1.001 * minimum_cost
assert cost(*above[-1]) > 1e4 * minimum_cost
u_10cm = u / 2
hessian_10cm = 2 / n * np.array([[np.sum(u_10cm**2), np.sum(u_10cm)],
                                 [np.sum(u_10cm), n]])
eigenvalues_10cm = np.linalg.eigvalsh(hessian_10cm)
print(f"in 10-cm steps: eigenvalues {eigenvalues_10cm[0]:.3f} and "
      f"{eigenvalues_10cm[1]:.3f}; 2/κmax = {2 / eigenvalues_10cm.max():.4f}")
assert math.isclose(2 / eigenvalues_10cm.max(), 1.0)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The sum form with a learning rate divided by the batch size (★, 10 min)
# :label: ex-descent-sum-form
#
# Keep the source's sum form of Algorithm 3 but choose $\eta_{\text{sum}} = 0.05 / |B|$.
# Rerun the loss curve with $|B| = 64$ (`train_in_chunks`) and compare it with the mean
# form's. Then explain, from the step-length figure, why a *constant* $\eta$ in the mean
# form is not quite "the same training" for all batch sizes either.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-descent-sum-form
# :label: ex-descent-sum-form-solution
# :class: dropdown
# ```
#
# $\frac{\eta}{|B|} \nabla_{\text{acc}} = \eta \cdot \frac{\nabla_{\text{acc}}}{|B|}$: the
# two forms make the same step, so the curves coincide (up to rounding, since the
# multiplications happen in another order). Dividing $\eta$ by the batch size is all the
# source's algorithm needs.
#
# With the mean form and a constant $\eta$, a larger batch makes fewer steps *and*
# shorter ones: a batch of 64 makes 64 times fewer steps per epoch than single samples,
# and its first step is shorter too (printed below, from the step-length figure), since
# the mean of gradients that partly disagree is a shorter vector. A larger batch gives a
# less noisy direction, not a longer step, so per sample processed it makes less
# progress, as the loss curves showed. That is why large-batch training raises $\eta$ with the batch size
# (roughly in proportion, up to the stability limit of the first exercise).

# %% tags=["solution"]
sum_form_scaled = train_in_chunks(lambda model, x, y: optim.accumulated_batch_epoch(
    model, softmax_cross_entropy, x, y, lr / 64, 64))
mean_form = curves["Algorithm 3, mean, |B| = 64"]
print(f"sum form, η = {lr}/64: cost {sum_form_scaled[0]:.3f} → "
      f"{sum_form_scaled[-1]:.3f}; mean form, η = {lr}: {mean_form[0]:.3f} → "
      f"{mean_form[-1]:.3f}")
assert np.allclose(sum_form_scaled, mean_form, rtol=1e-4)
print(f"first step, mean form: {step_mean[0]:.3f} (|B| = 1), "
      f"{step_mean[6]:.3f} (|B| = 64)")
assert batch_sizes[6] == 64 and step_mean[6] < step_mean[0] / 2

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Algorithm 3 with one sample per batch (★, 10 min)
# :label: ex-descent-batch-of-one
#
# Show on paper that Algorithm 3 with $|B| = 1$ is Algorithm 2, in the sum form and in
# the mean form alike. Then check it: from two copies of `small_network()`, run one epoch
# of `sgd_per_sample_epoch` on one and of `accumulated_batch_epoch(..., batch_size=1)` on
# the other, with the same $\eta$, on 100 digits, and compare their weights.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-descent-batch-of-one
# :label: ex-descent-batch-of-one-solution
# :class: dropdown
# ```
#
# With one sample per batch, $\nabla_{\text{acc}}$ is that sample's gradient, and
# dividing by $|B| = 1$ changes nothing: each batch makes the step
# $\theta \leftarrow \theta - \eta \nabla C_j(\theta)$, in the order of the samples,
# which is Algorithm 2. The two runs compute the same numbers in the same order, so their
# weights agree exactly.

# %% tags=["solution"]
one, other = small_network(), small_network()
x100, y100 = x_small[:100], y_small[:100]
optim.sgd_per_sample_epoch(one, softmax_cross_entropy, x100, y100, lr=0.05)
optim.accumulated_batch_epoch(other, softmax_cross_entropy, x100, y100, 0.05,
                              batch_size=1)
same = all(np.array_equal(p.data, q.data)
           for p, q in zip(one.parameters(), other.parameters(), strict=True))
print(f"the same weights after 100 steps: {same}")
assert same

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
