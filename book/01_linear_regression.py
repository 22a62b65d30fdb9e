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
# # Linear regression and statistical inference
#
# Before neural networks, the simplest model that learns from data: a straight line.
# Suppose we have measured the height $x$ and the weight $y$ of fifty people, and want
# to predict the weight of someone from their height. We propose the model
#
# $$ y = a\,x + b \tag{1} $$
#
# with two **parameters**, the slope $a$ and the intercept $b$. *Statistical
# inference* is choosing them from data.
#
# ## The data
#
# The course ships a small synthetic sample (drawn from a known line plus noise, so
# that we know what the answer should be): weight ≈ 0.9 · height − 90 kg.

# %%
import matplotlib.pyplot as plt
import numpy as np

import ppn.linreg as linreg
from ppn.listing import listing
from ppn.plots import draw_descent_path

height, weight = linreg.height_weight_data(n=50, seed=0)
print(f"{len(height)} people, heights {height.min():.0f}–{height.max():.0f} cm, "
      f"weights {weight.min():.0f}–{weight.max():.0f} kg")

# %% [markdown]
# ## The cost
#
# How good is a line? For each person $i$ the line predicts $a x_i + b$; the error is
# the difference from the measured $y_i$. Squaring makes every error count positively
# and punishes large ones more. The total is the **cost**:
#
# $$ C(a, b) = \sum_i (a\,x_i + b - y_i)^2 \tag{2} $$
#
# The best line is the one with the smallest cost.

# %%
print(f"cost of a = 0.9, b = -90: {linreg.cost(0.9, -90.0, height, weight):10.1f}")
print(f"cost of a = 0.5, b = -10: {linreg.cost(0.5, -10.0, height, weight):10.1f}")

# %% [markdown]
# ## Least squares, solved exactly
#
# The cost is a smooth bowl in $(a, b)$; at its bottom both partial derivatives vanish:
#
# $$ \frac{\partial C}{\partial a} = \sum_i 2 (a x_i + b - y_i)\, x_i = 0, \qquad
#    \frac{\partial C}{\partial b} = \sum_i 2 (a x_i + b - y_i) = 0 . $$
#
# These two linear equations (the *normal equations*) give
# $a = \operatorname{cov}(x, y) / \operatorname{var}(x)$ and $b = \bar y - a \bar x$:

# %%
line = linreg.fit_closed_form(height, weight)
print(f"a = {line.slope:.4f} kg/cm,  b = {line.intercept:.2f} kg")

# %% [markdown]
# The library's code is exactly this formula:

# %% tags=["remove-input"]
listing(linreg.fit_closed_form)

# %% [markdown]
# The fitted slope, 0.82 kg/cm, is not the 0.9 of the line the sample was drawn from:
# fifty noisy people do not pin the line down exactly, and least squares gives the line
# that fits *these* fifty best.
#
# ## The same answer by gradient descent
#
# Neural networks have no closed form: they are trained by repeatedly stepping
# *against* the gradient of the cost. On this problem that must reach the same line,
# which makes it a good first check of the method
# ([chapter 8](08_gradient_descent.ipynb) studies it in depth). One step is
#
# $$ a \leftarrow a - \eta\,\frac{1}{n}\frac{\partial C}{\partial a}, \qquad
#    b \leftarrow b - \eta\,\frac{1}{n}\frac{\partial C}{\partial b} , $$
#
# with the two partial derivatives above and a small number $\eta$, the **learning
# rate**. Written for both parameters at once, with $\theta = (a, b)$ and the
# **gradient** $\nabla C = (\partial C/\partial a, \partial C/\partial b)$, the step is
# $\theta \leftarrow \theta - \eta\,\nabla C / n$. It uses the **mean** gradient
# $\nabla C / n$, not the sum: the sum grows with the data, so a learning rate that works
# for fifty people would diverge for five thousand; the mean does not.
# `linreg.descent_path` takes such steps from $(a, b) = (0, 0)$ and returns the points
# it visits.
#
# ### A narrow valley and a round bowl
#
# Take twenty steps on the heights as they are, in cm, and twenty on the **standardised**
# heights $u_i = (x_i - \bar x) / s$, where $\bar x$ is the mean height and $s$ its
# standard deviation (the line on $u$ is $y = a_u u + b_u$). Each run gets the same
# share of what its data allow: a quarter of the largest learning rate that does not
# diverge. The note below says how that limit is found.
#
# ```{note}
# How steep the bowl is in each direction is measured by the second derivatives of
# $C/n$: its matrix of second derivatives (the *Hessian*)
# $2 \begin{pmatrix} \overline{x^2} & \bar x \\ \bar x & 1 \end{pmatrix}$ has two
# eigenvalues, the curvatures along the steepest and the flattest directions. A step of
# size $\eta$ multiplies the distance to the minimum along a direction of curvature
# $\lambda$ by $1 - \eta\lambda$, so it diverges past $\eta = 2/\lambda$ of the
# steepest direction, and along the flattest it closes only a fraction $\eta\lambda$ of the
# distance per step (printed below: $3.7 \times 10^{-8}$ on raw heights, one half on
# standardised ones). The ratio of the two curvatures is how much slower the flat
# direction is: over ten million on raw heights, exactly 1 on standardised ones, whose
# Hessian is $2I$.
# ```

# %%
def curvatures(x):
    """The flattest and the steepest curvature of C/n: its Hessian's eigenvalues."""
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    return np.linalg.eigvalsh(hessian)


def largest_learning_rate(x):
    """2/λ for the steepest curvature λ: past it, gradient descent on C/n diverges."""
    return 2 / curvatures(x)[-1]


n = len(height)
u = (height - height.mean()) / height.std()
eta_raw, eta_u = largest_learning_rate(height) / 4, largest_learning_rate(u) / 4
raw_path = linreg.descent_path(height, weight, learning_rate=eta_raw, steps=20)
u_path = linreg.descent_path(u, weight, learning_rate=eta_u, steps=20)
line_u = linreg.fit_closed_form(u, weight)  # the best line on u, for the star


def raw_cost(a, b):
    return linreg.cost(a, b, height, weight) / n


def u_cost(a, b):
    return linreg.cost(a, b, u, weight) / n


print(f"raw heights:  η = {eta_raw:.2g}, "
      f"after 20 steps C/n = {raw_cost(*raw_path[-1]):.1f} kg²")
print(f"standardised: η = {eta_u:.2g}, "
      f"after 20 steps C/n = {u_cost(*u_path[-1]):.1f} kg²")
print(f"the minimum:  C/n = {raw_cost(*line):.1f} kg² (the same line, in either units)")

# %% mystnb={"figure": {"caption": "The cost C/n (contour lines) over the line's two parameters, and twenty steps of gradient descent from (0, 0) (square) towards the minimum (star). Left, on heights in cm: a long, narrow valley; the steps reach its floor and then barely move. Right, on standardised heights: a round bowl; every step goes straight at the minimum.", "name": "fig-conditioning"}}
fig, (ax_raw, ax_u) = plt.subplots(1, 2, figsize=(10, 4.2))
_ = draw_descent_path(raw_path, raw_cost, ax_raw, extent=(-0.2, 1.2, -100, 20),
                      minimum=line, resolution=201,
                      title="heights in cm: a narrow valley")
_ = draw_descent_path(u_path, u_cost, ax_u, extent=(-40, 50, -10, 80), minimum=line_u,
                      title="standardised heights: a round bowl")
ax_u.set_aspect("equal")  # equal scales: a circle looks like one
ax_u.set_xlabel("$a_u$")
ax_u.set_ylabel("$b_u$")
fig.tight_layout()
plt.show()

# %% [markdown]
# In Jupyter, the sliders below redraw both panels for another share of the largest
# learning rate and another number of steps. (The web version of the book has no Python
# behind it and shows a note in the sliders' place.) Near the limit, the path on raw
# heights bounces from wall to wall of the valley; at no share does it reach the star.

# %% tags=["nbval-ignore-output"]
from ipywidgets import FloatSlider, IntSlider, interact


def show_descent(share, steps):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, data, cost, extent, best in (
        (axes[0], height, raw_cost, (-0.2, 1.2, -100, 20), line),
        (axes[1], u, u_cost, (-40, 50, -10, 80), line_u),
    ):
        eta = share * largest_learning_rate(data)
        path = linreg.descent_path(data, weight, learning_rate=eta, steps=steps)
        _ = draw_descent_path(path, cost, ax, extent=extent, minimum=best,
                              title=f"η = {eta:.2g}: C/n = {cost(*path[-1]):.1f} kg²")
    axes[1].set_aspect("equal")
    fig.tight_layout()
    plt.show()


_ = interact(show_descent, share=FloatSlider(min=0.05, max=0.95, step=0.05, value=0.25),
             steps=IntSlider(min=1, max=200, value=20))

# %% [markdown]
# On raw heights the cost is far steeper along $a$, which multiplies numbers near 170,
# than along the floor of the valley. The learning rate must be small enough not to
# overshoot across the valley, and a step that small crawls along it: after twenty
# steps the path has stopped on the floor, far from the star. The floor slopes so
# gently that the cost there, 49.1 kg² against the minimum's 36.2 (printed above), hides
# how wrong the line is:

# %%
a_raw, b_raw = raw_path[-1]
step = raw_path[-1] - raw_path[-2]  # the last step, along the floor
print(f"after 20 steps on raw heights: a = {a_raw:.2f} kg/cm, b = {b_raw:.1f} kg "
      f"(best: a = {line.slope:.2f}, b = {line.intercept:.1f})")
print(f"the last step moved a by {step[0]:.1e} and b by {step[1]:.1e}")
# stuck, far from the best line:
assert abs(a_raw - line.slope) > 0.4 and abs(step[0]) < 1e-6
assert u_cost(*u_path[-1]) < 1.0001 * raw_cost(*line)  # at the minimum

# %% [markdown]
# The curvatures of the note above, and the fraction $\eta\lambda$ of the distance that
# one step closes along the flattest direction:

# %%
print("curvature:    flattest   steepest    ratio   ηλ (the flattest)")
for name, data, eta in (("raw heights", height, eta_raw), ("standardised", u, eta_u)):
    flattest, steepest = curvatures(data)
    print(f"{name:13} {flattest:8.3g} {steepest:10.3g} {steepest / flattest:8.2g}   "
          f"{eta * flattest:.2g}")

# %% [markdown]
# `linreg.fit_gradient_descent` therefore standardises the heights, descends with
# $\eta = 0.25$ until the steps become negligible, and maps the line back at the end
# ($a = a_u / s$, $b = b_u - a_u \bar x / s$). It reaches the closed form's line:

# %%
descended = linreg.fit_gradient_descent(height, weight)
print(f"a = {descended.slope:.4f} kg/cm,  b = {descended.intercept:.2f} kg")

# %%
assert abs(descended.slope - line.slope) < 1e-6
assert abs(descended.intercept - line.intercept) < 1e-6

# %% [markdown]
# ## Figure 1: the fitted line
#
# **Training** is finding $a$ and $b$ from the data; **prediction** is using them on a
# new height, for which we have no weight.

# %%
new_height = 185.0
predicted = line.predict(new_height)

fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(height, weight, s=18, label="measured people (training data)")
xs = np.linspace(height.min() - 5, height.max() + 5, 2)
ax.plot(xs, line.predict(xs), color="C1",
        label=f"fit: y = {line.slope:.2f} x {line.intercept:+.1f}")
ax.scatter([new_height], [predicted], color="C3", marker="*", s=150, zorder=3,
           label=f"prediction for {new_height:.0f} cm: {predicted:.1f} kg")
ax.set_xlabel("height x (cm)")
ax.set_ylabel("weight y (kg)")
ax.set_title("Figure 1: least-squares fit on synthetic height/weight data")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Figure 13: a model that fits too closely
#
# A line has two parameters. A polynomial of degree $d$,
# $y = c_0 + c_1 x + \dots + c_d x^d$, has $d + 1$, and least squares chooses them the
# same way, by minimising eq. 2; numpy's `Polynomial.fit` does it (it rescales the
# heights first, for the reason of the figure above). More parameters can only lower the
# cost on the data they are fitted to. The source's figure 13 shows what that buys on the
# height/weight example. Suppose we had measured only the first eight people: fit them
# with a line and with polynomials of higher degree, and measure each model's mean
# squared error on those eight (the **training** error) and on people it has not seen
# (the **held-out** error). The held-out people are those of the other 42 whose heights
# lie between the shortest and the tallest of the eight, where every model is
# interpolating.

# %%
from numpy.polynomial import Polynomial

train_height, train_weight = height[:8], weight[:8]
rest_height, rest_weight = height[8:], weight[8:]
inside = (rest_height >= train_height.min()) & (rest_height <= train_height.max())
held_height, held_weight = rest_height[inside], rest_weight[inside]


def mean_squared_error(model, x, y):
    return float(np.mean((model(x) - y) ** 2))


models = {d: Polynomial.fit(train_height, train_weight, d) for d in (1, 3, 5, 7)}
print(f"{inside.sum()} held-out people")
print("degree   parameters   training error   held-out error (kg²)")
for d, model in models.items():
    train_error = mean_squared_error(model, train_height, train_weight)
    held_error = mean_squared_error(model, held_height, held_weight)
    print(f"{d:6} {d + 1:12} {train_error:16.1f} {held_error:16.0f}")

# %%
train = {d: mean_squared_error(m, train_height, train_weight)
         for d, m in models.items()}
held = {d: mean_squared_error(m, held_height, held_weight) for d, m in models.items()}
assert train[7] < 1e-6  # eight parameters, eight people: through each of them
assert train[1] > train[3] > train[5] > train[7]  # the training error falls ...
assert held[7] > 50 * held[1]  # ... while the held-out error explodes

# %% mystnb={"figure": {"caption": "The source's figure 13 on its own example. Eight people (blue) fitted by a line (orange) and by a polynomial of degree 7 (red), which has eight parameters and passes exactly through all eight of them. Between them it swings far from the people it has not seen (grey), whom the line predicts much better.", "name": "fig-overfitting-height-weight"}}
fig, ax = plt.subplots(figsize=(6.5, 4))
xs = np.linspace(train_height.min(), train_height.max(), 400)
ax.scatter(held_height, held_weight, s=14, color="0.6", label="held-out people")
ax.scatter(train_height, train_weight, s=30, color="C0", zorder=3,
           label="the eight training people")  # fmt: skip
ax.plot(xs, models[1](xs), color="C1", label="line (2 parameters)")
ax.plot(xs, models[7](xs), color="C3", label="degree 7 (8 parameters)")
ax.set_ylim(30, 110)
ax.set_xlabel("height x (cm)")
ax.set_ylabel("weight y (kg)")
ax.set_title("Figure 13: overfitting the height/weight data")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# The polynomial of degree 7 has a training error of zero and a held-out error over fifty
# times the line's: it has learnt the eight people, noise included, instead of the rule
# behind them. That is **overfitting**, in the source's words a model "trained to
# correspond too closely to a particular set of data, making it less general"; and, as
# the source remarks, "overfitting is also more likely when using a model with too many
# parameters". Training error alone cannot reveal it; only data held out from training
# can. A network for MNIST has tens of thousands of parameters, and
# [chapter 9](09_optimisers.ipynb) returns to
# overfitting for networks: how to see it during training and what helps against it.

# %% [markdown]
# ## Predictive and generative models
#
# The line is a **predictive** model: given a height, it says which weight to expect,
# and nothing more. It does not say which heights occur, or how far real people fall
# from the line. A **generative** model describes how the data themselves arise, all of
# them, and so can produce new, made-up samples that look like the real ones. The
# sample of this chapter was made by one: `linreg.height_weight_data` draws each height
# from a normal distribution around 172 cm, then a weight on the line
# $0.9 \cdot \text{height} - 90$ plus normal noise. Fitting the line recovers only the
# predictive part of that recipe. The networks of this course are predictive too: they
# read an image and say which digit it shows, and cannot draw a digit.
#
# ## Summary
#
# * A model with parameters, here the line $y = a x + b$ (eq. 1), is fitted to data by
#   minimising a cost, the sum of squared errors $C(a, b)$ (eq. 2): that is the
#   **training** phase; using the fitted line on a new input is **prediction**.
# * For a line, least squares has a closed form (the normal equations). Gradient descent,
#   $\theta \leftarrow \theta - \eta\,\nabla C / n$, reaches the same line, and it is how
#   networks, which have no closed form, are trained.
# * On raw heights the cost is a long, narrow valley where descent crawls; standardised
#   inputs make it a round bowl. The mean gradient keeps the learning rate independent of
#   the number of people.
# * A model with too many parameters for its data fits its training data closely and new
#   data badly (figure 13): only held-out data reveal **overfitting**.
#
# This chapter sets no task: the library's code for it is complete in both editions of
# the course. The tasks begin in [chapter 2](02_neural_networks.ipynb).
#
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} The gradient of the cost, by hand (★, 10 min)
# :label: ex-linreg-gradient
#
# Differentiate eq. 2 by hand with respect to $a$ and to $b$, and evaluate your formulas
# at $(a, b) = (1, 0)$ on the fifty people. Check the result against
# `linreg.cost_gradient` and against a central finite difference
# $\big(C(a + \delta, b) - C(a - \delta, b)\big) / 2\delta$ (and the same in $b$).
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-linreg-gradient
# :label: ex-linreg-gradient-solution
# :class: dropdown
# ```
#
# Each term $(a x_i + b - y_i)^2$ is a square of something linear in $a$ and $b$; the
# chain rule ([chapter 3](03_forward_mode.ipynb) recalls it: derivative of the square,
# times derivative of the inside) gives
#
# $$ \frac{\partial C}{\partial a} = \sum_i 2\,(a x_i + b - y_i)\, x_i, \qquad
#    \frac{\partial C}{\partial b} = \sum_i 2\,(a x_i + b - y_i) . $$
#
# At $(1, 0)$ every residual $x_i - y_i$ is a height minus a weight, about 100, so both
# partials are large and positive: the line $y = x$ is far too high, and lowering $a$ or
# $b$ lowers the cost.

# %% tags=["solution"]
a, b = 1.0, 0.0
residual = a * height + b - weight
by_hand = (np.sum(2 * residual * height), np.sum(2 * residual))
library = linreg.cost_gradient(a, b, height, weight)
delta = 1e-6  # error ~δ² from the formula, ~1e-16/δ from rounding: balanced near 1e-6
finite_difference = (
    (linreg.cost(a + delta, b, height, weight)
     - linreg.cost(a - delta, b, height, weight)) / (2 * delta),
    (linreg.cost(a, b + delta, height, weight)
     - linreg.cost(a, b - delta, height, weight)) / (2 * delta),
)
print(f"by hand:            ∂C/∂a = {by_hand[0]:12.1f},  ∂C/∂b = {by_hand[1]:9.2f}")
print(f"linreg:             ∂C/∂a = {library[0]:12.1f},  ∂C/∂b = {library[1]:9.2f}")
print(f"finite difference:  ∂C/∂a = {finite_difference[0]:12.0f},  "
      f"∂C/∂b = {finite_difference[1]:9.0f}")
assert np.allclose(by_hand, library, rtol=1e-12)
assert np.allclose(by_hand, finite_difference, rtol=1e-6)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} One outlier (★, 10 min)
# :label: ex-linreg-outlier
#
# Add one outlier, a person of 150 cm weighing 150 kg, and refit with
# `linreg.fit_closed_form`. How much does the slope move? Why does squaring the error make
# this model so sensitive to a single point?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-linreg-outlier
# :label: ex-linreg-outlier-solution
# :class: dropdown
# ```
#
# The slope falls to about a quarter of its value. The outlier sits about 100 kg above
# the line, and its squared error, about $100^2 = 10{,}000$ kg², is nearly six times the
# cost of all fifty other people together. The least-squares line tilts towards it until
# the extra cost it pays on the fifty is balanced by what it saves on the one. It also
# pulls hard because it is far from the mean height: in $\partial C / \partial a$ its
# residual is multiplied by its height. An absolute error $|a x_i + b - y_i|$ would grow
# only linearly with the distance and resist much better.

# %% tags=["solution"]
with_outlier = linreg.fit_closed_form(np.append(height, 150.0),
                                      np.append(weight, 150.0))
outlier_error = 150.0 - line.predict(150.0)
print(f"without the outlier: a = {line.slope:.3f} kg/cm,  b = {line.intercept:7.2f} kg")
print(f"with the outlier:    a = {with_outlier.slope:.3f} kg/cm,  "
      f"b = {with_outlier.intercept:7.2f} kg")
print(f"the outlier's squared error on the old line: {outlier_error**2:,.0f} kg²; "
      f"the fifty others: {linreg.cost(*line, height, weight):,.0f} kg²")
assert with_outlier.slope < 0.3 * line.slope  # one point in 51: over two thirds of a
assert outlier_error**2 > 5 * linreg.cost(*line, height, weight)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Too large a learning rate (★★, 20 min)
# :label: ex-linreg-learning-rate
#
# Fit with `linreg.fit_gradient_descent(height, weight, learning_rate=2.5)`. What happens,
# and why? `fit_gradient_descent` works on the standardised heights
# $u_i = (x_i - \bar x) / s$, for which
# $\frac{1}{n}\sum_i u_i^2 = 1$ and $\sum_i u_i = 0$: compute by hand what one step does to
# the distance from the minimum, and find the largest learning rate that still converges.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-linreg-learning-rate
# :label: ex-linreg-learning-rate-solution
# :class: dropdown
# ```
#
# It diverges: `fit_gradient_descent` stops with a `FloatingPointError`. On standardised
# heights the step in $a$ is $\eta \cdot \frac{1}{n}\sum_i 2 (a u_i + b - y_i) u_i
# = 2\eta\,(a - a^*)$, where $a^*$ is the best slope (the sums $\sum u_i = 0$ and
# $\frac1n \sum u_i^2 = 1$ make the cross terms vanish), and likewise in $b$. So one step
# multiplies the distance from the minimum by $1 - 2\eta$. For $\eta = 2.5$ that factor is
# $-4$: each step jumps to the other side of the minimum, four times farther away. The
# iterates converge exactly when $|1 - 2\eta| < 1$, that is $0 < \eta < 1$; the default
# $\eta = 0.25$ gives $1 - 2\eta = 0.5$, halving the distance at every step.

# %% tags=["solution"]
for eta in (0.25, 0.95, 1.05, 2.5):
    try:
        fitted = linreg.fit_gradient_descent(height, weight, learning_rate=eta)
        outcome = f"a = {fitted.slope:.4f} kg/cm"
        assert eta < 1 and abs(fitted.slope - line.slope) < 1e-6
    except FloatingPointError:
        outcome = "diverged (FloatingPointError)"
        assert eta > 1
    print(f"η = {eta:<4}  factor 1 − 2η = {1 - 2 * eta:+.1f}:  {outcome}")

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} More people for the same polynomial (★, 10 min)
# :label: ex-linreg-more-data
#
# Eight people were too few for the eight parameters of figure 13. Fit the line and the
# polynomial of degree 7 again to the first 16, 24 and 32 people, and measure each one's
# training and held-out error as in figure 13 (held out: the remaining people whose
# heights lie within the training range). What happens to the polynomial's held-out
# error, and to its lead over the line on the training data?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-linreg-more-data
# :label: ex-linreg-more-data-solution
# :class: dropdown
# ```
#
# With more people the polynomial can no longer pass through each of them: its training
# error rises towards the line's, and its held-out error falls from thousands of kg² to
# the line's order of size (still above it: its extra parameters follow noise that the
# next people do not share). Overfitting is a matter of parameters *against data*: the
# same model that overfits eight people is tame on thirty-two.

# %% tags=["solution"]
print("people   degree   training error   held-out error (kg²)")
held_out_error = {}
for people in (8, 16, 24, 32):
    fit_x, fit_y = height[:people], weight[:people]
    rest_x, rest_y = height[people:], weight[people:]
    within = (rest_x >= fit_x.min()) & (rest_x <= fit_x.max())
    for d in (1, 7):
        model = Polynomial.fit(fit_x, fit_y, d)
        fit_error = mean_squared_error(model, fit_x, fit_y)
        held = mean_squared_error(model, rest_x[within], rest_y[within])
        held_out_error[people, d] = held
        print(f"{people:6} {d:8} {fit_error:16.1f} {held:16.1f}")
assert held_out_error[8, 7] > 1000 > 100 > held_out_error[16, 7] > held_out_error[24, 7]
assert all(held_out_error[p, 7] > held_out_error[p, 1] for p in (8, 16, 24, 32))

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A new model: a line through the origin (★★, 20 min)
# :label: ex-linreg-origin
#
# Some relations have no intercept (a distance is zero after zero seconds). Extend the
# library's idea to the model $y = a\,x$: minimise $C(a) = \sum_i (a x_i - y_i)^2$ by hand,
# write `fit_through_origin(x, y)` returning a `linreg.Line` with intercept 0, and check
# that `linreg.cost_gradient` says $\partial C / \partial a = 0$ at your slope. Is it a
# good model for heights and weights?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-linreg-origin
# :label: ex-linreg-origin-solution
# :class: dropdown
# ```
#
# $C'(a) = \sum_i 2 (a x_i - y_i) x_i = 0$ gives $a = \sum_i x_i y_i / \sum_i x_i^2$, and
# since $C''(a) = 2 \sum_i x_i^2 > 0$ it is a minimum. It is a poor model here: over the
# heights we measured, weight rises by about 0.8 kg per cm but is far from proportional
# to height, and a line forced through the origin cannot get both its level and its slope
# right. Its cost is over a third higher than the free line's. The free line could not do
# worse: $y = a x$ is the special case $b = 0$ of $y = a x + b$, and one more parameter to
# choose can only lower the minimum.

# %% tags=["solution"]
def fit_through_origin(x, y):
    """y = a·x with a = Σ xᵢyᵢ / Σ xᵢ²: the minimum of Σ (a·xᵢ − yᵢ)²."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return linreg.Line(float(np.sum(x * y) / np.sum(x * x)), 0.0)


origin_line = fit_through_origin(height, weight)
slope_gradient, _ = linreg.cost_gradient(origin_line.slope, 0.0, height, weight)
origin_cost = linreg.cost(*origin_line, height, weight)
free_cost = linreg.cost(*line, height, weight)
print(f"through the origin: a = {origin_line.slope:.4f} kg/cm, "
      "where ∂C/∂a is 0 up to rounding")
print(f"cost: {origin_cost:,.0f} kg² through the origin, "
      f"{free_cost:,.0f} kg² for the free line")
assert abs(slope_gradient) < 1e-6 * np.sum(2 * height * weight)  # zero, up to rounding
assert origin_cost > 4 / 3 * free_cost  # over a third higher

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
