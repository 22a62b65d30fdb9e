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
# [Chapters 3](03_forward_mode.ipynb) to [5](05_gradient_tape.ipynb) computed the gradient of a cost with respect to every parameter, in one
# backward pass. This chapter uses it. **Gradient descent** repeats one step,
#
# $$ \theta \leftarrow \theta - \eta \, \nabla C(\theta), $$
#
# where $\theta$ holds all the parameters, $\nabla C$ is the gradient of the cost and
# $\eta > 0$ is the **learning rate**. We look at why the step goes downhill, how $\eta$
# decides between crawling, converging and diverging, the source's two algorithms
# (Algorithm 2 updates after every sample, Algorithm 3 after every batch), and
# **overfitting**: a model that learns its training data by heart instead of the rule
# behind it.
#
# The library's optimisers live in `ppn.optim` and its training loop in `ppn.train`;
# everything below runs their code.

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from threadpoolctl import threadpool_limits

import ppn.linreg as linreg
from ppn import data, optim
from ppn.listing import listing
from ppn.losses import mse, softmax_cross_entropy
from ppn.nn import MLP
from ppn.plots import draw_descent_path, draw_history, plot_history
from ppn.tensor import Tensor
from ppn.train import DivergenceError, evaluate, fit

# One BLAS thread: the timings below compare algorithms, not core counts, and the numbers
# printed are then the same on every machine whatever its number of cores.
_ = threadpool_limits(limits=1)

# %% [markdown]
# ## Minus the gradient points downhill (figure 12)
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
# engine of [chapter 5](05_gradient_tape.ipynb) computes it by a backward pass through `ppn.losses.mse`; it agrees
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
# contour lines of $C$, towards lower cost. Figure 12 draws $-\nabla C$ at points of a grid
# over the cost surface.

# %% mystnb={"figure": {"caption": "Figure 12: contour lines of the cost of the line fit (mean squared error, kg²) over its two parameters, and the vector $-\\nabla C$ (scaled down) at points of a grid. Every arrow crosses the contour lines at a right angle, downhill; on this oval bowl they point *towards* the minimum (star) without aiming exactly at it.", "name": "fig-gradient-field"}}
extent = (-8.0, 16.0, 46.0, 84.0)  # a from -8 to 16, b from 46 to 84
fig, ax = plt.subplots(figsize=(4.6, 6.2))
_ = draw_descent_path([], cost, ax, extent=extent, minimum=best)
ax.set_aspect("equal")  # the same scale on both axes, so that right angles look right
grid_a, grid_b = np.meshgrid(np.linspace(-6, 14, 6), np.linspace(48, 82, 10))
downhill = -np.array([[linreg.cost_gradient(a, b, u, weight) for a, b in zip(row_a, row_b, strict=True)]
                      for row_a, row_b in zip(grid_a, grid_b, strict=True)]) / n
_ = ax.quiver(grid_a, grid_b, downhill[..., 0], downhill[..., 1], color="C3", angles="xy",
              scale_units="xy", scale=25, width=0.006)
ax.set_title("Figure 12: $-\\nabla C$ points downhill")
plt.show()

# %% [markdown]
# The arrows are longest where the surface is steep and vanish at the bottom, where
# $\nabla C = 0$. The source says $-\nabla C$ "points towards a minimum": downhill, yes,
# but straight at the minimum only on a perfectly round bowl. This one is oval (the cost
# curves more steeply along $a$ than along $b$), so the arrows aim beside the star, and a
# path that follows them bends. That is the whole difficulty of choosing a step size.
#
# ## The learning rate η
#
# The gradient gives a direction and a local slope, not a distance: how far to go along
# $-\nabla C$ is the learning rate $\eta$. `ppn.optim.SGD` makes exactly the step
# $\theta \leftarrow \theta - \eta \nabla C$:

# %% tags=["remove-input"]
listing(optim.SGD)


# %% [markdown]
# Below, the same start point and 30 steps for four learning rates. Each step is the loop
# that trains every network in this course: forget the old gradient, compute the cost,
# backward pass, step.

# %%
def descend(lr, steps=30, start=(-6.0, 50.0)):
    """The points (a, b) visited by `steps` steps of gradient descent with learning rate lr."""
    theta = Tensor(np.array(start), requires_grad=True)
    optimizer = optim.SGD([theta], lr=lr)
    path = [theta.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        mse(theta[0] * u + theta[1], weight).backward()
        optimizer.step()
        path.append(theta.data.copy())
    return np.array(path)


learning_rates = {"too small": 0.01, "about right": 0.2, "large": 0.34, "too large": 0.38}
paths = {name: descend(lr) for name, lr in learning_rates.items()}
for name, path in paths.items():
    print(f"η = {learning_rates[name]:<5} ({name:11}): C after 30 steps = {cost(*path[-1]):9.2f} kg²")

# %% mystnb={"figure": {"caption": "The learning rate, in small multiples. Top: 30 steps of gradient descent from the same start (square) on the cost of figure 12. With η = 0.01 the steps are tiny and the path is still far from the minimum; η = 0.2 reaches it; η = 0.34 overshoots across the valley at every step but still converges; η = 0.38 overshoots by more each time and diverges. Bottom: the cost after each step (log scale).", "name": "fig-learning-rates"}}
fig, axes = plt.subplots(2, 4, figsize=(10, 6.4), height_ratios=[3, 1.6])
for column, (name, path) in enumerate(paths.items()):
    title = f"η = {learning_rates[name]} ({name})"
    _ = draw_descent_path(path, cost, axes[0, column], extent=extent, minimum=best, title=title)
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
assert final["too large"] > cost(*paths["too large"][10]) > minimum_cost  # growing: diverges

# %% [markdown]
# Too small, and training crawls; too large, and every step overshoots the valley by more
# than the last: the iterates fly off and the cost explodes (in a network it becomes `inf`,
# then `nan`). Between the two, the steep direction limits $\eta$ while the shallow
# direction would like it larger. How large $\eta$ may be is a property of the curvature of
# the cost; the exercises find the exact limit for this bowl.
#
# ## Algorithm 2: one update per sample
#
# For a network the cost is a sum over the training set,
# $C(\theta) = \frac{1}{N} \sum_{j=1}^{N} C_j(\theta)$, where $C_j$ is the cost on
# sample $j$. The source's **Algorithm 2** (stochastic gradient descent) does not wait for
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
# In the library this is `ppn.optim.sgd_per_sample_epoch`, one epoch of it:

# %% tags=["remove-input"]
listing(optim.sgd_per_sample_epoch)


# %% [markdown]
# We try it on MNIST digits with a small network, 784 → 32 → 10 (ReLU), and the
# softmax cross-entropy cost. The course always works on the first 10,000 training images,
# `x_train[:10000]` (they are the same on every machine, and a network this size trains on
# them in seconds); here 1,024 of them for training and the last 1,000 for validation.
# `data.load_mnist()` finds the files through `PPN_DATA_DIR` or its cache (CI sets
# `PPN_DATA_DIR`); on a machine that has neither, it downloads them once, checking each
# file's SHA-256 ([chapter 10](10_mnist.ipynb) shows how the files are read).
#
# Every network in this chapter computes in float64, not in `ppn`'s default float32. Not
# for accuracy: so that the numbers printed here are the ones you get. The BLAS library
# that computes the matrix products picks its code for the processor, and two processors
# round some float32 sums differently; over hundreds of training steps that changes the
# third decimal of a cost. In float64 the same differences stay far below the printed
# digits.

# %%
DTYPE = np.float64
(x_train, y_train), _ = data.load_mnist()
x_all, y_all = data.to_float(x_train[:10000], flatten=True).astype(DTYPE), y_train[:10000]
x_small, y_small = x_all[:1024], y_all[:1024]
x_val, y_val = x_all[9000:], y_all[9000:]
print(f"training: {x_small.shape}, validation: {x_val.shape}")


def small_network():
    return MLP([784, 32, 10], activation="relu", rng=0, dtype=DTYPE)


# %% [markdown]
# ## Algorithm 3: batches and a gradient accumulator
#
# The source's **Algorithm 3** splits the training set into batches $B_1, B_2, \dots$ of
# $|B|$ samples. For each batch it sums the samples' gradients in an accumulator
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
# In the library, `accumulated_gradient` is the inner loop and `accumulated_batch_epoch`
# one epoch of the outer one:

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
# The two forms are the same algorithm with $\eta_{\text{sum}} = \eta_{\text{mean}} / |B|$;
# the tests check exactly that.
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
difference = max(np.abs(acc / 64 - grad).max() for acc, grad in zip(accumulated, vectorised, strict=True))
assert difference < 1e-12  # rounding: the two sum the same numbers in another order
print("∇acc / 64 and the batch gradient agree to rounding (largest difference below 1e-12)")

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
    accumulator = optim.accumulated_gradient(untrained, softmax_cross_entropy, x_small[:size], y_small[:size])
    norm = math.sqrt(sum(float(np.sum(acc.astype(np.float64) ** 2)) for acc in accumulator))
    step_sum.append(lr * norm)
    step_mean.append(lr * norm / size)
for size, s, m in zip(batch_sizes, step_sum, step_mean, strict=True):
    print(f"|B| = {size:3}:  sum form {s:6.3f},  mean form {m:6.3f}")

# %% mystnb={"figure": {"caption": "Length of the first step of Algorithm 3 with η = 0.05, against the batch size (log–log). The sum form's step grows with the batch, as fast as √|B| for small batches, where the samples' gradients partly cancel, and as |B| for large ones; the mean form's step shrinks slightly and levels off at the length of the mean gradient.", "name": "fig-step-vs-batch"}}
fig, ax = plt.subplots(figsize=(5.6, 3.6))
_ = ax.loglog(batch_sizes, step_sum, "o-", label=r"sum form: $\eta\,\|\nabla_{acc}\|$ (the source)")
_ = ax.loglog(batch_sizes, step_mean, "s-", label=r"mean form: $\eta\,\|\nabla_{acc}\| / |B|$")
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
    """Run `step_chunk(model, x, y)` over the training digits, chunk by chunk; the cost after each."""
    model = small_network()
    costs = [evaluate(model, x_small, y_small).loss]
    with np.errstate(all="ignore"):  # the sum form overflows
        for _ in range(epochs):
            for start in range(0, len(x_small), chunk):
                step_chunk(model, x_small[start:start + chunk], y_small[start:start + chunk])
                costs.append(evaluate(model, x_small, y_small).loss)
    return costs


runs = {
    "Algorithm 2 (one sample)": lambda model, x, y: optim.sgd_per_sample_epoch(model, softmax_cross_entropy, x, y, lr),
    "Algorithm 3, mean, |B| = 8": lambda model, x, y: optim.accumulated_batch_epoch(model, softmax_cross_entropy, x, y, lr, 8, mean=True),
    "Algorithm 3, mean, |B| = 64": lambda model, x, y: optim.accumulated_batch_epoch(model, softmax_cross_entropy, x, y, lr, 64, mean=True),
    "Algorithm 3, sum, |B| = 64 (source)": lambda model, x, y: optim.accumulated_batch_epoch(model, softmax_cross_entropy, x, y, lr, 64),
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
assert curves["Algorithm 2 (one sample)"][-1] < curves["Algorithm 3, mean, |B| = 8"][-1] < curves["Algorithm 3, mean, |B| = 64"][-1] < 2.0
source_form = curves["Algorithm 3, sum, |B| = 64 (source)"]
assert max(source_form) > 5 * source_form[0] and source_form[-1] > 2.0  # explodes, then learns nothing

# %% [markdown]
# Per sample processed, smaller batches make more steps and learn faster; with the mean
# form, every batch size trains with the same $\eta$ and the curves differ only in the
# number of steps. With the source's sum form, the same $\eta$ that is safe for one
# sample is 64 times too large for a batch of 64. (Algorithm 3 with $|B| = 1$ *is*
# Algorithm 2, in either form; the tests check that too.)
#
# Why batches at all, then, if they make fewer steps? Because a batch's gradient need not
# be computed one sample at a time. That is the next section.
#
# ## Does updating after every sample cause overfitting?
#
# The source motivates batches by saying that updating after every sample "makes [the
# model] subject to overfitting". What per-sample updates certainly cost is **noise**
# and **speed**, measured here; whether they make a network overfit is tested in the next
# section, once we have a network that overfits.
#
# ### Noise
#
# The gradient on one sample, $\nabla C_j$, is an *estimate* of the gradient of the whole
# cost, $\nabla C = \frac{1}{N} \sum_j \nabla C_j$: right on average, but noisy. The mean
# over a random batch of $|B|$ samples is a better estimate: its variance
# $\mathbb{E}\,\|g_B - \nabla C\|^2$ falls as $\sigma^2 / |B|$, where $\sigma^2$ is the
# variance of one sample's gradient. We measure it on a network trained for one epoch,
# with 40 random batches per size.

# %%
trained = small_network()
_ = fit(trained, x_small, y_small, optimizer=optim.SGD(trained.parameters(), lr=0.1), epochs=1, progress=False)


def flat(gradients):
    return np.concatenate([g.ravel() for g in gradients]).astype(np.float64)


full_gradient = flat(optim.batch_gradient(trained, softmax_cross_entropy, x_small, y_small))
rng = np.random.default_rng(0)
noise_sizes = [1, 4, 16, 64]
noise = {}
for size in noise_sizes:
    errors = []
    for _ in range(40):
        batch = rng.choice(len(x_small), size=size, replace=False)
        estimate = flat(optim.batch_gradient(trained, softmax_cross_entropy, x_small[batch], y_small[batch]))
        errors.append(np.sum((estimate - full_gradient) ** 2))
    noise[size] = float(np.mean(errors))
signal = float(np.sum(full_gradient**2))
print(f"‖∇C‖² (the full gradient)      : {signal:.3f}")
for size, value in noise.items():
    print(f"E‖g_B − ∇C‖² with |B| = {size:<3}     : {value:7.3f}   (× |B| = {value * size:5.1f})")
# Lengths, not squared lengths: the typical error of one sample's gradient against ∇C.
length_ratio = math.sqrt(noise[1] / signal)
print(f"one sample: the error is about {length_ratio:.0f} times as long as ∇C itself "
      f"(√(E‖g_1 − ∇C‖² / ‖∇C‖²) = {length_ratio:.1f})")

# %%
assert 5 < length_ratio < 12  # one sample's gradient: mostly noise
assert 8 < noise[1] / noise[16] < 32  # about 1/|B|

# %% [markdown]
# With one sample, the error of the estimate is about eight times as long as the gradient
# itself (the root of the ratio of the squared lengths above): most of each per-sample
# step is noise, which is why Algorithm 2 needs a small $\eta$. The squared error times
# $|B|$ is roughly constant: the squared error falls as $1/|B|$, its length as
# $1/\sqrt{|B|}$. (Noise is not only bad: it lets training jiggle out of flat regions,
# and on large networks very large batches have been found to generalise worse than
# small ones ([Keskar et al., 2017](bibliography.md)). Whether per-sample noise makes a network overfit is
# tested after the next section.)
#
# ### Speed
#
# Algorithms 2 and 3 run the network on one sample at a time: 1,024 small forward and
# backward passes per epoch, each paying Python's overhead. `ppn.train.fit` computes each
# batch's gradient with `batch_gradient`'s single vectorised pass, a few large matrix
# products. One epoch on the 1,024 digits, each way (the time varies from run to run and
# machine to machine, so it is not part of the checked output):

# %%
# NBVAL_IGNORE_OUTPUT
def seconds(function, repeats=3):
    """The shortest of a few wall-clock timings."""
    best_time = math.inf
    for _ in range(repeats):
        begin = time.perf_counter()
        function()
        best_time = min(best_time, time.perf_counter() - begin)
    return best_time


timing_model = small_network()
per_sample = seconds(lambda: optim.sgd_per_sample_epoch(timing_model, softmax_cross_entropy, x_small, y_small, 0.01), repeats=2)
accumulated_64 = seconds(lambda: optim.accumulated_batch_epoch(timing_model, softmax_cross_entropy, x_small, y_small, 0.01, 64, mean=True), repeats=2)
vectorised_64 = seconds(lambda: fit(timing_model, x_small, y_small, optimizer=optim.SGD(timing_model.parameters(), lr=0.01), epochs=1, batch_size=64, progress=False))
print(f"Algorithm 2, per sample          : {per_sample * 1e3:7.1f} ms per epoch")
print(f"Algorithm 3, accumulator, |B|=64 : {accumulated_64 * 1e3:7.1f} ms per epoch")
print(f"fit, vectorised, |B| = 64        : {vectorised_64 * 1e3:7.1f} ms per epoch")
print(f"vectorised is {per_sample / vectorised_64:.0f}× faster than per sample")

# %%
assert per_sample / vectorised_64 >= 5
assert accumulated_64 / vectorised_64 >= 5
assert vectorised_64 / 16 < 10 * per_sample / 1024  # one batch of 64: less than 10 single samples

# %% [markdown]
# The accumulator of Algorithm 3 saves no time at all: it still loops over the samples.
# The gain of batches comes from computing them *together*. Computed this way, a whole
# batch of 64 costs about as much as a few single samples (the assertion above: fewer
# than ten), and the squared error of its gradient is about 64 times smaller.
#
# ## Overfitting (figure 13)
#
# A model **overfits** when it fits its training data better and better while getting
# worse on data it has not seen. It happens when the model has many parameters for the
# amount of data: it can then memorise the training points, noise included, instead of
# the rule that produced them.
#
# ### A polynomial through ten points
#
# The classic picture: ten noisy points from a smooth curve, fitted by least squares with
# polynomials of degree 1, 3 and 9 (numpy's `Polynomial.fit`). We measure the mean squared
# error on the ten training points and on 1,000 new points from the same curve.

# %%
def sample_curve(count, seed):
    """Points of y = sin(2πx) plus Gaussian noise (σ = 0.2), x uniform in [0, 1]."""
    generator = np.random.default_rng(seed)
    x = np.sort(generator.uniform(0, 1, count))
    return x, np.sin(2 * np.pi * x) + generator.normal(0, 0.2, count)


x_points, y_points = sample_curve(10, seed=1)
x_new, y_new = sample_curve(1000, seed=2)
polynomials = {}
for degree in (1, 3, 9):
    polynomials[degree] = np.polynomial.Polynomial.fit(x_points, y_points, degree)
    train_error = np.mean((polynomials[degree](x_points) - y_points) ** 2)
    new_error = np.mean((polynomials[degree](x_new) - y_new) ** 2)
    print(f"degree {degree}: {degree + 1:2} parameters, training error {train_error:.4f}, "
          f"error on new points {new_error:8.3f}")

# %% mystnb={"figure": {"caption": "Figure 13: overfitting. Ten noisy points (dots) from the curve y = sin 2πx (grey), fitted by polynomials of degree 1, 3 and 9. A line is too rigid (underfitting); degree 3 follows the rule; degree 9 has ten parameters for ten points, passes through every one of them, and swings wildly between them. Right: with 100 points, the same degree-9 polynomial is tame.", "name": "fig-overfitting-polynomial"}}
x_plot = np.linspace(0, 1, 400)
x_many, y_many = sample_curve(100, seed=3)
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), sharey=True)
for ax, degree in zip(axes, (1, 3, 9), strict=False):
    ax.plot(x_plot, np.sin(2 * np.pi * x_plot), color="0.7", linewidth=3, label="the rule")
    ax.plot(x_plot, polynomials[degree](x_plot), color="C1", label=f"degree {degree}")
    ax.scatter(x_points, y_points, s=18, zorder=3, label="10 training points")
    ax.set_title(f"degree {degree}, 10 points")
    ax.set_xlabel("x")
tamed = np.polynomial.Polynomial.fit(x_many, y_many, 9)
axes[3].plot(x_plot, np.sin(2 * np.pi * x_plot), color="0.7", linewidth=3, label="the rule")
axes[3].plot(x_plot, tamed(x_plot), color="C1", label="degree 9")
axes[3].scatter(x_many, y_many, s=8, zorder=3, label="100 training points")
axes[3].set_title("degree 9, 100 points")
axes[3].set_xlabel("x")
axes[0].set_ylabel("y")
axes[0].set_ylim(-2, 2)
axes[0].legend(fontsize=7, loc="lower left")
axes[3].legend(fontsize=7, loc="lower left")
fig.tight_layout()
plt.show()

# %%
def error(polynomial, x, y):
    return float(np.mean((polynomial(x) - y) ** 2))


assert error(polynomials[9], x_points, y_points) < 1e-12  # through every point
assert error(polynomials[9], x_new, y_new) > 10 * error(polynomials[3], x_new, y_new)
assert error(tamed, x_new, y_new) < 0.06  # more data: close to the noise level 0.04

# %% [markdown]
# ### A network on 300 digits
#
# The same happens to a network. A 784 → 256 → 10 network has 203,530 parameters; we
# train it on only 300 digits, with momentum (η = 0.05, μ = 0.9) and batches of 32, and
# measure the cost on 1,000 validation digits after each epoch with
# `fit(..., validation=(x_val, y_val))`.

# %%
def overfit_run(train_size=300, sizes=(784, 256, 10), epochs=40, weight_decay=0.0, early_stopping=None):
    """Train on the first `train_size` digits; the model and its history."""
    model = MLP(list(sizes), activation="relu", rng=0, dtype=DTYPE)
    optimizer = optim.Momentum(model.parameters(), lr=0.05, momentum=0.9, weight_decay=weight_decay)
    history = fit(model, x_all[:train_size], y_all[:train_size], optimizer=optimizer, epochs=epochs,
                  batch_size=32, validation=(x_val, y_val), early_stopping=early_stopping, progress=False)
    return model, history


big_model, big_history = overfit_run()
print(big_model)
best_epoch = int(np.argmin(big_history.val_loss)) + 1
print(f"validation cost: lowest {min(big_history.val_loss):.3f} at epoch {best_epoch}, "
      f"{big_history.val_loss[-1]:.3f} at epoch {len(big_history)}")
print(f"training cost at epoch {len(big_history)}: {big_history.train_loss[-1]:.4f}, "
      f"training accuracy {big_history.train_accuracy[-1]:.1%}, validation accuracy {big_history.val_accuracy[-1]:.1%}")

# %% mystnb={"figure": {"caption": "Figure 13 for a network: a 784 → 256 → 10 network trained on 300 digits. The training cost (solid) goes to almost zero and the training accuracy to 100 %; the validation cost (dashed) stops falling after a few epochs and then rises, and the gap between the two grows: the network memorises its 300 digits.", "name": "fig-overfitting-network"}}
plot_history(big_history, title="784 → 256 → 10 on 300 digits", validation_label="validation")

# %%
gap = np.array(big_history.val_loss) - np.array(big_history.train_loss)
assert gap[-1] > gap[best_epoch - 1] + 0.1 > gap[1] + 0.1  # the gap keeps growing
assert big_history.val_loss[-1] > min(big_history.val_loss) + 0.05  # validation cost rises
assert big_history.train_accuracy[-1] == 1.0

# %% [markdown]
# ### The source's claim, tested
#
# If updating after every sample made a network overfit, a run with $|B| = 1$ should end
# with a wider gap between validation and training cost than the same run with batches.
# To test that, only the batch size may change. Every run below trains the small
# 784 → 32 → 10 network from the same initial weights on the same 300 digits, with the
# same optimiser (plain SGD in `fit`, the mean form, which shuffles the digits every
# epoch) for the same 10 epochs, so every run computes the same number of per-sample
# gradients, 300 × 10 = 3,000. `fit` with $|B| = 1$ is Algorithm 2, in a shuffled order.
#
# The learning rate grows with the batch: $\eta = 0.01 \cdot |B|$. For a small $\eta$,
# $|B|$ per-sample steps move $\theta$ by about $\eta \sum_{j \in B} \nabla C_j(\theta)$
# (the gradient hardly changes between them), and one mean-form step with $\eta |B|$ moves
# it by exactly that: the "linear scaling rule" of [Goyal et al. (2017)](bibliography.md). With the same
# $\eta$ for all, a batch of 32 would get 32 times less far in 10 epochs, and the runs
# would differ in how far they got rather than in their batch size. The shuffle order
# is a source of variation too, so each batch size runs with two shuffle seeds.

# %%
claim_runs = {}
for size in (1, 8, 32):
    for seed in (0, 1):
        model = small_network()
        _ = fit(model, x_all[:300], y_all[:300], optimizer=optim.SGD(model.parameters(), lr=0.01 * size),
                epochs=10, batch_size=size, seed=seed, progress=False)
        claim_runs[size, seed] = (evaluate(model, x_all[:300], y_all[:300]), evaluate(model, x_val, y_val))
print(f"{'|B|':>3} {'η':>5} {'seed':>4} {'train cost':>10} {'val cost':>8} {'gap':>6} {'train acc.':>10} {'val acc.':>8}")
for (size, seed), (train, validation) in claim_runs.items():
    print(f"{size:3} {0.01 * size:5.2f} {seed:4} {train.loss:10.3f} {validation.loss:8.3f} "
          f"{validation.loss - train.loss:6.3f} {train.accuracy:10.1%} {validation.accuracy:8.1%}")
claim_gap = {key: validation.loss - train.loss for key, (train, validation) in claim_runs.items()}
mean_gap = {size: (claim_gap[size, 0] + claim_gap[size, 1]) / 2 for size in (1, 8, 32)}
between_sizes = max(mean_gap.values()) - min(mean_gap.values())
between_seeds = max(abs(claim_gap[size, 0] - claim_gap[size, 1]) for size in (1, 8, 32))
print("mean gap over the two seeds: " + ", ".join(f"|B| = {size}: {gap:.3f}" for size, gap in mean_gap.items()))
print(f"the batch size moves the mean gap by {between_sizes:.3f}; "
      f"the seed moves a gap by up to {between_seeds:.3f}")

# %%
assert all(train.accuracy >= 0.99 for train, _ in claim_runs.values())  # every run memorises its digits
assert all(0.5 < gap < 0.6 for gap in claim_gap.values())  # and overfits
assert small_network().num_parameters() == 25_450
assert between_sizes < between_seeds / 2  # the batch size matters less than the shuffle order
assert abs(mean_gap[1] - mean_gap[32]) < 0.02
mean_accuracy = {size: (claim_runs[size, 0][1].accuracy + claim_runs[size, 1][1].accuracy) / 2 for size in (1, 8, 32)}
seed_accuracy = min(abs(claim_runs[size, 0][1].accuracy - claim_runs[size, 1][1].accuracy) for size in (1, 8, 32))
assert max(mean_accuracy.values()) - min(mean_accuracy.values()) < seed_accuracy  # accuracy: the same story

# %% [markdown]
# Every run learns its 300 digits (nearly) by heart, and every run ends with a large gap,
# between 0.5 and 0.6: the network overfits whatever the batch size. How much does not
# follow the batch size: the mean gaps of the three batch sizes differ by less than the
# gap of one batch size differs between two shuffles. The validation accuracies tell the
# same: averaged over the two seeds they differ less between batch sizes than any one
# batch size's two seeds differ. In this experiment, updating after every sample did not
# make the network overfit more than updating after batches of 8 or 32. What overfits is
# a network of 25,450 parameters trained on 300 examples, whichever way its gradient is
# computed.
#
# ### What helps, measured
#
# Four remedies, each changing one thing in the run of figure 13:
#
# * **more data**: 1,000 training digits instead of 300;
# * **a smaller model**: a narrow hidden layer, 784 → 16 → 10 (12,730 parameters instead
#   of 203,530), and no hidden layer at all, 784 → 10 (7,850 parameters, a linear model);
# * **early stopping**: `fit(..., early_stopping=5)` stops when the validation cost has
#   not improved for 5 epochs and gives back the weights of its best epoch;
# * **weight decay**: `Momentum(..., weight_decay=0.01)` adds $\lambda \theta$ to every
#   gradient, which pulls every weight towards 0 unless the data keep pushing it away:
#   the model is cheaper to use for fitting real patterns than for memorising noise.

# %%
remedies = {
    "none (300 digits)": (big_model, big_history),
    "more data (1,000 digits)": overfit_run(train_size=1000),
    "smaller model (784 → 16 → 10)": overfit_run(sizes=(784, 16, 10)),
    "smaller model (784 → 10)": overfit_run(sizes=(784, 10)),
    "early stopping (patience 5)": overfit_run(early_stopping=5),
    "weight decay (λ = 0.01)": overfit_run(weight_decay=0.01),
}
print(f"{'remedy':31} {'epochs':>6} {'train cost':>10} {'val cost':>9} {'gap':>6} {'val accuracy':>12}")
results = {}
for name, (model, history) in remedies.items():
    train_size = 1000 if "more data" in name else 300
    train = evaluate(model, x_all[:train_size], y_all[:train_size])
    validation = evaluate(model, x_val, y_val)
    results[name] = (train, validation)
    print(f"{name:31} {len(history):6} {train.loss:10.3f} {validation.loss:9.3f} "
          f"{validation.loss - train.loss:6.3f} {validation.accuracy:12.1%}")

# %% mystnb={"figure": {"caption": "Validation cost per epoch for the run of figure 13 and for each remedy (the dotted line marks the epoch whose weights early stopping kept). More data lowers the whole curve; weight decay keeps it from rising; early stopping ends the run at its lowest point plus 5 epochs. The narrow hidden layer (784 → 16 → 10) does worse than the wide one, and the linear model (784 → 10) only a little better.", "name": "fig-remedies"}}
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for name, (_, history) in remedies.items():
    _ = draw_history(history, ax, splits=("validation",), label=name)
ax.set_ylabel("validation cost")
ax.set_title("Remedies for overfitting")
ax.legend(fontsize=8)
plt.show()

# %%
gaps = {name: validation.loss - train.loss for name, (train, validation) in results.items()}
baseline = results["none (300 digits)"][1]
for name in ["smaller model (784 → 16 → 10)", "smaller model (784 → 10)"]:
    assert results[name][0].accuracy == 1.0, name  # the small models still learn the 300 by heart
assert remedies["smaller model (784 → 16 → 10)"][0].num_parameters() == 12_730
assert remedies["smaller model (784 → 10)"][0].num_parameters() == 7_850
for name, (_, validation) in results.items():  # only more data gains several points of accuracy
    assert (validation.accuracy > baseline.accuracy + 0.03) == (name == "more data (1,000 digits)"), name
for name in ["more data (1,000 digits)", "smaller model (784 → 10)", "early stopping (patience 5)", "weight decay (λ = 0.01)"]:
    assert gaps[name] < gaps["none (300 digits)"], name  # these narrow the gap
assert gaps["smaller model (784 → 16 → 10)"] > gaps["none (300 digits)"]  # this one widens it
assert results["more data (1,000 digits)"][1].accuracy > baseline.accuracy + 0.03
assert results["early stopping (patience 5)"][1].loss < baseline.loss
assert results["weight decay (λ = 0.01)"][1].loss < baseline.loss
assert remedies["early stopping (patience 5)"][1].stopped_early

# %% [markdown]
# More data is the real cure: it is the only remedy that improves the validation accuracy
# by several points, because there is more of the rule to learn. Early stopping and
# weight decay keep the validation *cost* from degrading (the network stays less
# over-confident on the digits it gets wrong) while its accuracy changes little.
#
# The smaller models are the surprise. For the polynomial, fewer parameters was the
# cure; for the network, narrowing the hidden layer to 16 neurons made the gap *wider*,
# and removing it (a linear model) helped only a little. Both still have thousands of
# parameters for 300 digits and still reach 100 % training accuracy; and a parameter
# count is a crude measure of what a network can memorise. Wide networks trained by
# gradient descent often generalise better than narrow ones, a fact that is still an
# active research topic. Measure rather than assume.
#
# ## Learning rate and batch size together
#
# In Jupyter, move the sliders: the network of the Algorithm 2 and 3 section is trained
# with `fit` on the 1,024 digits for the chosen learning rate, batch size and number of
# epochs, and the curves are redrawn. (The web version of the book has no Python behind
# it and shows a note in the sliders' place; the grid below shows the same lesson.)

# %%
# NBVAL_IGNORE_OUTPUT
from ipywidgets import FloatLogSlider, IntSlider, SelectionSlider, interact


def train_and_plot(learning_rate, batch_size, epochs):
    model = small_network()
    optimizer = optim.SGD(model.parameters(), lr=learning_rate)
    try:
        with np.errstate(all="ignore"):
            history = fit(model, x_small, y_small, optimizer=optimizer, epochs=epochs,
                          batch_size=batch_size, validation=(x_val, y_val), progress=False)
    except DivergenceError as error:
        print(error)
        return
    display(plot_history(history, title=f"η = {learning_rate:.3g}, |B| = {batch_size}",
                         validation_label="validation"))


_ = interact(
    train_and_plot,
    learning_rate=FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.25, description="η"),
    batch_size=SelectionSlider(options=[1, 4, 16, 32, 64, 256, 1024], value=32, description="|B|"),
    epochs=IntSlider(value=8, min=1, max=30, description="epochs"),
)

# %% [markdown]
# The same in small multiples, precomputed: three learning rates by three batch sizes,
# 8 epochs of `fit` each.

# %%
grid_rates, grid_batches = [0.01, 0.1, 1.0], [4, 32, 256]
grid = {}
for rate in grid_rates:
    for size in grid_batches:
        model = small_network()
        try:
            with np.errstate(all="ignore"):
                grid[rate, size] = fit(model, x_small, y_small, optimizer=optim.SGD(model.parameters(), lr=rate),
                                       epochs=8, batch_size=size, validation=(x_val, y_val), progress=False)
        except DivergenceError:
            grid[rate, size] = None
accuracy = {key: history.val_accuracy[-1] for key, history in grid.items() if history is not None}
best_rate, best_size = max(accuracy, key=accuracy.get)
print("validation accuracy after 8 epochs, and final training cost")
print("η \\ |B|  " + "".join(f"{size:>16}" for size in grid_batches))
for rate in grid_rates:
    print(f"{rate:<9}" + "".join("        diverged" if grid[rate, size] is None else
                                 f"{grid[rate, size].val_accuracy[-1]:8.1%}, {grid[rate, size].train_loss[-1]:5.2f}"
                                 for size in grid_batches))
print(f"best validation accuracy after 8 epochs: η = {best_rate}, |B| = {best_size}")

# %% mystnb={"figure": {"caption": "Training (solid) and validation (dashed) cost of the 784 → 32 → 10 network on 1,024 digits, for three learning rates (rows) and three batch sizes (columns), 8 epochs each. Each title gives the number of steps per epoch and the final validation accuracy. With η = 0.01, only small batches (many steps) get anywhere; with η = 1 training is erratic, and with the smallest batches the network dies (cost stuck near ln 10 ≈ 2.30, accuracy near chance); η = 0.1 with small or medium batches is the sweet spot. Larger batches take fewer steps per epoch and tolerate a larger η.", "name": "fig-grid"}}
fig, axes = plt.subplots(len(grid_rates), len(grid_batches), figsize=(9.5, 7), sharex=True, sharey=True)
for i, rate in enumerate(grid_rates):
    for j, size in enumerate(grid_batches):
        history, ax = grid[rate, size], axes[i, j]
        if history is None:
            ax.text(0.5, 0.5, "diverged", ha="center", transform=ax.transAxes)
        else:
            _ = draw_history(history, ax, color="C0")
        result = "diverged" if history is None else f"{history.val_accuracy[-1]:.1%} right"
        ax.set_title(f"η = {rate}, |B| = {size}\n{math.ceil(1024 / size)} steps/epoch, {result}", fontsize=9)
        ax.set_ylim(0, 2.6)
axes[0, 0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
assert best_rate == 0.1
assert accuracy[0.01, 4] > accuracy[0.01, 256] + 0.3  # small η needs many steps
assert accuracy[1.0, 4] < 0.15 and abs(grid[1.0, 4].train_loss[-1] - math.log(10)) < 0.1  # dead: ≈ ln 10
assert accuracy[1.0, 32] > accuracy[1.0, 4] + 0.5  # a larger batch tolerates η = 1
assert min(accuracy[0.1, 4], accuracy[0.1, 32]) > max(accuracy[rate, 256] for rate in grid_rates)

# %% [markdown]
# ## Summary
#
# * $-\nabla C$ points downhill, across the contour lines; gradient descent steps along
#   it by $\eta$ times its length. Too small an $\eta$ crawls, too large an $\eta$
#   overshoots and diverges (in `fit`, a `DivergenceError` that names the epoch and step).
# * Algorithm 2 steps after each sample; Algorithm 3 after each batch, with the gradients
#   of its samples summed in an accumulator. Divide that sum by the batch size (the mean
#   form), or the learning rate has to change with every batch size.
# * Per-sample updates are noisy (the squared error of a batch's gradient falls as
#   $1/|B|$) and slow (no vectorisation). Changing only the batch size, with $\eta$ scaled
#   to it, changed the gap between validation and training cost less than reshuffling the
#   data did: in this test, per-sample updates did not make the network overfit more.
# * Overfitting comes from capacity against data: many parameters, few examples. More
#   data cured it best; weight decay and early stopping limited it. A smaller model is no
#   sure cure: the narrow 784 → 16 → 10 network *widened* the gap, and the linear
#   784 → 10 model narrowed it only a little.

# %% [markdown]
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 9.1: one step of gradient descent, θ ← θ − η·(∇C + λθ) (`ppn/optim.py`: `SGD._update`)
# * 8.1: Algorithm 2: one update per sample (`ppn/optim.py`: `sgd_per_sample_epoch`)
# * 8.2: Algorithm 3's gradient accumulator (`ppn/optim.py`: `accumulated_gradient`)
#
# Check them with `pytest tests/tasks -k TestTask6_`, or here with
# `import ppn.tasks` and `ppn.tasks.check("9.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} The largest stable learning rate
# :label: ex-descent-stable-lr
#
# The cost of figure 12 is a quadratic, so its Hessian (the matrix of second derivatives)
# $H = \frac{2}{n} \begin{pmatrix} \sum u_i^2 & \sum u_i \\ \sum u_i & n \end{pmatrix}$ is
# constant. Derive it by hand, and show that one step of gradient descent multiplies the
# distance to the minimum along an eigenvector of $H$ with eigenvalue $\lambda$ by
# $1 - \eta \lambda$, so that it converges if and only if $\eta < 2 / \lambda_{\max}$.
# Compute $\lambda_{\max}$ with `np.linalg.eigvalsh`, then check with `descend` that $\eta$
# just below $2/\lambda_{\max}$ converges and just above diverges. Which direction limits
# $\eta$, and how would measuring $u$ in 10-cm steps change the limit?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-descent-stable-lr
# :label: ex-descent-stable-lr-solution
# :class: dropdown
# ```
#
# Differentiating $\nabla C = \frac{2}{n}\big(\sum_i r_i u_i, \sum_i r_i\big)$ once more,
# with $\partial r_i / \partial a = u_i$ and $\partial r_i / \partial b = 1$, gives $H$. For a
# quadratic, $\nabla C(\theta) = H (\theta - \theta^*)$ exactly, so a step
# $\theta \leftarrow \theta - \eta \nabla C$ maps the error $e = \theta - \theta^*$ to
# $(I - \eta H)\, e$. Along an eigenvector ($H v = \lambda v$) that is multiplication by
# $1 - \eta \lambda$, and $|1 - \eta\lambda| < 1$ for every eigenvalue exactly when
# $0 < \eta < 2 / \lambda_{\max}$.
#
# Here $u$ is centred, so $\sum_i u_i = 0$: $H$ is diagonal, with eigenvalues
# $\frac{2}{n} \sum_i u_i^2 \approx 5.38$ along $a$ and $2$ along $b$. The slope $a$, the
# steep direction of the oval bowl, limits $\eta$ to $2/5.38 \approx 0.372$: between the
# 0.34 that converged and the 0.38 that diverged in the figure above. In 10-cm steps, $u$
# is halved and $\frac{2}{n}\sum_i u_i^2$ quartered, to about 1.34; then $b$ is the steep
# direction, with $\lambda = 2$, and the limit rises to $\eta < 1$.

# %% tags=["solution"]
H = 2 / n * np.array([[np.sum(u * u), np.sum(u)], [np.sum(u), n]])
eigenvalues = np.linalg.eigvalsh(H)
limit = 2 / eigenvalues.max()
print(f"eigenvalues of H: {eigenvalues[0]:.3f} and {eigenvalues[1]:.3f}; 2/λmax = {limit:.4f}")
below, above = descend(0.99 * limit, steps=300), descend(1.01 * limit, steps=300)
print(f"300 steps, η = 0.99 · limit: C = {cost(*below[-1]):.3f} kg² (minimum {minimum_cost:.3f})")
print(f"300 steps, η = 1.01 · limit: C = {cost(*above[-1]):.3g} kg²")
assert cost(*below[-1]) < 1.001 * minimum_cost
assert cost(*above[-1]) > 1e4 * minimum_cost
u_10cm = u / 2
H_10cm = 2 / n * np.array([[np.sum(u_10cm**2), np.sum(u_10cm)], [np.sum(u_10cm), n]])
eigenvalues_10cm = np.linalg.eigvalsh(H_10cm)
print(f"in 10-cm steps: eigenvalues {eigenvalues_10cm[0]:.3f} and {eigenvalues_10cm[1]:.3f}; "
      f"2/λmax = {2 / eigenvalues_10cm.max():.4f}")
assert math.isclose(2 / eigenvalues_10cm.max(), 1.0)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A new optimiser: Nesterov momentum
# :label: ex-descent-nesterov
#
# Extend `ppn.optim` with Nesterov's method, without touching the library: write
# `class Nesterov(optim.Optimizer)` whose `_update(i, theta, gradient)` does
# $v \leftarrow \mu v + g$, $\theta \leftarrow \theta - \eta\,(g + \mu v)$ (PyTorch's form),
# with its velocity buffers allocated by `self._buffers()`. Check it on the bowl of figure
# 12 against `optim.Momentum` and `optim.SGD`: with $\mu = 0.9$ and $\eta = 0.05$, which
# one first reaches a cost within 1 % of the minimum, and does each end at the minimum?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-descent-nesterov
# :label: ex-descent-nesterov-solution
# :class: dropdown
# ```
#
# `Optimizer.step` calls `_update` once per parameter with its gradient; the subclass only
# supplies the arithmetic, in place on `theta` (the parameter's array). Heavy-ball momentum
# steps along the velocity $v$, which keeps pointing the old way after the valley turns,
# so it overshoots and circles around the minimum before settling: 44 steps to come within
# 1 %, slower than plain gradient descent (32) on this small bowl. Nesterov's step adds
# the fresh gradient to a damped look-ahead, $g + \mu v$, which corrects the course as soon
# as the slope changes: 14 steps. All three converge to the same minimum.

# %% tags=["solution"]
class Nesterov(optim.Optimizer):
    """v ← μv + g;  θ ← θ − η·(g + μv): Nesterov momentum, PyTorch's formulation."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params, lr)
        self.momentum = float(momentum)
        self.velocity = self._buffers()

    def _update(self, i, theta, gradient):
        velocity = self.velocity[i]
        velocity *= self.momentum
        velocity += gradient
        theta -= self.lr * (gradient + self.momentum * velocity)


def costs_with(make_optimizer, steps=300, start=(-6.0, 50.0)):
    """The cost after each step of `make_optimizer([θ])` on the bowl of figure 12."""
    theta = Tensor(np.array(start), requires_grad=True)
    optimizer = make_optimizer([theta])
    costs = [cost(*theta.data)]
    for _ in range(steps):
        optimizer.zero_grad()
        mse(theta[0] * u + theta[1], weight).backward()
        optimizer.step()
        costs.append(cost(*theta.data))
    return np.array(costs)


optimisers = {
    "SGD": lambda params: optim.SGD(params, lr=0.05),
    "Momentum": lambda params: optim.Momentum(params, lr=0.05, momentum=0.9),
    "Nesterov": lambda params: Nesterov(params, lr=0.05, momentum=0.9),
}
first_within = {}
for name, make in optimisers.items():
    costs = costs_with(make)
    first_within[name] = int(np.argmax(costs < 1.01 * minimum_cost))
    print(f"{name:8}: within 1 % of the minimum after {first_within[name]:3} steps; "
          f"after 300 steps C = {costs[-1]:.4f} kg² (minimum {minimum_cost:.4f})")
    assert costs[-1] < minimum_cost * (1 + 1e-6)
assert first_within["Nesterov"] < first_within["SGD"] < first_within["Momentum"]

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Adam on the overfitting example
# :label: ex-descent-adam
#
# Repeat the 300-digit run of figure 13 with `optim.Adam(model.parameters(), lr=1e-3)`,
# then with `weight_decay=0.01` as well. Does Adam overfit sooner or later than momentum
# (compare the epoch of lowest validation cost and the final gap between validation and
# training cost)? Does its decoupled weight decay help as much as momentum's did?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-descent-adam
# :label: ex-descent-adam-solution
# :class: dropdown
# ```
#
# Adam's lowest validation cost comes later (epoch 13 against momentum's 6) and its final
# gap is a little smaller, but it still memorises the 300 digits (training cost near 0)
# and overfits: the optimiser changes the path, not the capacity-against-data problem.
#
# Its weight decay of 0.01 changes almost nothing, while momentum's 0.01 lowered the final
# validation cost clearly. The same number means very different things. Momentum adds
# $\lambda \theta$ to the gradient: each step shrinks a weight by $\eta\lambda = 5 \times
# 10^{-4}$, amplified about tenfold by the velocity ($1 / (1 - \mu)$). Adam's decoupled
# decay shrinks it by $\eta \lambda = 10^{-5}$ per step, some 500 times less. Decoupled
# decay needs a much larger $\lambda$ (AdamW is typically used with $\lambda \approx 0.01$
# to $0.1$ and longer training) to have the same pull.

# %% tags=["solution"]
def adam_run(weight_decay):
    model = MLP([784, 256, 10], activation="relu", rng=0, dtype=DTYPE)
    optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    return fit(model, x_all[:300], y_all[:300], optimizer=optimizer, epochs=40, batch_size=32,
               validation=(x_val, y_val), progress=False)


adam_runs = {
    "momentum": big_history,
    "momentum, λ = 0.01": remedies["weight decay (λ = 0.01)"][1],
    "Adam": adam_run(0.0),
    "Adam, λ = 0.01": adam_run(0.01),
}
summary = {}
for name, history in adam_runs.items():
    lowest = int(np.argmin(history.val_loss)) + 1
    final_gap = history.val_loss[-1] - history.train_loss[-1]
    summary[name] = (lowest, final_gap, history.val_loss[-1])
    print(f"{name:19}: lowest validation cost at epoch {lowest:2}, final validation cost "
          f"{history.val_loss[-1]:.3f}, final gap {final_gap:.3f}")
assert summary["Adam"][0] > summary["momentum"][0]  # overfits later
assert summary["Adam"][1] < summary["momentum"][1]  # and with a smaller final gap
assert abs(summary["Adam, λ = 0.01"][2] - summary["Adam"][2]) < 0.01  # decoupled decay: hardly a change
assert summary["momentum, λ = 0.01"][2] < summary["momentum"][2] - 0.1  # L2 with momentum: clearly lower

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The sum form with a learning rate divided by the batch size
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
# With the mean form and a constant $\eta$, each step has about the same length whatever
# the batch (the mean form's curve in the step-length figure is nearly flat), but a batch of
# 64 makes 64 times fewer steps per epoch than single samples. A larger batch gives a less
# noisy direction, not a longer step, so per sample processed it makes less progress, as the
# loss curves showed. That is why large-batch training raises $\eta$ with the batch size
# (roughly in proportion, up to the stability limit of the first exercise).

# %% tags=["solution"]
sum_form_scaled = train_in_chunks(
    lambda model, x, y: optim.accumulated_batch_epoch(model, softmax_cross_entropy, x, y, lr / 64, 64)
)
mean_form = curves["Algorithm 3, mean, |B| = 64"]
print(f"sum form, η = {lr}/64: cost {sum_form_scaled[0]:.3f} → {sum_form_scaled[-1]:.3f}; "
      f"mean form, η = {lr}: {mean_form[0]:.3f} → {mean_form[-1]:.3f}")
assert np.allclose(sum_form_scaled, mean_form, rtol=1e-4)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
