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
#
# ```{literalinclude} ../ppn/linreg.py
# :pyobject: fit_closed_form
# ```
#
# ## The same answer by gradient descent
#
# Neural networks have no closed form: they are trained by repeatedly stepping
# *against* the gradient of the cost. On this problem that must reach the same line,
# which makes it a good first check of the method (chapter 6 studies it in depth).

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
# ## Exercises
#
# 1. Differentiate eq. 2 by hand and check your result against `linreg.cost_gradient`
#    at $(a, b) = (1, 0)$.
# 2. Add one outlier (a height of 150 cm with a weight of 150 kg) and refit. How much
#    does the slope move? Why does squaring the error make this model sensitive to outliers?
# 3. Fit with gradient descent and `learning_rate=2.5`. What happens, and why?
