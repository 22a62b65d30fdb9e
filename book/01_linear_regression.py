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
# ([chapter 8](08_gradient_descent.ipynb) studies it in depth).
#
# `linreg.fit_gradient_descent` changes two things before it steps, and both are worth
# knowing because every trainer of neural networks does something like them.
#
# * It **standardises** the heights: it descends on $u_i = (x_i - \bar x) / s$, where
#   $\bar x$ is the mean height and $s$ its standard deviation, and maps the line back
#   at the end ($a = a_u / s$, $b = b_u - a_u \bar x / s$ for the line $y = a_u u + b_u$).
#   On raw heights in cm the cost is a long, narrow valley: it is far steeper along $a$,
#   which multiplies numbers near 170, than along $b$. A step small enough not to
#   overshoot across the valley then crawls along it. The curvature of $C$ in each
#   direction is an eigenvalue of its matrix of second derivatives, and the cell below
#   compares the steepest with the flattest for both versions of the data.
# * It divides the gradient by the number of people $n$: the step is $\eta$ times the
#   **mean** gradient $\nabla C / n$, not the sum. The sum grows with the data, so a
#   learning rate that works for fifty people would diverge for five thousand; the mean
#   does not, and the default $\eta = 0.25$ is safe whatever $n$ (exercise 3 finds the
#   limit).

# %%
def curvatures(x):
    """Eigenvalues of the Hessian of C(a, b) = Σ (a·xᵢ + b − yᵢ)², 2·[[Σx², Σx], [Σx, n]]."""
    hessian = 2 * np.array([[np.sum(x * x), np.sum(x)], [np.sum(x), len(x)]])
    return np.linalg.eigvalsh(hessian)


u = (height - height.mean()) / height.std()
raw, standardised = curvatures(height), curvatures(u)
print(f"raw heights: the steepest direction curves {raw[1] / raw[0]:.1e} times more than the flattest")
print(f"standardised: {standardised[1] / standardised[0]:.2f} (a round bowl)")
assert raw[1] / raw[0] > 1e5
assert np.allclose(standardised, 2 * len(u))  # Hessian 2n·I: the same curvature everywhere

# %% [markdown]
# On standardised heights the bowl is round, and the descent goes straight to the bottom:

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
ax.plot(xs, line.predict(xs), color="C1", label=f"fit: y = {line.slope:.2f} x {line.intercept:+.1f}")
ax.scatter([new_height], [predicted], color="C3", marker="*", s=150, zorder=3,
           label=f"prediction for {new_height:.0f} cm: {predicted:.1f} kg")
ax.set_xlabel("height x (cm)")
ax.set_ylabel("weight y (kg)")
ax.set_title("Figure 1: least-squares fit on synthetic height/weight data")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

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
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} The gradient of the cost, by hand
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
# chain rule (derivative of the square, times derivative of the inside) gives
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
delta = 1e-6  # the usual step in float64: ppn.gradcheck's docstring explains the choice
finite_difference = (
    (linreg.cost(a + delta, b, height, weight) - linreg.cost(a - delta, b, height, weight)) / (2 * delta),
    (linreg.cost(a, b + delta, height, weight) - linreg.cost(a, b - delta, height, weight)) / (2 * delta),
)
print(f"by hand:            ∂C/∂a = {by_hand[0]:12.1f},  ∂C/∂b = {by_hand[1]:9.2f}")
print(f"linreg:             ∂C/∂a = {library[0]:12.1f},  ∂C/∂b = {library[1]:9.2f}")
print(f"finite difference:  ∂C/∂a = {finite_difference[0]:12.0f},  ∂C/∂b = {finite_difference[1]:9.0f}")
assert np.allclose(by_hand, library, rtol=1e-12)
assert np.allclose(by_hand, finite_difference, rtol=1e-6)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} One outlier
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
with_outlier = linreg.fit_closed_form(np.append(height, 150.0), np.append(weight, 150.0))
outlier_error = 150.0 - line.predict(150.0)
print(f"without the outlier: a = {line.slope:.3f} kg/cm,  b = {line.intercept:7.2f} kg")
print(f"with the outlier:    a = {with_outlier.slope:.3f} kg/cm,  b = {with_outlier.intercept:7.2f} kg")
print(f"the outlier's squared error on the old line: {outlier_error**2:,.0f} kg²; "
      f"the fifty others: {linreg.cost(*line, height, weight):,.0f} kg²")
assert with_outlier.slope < 0.3 * line.slope  # one point in 51 removes over two thirds of the slope
assert outlier_error**2 > 5 * linreg.cost(*line, height, weight)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Too large a learning rate
# :label: ex-linreg-learning-rate
#
# Fit with `linreg.fit_gradient_descent(height, weight, learning_rate=2.5)`. What happens,
# and why? `fit_gradient_descent` works on the standardised heights
# $u_i = (x_i - \bar x) / s$ (its docstring says why), for which
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
# ```{exercise} A new model: a line through the origin
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
origin_cost, free_cost = linreg.cost(*origin_line, height, weight), linreg.cost(*line, height, weight)
print(f"through the origin: a = {origin_line.slope:.4f} kg/cm, where ∂C/∂a is 0 up to rounding")
print(f"cost: {origin_cost:,.0f} kg² through the origin, {free_cost:,.0f} kg² for the free line")
assert abs(slope_gradient) < 1e-6 * np.sum(2 * height * weight)  # zero, up to rounding
assert origin_cost > 4 / 3 * free_cost  # over a third higher

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
