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
# # Optimisers and overfitting
#
# [Chapter 8](08_gradient_descent.ipynb) trained networks with the plain step
# $\theta \leftarrow \theta - \eta \nabla C$. This chapter improves on it in two
# directions. First, **overfitting**: a model that learns its training data by heart
# instead of the rule behind them, and **weight decay**, a change to the step that
# fights it (your task 9.1). Second, the path to the minimum: **momentum** and **Adam**
# change how the step is built from the gradients, and get further in the same number
# of steps. We draw their paths on a two-parameter cost, compare them on digits, and
# then measure what really helps against overfitting, what the batch size has to do
# with it, and how the learning rate and the batch size work together.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from threadpoolctl import threadpool_limits

from ppn import data, optim, plots
from ppn.listing import listing
from ppn.losses import softmax_cross_entropy
from ppn.nn import MLP
from ppn.plots import animate_descent_paths, draw_history, plot_descent_paths
from ppn.tensor import Tensor
from ppn.train import History, evaluate

# One thread, as in chapter 8.
_ = threadpool_limits(limits=1)

# %% [markdown]
# ## Overfitting (figure 13, on a curve)
#
# A model **overfits** when it fits its training data better and better while getting
# worse on data it has not seen. It happens when the model has many parameters for the
# amount of data: it can then memorise the training points, noise included, instead of
# the rule that produced them. [Chapter 1](01_linear_regression.ipynb) showed it with the
# source's figure 13 on the height/weight data; here the same on a curve.
#
# ### A polynomial through ten points
#
# The classic picture: ten noisy points from a smooth curve, fitted by least squares with
# polynomials of degree 1, 3 and 9 (numpy's `Polynomial.fit`). We measure the mean squared
# error on the ten training points and on 1,000 new points from the same curve.

# %%
def sample_curve(count, seed):
    """Points of y = sin(2πx) plus Gaussian noise of spread 0.2, x uniform in [0, 1]."""
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
    print(f"degree {degree}: {degree + 1:2} parameters, "
          f"training error {train_error:.4f}, "
          f"error on new points {new_error:8.3f}")

# %% mystnb={"figure": {"caption": "Figure 13 on a curve (chapter 1 draws it on the height/weight data): overfitting. Ten noisy points (dots) from the curve y = sin 2πx (grey), fitted by polynomials of degree 1, 3 and 9. A line is too rigid (underfitting); degree 3 follows the rule; degree 9 has ten parameters for ten points, passes through every one of them, and swings wildly between them. Right: with 100 points, the same degree-9 polynomial is tame.", "name": "fig-overfitting-polynomial"}}
x_plot = np.linspace(0, 1, 400)
x_many, y_many = sample_curve(100, seed=3)
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), sharey=True)
for ax, degree in zip(axes, (1, 3, 9), strict=False):
    ax.plot(x_plot, np.sin(2 * np.pi * x_plot), color="0.7", lw=3, label="the rule")
    ax.plot(x_plot, polynomials[degree](x_plot), color="C1", label=f"degree {degree}")
    ax.scatter(x_points, y_points, s=18, zorder=3, label="10 training points")
    ax.set_title(f"degree {degree}, 10 points")
    ax.set_xlabel("x")
tamed = np.polynomial.Polynomial.fit(x_many, y_many, 9)
axes[3].plot(x_plot, np.sin(2 * np.pi * x_plot), color="0.7", lw=3, label="the rule")
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
# ## Weight decay
#
# The degree-9 polynomial passes through its ten points by balancing huge coefficients
# against each other: the wild swings between the points are what large weights buy.
# **Weight decay** makes large weights cost something. It adds to the cost a penalty on
# the squared length of the parameter vector,
#
# $$ C_\lambda(\theta) = C(\theta) + \frac{\lambda}{2} \|\theta\|^2,
#    \qquad \nabla C_\lambda(\theta) = \nabla C(\theta) + \lambda \theta , $$
#
# with a constant $\lambda \ge 0$ (the $\frac{1}{2}$ makes the gradient tidy). The model
# now fits its data only as far as that is worth the size of its weights: a weight that
# the data do not keep pushing away from 0 is pulled back to it. For a polynomial,
# whose cost is quadratic, the minimum of $C_\lambda$ solves a linear system (setting
# $\nabla C_\lambda = 0$); we write $x$ as $2x - 1$, between −1 and 1, where the powers
# $1, x, \dots, x^9$ are better conditioned (numpy's `Polynomial.fit` does the same):

# %%
powers = np.polynomial.polynomial


def fit_with_decay(degree, lam):
    """The coefficients minimising (1/n) Σ (p(xᵢ) − yᵢ)² + (λ/2)‖c‖², p in 2x − 1."""
    V = powers.polyvander(2 * x_points - 1, degree)
    n_points = len(x_points)
    lhs = 2 / n_points * V.T @ V + lam * np.eye(degree + 1)
    return np.linalg.solve(lhs, 2 / n_points * V.T @ y_points)


for lam in (0.0, 1e-4, 1e-2):
    c = fit_with_decay(9, lam)
    new_error = np.mean((powers.polyval(2 * x_new - 1, c) - y_new) ** 2)
    print(f"degree 9, λ = {lam:<6}: largest |coefficient| {np.abs(c).max():7.1f}, "
          f"error on new points {new_error:7.3f}")

# %%
decayed = fit_with_decay(9, 1e-4)
assert np.abs(decayed).max() < 3 < 1000 < np.abs(fit_with_decay(9, 0.0)).max()
assert np.mean((powers.polyval(2 * x_new - 1, decayed) - y_new) ** 2) < 0.06

# %% [markdown]
# A tiny $\lambda = 10^{-4}$ shrinks the largest coefficient from over a thousand to
# 2.5, and the error on new points from 36 to the level of degree 3: the same ten
# parameters, but no longer free to swing.
#
# For a network there is no linear system to solve; gradient descent on $C_\lambda$
# takes the step
#
# $$ \theta \leftarrow \theta - \eta \, \big(\nabla C(\theta) + \lambda \theta\big), $$
#
# which is the plain step of [chapter 8](08_gradient_descent.ipynb) plus a shrinking of
# every weight by the factor $1 - \eta\lambda$, whence the name. In `ppn` this step is
# the optimiser `optim.SGD(params, lr, weight_decay=0.0)`, with $\lambda$ =
# `weight_decay` (0 by default: the plain step). An optimiser is an object that holds
# the parameters (`model.parameters()`), the learning rate in `self.lr` and its own
# settings; the training loop calls two of its methods:
#
# * `optimizer.zero_grad()` sets every parameter's `.grad` to `None` before the next
#   backward pass (which would otherwise add to it);
# * `optimizer.step()` counts the step and calls `self._update(i, theta, gradient)` once
#   for each parameter that has a gradient: `i` is the parameter's position in the
#   list, `theta` its array `p.data` and `gradient` its `p.grad`.
#
# Your task is `SGD._update`. It receives `i`, `theta` and `gradient` and returns
# nothing: it **changes `theta` in place** (`theta -= …`), since the model computes with
# that very array; `theta = theta - …` would only rebind a local name and the model
# would never see the step. It reads the learning rate from `self.lr` at every call (a
# **learning-rate schedule** may change it between steps: $\eta$ falling with the
# epoch, for instance along a cosine from $\eta$ to 0, as in
# [chapter 10](10_mnist.ipynb)) and $\lambda$ from `self.weight_decay`. It leaves
# `gradient` as it is (the caller may still read `p.grad`), and a float32 parameter
# stays float32 (an in-place update keeps the array's type).

# %% [markdown]
# ```{admonition} Task 9.1: one step of gradient descent, with weight decay
# :class: tip
# **Write** the body of `SGD._update` in `ppn/optim.py` (between `# task 9.1: begin` and
# `# task 9.1: end`). **It receives** the index `i` of a parameter, its array `theta`
# and its gradient `gradient`; **it updates** `theta` in place,
# $\theta \leftarrow \theta - \eta\,(\nabla C + \lambda\theta)$ with $\eta$ = `self.lr`
# and $\lambda$ = `self.weight_decay`, and **returns** nothing. The checks make one step
# and compare with the rule (with $\lambda = 0$ and with $\lambda = 0.1$), check that
# `p.data` is still the same array, that a changed `self.lr` is used at the next step,
# and that a float32 parameter stays float32.
# **Check** with `ppn.tasks.check("9.1")` in this notebook, or
# `pytest tests/tasks -k TestTask9_1`.
# ```
#
# In `ppn/optim.py`:

# %% tags=["remove-input"]
listing(optim.SGD)


# %% [markdown]
# From here on, every network trains with an optimiser object, in the loop of
# [chapter 8](08_gradient_descent.ipynb): for each batch, in a new random order every
# epoch, forget the gradients, forward, backward, step. After each epoch, `train`
# measures the cost and the accuracy on the training digits and on validation digits,
# and records them in a `History` (one list per quantity, one entry per epoch) that
# `ppn.plots` draws.

# %%
def train(model, optimizer, x, y, epochs, batch_size=32, seed=0, validation=None):
    """Mini-batch training with `optimizer`; the costs and accuracies of each epoch."""
    rng = np.random.default_rng(seed)
    history = History()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            softmax_cross_entropy(model(Tensor(x[batch])), y[batch]).backward()
            optimizer.step()
        seen = evaluate(model, x, y)
        history.epoch.append(epoch)
        history.train_loss.append(seen.loss)
        history.train_accuracy.append(seen.accuracy)
        if validation is not None:
            unseen = evaluate(model, *validation)
            history.val_loss.append(unseen.loss)
            history.val_accuracy.append(unseen.accuracy)
    return history


# %% [markdown]
# The digits are those of chapter 8: the first 10,000 training images, of which the
# last 1,000 serve for validation; every network computes in float64.

# %%
DTYPE = np.float64
(x_train, y_train), _ = data.load_mnist()
x_all = data.to_float(x_train[:10000], flatten=True).astype(DTYPE)
y_all = y_train[:10000]
x_val, y_val = x_all[9000:], y_all[9000:]

# %% [markdown]
# ## Momentum
#
# Plain gradient descent has trouble in a long narrow valley, a cost that is steep in
# one direction and shallow in another. We saw it on the bowl of
# [chapter 8](08_gradient_descent.ipynb): the steep direction limits $\eta$ (a larger
# one diverges), and with that $\eta$ the shallow direction crawls. A network's cost
# has such valleys in many directions at once. Here is one in two parameters,
#
# $$ C(\theta) = \tfrac{1}{2} \big(\theta_1^2 + 20\, \theta_2^2\big), $$
#
# twenty times steeper across ($\theta_2$) than along ($\theta_1$). With
# $\eta = 0.09$, just under the limit $2/20 = 0.1$ set by the steep direction, each
# step flips $\theta_2$ across the valley ($\theta_2 \leftarrow (1 - 1.8)\,\theta_2$),
# while $\theta_1$ shrinks by only 9 % a step.
#
# **Momentum** (the "heavy ball" of [Polyak, 1964](bibliography.md)) lets the steps
# build up speed. It keeps a **velocity** $v$, one array per parameter, starting at 0,
# and at each step
#
# $$ v \leftarrow \mu\, v + \nabla C(\theta), \qquad \theta \leftarrow \theta - \eta\, v , $$
#
# where $\mu \in [0, 1)$ (typically 0.9) says how much of the last velocity survives a
# step. Along the valley the gradients keep the same sign, so $v$ grows towards
# $\nabla C / (1 - \mu)$: up to $1/(1 - \mu)$ times the plain step (10 times, for
# $\mu = 0.9$). Across the valley they alternate in sign and cancel in $v$, which damps
# the zigzag. `optim.Momentum(params, lr, momentum=0.9, weight_decay=0.0)` does exactly
# this, with weight decay added to the gradient as in `SGD`
# ($v \leftarrow \mu v + \nabla C + \lambda\theta$):

# %% tags=["remove-input"]
listing(optim.Momentum._update)


# %% [markdown]
# Many textbooks write the velocity with the learning rate inside,
# $v \leftarrow \mu v - \eta \nabla C$, $\theta \leftarrow \theta + v$. With a constant
# $\eta$ the two are the same steps ($v_{\text{textbook}} = -\eta\, v_{\text{ppn}}$).
# They differ when $\eta$ changes during training: `ppn`, like PyTorch, keeps $v$ in the
# units of a gradient, so a new $\eta$ takes effect at once instead of being mixed with
# the old one inside $v$.
#
# ## Adam
#
# Momentum still uses one $\eta$ for all parameters, and the right $\eta$ depends on the
# scale of the cost: multiply $C$ by 100 and every gradient, so every step, is 100 times
# longer. **Adam** ([Kingma and Ba, 2015](bibliography.md)) gives each parameter its own
# step size, from running averages of its gradient $g = \nabla C(\theta)$ and of its
# square. With both averages starting at 0 and $k$ the number of the step (1, 2, …;
# `t` in the code), and the square, the square root and the division taken entry by
# entry,
#
# $$
# \begin{aligned}
# m &\leftarrow \beta_1\, m + (1 - \beta_1)\, g, &
# v &\leftarrow \beta_2\, v + (1 - \beta_2)\, g^2, \\
# \hat m &= \frac{m}{1 - \beta_1^k}, &
# \hat v &= \frac{v}{1 - \beta_2^k}, \\
# \theta &\leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \varepsilon} .
# \end{aligned}
# $$
#
# * $m$ is a momentum, the average of the recent gradients with weights decaying by
#   $\beta_1$ (0.9 by default); $v$ (not momentum's velocity) is the average of their
#   squares, with $\beta_2$ (0.999): a parameter's typical gradient size squared.
# * Dividing $\hat m$ by $\sqrt{\hat v}$ makes each parameter's step about $\eta$ long
#   whatever the size of its gradients: a parameter with tiny gradients moves as fast as
#   one with large ones, and multiplying the cost by any constant changes nothing.
#   $\varepsilon$ ($10^{-8}$) only prevents a division by zero.
# * The **bias correction** fixes the zero start. After the first step
#   $m = (1 - \beta_1)\, g = 0.1\, g$, ten times too small, and $v = 0.001\, g^2$;
#   dividing by $1 - \beta_1^k$ and $1 - \beta_2^k$ (0.1 and 0.001 at $k = 1$) gives back
#   $\hat m = g$ and $\hat v = g^2$. As $k$ grows both factors tend to 1.
#
# `optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)`
# computes the same step with the corrections folded into two numbers per step,
# $\eta_k = \eta \sqrt{1 - \beta_2^k} / (1 - \beta_1^k)$ and
# $\hat\varepsilon_k = \varepsilon \sqrt{1 - \beta_2^k}$ (multiply the numerator and the
# denominator of the last line by $\sqrt{1 - \beta_2^k}$): the arrays $\hat m$ and
# $\hat v$ are never formed.

# %% tags=["remove-input"]
listing(optim.Adam.step)


# %% tags=["remove-input"]
listing(optim.Adam._update)


# %% [markdown]
# Adam's weight decay is **decoupled** (AdamW, [Loshchilov and Hutter,
# 2019](bibliography.md)): $\theta \leftarrow \theta - \eta\lambda\theta$ beside the
# adaptive step, rather than $\lambda\theta$ added to $g$, where the division by
# $\sqrt{\hat v}$ would rescale it (a weight with large gradients would hardly decay).
# So the same $\lambda$ pulls much more weakly in Adam, whose $\eta$ is typically
# 100 times smaller than SGD's; an exercise measures it.
#
# ## Three optimisers in a narrow valley
#
# The paths of SGD ($\eta = 0.09$), momentum ($\eta = 0.05$, $\mu = 0.7$) and Adam
# ($\eta = 0.5$) on the valley above, each for 80 steps from the same start: `ppn`'s own
# optimisers, stepping a two-entry `Tensor`.

# %%
def valley(theta):
    """C(θ) = (θ₁² + 20 θ₂²) / 2: twenty times steeper across than along."""
    return 0.5 * (theta[0] * theta[0] + 20.0 * theta[1] * theta[1])


def optimiser_path(make_optimizer, cost=valley, steps=80, start=(-9.0, 1.5)):
    """The points θ₀ … θ_steps visited by `make_optimizer([θ])` on `cost`."""
    theta = Tensor(np.array(start), requires_grad=True)
    optimizer = make_optimizer([theta])
    path = [theta.data.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        cost(theta).backward()
        optimizer.step()
        path.append(theta.data.copy())
    return np.array(path)


makers = {
    "SGD, η = 0.09": lambda p: optim.SGD(p, lr=0.09),
    "momentum, η = 0.05, μ = 0.7": lambda p: optim.Momentum(p, lr=0.05, momentum=0.7),
    "Adam, η = 0.5": lambda p: optim.Adam(p, lr=0.5),
}
valley_paths = {name: optimiser_path(make) for name, make in makers.items()}
reached = {}
for name, path in valley_paths.items():
    costs = [valley(point) for point in path]
    reached[name] = next((k for k, c in enumerate(costs) if c < 1e-3), None)
    print(f"{name:28}: C < 0.001 first after {reached[name]} steps; θ after 80 steps "
          f"({path[-1][0]:+.4f}, {path[-1][1]:+.4f})")

# %% [markdown]
# In the book, the animation draws the three paths step by step; in Jupyter, the slider
# below it shows any step. The small multiples after them are the whole 80 steps.

# %% tags=["nbval-ignore-output"]
valley_extent = (-10.0, 2.0, -2.0, 2.0)


def valley_ab(a, b):  # the figures call the cost with two numbers
    return valley((a, b))


animation = animate_descent_paths(valley_paths, valley_ab, extent=valley_extent,
                                  minimum=(0.0, 0.0), every=4, figsize=(5, 3.2), dpi=60,
                                  interval=250,
                                  title="80 steps in a narrow valley")
display(HTML(animation.to_jshtml()))

# %% tags=["nbval-ignore-output"]
from ipywidgets import IntSlider, interact


def show_step(step):
    shown = {name: path[: step + 1] for name, path in valley_paths.items()}
    display(plot_descent_paths(shown, valley_ab, extent=valley_extent, minimum=(0, 0)))


_ = interact(show_step, step=IntSlider(value=10, min=0, max=80, description="step"))

# %% mystnb={"figure": {"caption": "The paths of three optimisers in the valley C(θ) = (θ₁² + 20 θ₂²)/2, 80 steps from the square. SGD, with η just under its stability limit, flips across the valley at every step and crawls along it. Momentum's velocity builds up along the valley and the zigzag dies out. Adam's steps start about η long in each coordinate, so it first heads diagonally, then settles.", "name": "fig-optimiser-paths"}}
display(plot_descent_paths(valley_paths, valley_ab, extent=valley_extent,
                           minimum=(0, 0)))

# %% [markdown]
# Momentum reaches the floor of the valley in about half the steps of SGD. Adam is not
# the fastest here, and on a single quadratic bowl a well-tuned momentum usually wins.
# Its strength is what the rule promised: it does not care about the scale. Multiply
# the cost by 1,000 and run every optimiser again with the same settings:

# %%
with np.errstate(all="ignore"):  # SGD and momentum overflow
    steep = {name: optimiser_path(make, cost=lambda t: 1000.0 * valley(t))
             for name, make in makers.items()}
    steep_end = {name: 1000.0 * valley(path[-1]) for name, path in steep.items()}
for name, path in steep.items():
    end = steep_end[name]
    same = np.allclose(path, valley_paths[name], rtol=1e-6, atol=1e-9)
    print(f"{name:28}: C after 80 steps {end:9.3g}; the same path as before: {same}")

# %%
assert reached["momentum, η = 0.05, μ = 0.7"] < reached["SGD, η = 0.09"] / 1.5
assert np.allclose(steep["Adam, η = 0.5"], valley_paths["Adam, η = 0.5"], rtol=1e-6)
assert not steep_end["SGD, η = 0.09"] < 1e6  # SGD diverges (to inf or nan)

# %% [markdown]
# SGD and momentum now diverge: their $\eta$ was tuned to the old gradients, which are
# 1,000 times longer now. Adam takes exactly the same path (up to its
# $\varepsilon$), because each of its steps is a ratio of gradients.
#
# ## Measured on digits
#
# The same three optimisers on MNIST: a 784 → 64 → 10 network (ReLU), 9,000 training
# digits, batches of 32, three epochs, from the same initial weights and in the same
# order of batches. The settings are common starting points: SGD and momentum with
# $\eta = 0.05$ (momentum with $\mu = 0.9$), Adam with its default $\eta = 10^{-3}$.

# %%
contenders = {
    "SGD": lambda p: optim.SGD(p, lr=0.05),
    "momentum": lambda p: optim.Momentum(p, lr=0.05, momentum=0.9),
    "Adam": lambda p: optim.Adam(p, lr=1e-3),
}
digit_runs = {}
for name, make in contenders.items():
    model = MLP([784, 64, 10], activation="relu", rng=0, dtype=DTYPE)
    digit_runs[name] = train(model, make(model.parameters()), x_all[:9000],
                             y_all[:9000], epochs=3, validation=(x_val, y_val))
print(f"{'':9} {'training cost after epochs 1, 2, 3':>36} {'validation accuracy':>20}")
for name, history in digit_runs.items():
    print(f"{name:9} {'  '.join(f'{c:10.3f}' for c in history.train_loss)} "
          f"{history.val_accuracy[-1]:19.1%}")

# %%
for epoch in range(3):
    sgd, momentum, adam = (digit_runs[name].train_loss[epoch] for name in contenders)
    assert momentum < adam < sgd

# %% [markdown]
# Momentum and Adam bring the training cost down much faster than plain SGD, here
# momentum fastest, at every epoch (the same order with other initial weights and
# other orders of the batches). The validation accuracies after three epochs are closer
# together: a lower training cost is not yet better reading of new digits, which is
# where overfitting comes in.
#
# ## Overfitting in a network
#
# Back to overfitting: it happens to a network as to a polynomial. A 784 → 256 → 10
# network has 203,530 parameters; we train it on only 300 digits, with momentum
# ($\eta = 0.05$, $\mu = 0.9$) and batches of 32, and measure the cost on the 1,000
# validation digits after each epoch. Then the same run with weight decay,
# $\lambda = 0.01$.

# %%
def overfit_run(train_size=300, sizes=(784, 256, 10), epochs=40, weight_decay=0.0):
    """Train on the first `train_size` digits with momentum: the model, its history."""
    model = MLP(list(sizes), activation="relu", rng=0, dtype=DTYPE)
    optimizer = optim.Momentum(model.parameters(), lr=0.05, momentum=0.9,
                               weight_decay=weight_decay)
    history = train(model, optimizer, x_all[:train_size], y_all[:train_size], epochs,
                    validation=(x_val, y_val))
    return model, history


big_model, big_history = overfit_run()
decay_model, decay_history = overfit_run(weight_decay=0.01)
best_epoch = int(np.argmin(big_history.val_loss)) + 1
print(f"{big_model.num_parameters():,} parameters")
for name, history in {"without": big_history, "with": decay_history}.items():
    print(f"{name:7} weight decay: validation cost lowest "
          f"{min(history.val_loss):.3f} (epoch {np.argmin(history.val_loss) + 1}), "
          f"at epoch 40 {history.val_loss[-1]:.3f}; "
          f"training cost {history.train_loss[-1]:.4f}; accuracy "
          f"{history.train_accuracy[-1]:.1%} (training), "
          f"{history.val_accuracy[-1]:.1%} (validation)")

# %% mystnb={"figure": {"caption": "Figure 13 for a network: a 784 → 256 → 10 network trained on 300 digits with momentum. Without weight decay (left) the training cost goes to almost zero and the training accuracy to 100 %, while the validation cost stops falling after a few epochs and then rises: the network memorises its 300 digits. With weight decay λ = 0.01 (right) the training cost stays higher and the validation cost stays low.", "name": "fig-overfitting-network"}}
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
for ax, (name, history) in zip(axes, {"no weight decay": big_history,
                                      "weight decay λ = 0.01": decay_history}.items(),
                               strict=True):
    _ = draw_history(history, ax, title=f"784 → 256 → 10 on 300 digits, {name}")
axes[0].legend()
plt.show()

# %%
gap = np.array(big_history.val_loss) - np.array(big_history.train_loss)
assert gap[-1] > gap[best_epoch - 1] + 0.1 > gap[1] + 0.1  # the gap keeps growing
assert big_history.val_loss[-1] > min(big_history.val_loss) + 0.05  # val. cost rises
assert big_history.train_accuracy[-1] == 1.0
assert decay_history.val_loss[-1] < big_history.val_loss[-1] - 0.05  # decay helps
assert decay_history.train_loss[-1] > big_history.train_loss[-1]  # by fitting less

# %% [markdown]
# Weight decay keeps the validation cost from rising: the network can no longer grow
# the large weights that memorising needs, and gives up some training cost for it.
#
# ### The source's claim, tested
#
# [Chapter 8](08_gradient_descent.ipynb) quoted the source: updating after every sample
# "makes [the model] subject to overfitting". If so, a run with $|B| = 1$ should end
# with a wider gap between validation and training cost than the same run with batches.
# To test that, only the batch size may change. Every run below trains the small
# 784 → 32 → 10 network of chapter 8 from the same initial weights on the same 300
# digits with `optim.SGD` (no momentum, no weight decay) for the same 10 epochs, so
# every run computes the same number of per-sample gradients, 300 × 10 = 3,000. With
# $|B| = 1$ this is Algorithm 2, in a shuffled order.
#
# The learning rate grows with the batch: $\eta = 0.01 \cdot |B|$. For a small $\eta$,
# $|B|$ per-sample steps move $\theta$ by about $\eta \sum_{j \in B} \nabla C_j(\theta)$
# (the gradient hardly changes between them), and one mean-form step with $\eta |B|$
# moves it by exactly that: the "linear scaling rule" of
# [Goyal et al. (2017)](bibliography.md). With the same $\eta$ for all, a batch of 32
# would get 32 times less far in 10 epochs, and the runs would differ in how far they
# got rather than in their batch size. The shuffle order is a source of variation too,
# so each batch size runs with two shuffle seeds.

# %%
def small_network():
    return MLP([784, 32, 10], activation="relu", rng=0, dtype=DTYPE)


claim = {}
for size in (1, 8, 32):
    for seed in (0, 1):
        model = small_network()
        history = train(model, optim.SGD(model.parameters(), lr=0.01 * size),
                        x_all[:300], y_all[:300], epochs=10, batch_size=size, seed=seed,
                        validation=(x_val, y_val))
        claim[size, seed] = history
print(f"{'|B|':>3} {'η':>5} {'seed':>4} {'train cost':>10} {'val cost':>8} {'gap':>6} "
      f"{'train acc.':>10} {'val acc.':>8}")
for (size, seed), h in claim.items():
    print(f"{size:3} {0.01 * size:5.2f} {seed:4} {h.train_loss[-1]:10.3f} "
          f"{h.val_loss[-1]:8.3f} {h.val_loss[-1] - h.train_loss[-1]:6.3f} "
          f"{h.train_accuracy[-1]:10.1%} {h.val_accuracy[-1]:8.1%}")
claim_gap = {key: h.val_loss[-1] - h.train_loss[-1] for key, h in claim.items()}
mean_gap = {size: (claim_gap[size, 0] + claim_gap[size, 1]) / 2 for size in (1, 8, 32)}
between_sizes = max(mean_gap.values()) - min(mean_gap.values())
between_seeds = max(abs(claim_gap[size, 0] - claim_gap[size, 1]) for size in (1, 8, 32))
print("mean gap over the two seeds: "
      + ", ".join(f"|B| = {size}: {gap:.3f}" for size, gap in mean_gap.items()))
print(f"the batch size moves the mean gap by {between_sizes:.3f}; "
      f"the seed moves a gap by up to {between_seeds:.3f}")

# %%
assert all(h.train_accuracy[-1] >= 0.99 for h in claim.values())  # all memorise
assert all(0.5 < gap < 0.6 for gap in claim_gap.values())  # and overfit
assert small_network().num_parameters() == 25_450
assert between_sizes < between_seeds / 2  # the batch size matters less than the shuffle
assert abs(mean_gap[1] - mean_gap[32]) < 0.02

# %% [markdown]
# Every run learns its 300 digits (nearly) by heart, and every run ends with a large gap,
# between 0.5 and 0.6: the network overfits whatever the batch size. How much does not
# follow the batch size: the mean gaps of the three batch sizes differ by less than the
# gap of one batch size differs between two shuffles. In this experiment, updating after
# every sample did not make the network overfit more than updating after batches of 8
# or 32. What overfits is a network of 25,450 parameters trained on 300 examples,
# whichever way its gradient is computed.
#
# ### What helps, measured
#
# Four remedies, each changing one thing in the run of figure 13 (left):
#
# * **more data**: 1,000 training digits instead of 300;
# * **a smaller model**: a narrow hidden layer, 784 → 16 → 10 (12,730 parameters instead
#   of 203,530), and no hidden layer at all, 784 → 10 (7,850 parameters, a linear model);
# * **early stopping**: stop when the validation cost has not improved for 5 epochs,
#   and keep the weights of its best epoch (`early_stopped` below reads that epoch off
#   the run's history);
# * **weight decay**, $\lambda = 0.01$, the run of figure 13 (right).

# %%
def early_stopped(history, patience=5):
    """The epoch early stopping keeps: the best one before `patience` worse ones."""
    best, waited = 0, 0
    for epoch in range(1, len(history)):
        if history.val_loss[epoch] < history.val_loss[best]:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                break
    return best


stop = early_stopped(big_history)
runs = {
    "none (300 digits)": big_history,
    "more data (1,000 digits)": overfit_run(train_size=1000)[1],
    "smaller model (784 → 16 → 10)": overfit_run(sizes=(784, 16, 10))[1],
    "smaller model (784 → 10)": overfit_run(sizes=(784, 10))[1],
    "early stopping (patience 5)": big_history,
    "weight decay (λ = 0.01)": decay_history,
}
results = {}
print(f"{'remedy':31} {'epoch':>5} {'train cost':>10} {'val cost':>9} {'gap':>6} "
      f"{'val accuracy':>12}")
for name, history in runs.items():
    k = stop if name.startswith("early") else len(history) - 1
    train_cost, val_cost, val_accuracy = (history.train_loss[k], history.val_loss[k],
                                          history.val_accuracy[k])
    results[name] = (train_cost, val_cost, val_accuracy)
    print(f"{name:31} {k + 1:5} {train_cost:10.3f} {val_cost:9.3f} "
          f"{val_cost - train_cost:6.3f} {val_accuracy:12.1%}")

# %% tags=["remove-input"] mystnb={"figure": {"caption": "Validation cost per epoch for the run of figure 13 and for each remedy. More data lowers the whole curve; weight decay keeps it from rising; early stopping (dotted line) keeps the weights of the lowest point. The narrow hidden layer (784 → 16 → 10) does worse than the wide one, and the linear model (784 → 10) only a little better.", "name": "fig-remedies"}}
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for name, history in runs.items():
    if not name.startswith("early"):
        _ = draw_history(history, ax, splits=("validation",), label=name)
ax.axvline(stop + 1, color="0.4", linestyle=":", lw=1, label="early stopping keeps")
ax.set_ylabel("validation cost")
ax.set_title("Remedies for overfitting")
ax.legend(fontsize=8)
plt.show()

# %%
gaps = {name: val - train for name, (train, val, _) in results.items()}
baseline = results["none (300 digits)"]
for name, (_, _, accuracy) in results.items():  # only more data gains several points
    assert (accuracy > baseline[2] + 0.03) == (name == "more data (1,000 digits)"), name
for name in ["more data (1,000 digits)", "smaller model (784 → 10)",
             "early stopping (patience 5)", "weight decay (λ = 0.01)"]:
    assert gaps[name] < gaps["none (300 digits)"], name  # these narrow the gap
assert gaps["smaller model (784 → 16 → 10)"] > gaps["none (300 digits)"]  # wider
assert results["early stopping (patience 5)"][1] < baseline[1]
assert results["weight decay (λ = 0.01)"][1] < baseline[1]

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
# In Jupyter, move the sliders: the network of chapter 8 is trained with plain SGD on
# 1,024 digits for the chosen learning rate, batch size and number of epochs, and the
# curves are redrawn. (The web version of the book has no Python behind it and shows a
# note in the sliders' place; the grid below shows the same lesson.)

# %% tags=["nbval-ignore-output"]
from ipywidgets import FloatLogSlider, SelectionSlider


def train_and_plot(learning_rate, batch_size, epochs):
    model = small_network()
    with np.errstate(all="ignore"):
        history = train(model, optim.SGD(model.parameters(), lr=learning_rate),
                        x_all[:1024], y_all[:1024], epochs, batch_size,
                        validation=(x_val, y_val))
    title = f"η = {learning_rate:.3g}, |B| = {batch_size}"
    display(plots.plot_history(history, title=title, validation_label="validation"))


_ = interact(
    train_and_plot,
    learning_rate=FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.25,
                                 description="η"),
    batch_size=SelectionSlider(options=[1, 4, 16, 32, 64, 256, 1024], value=32,
                               description="|B|"),
    epochs=IntSlider(value=8, min=1, max=30, description="epochs"),
)

# %% [markdown]
# The same in small multiples, precomputed: three learning rates by three batch sizes,
# 8 epochs each.

# %%
grid_rates, grid_batches = [0.01, 0.1, 1.0], [4, 32, 256]
grid = {}
with np.errstate(all="ignore"):
    for rate in grid_rates:
        for size in grid_batches:
            model = small_network()
            grid[rate, size] = train(model, optim.SGD(model.parameters(), lr=rate),
                                     x_all[:1024], y_all[:1024], epochs=8,
                                     batch_size=size, validation=(x_val, y_val))
accuracy = {key: history.val_accuracy[-1] for key, history in grid.items()}
best_rate, best_size = max(accuracy, key=accuracy.get)
print("validation accuracy after 8 epochs, and final training cost")
print("η \\ |B|  " + "".join(f"{size:>16}" for size in grid_batches))
for rate in grid_rates:
    print(f"{rate:<9}" + "".join(f"{grid[rate, size].val_accuracy[-1]:8.1%}, "
                                 f"{grid[rate, size].train_loss[-1]:5.2f}"
                                 for size in grid_batches))
print(f"best validation accuracy after 8 epochs: η = {best_rate}, |B| = {best_size}")

# %% tags=["remove-input"] mystnb={"figure": {"caption": "Training (solid) and validation (dashed) cost of the 784 → 32 → 10 network on 1,024 digits, for three learning rates (rows) and three batch sizes (columns), 8 epochs each. Each title gives the number of steps per epoch and the final validation accuracy. With η = 0.01, only small batches (many steps) get anywhere; with η = 1 training is erratic, and with the smallest batches the network dies (cost stuck near ln 10 ≈ 2.30, accuracy near chance); η = 0.1 with small or medium batches is the sweet spot. Larger batches take fewer steps per epoch and tolerate a larger η.", "name": "fig-grid"}}
fig, axes = plt.subplots(len(grid_rates), len(grid_batches), figsize=(9.5, 7),
                         sharex=True, sharey=True)
for i, rate in enumerate(grid_rates):
    for j, size in enumerate(grid_batches):
        history, ax = grid[rate, size], axes[i, j]
        _ = draw_history(history, ax, color="C0")
        ax.set_title(f"η = {rate}, |B| = {size}\n{math.ceil(1024 / size)} steps/epoch, "
                     f"{history.val_accuracy[-1]:.1%} right", fontsize=9)
        ax.set_ylim(0, 2.6)
axes[0, 0].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
assert best_rate == 0.1
assert accuracy[0.01, 4] > accuracy[0.01, 256] + 0.3  # small η needs many steps
assert accuracy[1.0, 4] < 0.15  # dead: chance level,
assert abs(grid[1.0, 4].train_loss[-1] - math.log(10)) < 0.15  # cost ≈ ln 10
assert accuracy[1.0, 32] > accuracy[1.0, 4] + 0.5  # a larger batch tolerates η = 1
assert min(accuracy[0.1, 4], accuracy[0.1, 32]) > max(accuracy[r, 256]
                                                      for r in grid_rates)

# %% [markdown]
# The learning rate and the batch size are one choice, not two: a batch of $|B|$
# averages away noise (chapter 8) but makes $|B|$ times fewer steps per epoch, so it
# needs a larger $\eta$ to get as far, and tolerates one. Too large an $\eta$ with small,
# noisy batches can kill a ReLU network for good: its hidden units stop responding to
# any digit, and the cost sticks at $\ln 10$, the cost of guessing uniformly.
#
# ## Summary
#
# * A model overfits when it has many parameters for its data: its training cost keeps
#   falling while its cost on new data rises (figure 13, for a polynomial and for a
#   network).
# * Weight decay adds $\frac{\lambda}{2}\|\theta\|^2$ to the cost, so the step becomes
#   $\theta \leftarrow \theta - \eta(\nabla C + \lambda\theta)$: large weights cost
#   something, and the validation cost no longer rises. More data is the real cure;
#   early stopping helps too; a smaller network, surprisingly, need not.
# * Momentum, $v \leftarrow \mu v + \nabla C$, $\theta \leftarrow \theta - \eta v$, builds
#   up speed along a valley and damps the zigzag across it.
# * Adam divides a momentum $\hat m$ by the root of an average of squared gradients
#   $\hat v$: each parameter's step is about $\eta$ whatever the scale of its gradients;
#   the bias correction undoes the zero start of $m$ and $v$. Its weight decay is
#   decoupled from the adaptive step.
# * On digits, momentum and Adam lower the training cost much faster than plain SGD.
# * Per-sample updates did not make a network overfit more than batches did: the gap
#   between validation and training cost changed less with the batch size than with
#   the order of the samples.
# * The learning rate and the batch size go together: larger batches make fewer steps
#   and need, and tolerate, a larger $\eta$.
#
# **Your task**, in the student edition of the course, where this body is left for you
# to write:
#
# * 9.1: one step of gradient descent, θ ← θ − η·(∇C + λθ) (`ppn/optim.py`:
#   `SGD._update`)
#
# Check it with `pytest tests/tasks -k TestTask9_1`, or here with
# `ppn.tasks.check("9.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} A new optimiser: Nesterov momentum (★★, 25 min)
# :label: ex-optimisers-nesterov
#
# Extend `ppn.optim` with Nesterov's method, without touching the library: write
# `class Nesterov(optim.Optimizer)` whose `_update(i, theta, gradient)` does
# $v \leftarrow \mu v + g$, $\theta \leftarrow \theta - \eta\,(g + \mu v)$ (PyTorch's
# form), with its velocity buffers allocated by `self._buffers()` (a list of zero
# arrays, one per parameter). Run it in the valley with `optimiser_path` against
# `optim.Momentum` and `optim.SGD`, all with $\eta = 0.05$ (and $\mu = 0.9$): which one
# first reaches a cost below $10^{-3}$?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-optimisers-nesterov
# :label: ex-optimisers-nesterov-solution
# :class: dropdown
# ```
#
# `Optimizer.step` calls `_update` once per parameter with its gradient; the subclass
# only supplies the arithmetic, in place on `theta`. Heavy-ball momentum with
# $\mu = 0.9$ steps along a velocity that keeps pointing the old way after the slope
# has turned, so it overshoots along the valley and swings around the minimum before
# settling: faster than SGD, but slower than with the $\mu = 0.7$ of the figure.
# Nesterov's step adds the fresh gradient to a damped look-ahead, $g + \mu v$, which
# corrects the course as soon as the slope changes: it needs less than half the steps
# of heavy-ball momentum.

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


compared = {
    "SGD": lambda p: optim.SGD(p, lr=0.05),
    "Momentum": lambda p: optim.Momentum(p, lr=0.05, momentum=0.9),
    "Nesterov": lambda p: Nesterov(p, lr=0.05, momentum=0.9),
}
first_below = {}
for name, make in compared.items():
    costs = [valley(point) for point in optimiser_path(make, steps=300)]
    first_below[name] = next(k for k, c in enumerate(costs) if c < 1e-3)
    print(f"{name:8}: C < 0.001 first after {first_below[name]:3} steps")
assert first_below["Nesterov"] < first_below["Momentum"] / 1.5
assert first_below["Momentum"] < first_below["SGD"]

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Adam without its bias correction (★, 15 min)
# :label: ex-optimisers-bias
#
# Work out by hand the length of Adam's first step for one parameter with gradient
# $g \ne 0$, with and without the bias correction (take $\varepsilon = 0$ and the default
# $\beta$s). Then check it: `optim.Adam.step` sets the corrected step size
# `self._step_size` and `self._eps_hat` before calling `Optimizer.step`; a subclass whose
# `step` sets `self._step_size = self.lr` and `self._eps_hat = self.eps` instead has no
# correction. Compare the first steps of the two on the valley.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-optimisers-bias
# :label: ex-optimisers-bias-solution
# :class: dropdown
# ```
#
# With the correction, $\hat m = g$ and $\hat v = g^2$ after one step, so the step is
# $\eta\, g / |g|$: exactly $\eta$ long in each coordinate. Without it,
# $m = 0.1\, g$ and $v = 0.001\, g^2$, and the step is
# $\eta \cdot 0.1 / \sqrt{0.001} \approx 3.16\, \eta$: the zero start of $v$, which is
# corrected more strongly than $m$'s, would make the first steps *longer*, not shorter.
# Over the next hundreds of steps $1 - \beta_2^k$ grows towards 1 and the two versions
# meet.

# %% tags=["solution"]
class AdamUncorrected(optim.Adam):
    """Adam with m and v used as they are, without dividing by 1 − βᵏ."""

    def step(self):
        self._step_size, self._eps_hat = self.lr, self.eps
        optim.Optimizer.step(self)


for adam in (optim.Adam, AdamUncorrected):
    first = optimiser_path(lambda p, adam=adam: adam(p, lr=0.5), steps=1)
    print(f"{adam.__name__:15}: first step {first[1] - first[0]}")
corrected = optimiser_path(lambda p: optim.Adam(p, lr=0.5), steps=1)
uncorrected = optimiser_path(lambda p: AdamUncorrected(p, lr=0.5), steps=1)
assert np.allclose(np.abs(corrected[1] - corrected[0]), 0.5)
assert np.allclose(np.abs(uncorrected[1] - uncorrected[0]),
                   0.5 * 0.1 / math.sqrt(0.001))

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Adam on the overfitting example (★★, 20 min)
# :label: ex-optimisers-adam
#
# Repeat the 300-digit run of figure 13 with `optim.Adam(model.parameters(), lr=1e-3)`,
# then with `weight_decay=0.01` as well. Does Adam overfit sooner or later than momentum
# (compare the epoch of lowest validation cost and the final gap between validation and
# training cost)? Does its decoupled weight decay help as much as momentum's did?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-optimisers-adam
# :label: ex-optimisers-adam-solution
# :class: dropdown
# ```
#
# Adam's lowest validation cost comes later than momentum's and its final gap is a
# little smaller, but it still memorises the 300 digits (training cost near 0) and
# overfits: the optimiser changes the path, not the capacity-against-data problem.
#
# Its weight decay of 0.01 changes almost nothing, while momentum's 0.01 lowered the
# final validation cost clearly. The same number means very different things. Momentum
# adds $\lambda \theta$ to the gradient: each step shrinks a weight by
# $\eta\lambda = 5 \times 10^{-4}$, amplified about tenfold by the velocity
# ($1 / (1 - \mu)$). Adam's decoupled decay shrinks it by $\eta \lambda = 10^{-5}$ per
# step, some 500 times less. Decoupled decay needs a much larger $\lambda$ (AdamW is
# typically used with $\lambda \approx 0.01$ to $0.1$ and longer training) to have the
# same pull.

# %% tags=["solution"]
def adam_run(weight_decay):
    model = MLP([784, 256, 10], activation="relu", rng=0, dtype=DTYPE)
    optimizer = optim.Adam(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    return train(model, optimizer, x_all[:300], y_all[:300], epochs=40,
                 validation=(x_val, y_val))


adam_runs = {
    "momentum": big_history,
    "momentum, λ = 0.01": decay_history,
    "Adam": adam_run(0.0),
    "Adam, λ = 0.01": adam_run(0.01),
}
summary = {}
for name, history in adam_runs.items():
    lowest = int(np.argmin(history.val_loss)) + 1
    final_gap = history.val_loss[-1] - history.train_loss[-1]
    summary[name] = (lowest, final_gap, history.val_loss[-1])
    print(f"{name:19}: lowest validation cost at epoch {lowest:2}, "
          f"final validation cost {history.val_loss[-1]:.3f}, "
          f"final gap {final_gap:.3f}")
assert summary["Adam"][0] > summary["momentum"][0]  # overfits later
assert summary["Adam"][1] < summary["momentum"][1]  # and with a smaller final gap
assert abs(summary["Adam, λ = 0.01"][2] - summary["Adam"][2]) < 0.01  # hardly a change
assert summary["momentum, λ = 0.01"][2] < summary["momentum"][2] - 0.1  # clearly lower

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
