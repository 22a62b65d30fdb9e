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
# # Softmax and cross-entropy
#
# [Chapter 2](02_neural_networks.ipynb) measured how wrong the network is with the
# source's cost, the squared error between its outputs and the one-hot target (eq. 6–7),
# and [chapter 6](06_tensor_nodes.ipynb) computed that cost's gradient through a whole
# network. Before [chapter 8](08_gradient_descent.ipynb) follows the gradient downhill,
# this chapter changes the cost. It first **measures** why the squared error is a poor
# teacher for a sigmoid output: a neuron that is confidently wrong learns slowly, because
# its gradient carries a factor $\sigma'$ that is almost zero exactly then. Then it
# builds the cost that every classifier in this course trains with:
#
# * **softmax**, which turns the network's ten raw scores, its logits, into ten
#   probabilities;
# * **cross-entropy**, $-\log$ of the probability given to the true class, averaged over
#   a batch;
# * how to compute the two without overflow (the *log-sum-exp* form), and their gradient,
#   $(\text{softmax} - \text{one-hot})/N$, which has no $\sigma'$ in it.
#
# You then write the two as **one node** of the tensor tape: its forward pass (task 7.1)
# and its vector-Jacobian product (task 7.2).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import ppn
from ppn import data, losses
from ppn.gradcheck import check_grad
from ppn.listing import listing
from ppn.losses import softmax_cross_entropy
from ppn.nn import MLP
from ppn.plots import draw_digit_scores, plot_runs_by_step
from ppn.tensor import Tensor

# %% [markdown]
# ## Why the squared error learns slowly
#
# Take the smallest network there is: one sigmoid neuron (eq. 3) with one input $x = 1$,
# a weight $w$ and a bias $b$, whose output (the $\hat y$ of chapter 2's eq. 7) is
# $a = \sigma(z)$ with $z = w x + b$. We
# want it to answer $y = 0$. Start it badly wrong, with $w = b = 2$: then $z = 4$ and
# $a = \sigma(4) \approx 0.98$. This experiment comes from [Nielsen
# (2015)](bibliography.md), chapter 3; it is worth repeating, because its lesson decides
# the cost of every network that follows.
#
# Train it by gradient descent as in [chapter 1](01_linear_regression.ipynb): compute
# the gradient of the cost, here with `backward()` on tensors
# ([chapter 6](06_tensor_nodes.ipynb)), and move each parameter $\theta$ a little
# against it, $\theta \leftarrow \theta - \eta\, \partial C / \partial \theta$, with the
# learning rate $\eta = 0.15$.
#
# With eq. 7's cost for one output, $C = (a - y)^2$, the chain rule gives
#
# $$ \frac{\partial C}{\partial b} = 2\,(a - y)\, \sigma'(z), \qquad
#    \frac{\partial C}{\partial w} = 2\,(a - y)\, \sigma'(z)\, x, $$
#
# $$ \text{with} \quad \sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big) = a\,(1 - a). $$
#
# The error $a - y \approx 0.98$ is large, but it is multiplied by $\sigma'(z)$, and
# $\sigma'$ is largest at $z = 0$, where it is $0.25$, and tiny where the sigmoid is flat:
# $\sigma'(4) = 0.018$. A saturated neuron, one whose $z$ sits far out on a flat part of
# $\sigma$, receives a tiny gradient however wrong it is.
#
# Now another cost. Read the output $a$ as the probability the neuron gives to the
# answer 1, so that $1 - a$ is the probability it gives to the answer 0, and charge
# $-\log$ of the probability it gave to the **true** answer: $-\log(1 - a)$ when $y = 0$,
# $-\log a$ when $y = 1$ ($\log$ is the natural logarithm), in one formula
#
# $$ C = -\big[\, y \log a + (1 - y) \log(1 - a) \,\big] . $$
#
# This is the **cross-entropy**. Its derivative with respect to $a$ is
# $(a - y) / \big(a (1 - a)\big)$, and the chain rule multiplies it by
# $\sigma'(z) = a (1 - a)$, which cancels:
#
# $$ \frac{\partial C}{\partial b} = a - y, \qquad
#    \frac{\partial C}{\partial w} = (a - y)\, x . $$
#
# The gradient is the error itself: the more wrong the neuron, the faster it learns.
# Let us measure both. The function below trains the neuron for 300 steps with a given
# cost and records, at each step, the cost, the output $a$, the factor $\sigma'(z)$ and
# the gradient $\partial C / \partial b$ that `backward()` computes:

# %%
def train_neuron(cost, start=2.0, steps=300, lr=0.15):
    """Gradient descent on one sigmoid neuron: x = 1, target 0, from w = b = start."""
    w, b = Tensor(start, requires_grad=True), Tensor(start, requires_grad=True)
    run = {"cost C": [], "output a": [], "σ′(z)": [], "|∂C/∂b|": []}
    for _ in range(steps):
        a = ppn.sigmoid(w * 1.0 + b)
        c = cost(a)
        c.backward()
        values = (c.item(), a.item(), a.item() * (1 - a.item()), abs(b.grad.item()))
        for name, value in zip(run, values, strict=True):
            run[name].append(value)
        for parameter in (w, b):
            # θ ← θ − η ∂C/∂θ
            parameter.data = parameter.data - lr * parameter.grad
            parameter.zero_grad()  # forget .grad: gradients add up (chapter 6)
    return run


def steps_to_half(run):
    """The first step at which the output a is below 0.5: it changed its mind."""
    return int(np.argmax(np.array(run["output a"]) < 0.5))


neuron_costs = {
    "squared error (eq. 7)": lambda a: (a - 0.0) ** 2,
    "cross-entropy": lambda a: -ppn.log(1 - a),  # y = 0: −log(1 − a)
}
runs = {name: train_neuron(cost) for name, cost in neuron_costs.items()}
squared_start, entropy_start = (run["|∂C/∂b|"][0] for run in runs.values())
for name, run in runs.items():
    a0, gradient0 = run["output a"][0], run["|∂C/∂b|"][0]
    print(f"{name:22} step 0: a = {a0:.3f}, |∂C/∂b| = {gradient0:.3f};"
          f"  a < 0.5 after {steps_to_half(run)} steps")
print(f"σ′(4) = {runs['cross-entropy']['σ′(z)'][0]:.4f}; the first gradients' ratio: "
      f"{entropy_start / squared_start:.0f}")

# %%
squared, entropy = runs.values()
# The prose quotes both counts:
assert steps_to_half(squared) == 117 and steps_to_half(entropy) == 17
# 2(a − y)σ′(z) and a − y, with a = σ(4):
assert math.isclose(squared["|∂C/∂b|"][0], 2 * 0.982 * 0.01766, rel_tol=1e-3)
assert math.isclose(entropy["|∂C/∂b|"][0], entropy["output a"][0], rel_tol=1e-12)
assert round(entropy_start / squared_start) == 28  # "28 times smaller"

# %% mystnb={"figure": {"caption": "One sigmoid neuron started badly wrong (output 0.98, target 0), trained by gradient descent with η = 0.15 on the squared error (blue) and on the cross-entropy (orange). The dotted lines mark the step at which the output falls below 0.5. With the squared error the gradient carries the factor σ′(z), almost zero while the neuron is saturated: it learns slowly for about a hundred steps. The cross-entropy's gradient is a − y, large exactly when the neuron is wrong.", "name": "fig-slow-learning"}}
marks = {name: steps_to_half(run) for name, run in runs.items()}
fig = plot_runs_by_step(runs, log_scale=["|∂C/∂b|"], ncols=2, marks=marks)
fig

# %% [markdown]
# The squared-error neuron needs 117 steps before its output falls below one half, the
# cross-entropy neuron 17. At the start both see the same output, 0.982, but the
# squared error's gradient is $2 \cdot 0.982 \cdot \sigma'(4) \approx 0.035$ against
# $0.982$: 28 times smaller. Its plateau ends only when $z$ has crept back to where
# $\sigma$ is steep (the panel $\sigma'(z)$ climbs towards 0.25); then it learns fast, and
# slows down again near the target, where $a - y$ is small for both costs. The two cost
# panels are not on the same scale (they are different costs); what matters is the
# shape: a long flat start for the squared error, none for the cross-entropy.
#
# How long the plateau lasts depends on how badly wrong the neuron starts. Starting from
# $w = b = s$, so $z = 2s$, and counting again the steps until $a < 0.5$:

# %%
delays = {name: [] for name in neuron_costs}
print("start z   σ′(z)   squared error   cross-entropy   (steps until a < 0.5)")
for start in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
    for name, cost in neuron_costs.items():
        delays[name].append(steps_to_half(train_neuron(cost, start, steps=800)))
    slope = math.exp(-2 * start) / (1 + math.exp(-2 * start)) ** 2  # σ′(z) at z = 2s
    squared_delay, entropy_delay = (delays[name][-1] for name in neuron_costs)
    print(f"{2 * start:7}  {slope:.4f}  {squared_delay:14}  {entropy_delay:14}")

# %%
squared_delays, entropy_delays = (np.array(d) for d in delays.values())
assert list(squared_delays) == [12, 26, 53, 117, 278, 709]  # the prose reads these
assert np.all(squared_delays[1:] > 2 * squared_delays[:-1])  # more than doubles
assert list(entropy_delays) == [6, 10, 13, 17, 20, 23]  # three or four steps more

# %% [markdown]
# Each extra unit of $z$ more than doubles the squared error's delay, from 12 steps at
# $z = 1$ to 709 at $z = 6$: it roughly follows $1/\sigma'(z)$, and $\sigma'(z)$
# shrinks like $e^{-z}$ as $z$ grows. The cross-entropy's delay grows by three or four steps each
# time, from 6 to 23: the further it has to go, the longer it takes, nothing more.
#
# In Jupyter, move the slider to start the neuron elsewhere and watch the two runs. (The
# web version of the book has no Python behind it and shows a note in the slider's
# place.)

# %% tags=["nbval-ignore-output"]
from IPython.display import display
from ipywidgets import FloatSlider, interact


def show_start(start):
    """Both runs of the neuron from w = b = start, drawn as in the figure above."""
    started = {name: train_neuron(cost, start, steps=400)
               for name, cost in neuron_costs.items()}  # fmt: skip
    marked = {name: steps_to_half(run) for name, run in started.items()}
    figure = plot_runs_by_step(started, log_scale=["|∂C/∂b|"], ncols=2, marks=marked,
                               title=f"from w = b = {start}")  # fmt: skip
    display(figure)


_ = interact(show_start, start=FloatSlider(min=0.25, max=3, step=0.25, value=2,
                                           description="w = b ="))  # fmt: skip

# %% [markdown]
# A network with a sigmoid output layer and eq. 7 has the same trouble on each output
# that is confidently wrong. The cure is to give the output layer a cost whose gradient
# is the plain error, prediction minus target. For ten classes that cost is softmax
# followed by cross-entropy.
#
# ## From logits to probabilities: softmax
#
# `ppn.nn.MLP` returns ten raw scores per image, the **logits** $z_0, \dots, z_9$
# ([chapter 2](02_neural_networks.ipynb)): any real numbers, larger for the classes the
# network favours. **Softmax** turns them into ten probabilities:
#
# $$ p_k = \operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=0}^{9} e^{z_j}} . $$
#
# Each $p_k$ is positive (an exponential is), they add up to 1 (each is its share of the
# sum), and the largest logit gets the largest probability: the exponential keeps the
# order. Adding the same number $c$ to every logit changes nothing, since $e^{z_k + c} =
# e^c e^{z_k}$ and the factor $e^c$ cancels between the top and the sum; only the
# *differences* between logits matter. (The name says that softmax is a smooth version
# of picking the maximum: the larger the gaps between logits, the closer it comes to
# putting all the probability on the largest.) For one neuron, two classes with logits
# $(0, z)$ give $p_1 = e^z / (1 + e^z) = \sigma(z)$: the sigmoid is softmax with two
# classes, and the
# cross-entropy above is a special case of the one below ({numref}`ex-sigmoid-softmax`).
#
# `Tensor.softmax` computes it along an axis, the last by default:

# %%
z = np.array([2.0, 1.0, 0.1])
p = Tensor(z).softmax().data
print("logits z:      ", z)
print("softmax(z):    ", np.round(p, 4), " sum", round(p.sum(), 12))
print("softmax(z + 100):", np.round(Tensor(z + 100).softmax().data, 4))

# %%
assert np.isclose(p.sum(), 1) and p.argmax() == z.argmax()
assert np.allclose(Tensor(z + 100).softmax().data, p)

# %% [markdown]
# On a digit: the untrained network of [chapter 2](02_neural_networks.ipynb) (784 → 32
# → 10, sigmoid hidden layer, the same seed) on the first training image. Its logits
# are small random numbers, so softmax gives every class about one chance in ten
# (between 0.05 and 0.16, as the cell after the printout checks).

# %%
(x_train, y_train), _ = data.load_mnist()
images = x_train[:16]
x = data.to_float(images, flatten=True).astype(np.float64)  # 16 images, one per row
labels = y_train[:16].astype(np.int64)  # the classes, as integers 0 … 9
mlp = MLP([784, 32, 10], activation="sigmoid", rng=0, dtype=np.float64)  # why: below

logits = mlp(x)
probabilities = logits.softmax(axis=1)  # one row of ten probabilities per image
print(f"logits {logits.shape} -> probabilities {probabilities.shape}")
print("image 0, probabilities:", np.round(probabilities.data[0], 3))
print(f"p of the true class ({labels[0]}): {probabilities.data[0, labels[0]]:.3f}")

# %%
assert np.allclose(probabilities.data.sum(axis=1), 1)
assert np.all((0.05 < probabilities.data) & (probabilities.data < 0.16))  # the prose

# %% mystnb={"figure": {"caption": "The untrained network's ten probabilities for the first training image: softmax of its logits. Every class gets about 0.1; the true class (orange) is not favoured yet.", "name": "fig-softmax-untrained"}}
_ = draw_digit_scores(images[0], probabilities.data[0], label=labels[0],
                      score_name="probability p",
                      title="untrained: softmax(mlp(x))")  # fmt: skip
plt.show()

# %% [markdown]
# ## Cross-entropy: −log of the probability of the truth
#
# From here on, $y$ is an image's **label**, its class as an integer from 0 to 9, and
# the one-hot target of [chapter 2](02_neural_networks.ipynb) (which chapter 2 wrote
# $y$) is called $t$: $t_k = 1$ for $k = y$ and 0 elsewhere. The cost of one image is,
# as for the single neuron, $-\log$ of the probability the network gives to the true
# class:
#
# $$ C = -\log p_y . $$
#
# With the one-hot target, the same number is $C = -\sum_k t_k \log p_k$, the sum
# picking out one term. That sum is the *cross-entropy* of the distribution $p$ relative
# to $t$, which gives the cost its name; since $t$ is one-hot, we never need the sum.
# A right and confident answer ($p_y$ near 1) costs almost nothing; a wrong and
# confident one ($p_y$ near 0) costs a lot, without bound. The squared error of the true
# class's entry, $(1 - p_y)^2$, can never exceed 1:

# %%
for p_true in (0.99, 0.9, 0.5, 0.1, 0.01, 0.001):
    print(f"p_y = {p_true:<6}  −log p_y = {-math.log(p_true):6.3f}"
          f"   (1 − p_y)² = {(1 - p_true) ** 2:.3f}")

# %% [markdown]
# For a batch of $N$ images with logits $Z$ of shape $(N, K)$ (one row per image, $K$
# classes) and labels $y_0, \dots, y_{N-1}$, the cost is the **mean** over the rows:
#
# $$ L = \frac{1}{N} \sum_{n=0}^{N-1} -\log p_{n, y_n}, \qquad
#    p_{n,k} = \operatorname{softmax}(Z_n)_k . $$
#
# The mean, not the sum, as [chapter 1](01_linear_regression.ipynb) divided its cost by
# $n$: then the cost and its gradient do not grow with the batch, and a learning rate
# that suits 16 images suits 64 ([chapter 8](08_gradient_descent.ipynb) comes back to
# this). The untrained network gives every class about $1/10$, so its cost should be
# about $-\log(1/10) = \log 10 \approx 2.303$:

# %%
rows = np.arange(len(labels))  # 0, 1, …, 15: one row per image
by_formula = -np.log(probabilities.data[rows, labels]).mean()
print(f"mean of −log p_(n, y_n): {by_formula:.4f}   (log 10 = {math.log(10):.4f})")

# %%
assert abs(by_formula - math.log(10)) < 0.1

# %% [markdown]
# The expression `probabilities.data[rows, labels]` is numpy's indexing by two integer
# arrays of the same length: it picks the entries $(0, y_0), (1, y_1), \dots$, one per
# row, which is exactly $p_{n, y_n}$ for every $n$. The labels stay integers: no one-hot
# matrix is needed to pick one entry per row.
#
# ## Cross-entropy, computed without overflow
#
# Computed as written, exponential first, softmax has a flaw. $e^{z}$ exceeds the
# largest float64 number, about $1.8 \times 10^{308}$, as soon as $z > 709.8$, and numpy
# then returns `inf`; in float32, the precision in which networks usually train, as soon
# as $z > 88.7$. Then the softmax divides `inf` by `inf`, which is `nan`, and a single
# `nan` spreads to the cost, the gradient and every weight. Very negative logits fail the
# other way: every $e^{z_j}$ rounds to 0, and the softmax is $0/0$. Here is the formula
# as written, on two images with large logits (numpy's warnings are silenced to show the
# results):

# %%
def naive_cross_entropy(Z, labels):
    """The formula as written: exp, divide by the row's sum, −log, mean."""
    e = np.exp(Z)
    p = e / e.sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(labels)), labels]).mean()


large = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1001.0, -1002.0]])
for dtype in (np.float64, np.float32):
    largest = np.finfo(dtype).max
    print(f"{dtype.__name__}: largest number {float(largest):.3g}, "
          f"so e^z overflows past z = log of it = {np.log(float(largest)):.1f}")
with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    print("exp(709), exp(710):", np.exp(709.0), np.exp(710.0))
    print("exp(1000) / exp(1000):", np.exp(1000.0) / np.exp(1000.0))
    print("float32 exp(89):", np.exp(np.float32(89)))
    print("naive cross-entropy:", naive_cross_entropy(large, np.array([0, 1])))

# %% [markdown]
# The cure is the shift invariance seen above. Subtract from each row its largest logit
# $m = \max_j z_j$ before taking exponentials: the probabilities are the same, every
# exponent $z_j - m$ is at most 0, so no $e^{z_j - m}$ exceeds 1, and the largest one is
# exactly $e^0 = 1$, so the sum lies between 1 and $K$ and is never 0. Taking the
# logarithm of $p_k = e^{z_k - m} / \sum_j e^{z_j - m}$ gives the **log-softmax**:
#
# $$ \log p_k = (z_k - m) - \log \sum_j e^{z_j - m} , $$
#
# and the cost of one row, $-\log p_y = \log \sum_j e^{z_j - m} - (z_y - m)$. The first
# term is the *log-sum-exp* of the shifted logits, hence the name of the trick. Nothing
# in it overflows, and no logarithm of 0 is ever taken (the sum is at least 1). Terms so
# small that $e^{z_j - m}$ rounds to 0 may vanish; they were negligible in a sum that is
# at least 1. One row, in numpy:

# %%
def log_softmax_row(z):
    """log softmax(z) for one row of logits, without overflow: shift by the maximum."""
    shifted = z - z.max()
    return shifted - np.log(np.exp(shifted).sum())


with np.errstate(over="raise", invalid="raise", divide="raise"):  # overflow would raise
    for row, label in zip(large, (0, 1), strict=True):
        cost = -log_softmax_row(row)[label] + 0.0  # + 0.0 prints −0 as 0
        print(f"logits {row}, label {label}: −log p_y = {cost:.6g}")
moderate = np.array([2.0, 1.0, 0.1])
print("moderate logits, shifted and as written:", log_softmax_row(moderate),
      np.log(np.exp(moderate) / np.exp(moderate).sum()))  # fmt: skip

# %%
second_row_cost = 1 + math.log(1 + math.exp(-1) + math.exp(-2))  # the prose's 1.41
assert math.isclose(-log_softmax_row(large[1])[1], second_row_cost)
as_written = np.log(np.exp(moderate) / np.exp(moderate).sum())
assert np.allclose(log_softmax_row(moderate), as_written)

# %% [markdown]
# On the first image, the true class has the largest logit, by 1000: the cost is
# $\log(1 + e^{-1000} + e^{-2000}) \approx 0$, and the formula gives exactly 0. On the
# second, the true class is 1 below the largest, and the cost is
# $1 + \log(1 + e^{-1} + e^{-2}) \approx 1.41$, with no overflow anywhere.
#
# ### One fused node
#
# The whole cost could be written with operations the tensor tape already knows: a
# maximum, subtractions, `exp`, a sum, `log`, indexing, a mean. The tape would
# differentiate it, one node per operation. `ppn.losses.softmax_cross_entropy` instead
# computes it in numpy and records **one node** for the whole cost, with its own
# vector-Jacobian product: fewer nodes to store and walk, and, as the next section
# shows, a gradient much simpler than the chain of rules it replaces.
# Writing that function is task 7.1. What it receives, does and returns:
#
# * **It receives** `logits`, a `Tensor` of shape $(N, K)$, and `labels`, a numpy array
#   of $N$ integers in $[0, K)$. The two lines at the top of the function, which are given,
#   make sure of both: the first turns an array into a `Tensor`, the second
#   (`_check_labels`) raises an error naming the fix if the labels are floats, one-hot
#   rows, out of range or of the wrong count.
# * **It computes** with the numpy array `logits.data` (one node: nothing inside is
#   recorded), for all rows at once: shift each row by its maximum
#   (`max(axis=1, keepdims=True)` keeps the shape $(N, 1)$, so that the subtraction
#   broadcasts along each row), take `np.exp`, sum each row, and form the mean of
#   $\log \sum_j e^{z_{nj} - m_n} - (z_{n y_n} - m_n)$ over the $N$ rows. The shifted
#   logits of the true classes are `shifted[rows, labels]` with `rows = np.arange(N)`.
#   It must not overflow for logits like the two rows above.
# * **It stores** on the node what task 7.2's rule will need:
#   `record(loss, "softmax_cross_entropy", (logits,), (probabilities, rows, labels))`,
#   where `probabilities` is the softmax of the logits, $e^{z_{nj} - m_n}$ divided by
#   its row's sum, shape $(N, K)$. `ppn.tensor.record` creates the output `Tensor`; if
#   `logits` requires a gradient, it puts the node on the tape with `logits` as its
#   parent and those three arrays as its constants, which `backward()` will hand to the
#   node's VJP. The name is the key of that rule in the table `VJP` of
#   [chapter 6](06_tensor_nodes.ipynb): the row `"softmax_cross_entropy"` is there
#   already, and calls the function of task 7.2.
# * **It returns** the `Tensor` that `record` returns: a single number (shape `()`), in
#   the dtype of the logits. Give `record` the loss as `np.asarray(loss, dtype=...)` with
#   the logits' dtype, so that float32 logits give a float32 loss.
#
# The function, as it stands in `ppn/losses.py` (in the student edition, the listing shows
# your own body: a stub that raises until you write it):

# %% tags=["remove-input"]
listing(softmax_cross_entropy)

# %% [markdown]
# ```{admonition} Task 7.1: softmax cross-entropy, one fused and stable node
# :class: tip
# **Write** the body of `softmax_cross_entropy` in `ppn/losses.py` (between
# `# task 7.1: begin` and `# task 7.1: end`). **It receives** `logits`, a `Tensor` of
# shape (N, K), and `labels`, N integer classes in [0, K) (already checked). **It
# returns** the mean over the N rows of $-\log \operatorname{softmax}(Z_n)_{y_n}$ as a
# 0-d `Tensor` of the logits' dtype, computed with each row shifted by its maximum so
# that logits of ±1000 give finite results, and recorded as one node with
# `record(loss, "softmax_cross_entropy", (logits,), (probabilities, rows, labels))`.
# **Check** with `ppn.tasks.check("7.1")` in this notebook, or
# `pytest tests/tasks -k TestTask7_1`.
# ```
#
# Once it is written, it gives the cost of the 16 digits computed above by the formula,
# a finite cost for the large logits (an overflow would raise an error here), a float32
# loss for float32 logits, and the three arrays on the node:

# %%
loss = softmax_cross_entropy(logits, labels)
print(f"the 16 digits: {loss.item():.4f} (the formula: {by_formula:.4f})")
with np.errstate(over="raise", invalid="raise", divide="raise"):
    fused = softmax_cross_entropy(Tensor(large), np.array([0, 1])).item()
row_costs = [-log_softmax_row(large[0])[0], -log_softmax_row(large[1])[1]]
print(f"fused, large logits: {fused:.6f} (the rows' mean: {np.mean(row_costs):.6f})")
node = softmax_cross_entropy(Tensor(large, requires_grad=True), np.array([0, 1]))
kept_probabilities, kept_rows, kept_labels = node._params  # what record stored
single = softmax_cross_entropy(Tensor(large.astype(np.float32)), np.array([0, 1]))
print("float32 in, float32 out:", single.dtype)
print("stored probabilities:\n", np.round(kept_probabilities, 4))

# %%
assert math.isclose(loss.item(), by_formula, rel_tol=1e-12)
assert math.isclose(fused, -log_softmax_row(large[1])[1] / 2, rel_tol=1e-12)
assert node._op == "softmax_cross_entropy" and list(kept_rows) == [0, 1]

# %% [markdown]
# ## The gradient: softmax minus one-hot
#
# Take one row, with logits $z$ and label $y$. Its cost, written with the log-softmax,
# is
#
# $$ C = -\log p_y = -z_y + \log \sum_j e^{z_j} $$
#
# (the shift $m$ cancels between the two terms, so we may leave it out to
# differentiate). Differentiate with respect to one logit $z_k$. The first term gives
# $-1$ if $k = y$ and 0 otherwise; the second gives $e^{z_k} / \sum_j e^{z_j} = p_k$:
#
# $$ \frac{\partial C}{\partial z_k} = p_k - t_k, \qquad t_k = \begin{cases}
#    1 & k = y \\ 0 & \text{otherwise} \end{cases} $$
#
# where $t$ is the one-hot target. The same result comes through the softmax's Jacobian:
# $\partial p_y / \partial z_k = p_y (t_k - p_k)$ (differentiate the quotient), and the
# chain rule through $-\log$ multiplies it by $-1 / p_y$, which leaves $p_k - t_k$.
#
# For the batch, row $n$'s cost is divided by $N$ and depends only on row $n$ of the
# logits, so the gradient of the mean $L$ is the matrix
#
# $$ \frac{\partial L}{\partial Z} = \frac{P - T}{N} , $$
#
# with $P$ the $(N, K)$ matrix of probabilities and $T$ the one-hot matrix of the
# labels: **softmax minus one-hot, over $N$**. Compare it with the neuron of the first
# section: prediction minus target, with no $\sigma'$ factor. Each entry lies between
# $-1/N$ and $1/N$ and is large exactly where the network is wrong: on the true class
# when $p_y$ is small, on a wrong class when it gets much probability. Each row sums to 0
# (the probabilities sum to 1, the one-hot row too). On the logits $(2, 1, 0.1)$ with
# label 0, where the network gives the true class 0.66:

# %%
print("softmax p:        ", np.round(p, 4))
print("one-hot t:        ", np.array([1.0, 0.0, 0.0]))
gradient_row = p - np.array([1.0, 0.0, 0.0])
print("gradient p − t:   ", np.round(gradient_row, 4),
      " sum", abs(round(gradient_row.sum(), 12)))  # fmt: skip

# %%
assert np.isclose(p[0], 0.659, atol=5e-4) and abs(gradient_row.sum()) < 1e-15

# %% [markdown]
# ### The node's vector-Jacobian product
#
# In the tape, the loss node's output is the number $L$, and `backward()` arrives at it
# with the adjoint $\bar L = g$, the derivative of whatever `backward()` started from
# with respect to $L$: 1 when it starts from $L$ itself, 2 when it starts from $2L$.
# The node's VJP ([chapter 6](06_tensor_nodes.ipynb)) returns the adjoint of its input,
#
# $$ \bar Z = g \, \frac{P - T}{N} , $$
#
# an array of the logits' shape $(N, K)$. Writing it is task 7.2.
#
# * **It receives** `(g, logits, loss, probabilities, rows, labels)`, in the order every
#   rule of the table receives its arguments: the output's adjoint `g` (a 0-d array),
#   the input's array `logits`, the node's output `loss`, then the three constants that
#   task 7.1 stored. The rule needs only `g` and the constants: the probabilities
#   already hold everything the logits would give.
# * **It returns** a new array: $g/N$ times the probabilities, with $g/N$ subtracted at
#   the entries $(n, y_n)$, `x_bar[rows, labels] -= scale`. That subtraction is $T$
#   without building it. $N$ is `len(labels)`.
# * **It must not modify `probabilities`**, which belong to the node. By default
#   `backward()` frees the graph it walked: each node drops its links to its inputs, so
#   that their memory can be given back and a second `backward()` through the same
#   nodes stops with an error instead of counting the gradient twice. You keep the graph
#   with `backward(retain_graph=True)` when you want a second backward pass through it
#   (the exercises below take two gradients from one forward pass); then the same node
#   is walked twice, and its second gradient must be the same as the first. Start from
#   `probabilities * scale`, which makes a new array, and change that one;
#   `probabilities -= ...` would change the node's.
#
# The rule, as a listing (in the student edition, your own body, or the stub until then):

# %% tags=["remove-input"]
listing(ppn.tensor._softmax_cross_entropy_vjp)

# %% [markdown]
# ```{admonition} Task 7.2: the VJP of softmax cross-entropy, (softmax − one-hot)/N
# :class: tip
# **Write** the body of `_softmax_cross_entropy_vjp` in `ppn/tensor.py` (between
# `# task 7.2: begin` and `# task 7.2: end`). **It receives** `(g, logits, loss,
# probabilities, rows, labels)`: the loss's adjoint `g`, the logits, the loss, and the
# three arrays task 7.1 stored. **It returns** $\bar Z = g\,(P - T)/N$, a new array of
# shape (N, K), with $N$ = `len(labels)`, leaving `probabilities` unchanged.
# **Check** with `ppn.tasks.check("7.2")` in this notebook, or
# `pytest tests/tasks -k TestTask7_2`.
# ```
#
# ### Three witnesses
#
# Is the gradient right? Three independent checks, on the 16 digits and the untrained
# network. They run in float64 (the network above was built with `dtype=np.float64`):
# the finite differences of the second check subtract two nearly equal costs, which in
# float32's seven digits would leave only two or three correct ones. In float64 they
# agree to better than $10^{-9}$, and the numbers you see are the ones printed here.
#
# First, by hand: the formula $(P - T)/N$ in numpy, against `backward()` through the
# fused node, whose rule is now yours.

# %%
Z = Tensor(logits.data, requires_grad=True)  # the network's logits for the 16 digits
softmax_cross_entropy(Z, labels).backward()
P = probabilities.data
T = np.zeros_like(P)
T[rows, labels] = 1  # the one-hot matrix of the labels
by_hand = (P - T) / len(labels)
worst = np.abs(Z.grad - by_hand).max()
print(f"backward() and (P − T)/N differ by less than 1e-16: {worst < 1e-16}")

# %%
assert worst < 1e-16

# %% [markdown]
# Second, finite differences: `ppn.gradcheck.check_grad` ([chapter
# 6](06_tensor_nodes.ipynb)) computes the gradient with `backward()`, then entry by entry
# with $(L(z + \varepsilon) - L(z - \varepsilon)) / 2\varepsilon$, and fails if the two
# differ anywhere.

# %%
result = check_grad(lambda Z: softmax_cross_entropy(Z, labels), logits.data)
print(f"{result.analytic[0].size} entries; backward() and finite differences differ by "
      f"less than 1e-9 everywhere: {result.max_abs_error[0] < 1e-9}")

# %% [markdown]
# Third, the unfused form: the same cost written with the tape's ordinary operations,
# each with its own rule from [chapter 6](06_tensor_nodes.ipynb), whose `backward()`
# knows nothing of $(P - T)/N$. The gradients must agree, for the logits and for every
# parameter of the network below them:

# %%
def unfused_cross_entropy(Z, labels):
    """Log-sum-exp with the tape's operations: max, −, exp, sum, log, [ ], mean."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
    return -log_p[np.arange(len(labels)), labels].mean()


gradients = {}
costs = {"fused": softmax_cross_entropy, "unfused": unfused_cross_entropy}
for name, cost in costs.items():
    mlp.zero_grad()
    value = cost(mlp(x), labels)
    value.backward()
    gradients[name] = [p.grad.copy() for p in mlp.parameters()]
    print(f"{name:8} cost {value.item():.10f}")
difference = max(np.abs(a - b).max() for a, b in zip(*gradients.values(), strict=True))
print(f"the gradients of the {mlp.num_parameters():,} parameters differ by less than "
      f"1e-15: {difference < 1e-15}")

# %%
assert difference < 1e-15

# %% [markdown]
# The fused node and the chain of ordinary nodes give the same gradient for all 25,450
# parameters, to the last digits of float64. (The unfused form even sends a gradient
# through the maximum; it is zero in exact arithmetic, because shifting all logits
# changes nothing, and the tape finds it so, up to rounding.)
#
# ## One step downhill
#
# Everything [chapter 8](08_gradient_descent.ipynb) needs is now in place: logits from
# the network, a cost that reads them, and the gradient of that cost with respect to
# every parameter. A single step of gradient descent, $\theta \leftarrow \theta - \eta\,
# \partial L / \partial \theta$ for every weight and bias, with $\eta = 0.5$, already
# lowers the cost on these 16 digits:

# %%
mlp.zero_grad()
before = softmax_cross_entropy(mlp(x), labels)
before.backward()
for parameter in mlp.parameters():
    parameter.data = parameter.data - 0.5 * parameter.grad  # θ ← θ − η·∂L/∂θ
after = softmax_cross_entropy(mlp(x), labels)
print(f"cost before the step {before.item():.4f}, after {after.item():.4f}")

# %%
assert after.item() < before.item() - 0.05

# %% [markdown]
# ## Summary
#
# * With a sigmoid output and the squared error, the gradient carries the factor
#   $\sigma'(z)$, almost 0 when the neuron is saturated: one neuron started wrong took
#   117 steps to change its mind, against 17 with the cross-entropy, whose gradient is
#   the error $a - y$.
# * **Softmax** turns logits into probabilities, $p_k = e^{z_k} / \sum_j e^{z_j}$:
#   positive, summing to 1, unchanged when every logit is shifted by the same amount.
# * **Cross-entropy** charges $-\log p_y$, the probability given to the true class; over
#   a batch of $N$, the mean of the rows' costs. Labels stay integers.
# * Computed as written, $e^{z}$ overflows to `inf` past 709.8 (88.7 in float32) and the
#   cost becomes `nan`. Shifting each row by its maximum, $\log p_k = (z_k - m) - \log
#   \sum_j e^{z_j - m}$ (log-sum-exp), never overflows.
# * The gradient is $(P - T)/N$, softmax minus one-hot over $N$: computed by one fused
#   node, checked by hand, by finite differences and by the tape's own rules.
#
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 7.1: softmax cross-entropy, one fused and stable node (`ppn/losses.py`:
#   `softmax_cross_entropy`)
# * 7.2: the VJP of softmax cross-entropy, (softmax − onehot)/N (`ppn/tensor.py`:
#   `_softmax_cross_entropy_vjp`)
#
# Check them with `pytest tests/tasks -k TestTask7_`, or here with
# `import ppn.tasks` and `ppn.tasks.check("7.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} The sigmoid is a softmax with two classes (★, 10 min)
# :label: ex-sigmoid-softmax
#
# Show that $\sigma(z) = \operatorname{softmax}\big((0, z)\big)_1$, and that the
# single neuron's cross-entropy with target $y = 0$, $-\log(1 - \sigma(z))$, is
# `softmax_cross_entropy` of the logits $(0, z)$ with label 0. Check both numerically
# for a few values of $z$, including $z = 40$, and compare the gradients with respect to
# $z$.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-sigmoid-softmax
# :label: ex-sigmoid-softmax-solution
# :class: dropdown
# ```
#
# $\operatorname{softmax}((0, z))_1 = e^z / (e^0 + e^z) = 1 / (e^{-z} + 1) = \sigma(z)$,
# dividing top and bottom by $e^z$. So the probability of class 0 is $1 - \sigma(z)$,
# and $-\log p_0 = -\log(1 - \sigma(z))$. The gradient with respect to $z$ is, by the
# section on the gradient, $p_1 - t_1 = \sigma(z) - 0$, the neuron's $a - y$. At
# $z = 40$, $1 - \sigma(40)$ rounds to 0 in float64 and the neuron's formula takes
# $\log 0$; the fused node, working with logits, still gives the right cost, 40.

# %% tags=["solution"]
for value in (-3.0, 0.0, 2.5, 40.0):
    z2 = Tensor(np.array([[0.0, value]]), requires_grad=True)
    fused_cost = softmax_cross_entropy(z2, np.array([0]))
    fused_cost.backward()
    a = ppn.sigmoid(Tensor(value)).item()
    with np.errstate(divide="ignore"):
        neuron_cost = -math.log(1 - a) if a < 1 else math.inf
    print(f"z = {value:5}: σ(z) = {a:.6f}, softmax₁ = {z2.grad[0, 1]:.6f};"
          f"  costs: neuron {neuron_cost:.6f}, fused {fused_cost.item():.6f}")
    assert math.isclose(z2.grad[0, 1], a, rel_tol=1e-12)
    assert math.isclose(fused_cost.item(), math.log1p(math.exp(value)), rel_tol=1e-12)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The sum instead of the mean (★★, 15 min)
# :label: ex-cross-entropy-sum
#
# Suppose the cost were the **sum** of the rows' costs instead of their mean. How would
# its gradient change? Measure, for batches of 16 and of 64 digits, the size (the norm)
# of the gradient of the first layer's weights with both definitions. What would a
# learning rate tuned for batches of 16 do with batches of 64, under each definition?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-cross-entropy-sum
# :label: ex-cross-entropy-sum-solution
# :class: dropdown
# ```
#
# The sum is $N$ times the mean, so its gradient is $N$ times larger: $P - T$ instead of
# $(P - T)/N$. With the mean, the gradient is an average over the images and keeps the
# same order of size whatever $N$ (it even shrinks a little here, as the images' gradients
# partly cancel); with the sum it is 4 times that from 16 to 64 images, so it grows with
# the batch, and a learning rate tuned for batches of 16 takes steps several times too
# long with 64. (The source's Algorithm 3 sums; [chapter 8](08_gradient_descent.ipynb)
# shows what that does.)

# %% tags=["solution"]
x64 = data.to_float(x_train[:64], flatten=True).astype(np.float64)
labels64 = y_train[:64].astype(np.int64)
net = MLP([784, 32, 10], activation="sigmoid", rng=0, dtype=np.float64)
norms = {}
for n in (16, 64):
    mean_cost = softmax_cross_entropy(net(x64[:n]), labels64[:n])
    for definition, cost in (("mean", mean_cost), ("sum", mean_cost * n)):
        net.zero_grad()
        cost.backward(retain_graph=True)
        norms[definition, n] = np.linalg.norm(net.layers[0].weight.grad)
        print(f"N = {n:2}, {definition:4}: |∂L/∂W₁| = {norms[definition, n]:.4f}")
growth = {d: norms[d, 64] / norms[d, 16] for d in ("mean", "sum")}
print(f"from 16 to 64 images the norm grows {growth['mean']:.2f}× (mean), "
      f"{growth['sum']:.2f}× (sum)")
assert 0.5 < growth["mean"] < 1 and math.isclose(growth["sum"], 4 * growth["mean"])
assert growth["sum"] > 2

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Squared error on the probabilities (★★, 20 min)
# :label: ex-squared-error-softmax
#
# Softmax alone does not cure slow learning: what matters is the cost after it. Take one
# image with three classes, label 0, and logits $(-5, 5, 0)$: the network is confidently
# wrong. Compute with `backward()` the gradient with respect to the logits of the
# squared error between the probabilities and the one-hot target, $\sum_k (p_k -
# t_k)^2$, and of the cross-entropy. Which is larger on the true class, and by how much?
# Explain with the softmax's Jacobian.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-squared-error-softmax
# :label: ex-squared-error-softmax-solution
# :class: dropdown
# ```
#
# The true class has $p_0 \approx 4.5 \times 10^{-5}$. The cross-entropy's gradient on
# it is $p_0 - 1 \approx -1$: a full-size push. The squared error's gradient goes
# through the softmax's Jacobian, $\partial p_j / \partial z_0 = p_j (t_j - p_0)$ with
# $t$ the one-hot of class 0, every term of which carries a factor $p_0$ or $p_j$ of a
# class that has almost nothing: it is tiny. The saturated softmax plays the role of
# the saturated sigmoid.

# %% tags=["solution"]
wrong = np.array([[-5.0, 5.0, 0.0]])
target = np.array([[1.0, 0.0, 0.0]])
z_se = Tensor(wrong, requires_grad=True)
losses.sum_squared_error(z_se.softmax(axis=1), target).backward()
z_ce = Tensor(wrong, requires_grad=True)
softmax_cross_entropy(z_ce, np.array([0])).backward()
print(f"p_0 = {z_ce.grad[0, 0] + 1:.2g}")
print("squared error on softmax, ∂/∂z:", np.round(z_se.grad[0], 6))
print("cross-entropy, ∂/∂z:           ", np.round(z_ce.grad[0], 6))
print(f"ratio on the true class: {z_ce.grad[0, 0] / z_se.grad[0, 0]:,.0f}")
assert abs(z_ce.grad[0, 0]) > 1000 * abs(z_se.grad[0, 0])

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Why the rule must leave the probabilities alone (★★, 15 min)
# :label: ex-vjp-in-place
#
# Task 7.2 asks for a new array. Write a *faulty* rule that saves memory by working in
# the node's own `probabilities` (`probabilities *= scale`, then the subtraction, then
# `return probabilities`). Call it twice with the same stored arrays, as
# `backward(retain_graph=True)` followed by a second `backward()` would, and compare
# both results with $(P - T)/N$. Which call is wrong, and why?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-vjp-in-place
# :label: ex-vjp-in-place-solution
# :class: dropdown
# ```
#
# The first call is right: it turns the stored $P$ into $(P - T)/N$ and returns it. But
# that array *is* the node's `probabilities`, so the second call starts from
# $(P - T)/N$ instead of $P$ and returns $((P - T)/N - T)/N$: wrong, with no error to
# warn. (And whoever adds the first result into an adjoint holds the node's array too.)
# The library's rule, which builds a new array, gives the same result every time.

# %% tags=["solution"]
def faulty_vjp(g, logits, loss, probabilities, rows, labels):
    """(softmax − one-hot)/N computed in the node's own array: do not do this."""
    scale = g / len(labels)
    probabilities *= scale
    probabilities[rows, labels] -= scale
    return probabilities


logits3 = np.array([[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]])
labels3 = np.array([0, 2])
expected = (Tensor(logits3).softmax(axis=1).data - np.eye(3)[labels3]) / 2
rules = {"faulty": faulty_vjp, "library": ppn.tensor.VJP["softmax_cross_entropy"]}
for name, rule in rules.items():
    stored = (Tensor(logits3).softmax(axis=1).data, np.arange(2), labels3)  # the node's
    first = rule(np.array(1.0), logits3, None, *stored).copy()
    second = rule(np.array(1.0), logits3, None, *stored)
    print(f"{name:8} first call right: {np.allclose(first, expected)}, "
          f"second call right: {np.allclose(second, expected)}")
    assert np.allclose(first, expected)
    assert np.allclose(second, expected) == (name == "library")

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
